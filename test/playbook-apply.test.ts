// End to end: record on one key database, export a playbook (with --assert-old), apply it with
// ansible-playbook and the collection's module to a second database holding the state before the
// recording: same keys afterwards; a second run changes nothing; a drifted host fails and is untouched.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import type { KdbEnv } from '../src/kdb/paths.js'
import { cliOk, REPO } from './helpers/cli.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

const COLLECTIONS = path.join(REPO, 'collection')
const haveAnsible = existsSync('/usr/bin/ansible-playbook') && existsSync(path.join(COLLECTIONS, 'ansible_collections'))

let a: TempRoot
let b: TempRoot
beforeEach(async () => {
  a = await makeTempRoot({ lockTimeoutMs: 5000 })
  b = await makeTempRoot({ lockTimeoutMs: 5000 })
})
afterEach(async () => {
  await a.cleanup()
  await b.cleanup()
})

async function given(env: KdbEnv): Promise<void> {
  await new EmbeddedStore(env).update(parseKeyName('/'), ks => {
    ks.add(Key.create('user:/app/old', 'x'))
    ks.add(Key.create('user:/app/name', 'demo', { type: 'string' }))
    ks.add(Key.create('system:/app/keep', 'k'))
  })
}

async function state(env: KdbEnv): Promise<string[]> {
  const ks = await new EmbeddedStore(env).read(parseKeyName('/'))
  return ks
    .toArray()
    .filter(k => k.name.parts[0] !== 'elektra')
    .map(k => `${k.name.canonical} = ${JSON.stringify(k.value instanceof Uint8Array ? [...k.value] : k.value)} ${JSON.stringify(Object.fromEntries(k.metaEntries()))}`)
}

function play(t: TempRoot, file: string) {
  return execa('ansible-playbook', ['-i', 'localhost,', '-c', 'local', file], {
    cwd: t.cwd,
    env: { ...t.vars, ANSIBLE_COLLECTIONS_PATH: COLLECTIONS, ANSIBLE_NOCOLOR: '1', ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3' },
    extendEnv: true,
    reject: false
  })
}

describe.skipIf(!haveAnsible)('a generated playbook applied by ansible-playbook', () => {
  it('reproduces the recorded state, is idempotent, and fails on a drifted host without writing', async () => {
    await given(a.env)
    await given(b.env)
    const file = path.join(b.dir, 'site.yml')
    await cliOk(
      a,
      ['record', 'start'],
      ['kdb', 'set', 'user:/app/port', '8080'],
      ['kdb', 'meta-set', 'user:/app/port', 'type', 'unsigned_long'],
      ['kdb', 'set', 'user:/app/name', "it's {{ x }}"],
      ['kdb', 'rm', 'user:/app/old'],
      ['kdb', 'set', 'system:/app/log', 'yes'],
      ['export', '--assert-old', '-o', file]
    )
    const first = await play(b, file)
    expect(first.exitCode, first.stdout).toBe(0)
    expect(await state(b.env)).toEqual(await state(a.env))

    const again = await play(b, file)
    expect(again.exitCode, again.stdout).toBe(0)
    expect(again.stdout).toMatch(/changed=0/)

    // a host that drifted from the recorded old state fails, and the transaction writes nothing
    await given(b.env)
    await new EmbeddedStore(b.env).update(parseKeyName('user:/app'), ks => {
      ks.add(Key.create('user:/app/old', 'drifted'))
    })
    const before = await state(b.env)
    const drifted = await play(b, file)
    expect(drifted.exitCode).not.toBe(0)
    expect(drifted.stdout).toMatch(/rescued=1/)
    expect(await state(b.env)).toEqual(before)
  }, 300_000)
  it('removes metadata the recording removed (the module keeps unlisted metadata otherwise)', async () => {
    for (const t of [a, b]) {
      await given(t.env)
      await new EmbeddedStore(t.env).update(parseKeyName('/'), ks => {
        ks.add(Key.create('system:/app/keep', 'k', { 'check/type': 'long', description: 'kept' }))
      })
    }
    const file = path.join(b.dir, 'site.yml')
    await cliOk(
      a,
      ['record', 'start'],
      ['kdb', 'meta-rm', 'user:/app/name', 'type'],
      ['kdb', 'meta-rm', 'system:/app/keep', 'check/type'],
      ['kdb', 'set', 'system:/app/keep', 'k2'],
      ['export', '-o', file]
    )
    const first = await play(b, file)
    expect(first.exitCode, first.stdout).toBe(0)
    expect(await state(b.env)).toEqual(await state(a.env))
    const again = await play(b, file)
    expect(again.exitCode, again.stdout).toBe(0)
    expect(again.stdout).toMatch(/changed=0/)
  }, 300_000)
  it('an update takes back metadata an applied playbook gave a key that has since left the session', async () => {
    await given(a.env)
    await given(b.env)
    const file = path.join(b.dir, 'site.yml')
    await cliOk(
      a,
      ['record', 'start'],
      ['kdb', 'meta-set', 'system:/app/keep', 'type', 'string'],
      ['kdb', 'set', 'user:/app/port', '1'],
      ['export', '-o', file]
    )
    const first = await play(b, file)
    expect(first.exitCode, first.stdout).toBe(0)
    // back to its start: the key leaves the session, the update declares its current state
    await cliOk(a, ['kdb', 'meta-rm', 'system:/app/keep', 'type'], ['export', '--update', file])
    const second = await play(b, file)
    expect(second.exitCode, second.stdout).toBe(0)
    expect(await state(b.env)).toEqual(await state(a.env))
  }, 300_000)
})
