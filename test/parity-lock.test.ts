// The lock protocol is one protocol in two languages (docs/ARCHITECTURE.md "Lock protocol"): a
// TypeScript process and Python processes (the Ansible collection's files.py) contend for the same
// lock files, and each breaks the other's stale locks.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LockBusyError } from '../src/kdb/errors.js'
import { acquireLock } from '../src/kdb/lock.js'
import { runPython, startPython } from './helpers/python.js'
import { makeTempRoot, tsxArgs, type TempRoot } from './helpers/temp-root.js'

const here = path.dirname(fileURLToPath(import.meta.url))

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise(r => child.on('exit', r))
  return child.pid!
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise(r => {
    child.on('exit', () => r())
    child.kill('SIGKILL')
  })
}

/** A TypeScript process holding the lock of `file` (test/fixtures/parity-lock-holder.ts). */
function tsHolder(file: string): Promise<{ child: ChildProcess; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsxArgs(path.join(here, 'fixtures/parity-lock-holder.ts'), file), {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let buf = ''
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString()
      const m = /^held (\d+)\n/.exec(buf)
      if (m) resolve({ child, pid: Number(m[1]) })
    })
    child.on('exit', code => reject(new Error(`holder exited ${code}`)))
  })
}

interface TakeResult {
  ok?: boolean
  busy?: string
  pid?: number | null
}

describe('lock protocol parity (TypeScript ↔ Python)', () => {
  let t: TempRoot
  const children: ChildProcess[] = []
  beforeEach(async () => {
    t = await makeTempRoot()
  })
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) await killed(c)
    await t.cleanup()
  })

  it('a TypeScript process and two Python processes counting under one lock lose no update', async () => {
    const counter = path.join(t.cwd, 'counter')
    const go = path.join(t.cwd, 'go')
    const log = path.join(t.cwd, 'log')
    const n = 150
    const env = { ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS: '30000' }
    const pys = await Promise.all(
      ['a', 'b'].map(tag => startPython('count', { file: counter, counter, go, log, n, tag }, env))
    )
    for (const p of pys) children.push(p.child)
    await writeFile(go, '')
    // two async contexts of this process as well: they queue in memory, then meet Python on the file
    const ts = async (tag: string) => {
      for (let i = 0; i < n; i++) {
        const h = await acquireLock(counter, { timeoutMs: 30_000 })
        try {
          const v = Number(await readFile(counter, 'utf8').catch(() => '0'))
          await writeFile(counter, String(v + 1))
          await writeFile(log, tag, { flag: 'a' })
        } finally {
          await h.release()
        }
      }
    }
    await Promise.all([ts('x'), ts('y'), ...pys.map(p => p.exit)])
    expect(await Promise.all(pys.map(p => p.exit))).toEqual([0, 0])
    expect(await readFile(counter, 'utf8')).toBe(String(4 * n))
    const order = await readFile(log, 'utf8')
    for (const tag of 'abxy') expect(order.split(tag).length - 1).toBe(n)
    if (process.env.PARITY_VERBOSE) {
      const handOvers = order.match(/[ab][xy]|[xy][ab]/g)?.length ?? 0
      console.log(`hand-overs between languages: ${handOvers}`)
    }
    // no lock file, no stale leftovers
    expect((await readdir(t.cwd)).sort()).toEqual(['counter', 'go', 'log'])
  })

  it('TypeScript breaks the lock of a killed Python process', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    const py = await startPython('hold', { file: f })
    children.push(py.child)
    expect(await readFile(`${f}.lock`, 'utf8')).toBe(`${py.child.pid}\n`)
    const busy = await acquireLock(f, { timeoutMs: 20 }).catch(e => e)
    expect(busy).toBeInstanceOf(LockBusyError)
    await killed(py.child)
    const h = await acquireLock(f, { timeoutMs: 5000 })
    expect(await readFile(`${f}.lock`, 'utf8')).toBe(`${process.pid}\n`)
    await h.release()
    expect(await readdir(t.cwd)).toEqual([])
  })

  it('Python breaks the lock of a killed TypeScript process', async () => {
    const f = path.join(t.cwd, 'data.ecf')
    const holder = await tsHolder(f)
    children.push(holder.child)
    expect(await readFile(`${f}.lock`, 'utf8')).toBe(`${holder.pid}\n`)
    const env = { ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS: '20' }
    const before = await runPython<{ results: TakeResult[] }>('take', { files: [f] }, env)
    expect(before.results).toEqual([{ busy: `busy: ${f} is locked by pid ${holder.pid}`, pid: holder.pid }])
    await killed(holder.child)
    const after = await runPython<{ results: TakeResult[] }>('take', { files: [f] }, env)
    expect(after.results).toEqual([{ ok: true }])
    expect(await readdir(t.cwd)).toEqual([])
  })

  it('both sides take the same decision on the same lock files, with the same message', async () => {
    const dead = await deadPid()
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' })
    children.push(sleeper)
    const live = sleeper.pid!
    const old = new Date(Date.now() - 5000)
    // [lock content, old mtime?, stale?] — `live` is a third process, alive for both sides
    const cases: Array<[string, boolean, boolean]> = [
      [`${dead}\n`, false, true],
      [`${dead}`, false, true],
      [`${live}\n`, false, false],
      [`${live}`, true, false],
      ['garbage', false, false],
      ['garbage', true, true],
      ['', false, false],
      ['', true, true],
      [`0${live}\n`, false, false],
      [`${live}\n\n`, true, true],
      [` ${live}`, true, true],
      ['99999999999\n', false, true],
      ['2147483648\n', false, true]
    ]
    const files: string[] = []
    const write = async () => {
      for (const [i, [content, isOld]] of cases.entries()) {
        const f = path.join(t.cwd, `f${i}`)
        await writeFile(`${f}.lock`, content)
        if (isOld) await utimes(`${f}.lock`, old, old)
        files[i] = f
      }
    }
    await write()
    const ts: TakeResult[] = []
    for (const f of files) {
      try {
        const h = await acquireLock(f, { timeoutMs: 20 })
        await h.release()
        ts.push({ ok: true })
      } catch (e) {
        if (!(e instanceof LockBusyError)) throw e
        ts.push({ busy: e.message, pid: e.pid })
      }
    }
    await write()
    const py = await runPython<{ results: TakeResult[] }>(
      'take',
      { files },
      { ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS: '20' }
    )
    expect(py.results).toEqual(ts)
    expect(ts.map(r => r.ok === true)).toEqual(cases.map(c => c[2]))
  })
})
