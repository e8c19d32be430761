// record reset: the session data goes, the active state stays.
import type { Recorder } from '../recorder.js'

export async function resetSession(rec: Recorder): Promise<void> {
  const s = rec.session
  await s.withRecordLock(async () => {
    await s.clearFiles()
    // from now on, changes are counted from the current state
    if ((await s.activeParent()) !== null) await s.markAllSeen()
  })
}
