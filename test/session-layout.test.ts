import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { keyNameFromParts } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import {
  SECTION_NAMES,
  SECTIONS,
  emptyStoredSession,
  fromStorage,
  sessionRoot,
  storageNameOf,
  toStorage,
  type StoredSession
} from '../src/recorder/session-layout.js'

function stored(): StoredSession {
  const s = emptyStoredSession()
  s.added.add(Key.create('user:/test/gender', 'male'))
  s.modifiedOld.add(Key.create('user:/test/age', '25', { visible: 'false' }))
  s.modifiedNew.add(Key.create('user:/test/age', '25', { visible: 'true' }))
  s.modifiedOld.add(Key.create('user:/test/name', 'Franz'))
  s.modifiedNew.add(Key.create('user:/test/name', 'Hans'))
  s.removed.add(Key.create('user:/test/greeting', 'hello'))
  s.removed.add(Key.create('system:/other', 'x'))
  s.asserts.add(Key.create('user:/test/a\\/b', 'v'))
  return s
}

describe('session layout (libelektra 0.11, recording.md §4.1)', () => {
  it('stores S1 step 12 under the user session root as 0.11 does', () => {
    const ks = toStorage('user', stored())
    const rows = ks.toArray().map(k => [k.name.canonical, k.value, Object.fromEntries(k.meta)])
    expect(rows).toEqual([
      ['user:/elektra/record/session/assert/test/a\\/b', 'v', {}],
      ['user:/elektra/record/session/diff/added/test/gender', 'male', {}],
      ['user:/elektra/record/session/diff/modified/new/test/age', '25', { visible: 'true' }],
      ['user:/elektra/record/session/diff/modified/new/test/name', 'Hans', {}],
      ['user:/elektra/record/session/diff/modified/old/test/age', '25', { visible: 'false' }],
      ['user:/elektra/record/session/diff/modified/old/test/name', 'Franz', {}],
      ['user:/elektra/record/session/diff/removed/test/greeting', 'hello', {}]
    ])
  })

  it('reads back what it stores, namespace by namespace', () => {
    const s = stored()
    for (const ns of ['user', 'system'] as const) {
      const back = fromStorage(ns, toStorage(ns, s))
      for (const section of ['added', 'modifiedOld', 'modifiedNew', 'removed', 'asserts'] as const) {
        const want = s[section].toArray().filter(k => k.name.namespace === ns)
        expect(back[section].names()).toEqual(want.map(k => k.name.canonical))
        for (const k of want) expect(back[section].lookup(k.name)?.equals(k)).toBe(true)
      }
    }
  })

  it('keeps root keys (Q9): user:/ itself is stored as diff/added', () => {
    const s = emptyStoredSession()
    s.added.add(Key.create('user:/', 'root value'))
    const ks = toStorage('user', s)
    expect(ks.names()).toEqual(['user:/elektra/record/session/diff/added'])
    expect(fromStorage('user', ks).added.names()).toEqual(['user:/'])
  })

  it('keeps its bookkeeping apart from the sections and ignores keys it does not know', () => {
    const s = emptyStoredSession()
    s.journalMark = 'abc 123'
    s.warnings = 4
    const ks = toStorage('dir', s)
    ks.add(Key.create('dir:/elektra/record/session/diff/modified', 'stray'))
    ks.add(Key.create('dir:/elektra/record/session/other/x', 'stray'))
    const back = fromStorage('dir', ks)
    expect(back.journalMark).toBe('abc 123')
    expect(back.warnings).toBe(4)
    expect(back.added.size + back.modifiedNew.size + back.modifiedOld.size + back.removed.size).toBe(0)
    expect(sessionRoot('dir').canonical).toBe('dir:/elektra/record/session')
  })

  it('reads nothing of another namespace from a file', () => {
    const ks = new KeySet([Key.create('system:/elektra/record/session/diff/added/x', '1')])
    expect(fromStorage('user', ks).added.size).toBe(0)
  })

  it('renames by slicing exactly as escaping and parsing would (property)', () => {
    const part = fc.string({ unit: 'binary', maxLength: 6 }).filter(p => !p.includes('\0'))
    fc.assert(
      fc.property(
        fc.constantFrom('spec', 'dir', 'user', 'system' as const),
        // [''] is `ns:/%`, the same key as the root (upstream #3902): it comes back spelled `ns:/`
        fc.array(part, { maxLength: 4 }).filter(p => !(p.length === 1 && p[0] === '')),
        fc.constantFrom(...SECTION_NAMES),
        (ns, parts, section) => {
          const name = keyNameFromParts(ns, parts)
          const stored = storageNameOf(section, name)
          const want = keyNameFromParts(ns, ['elektra', 'record', 'session', ...SECTIONS[section], ...name.parts])
          expect({ ...stored, parts: [...stored.parts] }).toEqual({ ...want, parts: [...want.parts] })
          const s = emptyStoredSession()
          s[section].add(new Key(name, 'v'))
          const back = fromStorage(ns, toStorage(ns, s))[section].toArray()
          expect(back.map(k => [k.name.canonical, k.name.sortKey, [...k.name.parts]])).toEqual([
            [name.canonical, name.sortKey, [...name.parts]]
          ])
        }
      ),
      { numRuns: 300 }
    )
  })
})
