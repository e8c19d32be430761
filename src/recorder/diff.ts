// Diff calculation (recording.md §2): a merge-walk over two sorted key arrays.
import { keysDiffer, type Key } from '../kdb/key.js'
import type { KeyName } from '../kdb/keyname.js'
import type { KeySet } from '../kdb/keyset.js'
import { emptyDiff, type Diff } from './diff-model.js'
import { scopeTest } from './scope.js'

export interface CalculateOptions {
  /**
   * Compare only the keys with these sortKeys (e.g. the store's `touched` set), so the cost of a
   * recorded write is flat in the size of the key database. Names absent from both sets are ignored.
   */
  names?: Iterable<string>
}

const CASCADING = 1

/**
 * The changes that turn `before` into `after`, restricted to keys at or below `parent` (null: all).
 * Cascading keys are never reported. The diff shares the key objects of `before` and `after`.
 */
export function calculate(
  before: KeySet,
  after: KeySet,
  parent: KeyName | null,
  opts: CalculateOptions = {}
): Diff {
  if (before == null || after == null)
    throw new TypeError('calculate: a key set is missing (null is not an empty key set)')
  const d = emptyDiff(parent)
  if (opts.names !== undefined) {
    diffNames(before, after, parent, opts.names, d)
    return d
  }
  const [b, a] = candidates(before, after, parent)
  // namespaced parents were already narrowed to their contiguous range
  const inScope =
    parent === null || parent.sortKey.charCodeAt(0) !== CASCADING ? null : scopeTest(parent)
  const nb = b.length
  const na = a.length
  let i = 0
  let j = 0
  while (i < nb && j < na) {
    const kb = b[i] as Key
    const ka = a[j] as Key
    const sb = kb.name.sortKey
    const sa = ka.name.sortKey
    // names come from parseKeyName's cache, so equal names are usually the same object
    if (kb.name === ka.name || sb === sa) {
      i++
      j++
      if (sb.charCodeAt(0) === CASCADING || (inScope !== null && !inScope(kb.name))) continue
      if (keysDiffer(kb, ka)) {
        d.modifiedOld.add(kb)
        d.modifiedNew.add(ka)
      }
    } else if (sb < sa) {
      i++
      if (sb.charCodeAt(0) === CASCADING || (inScope !== null && !inScope(kb.name))) continue
      d.removed.add(kb)
    } else {
      j++
      if (sa.charCodeAt(0) === CASCADING || (inScope !== null && !inScope(ka.name))) continue
      d.added.add(ka)
    }
  }
  for (; i < nb; i++) {
    const kb = b[i] as Key
    if (kb.name.sortKey.charCodeAt(0) === CASCADING || (inScope !== null && !inScope(kb.name)))
      continue
    d.removed.add(kb)
  }
  for (; j < na; j++) {
    const ka = a[j] as Key
    if (ka.name.sortKey.charCodeAt(0) === CASCADING || (inScope !== null && !inScope(ka.name)))
      continue
    d.added.add(ka)
  }
  return d
}

/** The sorted key arrays to walk: for a namespaced parent only its range (binary search). */
function candidates(before: KeySet, after: KeySet, parent: KeyName | null): [Key[], Key[]] {
  if (parent === null || parent.sortKey.charCodeAt(0) === CASCADING)
    return [before.toArray(), after.toArray()]
  return [before.below(parent, { self: true }), after.below(parent, { self: true })]
}

function diffNames(
  before: KeySet,
  after: KeySet,
  parent: KeyName | null,
  names: Iterable<string>,
  d: Diff
): void {
  const inScope = scopeTest(parent)
  // sorted so that every add appends at the end of its set; JS order on sortKeys is Elektra's order
  const sorted = [...new Set(names)].sort()
  for (const sk of sorted) {
    if (sk.charCodeAt(0) === CASCADING) continue
    const name = bySortKey(sk)
    const kb = before.lookup(name)
    const ka = after.lookup(name)
    const k = kb ?? ka
    if (k === undefined || !inScope(k.name)) continue
    if (kb === undefined) d.added.add(ka as Key)
    else if (ka === undefined) d.removed.add(kb)
    else if (keysDiffer(kb, ka)) {
      d.modifiedOld.add(kb)
      d.modifiedNew.add(ka)
    }
  }
}

/** KeySet lookups read only the sortKey of a KeyName; this avoids rebuilding names from sortKeys. */
function bySortKey(sortKey: string): KeyName {
  return { sortKey } as KeyName
}
