// `export -o`, `export --update FILE [--check]`, `validate` and `schema` through the real CLI.
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli, cliOk } from './helpers/cli.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

let t: TempRoot
beforeEach(async () => {
  t = await makeTempRoot({ lockTimeoutMs: 3000 })
})
afterEach(async () => {
  await t.cleanup()
})

describe('playbook commands of the CLI', () => {
  it('export -o remembers the template; --update --check reports staleness; --update rewrites it', async () => {
    const file = path.join(t.dir, 'site.yml')
    await cliOk(t, ['record', 'start'], ['kdb', 'set', 'user:/app/port', '8080'], ['export', '-o', file])
    const remembered = await cli(t, ['kdb', 'get', 'system:/elektra/record/config/export/ansible/template'])
    expect(remembered.stdout.trim()).toBe(file)
    // a hand edit outside the generated task
    const edited = (await readFile(file, 'utf8')) + '# mine\n'
    await writeFile(file, edited)
    expect((await cli(t, ['export', '--update', file, '--check'])).exitCode).toBe(0)

    await cliOk(t, ['kdb', 'set', 'user:/app/host', 'example.org'])
    const check = await cli(t, ['export', '--update', file, '--check'])
    expect(check.exitCode).toBe(1)
    expect(check.stdout).toContain("+              host: 'example.org'")
    expect(await readFile(file, 'utf8')).toBe(edited)

    await cliOk(t, ['export', '--update', file])
    const updated = await readFile(file, 'utf8')
    expect(updated).toContain("host: 'example.org'")
    expect(updated.endsWith('# mine\n')).toBe(true)
    expect((await cli(t, ['export', '--update', file, '--check'])).exitCode).toBe(0)

    const valid = await cli(t, ['validate', file])
    expect([valid.exitCode, valid.stderr]).toEqual([0, ''])
  })

  it('--update without FILE updates the playbook export -o remembered; with none remembered: exit 1', async () => {
    const none = await cli(t, ['export', '--update'])
    expect(none.exitCode).toBe(1)
    expect(none.stderr).toMatch(/no playbook remembered/)
    const file = path.join(t.dir, 'site.yml')
    await cliOk(t, ['record', 'start'], ['kdb', 'set', 'user:/app/port', '8080'], ['export', '-o', file])
    await cliOk(t, ['kdb', 'set', 'user:/app/host', 'example.org'])
    expect((await cli(t, ['export', '--update', '--check'])).exitCode).toBe(1)
    await cliOk(t, ['export', '--update'])
    expect(await readFile(file, 'utf8')).toContain("host: 'example.org'")
    expect((await cli(t, ['export', '--update', '--check'])).exitCode).toBe(0)
  })

  it('refuses a foreign file and leaves it untouched; validate reports FILE:LINE:COL', async () => {
    const file = path.join(t.dir, 'foreign.yml')
    const text = 'just: a mapping\n'
    await writeFile(file, text)
    const r = await cli(t, ['export', '--update', file])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/foreign\.yml:1:1: /)
    expect(await readFile(file, 'utf8')).toBe(text)

    const bad = path.join(t.dir, 'bad.yml')
    await writeFile(bad, '- hosts: all\n  tasks:\n    - elektra_initiative.libelektra.elektra:\n        keys: []\n        bogus: 1\n')
    const v = await cli(t, ['validate', bad])
    expect(v.exitCode).toBe(1)
    expect(v.stderr).toBe(`${bad}:5:9: bogus: unknown option in the tree syntax\n`)

    const s = await cli(t, ['schema'])
    expect(JSON.parse(s.stdout).title).toBe('elektra_initiative.libelektra.elektra')
  })
  it('refuses --update together with -o (usage error, nothing written)', async () => {
    const file = path.join(t.dir, 'site.yml')
    const other = path.join(t.dir, 'other.yml')
    await cliOk(t, ['record', 'start'], ['kdb', 'set', 'user:/a', '1'], ['export', '-o', file])
    const before = await readFile(file, 'utf8')
    await cliOk(t, ['kdb', 'set', 'user:/a', '2'])
    const r = await cli(t, ['export', '--update', file, '-o', other])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--update.*-o|-o.*--update/)
    expect(await readFile(file, 'utf8')).toBe(before)
    await expect(readFile(other, 'utf8')).rejects.toThrow()
  })
  it('--check with other options than the export says the update would change the file, not that the session did', async () => {
    const file = path.join(t.dir, 'site.yml')
    await cliOk(t, ['kdb', 'set', 'user:/a', '1'], ['record', 'start'], ['kdb', 'set', 'user:/a', '2'])
    await cliOk(t, ['export', '--assert-old', '-o', file])
    expect((await cli(t, ['export', '--update', file, '--check', '--assert-old'])).exitCode).toBe(0)
    const r = await cli(t, ['export', '--update', file, '--check'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).not.toMatch(/the session has changes/)
    expect(r.stderr).toMatch(/would change it/)
  })
})
