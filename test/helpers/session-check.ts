// The strongest check of a recording: the session is exactly diff(before, now), without warnings.
import { expect } from 'vitest'
import { parseKeyName } from '../../src/kdb/keyname.js'
import type { KeySet } from '../../src/kdb/keyset.js'
import { loadSession } from '../../src/recorder/commands/state.js'
import { calculate } from '../../src/recorder/diff.js'
import { toJson } from '../../src/recorder/diff-json.js'
import type { Recorder } from '../../src/recorder/recorder.js'
import { filterPart } from '../../src/recorder/session-store.js'

const root = parseKeyName('/')

export async function expectSessionIsDiff(rec: Recorder, before: KeySet): Promise<void> {
  const { session } = await loadSession(rec)
  const after = await rec.read(root)
  const want = filterPart(calculate(before, after, null), root)
  expect(toJson(session.diff)).toEqual(toJson({ ...want, parent: session.diff.parent }))
  expect(session.warnings).toBe(0)
}
