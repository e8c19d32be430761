// record stop: exit 0 also when not active; the data is kept.
import type { Recorder } from '../recorder.js'

export interface StopResult {
  wasActive: boolean
}

export async function stopRecording(rec: Recorder): Promise<StopResult> {
  const s = rec.session
  return s.withRecordLock(async () => {
    const parent = await s.activeParent()
    if (parent === null) return { wasActive: false }
    // what other programs changed up to now still belongs to the session
    await s.catchUp(parent)
    await s.setActive(null)
    await s.forgetAllSeen()
    return { wasActive: true }
  })
}
