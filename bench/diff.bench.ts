// BENCHMARKS.md W1 (diff of two key sets) and the append of a part into a large session.
// Run: npx tsx bench/diff.bench.ts  — prints min and median of several timed rounds after a warm-up.
import os from 'node:os'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { append } from '../src/recorder/append.js'
import { calculate } from '../src/recorder/diff.js'
import { counts, emptyDiff, type Diff } from '../src/recorder/diff-model.js'

const ROUNDS = Number(process.env.ROUNDS ?? 9)

function stats(times: number[]): { min: number; median: number } {
  const s = [...times].sort((a, b) => a - b)
  return { min: s[0] as number, median: s[s.length >> 1] as number }
}

const WARMUP = 3

/**
 * `setup` runs untimed before each round; `run` is timed. The first round (cold: what one CLI
 * process pays) is reported apart; WARMUP rounds let the JIT settle before the timed ones.
 */
function bench<T>(label: string, setup: () => T, run: (input: T) => unknown): void {
  const times: number[] = []
  let cold = 0
  for (let r = -WARMUP; r < ROUNDS; r++) {
    const input = setup()
    const t0 = performance.now()
    run(input)
    const dt = performance.now() - t0
    if (r === -WARMUP) cold = dt
    if (r >= 0) times.push(dt)
  }
  const { min, median } = stats(times)
  const ms = (x: number) => `${x.toFixed(1)} ms`
  console.log(`| ${label} | ${ms(min)} | ${ms(median)} | ${ms(cold)} | ${ROUNDS} |`)
}

function w1Name(i: number): string {
  return `user:/bench/app${i % 100}/section${Math.floor(i / 100) % 100}/key${i}`
}

/** W1: key i = w1Name(i) = v{i}, meta type=string; the second set changes, drops and adds keys. */
function w1(n: number): { before: KeySet; after: KeySet } {
  const before = new KeySet()
  const after = new KeySet()
  for (let i = 0; i < n; i++) {
    const k = new Key(parseKeyName(w1Name(i)), `v${i}`, new Map([['type', 'string']]))
    before.add(k)
    if (i % 20 === 1) continue
    const k2 = k.clone()
    if (i % 10 === 0) k2.value = 'changed'
    after.add(k2)
  }
  for (let j = 0; j < n / 20; j++) after.add(new Key(parseKeyName(`user:/bench/new/key${j}`), 'x'))
  // read once so both sets are in their sorted state, as sets read from files are
  before.toArray()
  after.toArray()
  return { before, after }
}

/**
 * A session of 100k keys (a third each added, modified, removed) and a 10k-key part that hits
 * rows 5 (modify an added key), 8 (modify a modified key) and 12 (re-add a removed key).
 */
function sessionAndPart(n: number, partSize: number): { session: Diff; part: Diff } {
  const session = emptyDiff(parseKeyName('/'))
  const part = emptyDiff(parseKeyName('/'))
  const step = Math.floor(n / partSize)
  for (let i = 0; i < n; i++) {
    const name = parseKeyName(w1Name(i))
    const touched = i % step === 0
    if (i % 3 === 0) {
      const a = new Key(name, `a${i}`)
      session.added.add(a)
      if (touched) {
        part.modifiedOld.add(a)
        part.modifiedNew.add(new Key(name, `p${i}`))
      }
    } else if (i % 3 === 1) {
      const now = new Key(name, `n${i}`)
      session.modifiedOld.add(new Key(name, `o${i}`))
      session.modifiedNew.add(now)
      if (touched) {
        part.modifiedOld.add(now)
        part.modifiedNew.add(new Key(name, `p${i}`))
      }
    } else {
      session.removed.add(new Key(name, `r${i}`))
      if (touched) part.added.add(new Key(name, `p${i}`))
    }
  }
  return { session, part }
}

const shallow = (d: Diff): Diff => ({
  parent: d.parent,
  added: d.added.copy(),
  modifiedOld: d.modifiedOld.copy(),
  modifiedNew: d.modifiedNew.copy(),
  removed: d.removed.copy()
})

console.log(
  `node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ` +
    `load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`
)
console.log('| case | min | median | first run | rounds |\n|---|---|---|---|---|')

const parent = parseKeyName('user:/bench')
for (const n of [1_000, 10_000, 100_000]) {
  const { before, after } = w1(n)
  const check = counts(calculate(before, after, parent))
  if (check.added !== n / 20 || check.removed !== n / 20 || check.modified !== n / 10)
    throw new Error(`W1 n=${n}: unexpected result ${JSON.stringify(check)}`)
  bench(`W1 calculate, n = ${n.toLocaleString('en')}`, () => null, () => calculate(before, after, parent))
}

{
  // the recorder's per-write path: only the touched names are compared
  const { before, after } = w1(100_000)
  const names = [parseKeyName(w1Name(10)).sortKey]
  bench('calculate with names (1 touched key), n = 100,000', () => null, () =>
    calculate(before, after, null, { names })
  )
}

{
  const { session, part } = sessionAndPart(100_000, 10_000)
  const size = counts(part)
  bench(
    `append ${size.added + size.modified}-key part into 100,000-key session`,
    () => shallow(session),
    s => {
      const w = append(s, part, parseKeyName('/'))
      if (w.length !== 0) throw new Error(`unexpected warnings: ${w[0]?.message}`)
    }
  )
  bench(
    'same, then one ordered read of every session set',
    () => shallow(session),
    s => {
      append(s, part, parseKeyName('/'))
      s.added.first()
      s.modifiedOld.first()
      s.modifiedNew.first()
      s.removed.first()
    }
  )
}
