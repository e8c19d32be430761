// BENCHMARKS.md W3: export of a session of n added keys (W1 naming, meta type=string) as a playbook,
// as a whole process (`elektra-playbook export`), plus the in-process export alone.
// Run: npx tsx bench/export.bench.ts [n…]   (uses dist/cli/main.js when built, else tsx)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { sessionFile } from '../src/kdb/paths.js'
import { emptyStoredSession, sessionRoot, toStorage } from '../src/recorder/session-layout.js'
import { emptyDiff } from '../src/recorder/diff-model.js'
import { KeySet } from '../src/kdb/keyset.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ROUNDS = Number(process.env.ROUNDS ?? 5)

export function w3Keys(n: number): Key[] {
  const keys: Key[] = []
  for (let i = 0; i < n; i++) {
    const name = `user:/bench/app${i % 100}/section${Math.floor(i / 100) % 100}/key${i}`
    keys.push(Key.create(name, `v${i}`, { type: 'string' }))
  }
  return keys
}

/** A root whose user session file holds n added keys. */
export function w3Root(n: number): { dir: string; vars: { ELEKTRA_PLAYBOOK_ROOT: string; HOME: string } } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ep-w3-'))
  const vars = { ELEKTRA_PLAYBOOK_ROOT: path.join(dir, 'root'), HOME: path.join(dir, 'home') }
  mkdirSync(vars.ELEKTRA_PLAYBOOK_ROOT)
  mkdirSync(vars.HOME)
  const env = { root: vars.ELEKTRA_PLAYBOOK_ROOT, home: vars.HOME, cwd: dir }
  const s = emptyStoredSession()
  for (const k of w3Keys(n)) s.added.add(k)
  const file = sessionFile('user', env)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, writeDump(toStorage('user', s), sessionRoot('user')))
  return { dir, vars }
}

export function cliCommand(): string[] {
  const dist = path.join(repo, 'dist/cli/main.js')
  if (existsSync(dist)) return [dist]
  return ['--import', pathToFileURL(path.join(repo, 'node_modules/tsx/dist/loader.mjs')).href, path.join(repo, 'src/cli/main.ts')]
}

/** Wall time (s), CPU time (user + sys, s) and max RSS (MB) of one process, from /usr/bin/time. */
export function timed(args: string[], vars: Record<string, string>, cwd: string): { s: number; cpu: number; mb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'node', ...args], {
    cwd,
    env: { ...process.env, ...vars },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8'
  })
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`)
  const last = r.stderr.trim().split('\n').pop() as string
  const [s, user, sys, kb] = last.split(' ')
  return { s: Number(s), cpu: Number(user) + Number(sys), mb: Number(kb) / 1024 }
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  return `min ${(s[0] as number).toFixed(2)}, median ${(s[s.length >> 1] as number).toFixed(2)}`
}

function main(): void {
  const sizes = process.argv.slice(2).map(Number)
  const ns = sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]
  const cmd = cliCommand()
  console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map(x => x.toFixed(1)).join(' ')}, cli ${cmd.length === 1 ? 'dist' : 'tsx'}`)
  for (const n of ns) {
    // in-process: the export alone (session already in memory)
    const d = emptyDiff(parseKeyName('/'))
    d.added = new KeySet(w3Keys(n))
    const session = { diff: d, asserts: new KeySet() }
    const inproc: number[] = []
    let bytes = 0
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now()
      bytes = exportAnsible(session).text.length
      inproc.push(performance.now() - t0)
    }
    const { dir, vars } = w3Root(n)
    try {
      const stdout: Array<{ s: number; cpu: number; mb: number }> = []
      const withO: Array<{ s: number; cpu: number; mb: number }> = []
      for (let r = 0; r < ROUNDS; r++) {
        stdout.push(timed([...cmd, 'export'], vars, dir))
        withO.push(timed([...cmd, 'export', '-o', path.join(dir, 'site.yml')], vars, dir))
      }
      console.log(
        `n=${n}: in-process ${stats(inproc)} ms (${(bytes / 1e6).toFixed(1)} MB YAML); ` +
          `process to stdout ${stats(stdout.map(x => x.s))} s wall, CPU ${stats(stdout.map(x => x.cpu))} s, max RSS ${Math.max(...stdout.map(x => x.mb)).toFixed(0)} MB; ` +
          `process -o FILE (remembers the template) ${stats(withO.map(x => x.s))} s wall, CPU ${stats(withO.map(x => x.cpu))} s, max RSS ${Math.max(...withO.map(x => x.mb)).toFixed(0)} MB`
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
