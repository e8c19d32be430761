// A set of keys in libelektra's order (keys-and-dump.md §3): a sorted array for order and ranges,
// a Map by sort key for lookups. Appending in order is O(1); out-of-order changes are spliced in
// while reads interleave with them. When many come without an ordered read, they are batched:
// new keys go to an unsorted tail and removals stay behind as stale entries, and the next ordered
// read sorts the tail and merges it in (O(n + k log k)), resolving every entry through the Map.
// The Map is built only when first needed: a set built by appending in order (a file read, a section
// of a session, a copy) is never hashed unless a name is looked up or a change comes out of order,
// which for 100 000 keys saves a large share of reading them and the Map's memory.
import { Key } from './key.js'
import { NAMESPACE_ORDER, NAMESPACES, toKeyName, type KeyName } from './keyname.js'

export interface BelowOptions {
  /** include the parent key itself (default false) */
  self?: boolean
}

// Beyond this many in-place splices (each O(n) memmove) without an ordered read, changes are
// batched: one O(n) merge then costs about as much as this many splices.
const SPLICES_BEFORE_BATCH = 32

// A few lookups in an unindexed set (a file's bookkeeping keys) are binary searches; more build the Map.
const SEARCHES_BEFORE_INDEX = 16

/** The sort-key prefix shared by a name and everything below it (in its namespace). */
function rangePrefix(nsChar: string, k: KeyName): string {
  // a root's sort key is `ns 0 0`; its children start with `ns 0` only
  return k.parts.length === 0 ? nsChar + '\0' : nsChar + k.sortKey.slice(1)
}

export class KeySet implements Iterable<Key> {
  private arr: Key[] = []
  // null until a lookup or an out-of-order change needs it; from then on every key is in it
  private index: Map<string, Key> | null = null
  // batched mode: arr[0, sortedLen) is in order but may hold stale entries (removed or replaced
  // keys), arr[sortedLen, …) is an unsorted tail; every current key's sort key is in arr
  private dirty = false
  private sortedLen = 0
  // batched mode only: some entries of arr are stale
  private stale = false
  private splices = 0
  // lookups answered by binary search while unindexed
  private searches = 0

  constructor(keys?: Iterable<Key>) {
    if (keys !== undefined) for (const k of keys) this.add(k)
  }

  get size(): number {
    return this.index === null ? this.arr.length : this.index.size
  }

  /** The Map by sort key, built when first needed (an unindexed arr is in order, without stale entries). */
  private get map(): Map<string, Key> {
    let m = this.index
    if (m === null) {
      m = new Map()
      for (const k of this.arr) m.set(k.name.sortKey, k)
      this.index = m
    }
    return m
  }

  /** Adds a key, replacing the key of the same name. The key object is stored, not copied. */
  add(key: Key): this {
    const sk = key.name.sortKey
    const arr = this.arr
    if (this.index === null) {
      // an unindexed set is in order and clean: a key after the last one is new
      const n = arr.length
      if (n === 0 || (arr[n - 1] as Key).name.sortKey < sk) {
        arr.push(key)
        return this
      }
    }
    const before = this.map.size
    this.map.set(sk, key)
    // one hash lookup instead of has() + set(): the size tells whether the name was there
    if (this.map.size === before) {
      if (this.dirty) this.stale = true
      else arr[this.lowerBound(sk)] = key
      return this
    }
    const n = arr.length
    if (this.dirty || n === 0 || (arr[n - 1] as Key).name.sortKey < sk) {
      arr.push(key)
      return this
    }
    if (this.splices < SPLICES_BEFORE_BATCH || n < 256) {
      this.splices++
      arr.splice(this.lowerBound(sk), 0, key)
    } else {
      this.startBatch()
      arr.push(key)
    }
    return this
  }

  addAll(keys: Iterable<Key>): this {
    for (const k of keys) this.add(k)
    return this
  }

