// The recorded write pipeline and the session store, in-process.
import { copyFile, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readDump } from '../src/kdb/dump-read.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { addName, parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { tableKeyOf } from '../src/kdb/mountpoints.js'
import { defaultFile, resolveFile, sessionFile } from '../src/kdb/paths.js'
import { assertKey } from '../src/recorder/commands/assert.js'
import { startRecording } from '../src/recorder/commands/start.js'
import { loadSession } from '../src/recorder/commands/state.js'
import { stopRecording } from '../src/recorder/commands/stop.js'
import { calculate } from '../src/recorder/diff.js'
import { toJson } from '../src/recorder/diff-json.js'
import { Recorder } from '../src/recorder/recorder.js'
import { readJournal } from '../src/recorder/session-journal.js'
import { filterPart } from '../src/recorder/session-store.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

const n = parseKeyName
let t: TempRoot
let rec: Recorder
const warnings: string[] = []

beforeEach(async () => {
  t = await makeTempRoot()
  warnings.length = 0
  rec = new Recorder(t.env, new EmbeddedStore(t.env), { onWarning: w => warnings.push(w.message) })
})
afterEach(async () => {
  await t.cleanup()
})

async function mount(mountpoint: string, file: string): Promise<void> {
  const base = tableKeyOf(mountpoint)
  await rec.store.update(n('system:/elektra/mountpoints'), ks => {
    ks.add(Key.create(base, 'mountpoint'))
    const values: Record<string, string> = {
      'definition/path': file,
      'definition/positions/get/storage': 'storage',
      'definition/positions/set/storage': 'storage',
      'plugins/backend/name': 'backend',
      'plugins/storage/name': 'dump'
    }
    for (const [rel, v] of Object.entries(values)) ks.add(Key.create(addName(base, rel), v))
  })
}

async function sessionJson() {
  const { session, parent } = await loadSession(rec)
  return toJson({ ...session.diff, parent }, session.asserts)
}

const set = (name: string, value: string) =>
  rec.update(n(name), ks => {
    ks.add(Key.create(name, value))
  })

