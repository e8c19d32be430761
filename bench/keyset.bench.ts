// Key names and key sets at dump-file scale (100k keys). Run: npx tsx bench/keyset.bench.ts
// Prints the median of several rounds (after a warm-up) per case; results go to bench/RESULTS.md.
import os from 'node:os'
import { Key } from '../src/kdb/key.js'
import { parseKeyName, type KeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'

const N = 100_000
const ROUNDS = 7

function plainNames(tag: string): string[] {
  const out: string[] = []
  for (let i = 0; i < N; i++)
    out.push(`user:/tests/app${i % 97}/section${(i / 97) | 0}/key${i}${tag}`)
  return out
}

function specialNames(tag: string): string[] {
  // array parts, escapes, UTF-8: the general parser path
  const out: string[] = []
  for (let i = 0; i < N; i++) out.push(`system:/app/list/#${i}/k\\/ä${tag}`)
  return out
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1] as number
}

/**
 * `setup` runs untimed before each round; `run` is timed. Wall time and CPU time (user + system of
 * this process) are both reported: on a shared machine CPU time is the steadier of the two.
 */
function bench<T>(label: string, setup: (round: number) => T, run: (input: T) => unknown): void {
  const wall: number[] = []
  const cpu: number[] = []
  for (let r = -1; r < ROUNDS; r++) {
    const input = setup(r)
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    run(input)
    const dt = performance.now() - t0
    const dc = process.cpuUsage(c0)
    if (r >= 0) {
      wall.push(dt)
      cpu.push((dc.user + dc.system) / 1000)
    }
  }
  const f = (x: number): string => x.toFixed(1).padStart(7)
  console.log(
    `${label.padEnd(50)} wall ${f(median(wall))} (min ${f(Math.min(...wall))})` +
      `  cpu ${f(median(cpu))} (min ${f(Math.min(...cpu))}) ms`
  )
}

function sortedKeys(names: string[]): Key[] {
  return names
    .map(n => new Key(parseKeyName(n), 'v'))
    .sort((a, b) =>
      a.name.sortKey < b.name.sortKey ? -1 : a.name.sortKey > b.name.sortKey ? 1 : 0
    )
}

function shuffle<T>(xs: T[]): T[] {
  const a = xs.slice()
  let seed = 42
  for (let i = a.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    const j = seed % (i + 1)
    ;[a[i], a[j]] = [a[j] as T, a[i] as T]
  }
  return a
}

const load = os
  .loadavg()
  .map(l => l.toFixed(2))
  .join(' ')
console.log(
  `node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load ${load}`
)

// a floor for the plain case: the string work and one map insert, without any checks
bench(
  '(floor: slice+split+replaceAll+Map.set, 100k)',
  r => plainNames(`/f${r}`),
  ns => {
    const m = new Map<string, object>()
    for (const n of ns) {
      const path = n.slice(6)
      m.set(n, { n, parts: path.split('/'), sk: '\x06\0' + path.replaceAll('/', '\0') + '\0' })
    }
  }
)
bench(
  'parseKeyName 100k unique plain names',
  r => plainNames(`/r${r}`),
  ns => {
    for (const n of ns) parseKeyName(n)
  }
)
bench(
  'parseKeyName 100k unique arrays/escapes/UTF-8',
  r => specialNames(`/r${r}`),
  ns => {
    for (const n of ns) parseKeyName(n)
  }
)
const hot = plainNames('/hot').slice(0, 10_000)
bench(
  'parseKeyName 10k names x10 (cached)',
  () => hot,
  ns => {
    for (let i = 0; i < 10; i++) for (const n of ns) parseKeyName(n)
  }
)

const keys = sortedKeys(plainNames('/ks'))
bench(
  'KeySet add 100k in order',
  () => keys,
  ks => new KeySet(ks)
)
const shuffled = shuffle(keys)
bench(
  'KeySet add 100k shuffled, then first()',
  () => shuffled,
  ks => new KeySet(ks).first()
)
const full = new KeySet(keys)
const names: KeyName[] = keys.map(k => k.name)
bench(
  'KeySet lookup 100k by KeyName',
  () => names,
  ns => {
    for (const n of ns) full.lookup(n)
  }
)
const parents = Array.from({ length: 1000 }, (_, i) => parseKeyName(`user:/tests/app${i % 97}`))
bench(
  'KeySet below() x1000 on 100k (~1000 keys each)',
  () => parents,
  ps => {
    for (const p of ps) full.below(p)
  }
)
bench(
  'KeySet 1000 x (out-of-order add + below)',
  () => full.copy(),
  ks => {
    for (let i = 0; i < 1000; i++) {
      ks.add(Key.create(`user:/tests/app1/extra${i}`))
      ks.below(parents[1] as KeyName)
    }
  }
)
bench(
  'KeySet 100 x (100 out-of-order adds + below)',
  () => full.copy(),
  ks => {
    for (let r = 0; r < 100; r++) {
      for (let i = 0; i < 100; i++) ks.add(Key.create(`user:/tests/app2/extra${r}-${i}`))
      ks.below(parents[2] as KeyName)
    }
  }
)
bench(
  'KeySet clone() 100k (deep)',
  () => full,
  ks => ks.clone()
)
