// BENCHMARKS.md W3: `validate` of a playbook with n module tasks (goal: ≤ 1 s at n = 10 000), in-process
// and as a whole process. Run: npx tsx bench/validate.bench.ts [n…]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { validateText } from '../src/playbook/validate.js'
import { cliCommand, timed } from './export.bench.js'

const ROUNDS = Number(process.env.ROUNDS ?? 5)

/** One play, n tasks, each setting three keys of its own with metadata (W1-like names). */
export function playbookWithTasks(n: number): string {
  const out = ['---', '- name: many tasks', '  hosts: all', '  gather_facts: false', '  tasks:']
  for (let i = 0; i < n; i++)
    out.push(
      `    - name: task ${i}`,
      '      elektra_initiative.libelektra.elektra:',
      '        record: {skip: true}',
      '        keys:',
      `          - user:/bench/app${i % 100}/section${Math.floor(i / 100) % 100}:`,
      `              key${i}:`,
      `                - value: 'v${i}'`,
      '                - meta:',
      "                    type: 'string'",
      `              other${i}: 'x'`
    )
  return out.join('\n') + '\n'
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  return `min ${(s[0] as number).toFixed(2)}, median ${(s[s.length >> 1] as number).toFixed(2)}`
}

function main(): void {
  const sizes = process.argv.slice(2).map(Number)
  const cmd = cliCommand()
  console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map(x => x.toFixed(1)).join(' ')}`)
  for (const n of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]) {
    const text = playbookWithTasks(n)
    const inproc: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now()
      const issues = validateText(text, 'bench.yml')
      inproc.push(performance.now() - t0)
      if (issues.length > 0) throw new Error(`unexpected issues: ${issues[0]?.message}`)
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ep-validate-'))
    try {
      const file = path.join(dir, 'site.yml')
      writeFileSync(file, text)
      const proc = Array.from({ length: ROUNDS }, () => timed([...cmd, 'validate', file], { ELEKTRA_PLAYBOOK_ROOT: '', HOME: dir }, dir))
      console.log(
        `n=${n} tasks (${(text.length / 1e6).toFixed(1)} MB): in-process ${stats(inproc)} ms; ` +
          `process ${stats(proc.map(x => x.s))} s wall, CPU ${stats(proc.map(x => x.cpu))} s, max RSS ${Math.max(...proc.map(x => x.mb)).toFixed(0)} MB`
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
