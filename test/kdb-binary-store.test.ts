import { describe, expect, it } from 'vitest'
import { readDump } from '../src/kdb/dump-read.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { touchedNames } from '../src/kdb/embedded-store.js'
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
import { makeTempRoot } from './helpers/temp-root.js'

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
    calls.push(args)
    const [cmd, name] = args
    if (cmd === 'export' && name !== undefined) {
      const parent = n(name)
      const below = new KeySet(db.below(parent, { self: true }))
      return { stdout: writeDump(below, parent, {}), stderr: '', exitCode: 0 }
    }
    if (cmd === 'file') return { stdout: bin(`/files/${name}\n`), stderr: '', exitCode: 0 }
    if (cmd === 'set' && args[1] !== undefined) {
      db.add(Key.create(args[1], args[2] ?? ''))
      return { stdout: bin(''), stderr: '', exitCode: 0 }
    }
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
        ['export', 'spec:/app', 'dump'],
        ['export', 'dir:/app', 'dump'],
        ['export', 'user:/app', 'dump'],
        ['export', 'system:/app', 'dump']
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
        ['export', 'system:/elektra/mountpoints', 'dump'],
        ['export', 'user:/app', 'dump'],
        ['set', 'user:/app/b', 'x'],
        ['export', 'user:/app', 'dump']
      ])
      expect(calls).toContainEqual(['file', 'user:/'])
      expect(r.after.names()).toEqual(['user:/app/a', 'user:/app/b'])
      expect(r.files).toEqual(['/files/user:/'])
    } finally {
      await t.cleanup()
    }
  })

  it('reports a failing kdb call with its command line and kdb\'s message', async () => {
    const t = await makeTempRoot()
    try {
      const store = new KdbBinaryStore(t.env, { run: recordingRunner(new KeySet(), []) })
      const err = await store
        .update(n('user:/app'), ks => void ks.add(Key.create('user:/app/m', 'v', { a: 'b' })))
        .catch(e => e)
      expect(err).toBeInstanceOf(KdbCommandError)
      expect(err.message).toBe("kdb meta-set user:/app/m a b failed (exit 5): Sorry, I do not know that")
    } finally {
      await t.cleanup()
    }
  })
})

const hasKdb = await kdbAvailable()

describe.skipIf(!hasKdb)('kdb binary store against a real kdb (skipped: no `kdb` on PATH; libelektra is not packaged for Debian)', () => {
  it('round-trips a key with metadata through the real binary', async () => {
    const t = await makeTempRoot()
    try {
      const store = new KdbBinaryStore(t.env)
      const scope = n('user:/tests/elektra-playbook/kdb-binary-store')
      await store.update(scope, ks => {
        ks.add(Key.create(`${scope.canonical}/a`, 'value', { comment: 'hello' }))
      })
      const back = await store.read(scope)
      expect(back.lookup(`${scope.canonical}/a`)?.getMeta('comment')).toBe('hello')
      await store.update(scope, ks => void ks.cut(scope))
      expect((await store.read(scope)).size).toBe(0)
    } finally {
      await t.cleanup()
    }
  })
})
