// Writer of libelektra's `dump` storage format, version 2 (keys-and-dump.md §6.7), byte-exact.
import { DumpWriteError } from './dump-error.js'
import type { Key } from './key.js'
import { escapePart, isBelowOrSame, type KeyName } from './keyname.js'
import type { KeySet } from './keyset.js'
import { ByteWriter, LF, utf8Length } from './util-bytes.js'

export interface WriteDumpOptions {
  /** write complete key names (the plugin's `/fullname` configuration) */
  fullNames?: boolean
}

/** Size of a field: its UTF-8 byte count, or (optimistically) its length, equal for ASCII. */
type Measure = (s: string) => number
const stringLength: Measure = s => s.length

/** The name a key is written under: relative to the mountpoint (§6.3), or complete. */
function relativeNamer(
  parent: KeyName,
  fullNames: boolean
): (k: KeyName) => string {
  const pc = parent.canonical
  const isRoot = parent.parts.length === 0
  const cut = isRoot ? pc.length : pc.length + 1
  return k => {
    const c = k.canonical
    // the same canonical prefix means the same leading parts: no need to compare parts
    const samePrefix =
      k.namespace === parent.namespace &&
      c.startsWith(pc) &&
      (isRoot || c.length === pc.length || c.charCodeAt(pc.length) === 0x2f)
    if (
      !samePrefix &&
      (k.namespace !== parent.namespace || !isBelowOrSame(parent, k))
    )
      throw new DumpWriteError(c, `it is not at or below the mountpoint ${pc}`)
    if (fullNames) return c
    if (samePrefix) return c.slice(cut)
    // below by parts but spelled differently (`\#5` and `#5` are one part): escape the rest anew
    return k.parts.slice(parent.parts.length).map(escapePart).join('/')
  }
}

/**
 * The metadata records of each key. A metakey object shared between keys (Key.metaShared names
 * its owner) is written with `$meta` at the first key in key order that carries it, and with
 * `$copymeta` naming that key everywhere else, as libelektra does.
 */
class MetaRecords {
  // `name \0 owner` of every shared object; null when no key shares any (then all is `$meta`)
  private readonly shared: Set<string> | null = null
  // `name \0 owner` → the first key written with that object, its written name, its value
  private readonly first = new Map<
    string,
    { key: Key; name: string; value: string }
  >()

  constructor(keys: readonly Key[]) {
    for (const k of keys) {
      const ms = k.metaShared
      if (ms === undefined || ms.size === 0) continue
      for (const [m, owner] of ms)
        if (k.meta.has(m)) (this.shared ??= new Set()).add(m + '\0' + owner)
    }
  }

  /** The records for `key`, written under `name`; may be called again for the same key. */
  of(key: Key, name: string, len: Measure): string {
    let out = ''
    for (const [m, v] of key.meta.size === 1 ? key.meta : key.metaEntries()) {
      const first =
        this.shared === null ? undefined : this.firstCarrier(key, name, m, v)
      if (first !== undefined)
        out += `$copymeta ${len(first)} ${len(m)}\n${first}\n${m}\n`
      else out += `$meta ${len(m)} ${len(v)}\n${m}\n${v}\n`
    }
    return out
  }

  /** The written name of the earlier key this metakey object was written for, if any. */
  private firstCarrier(
    key: Key,
    name: string,
    m: string,
    v: string
  ): string | undefined {
    const id = m + '\0' + (key.metaShared?.get(m) ?? key.name.canonical)
    if (!(this.shared as Set<string>).has(id)) return undefined
    const first = this.first.get(id)
    if (first === undefined) {
      this.first.set(id, { key, name, value: v })
      return undefined
    }
    // a value changed since the sharing was recorded: then it is no longer the same object
    return first.key !== key && first.value === v ? first.name : undefined
  }
}

/** Names the field holding a NUL (found in the key's records): string values cannot hold one. */
function checkNoNul(key: Key, v: string | null): void {
  if (v !== null && v.indexOf('\0') !== -1)
    throw new DumpWriteError(
      key.name.canonical,
      'the value contains a NUL character, which a string value cannot hold'
    )
  for (const [m, mv] of key.meta)
    if (mv.indexOf('\0') !== -1)
      throw new DumpWriteError(
        key.name.canonical,
        `metakey ${m} contains a NUL character, which it cannot hold`
      )
}

/** The `$key` record of a key with a string value, followed by its metadata records. */
function stringRecord(
  key: Key,
  type: string,
  name: string,
  value: string,
  metas: MetaRecords,
  len: Measure
): string {
  const rec = `$key ${type} ${len(name)} ${len(value)}\n${name}\n${value}\n`
  return key.meta.size === 0 ? rec : rec + metas.of(key, name, len)
}

/**
 * Writes `ks` as a dump file for the mountpoint `parent`. Every key must be at or below `parent`
 * (in its namespace), else DumpWriteError names it. Metakey objects shared between keys
 * (Key.metaShared) are written once and then referenced with `$copymeta`.
 */
export function writeDump(
  ks: KeySet,
  parent: KeyName,
  opts: WriteDumpOptions = {}
): Uint8Array {
  const keys = ks.toArray()
  const relName = relativeNamer(parent, opts.fullNames === true)
  const metas = new MetaRecords(keys)
  const w = new ByteWriter(Math.max(1 << 12, keys.length * 80))
  w.ascii('kdbOpen 2\n')
  for (const key of keys) {
    const name = relName(key.name)
    const type = key.isBinary() ? 'binary' : 'string'
    const v = key.value
    if (v instanceof Uint8Array) {
      w.ascii(`$key ${type} ${utf8Length(name)} ${v.length}\n`)
      w.utf8(name)
      w.byte(LF)
      w.bytes(v)
      w.byte(LF)
      if (key.meta.size === 0) continue
      const records = metas.of(key, name, utf8Length)
      if (records.indexOf('\0') !== -1) checkNoNul(key, null)
      w.utf8(records)
      continue
    }
    const s = v ?? ''
    // one string and one encoder call per key; its sizes are right if it turns out to be ASCII
    const ascii = stringRecord(key, type, name, s, metas, stringLength)
    if (ascii.indexOf('\0') !== -1) checkNoNul(key, s)
    if (!w.utf8IfAscii(ascii))
      w.utf8(stringRecord(key, type, name, s, metas, utf8Length))
  }
  w.ascii('$end\n')
  return w.finish()
}
