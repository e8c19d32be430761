// The scenarios catch a broken module: a copy of the collection whose transactions are not atomic
// (create/use write their keys at once instead of staging them) makes the transaction scenario fail
// in verify, because a host that failed the guard has changed its user namespace.
import { execa } from 'execa'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runAll } from './run-all.js'

const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const canRun =
  (await execa('bash', [join(projectDir, 'molecule', 'shared', 'testhost.sh'), 'check'], { reject: false }))
    .exitCode === 0

// where the module saves a staged (not yet committed) task; the break writes the task's own
// changes to the live stores right there
const anchor = '                    staging.save()\n'
const breakage = '                    write_all(store, plan.apply_changes(view, own))  # broken: not atomic\n'

describe.skipIf(!canRun)('a non-atomic module', () => {
  const copy = mkdtempSync(join(tmpdir(), 'broken-collection-'))
  afterAll(() => rmSync(copy, { recursive: true, force: true }))

  it('fails the transaction scenario', { timeout: 600_000 }, async () => {
    cpSync(join(projectDir, 'collection', 'ansible_collections'), join(copy, 'ansible_collections'), {
      recursive: true
    })
    const engine = join(copy, 'ansible_collections/elektra_initiative/libelektra/plugins/module_utils/engine.py')
    const text = readFileSync(engine, 'utf8')
    expect(text.split(anchor).length - 1, 'the place to break is no longer in engine.py').toBe(1)
    writeFileSync(engine, text.replace(anchor, anchor + breakage))

    const lines: string[] = []
    const report = await runAll({
      projectDir,
      scenarios: ['transaction'],
      collectionsPath: copy,
      log: l => void lines.push(l)
    })
    const result = report.scenarios[0]!
    expect(result.status, lines.join('\n')).toBe('failed')
    expect(result.failedStep).toBe('verify')
    expect(lines.join('\n')).toMatch(/tx-(drifted|raced) changed nothing in any namespace: user:\/tests differs/)
    expect(result.steps.at(-1)).toMatchObject({ name: 'destroy', status: 'ok' })
  })
})
