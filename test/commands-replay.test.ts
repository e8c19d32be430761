// The commands export, run through `sh` against the embedded store, reproduces the recorded state.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import type { KdbEnv } from '../src/kdb/paths.js'
import { cli, cliOk, cliShellCommand } from './helpers/cli.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

let a: TempRoot
let b: TempRoot
beforeEach(async () => {
  a = await makeTempRoot({ lockTimeoutMs: 3000 })
  b = await makeTempRoot({ lockTimeoutMs: 3000 })
})
afterEach(async () => {
  await a.cleanup()
  await b.cleanup()
})

const GIVEN: Array<[string, string, Record<string, string>]> = [
  ['user:/app/keep', 'same', {}],
  ['user:/app/typed', 'v', { type: 'string', description: 'd' }],
  ['system:/app/old', 'gone soon', {}]
]

async function given(env: KdbEnv): Promise<void> {
  await new EmbeddedStore(env).update(parseKeyName('/'), ks => {
    for (const [n, v, m] of GIVEN) ks.add(Key.create(n, v, m))
  })
}

/** Every key outside /elektra (session, config) as `name = value {meta}`. */
async function state(env: KdbEnv): Promise<string[]> {
  const ks = await new EmbeddedStore(env).read(parseKeyName('/'))
  return ks
    .toArray()
    .filter(k => k.name.parts[0] !== 'elektra')
    .map(k => `${k.name.canonical} = ${JSON.stringify(k.value)} ${JSON.stringify(Object.fromEntries(k.metaEntries()))}`)
}

describe('export --format commands', () => {
  it('replays the session through sh', async () => {
    await given(a.env)
    await given(b.env)
    const tricky = "it's $HOME `x` \\ \"q\"\nsecond line"
    await cliOk(
      a,
      ['record', 'start'],
      ['kdb', 'set', 'user:/app/new', tricky],
      ['kdb', 'set', '--', 'user:/app/new/child', '-starts-with-dash'],
      ['kdb', 'meta-set', 'user:/app/new', 'comment/#0', 'a comment'],
      ['kdb', 'meta-rm', 'user:/app/typed', 'description'],
      ['kdb', 'set', 'user:/app/typed', 'w'],
      ['kdb', 'rm', 'system:/app/old']
    )
    const kdb = `${cliShellCommand()} kdb`
    const script = await cli(a, ['export', '--format', 'commands', '--kdb', kdb])
    expect(script.exitCode).toBe(0)
    expect(script.stdout).toContain("'user:/app/typed' 'description'")
    const file = path.join(b.dir, 'replay.sh')
    await writeFile(file, script.stdout)
    const run = await execa('sh', [file], { cwd: b.cwd, env: { ...b.vars }, extendEnv: true, reject: false })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(await state(b.env)).toEqual(await state(a.env))
  })

  it('an empty session gives a script of comments only', async () => {
    const r = await cli(a, ['export', '--format', 'commands'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout.split('\n').filter(l => l !== '' && !l.startsWith('#'))).toEqual([])
  })
})
