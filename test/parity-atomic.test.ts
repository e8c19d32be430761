// Atomic writes leave the same files behind in both languages: content, mode of new files and
// directories, the mode (and owner) of replaced files, no temp files; and temp files are named alike.
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { atomicWrite, tempName } from '../src/kdb/atomic-write.js'
import { runPython } from './helpers/python.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

interface Write {
  rel: string
  data: string | null
  fileMode: number
  dirMode: number
  existing: number | null
}

const writeCase: fc.Arbitrary<Write> = fc.record({
  rel: fc.constantFrom('f.ecf', 'new/dir/f.ecf', 'sub/g.ecf'),
  data: fc.option(fc.constantFrom('kdbOpen 2\n$end\n', 'x', 'ä\n'), { nil: null }),
  fileMode: fc.constantFrom(0o600, 0o644),
  dirMode: fc.constantFrom(0o700, 0o755),
  existing: fc.option(fc.constantFrom(0o600, 0o640, 0o604), { nil: null })
})

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      const s = await stat(p)
      const mode = (s.mode & 0o7777).toString(8)
      if (e.isDirectory()) {
        out[path.relative(dir, p) + '/'] = mode
        await walk(p)
      } else out[path.relative(dir, p)] = `${mode} ${await readFile(p, 'latin1')}`
    }
  }
  await walk(dir)
  return out
}

describe('atomic write parity (TypeScript ↔ Python)', () => {
  let t: TempRoot
  beforeAll(async () => {
    t = await makeTempRoot()
  })
  afterAll(async () => {
    await t.cleanup()
  })

  it('the same writes leave the same files, modes and directories', async () => {
    const cases = fc.sample(writeCase, { numRuns: 40, seed: 7 })
    const prepare = async (side: string) => {
      const base = path.join(t.dir, side)
      await mkdir(base, { recursive: true })
      return cases.map((c, i) => path.join(base, `c${i}`, c.rel))
    }
    const [ts, py] = [await prepare('ts'), await prepare('py')]
    for (const files of [ts, py])
      for (const [i, c] of cases.entries()) {
        if (c.existing === null) continue
        const f = files[i] as string
        await mkdir(path.dirname(f), { recursive: true, mode: 0o750 })
        await writeFile(f, 'old')
        await chmod(f, c.existing)
      }
    for (const [i, c] of cases.entries())
      await atomicWrite(ts[i] as string, c.data === null ? null : Buffer.from(c.data, 'utf8'), c)
    const temps = [
      { file: '/a/default.ecf', pid: 4711, micros: 1_694_000_000_000_052 },
      { file: '/x y/ü.ecf', pid: 1, micros: 0 },
      { file: '/a/b.ecf', pid: 99999, micros: 1_694_000_000_999_999 }
    ]
    const res = await runPython<{ temps: string[] }>('writes', {
      writes: cases.map((c, i) => ({
        file: py[i],
        data: c.data === null ? null : Buffer.from(c.data, 'utf8').toString('base64'),
        fileMode: c.fileMode,
        dirMode: c.dirMode
      })),
      temps
    })
    expect(await snapshot(path.join(t.dir, 'py'))).toEqual(await snapshot(path.join(t.dir, 'ts')))
    expect(res.temps).toEqual(temps.map(x => tempName(x.file, x.pid, BigInt(x.micros))))
    expect(res.temps[0]).toBe('/a/default.ecf.4711:1694000000.52.tmp')
  })
})
