import { execFile, spawn } from 'node:child_process'
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fileIdentity } from '../src/kdb/atomic-write.js'
import { readDump } from '../src/kdb/dump-read.js'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { ConflictError, KeyPlacementError, UnsupportedPluginError } from '../src/kdb/errors.js'
import { Key } from '../src/kdb/key.js'
import { addName, isBelowOrSame, parseKeyName } from '../src/kdb/keyname.js'
import type { KeySet } from '../src/kdb/keyset.js'
import { holdsLock } from '../src/kdb/lock.js'
import { tableKeyOf } from '../src/kdb/mountpoints.js'
import { bootstrapFile, defaultFile, resolveFile, sessionFile } from '../src/kdb/paths.js'
import { openStore } from '../src/kdb/store.js'
import { makeTempRoot, tsxArgs, type TempRoot } from './helpers/temp-root.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const run = promisify(execFile)
const n = parseKeyName

function set(ks: KeySet, name: string, value: string, meta?: Record<string, string>): void {
  ks.add(Key.create(name, value, meta))
}

/** Mounts `file` at `mountpoint` with storage `plugin`, the way `kdb mount` records it. */
async function mount(store: EmbeddedStore, mountpoint: string, file: string, plugin = 'dump') {
  const base = tableKeyOf(mountpoint)
  await store.update(n('system:/elektra/mountpoints'), ks => {
    ks.add(Key.create(base, 'mountpoint'))
    const values: Record<string, string> = {
      'definition/path': file,
      'definition/positions/get/storage': 'storage',
      'definition/positions/set/storage': 'storage',
      'plugins/backend/name': 'backend',
      'plugins/storage/name': plugin
    }
    for (const [rel, v] of Object.entries(values)) ks.add(Key.create(addName(base, rel), v))
  })
}

async function keysIn(file: string, parent: string): Promise<string[]> {
  return readDump(await readFile(file), n(parent), { file }).names()
}

