import { spawn } from 'node:child_process'
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { atomicWrite, fileIdentity, prepareWrite, sameIdentity, tempName } from '../src/kdb/atomic-write.js'
import { KdbFileError } from '../src/kdb/errors.js'
import { makeTempRoot, tsxArgs, type TempRoot } from './helpers/temp-root.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const modes = { fileMode: 0o600, dirMode: 0o700 }
const bytes = (s: string) => new TextEncoder().encode(s)

describe('atomic write', () => {
  let t: TempRoot
  beforeEach(async () => {
    t = await makeTempRoot()
  })
  afterEach(async () => {
    await t.cleanup()
  })

  it('names temp files like libelektra', () => {
    expect(tempName('/e/default.ecf', 4711, 1694000000_000052n)).toBe('/e/default.ecf.4711:1694000000.52.tmp')
  })

  it('creates missing directories and new files with the given modes', async () => {
    const f = path.join(t.dir, 'a/b/file.ecf')
    await atomicWrite(f, bytes('x'), modes)
    expect(await readFile(f, 'utf8')).toBe('x')
    expect((await stat(f)).mode & 0o777).toBe(0o600)
    expect((await stat(path.join(t.dir, 'a/b'))).mode & 0o777).toBe(0o700)
    expect(await readdir(path.join(t.dir, 'a/b'))).toEqual(['file.ecf'])
  })

  it('keeps the mode of an existing file and replaces its inode', async () => {
    const f = path.join(t.dir, 'file.ecf')
    await writeFile(f, 'old')
    await chmod(f, 0o640)
    const before = await fileIdentity(f)
    await atomicWrite(f, bytes('new'), { fileMode: 0o600, dirMode: 0o700 })
    expect((await stat(f)).mode & 0o777).toBe(0o640)
    expect(await readFile(f, 'utf8')).toBe('new')
    const after = await fileIdentity(f)
    expect(after?.ino).not.toBe(before?.ino)
    expect(sameIdentity(before, after)).toBe(false)
  })

  it('deletes the file for null content and tolerates a missing file', async () => {
    const f = path.join(t.dir, 'file.ecf')
    await writeFile(f, 'old')
    await atomicWrite(f, null, modes)
    expect(await fileIdentity(f)).toBeNull()
    await atomicWrite(f, null, modes)
    expect(await fileIdentity(f)).toBeNull()
  })

  it('shows nothing before commit and leaves no temp file after abort', async () => {
    const f = path.join(t.dir, 'file.ecf')
    await writeFile(f, 'old')
    const w = await prepareWrite(f, bytes('new'), modes)
    expect(await readFile(f, 'utf8')).toBe('old')
    await w.abort()
    expect(await readdir(t.dir)).toEqual(expect.not.arrayContaining([expect.stringMatching(/\.tmp$/)]))
    expect(await readFile(f, 'utf8')).toBe('old')
  })

  it('names the file when it cannot write', async () => {
    const blocker = path.join(t.dir, 'blocker')
    await writeFile(blocker, '')
    const f = path.join(blocker, 'file.ecf')
    const err = await atomicWrite(f, bytes('x'), modes).catch(e => e)
    expect(err).toBeInstanceOf(KdbFileError)
    expect(err.message).toContain(blocker)
  })

  it('a writer killed at any moment leaves the old or the new content, never a torn file', async () => {
    const f = path.join(t.dir, 'victim.txt')
    const contents = ['A'.repeat(200_000), 'B'.repeat(300_000)]
    await writeFile(f, contents[0]!)
    // the writer loops forever alternating both contents; kill it at several different points
    for (let round = 0; round < 4; round++) {
      const child = spawn(
        process.execPath,
        tsxArgs(path.join(here, 'fixtures/atomic-writer.ts'), f),
        { stdio: ['ignore', 'pipe', 'inherit'] }
      )
      // wait until it has completed `round + 1` writes, then kill it wherever it is
      await new Promise<void>(resolve => {
        let seen = 0
        child.stdout.on('data', (d: Buffer) => {
          seen += d.toString().split('\n').length - 1
          if (seen > round) resolve()
        })
      })
      child.kill('SIGKILL')
      await new Promise(r => child.on('exit', r))
      const text = await readFile(f, 'utf8')
      expect(contents).toContain(text)
    }
  })
})
