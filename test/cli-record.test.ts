// The record scenarios S1–S10 of ../shared/vectors/record-cli.md, run through the real CLI process,
// with our changes of spec/recording.md §8 where they apply (noted per test).
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readDump } from '../src/kdb/dump-read.js'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { sessionFile } from '../src/kdb/paths.js'
import { loadSession } from '../src/recorder/commands/state.js'
import { toJson } from '../src/recorder/diff-json.js'
import { Recorder } from '../src/recorder/recorder.js'
import { cli, cliOk } from './helpers/cli.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

let t: TempRoot
beforeEach(async () => {
  t = await makeTempRoot({ lockTimeoutMs: 3000 })
})
afterEach(async () => {
  await t.cleanup()
})

const n = parseKeyName
const lines = (...l: string[]) => l.join('\n') + '\n'
const MERGE0 = '\nMerge warnings: 0\n'

/** Keys written before the scenario starts (not through the CLI: they are the scenario's precondition). */
async function given(keys: Record<string, string | [string, Record<string, string>]>): Promise<void> {
  const store = new EmbeddedStore(t.env)
  await store.update(n('/'), ks => {
    for (const [name, v] of Object.entries(keys))
      ks.add(typeof v === 'string' ? Key.create(name, v) : Key.create(name, v[0], v[1]))
  })
}

/** The session as a library user sees it (in-process; the CLI runs are what is tested). */
async function loaded() {
  const rec = new Recorder(t.env, new EmbeddedStore(t.env))
  return loadSession(rec)
}

/** The storage keys of a namespace's session file (name = value), after folding the journal. */
async function stored(ns: 'user' | 'system'): Promise<string[]> {
  await loaded()
  const file = sessionFile(ns, t.env)
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch {
    return []
  }
  return readDump(bytes, n(`${ns}:/elektra/record/session`), { file })
    .toArray()
    .map(k => `${k.name.canonical} = ${String(k.value ?? '')}`)
}

type Json = ReturnType<typeof toJson>

