// BENCHMARKS.md W3 from the session-reading side: whole `elektra-playbook` processes on a recorded
// session of n added keys (W1 naming, meta type=string) in the user session file, recording active.
// `export -o /dev/null` (ansible, all hosts) and `record state`, each timed with /usr/bin/time -v
// (wall, CPU, max RSS), min and median of ROUNDS runs.
// Run: npm run build && npx tsx bench/session-read.bench.ts [n…]   (default 1000 10000 100000)
// (BENCH_DIST=DIR: the build to time instead of dist/; ROUNDS=N)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { sessionFile } from '../src/kdb/paths.js'
import { emptyStoredSession, sessionRoot, toStorage } from '../src/recorder/session-layout.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ROUNDS = Number(process.env.ROUNDS ?? 5)
// another build to compare with (e.g. one of an earlier commit)
const DIST = path.resolve(process.env.BENCH_DIST ?? path.join(repo, 'dist'))

interface Root {
  dir: string
  vars: Record<string, string>
}

/** A root with recording active (parent `/`) and n added keys in the user session file. */
function sessionRootDir(n: number): Root {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ep-session-read-'))
  const root = path.join(dir, 'root')
  const home = path.join(dir, 'home')
  mkdirSync(path.join(root, 'etc/kdb'), { recursive: true })
  mkdirSync(home)
  const env = { root, home, cwd: dir }
  const s = emptyStoredSession()
  for (let i = 0; i < n; i++) {
    const name = `user:/bench/app${i % 100}/section${Math.floor(i / 100) % 100}/key${i}`
    s.added.add(Key.create(name, `v${i}`, { type: 'string' }))
  }
  const file = sessionFile('user', env)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, writeDump(toStorage('user', s), sessionRoot('user')))
  // the active flag, as `record start /` leaves it
  const elektra = parseKeyName('system:/elektra')
  const flag = new KeySet([Key.create('system:/elektra/record/config/active', '/')])
  writeFileSync(path.join(root, 'etc/kdb/elektra.ecf'), writeDump(flag, elektra))
  return { dir, vars: { ELEKTRA_PLAYBOOK_ROOT: root, HOME: home } }
}

interface Run {
  wall: number
  cpu: number
  mb: number
}

/** One whole process under /usr/bin/time -v. */
function timed(args: string[], r: Root): Run {
  const p = spawnSync('/usr/bin/time', ['-v', 'node', path.join(DIST, 'cli/main.js'), ...args], {
    cwd: r.dir,
    env: { ...process.env, ...r.vars },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8'
  })
  if (p.status !== 0) throw new Error(`${args.join(' ')}: exit ${p.status}: ${p.stderr}`)
  const field = (label: string): string => {
    const line = p.stderr.split('\n').find(l => l.trim().startsWith(label))
    if (line === undefined) throw new Error(`no "${label}" in /usr/bin/time output`)
    return line.slice(line.lastIndexOf(': ') + 2).trim()
  }
  // wall clock as [h:]m:ss.cc
  const wall = field('Elapsed (wall clock) time')
    .split(':')
    .reduce((acc, x) => acc * 60 + Number(x), 0)
  const cpu = Number(field('User time (seconds)')) + Number(field('System time (seconds)'))
  return { wall, cpu, mb: Number(field('Maximum resident set size (kbytes)')) / 1024 }
}

function minMedian(xs: number[], digits = 2): string {
  const s = [...xs].sort((a, b) => a - b)
  return `${(s[0] as number).toFixed(digits)} / ${(s[s.length >> 1] as number).toFixed(digits)}`
}

function report(what: string, runs: Run[]): string {
  return (
    `${what}: wall ${minMedian(runs.map(r => r.wall))} s, CPU ${minMedian(runs.map(r => r.cpu))} s, ` +
    `max RSS ${minMedian(runs.map(r => r.mb), 0)} MB (min / median)`
  )
}

function main(): void {
  if (!existsSync(path.join(DIST, 'cli/main.js'))) throw new Error('run `npm run build` first')
  const sizes = process.argv.slice(2).map(Number)
  const ns = sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]
  console.log(
    `node ${process.version}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map(x => x.toFixed(1))
      .join(' ')}, ${ROUNDS} rounds`
  )
  for (const n of ns) {
    const r = sessionRootDir(n)
    try {
      const exp: Run[] = []
      const state: Run[] = []
      for (let i = 0; i < ROUNDS; i++) {
        exp.push(timed(['export', '-o', '/dev/null'], r))
        state.push(timed(['record', 'state'], r))
      }
      console.log(`n=${n}: ${report('export -o /dev/null', exp)}; ${report('record state', state)}`)
    } finally {
      rmSync(r.dir, { recursive: true, force: true })
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
