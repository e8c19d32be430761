import { writeFile } from 'node:fs/promises'
import { execa } from 'execa'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readDump } from '../src/kdb/dump-read.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { EmbeddedStore, touchedNames } from '../src/kdb/embedded-store.js'
import { UnsupportedPluginError } from '../src/kdb/errors.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import {
  KdbBinaryStore,
  kdbAvailable,
  KdbCommandError,
  planKdbCalls,
  type KdbCall,
  type KdbRunner
} from '../src/kdb/kdb-binary-store.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

const n = parseKeyName
const bin = (s: string) => new TextEncoder().encode(s)
const argv = (calls: KdbCall[]) => calls.map(c => c.args)

describe('kdb command plan', () => {
  const before = new KeySet([
    Key.create('user:/app/a', '1', { comment: 'x', order: '1' }),
    Key.create('user:/app/b', '2'),
    Key.create('user:/app/b/c', '3'),
    Key.create('user:/app/same', 's')
  ])

  it('removes, sets values and meta, deepest removal first', () => {
    const after = before.clone()
    after.remove('user:/app/b')
    after.remove('user:/app/b/c')
    after.lookup('user:/app/a')!.setMeta('comment', 'y').setMeta('order', null).setMeta('type', 'long')
    after.add(Key.create('user:/app/new', '-starts with a dash'))
    after.add(Key.create('user:/app/empty', ''))
    const calls = planKdbCalls(before, after, touchedNames(before, after))
    expect(argv(calls)).toEqual([
      ['rm', 'user:/app/b/c'],
      ['rm', 'user:/app/b'],
      ['meta-set', 'user:/app/a', 'comment', 'y'],
      ['meta-set', 'user:/app/a', 'type', 'long'],
      ['meta-rm', 'user:/app/a', 'order'],
      ['set', 'user:/app/empty', ''],
      ['set', '--', 'user:/app/new', '-starts with a dash']
    ])
  })

  it('writes binary keys by importing a one-key dump at their own name', () => {
    const after = before.clone()
    after.add(Key.create('user:/app/bin', new Uint8Array([0, 1, 2])))
    const calls = planKdbCalls(before, after, touchedNames(before, after))
    expect(argv(calls)).toEqual([['import', '-s', 'import', 'user:/app/bin', 'dump']])
    const imported = readDump(calls[0]!.input!, n('user:/app/bin'), {})
    expect(imported.lookup('user:/app/bin')?.value).toEqual(new Uint8Array([0, 1, 2]))
  })

  it('plans nothing for an unchanged set', () => {
    expect(planKdbCalls(before, before.clone(), touchedNames(before, before.clone()))).toEqual([])
  })
})

/**
 * A stand-in for the binary that answers `export` and `file` from a key set and records every call:
 * there is no libelektra on this machine, so this only checks how the store drives `kdb`.
 */
function recordingRunner(db: KeySet, calls: string[][]): KdbRunner {
  return async ({ args }) => {
    // temp file paths differ per call: record them as <file>
    calls.push(args.map(a => (a.includes('ep-kdb-') ? '<file>' : a)))
    const [cmd, name] = args
    if (cmd === 'export' && name !== undefined && args[3] !== undefined) {
      const parent = n(name)
      const below = new KeySet(db.below(parent, { self: true }))
      await writeFile(args[3], writeDump(below, parent, {}))
      return { stdout: bin(''), stderr: '', exitCode: 0 }
    }
    if (cmd === 'file') return { stdout: bin(`/files/${name}\n`), stderr: '', exitCode: 0 }
    if (cmd === 'set' && args[1] !== undefined) {
      db.add(Key.create(args[1], args[2] ?? ''))
      return { stdout: bin(''), stderr: '', exitCode: 0 }
    }
    if (cmd === 'meta-set') return { stdout: bin(''), stderr: 'Sorry, module kdb issued the error C01310:\nnope', exitCode: 0 }
    return { stdout: bin(''), stderr: 'Sorry, I do not know that', exitCode: 5 }
  }
}

