// W2 with and without recording (BENCHMARKS.md), in-process through Recorder.update (what every
// `kdb set` of the CLI runs), plus the recording overhead against the size of the session.
//
//   npx tsx bench/record-writes.bench.ts [n=2500] [sessions=0,10000,100000]
//
// Part 1 (W2): from an empty store, add `user:/bench/k{i:06}` = `v` and write, i = 1…n, once without
// and once with an active session (parent `/`); mean time per write for each block of 500.
// Part 2: a session already holding S changes (in its files), then 500 writes of new keys into a
// small system file, without and with recording: the overhead must not grow with S.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import type { KdbEnv } from '../src/kdb/paths.js'
import { startRecording } from '../src/recorder/commands/start.js'
import { loadSession } from '../src/recorder/commands/state.js'
import { Recorder } from '../src/recorder/recorder.js'
import { emptySession } from '../src/recorder/session-store.js'

const n = Number(process.argv[2] ?? 2500)
const sessionSizes = (process.argv[3] ?? '0,10000,100000').split(',').map(Number)
const BLOCK = 500

async function tempEnv(): Promise<{ env: KdbEnv; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ep-bench-rec-'))
  return { dir, env: { root: path.join(dir, 'root'), home: path.join(dir, 'home'), cwd: dir } }
}

const pad = (i: number) => String(i).padStart(6, '0')
const load = () => os.loadavg().map(x => x.toFixed(1)).join(' ')

type Mode = 'off' | 'on' | 'nosync'

interface Block {
  /** mean wall-clock ms per write */
  wall: number
  /** mean CPU ms (user + system) per write: robust against other processes' load, blind to I/O waits */
  cpu: number
}

/** Mean ms per write of each block of BLOCK writes. `nosync`: recording without the journal's fdatasync. */
async function w2(mode: Mode): Promise<Block[]> {
  const recording = mode !== 'off'
  const { env, dir } = await tempEnv()
  const rec = new Recorder(env, new EmbeddedStore(env), { syncJournal: mode !== 'nosync' })
  if (recording) await startRecording(rec)
  const scope = parseKeyName('user:/bench')
  const means: Block[] = []
  let t0 = performance.now()
  let c0 = process.cpuUsage()
  for (let i = 1; i <= n; i++) {
    const name = `user:/bench/k${pad(i)}`
    await rec.update(scope, ks => void ks.add(Key.create(name, 'v')))
    if (i % BLOCK === 0) {
      const t1 = performance.now()
      const c = process.cpuUsage(c0)
      means.push({ wall: (t1 - t0) / BLOCK, cpu: (c.user + c.system) / 1000 / BLOCK })
      t0 = t1
      c0 = process.cpuUsage()
    }
  }
  if (recording) {
    const t1 = performance.now()
    const { session } = await loadSession(rec)
    if (session.diff.added.size !== n) throw new Error(`session holds ${session.diff.added.size}, not ${n}`)
    console.log(`  reading the ${n}-key session back (fold + read): ${(performance.now() - t1).toFixed(0)} ms`)
  }
  await rm(dir, { recursive: true, force: true })
  return means
}

/** Mean ms per write of BLOCK writes with a session of `size` changes already recorded. */
async function withSession(size: number, mode: Mode): Promise<Block & { foldMs: number }> {
  const recording = mode !== 'off'
  const { env, dir } = await tempEnv()
  const rec = new Recorder(env, new EmbeddedStore(env), { syncJournal: mode !== 'nosync' })
  {
    // in its own block: the writes below must not pay for a 100 000-key heap the CLI would not have
    const s = emptySession()
    for (let i = 0; i < size; i++)
      s.diff.added.add(Key.create(`user:/big/app${i % 100}/k${pad(i)}`, `v${i}`, { type: 'string' }))
    await rec.session.writeFiles(s)
  }
  ;(globalThis as { gc?: () => void }).gc?.()
  if (recording) await startRecording(rec)
  const scope = parseKeyName('system:/w')
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  for (let i = 1; i <= BLOCK; i++) {
    const name = `system:/w/k${pad(i)}`
    await rec.update(scope, ks => void ks.add(Key.create(name, 'v')))
  }
  const wall = (performance.now() - t0) / BLOCK
  const used = process.cpuUsage(c0)
  const cpu = (used.user + used.system) / 1000 / BLOCK
  let foldMs = 0
  if (recording) {
    const t1 = performance.now()
    const { session } = await loadSession(rec)
    foldMs = performance.now() - t1
    if (session.diff.added.size !== size + BLOCK) throw new Error('session lost writes')
  }
  await rm(dir, { recursive: true, force: true })
  return { wall, cpu, foldMs }
}

console.log(`node ${process.version}, ${os.cpus().length} cores, load ${load()}, ${new Date().toISOString()}`)
console.log(`W2, n = ${n}, mean ms per write per block of ${BLOCK}:`)
const off = await w2('off')
const on = await w2('on')
const nosync = await w2('nosync')
const f = (x: number) => x.toFixed(2)
console.log('  keys so far | wall: without | with | not fsynced || cpu: without | with | not fsynced | overhead')
off.forEach((o, i) => {
  const w = on[i] as Block
  const x = nosync[i] as Block
  console.log(
    `  ${String((i + 1) * BLOCK).padStart(11)} | ${f(o.wall)} | ${f(w.wall)} | ${f(x.wall)} || ` +
      `${f(o.cpu)} | ${f(w.cpu)} | ${f(x.cpu)} | ${f(w.cpu - o.cpu)}`
  )
})
console.log(`load ${load()}`)
console.log(`Overhead against session size (${BLOCK} writes into a small system file):`)
console.log('  session size | wall: without | with | not fsynced || cpu: without | with | overhead | fold+read after')
for (const size of sessionSizes) {
  const a = await withSession(size, 'off')
  const b = await withSession(size, 'on')
  const c = await withSession(size, 'nosync')
  console.log(
    `  ${String(size).padStart(12)} | ${f(a.wall)} | ${f(b.wall)} | ${f(c.wall)} || ` +
      `${f(a.cpu)} | ${f(b.cpu)} | ${f(b.cpu - a.cpu)} | ${b.foldMs.toFixed(0)} ms`
  )
}
console.log(`load ${load()}`)
