// Dump codec at 1k/10k/100k keys in W1's naming (BENCHMARKS.md), each key with meta type=string.
// Run: npx tsx bench/dump.bench.ts   — prints min and median of 5 timed runs after one warm-up,
// as wall time and as CPU time (the machine is shared; CPU time is the steadier figure).
import os from 'node:os'
import { readDump } from '../src/kdb/dump-read.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'

const RUNS = 5
const parent = parseKeyName('user:/bench')

function w1(n: number): KeySet {
  const ks = new KeySet()
  for (let i = 0; i < n; i++) {
    const name = parseKeyName(
      `user:/bench/app${i % 100}/section${Math.floor(i / 100) % 100}/key${i}`
    )
    ks.add(new Key(name, `v${i}`, new Map([['type', 'string']])))
  }
  return ks
}

interface Times {
  wall: number[]
  cpu: number[]
}

function minMedian(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  return `${(s[0] as number).toFixed(1)} / ${(s[s.length >> 1] as number).toFixed(1)}`
}

/** Times `run` RUNS times after one untimed warm-up; `round` lets each run use fresh inputs. */
function time(run: (round: number) => unknown): Times {
  const t: Times = { wall: [], cpu: [] }
  for (let r = -1; r < RUNS; r++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    run(r)
    const wall = performance.now() - t0
    const c = process.cpuUsage(c0)
    if (r < 0) continue
    t.wall.push(wall)
    // user + system of all threads (GC helpers included): steadier than wall time on a busy machine
    t.cpu.push((c.user + c.system) / 1000)
  }
  return t
}

function row(n: number, mb: string, what: string, t: Times): string {
  return `| ${n} | ${mb} | ${what} | ${minMedian(t.wall)} | ${minMedian(t.cpu)} |`
}

console.log(
  `node ${process.version}, ${os.cpus().length} cores, load ${os
    .loadavg()
    .map(x => x.toFixed(1))
    .join(' ')}`
)
console.log(
  '| n | file MB | operation | wall min / median ms | cpu min / median ms |'
)
console.log('|---|---|---|---|---|')
for (const n of [1_000, 10_000, 100_000]) {
  const ks = w1(n)
  const bytes = writeDump(ks, parent)
  const back = readDump(bytes, parent)
  if (back.size !== n || Buffer.compare(writeDump(back, parent), bytes) !== 0)
    throw new Error('round trip failed')
  const mb = (bytes.length / 1e6).toFixed(2)
  console.log(
    row(
      n,
      mb,
      'writeDump',
      time(() => writeDump(ks, parent))
    )
  )
  // a different mountpoint per run makes every name new to the name cache, as in a fresh process
  const parents = Array.from({ length: RUNS + 1 }, (_, r) =>
    parseKeyName(`user:/bench${r + 1}`)
  )
  console.log(
    row(
      n,
      mb,
      'readDump',
      time(r => readDump(bytes, parents[r + 1] as typeof parent))
    )
  )
}
console.log(
  `load after: ${os
    .loadavg()
    .map(x => x.toFixed(1))
    .join(' ')}`
)
