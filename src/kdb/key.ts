// One Elektra key: name, value (string, binary bytes or none) and metadata (keys-and-dump.md §4, §5).
import { KeyNameError, parseKeyName, toKeyName, type KeyName } from './keyname.js'

/** string for string keys, bytes for binary keys, null for "no value" (either kind). */
export type KeyValue = string | Uint8Array | null

const META_PREFIX = 'meta:/'
const metaNames = new Map<string, string>()

/**
 * The canonical metakey name without `meta:/`: `meta:/x`, `x`, `/x`, `x/`, `x/./` all give `x`,
 * `comment/#10` gives `comment/#_10`. Invalid names throw (libelektra would silently use `meta:/`).
 */
export function canonicalMetaName(name: string): string {
  const hit = metaNames.get(name)
  if (hit !== undefined) return hit
  let canonical: string
  try {
    // libelektra appends a relative name with keyAddName, which rejects a leading `\%`, `\.`,
    // `\..`; we parse `meta:/` + name instead so that every canonical metakey name is accepted
    const full = name.startsWith(META_PREFIX) ? name : META_PREFIX + name
    canonical = parseKeyName(full).canonical.slice(META_PREFIX.length)
  } catch (e) {
    if (!(e instanceof KeyNameError)) throw e
    throw new KeyNameError(
      name,
      e.reason,
      `invalid metakey name ${JSON.stringify(name)}: ${e.reason}`
    )
  }
  if (metaNames.size >= 10_000) metaNames.clear()
  metaNames.set(name, canonical)
  return canonical
}

/** Sort key of a canonical metakey name: metakeys are ordered like the keys `meta:/<name>`. */
function metaSortKey(canonical: string): string {
  return parseKeyName(META_PREFIX + canonical).sortKey
}

