// Several processes recording at once: the session must equal diff(before, after), exactly, because
// every write appends its part under the record lock in write order.
import path from 'node:path'
import { execa } from 'execa'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { startRecording } from '../src/recorder/commands/start.js'
import { loadSession } from '../src/recorder/commands/state.js'
import { Recorder } from '../src/recorder/recorder.js'
import { REPO, TSX } from './helpers/cli.js'
import { expectSessionIsDiff } from './helpers/session-check.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

const WORKER = path.join(REPO, 'test/fixtures/record-worker.ts')
const root = parseKeyName('/')

let t: TempRoot
beforeEach(async () => {
  t = await makeTempRoot({ lockTimeoutMs: 120_000 })
})
afterEach(async () => {
  await t.cleanup()
})

it('8 processes × 200 recorded writes: the session equals diff(before, after)', async () => {
  const rec = new Recorder(t.env, new EmbeddedStore(t.env))
  await startRecording(rec)
  const before = await rec.read(root)
  const runs = Array.from({ length: 8 }, (_, id) =>
    execa('node', ['--import', TSX, WORKER, String(id + 1), '200', '20000'], {
      cwd: t.cwd,
      env: t.vars,
      reject: false
    })
  )
  const results = await Promise.all(runs)
  for (const r of results) expect(r.exitCode, r.stderr).toBe(0)
  expect(results.map(r => String(r.stdout).trim().split('\n').length)).toEqual(Array(8).fill(200))
  const { session } = await loadSession(rec)
  expect(session.diff.added.size + session.diff.modifiedNew.size + session.diff.removed.size).toBeGreaterThan(0)
  await expectSessionIsDiff(rec, before)
}, 300_000)
