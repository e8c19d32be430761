// BENCHMARKS.md W3: in-place update of a template holding n keys with a session of n/10 changes
// (goal: ≤ 1 s at n = 10 000), in-process (updatePlaybook) and as a whole process (`export --update`).
// Run: npx tsx bench/update.bench.ts [n…]
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import { KeySet } from '../src/kdb/keyset.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { sessionFile } from '../src/kdb/paths.js'
import { emptyDiff } from '../src/recorder/diff-model.js'
import { emptyStoredSession, sessionRoot, toStorage } from '../src/recorder/session-layout.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { declaredOf, updatePlaybook } from '../src/playbook/update.js'
import { cliCommand, timed, w3Keys, w3Root } from './export.bench.js'

const ROUNDS = Number(process.env.ROUNDS ?? 5)

/** W3's keys with every tenth value changed. */
function changed(n: number): Key[] {
  return w3Keys(n).map((k, i) => (i % 10 === 0 ? Key.create(k.name, `changed${i}`, { type: 'string' }) : k))
}

function sessionOf(keys: Key[]) {
  const d = emptyDiff(parseKeyName('/'))
  d.added = new KeySet(keys)
  return { diff: d, asserts: new KeySet() }
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  return `min ${(s[0] as number).toFixed(2)}, median ${(s[s.length >> 1] as number).toFixed(2)}`
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number)
  const cmd = cliCommand()
  console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map(x => x.toFixed(1)).join(' ')}`)
  for (const n of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]) {
    const before = exportAnsible(sessionOf(w3Keys(n)))
    const declared = declaredOf(before.plan.asserts, before.plan.changes)
    const after = sessionOf(changed(n))
    const inproc: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now()
      const res = await updatePlaybook({ text: before.text, file: 'site.yml', session: after, declared, current: () => new KeySet() })
      inproc.push(performance.now() - t0)
      if (!res.changed) throw new Error('expected a change')
    }
    // whole process: export -o, then change the session file, then export --update (each round from the same template)
    const { dir, vars } = w3Root(n)
    try {
      const file = path.join(dir, 'site.yml')
      timed([...cmd, 'export', '-o', file], vars, dir)
      const template = readFileSync(file)
      const s = emptyStoredSession()
      for (const k of changed(n)) s.added.add(k)
      const env = { root: vars.ELEKTRA_PLAYBOOK_ROOT, home: vars.HOME, cwd: dir }
      writeFileSync(sessionFile('user', env), writeDump(toStorage('user', s), sessionRoot('user')))
      const proc = Array.from({ length: ROUNDS }, () => {
        writeFileSync(file, template)
        return timed([...cmd, 'export', '--update', file], vars, dir)
      })
      console.log(
        `n=${n} keys, ${n / 10} changed: in-process ${stats(inproc)} ms; ` +
          `process ${stats(proc.map(x => x.s))} s wall, CPU ${stats(proc.map(x => x.cpu))} s, max RSS ${Math.max(...proc.map(x => x.mb)).toFixed(0)} MB`
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
