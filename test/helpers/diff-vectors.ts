// Reads the in-memory encoding of diff-calc.json / diff-append.json (vectors/README.md): meta names
// with `meta:/`, binary values as text flagged `binary: true`, null ≠ "".
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Key } from '../../src/kdb/key.js'
import { parseKeyName } from '../../src/kdb/keyname.js'
import { KeySet } from '../../src/kdb/keyset.js'
import type { Diff } from '../../src/recorder/diff-model.js'

export const VECTORS =
  process.env.ELEKTRA_PLAYBOOK_VECTORS ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/vectors')

export const vector = <T>(name: string): T =>
  JSON.parse(readFileSync(path.join(VECTORS, name), 'utf8')) as T

export interface VEntry {
  value: string | null
  meta: Record<string, string>
  binary?: boolean
}
export type VKeys = Record<string, VEntry>
export interface VDiff {
  added: VKeys
  modified: Record<string, { old: VEntry; new: VEntry }>
  removed: VKeys
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function vKey(name: string, e: VEntry): Key {
  const value = e.value !== null && e.binary === true ? encoder.encode(e.value) : e.value
  return Key.create(name, value, e.meta)
}

export function vKeySet(keys: VKeys): KeySet {
  return new KeySet(Object.entries(keys).map(([n, e]) => vKey(n, e)))
}

export function vDiff(v: VDiff, parent: string | null = null): Diff {
  const d: Diff = {
    parent: parent === null ? null : parseKeyName(parent),
    added: vKeySet(v.added),
    modifiedOld: new KeySet(),
    modifiedNew: new KeySet(),
    removed: vKeySet(v.removed)
  }
  for (const [n, m] of Object.entries(v.modified)) {
    d.modifiedOld.add(vKey(n, m.old))
    d.modifiedNew.add(vKey(n, m.new))
  }
  return d
}

export function toVEntry(k: Key): VEntry {
  const meta: Record<string, string> = {}
  for (const [n, v] of k.meta) if (n !== 'binary') meta['meta:/' + n] = v
  const v = k.value
  if (!k.isBinary()) return { value: v as string | null, meta }
  return { value: v === null ? null : decoder.decode(v as Uint8Array), meta, binary: true }
}

export function toVKeys(ks: KeySet): VKeys {
  const out: VKeys = {}
  for (const k of ks) out[k.name.canonical] = toVEntry(k)
  return out
}

export function toVDiff(d: Diff): VDiff {
  const modified: VDiff['modified'] = {}
  for (const n of d.modifiedNew) {
    const o = d.modifiedOld.lookup(n.name)
    if (o === undefined) throw new Error(`${n.name.canonical}: in modified.new only`)
    modified[n.name.canonical] = { old: toVEntry(o), new: toVEntry(n) }
  }
  if (d.modifiedOld.size !== d.modifiedNew.size) throw new Error('modified.old has extra keys')
  return { added: toVKeys(d.added), modified, removed: toVKeys(d.removed) }
}