function checkString(what: string, s: string): void {
  if (s.indexOf('\0') !== -1)
    throw new TypeError(`${what}: a string value cannot contain NUL (use a binary value)`)
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class Key {
  readonly name: KeyName
  /** Uint8Array only for binary keys (those with metakey `binary`); never a zero-length array. */
  value: KeyValue
  /** metakey name (canonical, without `meta:/`) → value */
  meta: Map<string, string>
  /** metakey name → canonical name of the key whose metakey object this key shares (`$copymeta`) */
  metaShared?: Map<string, string>

  /** Trusts its arguments (fast path for readers); use Key.create for checked construction. */
  constructor(name: KeyName, value: KeyValue = null, meta: Map<string, string> = new Map()) {
    this.name = name
    this.value = value
    this.meta = meta
  }

  /**
   * A checked key: a Uint8Array value makes it binary; a string value of a key whose metadata
   * has `binary` becomes its UTF-8 bytes. Meta names are canonicalised.
   */
  static create(
    name: string | KeyName,
    value: KeyValue = null,
    meta?: Record<string, string> | Iterable<readonly [string, string]>
  ): Key {
    const k = new Key(toKeyName(name))
    if (meta !== undefined) {
      const entries = Symbol.iterator in meta ? meta : Object.entries(meta)
      for (const [n, v] of entries as Iterable<readonly [string, string]>) k.setMeta(n, v)
    }
    if (value instanceof Uint8Array) k.setBinary(value)
    else if (typeof value === 'string') {
      checkString(k.name.canonical, value)
      k.value = k.isBinary() ? nonEmpty(encoder.encode(value)) : value
    }
    return k
  }

  get canonical(): string {
    return this.name.canonical
  }

  isBinary(): boolean {
    return this.meta.has('binary')
  }

  /** Makes this a string key; like libelektra this drops the metakeys `binary` and `origvalue`. */
  setString(value: string): this {
    checkString(this.name.canonical, value)
    this.value = value
    this.dropMeta('binary')
    this.dropMeta('origvalue')
    return this
  }

  /**
   * Makes this a binary key; a zero-length value is "no value". The bytes are not copied; a
   * Buffer is viewed as a plain Uint8Array so that equal keys compare equal in tests.
   */
  setBinary(value: Uint8Array | null): this {
    this.value = value === null ? null : nonEmpty(plain(value))
    this.meta.set('binary', '')
    this.metaShared?.delete('binary')
    return this
  }

  /** Sets (or with null removes) a metakey. Setting or removing `binary` converts the value. */
  setMeta(name: string, value: string | null): this {
    const n = canonicalMetaName(name)
    if (value === null) {
      this.dropMeta(n)
      if (n === 'binary' && this.value instanceof Uint8Array) this.value = bytesToString(this.value)
      return this
    }
    checkString(`${this.name.canonical} meta:/${n}`, value)
    this.meta.set(n, value)
    this.metaShared?.delete(n)
    if (n === 'binary' && typeof this.value === 'string')
      this.value = nonEmpty(encoder.encode(this.value))
    return this
  }

  getMeta(name: string): string | undefined {
    const v = this.meta.get(name)
    // a stored name is canonical, and canonical names are their own canonical form
    return v !== undefined ? v : this.meta.get(canonicalMetaName(name))
  }

  hasMeta(name: string): boolean {
    return this.getMeta(name) !== undefined
  }

  /** Metakeys in libelektra's order (that of the keys `meta:/<name>`). */
  metaEntries(): Array<[string, string]> {
    const entries = [...this.meta]
    if (entries.length < 2) return entries
    const keyed = entries.map(e => [metaSortKey(e[0]), e] as const)
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return keyed.map(x => x[1])
  }

  /** A copy whose value and metadata can be changed without affecting this key. */
  clone(): Key {
    return this.withName(this.name)
  }

  /** A copy (as clone) under another name. */
  withName(name: string | KeyName): Key {
    // new Uint8Array(v) copies (Buffer#slice would share the memory)
    const v = this.value instanceof Uint8Array ? new Uint8Array(this.value) : this.value
    const k = new Key(toKeyName(name), v, new Map(this.meta))
    if (this.metaShared !== undefined && this.metaShared.size > 0)
      k.metaShared = new Map(this.metaShared)
    return k
  }

  /** Same value and metadata (recording.md §1.1); the name is not compared. */
  equals(other: Key): boolean {
    return !keysDiffer(this, other)
  }

  private dropMeta(n: string): void {
    this.meta.delete(n)
    this.metaShared?.delete(n)
  }
}

function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function nonEmpty(bytes: Uint8Array): Uint8Array | null {
  return bytes.length === 0 ? null : bytes
}

/** Binary bytes read as a string value: cut at the first NUL (as readers do), decoded as UTF-8. */
function bytesToString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0)
  return decoder.decode(nul === -1 ? bytes : bytes.subarray(0, nul))
}

/** The value as bytes (string values UTF-8 encoded, no value = empty). */
export function valueBytes(k: Key): Uint8Array {
  const v = k.value
  if (v === null) return new Uint8Array(0)
  return typeof v === 'string' ? encoder.encode(v) : v
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** recording.md §1.1 valueDiffers: null ≠ "", string ≠ binary even with equal bytes. */
export function valuesDiffer(a: Key, b: Key): boolean {
  const va = a.value
  const vb = b.value
  if (va === null || vb === null) return va !== vb
  if (a.isBinary() !== b.isBinary()) return true
  if (typeof va === 'string' && typeof vb === 'string') return va !== vb
  const ba = typeof va === 'string' ? encoder.encode(va) : va
  const bb = typeof vb === 'string' ? encoder.encode(vb) : vb
  return !bytesEqual(ba, bb)
}

/** recording.md §1.1 metaDiffers: count, names, values; metakeys of metakeys are ignored. */
export function metaDiffers(a: Key, b: Key): boolean {
  if (a.name.namespace === 'meta' || b.name.namespace === 'meta') return false
  if (a.meta.size !== b.meta.size) return true
  for (const [n, v] of a.meta) if (b.meta.get(n) !== v) return true
  return false
}

/** recording.md §1.1: a change is a value change or a metadata change; names are not compared. */
export function keysDiffer(a: Key, b: Key): boolean {
  return valuesDiffer(a, b) || metaDiffers(a, b)
}
