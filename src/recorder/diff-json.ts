// DESIGN.md's `export --format json` shape of a session, both ways.
import { Key } from '../kdb/key.js'
import { KeyNameError, parseKeyName, type KeyName } from '../kdb/keyname.js'
import { KeySet } from '../kdb/keyset.js'
import { emptyDiff, type Diff } from './diff-model.js'

export type JsonValue = string | null | { base64: string }

export interface JsonEntry {
  value: JsonValue
  /** metakey names without `meta:/` */
  meta: Record<string, string>
}

export interface DiffJson {
  parent: string | null
  added: Record<string, JsonEntry>
  modified: Record<string, { old: JsonEntry; new: JsonEntry }>
  removed: Record<string, JsonEntry>
  asserts: Record<string, JsonEntry>
}

/** Bad JSON input; `path` says where, e.g. `modified["user:/a"].new.value`. */
export class DiffJsonError extends Error {
  readonly path: string
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`)
    this.name = 'DiffJsonError'
    this.path = path
  }
}

/** Names canonical and in Elektra order (object keys keep insertion order; no name is an integer). */
export function toJson(d: Diff, asserts: KeySet = new KeySet()): DiffJson {
  const modified: DiffJson['modified'] = {}
  for (const n of d.modifiedNew) {
    const o = d.modifiedOld.lookup(n.name)
    if (o === undefined) throw new Error(`toJson: ${n.name.canonical} has no modified.old key`)
    modified[n.name.canonical] = { old: entry(o), new: entry(n) }
  }
  return {
    parent: d.parent === null ? null : d.parent.canonical,
    added: entries(d.added),
    modified,
    removed: entries(d.removed),
    asserts: entries(asserts)
  }
}

function entries(ks: KeySet): Record<string, JsonEntry> {
  const out: Record<string, JsonEntry> = {}
  for (const k of ks) out[k.name.canonical] = entry(k)
  return out
}

function entry(k: Key): JsonEntry {
  const v = k.value
  const value: JsonValue =
    v instanceof Uint8Array
      ? { base64: Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64') }
      : v
  const meta: Record<string, string> = {}
  for (const [n, mv] of k.metaEntries()) setOwn(meta, n, mv)
  return { value, meta }
}

// `__proto__` is a valid metakey name; plain assignment would set the prototype instead
function setOwn(o: Record<string, string>, k: string, v: string): void {
  if (k !== '__proto__') o[k] = v
  else Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
}

/** Reads the shape back (a parsed JSON value); every error names the place in the document. */
export function fromJson(json: unknown): { diff: Diff; asserts: KeySet } {
  const root = object(json, '$')
  for (const f of Object.keys(root))
    if (!['parent', 'added', 'modified', 'removed', 'asserts'].includes(f))
      throw new DiffJsonError(`$.${f}`, 'unknown field')
  const parent =
    root.parent === undefined || root.parent === null ? null : name(root.parent, '$.parent')
  const d = emptyDiff(parent)
  const seen = new Map<string, string>()
  const claim = (n: KeyName, path: string): void => {
    const other = seen.get(n.sortKey)
    if (other !== undefined) throw new DiffJsonError(path, `key ${n.canonical} is also at ${other}`)
    seen.set(n.sortKey, path)
  }
  for (const [s, e, path] of members(root.added, '$.added')) {
    const n = diffName(s, path)
    claim(n, path)
    d.added.add(key(n, e, path))
  }
  for (const [s, e, path] of members(root.modified, '$.modified')) {
    const n = diffName(s, path)
    claim(n, path)
    const pair = object(e, path)
    for (const f of Object.keys(pair))
      if (f !== 'old' && f !== 'new') throw new DiffJsonError(`${path}.${f}`, 'unknown field')
    d.modifiedOld.add(key(n, pair.old, `${path}.old`))
    d.modifiedNew.add(key(n, pair.new, `${path}.new`))
  }
  for (const [s, e, path] of members(root.removed, '$.removed')) {
    const n = diffName(s, path)
    claim(n, path)
    d.removed.add(key(n, e, path))
  }
  const asserts = new KeySet()
  const assertSeen = new Set<string>()
  for (const [s, e, path] of members(root.asserts, '$.asserts')) {
    const n = diffName(s, path)
    if (assertSeen.has(n.sortKey)) throw new DiffJsonError(path, `key ${n.canonical} is listed twice`)
    assertSeen.add(n.sortKey)
    asserts.add(key(n, e, path))
  }
  return { diff: d, asserts }
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new DiffJsonError(path, 'expected an object')
  return v as Record<string, unknown>
}

function* members(v: unknown, path: string): Generator<[string, unknown, string]> {
  if (v === undefined) return
  const o = object(v, path)
  for (const k of Object.keys(o)) yield [k, o[k], `${path}[${JSON.stringify(k)}]`]
}

function name(v: unknown, path: string): KeyName {
  if (typeof v !== 'string') throw new DiffJsonError(path, 'expected a key name')
  try {
    return parseKeyName(v)
  } catch (e) {
    if (e instanceof KeyNameError) throw new DiffJsonError(path, e.message)
    throw e
  }
}

function diffName(s: string, path: string): KeyName {
  const n = name(s, path)
  if (n.namespace === 'cascading' || n.namespace === 'meta')
    throw new DiffJsonError(path, `a diff cannot hold ${n.namespace} key ${n.canonical}`)
  return n
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function key(n: KeyName, v: unknown, path: string): Key {
  const e = object(v, path)
  for (const f of Object.keys(e))
    if (f !== 'value' && f !== 'meta') throw new DiffJsonError(`${path}.${f}`, 'unknown field')
  const k = new Key(n)
  if (e.meta !== undefined) {
    const m = object(e.meta, `${path}.meta`)
    for (const mn of Object.keys(m)) {
      const mv = m[mn]
      const mpath = `${path}.meta[${JSON.stringify(mn)}]`
      if (typeof mv !== 'string') throw new DiffJsonError(mpath, 'expected a string')
      try {
        k.setMeta(mn, mv)
      } catch (err) {
        if (err instanceof KeyNameError || err instanceof TypeError)
          throw new DiffJsonError(mpath, err.message)
        throw err
      }
    }
  }
  const value = e.value
  const vpath = `${path}.value`
  if (value === null || value === undefined) return k
  if (typeof value === 'string') {
    // a string value would silently become bytes on a binary key; the shape says {base64}
    if (k.isBinary())
      throw new DiffJsonError(vpath, 'a binary key (meta "binary") needs {"base64": …}')
    if (value.includes('\0'))
      throw new DiffJsonError(vpath, 'a string value cannot contain NUL; use {"base64": …}')
    k.value = value
    return k
  }
  const b = object(value, vpath)
  if (Object.keys(b).length !== 1 || typeof b.base64 !== 'string')
    throw new DiffJsonError(vpath, 'expected a string, null or {"base64": "…"}')
  if (!BASE64.test(b.base64)) throw new DiffJsonError(`${vpath}.base64`, 'not valid base64')
  k.setBinary(new Uint8Array(Buffer.from(b.base64, 'base64')))
  return k
}
