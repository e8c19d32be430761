// Merging a part diff into the session diff (recording.md §3.1, with our changes Q4 and Q18).
import { keysDiffer, type Key } from '../kdb/key.js'
import type { KeyName } from '../kdb/keyname.js'
import type { Diff } from './diff-model.js'
import { scopeTest } from './scope.js'

/**
 * `conflict`: rows 4, 7, 13, 14 — the session entry is left unchanged (0.11 texts; 0.11 loses them, Q4).
 * `mismatch`: the part's old key is not what the session says the key currently is (Q18); the row is
 * applied anyway, so the result is what 0.11 gives.
 */
export type AppendWarningKind = 'conflict' | 'mismatch'

export interface AppendWarning {
  kind: AppendWarningKind
  /** the row of the transition table (recording.md §3.1) that applied */
  row: number
  /** canonical key name */
  name: string
  message: string
}

export class MalformedDiffError extends Error {
  readonly key: string | null
  constructor(message: string, key: string | null = null) {
    super(message)
    this.name = 'MalformedDiffError'
    this.key = key
  }
}

/**
 * Merges `part` into `session` (mutating it): all part-added keys, then modified, then removed; keys
 * not at or below `parent` are skipped (undefined/null: none are). Returns the warnings in that order.
 * A malformed part (modified old/new not pairing up) throws MalformedDiffError and merges nothing.
 */
export function append(session: Diff, part: Diff, parent: KeyName | null = null): AppendWarning[] {
  checkPart(part)
  const inScope = scopeTest(parent)
  const warnings: AppendWarning[] = []
  const s = session

  for (const k of part.added) {
    if (!inScope(k.name)) continue
    const name = k.name
    if (s.added.has(name)) {
      warnings.push(conflict(4, name, `Can't add already added key ${name.canonical}`))
    } else if (s.modifiedNew.has(name)) {
      warnings.push(conflict(7, name, `Can't add already modified key ${name.canonical}`))
    } else {
      const r = s.removed.remove(name)
      if (r === undefined) s.added.add(k) // row 1
      else if (keysDiffer(r, k)) {
        s.modifiedOld.add(r) // row 12
        s.modifiedNew.add(k)
      } // row 11: back to the original, untracked
    }
  }

  for (const n of part.modifiedNew) {
    if (!inScope(n.name)) continue
    const name = n.name
    const o = part.modifiedOld.lookup(name) as Key
    const a = s.added.lookup(name)
    if (a !== undefined) {
      mismatch(warnings, 5, a, o)
      s.added.add(n) // row 5: still added, with the new value and meta
      continue
    }
    const n1 = s.modifiedNew.lookup(name)
    if (n1 !== undefined) {
      const orig = s.modifiedOld.lookup(name) as Key
      if (keysDiffer(orig, n)) {
        mismatch(warnings, 8, n1, o)
        s.modifiedNew.add(n)
      } else {
        mismatch(warnings, 9, n1, o)
        s.modifiedOld.remove(name) // back to the original
        s.modifiedNew.remove(name)
      }
      continue
    }
    if (s.removed.has(name)) {
      warnings.push(conflict(13, name, `Can't modify already removed key ${name.canonical}`))
      continue
    }
    s.modifiedOld.add(o) // row 2
    s.modifiedNew.add(n)
  }

  for (const k of part.removed) {
    if (!inScope(k.name)) continue
    const name = k.name
    const a = s.added.lookup(name)
    if (a !== undefined) {
      mismatch(warnings, 6, a, k)
      s.added.remove(name) // row 6: never existed before the session
      continue
    }
    const n1 = s.modifiedNew.lookup(name)
    if (n1 !== undefined) {
      mismatch(warnings, 10, n1, k)
      const orig = s.modifiedOld.remove(name) as Key
      s.modifiedNew.remove(name)
      s.removed.add(orig) // row 10: the original, not the part's old
      continue
    }
    if (s.removed.has(name)) {
      warnings.push(conflict(14, name, `Can't remove already removed key ${name.canonical}`))
      continue
    }
    s.removed.add(k) // row 3
  }
  return warnings
}

function checkPart(part: Diff): void {
  // JS callers may hand in a diff read from elsewhere; 0.11 fails the whole append here too
  if (part.modifiedNew == null)
    throw new MalformedDiffError('append: the part diff has no modified.new key set')
  if (part.modifiedOld == null)
    throw new MalformedDiffError('append: the part diff has no modified.old key set')
  for (const n of part.modifiedNew)
    if (!part.modifiedOld.has(n.name))
      throw new MalformedDiffError(
        `append: ${n.name.canonical} is in the part's modified.new but not in its modified.old`,
        n.name.canonical
      )
  if (part.modifiedOld.size !== part.modifiedNew.size)
    for (const o of part.modifiedOld)
      if (!part.modifiedNew.has(o.name))
        throw new MalformedDiffError(
          `append: ${o.name.canonical} is in the part's modified.old but not in its modified.new`,
          o.name.canonical
        )
}

function conflict(row: number, name: KeyName, message: string): AppendWarning {
  return { kind: 'conflict', row, name: name.canonical, message }
}

/** Q18: the part says the key was `old`; the session says it currently is `cur`. */
function mismatch(warnings: AppendWarning[], row: number, cur: Key, old: Key): void {
  if (!keysDiffer(cur, old)) return
  const name = cur.name.canonical
  warnings.push({
    kind: 'mismatch',
    row,
    name,
    message: `Part's old version of key ${name} does not match the session's current version`
  })
}