describe('recorded writes', () => {
  it('records one write across several mountpoints and namespaces in full (Q1)', async () => {
    await mount('user:/app', 'app.ecf')
    await rec.store.update(n('/'), ks => {
      ks.add(Key.create('user:/app/nested', 'old'))
      ks.add(Key.create('user:/top', 'old'))
    })
    await startRecording(rec)
    const res = await rec.update(n('/'), ks => {
      ks.add(Key.create('user:/app/nested', 'new'))
      ks.add(Key.create('user:/app/added', 'a'))
      ks.remove(n('user:/top'))
      ks.add(Key.create('system:/sys', 's'))
      ks.add(Key.create('spec:/sp', 'p', { type: 'string' }))
    })
    expect(res.files.map(f => f.replace(t.dir, ''))).toEqual(
      expect.arrayContaining(['/home/.config/app.ecf', '/home/.config/default.ecf'])
    )
    const j = await sessionJson()
    expect(Object.keys(j.added)).toEqual(['spec:/sp', 'user:/app/added', 'system:/sys'])
    expect(Object.keys(j.modified)).toEqual(['user:/app/nested'])
    expect(Object.keys(j.removed)).toEqual(['user:/top'])
    expect(j.added['spec:/sp']?.meta).toEqual({ type: 'string' })
  })

  it('records root keys (Q9) and never the recording config or session', async () => {
    await startRecording(rec)
    await set('user:/', 'root')
    await set('system:/elektra/record/config/other', 'x')
    const j = await sessionJson()
    expect(Object.keys(j.added)).toEqual(['user:/'])
  })

  it('filters every part with the session parent (Q2), also for other namespaces', async () => {
    await startRecording(rec, { parent: 'user:/x' })
    await set('system:/y/a', '1')
    await set('user:/other/b', '2')
    await set('user:/x', 'parent itself')
    await set('user:/x/c', '3')
    expect(Object.keys((await sessionJson()).added)).toEqual(['user:/x', 'user:/x/c'])
  })

  it('writes nothing to the session while not recording', async () => {
    await set('user:/a', '1')
    const j = await sessionJson()
    expect(j.added).toEqual({})
    expect(await readJournal(rec.session.journalFile)).toBeNull()
  })

  it('appends parts to the journal and folds them only when the session is read', async () => {
    await startRecording(rec)
    await set('user:/a', '1')
    await set('user:/b', '2')
    const j = await readJournal(rec.session.journalFile)
    expect(j?.records).toHaveLength(2)
    await expect(readFile(sessionFile('user', t.env))).rejects.toThrow()
    expect(Object.keys((await sessionJson()).added)).toEqual(['user:/a', 'user:/b'])
    expect(await readJournal(rec.session.journalFile)).toBeNull()
  })

  it('folds by itself once the journal passes its threshold', async () => {
    rec = new Recorder(t.env, new EmbeddedStore(t.env), { foldThreshold: 2000 })
    await startRecording(rec)
    for (let i = 0; i < 30; i++) await set(`user:/k${i}`, 'v'.repeat(50))
    const j = await readJournal(rec.session.journalFile)
    expect(j === null || j.size < 2000 + 1000).toBe(true)
    expect(Object.keys((await sessionJson()).added)).toHaveLength(30)
  })

  it('does not apply a part twice when a writer died between journal and seen link', async () => {
    await startRecording(rec)
    const file = defaultFile('user', t.env)
    await set('user:/a', '1')
    const oldCopy = `${file}.old`
    await copyFile(file, oldCopy)
    await set('user:/b', '2')
    // the state a writer killed after appending its part leaves: the seen link still on the old content
    await rename(oldCopy, `${file}.seen`)
    expect(Object.keys((await sessionJson()).added)).toEqual(['user:/a', 'user:/b'])
    expect(warnings).toEqual([])
  })

  it('finishes a fold that was interrupted after some session files were written', async () => {
    await startRecording(rec)
    await set('user:/u', '1')
    await set('system:/s', '2')
    await set('user:/u', '3')
    const journalFile = rec.session.journalFile
    const saved = await readFile(journalFile)
    const journal = await readJournal(journalFile)
    // fold, then put back the journal and give the user file the mark a half-done fold leaves
    await loadSession(rec)
    await writeFile(journalFile, saved)
    const userFile = sessionFile('user', t.env)
    const root = n('user:/elektra/record/session')
    const ks = readDump(await readFile(userFile), root)
    ks.add(Key.create('user:/elektra/record/session/journal', `${journal?.id} ${journal?.records.at(-1)?.end}`))
    await writeFile(userFile, writeDump(ks, root))
    // the system file comes later in that fold: not written yet
    await rm(sessionFile('system', t.env))
    const j = await sessionJson()
    expect(Object.keys(j.added)).toEqual(['user:/u', 'system:/s'])
    expect(j.added['user:/u']?.value).toBe('3')
    expect(warnings).toEqual([])
    expect(readDump(await readFile(userFile), root).names()).not.toContain(
      'user:/elektra/record/session/journal'
    )
  })

  it('catches up what other programs wrote, in files it saw and in files that did not exist yet', async () => {
    await mount('system:/late', '/etc/late.ecf')
    await startRecording(rec)
    const other = new EmbeddedStore(t.env)
    await other.update(n('system:/late'), ks => {
      ks.add(Key.create('system:/late/x', '1'))
    })
    await other.update(n('dir:/'), ks => {
      ks.add(Key.create('dir:/d', 'in a new directory'))
    })
    const j = await sessionJson()
    expect(Object.keys(j.added)).toEqual(['dir:/d', 'system:/late/x'])
    // the directory of dir:/ was not created by the recorder just to remember it was empty
    expect(resolveFile('dir', 'default.ecf', t.env)).toContain('.dir')
  })

  it('stop catches up, then forgets the seen state; changes while stopped are not recorded', async () => {
    await startRecording(rec)
    const other = new EmbeddedStore(t.env)
    await other.update(n('user:/'), ks => {
      ks.add(Key.create('user:/before-stop', '1'))
    })
    await stopRecording(rec)
    await other.update(n('user:/'), ks => {
      ks.add(Key.create('user:/while-stopped', '1'))
    })
    await startRecording(rec)
    await set('user:/after', '1')
    expect(Object.keys((await sessionJson()).added)).toEqual(['user:/after', 'user:/before-stop'])
  })

  it('a part equals calculate() over the whole key sets, filtered', async () => {
    await rec.store.update(n('/'), ks => {
      for (let i = 0; i < 20; i++) ks.add(Key.create(`user:/p/k${i}`, String(i)))
    })
    await startRecording(rec)
    const before = await rec.read(n('/'))
    const res = await rec.update(n('user:/p'), ks => {
      ks.remove(n('user:/p/k3'))
      ks.add(Key.create('user:/p/k4', 'changed'))
      ks.add(Key.create('user:/p/new', 'x', { m: '1' }))
    })
    const after = await rec.read(n('/'))
    expect(toJson(res.part ?? calculate(new KeySet(), new KeySet(), null))).toEqual(
      toJson(filterPart(calculate(before, after, null), n('/')))
    )
  })

  it('asserts a cascading name as the key a cascading lookup finds', async () => {
    await set('system:/c', 'sys')
    await startRecording(rec)
    await assertKey(rec, '/c')
    expect((await sessionJson()).asserts).toEqual({ 'system:/c': { value: 'sys', meta: {} } })
    await expect(assertKey(rec, '/nowhere')).rejects.toThrow(/not found in any namespace.*user:\/nowhere/)
  })
})
