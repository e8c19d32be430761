import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { append, MalformedDiffError } from '../src/recorder/append.js'
import { emptyDiff, type Diff } from '../src/recorder/diff-model.js'
import { toVDiff, vDiff, vector, type VDiff } from './helpers/diff-vectors.js'

interface AppendCase {
  name: string
  session: VDiff
  part: VDiff
  expect: VDiff
  warning: boolean
  parent?: string
  note?: string
}

const cases = vector<AppendCase[]>('diff-append.json')
const TEXT =
  /^Can't (add already added|add already modified|modify already removed|remove already removed) key (\S+)$/

describe('append: diff-append.json', () => {
  it.each(cases.map(c => [c.name, c] as const))('%s', (_, c) => {
    const session = vDiff(c.session)
    const part = vDiff(c.part)
    const warnings = append(session, part, c.parent === undefined ? null : parseKeyName(c.parent))
    expect(toVDiff(session)).toEqual(c.expect)
    if (!c.warning) {
      // the vectors' parts are consistent with their sessions, so no Q18 mismatch either
      expect(warnings).toEqual([])
      return
    }
    expect(warnings).toHaveLength(1)
    const w = warnings[0]!
    expect(w.kind).toBe('conflict')
    expect([4, 7, 13, 14]).toContain(w.row)
    expect(w.message).toMatch(TEXT)
    expect(w.message.match(TEXT)?.[2]).toBe(w.name)
    if (c.note !== undefined) expect(c.note).toContain(w.message.replace(w.name, '<name>'))
  })
})

const k = (name: string, value: string | null, meta: Record<string, string> = {}) =>
  Key.create(name, value, meta)

function diffOf(entries: {
  added?: Key[]
  modified?: [Key, Key][]
  removed?: Key[]
}): Diff {
  const d = emptyDiff()
  for (const x of entries.added ?? []) d.added.add(x)
  for (const [o, n] of entries.modified ?? []) {
    d.modifiedOld.add(o)
    d.modifiedNew.add(n)
  }
  for (const x of entries.removed ?? []) d.removed.add(x)
  return d
}

describe('append warnings', () => {
  it('gives row and 0.11 text for every conflict row', () => {
    const session = diffOf({
      added: [k('user:/a', '1')],
      modified: [[k('user:/m', '1'), k('user:/m', '2')]],
      removed: [k('user:/r', '1'), k('user:/s', '1')]
    })
    const part = diffOf({
      added: [k('user:/a', '2'), k('user:/m', '3')],
      modified: [[k('user:/r', '1'), k('user:/r', '2')]],
      removed: [k('user:/s', '1')]
    })
    const before = toVDiff(session)
    expect(append(session, part)).toEqual([
      { kind: 'conflict', row: 4, name: 'user:/a', message: "Can't add already added key user:/a" },
      { kind: 'conflict', row: 7, name: 'user:/m', message: "Can't add already modified key user:/m" },
      { kind: 'conflict', row: 13, name: 'user:/r', message: "Can't modify already removed key user:/r" },
      { kind: 'conflict', row: 14, name: 'user:/s', message: "Can't remove already removed key user:/s" }
    ])
    expect(toVDiff(session)).toEqual(before)
  })

  it('warns when the part’s old key is not the session’s current one (Q18) and merges anyway', () => {
    const session = diffOf({
      added: [k('user:/a', '1'), k('user:/b', '1')],
      modified: [
        [k('user:/m', '1'), k('user:/m', '2')],
        [k('user:/n', '1'), k('user:/n', '2')]
      ]
    })
    const part = diffOf({
      modified: [
        [k('user:/a', 'x'), k('user:/a', '3')],
        [k('user:/m', '2', { type: 'long' }), k('user:/m', '1')]
      ],
      removed: [k('user:/b', 'y'), k('user:/n', 'z')]
    })
    const warnings = append(session, part)
    expect(warnings.map(w => [w.kind, w.row, w.name])).toEqual([
      ['mismatch', 5, 'user:/a'],
      ['mismatch', 9, 'user:/m'],
      ['mismatch', 6, 'user:/b'],
      ['mismatch', 10, 'user:/n']
    ])
    for (const w of warnings) expect(w.message).toContain(w.name)
    // the result is the 0.11 one: the rows applied as if old had matched
    expect(toVDiff(session)).toEqual({
      added: { 'user:/a': { value: '3', meta: {} } },
      modified: {},
      removed: { 'user:/n': { value: '1', meta: {} } }
    })
  })

  it('a malformed part throws and merges nothing', () => {
    const session = diffOf({ added: [k('user:/x', '1')] })
    const part = diffOf({ added: [k('user:/y', '1')] })
    part.modifiedNew.add(k('user:/z', '2'))
    expect(() => append(session, part)).toThrow(MalformedDiffError)
    expect(() => append(session, part)).toThrow(/user:\/z/)
    expect(session.added.names()).toEqual(['user:/x'])
    const noNew = { ...diffOf({}), modifiedNew: undefined as unknown as KeySet }
    expect(() => append(session, noNew)).toThrow(/modified\.new/)
  })

  it('skips part keys outside the parent; the cascading root takes namespace roots too (Q9)', () => {
    const session = emptyDiff()
    const part = diffOf({ added: [k('user:/', 'r'), k('system:/x', '1')] })
    expect(append(session, part, parseKeyName('/'))).toEqual([])
    expect(session.added.names()).toEqual(['user:/', 'system:/x'])
    const s2 = emptyDiff()
    append(s2, part, parseKeyName('system:/'))
    expect(s2.added.names()).toEqual(['system:/x'])
  })
})