/** The JSON export through the CLI. */
async function json(): Promise<Json> {
  const r = await cli(t, ['export', '--format', 'json'])
  expect(r.exitCode, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

const summarize = (j: Json) => ({
  A: Object.fromEntries(Object.entries(j.added).map(([k, e]) => [k, e.value])),
  M: Object.fromEntries(Object.entries(j.modified).map(([k, e]) => [k, [e.old.value, e.new.value]])),
  R: Object.fromEntries(Object.entries(j.removed).map(([k, e]) => [k, e.value]))
})

/** The session's changes, read in-process. */
const summary = async () => {
  const { session, parent } = await loaded()
  return summarize(toJson({ ...session.diff, parent }, session.asserts))
}

describe('record CLI scenarios (vectors/record-cli.md)', () => {
  it('S1: full session lifecycle, with the 0.11 layout on disk', async () => {
    await given({
      'user:/test/greeting': 'hello',
      'user:/test/age': ['25', { visible: 'false' }],
      'user:/test/name': 'Franz'
    })
    await cliOk(t, ['kdb', 'set', 'user:/test/poweruser', 'true'])
    let r = await cli(t, ['record', 'state'])
    expect(r).toMatchObject({ exitCode: 0, stdout: 'Recording is not enabled\n' })
    await cliOk(
      t,
      ['record', 'start'],
      ['kdb', 'rm', 'user:/test/greeting'],
      ['kdb', 'set', 'user:/test/name', 'Hans'],
      ['kdb', 'set', 'user:/test/gender', 'male'],
      ['kdb', 'meta-set', 'user:/test/age', 'meta:/visible', 'true']
    )
    expect(await cli(t, ['kdb', 'get', 'system:/elektra/record/config/active'])).toMatchObject({ stdout: '/\n' })
    r = await cli(t, ['record', 'state'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toBe(
      lines(
        'Recording is active for /',
        '',
        'Added 1 key(s)',
        'Modified 2 key(s)',
        'Removed 1 key(s)',
        '',
        'Added key user:/test/gender',
        'Modified key user:/test/age',
        'Modified key user:/test/name',
        'Removed key user:/test/greeting'
      ) + MERGE0
    )
    expect(await stored('user')).toEqual([
      'user:/elektra/record/session/diff/added/test/gender = male',
      'user:/elektra/record/session/diff/modified/new/test/age = 25',
      'user:/elektra/record/session/diff/modified/new/test/name = Hans',
      'user:/elektra/record/session/diff/modified/old/test/age = 25',
      'user:/elektra/record/session/diff/modified/old/test/name = Franz',
      'user:/elektra/record/session/diff/removed/test/greeting = hello'
    ])
    await cliOk(t, ['record', 'rm', 'user:/test/name'])
    r = await cli(t, ['record', 'state'])
    expect(r.stdout).toBe(
      lines(
        'Recording is active for /',
        '',
        'Added 1 key(s)',
        'Modified 1 key(s)',
        'Removed 1 key(s)',
        '',
        'Added key user:/test/gender',
        'Modified key user:/test/age',
        'Removed key user:/test/greeting'
      ) + MERGE0
    )
    await cliOk(t, ['record', 'reset'])
    expect(await stored('user')).toEqual([])
    r = await cli(t, ['record', 'state'])
    expect(r.stdout).toBe(
      lines('Recording is active for /', '', 'Added 0 key(s)', 'Modified 0 key(s)', 'Removed 0 key(s)') + MERGE0
    )
    await cliOk(t, ['record', 'stop'])
    expect((await cli(t, ['record', 'state'])).stdout).toBe('Recording is not enabled\n')
  })

  it('S2: a subtree session records nothing outside it, in any mount layout or namespace (Q2)', async () => {
    await cliOk(
      t,
      ['record', 'start', 'user:/test/sub'],
      ['kdb', 'set', 'user:/test/bla', 'blub'],
      ['kdb', 'set', 'system:/y/a', '1'],
      ['kdb', 'set', 'user:/test/sub/shouldberecorded', '123']
    )
    const r = await cli(t, ['record', 'state'])
    expect(r.stdout).toBe(
      lines(
        'Recording is active for user:/test/sub',
        '',
        'Added 1 key(s)',
        'Modified 0 key(s)',
        'Removed 0 key(s)',
        '',
        'Added key user:/test/sub/shouldberecorded'
      ) + MERGE0
    )
    await cliOk(t, ['record', 'reset'], ['record', 'stop'])
  })

  it('S3: undo, partial and full; the undo itself is not recorded', async () => {
    await given({ 'user:/testundo/name': 'Max', 'user:/testundo/age': '28' })
    await cliOk(
      t,
      ['record', 'start'],
      ['kdb', 'set', 'user:/testundo/name', 'Hans'],
      ['kdb', 'rm', 'user:/testundo/age'],
      ['kdb', 'set', 'user:/testundo/hobby', 'swimming']
    )
    expect(await cli(t, ['kdb', 'get', 'user:/testundo/name'])).toMatchObject({ exitCode: 0, stdout: 'Hans\n' })
    const missing = await cli(t, ['kdb', 'get', 'user:/testundo/age'])
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain("Did not find key 'user:/testundo/age'")
    await cliOk(t, ['record', 'undo', 'user:/testundo/hobby'])
    expect((await cli(t, ['kdb', 'get', 'user:/testundo/hobby'])).stderr).toContain(
      "Did not find key 'user:/testundo/hobby'"
    )
    expect((await cli(t, ['kdb', 'get', 'user:/testundo/name'])).stdout).toBe('Hans\n')
    expect(await summary()).toEqual({
      A: {},
      M: { 'user:/testundo/name': ['Max', 'Hans'] },
      R: { 'user:/testundo/age': '28' }
    })
    await cliOk(t, ['record', 'undo'])
    expect(await summary()).toEqual({ A: {}, M: {}, R: {} })
    expect((await cli(t, ['kdb', 'get', 'user:/testundo/name'])).stdout).toBe('Max\n')
    expect((await cli(t, ['kdb', 'get', 'user:/testundo/age'])).stdout).toBe('28\n')
  })

  it('S3 (Q12): undo refuses a key changed since it was recorded unless --force', async () => {
    await given({ 'user:/u/name': 'Max' })
    await cliOk(t, ['record', 'start', 'user:/u'], ['kdb', 'set', 'user:/u/name', 'Hans'])
    // another program changes the key behind the session's back: the session catches that up too,
    // so simulate a change the session cannot know about by editing with recording stopped
    await cliOk(t, ['record', 'stop'], ['kdb', 'set', 'user:/u/name', 'Moritz'], ['record', 'start', 'user:/u'])
    const r = await cli(t, ['record', 'undo'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('user:/u/name')
    expect((await cli(t, ['kdb', 'get', 'user:/u/name'])).stdout).toBe('Moritz\n')
    const forced = await cli(t, ['record', 'undo', '--force'])
    expect(forced.exitCode).toBe(0)
    expect((await cli(t, ['kdb', 'get', 'user:/u/name'])).stdout).toBe('Max\n')
  })

  it('S4: tutorial session; export as JSON and as a playbook', async () => {
    await given({ 'user:/test/name': 'Franz', 'user:/test/color': 'Red' })
    await cliOk(
      t,
      ['record', 'start', 'user:/'],
      ['kdb', 'set', 'user:/test/name', 'Hans'],
      ['kdb', 'set', 'user:/test/age', '29'],
      ['kdb', 'rm', 'user:/test/color']
    )
    const r = await cli(t, ['record', 'state'])
    expect(r.stdout).toBe(
      lines(
        'Recording is active for user:/',
        '',
        'Added 1 key(s)',
        'Modified 1 key(s)',
        'Removed 1 key(s)',
        '',
        'Added key user:/test/age',
        'Modified key user:/test/name',
        'Removed key user:/test/color'
      ) + MERGE0
    )
    const j = await json()
    expect(j.parent).toBe('user:/')
    expect(summarize(j)).toEqual({
      A: { 'user:/test/age': '29' },
      M: { 'user:/test/name': ['Franz', 'Hans'] },
      R: { 'user:/test/color': 'Red' }
    })
    const yaml = await cli(t, ['export'])
    expect(yaml.exitCode).toBe(0)
    expect(yaml.stdout).toContain("'29'")
    expect(yaml.stdout).toContain("'Hans'")
  })

  it('S6 (Q13): start while active refuses another parent without --resume or --reset', async () => {
    await cliOk(t, ['record', 'start', 'user:/a'], ['kdb', 'set', 'user:/a/x', '1'])
    let r = await cli(t, ['record', 'start', 'user:/b'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/already active for user:\/a.*--resume.*--reset/)
    expect((await cli(t, ['record', 'state'])).stdout).toMatch(/^Recording is active for user:\/a\n/)
    r = await cli(t, ['record', 'start', 'user:/a'])
    expect(r.exitCode).toBe(0)
    r = await cli(t, ['record', 'start', 'user:/b', '--resume'])
    expect(r.exitCode).toBe(0)
    r = await cli(t, ['record', 'state'])
    expect(r.stdout).toMatch(/^Recording is active for user:\/b\n/)
    expect(r.stdout).toContain('Added key user:/a/x')
    r = await cli(t, ['record', 'start', 'user:/c', '--reset'])
    expect(r.exitCode).toBe(0)
    r = await cli(t, ['record', 'state'])
    expect(r.stdout).toMatch(/^Recording is active for user:\/c\n\nAdded 0 key\(s\)/)
    expect((await cli(t, ['record', 'start', 'user:/d', '--resume', '--reset'])).exitCode).toBe(2)
  })

  it('S7 (Q5): an empty session exports a valid empty document in every format, with a note', async () => {
    await cliOk(t, ['record', 'reset'])
    for (const format of ['ansible', 'commands', 'json']) {
      const r = await cli(t, ['export', '--format', format])
      expect(r.exitCode).toBe(0)
      expect(r.stderr).toContain('session is empty')
      expect(r.stdout.length).toBeGreaterThan(0)
    }
    expect((await cli(t, ['export'])).stdout).toContain('tasks: []')
  })

  it('S8: stop keeps the data, state hides it, export still works, start resumes', async () => {
    await cliOk(t, ['record', 'start'], ['kdb', 'set', 'user:/k', 'v'], ['record', 'stop'])
    expect((await cli(t, ['record', 'state'])).stdout).toBe('Recording is not enabled\n')
    expect((await summary()).A).toEqual({ 'user:/k': 'v' })
    await cliOk(t, ['kdb', 'set', 'user:/k', 'w'], ['record', 'start'])
    const r = await cli(t, ['record', 'state'])
    expect(r.stdout).toContain('Added 1 key(s)')
    expect(r.stdout).toContain('Added key user:/k')
    expect((await summary()).A).toEqual({ 'user:/k': 'v' })
  })

  it('S9: add then remove inside one session (append rows 5, 6, 8, 9, 10, 11)', async () => {
    await given({ 'user:/t/old': '1' })
    await cliOk(t, ['record', 'start'], ['kdb', 'set', 'user:/t/new', 'a'])
    expect((await summary()).A).toEqual({ 'user:/t/new': 'a' })
    await cliOk(t, ['kdb', 'set', 'user:/t/new', 'b'])
    expect((await summary()).A).toEqual({ 'user:/t/new': 'b' })
    await cliOk(t, ['kdb', 'rm', 'user:/t/new'])
    expect(await summary()).toEqual({ A: {}, M: {}, R: {} })
    await cliOk(t, ['kdb', 'set', 'user:/t/old', '2'])
    expect((await summary()).M).toEqual({ 'user:/t/old': ['1', '2'] })
    await cliOk(t, ['kdb', 'set', 'user:/t/old', '1'])
    expect(await summary()).toEqual({ A: {}, M: {}, R: {} })
    await cliOk(t, ['kdb', 'set', 'user:/t/old', '3'], ['kdb', 'rm', 'user:/t/old'])
    expect(await summary()).toEqual({ A: {}, M: {}, R: { 'user:/t/old': '1' } })
    await cliOk(t, ['kdb', 'set', 'user:/t/old', '1'])
    expect(await summary()).toEqual({ A: {}, M: {}, R: {} })
  })

  it('S10: record rm, exact and recursive; "not in session" (Q15)', async () => {
    await given({
      'user:/test/key3': '3',
      'user:/test/key3/sub': '3',
      'user:/test/key2': '1',
      'user:/test/key2/sub': '1'
    })
    await cliOk(
      t,
      ['record', 'start'],
      ['kdb', 'rm', '-r', 'user:/test/key3'],
      ['kdb', 'set', 'user:/test/key2', '2'],
      ['kdb', 'set', 'user:/test/key2/sub', '2'],
      ['kdb', 'set', 'user:/test/key1', '1']
    )
    expect(await stored('user')).toHaveLength(7)
    await cliOk(t, ['record', 'rm', 'user:/test/key3'])
    expect(await stored('user')).toHaveLength(6)
    await cliOk(t, ['record', 'rm', '-r', 'user:/test/key3'])
    expect(await stored('user')).toHaveLength(5)
    const r = await cli(t, ['record', 'rm', 'user:/nothing'])
    expect(r.exitCode).toBe(0)
    expect(r.stderr).toContain('user:/nothing: not in session')
    // a cascading name drops that path in every namespace
    await cliOk(t, ['kdb', 'set', 'system:/test/key1', 's'], ['record', 'rm', '/test/key1'])
    const s = await summary()
    expect(Object.keys(s.A)).toEqual([])
  })
})

describe('record CLI, our additions', () => {
  it('merge warnings (Q4): printed on stderr when merged, counted by record state', async () => {
    await cliOk(t, ['record', 'start'], ['kdb', 'set', 'user:/k', 'v'], ['record', 'stop'])
    // removed while not recording, then added again: the session still says "added" (row 4)
    await cliOk(t, ['kdb', 'rm', 'user:/k'], ['record', 'start'], ['kdb', 'set', 'user:/k', 'w'])
    let r = await cli(t, ['record', 'state'])
    expect(r.exitCode).toBe(0)
    expect(r.stderr).toBe("warning: Can't add already added key user:/k\n")
    expect(r.stdout).toMatch(/\nMerge warnings: 1\n$/)
    r = await cli(t, ['record', 'state', '--json'])
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).warnings).toBe(1)
  })

  it('records changes of other programs before each operation (diff of last seen and now)', async () => {
    await given({ 'user:/app/a': '1', 'system:/app/b': '2' })
    await cliOk(t, ['record', 'start'])
    // a program that is not us: writes the files directly, never telling the recorder
    await given({ 'user:/app/a': 'changed', 'system:/app/c': 'new' })
    await cliOk(t, ['kdb', 'set', 'user:/app/d', 'ours'])
    expect(await summary()).toEqual({
      A: { 'user:/app/d': 'ours', 'system:/app/c': 'new' },
      M: { 'user:/app/a': ['1', 'changed'] },
      R: {}
    })
    // and before a read of the session
    await given({ 'system:/app/b': '3' })
    expect((await summary()).M).toEqual({ 'user:/app/a': ['1', 'changed'], 'system:/app/b': ['2', '3'] })
  })

  it('record state --json, and record assert', async () => {
    await given({ 'user:/a': 'x' })
    await cliOk(
      t,
      ['record', 'start'],
      ['kdb', 'set', 'user:/b', 'y'],
      ['record', 'assert', 'user:/a'],
      ['record', 'assert', 'user:/c', 'expected']
    )
    const r = await cli(t, ['record', 'state', '--json'])
    expect(JSON.parse(r.stdout)).toEqual({
      active: true,
      parent: '/',
      added: ['user:/b'],
      modified: [],
      removed: [],
      asserts: ['user:/a', 'user:/c'],
      warnings: 0
    })
    const j = await json()
    expect(j.asserts['user:/a']?.value).toBe('x')
    expect(j.asserts['user:/c']?.value).toBe('expected')
    const absent = await cli(t, ['record', 'assert', 'user:/nope'])
    expect(absent.exitCode).toBe(0)
    expect((await json()).asserts['user:/nope']?.meta).toEqual({ 'elektra/deleted': '1' })
  })

  it('kdb set without a value sets an empty value, as the commands export writes it', async () => {
    await cliOk(t, ['record', 'start'], ['kdb', 'set', 'user:/empty'])
    const got = await cli(t, ['kdb', 'get', 'user:/empty'])
    expect(got.exitCode).toBe(0)
    expect(got.stdout).toBe('\n')
    expect((await json()).added['user:/empty']).toEqual({ value: '', meta: {} })
  })

  it('export --session reads record-session.cfg files (namespace by prefix, location or default)', async () => {
    await given({ 'user:/k': 'old', 'system:/s': 'x' })
    await cliOk(t, ['record', 'start'], ['kdb', 'set', 'user:/k', 'new'], ['kdb', 'rm', 'system:/s'])
    // fold the journal so the files hold everything
    await cliOk(t, ['record', 'state'])
    const userCopy = path.join(t.dir, 'copied.cfg')
    const sysCopy = path.join(t.dir, 'system-session.cfg')
    await readFile(sessionFile('user', t.env)).then(b => import('node:fs/promises').then(f => f.writeFile(userCopy, b)))
    await readFile(sessionFile('system', t.env)).then(b => import('node:fs/promises').then(f => f.writeFile(sysCopy, b)))
    await cliOk(t, ['record', 'reset'])
    let r = await cli(t, ['export', '--format', 'json', '--session', `user=${userCopy}`, sysCopy])
    expect(r.exitCode, r.stderr).toBe(0)
    let j = JSON.parse(r.stdout)
    expect(j.parent).toBeNull()
    expect(Object.keys(j.modified)).toEqual(['user:/k'])
    expect(Object.keys(j.removed)).toEqual(['system:/s'])
    r = await cli(t, ['export', '--format', 'json', '--session', userCopy])
    expect(r.stderr).toContain('read as user')
    j = JSON.parse(r.stdout)
    expect(Object.keys(j.modified)).toEqual(['user:/k'])
  })

  it('kdb import replaces a subtree in one recorded write; kdb export prints it back', async () => {
    await given({ 'user:/app/old': 'x', 'user:/other': 'y' })
    await cliOk(t, ['record', 'start'])
    const input = 'kdbOpen 2\n$key string 1 1\na\n1\n$key string 3 1\nb/c\n2\n$end\n'
    const r = await cli(t, ['kdb', 'import', 'user:/app'], { input })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(await summary()).toEqual({
      A: { 'user:/app/a': '1', 'user:/app/b/c': '2' },
      M: {},
      R: { 'user:/app/old': 'x' }
    })
    expect((await cli(t, ['kdb', 'export', 'user:/app'])).stdout).toBe(input)
    expect((await cli(t, ['kdb', 'ls', 'user:/app'])).stdout).toBe('user:/app/a\nuser:/app/b/c\n')
  })
})
