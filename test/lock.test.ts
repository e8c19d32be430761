import { execFile, spawn } from 'node:child_process'
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LockBusyError } from '../src/kdb/errors.js'
import { acquireLock, holdsLock, lockOrder, withLocks } from '../src/kdb/lock.js'
import { makeTempRoot, tsxArgs, type TempRoot } from './helpers/temp-root.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const run = promisify(execFile)

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise(r => child.on('exit', r))
  return child.pid!
}

describe('lock protocol', () => {
  let t: TempRoot
  beforeEach(async () => {
    t = await makeTempRoot()
  })
  afterEach(async () => {
    await t.cleanup()
  })

  it('creates F.lock holding our pid with mode 0600 and removes it on release', async () => {
    const f = path.join(t.cwd, 'sub/dir/data.ecf')
    const h = await acquireLock({ file: f, dirMode: 0o700 })
    expect(await readFile(`${f}.lock`, 'utf8')).toBe(`${process.pid}\n`)
    expect((await stat(`${f}.lock`)).mode & 0o777).toBe(0o600)
    expect((await stat(path.dirname(f))).mode & 0o777).toBe(0o700)
    await h.release()
    expect(await readdir(path.dirname(f))).toEqual([])
  })

  it('reports a lock held by a live process as busy, naming file and pid', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    await writeFile(`${f}.lock`, `${process.ppid}\n`)
    const err = await acquireLock(f, { timeoutMs: 30 }).catch(e => e)
    expect(err).toBeInstanceOf(LockBusyError)
    expect(err.exitCode).toBe(3)
    expect(err.pid).toBe(process.ppid)
    expect(err.message).toBe(`busy: ${f} is locked by pid ${process.ppid}`)
    // the foreign lock is untouched
    expect(await readFile(`${f}.lock`, 'utf8')).toBe(`${process.ppid}\n`)
  })

  it('breaks a lock whose pid is dead', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    await writeFile(`${f}.lock`, `${await deadPid()}\n`)
    const h = await acquireLock(f, { timeoutMs: 0 })
    expect(await readFile(`${f}.lock`, 'utf8')).toBe(`${process.pid}\n`)
    await h.release()
    expect(await readdir(t.cwd)).toEqual([])
  })

  it('breaks an empty lock only once it is older than 2 s', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    await writeFile(`${f}.lock`, '')
    expect(await acquireLock(f, { timeoutMs: 0 }).catch(e => e)).toBeInstanceOf(LockBusyError)
    const old = new Date(Date.now() - 60_000)
    await utimes(`${f}.lock`, old, old)
    const h = await acquireLock(f, { timeoutMs: 0 })
    await h.release()
  })

  it('treats a lock with our own pid that we do not hold as left by an earlier process', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    await writeFile(`${f}.lock`, `${process.pid}\n`)
    const h = await acquireLock(f, { timeoutMs: 0 })
    await h.release()
  })

  it('release leaves a lock alone that is no longer ours', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    const h = await acquireLock(f)
    await writeFile(`${f}.lock.new`, `${process.ppid}\n`)
    const { rename } = await import('node:fs/promises')
    await rename(`${f}.lock.new`, `${f}.lock`)
    await h.release()
    expect(await readFile(`${f}.lock`, 'utf8')).toBe(`${process.ppid}\n`)
  })

  it('goes on without an optional lock it has no permission to create, but not without others', async () => {
    // /sys refuses new files even to root (EACCES)
    const h = await acquireLock({ file: '/sys/elektra-playbook-test', dirMode: 0o755, optional: true })
    await h.release()
    await expect(acquireLock({ file: '/sys/elektra-playbook-test', dirMode: 0o755 })).rejects.toThrow(
      '/sys/elektra-playbook-test.lock'
    )
  })

  it('orders the first locks as given, then the others by path', () => {
    expect(lockOrder(['/r/rec'], ['/z/b', '/a/c', '/r/rec', '/a/c'])).toEqual(['/r/rec', '/a/c', '/z/b'])
    // code point order, as Python sorts str: U+FF5E sorts before U+1F600 (UTF-16 would say otherwise)
    expect(lockOrder([], ['/\u{1F600}', '/\uFF5E'])).toEqual(['/\uFF5E', '/\u{1F600}'])
  })

  it('is reentrant within one async context and exclusive between contexts', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    const order: string[] = []
    let release!: () => void
    const gate = new Promise<void>(r => (release = r))
    const a = withLocks([f], async () => {
      order.push('a-in')
      await withLocks([f], async () => {
        expect(holdsLock(f)).toBe(true)
        order.push('a-nested')
      })
      await gate
      order.push('a-out')
    })
    // b must wait until a has released
    const b = withLocks([f], async () => {
      order.push('b-in')
    })
    await new Promise(r => setImmediate(r))
    release()
    await Promise.all([a, b])
    expect(order).toEqual(['a-in', 'a-nested', 'a-out', 'b-in'])
    expect(holdsLock(f)).toBe(false)
  })

  it('many async contexts of one process incrementing one counter lose no update', async () => {
    const counter = path.join(t.cwd, 'counter')
    await writeFile(counter, '0')
    const bump = () =>
      withLocks([counter], async () => {
        const n = Number(await readFile(counter, 'utf8'))
        await writeFile(counter, String(n + 1))
      })
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = 0; i < 5; i++) await bump()
      })
    )
    expect(await readFile(counter, 'utf8')).toBe('100')
  })

  it('gives up on a lock another context of this process holds too long, and the queue goes on', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    const held = await acquireLock(f)
    const err = await acquireLock(f, { timeoutMs: 0 }).catch(e => e)
    expect(err).toBeInstanceOf(LockBusyError)
    expect(err.pid).toBe(process.pid)
    await held.release()
    const next = await acquireLock(f, { timeoutMs: 0 })
    await next.release()
    expect(await readdir(t.cwd)).toEqual([])
  })

  it('releases taken locks when a later one is busy', async () => {
    const a = path.join(t.cwd, 'a.ecf')
    const b = path.join(t.cwd, 'b.ecf')
    await writeFile(`${b}.lock`, `${process.ppid}\n`)
    const err = await withLocks([b, a], async () => 'never', { timeoutMs: 10 }).catch(e => e)
    expect(err).toBeInstanceOf(LockBusyError)
    expect(err.file).toBe(b)
    expect(await readdir(t.cwd)).toEqual(['b.ecf.lock'])
  })

  it('N processes incrementing one counter under the lock lose no update', async () => {
    const counter = path.join(t.cwd, 'counter')
    const workers = 4
    const iterations = 40
    await Promise.all(
      Array.from({ length: workers }, () =>
        run(process.execPath, tsxArgs(path.join(here, 'fixtures/lock-worker.ts'), counter, String(iterations)))
      )
    )
    expect(await readFile(counter, 'utf8')).toBe(String(workers * iterations))
    expect(await readdir(t.cwd)).toEqual(['counter'])
  })

  it('processes racing to break one stale lock all get through, one at a time', async () => {
    const counter = path.join(t.cwd, 'counter')
    await writeFile(`${counter}.lock`, `${await deadPid()}\n`)
    await Promise.all(
      Array.from({ length: 3 }, () =>
        run(process.execPath, tsxArgs(path.join(here, 'fixtures/lock-worker.ts'), counter, '10'))
      )
    )
    expect(await readFile(counter, 'utf8')).toBe('30')
  })
})
