// The embedded stores of both languages resolve the same key name to the same file (and lock file)
// for the same environment: root (absolute, relative, none), HOME spellings, a working directory with
// `.dir` folders found upward, and mountpoint tables with relative, absolute and `~` paths.
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import { keyNameFromParts, parseKeyName, type KeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { lockFileOf } from '../src/kdb/lock.js'
import { MOUNTPOINTS_ROOT } from '../src/kdb/mountpoints.js'
import {
  bootstrapFile,
  defaultFile,
  FILE_NAMESPACES,
  recordLockTarget,
  sessionFile,
  type KdbEnv
} from '../src/kdb/paths.js'
import { runPython } from './helpers/python.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

const MOUNTS: Array<[string, string]> = [
  ['user:/app', 'app.ecf'],
  ['user:/app/nested', 'sub/../nested.ecf'],
  ['user:/abs', '/abs/user.ecf'],
  ['system:/hosts', 'hosts.ecf'],
  ['system:/opt', '/opt/x//y.ecf'],
  ['system:/tilde', '~/.tilde.ecf'],
  ['system:/tilde2', '~tilde2.ecf'],
  ['spec:/sp', 'spec.ecf'],
  ['spec:/sp/abs', '/spec/abs.ecf'],
  ['/casc', 'casc.ecf'],
  ['/casc/inner', './inner/./x.ecf'],
  ['dir:/d', 'd.ecf'],
  ['dir:/dabs', '/dabs.ecf'],
  ['user:/a\\/b', 'slash.ecf'],
  ['system:/ü', 'ü.ecf'],
  ['user:/trailing', 'dir/t.ecf/'],
  ['system:/elektrafoo', 'ef.ecf']
]

const NAMES_FIXED = [
  'user:/',
  'system:/',
  'spec:/',
  'dir:/',
  'system:/elektra',
  'system:/elektra/mountpoints/x',
  'system:/elektra/record/session/diff/added/a',
  'user:/elektra/record/session/diff/added/a',
  'dir:/elektra/record/session',
  'system:/elektra/record/config/active',
  'system:/elektra/modules/dump',
  'user:/elektra',
  'user:/other/key',
  '/casc/x',
  'proc:/x',
  'default:/y'
]

/** Files that may exist in the tree (they steer the upward search of dir files). */
const DIR_FILES = ['.dir/default.ecf', '.dir/d.ecf', 'dabs.ecf', '.dir/casc.ecf']

interface EnvCase {
  mounts: number[]
  rootKind: 'absolute' | 'relative' | 'trailing'
  homeKind: number
  depth: number
  /** for each of DIR_FILES: at which level above the working directory it exists (-1: nowhere) */
  dirFiles: number[]
}

const envCase: fc.Arbitrary<EnvCase> = fc.record({
  mounts: fc.uniqueArray(fc.integer({ min: 0, max: MOUNTS.length - 1 }), { maxLength: MOUNTS.length }),
  rootKind: fc.constantFrom('absolute', 'relative', 'trailing'),
  homeKind: fc.integer({ min: 0, max: 3 }),
  depth: fc.integer({ min: 0, max: 3 }),
  dirFiles: fc.array(fc.integer({ min: -1, max: 4 }), {
    minLength: DIR_FILES.length,
    maxLength: DIR_FILES.length
  })
})

function tableKeys(mounts: Array<[string, string]>): KeySet {
  const ks = new KeySet()
  for (const [mp, file] of mounts) {
    const base = keyNameFromParts('system', [...MOUNTPOINTS_ROOT.parts, parseKeyName(mp).canonical])
    const put = (rel: string[], v: string) =>
      ks.add(new Key(keyNameFromParts('system', [...base.parts, ...rel]), v, new Map()))
    put([], '')
    put(['definition', 'path'], file)
    put(['definition', 'positions', 'get', 'storage'], 'storage')
    put(['definition', 'positions', 'set', 'storage'], 'storage')
    put(['plugins', 'storage', 'name'], 'dump')
  }
  return ks
}

function namesFor(mounts: Array<[string, string]>): string[] {
  const out = new Set(NAMES_FIXED)
  for (const [mp] of mounts) {
    const n = parseKeyName(mp)
    const nss: KeyName[] =
      n.namespace === 'cascading' ? FILE_NAMESPACES.map(ns => keyNameFromParts(ns, n.parts)) : [n]
    for (const m of nss) {
      out.add(m.canonical)
      out.add(keyNameFromParts(m.namespace, [...m.parts, 'k']).canonical)
      out.add(keyNameFromParts(m.namespace, [...m.parts, 'nested', 'deep']).canonical)
    }
  }
  return [...out]
}

interface PyPaths {
  results: Array<{ fixed: Record<string, string>; names: Record<string, string>; error?: string }>
}

describe('path resolution parity (TypeScript ↔ Python)', () => {
  let t: TempRoot
  beforeAll(async () => {
    t = await makeTempRoot()
  })
  afterAll(async () => {
    await t.cleanup()
  })

  it('the same environment gives the same file for every key name, and the same fixed files', async () => {
    const cases = fc.sample(envCase, { numRuns: 60, seed: 4711 })
    const envs: Array<{ env: KdbEnv; names: string[]; mounts: Array<[string, string]> }> = []
    for (const [i, c] of cases.entries()) {
      const base = path.join(t.dir, `e${i}`)
      const root = path.join(base, 'root')
      const home = path.join(base, 'home', 'me')
      const levels = ['a', 'b', 'c', 'd'].slice(0, c.depth + 1)
      const cwd = path.join(base, 'tree', ...levels)
      await mkdir(cwd, { recursive: true })
      await mkdir(home, { recursive: true })
      for (const [j, level] of c.dirFiles.entries()) {
        if (level < 0 || level > levels.length) continue
        const at = path.join(base, 'tree', ...levels.slice(0, levels.length - level))
        const f = path.join(at, DIR_FILES[j] as string)
        await mkdir(path.dirname(f), { recursive: true })
        await writeFile(f, '')
      }
      const mounts = c.mounts.map(m => MOUNTS[m] as [string, string])
      await mkdir(path.join(root, 'etc/kdb'), { recursive: true })
      const table = writeDump(tableKeys(mounts), parseKeyName('system:/elektra'))
      await writeFile(path.join(root, 'etc/kdb/elektra.ecf'), table)
      const rootSpelled =
        c.rootKind === 'relative'
          ? path.relative(process.cwd(), root)
          : c.rootKind === 'trailing'
            ? `${root}//`
            : root
      const homes = [home, `${home}/`, home.replace('/home/', '//home/./x/../'), `${home}/.`]
      const homeSpelled = homes[c.homeKind] as string
      envs.push({ env: { root: rootSpelled, home: homeSpelled, cwd }, names: namesFor(mounts), mounts })
    }

    const ts = []
    for (const e of envs) {
      const store = new EmbeddedStore(e.env)
      const table = await store.mountTable()
      const fixed: Record<string, string> = {}
      for (const ns of FILE_NAMESPACES) {
        fixed[`default:${ns}`] = defaultFile(ns, e.env)
        fixed[`session:${ns}`] = sessionFile(ns, e.env)
      }
      fixed.elektra = bootstrapFile(e.env)
      fixed.recordLock = lockFileOf(recordLockTarget(e.env))
      const names: Record<string, string | null> = {}
      for (const n of e.names) {
        const b = table.route(parseKeyName(n))
        names[n] = b === null ? null : b.file
      }
      ts.push({ fixed, names })
    }

    const py = await runPython<PyPaths>('paths', {
      envs: envs.map(e => ({ ...e.env, names: e.names, processCwd: process.cwd() }))
    })
    const pyNormalised = py.results.map(r => ({
      fixed: r.fixed,
      // Python refuses names no file can hold with an error; TypeScript routes them nowhere
      names: Object.fromEntries(
        Object.entries(r.names).map(([n, f]) => [n, f.startsWith('error: ') ? null : f])
      )
    }))
    for (const [i, r] of pyNormalised.entries()) {
      expect(py.results[i]?.error, JSON.stringify(envs[i])).toBeUndefined()
      expect({ env: envs[i]?.env, mounts: envs[i]?.mounts, ...r }).toEqual({
        env: envs[i]?.env,
        mounts: envs[i]?.mounts,
        ...ts[i]
      })
    }
  })
})

describe('mountpoint table parity (TypeScript ↔ Python)', () => {
  let t: TempRoot
  beforeAll(async () => {
    t = await makeTempRoot()
  })
  afterAll(async () => {
    await t.cleanup()
  })

  async function envWith(i: number, keys: KeySet): Promise<KdbEnv> {
    const root = path.join(t.dir, `m${i}`)
    await mkdir(path.join(root, 'etc/kdb'), { recursive: true })
    await writeFile(path.join(root, 'etc/kdb/elektra.ecf'), writeDump(keys, parseKeyName('system:/elektra')))
    return { root, home: t.home, cwd: t.cwd }
  }

  it('an entry neither can use is an error naming its table key on both sides', async () => {
    const bad: Array<[string, string]> = [
      ['user:/ok', ''], // no definition/path
      ['system:/elektra/x', 'x.ecf'], // below system:/elektra
      ['/elektra/y', 'y.ecf'],
      ['nonsense', 'n.ecf'], // not a key name
      ['user:/a/../..', 'u.ecf'] // valid: `..` stays at the root, so this is user:/
    ]
    const envs: KdbEnv[] = []
    const expected: Array<string | null> = []
    for (const [i, [mp, file]] of bad.entries()) {
      const ks = new KeySet()
      const base = keyNameFromParts('system', [...MOUNTPOINTS_ROOT.parts, mp])
      ks.add(new Key(base, '', new Map()))
      ks.add(new Key(keyNameFromParts('system', [...base.parts, 'definition', 'path']), file, new Map()))
      envs.push(await envWith(i, ks))
      expected.push(i === bad.length - 1 ? null : base.canonical)
    }
    const ts: Array<string | null> = []
    for (const env of envs) {
      const err = await new EmbeddedStore(env).mountTable().then(
        () => null,
        (e: Error) => e.message
      )
      ts.push(err)
    }
    const py = await runPython<{ results: Array<{ tableError?: string }> }>('paths', {
      envs: envs.map(e => ({ ...e, names: [] }))
    })
    for (const [i, key] of expected.entries()) {
      const tsErr = ts[i] ?? null
      const pyErr = py.results[i]?.tableError ?? null
      if (key === null) {
        expect([tsErr, pyErr]).toEqual([null, null])
        continue
      }
      expect(tsErr?.startsWith(`${key}: `), String(tsErr)).toBe(true)
      expect(pyErr?.startsWith(`${key}: `), String(pyErr)).toBe(true)
      // same reason, but for the parser's own wording of an invalid name
      if (!tsErr?.includes('not a valid mountpoint name')) expect(pyErr).toBe(tsErr)
    }
  })

  it('keys of a nested mountpoint found in the parent file are dropped by both readers', async () => {
    const env = await envWith(99, tableKeys([['user:/app', 'app.ecf'], ['/casc', 'casc.ecf']]))
    const parent = parseKeyName('user:/')
    const ks = new KeySet()
    const names = [
      'user:/a',
      'user:/app',
      'user:/app/x',
      'user:/appx',
      'user:/casc/y',
      'user:/elektra/record/session/diff/added/a',
      'user:/z'
    ]
    for (const n of names) ks.add(new Key(parseKeyName(n), 'v', new Map()))
    await mkdir(path.join(t.home, '.config'), { recursive: true })
    await writeFile(path.join(t.home, '.config/default.ecf'), writeDump(ks, parent))
    const store = new EmbeddedStore(env)
    // the scope user:/ covers user:/app's own file too: it does not exist, so nothing comes from there
    const tsKeys = (await store.read(parseKeyName('user:/'))).toArray()
    const py = await runPython<{ results: Array<{ reads: Record<string, string[]> }> }>('paths', {
      envs: [{ ...env, names: [], reads: ['user:/a'] }]
    })
    expect(py.results[0]?.reads['user:/a']).toEqual(['user:/a', 'user:/appx', 'user:/z'])
    expect(tsKeys.map(k => k.name.canonical)).toEqual(['user:/a', 'user:/appx', 'user:/z'])
  })
})
