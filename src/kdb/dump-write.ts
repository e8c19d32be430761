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

/** The name a key is written under: relative to the mountpoint (§6.3), or complete. */
function relativeNamer(parent: KeyName, fullNames: boolean): (k: KeyName) => string {
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
    if (!samePrefix && (k.namespace !== parent.namespace || !isBelowOrSame(parent, k)))
      throw new DumpWriteError(c, `it is not at or below the mountpoint ${pc}`)
    if (fullNames) return c
    if (samePrefix) return c.slice(cut)
    // below by parts but spelled differently (`\#5` and `#5` are one part): escape the rest anew
    return k.parts.slice(parent.parts.length).map(escapePart).join('/')
  }
}

/**
 * The metakey objects some key shares (`name \0 owner`), or null when no key shares any: then every
 * metakey is written with `$meta` and nothing needs tracking.
 */
function sharedObjects(keys: readonly Key[]): Set<string> | null {
  let out: Set<string> | null = null
  for (const k of keys) {
    const shared = k.metaShared
    if (shared === undefined || shared.size === 0) continue
    for (const [m, owner] of shared) if (k.meta.has(m)) (out ??= new Set()).add(m + '\0' + owner)
  }
  return out
}

function checkNoNul(key: Key, what: string, s: string): void {
  if (s.indexOf('\0') !== -1)
    throw new DumpWriteError(key.name.canonical, `${what} contains a NUL character, which a string value cannot hold`)
}

/**
 * Writes `ks` as a dump file for the mountpoint `parent`. Every key must be at or below `parent`
 * (in its namespace). Metakey objects shared between keys (Key.metaShared) are written once and then
 * referenced with `$copymeta` naming the first key in key order that carried them, as libelektra does.
 */
export function writeDump(ks: KeySet, parent: KeyName, opts: WriteDumpOptions = {}): Uint8Array {
  const keys = ks.toArray()
  const relName = relativeNamer(parent, opts.fullNames === true)
  const shared = sharedObjects(keys)
  // `name \0 owner` → the first key written with that object, and the value it had
  const firstCarrier = new Map<string, { name: string; value: string }>()
  const w = new ByteWriter(Math.max(1 << 12, keys.length * 64))
  w.ascii('kdbOpen 2\n')
  for (const key of keys) {
    const name = relName(key.name)
    const binary = key.isBinary()
    const v = key.value
    const nameSize = utf8Length(name)
    if (v instanceof Uint8Array) {
      w.ascii(`$key ${binary ? 'binary' : 'string'} ${nameSize} ${v.length}\n`)
      w.utf8(name)
      w.byte(LF)
      w.bytes(v)
    } else {
      const s = v ?? ''
      if (!binary) checkNoNul(key, 'the value', s)
      w.ascii(`$key ${binary ? 'binary' : 'string'} ${nameSize} ${utf8Length(s)}\n`)
      w.utf8(name)
      w.byte(LF)
      w.utf8(s)
    }
    w.byte(LF)
    if (key.meta.size === 0) continue
    for (const [m, mv] of key.meta.size === 1 ? key.meta : key.metaEntries()) {
      if (shared !== null) {
        const id = m + '\0' + (key.metaShared?.get(m) ?? key.name.canonical)
        if (shared.has(id)) {
          const first = firstCarrier.get(id)
          if (first === undefined) firstCarrier.set(id, { name, value: mv })
          else if (first.value === mv) {
            w.ascii(`$copymeta ${utf8Length(first.name)} ${utf8Length(m)}\n`)
            w.utf8(first.name)
            w.byte(LF)
            w.utf8(m)
            w.byte(LF)
            continue
          }
        }
      }
      checkNoNul(key, `metakey ${m}`, mv)
      w.ascii(`$meta ${utf8Length(m)} ${utf8Length(mv)}\n`)
      w.utf8(m)
      w.byte(LF)
      w.utf8(mv)
      w.byte(LF)
    }
  }
  w.ascii('$end\n')
  return w.finish()
}