describe('kdb binary store driving a kdb command', () => {
  it('reads a cascading scope with one export per namespace', async () => {
    const t = await makeTempRoot()
    try {
      const calls: string[][] = []
      const db = new KeySet([Key.create('user:/app/a', '1'), Key.create('system:/app/b', '2')])
      const store = new KdbBinaryStore(t.env, { run: recordingRunner(db, calls) })
      expect((await store.read(n('/app'))).names()).toEqual(['user:/app/a', 'system:/app/b'])
      expect(calls).toEqual([
        ['export', 'spec:/app', 'dump', '<file>'],
        ['export', 'dir:/app', 'dump', '<file>'],
        ['export', 'user:/app', 'dump', '<file>'],
        ['export', 'system:/app', 'dump', '<file>']
      ])
    } finally {
      await t.cleanup()
    }
  })

  it('updates with export, the planned calls and a fresh export, resolving files with kdb file', async () => {
    const t = await makeTempRoot()
    try {
      const calls: string[][] = []
      const db = new KeySet([Key.create('user:/app/a', '1')])
      const store = new KdbBinaryStore(t.env, { run: recordingRunner(db, calls) })
      const r = await store.update(n('user:/app'), ks => void ks.add(Key.create('user:/app/b', 'x')))
      expect(calls.filter(c => c[0] !== 'file')).toEqual([
        ['export', 'system:/elektra/mountpoints', 'dump', '<file>'],
        ['export', 'user:/app', 'dump', '<file>'],
        ['set', 'user:/app/b', 'x'],
        ['export', 'user:/app', 'dump', '<file>']
      ])
      expect(calls).toContainEqual(['file', 'user:/'])
      expect(r.after.names()).toEqual(['user:/app/a', 'user:/app/b'])
      expect(r.files).toEqual(['/files/user:/'])
    } finally {
      await t.cleanup()
    }
  })

  it('reports a failing kdb call with its command line and kdb\'s message, also with exit code 0', async () => {
    const t = await makeTempRoot()
    try {
      const store = new KdbBinaryStore(t.env, { run: recordingRunner(new KeySet(), []) })
      const err = await store
        .update(n('user:/app'), ks => void ks.add(Key.create('user:/app/m', 'v', { a: 'b' })))
        .catch(e => e)
      expect(err).toBeInstanceOf(KdbCommandError)
      expect(err.message).toBe('kdb meta-set user:/app/m a b failed (exit 0): Sorry, module kdb issued the error C01310:\nnope')
    } finally {
      await t.cleanup()
    }
  })
})

// ELEKTRA_PLAYBOOK_KDB names a kdb binary (e.g. a local libelektra build); else `kdb` on PATH
const kdbCommand = process.env.ELEKTRA_PLAYBOOK_KDB || 'kdb'
const hasKdb = await kdbAvailable(kdbCommand)

