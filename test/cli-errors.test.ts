// Bad input: one line on stderr naming the key, file or offset; exit 1 (usage: 2, busy: 3); nothing
// touched.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { defaultFile, recordLockTarget } from '../src/kdb/paths.js'
import { cli, type CliResult } from './helpers/cli.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

let t: TempRoot
beforeEach(async () => {
  t = await makeTempRoot({ lockTimeoutMs: 300 })
})
afterEach(async () => {
  await t.cleanup()
})

function oneLine(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code)
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(r.stderr).toMatch(pattern)
}

async function tree(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(path.join(e.parentPath, e.name))
  return out.sort()
}

describe('CLI errors', () => {
  it('an invalid key name: exit 1 naming it, nothing written', async () => {
    oneLine(await cli(t, ['kdb', 'set', 'user/x', 'v']), 1, /"user\/x"/)
    oneLine(await cli(t, ['record', 'start', 'nope']), 1, /"nope"/)
    expect(await tree(t.dir)).toEqual([])
  })

  it('usage errors exit 2', async () => {
    oneLine(await cli(t, ['kdb', 'set', '--bogus', 'user:/x', 'v']), 2, /unknown option '--bogus'/)
    oneLine(await cli(t, ['kdb', 'meta-set', 'user:/x', 'type']), 2, /missing required argument/)
    oneLine(await cli(t, ['kdb', 'set']), 2, /missing required argument/)
    oneLine(await cli(t, ['frobnicate']), 2, /unknown command 'frobnicate'/)
    oneLine(await cli(t, ['export', '--format', 'xml']), 2, /unknown format 'xml'/)
    expect(await tree(t.dir)).toEqual([])
  })

  it('a malformed dump on import: exit 1 with the byte offset, the key database untouched', async () => {
    await new EmbeddedStore(t.env).update(parseKeyName('user:/app'), ks => {
      ks.add(Key.create('user:/app/keep', 'me'))
    })
    const file = defaultFile('user', t.env)
    const before = await readFile(file)
    const r = await cli(t, ['kdb', 'import', 'user:/app'], { input: 'kdbOpen 2\n$key string 3 10\nabc\nshort\n' })
    oneLine(r, 1, /<stdin>: byte \d+/)
    expect(await readFile(file)).toEqual(before)
  })

  it('a malformed backend file: exit 1 naming the file and byte', async () => {
    const file = defaultFile('user', t.env)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, 'kdbOpen 2\n$bogus\n')
    oneLine(await cli(t, ['kdb', 'get', 'user:/x']), 1, new RegExp(`${file.replace(/[.]/g, '\\.')}: byte \\d+`))
  })

  it('a malformed session file given with --session: exit 1 naming it', async () => {
    const file = path.join(t.dir, 'user-session.cfg')
    await writeFile(file, 'kdbOpen 2\n$key string 99 1\nx\n')
    oneLine(await cli(t, ['export', '--format', 'json', '--session', file]), 1, /user-session\.cfg: byte \d+/)
  })

  it('a missing root directory: exit 1 naming it, nothing created', async () => {
    const missing = path.join(t.dir, 'no-such-root')
    const r = await cli(t, ['kdb', 'set', 'user:/x', 'v'], { env: { ELEKTRA_PLAYBOOK_ROOT: missing } })
    oneLine(r, 1, /ELEKTRA_PLAYBOOK_ROOT: .*no-such-root is not an existing directory/)
    expect(await tree(t.dir)).toEqual([])
  })

  it('the record lock held by a live process: exit 3 "busy" after the lock timeout', async () => {
    const lock = `${recordLockTarget(t.env)}.lock`
    await mkdir(path.dirname(lock), { recursive: true })
    // this test process is alive, so its pid holds the lock
    await writeFile(lock, `${process.pid}\n`)
    oneLine(await cli(t, ['record', 'start']), 3, new RegExp(`busy: .*record-session\\.cfg is locked by pid ${process.pid}`))
  })
})
