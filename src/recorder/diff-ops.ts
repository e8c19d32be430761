// Operations on a whole diff (recording.md §3.2) and applying a diff to a key set.
import { keysDiffer, type Key } from '../kdb/key.js'
import type { KeyName } from '../kdb/keyname.js'
import { KeySet } from '../kdb/keyset.js'
import { emptyDiff, type Diff } from './diff-model.js'
import { isCascading, keepTest, scopeTest, type ScopeTest } from './scope.js'

type Part = 'added' | 'modifiedOld' | 'modifiedNew' | 'removed'
const PARTS: readonly Part[] = ['added', 'modifiedOld', 'modifiedNew', 'removed']

/**
 * Deletes the exact name from all four sets. A cascading name stands for that path in every namespace
 * (DESIGN.md `record rm`; 0.11 only took the first namespace, Q15). Returns the names that were in
 * the diff, in order, so callers can say "not in session".
 */
export function removeKey(d: Diff, name: KeyName): KeyName[] {
  if (!isCascading(name)) {
    let found = false
    for (const p of PARTS) if (d[p].remove(name) !== undefined) found = true
    return found ? [name] : []
  }
  const path = name.sortKey.slice(1)
  return removeWhere(d, k => k.sortKey.slice(1) === path)
}

/** Deletes the name and everything below it (cascading: in every namespace). Returns what went. */
export function removeSameOrBelow(d: Diff, name: KeyName): KeyName[] {
  return removeWhere(d, scopeTest(name))
}

/**
 * Keeps only the keys at or below `parent` (a cascading parent keeps every namespace except
 * `default`) and sets the diff's parent to it.
 */
export function removeOther(d: Diff, parent: KeyName | null): void {
  const keep = keepTest(parent)
  removeWhere(d, k => !keep(k))
  d.parent = parent
}

/** Moves the keys at or below `parent` into a new diff (parent = `parent`) and returns it. */
export function cut(d: Diff, parent: KeyName | null): Diff {
  const inScope = scopeTest(parent)
  const out = emptyDiff(parent)
  for (const p of PARTS) {
    const [moved, kept] = split(d[p], inScope)
    out[p] = moved
    d[p] = kept
  }
  return out
}

/** Changes `ks` the way `d` says: applying calculate(A, B) to A gives B (within the diff's scope). */
export function applyDiff(ks: KeySet, d: Diff): void {
  for (const k of d.removed) ks.remove(k.name)
  for (const k of d.modifiedNew) ks.add(k)
  for (const k of d.added) ks.add(k)
}

/** The diff that takes the "after" state of `d` back to its "before" state. Shares the keys. */
export function invertDiff(d: Diff): Diff {
  return {
    parent: d.parent,
    added: d.removed,
    modifiedOld: d.modifiedNew,
    modifiedNew: d.modifiedOld,
    removed: d.added
  }
}

/**
 * recording.md §3.2 undo: in `ks`, delete every added name and put back every modified.old and
 * removed key.
 */
export function undoDiff(ks: KeySet, d: Diff): void {
  applyDiff(ks, invertDiff(d))
}

export interface UndoConflict {
  name: string
  /** what the session recorded the key to be now; null: absent */
  expected: Key | null
  /** what `ks` holds; null: absent */
  actual: Key | null
}

/**
 * The keys whose state in `ks` is no longer what `d` recorded as "after" (added/new key present and
 * equal, removed key absent) — undoing them would overwrite someone else's change (Q12).
 */
export function undoConflicts(ks: KeySet, d: Diff): UndoConflict[] {
  const out: UndoConflict[] = []
  const expectKey = (k: Key): void => {
    const actual = ks.lookup(k.name) ?? null
    if (actual === null || keysDiffer(k, actual))
      out.push({ name: k.name.canonical, expected: k, actual })
  }
  for (const k of d.added) expectKey(k)
  for (const k of d.modifiedNew) expectKey(k)
  for (const k of d.removed) {
    const actual = ks.lookup(k.name)
    if (actual !== undefined) out.push({ name: k.name.canonical, expected: null, actual })
  }
  return out.sort((a, b) => {
    const x = (a.expected ?? a.actual)!.name.sortKey
    const y = (b.expected ?? b.actual)!.name.sortKey
    return x < y ? -1 : x > y ? 1 : 0
  })
}

/** Removes the keys matching `test` from all four sets; returns their distinct names in order. */
function removeWhere(d: Diff, test: ScopeTest): KeyName[] {
  const gone = new Map<string, KeyName>()
  for (const p of PARTS) {
    const [moved, kept] = split(d[p], test)
    if (moved.size === 0) continue
    d[p] = kept
    for (const k of moved) gone.set(k.name.sortKey, k.name)
  }
  return [...gone.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(e => e[1])
}

/** [matching, others] as new sets (in-order appends, so linear in the size of `ks`). */
function split(ks: KeySet, test: ScopeTest): [KeySet, KeySet] {
  const yes = new KeySet()
  const no = new KeySet()
  for (const k of ks) (test(k.name) ? yes : no).add(k)
  return [yes, no]
}

export interface MetaChanges {
  /** metakey names only in the new key */
  added: string[]
  /** metakey names only in the old key */
  removed: string[]
  /** names in both with different values → the OLD value (recording.md §1.2) */
  modified: Map<string, string>
}

/** The per-metakey breakdown of a modified key; null when the name is not in `modified`. */
export function metaChanges(d: Diff, name: KeyName): MetaChanges | null {
  const o = d.modifiedOld.lookup(name)
  const n = d.modifiedNew.lookup(name)
  if (o === undefined || n === undefined) return null
  const out: MetaChanges = { added: [], removed: [], modified: new Map() }
  for (const [m, v] of o.metaEntries()) {
    const nv = n.meta.get(m)
    if (nv === undefined) out.removed.push(m)
    else if (nv !== v) out.modified.set(m, v)
  }
  for (const [m] of n.metaEntries()) if (!o.meta.has(m)) out.added.push(m)
  return out
}