describe('embedded store', () => {
  let t: TempRoot
  let store: EmbeddedStore
  beforeEach(async () => {
    t = await makeTempRoot()
    store = new EmbeddedStore(t.env)
  })
  afterEach(async () => {
    await t.cleanup()
  })

  it('reads nothing from an empty root', async () => {
    expect((await store.read(n('/'))).size).toBe(0)
  })

  it('writes user keys to $HOME/.config/default.ecf with libelektra modes', async () => {
    const r = await store.update(n('user:/app'), ks => set(ks, 'user:/app/a', '1', { comment: 'c' }))
    const file = defaultFile('user', t.env)
    expect(r.files).toEqual([file])
    expect(r.written[0]?.identity).toEqual(await fileIdentity(file))
    expect(r.written[0]?.previous).toBeNull()
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700)
    expect(await keysIn(file, 'user:/')).toEqual(['user:/app/a'])
    const back = await store.read(n('user:/app'))
    expect(back.lookup('user:/app/a')?.getMeta('comment')).toBe('c')
  })

  it('writes system keys with 0644 below the root and system:/elektra keys to elektra.ecf', async () => {
    await store.update(n('system:/'), ks => {
      set(ks, 'system:/app/a', '1')
      set(ks, 'system:/elektra/record/config/active', '/')
    })
    expect(await keysIn(defaultFile('system', t.env), 'system:/')).toEqual(['system:/app/a'])
    expect(await keysIn(bootstrapFile(t.env), 'system:/elektra')).toEqual(['system:/elektra/record/config/active'])
    expect((await stat(defaultFile('system', t.env))).mode & 0o777).toBe(0o644)
  })

  it('keeps session keys in record-session.cfg of their namespace', async () => {
    await store.update(n('/elektra/record/session'), ks => {
      set(ks, 'user:/elektra/record/session/diff/added/x', '1')
      set(ks, 'system:/elektra/record/session/diff/added/y', '2')
    })
    expect(await keysIn(sessionFile('user', t.env), 'user:/elektra/record/session')).toEqual([
      'user:/elektra/record/session/diff/added/x'
    ])
    expect(await keysIn(sessionFile('system', t.env), 'system:/elektra/record/session')).toEqual([
      'system:/elektra/record/session/diff/added/y'
    ])
  })

  it('reports only the changed names as touched and rewrites only changed backends', async () => {
    await mount(store, 'user:/app', 'app.ecf')
    await store.update(n('user:/'), ks => {
      set(ks, 'user:/app/a', '1')
      set(ks, 'user:/app/b', '2')
      set(ks, 'user:/other', '3')
    })
    const appFile = resolveFile('user', 'app.ecf', t.env)
    const before = await fileIdentity(defaultFile('user', t.env))
    const r = await store.update(n('user:/'), ks => {
      ks.lookup('user:/app/a')!.setString('changed')
      set(ks, 'user:/app/b', '2') // same value: not a change
      ks.remove('user:/app/c') // absent: not a change
    })
    expect([...r.touched]).toEqual([n('user:/app/a').sortKey])
    expect(r.files).toEqual([appFile])
    expect(r.before.lookup('user:/app/a')?.value).toBe('1')
    expect(r.after.lookup('user:/app/a')?.value).toBe('changed')
    expect(await fileIdentity(defaultFile('user', t.env))).toEqual(before)
  })

  it('splits keys between nested mountpoints and reads them back together', async () => {
    await mount(store, 'user:/app', 'app.ecf')
    await mount(store, '/cas', 'cas.ecf')
    await store.update(n('user:/'), ks => {
      set(ks, 'user:/app/x', 'in app')
      set(ks, 'user:/apple', 'in default')
      set(ks, 'user:/cas/y', 'in cas')
    })
    expect(await keysIn(resolveFile('user', 'app.ecf', t.env), 'user:/app')).toEqual(['user:/app/x'])
    expect(await keysIn(resolveFile('user', 'cas.ecf', t.env), 'user:/cas')).toEqual(['user:/cas/y'])
    expect(await keysIn(defaultFile('user', t.env), 'user:/')).toEqual(['user:/apple'])
    expect((await store.read(n('user:/'))).names()).toEqual(['user:/app/x', 'user:/apple', 'user:/cas/y'])
    expect((await store.mountpointFor(n('dir:/cas/z')))?.file).toBe(path.join(t.cwd, '.dir/cas.ecf'))
  })

  it('reads a cascading scope from every namespace', async () => {
    await store.update(n('/app'), ks => {
      set(ks, 'user:/app/a', 'u')
      set(ks, 'system:/app/a', 's')
      set(ks, 'dir:/app/a', 'd')
      set(ks, 'spec:/app/a', 'p')
    })
    await store.update(n('user:/'), ks => set(ks, 'user:/zzz', 'outside'))
    expect((await store.read(n('/app'))).names()).toEqual([
      'spec:/app/a',
      'dir:/app/a',
      'user:/app/a',
      'system:/app/a'
    ])
    expect(await keysIn(path.join(t.cwd, '.dir/default.ecf'), 'dir:/')).toEqual(['dir:/app/a'])
  })

  it('deletes a backend file whose key set becomes empty', async () => {
    await store.update(n('user:/app'), ks => set(ks, 'user:/app/a', '1'))
    await store.update(n('user:/app'), ks => void ks.remove('user:/app/a'))
    expect(await fileIdentity(defaultFile('user', t.env))).toBeNull()
  })

  it('keeps the mode of an existing file', async () => {
    await store.update(n('user:/app'), ks => set(ks, 'user:/app/a', '1'))
    await chmod(defaultFile('user', t.env), 0o640)
    await store.update(n('user:/app'), ks => set(ks, 'user:/app/a', '2'))
    expect((await stat(defaultFile('user', t.env))).mode & 0o777).toBe(0o640)
  })

  it('refuses mountpoints with another storage plugin, naming plugin and mountpoint, writing nothing', async () => {
    await mount(store, 'user:/ini', 'app.ini', 'ini')
    const write = store.update(n('user:/ini'), ks => set(ks, 'user:/ini/a', '1'))
    await expect(write).rejects.toThrow(UnsupportedPluginError)
    await expect(store.update(n('user:/'), () => {})).rejects.toThrow(/user:\/ini .*'ini'/)
    await expect(store.read(n('user:/ini/a'))).rejects.toThrow(UnsupportedPluginError)
    expect(await fileIdentity(resolveFile('user', 'app.ini', t.env))).toBeNull()
    expect(await fileIdentity(defaultFile('user', t.env))).toBeNull()
    // other mountpoints still work
    await store.update(n('user:/other'), ks => set(ks, 'user:/other/a', '1'))
    expect((await store.read(n('user:/other'))).size).toBe(1)
  })

  it('rejects keys outside the scope before writing anything', async () => {
    const err = await store
      .update(n('user:/app'), ks => {
        set(ks, 'user:/app/a', '1')
        set(ks, 'user:/elsewhere', '1')
      })
      .catch(e => e)
    expect(err).toBeInstanceOf(KeyPlacementError)
    expect(err.message).toContain('user:/elsewhere')
    expect(await fileIdentity(defaultFile('user', t.env))).toBeNull()
  })

  it('writes nothing when mutate throws', async () => {
    await expect(
      store.update(n('user:/app'), ks => {
        set(ks, 'user:/app/a', '1')
        throw new Error('no')
      })
    ).rejects.toThrow('no')
    // the lock needed the directory; no file, temp file or lock is left
    expect(await readdir(path.join(t.home, '.config'))).toEqual([])
  })

  it('names the file of a corrupt backend', async () => {
    const file = defaultFile('user', t.env)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, 'kdbOpen 2\n$key string 1 1\na\n')
    await expect(store.read(n('user:/'))).rejects.toThrow(file)
    await expect(store.update(n('user:/'), () => {})).rejects.toThrow(file)
  })

  it('refuses to overwrite a file replaced meanwhile by a writer that ignores our lock', async () => {
    await store.update(n('user:/app'), ks => set(ks, 'user:/app/a', '1'))
    const file = defaultFile('user', t.env)
    const err = await store
      .update(n('user:/app'), async ks => {
        set(ks, 'user:/app/a', 'ours')
        // what the real kdb would do: write its own version by rename
        await writeFile(`${file}.foreign`, 'kdbOpen 2\n$key string 5 7\napp/a\nforeign\n$end\n')
        await rename(`${file}.foreign`, file)
      })
      .catch(e => e)
    expect(err).toBeInstanceOf(ConflictError)
    expect(err.message).toContain(file)
    expect((await store.read(n('user:/app/a'))).lookup('user:/app/a')?.value).toBe('foreign')
    expect(await readdir(path.dirname(file))).toEqual(['default.ecf'])
  })

  it('reads and writes full names for a dump mountpoint configured with fullname', async () => {
    await mount(store, 'user:/full', 'full.ecf')
    await store.update(n('system:/elektra/mountpoints'), ks =>
      set(ks, `${tableKeyOf('user:/full').canonical}/plugins/storage/config/fullname`, '')
    )
    await store.update(n('user:/full'), ks => set(ks, 'user:/full/x', '1'))
    const text = await readFile(resolveFile('user', 'full.ecf', t.env), 'utf8')
    expect(text).toContain('\nuser:/full/x\n')
    expect((await store.read(n('user:/full'))).names()).toEqual(['user:/full/x'])
  })

  it('serialises concurrent updates of one process', async () => {
    const bump = () =>
      store.update(n('user:/app'), async ks => {
        const v = Number(ks.lookup('user:/app/counter')?.value ?? '0')
        await new Promise(r => setImmediate(r))
        set(ks, 'user:/app/counter', String(v + 1))
      })
    await Promise.all(Array.from({ length: 12 }, bump))
    expect((await store.read(n('user:/app/counter'))).lookup('user:/app/counter')?.value).toBe('12')
  })

  it('agrees with a model key set over random updates across nested mountpoints', async () => {
    await mount(store, 'user:/app', 'app.ecf')
    await mount(store, 'user:/app/deep', 'deep.ecf')
    const names = ['user:/a', 'user:/app', 'user:/app/x', 'user:/app/deep', 'user:/app/deep/y', 'user:/z/w']
    const scopes = ['user:/', 'user:/app', 'user:/app/deep', 'user:/z']
    const op = fc.record({
      scope: fc.constantFrom(...scopes),
      name: fc.constantFrom(...names),
      value: fc.option(fc.string({ maxLength: 4 }), { nil: null })
    })
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 6 }), async ops => {
        await store.update(n('user:/'), ks => void ks.clear())
        const model = new Map<string, string>()
        for (const o of ops) {
          if (!isBelowOrSame(n(o.scope), n(o.name))) continue
          await store.update(n(o.scope), ks => {
            if (o.value === null) ks.remove(o.name)
            else set(ks, o.name, o.value)
          })
          if (o.value === null) model.delete(o.name)
          else model.set(o.name, o.value)
        }
        const got = await store.read(n('user:/'))
        const want = [...model].sort((a, b) => (n(a[0]).sortKey < n(b[0]).sortKey ? -1 : 1))
        expect(got.toArray().map(k => [k.name.canonical, k.value])).toEqual(want)
      }),
      { numRuns: 12 }
    )
  })

  it('takes extra locks first and runs afterWrite while holding every lock', async () => {
    const recordLock = path.join(t.root, 'etc/kdb/record-session.cfg')
    let seen: boolean[] = []
    await store.update(n('user:/app'), ks => set(ks, 'user:/app/a', '1'), {
      extraLocks: [recordLock],
      afterWrite: async r => {
        seen = [holdsLock(recordLock), holdsLock(defaultFile('user', t.env)), r.files.length === 1]
      }
    })
    expect(seen).toEqual([true, true, true])
    expect(holdsLock(recordLock)).toBe(false)
  })

  it('is chosen by openStore unless the kdb backend is asked for', async () => {
    expect((await openStore(t.env)).kind).toBe('embedded')
    expect((await openStore(t.env, { backend: 'auto' }, { ELEKTRA_PLAYBOOK_BACKEND: 'kdb' })).kind).toBe('kdb')
    expect((await openStore(t.env, { backend: 'embedded' }, { ELEKTRA_PLAYBOOK_BACKEND: 'kdb' })).kind).toBe(
      'embedded'
    )
  })
})

