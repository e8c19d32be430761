// The recording session is one store in two languages: the module (Python) folds the CLI's journal,
// appends its own parts and catches up with other programs' writes exactly as src/recorder does, so
// the session files come out byte-identical whichever side does it.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeDump } from '../src/kdb/dump-write.js'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { defaultFile, FILE_NAMESPACES, sessionFile, type KdbEnv } from '../src/kdb/paths.js'
import { startRecording } from '../src/recorder/commands/start.js'
import { loadSession } from '../src/recorder/commands/state.js'
import { calculate } from '../src/recorder/diff.js'
import { toJson } from '../src/recorder/diff-json.js'
import { filterPart } from '../src/recorder/session-store.js'
import { Recorder } from '../src/recorder/recorder.js'
import { readJournal } from '../src/recorder/session-journal.js'
import { runPython, startPython } from './helpers/python.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

const NAMES = ['user:/app/a', 'user:/app/b', 'user:/app/a/#0', 'user:/', 'system:/s/x', 'system:/s', 'user:/other']
type Op =
  | { kind: 'set'; name: string; value: string; meta: Record<string, string> }
  | { kind: 'rm'; name: string }
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    name: fc.constantFrom(...NAMES),
    value: fc.constantFrom('', '1', '2', 'x y', 'ä\n'),
    meta: fc.dictionary(fc.constantFrom('type', 'comment/#0'), fc.constantFrom('a', 'b'), { maxKeys: 2 })
  }),
  fc.record({ kind: fc.constant('rm' as const), name: fc.constantFrom(...NAMES) })
)

function envIn(dir: string): KdbEnv {
  return { root: path.join(dir, 'root'), home: path.join(dir, 'home'), cwd: path.join(dir, 'work') }
}

async function recorderFor(env: KdbEnv): Promise<Recorder> {
  return new Recorder(env, new EmbeddedStore(env), { syncJournal: false, foldThreshold: 1 << 30 })
}

async function apply(rec: Recorder, o: Op): Promise<void> {
  const name = parseKeyName(o.name)
  await rec.update(name, ks => {
    if (o.kind === 'rm') ks.remove(name)
    else ks.add(Key.create(name, o.value, o.meta))
  })
}

async function sessionBytes(env: KdbEnv): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {}
  for (const ns of FILE_NAMESPACES) {
    const f = sessionFile(ns, env)
    out[ns] = await readFile(f).then(
      b => b.toString('latin1'),
      () => null
    )
  }
  return out
}

interface PySession {
  results: Array<{ changed?: number; warnings?: string[] }>
}

