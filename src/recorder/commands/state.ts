// record state: what the session holds (recording.md §5), plus our merge-warning count (Q4).
import type { KeyName } from '../../kdb/keyname.js'
import type { AppendWarning } from '../append.js'
import type { Recorder } from '../recorder.js'
import type { Session } from '../session-store.js'

export interface RecordState {
  active: boolean
  /** the active session's parent; null when not active */
  parent: string | null
  added: string[]
  modified: string[]
  removed: string[]
  asserts: string[]
  /** merge warnings over the whole session */
  warnings: number
}

/** The session as of now (other programs' changes caught up, journal folded). */
export async function loadSession(
  rec: Recorder
): Promise<{ session: Session; parent: KeyName | null; warnings: AppendWarning[] }> {
  const s = rec.session
  return s.withRecordLock(() => s.load())
}

export function stateOf(session: Session, parent: KeyName | null): RecordState {
  return {
    active: parent !== null,
    parent: parent?.canonical ?? null,
    added: session.diff.added.names(),
    modified: session.diff.modifiedNew.names(),
    removed: session.diff.removed.names(),
    asserts: session.asserts.names(),
    warnings: session.warnings
  }
}

export async function recordingState(rec: Recorder): Promise<RecordState & { newWarnings: AppendWarning[] }> {
  const { session, parent, warnings } = await loadSession(rec)
  return { ...stateOf(session, parent), newWarnings: warnings }
}

/** libelektra 0.11's `kdb record-state` text, then our count of merge warnings. */
export function formatState(st: RecordState): string {
  if (!st.active) return 'Recording is not enabled\n'
  const lines = [
    `Recording is active for ${st.parent}`,
    '',
    `Added ${st.added.length} key(s)`,
    `Modified ${st.modified.length} key(s)`,
    `Removed ${st.removed.length} key(s)`
  ]
  const listed = [
    ...st.added.map(n => `Added key ${n}`),
    ...st.modified.map(n => `Modified key ${n}`),
    ...st.removed.map(n => `Removed key ${n}`)
  ]
  if (listed.length > 0) lines.push('', ...listed)
  if (st.asserts.length > 0) lines.push('', ...st.asserts.map(n => `Assert key ${n}`))
  lines.push('', `Merge warnings: ${st.warnings}`)
  return lines.join('\n') + '\n'
}
