// The session diff (recording.md §1): whole keys, never deltas, in four key sets.
import type { KeyName } from '../kdb/keyname.js'
import { KeySet } from '../kdb/keyset.js'

/**
 * A name is in at most one of added / modified / removed; modifiedOld and modifiedNew hold the same
 * names. The sets hold Key objects shared with whatever they came from: clone a diff before changing
 * its keys in place.
 */
export interface Diff {
  /** the scope the diff was computed or filtered for; informational */
  parent: KeyName | null
  /** keys as they are after the change, absent before */
  added: KeySet
  /** keys as they were before */
  modifiedOld: KeySet
  /** keys as they are after; value or meta differs from modifiedOld */
  modifiedNew: KeySet
  /** keys as they were before (last value and meta), absent after */
  removed: KeySet
}

export interface DiffCounts {
  added: number
  modified: number
  removed: number
}

export function emptyDiff(parent: KeyName | null = null): Diff {
  return {
    parent,
    added: new KeySet(),
    modifiedOld: new KeySet(),
    modifiedNew: new KeySet(),
    removed: new KeySet()
  }
}

export function isEmpty(d: Diff): boolean {
  return d.added.size === 0 && d.modifiedNew.size === 0 && d.removed.size === 0
}

export function counts(d: Diff): DiffCounts {
  return { added: d.added.size, modified: d.modifiedNew.size, removed: d.removed.size }
}

/** A deep copy: neither the sets nor their keys are shared with `d`. */
export function cloneDiff(d: Diff): Diff {
  return {
    parent: d.parent,
    added: d.added.clone(),
    modifiedOld: d.modifiedOld.clone(),
    modifiedNew: d.modifiedNew.clone(),
    removed: d.removed.clone()
  }
}
