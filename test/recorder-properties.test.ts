// The law the recorder rests on: diffs compose (append(diff(A,B), diff(B,C)) == diff(A,C)), so whatever
// mix of our writes, other programs' writes, folds and reads happens while recording, the session is
// diff(state at start, state now). Undo keeps it too: it takes keys back to their start state.
import fc from 'fast-check'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import type { KeySet } from '../src/kdb/keyset.js'
import { startRecording } from '../src/recorder/commands/start.js'
import { loadSession } from '../src/recorder/commands/state.js'
import { undoRecorded } from '../src/recorder/commands/undo.js'
import { Recorder } from '../src/recorder/recorder.js'
import { expectSessionIsDiff } from './helpers/session-check.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

const names = ['user:/a', 'user:/a/b', 'user:/c', 'system:/a', 'system:/d/e', 'dir:/f', 'user:/']
const initialKeys = fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom('0', '1')), { maxLength: 4 })
const op = fc.record({
  by: fc.constantFrom('us', 'other', 'read', 'undo'),
  kind: fc.constantFrom('set', 'rm', 'meta'),
  name: fc.constantFrom(...names),
  value: fc.constantFrom('1', '2', ''),
  meta: fc.option(fc.constantFrom('x', 'y'), { nil: undefined })
})

let t: TempRoot
beforeEach(async () => {
  t = await makeTempRoot()
})
afterEach(async () => {
  await t.cleanup()
})

it('the session is always diff(start, now), whoever wrote and whenever it was folded', async () => {
  let run = 0
  await fc.assert(
    fc.asyncProperty(initialKeys, fc.array(op, { maxLength: 14 }), async (initial, ops) => {
      const env = { root: `${t.root}/${run}`, home: `${t.home}/${run}`, cwd: `${t.cwd}/${run}` }
      run++
      const other = new EmbeddedStore(env)
      // a tiny threshold: folds happen in the middle of the sequence too
      const rec = new Recorder(env, new EmbeddedStore(env), { foldThreshold: 600, syncJournal: false })
      const root = parseKeyName('/')
      await other.update(root, ks => {
        for (const [n, v] of initial) ks.add(Key.create(n, v))
      })
      await startRecording(rec)
      const before = await rec.read(root)
      for (const o of ops) {
        if (o.by === 'read') {
          await loadSession(rec)
          continue
        }
        if (o.by === 'undo') {
          // reverting recorded changes takes the key database and the session back together
          await undoRecorded(rec, o.name)
          continue
        }
        const name = parseKeyName(o.name)
        const mutate = (ks: KeySet) => {
          const cur = ks.lookup(name)
          if (o.kind === 'rm') ks.remove(name)
          else if (o.kind === 'set') ks.add((cur?.clone() ?? new Key(name)).setString(o.value))
          else ks.add((cur?.clone() ?? new Key(name)).setMeta('m', o.meta ?? null))
        }
        if (o.by === 'us') await rec.update(name, mutate)
        else await other.update(name, mutate)
      }
      await expectSessionIsDiff(rec, before)
    }),
    { numRuns: 150 }
  )
}, 120_000)