describe('recording session parity (TypeScript ↔ Python)', () => {
  let t: TempRoot
  beforeAll(async () => {
    t = await makeTempRoot()
  })
  afterAll(async () => {
    await t.cleanup()
  })

  /** Two key databases that went through the same recorded writes (each journal names its own files). */
  async function twins(i: number, parent: string, ops: Op[]): Promise<[KdbEnv, KdbEnv]> {
    const out: KdbEnv[] = []
    for (const side of ['a', 'b']) {
      const env = envIn(path.join(t.dir, `${side}${i}`))
      for (const d of [env.root, env.home, env.cwd]) await mkdir(d, { recursive: true })
      const rec = await recorderFor(env)
      await startRecording(rec, { parent: parseKeyName(parent) })
      for (const o of ops) await apply(rec, o)
      out.push(env)
    }
    return out as [KdbEnv, KdbEnv]
  }

  it("Python folds TypeScript's journal into the same session files as TypeScript", async () => {
    const parents = fc.constantFrom('/', 'user:/app', '/app', 'system:/')
    const cases = fc.sample(fc.record({ parent: parents, ops: fc.array(op, { maxLength: 8 }) }), {
      numRuns: 15,
      seed: 9
    })
    const pairs: Array<[KdbEnv, KdbEnv]> = []
    for (const [i, c] of cases.entries()) pairs.push(await twins(i, c.parent, c.ops))
    let records = 0
    for (const [a] of pairs)
      records += (await readJournal(path.join(a.root, 'etc/kdb/record-session.journal')))?.records.length ?? 0
    expect(records).toBeGreaterThan(10)
    for (const [a] of pairs) {
      const rec = await recorderFor(a)
      await rec.session.withRecordLock(() => rec.session.fold())
    }
    await runPython<PySession>('session', { envs: pairs.map(([, b]) => ({ ...b, fold: true })) })
    for (const [a, b] of pairs) {
      const [x, y] = [await sessionBytes(a), await sessionBytes(b)]
      expect(y).toEqual(x)
    }
  })

  it('a part Python appends is a journal record TypeScript reads and folds as Python does', async () => {
    const pairs: Array<[KdbEnv, KdbEnv]> = []
    const first: Op[] = [{ kind: 'set', name: 'user:/app/a', value: '1', meta: {} }]
    for (let i = 0; i < 5; i++) pairs.push(await twins(100 + i, '/', first))
    const entry = (name: string, value: string, meta: Record<string, string> = {}) => ({
      name,
      binary: false,
      value,
      meta,
      shared: {}
    })
    const a = 'user:/app/a'
    const parts = [
      [{ name: a, before: entry(a, '1'), after: entry(a, '2', { type: 'x' }) }],
      [
        { name: 'system:/new', before: null, after: entry('system:/new', 'n') },
        { name: a, before: entry(a, '1'), after: null }
      ],
      [{ name: 'user:/', before: null, after: entry('user:/', 'root') }],
      // merge warnings: the part's old value is not the session's (Q18), and a conflict (row 4)
      [{ name: a, before: entry(a, '5'), after: entry(a, '6') }],
      [{ name: a, before: null, after: entry(a, '7') }]
    ]
    await runPython<PySession>('session', {
      envs: pairs.flatMap(([a, b], i) => [
        { ...a, append: parts[i] },
        { ...b, append: parts[i], fold: true }
      ])
    })
    for (const [a, b] of pairs) {
      const j = await readJournal(path.join(a.root, 'etc/kdb/record-session.journal'))
      // the TypeScript write before and Python's part: both intact, hashes and offsets checked
      expect(j?.records.length).toBe(2)
      expect(j?.validEnd).toBe(j?.size)
      const rec = await recorderFor(a)
      await rec.session.withRecordLock(() => rec.session.fold())
      expect(await sessionBytes(b)).toEqual(await sessionBytes(a))
    }
    // the warnings are counted in the session file alike
    expect((await sessionBytes(pairs[3]![0])).user).toContain('warnings\n1\n')
    expect((await sessionBytes(pairs[4]![0])).user).toContain('warnings\n1\n')
  })

  it("both catch up with another program's write to the same session", async () => {
    const pairs: Array<[KdbEnv, KdbEnv]> = []
    const first: Op[] = [{ kind: 'set', name: 'user:/app/a', value: '1', meta: {} }]
    for (let i = 0; i < 2; i++) pairs.push(await twins(200 + i, i === 0 ? '/' : 'user:/app', first))
    // another program replaces the user file (by rename, as every writer does)
    const ks = new KeySet()
    for (const [n, v] of [['user:/app/a', '9'], ['user:/app/new', 'n'], ['user:/elsewhere', 'e']])
      ks.add(Key.create(parseKeyName(n as string), v))
    for (const [a, b] of pairs)
      for (const env of [a, b]) {
        const f = defaultFile('user', env)
        await writeFile(`${f}.tmp`, writeDump(ks, parseKeyName('user:/')))
        await rename(`${f}.tmp`, f)
      }
    for (const [a] of pairs) {
      const rec = await recorderFor(a)
      await rec.session.withRecordLock(async () => {
        const parent = await rec.session.activeParent()
        expect(await rec.session.catchUp(parent)).toBe(1)
        await rec.session.fold()
      })
    }
    const parents = ['/', 'user:/app']
    const py = await runPython<PySession>('session', {
      envs: pairs.map(([, b], i) => ({ ...b, catchup: parents[i], fold: true }))
    })
    expect(py.results.map(r => r.changed)).toEqual([1, 1])
    for (const [a, b] of pairs) expect(await sessionBytes(b)).toEqual(await sessionBytes(a))
  })

  it('module tasks (Python) and recorded writes (TypeScript) at once: every change recorded exactly once', async () => {
    const env = envIn(path.join(t.dir, 'race'))
    for (const d of [env.root, env.home, env.cwd]) await mkdir(d, { recursive: true })
    const rec = await recorderFor(env)
    // a key database with content before the session starts
    await rec.update(parseKeyName('/'), ks => {
      for (const n of ['user:/m/k0', 'user:/t/k1', 'system:/s/x']) ks.add(Key.create(parseKeyName(n), 'start'))
    })
    const start = await rec.read(parseKeyName('/'))
    await startRecording(rec, { parent: parseKeyName('/') })
    const go = path.join(t.dir, 'race-go')
    // module tasks record their own changes (recordAnsible) without resetting the CLI's session
    const tasks = (tag: string) =>
      Array.from({ length: 25 }, (_, i) => ({
        keys: [{ 'user:/m': { [`k${i % 4}`]: i % 7 === 6 ? [{ remove: true }] : `${tag}${i}` } }],
        record: { recordAnsible: true, reset: false }
      }))
    const env2 = { ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS: '30000' }
    const pys = await Promise.all(['p', 'q'].map(tag => startPython('module', { env, go, tasks: tasks(tag) }, env2)))
    await writeFile(go, '')
    // the CLI's recorded writes, on the module's keys too
    const ts = async () => {
      for (let i = 0; i < 25; i++) {
        const name = parseKeyName(i % 3 === 0 ? `user:/m/k${i % 4}` : `user:/t/k${i % 4}`)
        await rec.update(name, ks => {
          if (i % 5 === 4) ks.remove(name)
          else ks.add(Key.create(name, `ts${i}`))
        })
      }
    }
    await Promise.all([ts(), ...pys.map(p => p.exit)])
    expect(await Promise.all(pys.map(p => p.exit))).toEqual([0, 0])
    const end = await rec.read(parseKeyName('/'))
    const { session } = await loadSession(rec)
    const expected = filterPart(calculate(start, end, null), parseKeyName('/'))
    expect(toJson({ ...session.diff, parent: null })).toEqual(toJson(expected))
    expect(session.warnings).toBe(0)
  })
})