  lookup(name: string | KeyName): Key | undefined {
    const sk = toKeyName(name).sortKey
    return this.index === null && this.searches++ < SEARCHES_BEFORE_INDEX
      ? this.search(sk)
      : this.map.get(sk)
  }

  has(name: string | KeyName): boolean {
    return this.lookup(name) !== undefined
  }

  /** Removes the key of that name; returns it, or undefined if there was none. */
  remove(name: string | KeyName): Key | undefined {
    const sk = toKeyName(name).sortKey
    const key = this.map.get(sk)
    if (key === undefined) return undefined
    this.map.delete(sk)
    if (!this.dirty && (this.splices < SPLICES_BEFORE_BATCH || this.arr.length < 256)) {
      this.splices++
      this.arr.splice(this.lowerBound(sk), 1)
      return key
    }
    if (!this.dirty) this.startBatch()
    this.stale = true
    return key
  }

  /** Iterates in key order over the keys present when iteration starts. */
  [Symbol.iterator](): Iterator<Key> {
    return this.toArray()[Symbol.iterator]()
  }

  /** The keys in order (a new array). */
  toArray(): Key[] {
    return this.sorted().slice()
  }

  names(): string[] {
    return this.sorted().map(k => k.name.canonical)
  }

  first(): Key | undefined {
    return this.sorted()[0]
  }

  last(): Key | undefined {
    const arr = this.sorted()
    return arr[arr.length - 1]
  }

  /** The i-th key in order. */
  at(i: number): Key | undefined {
    return this.sorted().at(i)
  }

  /**
   * Keys below `parent` in its own namespace, in order (a contiguous range). A root parent covers
   * its whole namespace; a cascading parent only cascading keys (see belowAnyNamespace).
   */
  below(parent: string | KeyName, opts: BelowOptions = {}): Key[] {
    const p = toKeyName(parent)
    const [lo, hi] = this.range(p, p.namespace, opts.self === true)
    return this.arr.slice(lo, hi)
  }

  /**
   * Keys with the parent's parts (and below) in every namespace, in order; for a cascading
   * parent this is what libelektra's cascading scope means. Unlike libelektra's keyIsBelow,
   * the namespace roots count as "same" as the cascading root (recording.md Q9).
   */
  belowAnyNamespace(parent: string | KeyName, opts: BelowOptions = {}): Key[] {
    const p = toKeyName(parent)
    const out: Key[] = []
    for (const ns of NAMESPACES) {
      const [lo, hi] = this.range(p, ns, opts.self === true)
      for (let i = lo; i < hi; i++) out.push(this.arr[i] as Key)
    }
    return out
  }

  /** Removes and returns the parent and everything below it (in the parent's namespace). */
  cut(parent: string | KeyName): KeySet {
    const p = toKeyName(parent)
    const [lo, hi] = this.range(p, p.namespace, true)
    return this.cutRange(lo, hi)
  }

  /** Removes and returns the parent's parts and below in every namespace (ksCut of a cascading key). */
  cutAnyNamespace(parent: string | KeyName): KeySet {
    const p = toKeyName(parent)
    const out = new KeySet()
    for (const ns of NAMESPACES) {
      const [lo, hi] = this.range(p, ns, true)
      out.addAll(this.cutRange(lo, hi))
    }
    return out
  }

  /** A new set sharing the key objects (changing a key changes it in both sets). */
  copy(): KeySet {
    return KeySet.fromSorted(this.sorted().slice())
  }

  /** A deep copy: neither the set nor its keys are shared. */
  clone(): KeySet {
    return KeySet.fromSorted(this.sorted().map(k => k.clone()))
  }

  /** The keys matching `pred`, as a new set sharing the key objects. */
  filter(pred: (k: Key) => boolean): KeySet {
    return KeySet.fromSorted(this.sorted().filter(pred))
  }

