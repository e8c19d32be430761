// What a playbook declares, per key: the session's changes (set or delete) and its preconditions.
import type { Key } from '../kdb/key.js'
import type { KeyName, Namespace } from '../kdb/keyname.js'
import type { KeySet } from '../kdb/keyset.js'
import type { Diff } from '../recorder/diff-model.js'
import { DELETED, plainMeta } from '../meta/markers.js'

/** What export needs of a session (the recorder's Session satisfies it). */
export interface SessionInput {
  diff: Diff
  asserts: KeySet
}

/**
 * One key as a task declares it. `key` carries value and metadata (markers included): for `set` the
 * wanted state, for `assert` the expected state; `delete` and `assert-absent` ignore it.
 */
export interface Declaration {
  name: KeyName
  /** `keep`: an entry written by hand into a generated task, kept as it is by an update */
  kind: 'set' | 'delete' | 'assert' | 'assert-absent' | 'keep'
  key: Key | null
  /**
   * `set` only: the key lost metadata in the session. The module keeps metadata a task does not list,
   * so the task removes the key first (its top-level `remove:`) and writes it exactly as declared.
   */
  replace?: true
}

/** The namespaces a session can hold, in task order (DESIGN.md: spec, dir, user, system). */
export const TASK_NAMESPACES: readonly Namespace[] = ['spec', 'dir', 'user', 'system']

export interface Declarations {
  /** preconditions, in Elektra order */
  asserts: Declaration[]
  /** changes, in Elektra order */
  changes: Declaration[]
}

function byName(a: Declaration, b: Declaration): number {
  const x = a.name.sortKey
  const y = b.name.sortKey
  return x < y ? -1 : x > y ? 1 : 0
}

/** Merges lists that are each in Elektra order. */
function mergeSorted(lists: Declaration[][]): Declaration[] {
  const nonEmpty = lists.filter(l => l.length > 0)
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? []
  const out: Declaration[] = []
  const at = nonEmpty.map(() => 0)
  for (;;) {
    let best = -1
    for (let i = 0; i < nonEmpty.length; i++) {
      const d = (nonEmpty[i] as Declaration[])[at[i] as number]
      if (d !== undefined && (best === -1 || byName(d, (nonEmpty[best] as Declaration[])[at[best] as number] as Declaration) < 0)) best = i
    }
    if (best === -1) return out
    out.push((nonEmpty[best] as Declaration[])[(at[best] as number)++] as Declaration)
  }
}

/** Whether `now` lacks metadata `old` has (markers and `binary` do not count: the value says those). */
function lostMeta(old: Key | undefined, now: Key): boolean {
  if (old === undefined) return false
  for (const [name] of plainMeta(old)) if (!now.meta.has(name)) return true
  return false
}

/**
 * The session's declarations. `assertOld` adds a guard on the old state of every modified and removed
 * key; an explicit session assert of the same key wins.
 */
export function declarations(session: SessionInput, opts: { assertOld?: boolean } = {}): Declarations {
  const d = session.diff
  // the sets are sorted and disjoint: merging keeps Elektra order without a sort
  const changes = mergeSorted([
    Array.from(d.added, (k): Declaration => ({ name: k.name, kind: 'set', key: k })),
    Array.from(d.modifiedNew, (k): Declaration =>
      lostMeta(d.modifiedOld.lookup(k.name), k) ? { name: k.name, kind: 'set', key: k, replace: true } : { name: k.name, kind: 'set', key: k }
    ),
    Array.from(d.removed, (k): Declaration => ({ name: k.name, kind: 'delete', key: null }))
  ])

  const asserts: Declaration[] = []
  const asserted = new Set<string>()
  for (const k of session.asserts) {
    asserted.add(k.name.sortKey)
    const absent = k.meta.has(DELETED)
    asserts.push({ name: k.name, kind: absent ? 'assert-absent' : 'assert', key: absent ? null : k })
  }
  if (opts.assertOld === true) {
    for (const set of [d.modifiedOld, d.removed])
      for (const k of set)
        if (!asserted.has(k.name.sortKey)) asserts.push({ name: k.name, kind: 'assert', key: k })
    asserts.sort(byName)
  }
  return { asserts, changes }
}
