// record start [PARENT] [--resume | --reset] (DESIGN.md; recording.md Q13: never switch silently).
import { parseKeyName, type KeyName } from '../../kdb/keyname.js'
import type { Recorder } from '../recorder.js'
import { RecordCommandError } from './command-error.js'

export interface StartOptions {
  /** default `/`: everything */
  parent?: string | KeyName
  /** already active with another parent: switch to the new parent, keeping the data */
  resume?: boolean
  /** clear the session data first */
  reset?: boolean
}

export type StartAction = 'started' | 'unchanged' | 'resumed' | 'reset'

export interface StartResult {
  action: StartAction
  parent: KeyName
  /** the parent of the session that was active before, if any */
  previous: KeyName | null
}

export async function startRecording(rec: Recorder, opts: StartOptions = {}): Promise<StartResult> {
  if (opts.resume && opts.reset) throw new RecordCommandError('--resume and --reset exclude each other')
  const parent = typeof opts.parent === 'string' ? parseKeyName(opts.parent) : (opts.parent ?? parseKeyName('/'))
  const s = rec.session
  return s.withRecordLock(async () => {
    const previous = await s.activeParent()
    if (previous !== null && previous.canonical !== parent.canonical && !opts.resume && !opts.reset)
      throw new RecordCommandError(
        `recording is already active for ${previous.canonical}: use --resume to continue the session ` +
          `with parent ${parent.canonical} or --reset to start it afresh`
      )
    if (opts.reset) {
      await s.clearFiles()
      if (previous?.canonical !== parent.canonical) await s.setActive(parent)
      await s.markAllSeen()
      return { action: 'reset', parent, previous }
    }
    if (previous !== null && previous.canonical === parent.canonical)
      return { action: 'unchanged', parent, previous }
    // changes made so far belong to the old scope: record them before the scope changes
    if (previous !== null) await s.catchUp(previous)
    await s.setActive(parent)
    await s.markAllSeen()
    return { action: previous === null ? 'started' : 'resumed', parent, previous }
  })
}
