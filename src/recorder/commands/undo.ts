// record undo [KEY] [--force]: reverts the recorded changes at/below KEY in the key database and drops
// them from the session. Unlike 0.11 (Q12), a key changed since it was recorded is a conflict.
import { parseKeyName, type KeyName } from '../../kdb/keyname.js'
import { cut, undoConflicts, undoDiff, type UndoConflict } from '../diff-ops.js'
import { isEmpty } from '../diff-model.js'
import type { Recorder } from '../recorder.js'
import { namespacesOf } from '../session-store.js'
import { RecordCommandError } from './command-error.js'

export interface UndoResult {
  /** names whose recorded change was reverted, in order */
  undone: string[]
  /** keys overwritten although they had changed since recording (only with force) */
  forced: UndoConflict[]
}

export class UndoConflictError extends RecordCommandError {
  readonly conflicts: UndoConflict[]
  constructor(conflicts: UndoConflict[]) {
    const names = conflicts.map(c => c.name)
    super(
      `cannot undo: ${names.length === 1 ? 'key' : 'keys'} ${names.join(', ')} changed since ` +
        'the session recorded ' +
        (names.length === 1 ? 'it' : 'them') +
        '; nothing changed (use --force to overwrite)'
    )
    this.name = 'UndoConflictError'
    this.conflicts = conflicts
  }
}

export async function undoRecorded(
  rec: Recorder,
  key?: string | KeyName,
  opts: { force?: boolean } = {}
): Promise<UndoResult> {
  const s = rec.session
  return s.withRecordLock(async () => {
    const { session, parent } = await s.load()
    const target =
      key === undefined ? (parent ?? parseKeyName('/')) : typeof key === 'string' ? parseKeyName(key) : key
    const part = cut(session.diff, target)
    if (isEmpty(part)) return { undone: [], forced: [] }
    let forced: UndoConflict[] = []
    const res = await rec.store.update(target, ks => {
      const conflicts = undoConflicts(ks, part)
      if (conflicts.length > 0 && !opts.force) throw new UndoConflictError(conflicts)
      forced = conflicts
      undoDiff(ks, part)
    })
    // the undo itself is not recorded: what it wrote is the state the session now starts from
    if (parent !== null) await s.markWritten(res.written)
    const undone = new Map<string, KeyName>()
    for (const set of [part.added, part.modifiedNew, part.removed]) for (const k of set) undone.set(k.name.sortKey, k.name)
    const names = [...undone.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(e => e[1])
    await s.writeFiles(session, namespacesOf(names))
    return { undone: names.map(n => n.canonical), forced }
  })
}
