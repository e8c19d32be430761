// The `kdb` commands of our CLI as library calls: reads, and writes through Recorder.update so they are
// recorded while a session is active.
import { canonicalMetaName, Key } from '../../kdb/key.js'
import { isBelowOrSame, keyNameFromParts, parseKeyName, type KeyName } from '../../kdb/keyname.js'
import { KeySet } from '../../kdb/keyset.js'
import { readDump } from '../../kdb/dump-read.js'
import { writeDump } from '../../kdb/dump-write.js'
import { FILE_NAMESPACES } from '../../kdb/paths.js'
import type { Recorder } from '../recorder.js'
import { RecordCommandError } from './command-error.js'

/** Cascading lookup order of the namespaces that files hold (proc and default hold nothing here). */
const CASCADE: readonly ('dir' | 'user' | 'system')[] = ['dir', 'user', 'system']

export class KeyNotFoundError extends RecordCommandError {
  readonly key: string
  constructor(key: string) {
    super(`Did not find key '${key}'`)
    this.name = 'KeyNotFoundError'
    this.key = key
  }
}

function nameOf(key: string | KeyName): KeyName {
  return typeof key === 'string' ? parseKeyName(key) : key
}

/** The key a name refers to: itself, or for a cascading name the first namespace that has it. */
export async function lookupKey(rec: Recorder, key: string | KeyName): Promise<Key | undefined> {
  const name = nameOf(key)
  if (name.namespace !== 'cascading') return (await rec.read(name)).lookup(name)
  const ks = await rec.read(name)
  for (const ns of CASCADE) {
    const k = ks.lookup(keyNameFromParts(ns, name.parts))
    if (k !== undefined) return k
  }
  return undefined
}

/** Where a write to `key` goes: a cascading name means the namespace that has it, else `user:`. */
export async function writeTarget(rec: Recorder, key: string | KeyName): Promise<KeyName> {
  const name = nameOf(key)
  if (name.namespace !== 'cascading') {
    if (!(FILE_NAMESPACES as readonly string[]).includes(name.namespace))
      throw new RecordCommandError(`${name.canonical}: no file can hold keys of namespace ${name.namespace}`)
    return name
  }
  return (await lookupKey(rec, name))?.name ?? keyNameFromParts('user', name.parts)
}

export async function getValue(rec: Recorder, key: string | KeyName): Promise<Key> {
  const k = await lookupKey(rec, key)
  if (k === undefined) throw new KeyNotFoundError(nameOf(key).canonical)
  return k
}

/** `kdb set`: a string value; the key's metadata is kept (`binary` goes, as in libelektra). */
export async function setValue(rec: Recorder, key: string | KeyName, value: string): Promise<KeyName> {
  const name = await writeTarget(rec, key)
  await rec.update(name, ks => {
    const old = ks.lookup(name)
    ks.add(old === undefined ? Key.create(name, value) : old.clone().setString(value))
  })
  return name
}

/** `kdb rm [-r]`; returns the names removed. A missing key is an error (nothing written). */
export async function removeKeys(
  rec: Recorder,
  key: string | KeyName,
  opts: { recursive?: boolean } = {}
): Promise<string[]> {
  const name = await writeTarget(rec, key)
  let removed: string[] = []
  await rec.update(name, ks => {
    if (opts.recursive) {
      removed = ks.cut(name).names()
    } else if (ks.remove(name) !== undefined) removed = [name.canonical]
    if (removed.length === 0) throw new KeyNotFoundError(name.canonical)
  })
  return removed
}

export async function getMeta(rec: Recorder, key: string | KeyName, meta: string): Promise<string> {
  const k = await getValue(rec, key)
  const m = canonicalMetaName(meta)
  const v = k.getMeta(m)
  if (v === undefined) throw new RecordCommandError(`Metakey '${m}' not found on key '${k.name.canonical}'`)
  return v
}

/** `kdb meta-set`; creates the key (without a value) when it does not exist, as libelektra does. */
export async function setMeta(
  rec: Recorder,
  key: string | KeyName,
  meta: string,
  value: string
): Promise<KeyName> {
  const m = canonicalMetaName(meta)
  const name = await writeTarget(rec, key)
  await rec.update(name, ks => {
    const old = ks.lookup(name)
    ks.add((old === undefined ? new Key(name) : old.clone()).setMeta(m, value))
  })
  return name
}

export async function removeMeta(rec: Recorder, key: string | KeyName, meta: string): Promise<KeyName> {
  const m = canonicalMetaName(meta)
  const name = await writeTarget(rec, key)
  await rec.update(name, ks => {
    const old = ks.lookup(name)
    if (old === undefined) throw new KeyNotFoundError(name.canonical)
    if (old.hasMeta(m)) ks.add(old.clone().setMeta(m, null))
  })
  return name
}

/** `kdb ls`: the names at and below `key` (default `/`: everything), in order. */
export async function listKeys(rec: Recorder, key: string | KeyName = '/'): Promise<string[]> {
  return (await rec.read(nameOf(key))).names()
}

function exportParent(key: string | KeyName): KeyName {
  const name = nameOf(key)
  if (!(FILE_NAMESPACES as readonly string[]).includes(name.namespace))
    throw new RecordCommandError(
      `${name.canonical}: export and import need a key of namespace spec, dir, user or system`
    )
  return name
}

/** `kdb export KEY`: KEY and everything below it as a dump file, names relative to KEY. */
export async function exportDump(rec: Recorder, key: string | KeyName): Promise<Uint8Array> {
  const name = exportParent(key)
  return writeDump(new KeySet((await rec.read(name)).below(name, { self: true })), name)
}

/**
 * `kdb import KEY`: replaces KEY and everything below it with the dump's keys (names relative to KEY),
 * all or nothing. A malformed dump throws DumpError (naming the byte offset) before anything is written.
 */
export async function importDump(
  rec: Recorder,
  key: string | KeyName,
  bytes: Uint8Array,
  file = '<stdin>'
): Promise<number> {
  const name = exportParent(key)
  const incoming = readDump(bytes, name, { file })
  for (const k of incoming)
    if (k.name.namespace !== name.namespace || !isBelowOrSame(name, k.name))
      throw new RecordCommandError(`${file}: key ${k.name.canonical} lies outside ${name.canonical}`)
  await rec.update(name, ks => {
    ks.cut(name)
    ks.addAll(incoming)
  })
  return incoming.size
}
