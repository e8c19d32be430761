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
  for (let i = 0; i < N; i++) out.push(`user:/tests/app${i % 97}/section${(i / 97) | 0}/key${i}${tag}`)
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

/** `setup` runs untimed before each round; `run` is timed. */
function bench<T>(label: string, setup: (round: number) => T, run: (input: T) => unknown): void {
  const times: number[] = []
  for (let r = -1; r < ROUNDS; r++) {
    const input = setup(r)
    const t0 = performance.now()
    run(input)
    const dt = performance.now() - t0
    if (r >= 0) times.push(dt)
  }
  const min = Math.min(...times).toFixed(1)
  console.log(`${label.padEnd(52)} ${median(times).toFixed(1).padStart(8)} ms  (min ${min})`)
}

function sortedKeys(names: string[]): Key[] {
  return names
    .map(n => new Key(parseKeyName(n), 'v'))
    .sort((a, b) => (a.name.sortKey < b.name.sortKey ? -1 : a.name.sortKey > b.name.sortKey ? 1 : 0))
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

const load = os.loadavg().map(l => l.toFixed(2)).join(' ')
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load ${load}`)

bench('parseKeyName 100k unique plain names', r => plainNames(`/r${r}`), ns => {
  for (const n of ns) parseKeyName(n)
})
bench('parseKeyName 100k unique arrays/escapes/UTF-8', r => specialNames(`/r${r}`), ns => {
  for (const n of ns) parseKeyName(n)
})
const hot = plainNames('/hot').slice(0, 10_000)
bench('parseKeyName 10k names x10 (cached)', () => hot, ns => {
  for (let i = 0; i < 10; i++) for (const n of ns) parseKeyName(n)
})

const keys = sortedKeys(plainNames('/ks'))
bench('KeySet add 100k in order', () => keys, ks => new KeySet(ks))
const shuffled = shuffle(keys)
bench('KeySet add 100k shuffled, then first()', () => shuffled, ks => new KeySet(ks).first())
const full = new KeySet(keys)
const names: KeyName[] = keys.map(k => k.name)
bench('KeySet lookup 100k by KeyName', () => names, ns => {
  for (const n of ns) full.lookup(n)
})
const parents = Array.from({ length: 1000 }, (_, i) => parseKeyName(`user:/tests/app${i % 97}`))
bench('KeySet below() x1000 on 100k (~1000 keys each)', () => parents, ps => {
  for (const p of ps) full.below(p)
})
bench('KeySet 1000 x (out-of-order add + below)', () => full.copy(), ks => {
  for (let i = 0; i < 1000; i++) {
    ks.add(Key.create(`user:/tests/app1/extra${i}`))
    ks.below(parents[1] as KeyName)
  }
})
bench('KeySet clone() 100k (deep)', () => full, ks => ks.clone())