  clear(): void {
    this.arr = []
    this.index = null
    this.searches = 0
    this.dirty = false
    this.stale = false
    this.sortedLen = 0
    this.splices = 0
  }

  /** Builds a set from keys already in strictly ascending order (unchecked). */
  private static fromSorted(keys: Key[]): KeySet {
    const ks = new KeySet()
    ks.arr = keys
    return ks
  }

  private cutRange(lo: number, hi: number): KeySet {
    const removed = this.arr.splice(lo, hi - lo)
    if (this.index !== null) for (const k of removed) this.index.delete(k.name.sortKey)
    return KeySet.fromSorted(removed)
  }

  /** [lo, hi) of the keys at/below the parent's parts in namespace `ns`. */
  private range(p: KeyName, ns: KeyName['namespace'], self: boolean): [number, number] {
    const arr = this.sorted()
    const nsChar = String.fromCharCode(NAMESPACE_ORDER[ns])
    const prefix = rangePrefix(nsChar, p)
    let lo = this.lowerBound(prefix)
    // the byte after a prefix's final 0 is never below 1, so this bounds the range
    const hi = this.lowerBound(prefix.slice(0, -1) + '\x01')
    if (!self && lo < hi) {
      const own = p.parts.length === 0 ? nsChar + '\0\0' : prefix
      if ((arr[lo] as Key).name.sortKey === own) lo++
    }
    return [lo, hi]
  }

  private startBatch(): void {
    this.dirty = true
    this.sortedLen = this.arr.length
  }

  /**
   * The ordered array; batched changes are merged in first: stale entries are dropped, the tail
   * is sorted and each of its keys is put in place by binary search, so the O(n) part is a copy.
   */
  private sorted(): Key[] {
    this.splices = 0
    if (!this.dirty) return this.arr
    const arr = this.arr
    const map = this.map
    let prefix: Key[]
    if (!this.stale) prefix = arr.slice(0, this.sortedLen)
    else {
      // removed keys drop out, replaced ones are swapped for the current object
      prefix = []
      for (let i = 0; i < this.sortedLen; i++) {
        const cur = map.get((arr[i] as Key).name.sortKey)
        if (cur !== undefined) prefix.push(cur)
      }
    }
    const tail: string[] = []
    for (let i = this.sortedLen; i < arr.length; i++) tail.push((arr[i] as Key).name.sortKey)
    // the default sort compares UTF-16 units, which for latin1 sort keys is byte order (and is
    // faster than a comparator)
    tail.sort()
    const out: Key[] = []
    let p = 0
    let last: string | undefined
    for (const sk of tail) {
      if (sk === last) continue
      last = sk
      const key = map.get(sk)
      if (key === undefined) continue
      const pos = lowerBoundIn(prefix, sk, p)
      for (; p < pos; p++) out.push(prefix[p] as Key)
      // a key removed and added again while batched is in both; the prefix holds it already
      if (p < prefix.length && (prefix[p] as Key).name.sortKey === sk) continue
      out.push(key)
    }
    for (; p < prefix.length; p++) out.push(prefix[p] as Key)
    this.arr = out
    this.dirty = false
    this.stale = false
    this.sortedLen = 0
    return out
  }

  /** The key of sort key sk in an unindexed (so ordered and clean) set. */
  private search(sk: string): Key | undefined {
    const k = this.arr[this.lowerBound(sk)]
    return k !== undefined && k.name.sortKey === sk ? k : undefined
  }

  /** Binary search in arr; callers make sure arr is in order (not dirty). */
  private lowerBound(sk: string): number {
    return lowerBoundIn(this.arr, sk, 0)
  }
}

/** The first index >= from whose sort key is not below sk, in a sorted array. */
function lowerBoundIn(arr: readonly Key[], sk: string, from: number): number {
  let lo = from
  let hi = arr.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((arr[mid] as Key).name.sortKey < sk) lo = mid + 1
    else hi = mid
  }
  return lo
}