describe.skipIf(!hasKdb)(
  `kdb binary store against a real ${kdbCommand} (skipped when there is none: libelektra is not packaged for Debian; set ELEKTRA_PLAYBOOK_KDB)`,
  () => {
    let t: TempRoot
    beforeEach(async () => {
      t = await makeTempRoot()
    })
    afterEach(async () => {
      await t.cleanup()
    })
    // the real kdb keeps system files where it was built to; user files follow HOME, so test in user:/
    const scope = n('user:/tests/elektra-playbook')

    it('round-trips strings, metadata, binary values and removals through the binary', async () => {
      const store = new KdbBinaryStore(t.env, { command: kdbCommand })
      await store.update(scope, ks => {
        ks.add(Key.create(`${scope.canonical}/a`, 'value', { comment: 'hello', 'check/type': 'string' }))
        ks.add(Key.create(`${scope.canonical}/dash`, '-starts with a dash'))
        ks.add(Key.create(`${scope.canonical}/bin`, new Uint8Array([0, 10, 255])))
        ks.add(Key.create(`${scope.canonical}/gone`, 'x'))
      })
      const r = await store.update(scope, ks => {
        ks.remove(`${scope.canonical}/gone`)
        ks.lookup(`${scope.canonical}/a`)!.setMeta('comment', null).setString('new')
      })
      expect(r.after.names()).toEqual([
        `${scope.canonical}/a`,
        `${scope.canonical}/bin`,
        `${scope.canonical}/dash`
      ])
      const a = r.after.lookup(`${scope.canonical}/a`)!
      expect([a.value, [...a.meta]]).toEqual(['new', [['check/type', 'string']]])
      expect(r.after.lookup(`${scope.canonical}/bin`)?.value).toEqual(new Uint8Array([0, 10, 255]))
      expect(r.after.lookup(`${scope.canonical}/dash`)?.value).toBe('-starts with a dash')
      expect(r.files).toEqual([path.join(t.home, '.config/default.ecf')])
    })

    it('reads what the embedded store wrote and the embedded store reads what kdb wrote', async () => {
      const env = { ...t.env, root: '' }
      const kdb = new KdbBinaryStore(env, { command: kdbCommand })
      const embedded = new EmbeddedStore(env)
      await embedded.update(scope, ks => {
        ks.add(Key.create(`${scope.canonical}/from/embedded`, 'e', { comment: 'c', order: '2' }))
        ks.add(Key.create(`${scope.canonical}/b\\/slash`, 'escaped'))
      })
      await kdb.update(scope, ks => void ks.add(Key.create(`${scope.canonical}/from/kdb`, 'k', { a: 'b' })))
      const viaKdb = await kdb.read(scope)
      const viaEmbedded = await embedded.read(scope)
      const dump = (ks: KeySet) => ks.toArray().map(k => [k.name.canonical, k.value, [...k.meta].sort()])
      expect(dump(viaKdb)).toEqual(dump(viaEmbedded))
      expect(viaKdb.names()).toEqual([
        `${scope.canonical}/b\\/slash`,
        `${scope.canonical}/from/embedded`,
        `${scope.canonical}/from/kdb`
      ])
    })

    it('reads the mountpoint table kdb mount writes as kdb does (files, storage plugin)', async () => {
      const kdb = new KdbBinaryStore(t.env, { command: kdbCommand })
      const bootstrap = (await kdb.mountpointFor(n('system:/elektra/x')))!.file
      // the embedded store can share the binary's system files if they sit in <root>/etc/kdb
      const suffix = '/etc/kdb/elektra.ecf'
      const root = bootstrap.endsWith(suffix) ? bootstrap.slice(0, -suffix.length) : null
      const app = 'user:/tests/elektra-playbook-mount/app'
      const hosts = 'system:/tests/elektra-playbook-mount/hosts'
      const run = (...args: string[]) => execa(kdbCommand, args, { env: { HOME: t.home }, cwd: t.cwd })
      await run('mount', 'ep-app.ecf', app, 'dump')
      try {
        await run('mount', path.join(t.dir, 'hosts'), hosts, 'hosts')
        try {
          const b = await kdb.mountpointFor(n(`${app}/x`))
          expect(b).toMatchObject({ plugin: 'dump', file: path.join(t.home, '.config/ep-app.ecf') })
          expect((await kdb.mountpointFor(n(hosts)))?.plugin).toBe('hosts')
          if (root !== null) {
            const embedded = new EmbeddedStore({ ...t.env, root })
            expect((await embedded.mountpointFor(n(`${app}/x`)))?.file).toBe(b?.file)
            await expect(embedded.update(n(hosts), () => {})).rejects.toThrow(UnsupportedPluginError)
            await embedded.update(n(app), ks => void ks.add(Key.create(`${app}/x`, 'via embedded')))
            expect((await kdb.read(n(app))).lookup(`${app}/x`)?.value).toBe('via embedded')
          }
        } finally {
          await run('umount', hosts)
        }
      } finally {
        await run('umount', app)
      }
    })

    it('lists the built-in mountpoints with the files kdb resolves', async () => {
      const kdb = new KdbBinaryStore(t.env, { command: kdbCommand })
      expect((await kdb.mountpointFor(n('user:/x')))?.file).toBe(path.join(t.home, '.config/default.ecf'))
      expect((await kdb.mountpointFor(n('user:/elektra/record/session/x')))?.file).toBe(
        path.join(t.home, '.config/record-session.cfg')
      )
    })
  }
)