describe('embedded store across processes', () => {
  let t: TempRoot
  beforeEach(async () => {
    t = await makeTempRoot()
  })
  afterEach(async () => {
    await t.cleanup()
  })

  const worker = (args: string[]) => tsxArgs(path.join(here, 'fixtures/store-worker.ts'), ...args)
  const childEnv = () => ({ ...process.env, ...t.vars })

  it('loses no update when processes update the same and different keys at once', async () => {
    const workers = 4
    const iterations = 10
    await Promise.all(
      Array.from({ length: workers }, (_, id) =>
        run(process.execPath, worker([String(id), String(iterations)]), {
          env: childEnv(),
          cwd: t.cwd
        })
      )
    )
    const store = new EmbeddedStore(t.env)
    const all = await store.read(n('/app'))
    expect(all.lookup('user:/app/counter')?.value).toBe(String(workers * iterations))
    expect(all.lookup('system:/app/counter')?.value).toBe(String((workers / 2) * iterations))
    for (let id = 0; id < workers; id++)
      for (let i = 0; i < iterations; i++) {
        expect(all.has(`user:/app/w${id}/${i}`)).toBe(true)
        if (id % 2 === 0) expect(all.has(`system:/app/w${id}/${i}`)).toBe(true)
      }
    // no lock or temp file is left behind
    expect((await readdir(path.join(t.root, 'etc/kdb'))).sort()).toEqual(['default.ecf'])
  })

  it('a writer killed with SIGKILL at any moment leaves every file readable and the lock breakable', async () => {
    const store = new EmbeddedStore(t.env)
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, worker([String(round * 2), '0']), {
        env: childEnv(),
        cwd: t.cwd,
        stdio: ['ignore', 'pipe', 'inherit']
      })
      await new Promise<void>((resolve, reject) => {
        let lines = 0
        child.stdout.on('data', (d: Buffer) => {
          lines += d.toString().split('\n').length - 1
          if (lines > round * 3) resolve()
        })
        child.on('exit', code => reject(new Error(`store-worker exited early with ${code}`)))
      })
      child.kill('SIGKILL')
      await new Promise(r => child.on('exit', r))
      // every file parses; the counters agree with each other (both written under one update or neither)
      const all = await store.read(n('/app'))
      expect(all.lookup('user:/app/counter')).toBeDefined()
      // a lock left by the killed writer is broken by the next update
      await store.update(n('user:/app'), ks => set(ks, 'user:/app/after', String(round)), { lockTimeoutMs: 5000 })
    }
    expect((await store.read(n('user:/app/after'))).lookup('user:/app/after')?.value).toBe('3')
  })
})
