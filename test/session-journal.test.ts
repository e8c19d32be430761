import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  appendRecord,
  lastRecord,
  readJournal,
  type JournalMeta
} from '../src/recorder/session-journal.js'

let dir: string
let file: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ep-journal-'))
  file = path.join(dir, 'record-session.journal')
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const meta = (n: number): JournalMeta => ({
  sessions: [{ ns: 'user', file: '/x/record-session.cfg', size: 3 + String(n).length }],
  files: [{ path: '/x/default.ecf', dev: '1', ino: String(n) }]
})
const dump = (n: number) => Buffer.from(`abc${n}`)
const opts = { dirMode: 0o755, sync: false }

async function appendN(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await appendRecord(file, meta(i), [dump(i)], async () => 0, opts)
}

describe('session journal', () => {
  it('reads back every appended record in order, and the last one from the end', async () => {
    await appendN(5)
    const j = await readJournal(file)
    expect(j?.records.map(r => Buffer.from(r.dumps[0] as Uint8Array).toString())).toEqual([
      'abc0',
      'abc1',
      'abc2',
      'abc3',
      'abc4'
    ])
    expect(j?.validEnd).toBe(j?.size)
    const last = await lastRecord(file)
    expect(last?.meta.files[0]?.ino).toBe('4')
    expect(last?.end).toBe(j?.size)
  })

  it('ignores a torn tail at every cut point, and the next append cuts it off', async () => {
    await appendN(3)
    const whole = await readFile(file)
    const j = await readJournal(file)
    const third = j?.records[2]
    expect(third).toBeDefined()
    for (let cut = (third?.start ?? 0) + 1; cut < whole.length; cut++) {
      await writeFile(file, whole.subarray(0, cut))
      const torn = await readJournal(file)
      expect(torn?.records).toHaveLength(2)
      expect(await lastRecord(file)).toBeNull()
    }
    await appendRecord(file, meta(9), [dump(9)], async () => 0, opts)
    const healed = await readJournal(file)
    expect(healed?.records.map(r => r.meta.files[0]?.ino)).toEqual(['0', '1', '9'])
    expect(healed?.validEnd).toBe(healed?.size)
  })

  it('rejects a record whose bytes were altered (hash)', async () => {
    await appendN(2)
    const buf = await readFile(file)
    const at = buf.lastIndexOf(Buffer.from('abc1'))
    buf[at] = 0x41
    await writeFile(file, buf)
    expect((await readJournal(file))?.records).toHaveLength(1)
  })

  it('treats garbage appended by someone else as a torn tail', async () => {
    await appendN(1)
    await appendFile(file, 'part 5 5\nxx')
    expect((await readJournal(file))?.records).toHaveLength(1)
    await truncate(file, 10)
    expect((await readJournal(file))?.records).toHaveLength(0)
  })

  it('asks for a fold once the journal passes its threshold', async () => {
    let r = await appendRecord(file, meta(0), [dump(0)], async () => 0, opts)
    expect(r.wantsFold).toBe(false)
    const big = Buffer.alloc(5 * 1024 * 1024, 0x61)
    r = await appendRecord(
      file,
      { sessions: [{ ns: 'user', file: '/x', size: big.length }], files: [] },
      [big],
      async () => 0,
      opts
    )
    expect(r.wantsFold).toBe(true)
  })

  it('names the file when it is not a journal', async () => {
    await writeFile(file, 'hello\nworld\n')
    await expect(readJournal(file)).rejects.toThrow(/record-session\.journal.*not a session journal/)
  })
})
