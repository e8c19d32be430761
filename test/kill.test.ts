// A recording writer killed with SIGKILL at random points: every file still parses, the session is
// still readable, and (because lost parts are caught up from the seen state and no part is applied
// twice) it still equals diff(before, after).
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { readDump } from '../src/kdb/dump-read.js'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { startRecording } from '../src/recorder/commands/start.js'
import { Recorder } from '../src/recorder/recorder.js'
import { JOURNAL_FILE, readJournal } from '../src/recorder/session-journal.js'
import { REPO, TSX } from './helpers/cli.js'
import { expectSessionIsDiff } from './helpers/session-check.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

const WORKER = path.join(REPO, 'test/fixtures/record-worker.ts')

let t: TempRoot
beforeEach(async () => {
  t = await makeTempRoot({ lockTimeoutMs: 20_000 })
})
afterEach(async () => {
  await t.cleanup()
})

async function* files(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) yield* files(p)
    else if (e.isFile()) yield p
  }
}

/** Kills the worker after it has done `writes` writes plus a random delay within the next write. */
async function runAndKill(id: number, writes: number): Promise<void> {
  // a tiny fold threshold so that kills also land inside folds
  const child = execa('node', ['--import', TSX, WORKER, String(id), '0', '1500'], {
    cwd: t.cwd,
    env: t.vars,
    reject: false
  })
  let seen = 0
  await new Promise<void>(resolve => {
    child.stdout?.on('data', (b: Buffer) => {
      seen += b.toString().split('\n').length - 1
      if (seen >= writes) {
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 15)
        resolve()
      }
    })
    void child.then(() => resolve())
  })
  const r = await child
  expect(r.signal ?? r.stderr).toBe('SIGKILL')
}

it('survives SIGKILL at random points of recorded writes and folds', async () => {
  const rec = new Recorder(t.env, new EmbeddedStore(t.env))
  await startRecording(rec)
  const before = await rec.read(parseKeyName('/'))
  for (let round = 1; round <= 5; round++) await runAndKill(round, 5 + Math.floor(Math.random() * 40))

  let checked = 0
  for await (const f of files(t.dir)) {
    const base = path.basename(f)
    // a killed atomic write leaves its temp file behind (never read); locks are broken as stale
    if (base.endsWith('.tmp') || base.includes('.lock')) continue
    if (base === JOURNAL_FILE) {
      await readJournal(f)
    } else if (base === 'record-session.seen') {
      JSON.parse(await readFile(f, 'utf8'))
    } else {
      readDump(await readFile(f), parseKeyName('system:/'), { file: f })
    }
    checked++
  }
  expect(checked).toBeGreaterThan(3)
  await expectSessionIsDiff(rec, before)
}, 300_000)
