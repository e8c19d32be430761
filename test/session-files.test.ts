// Interchange with libelektra 0.11: the bytes of our session files are what its dump plugin writes for
// the same session, and a file written by it is read back (export --session).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { sessionFile } from '../src/kdb/paths.js'
import { startRecording } from '../src/recorder/commands/start.js'
import { loadSession } from '../src/recorder/commands/state.js'
import { toJson } from '../src/recorder/diff-json.js'
import { Recorder } from '../src/recorder/recorder.js'
import { parseSessionArg, readSessionFiles } from '../src/recorder/session-files.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

let t: TempRoot
beforeEach(async () => {
  t = await makeTempRoot()
})
afterEach(async () => {
  await t.cleanup()
})

/** A dump v2 file as libelektra's dump plugin writes it (keys-and-dump.md §6), sizes in bytes. */
function dump(keys: Array<[string, string, Record<string, string>?]>): string {
  let out = 'kdbOpen 2\n'
  for (const [name, value, meta] of keys) {
    out += `$key string ${Buffer.byteLength(name)} ${Buffer.byteLength(value)}\n${name}\n${value}\n`
    for (const [m, v] of Object.entries(meta ?? {}))
      out += `$meta ${Buffer.byteLength(m)} ${Buffer.byteLength(v)}\n${m}\n${v}\n`
  }
  return out + '$end\n'
}

// recording.md / record-cli.md S1 after step 12, user session file (names relative to the mountpoint
// user:/elektra/record/session), in key order
const S1_USER = dump([
  ['diff/added/test/gender', 'male'],
  ['diff/modified/new/test/age', '25', { visible: 'true' }],
  ['diff/modified/new/test/name', 'Hans'],
  ['diff/modified/old/test/age', '25', { visible: 'false' }],
  ['diff/modified/old/test/name', 'Franz'],
  ['diff/removed/test/greeting', 'hello']
])

it('writes the S1 session file byte for byte as libelektra 0.11 does', async () => {
  const rec = new Recorder(t.env, new EmbeddedStore(t.env))
  const n = parseKeyName
  await rec.store.update(n('user:/test'), ks => {
    ks.add(Key.create('user:/test/greeting', 'hello'))
    ks.add(Key.create('user:/test/age', '25', { visible: 'false' }))
    ks.add(Key.create('user:/test/name', 'Franz'))
  })
  await startRecording(rec)
  await rec.update(n('user:/test/greeting'), ks => void ks.remove(n('user:/test/greeting')))
  await rec.update(n('user:/test/name'), ks => void ks.add(Key.create('user:/test/name', 'Hans')))
  await rec.update(n('user:/test/gender'), ks => void ks.add(Key.create('user:/test/gender', 'male')))
  await rec.update(n('user:/test/age'), ks => void ks.add(ks.lookup('user:/test/age')!.clone().setMeta('visible', 'true')))
  await loadSession(rec)
  expect(await readFile(sessionFile('user', t.env), 'utf8')).toBe(S1_USER)
})

it('reads session files libelektra 0.11 wrote, taking the namespace from their location', async () => {
  const home = path.join(t.dir, 'host', 'home', 'alice', '.config')
  const etc = path.join(t.dir, 'host', 'etc', 'kdb')
  await mkdir(home, { recursive: true })
  await mkdir(etc, { recursive: true })
  await writeFile(path.join(home, 'record-session.cfg'), S1_USER)
  await writeFile(path.join(etc, 'record-session.cfg'), dump([['diff/added/srv/port', '8080']]))
  const { session, namespaces } = await readSessionFiles(
    [path.join(home, 'record-session.cfg'), path.join(etc, 'record-session.cfg')].map(parseSessionArg),
    t.env
  )
  expect(namespaces.map(x => [x.ns, x.how])).toEqual([
    ['user', 'location'],
    ['system', 'location']
  ])
  const j = toJson(session.diff)
  expect(Object.keys(j.added)).toEqual(['user:/test/gender', 'system:/srv/port'])
  expect(j.modified['user:/test/age']).toEqual({
    old: { value: '25', meta: { visible: 'false' } },
    new: { value: '25', meta: { visible: 'true' } }
  })
  expect(Object.keys(j.removed)).toEqual(['user:/test/greeting'])
})

it('reads a version-1 dump by the namespace of its complete names', async () => {
  const file = path.join(t.dir, 'old.cfg')
  const name = 'system/elektra/record/session/diff/added/x'
  await writeFile(file, `kdbOpen 1\nksNew 1\nkeyNew ${name.length + 1} 2\n${name}\0v\0\nkeyEnd\nksEnd\n`)
  const { session, namespaces } = await readSessionFiles([parseSessionArg(file)], t.env)
  expect(namespaces[0]?.how).toBe('content')
  expect(session.diff.added.names()).toEqual(['system:/x'])
})
