import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { calculate } from '../src/recorder/diff.js'
import { counts, isEmpty } from '../src/recorder/diff-model.js'
import { isBelowOrSameScope } from '../src/recorder/scope.js'
import { toVDiff, vector, vKeySet, type VDiff, type VKeys } from './helpers/diff-vectors.js'

interface CalcCase {
  name: string
  before: VKeys
  after: VKeys
  parent: string | null
  expect: VDiff
}

const cases = vector<CalcCase[]>('diff-calc.json')
const parent = (p: string | null) => (p === null ? null : parseKeyName(p))

describe('calculate: diff-calc.json', () => {
  it.each(cases.map(c => [c.name, c] as const))('%s', (_, c) => {
    const d = calculate(vKeySet(c.before), vKeySet(c.after), parent(c.parent))
    expect(toVDiff(d)).toEqual(c.expect)
    expect(d.parent?.canonical ?? null).toBe(c.parent === null ? null : parseKeyName(c.parent).canonical)
  })

  it.each(cases.map(c => [c.name, c] as const))('%s (only the named keys)', (_, c) => {
    // the recorder passes the sortKeys touched by a write; all of them give the full result
    const before = vKeySet(c.before)
    const after = vKeySet(c.after)
    const names = [...before, ...after].map(k => k.name.sortKey)
    const d = calculate(before, after, parent(c.parent), { names })
    expect(toVDiff(d)).toEqual(c.expect)
  })
})

describe('calculate', () => {
  const ks = (...pairs: [string, string | null][]) => new KeySet(pairs.map(([n, v]) => Key.create(n, v)))

  it('reports only the named keys when names are given', () => {
    const before = ks(['user:/a', '1'], ['user:/b', '1'], ['user:/c', '1'])
    const after = ks(['user:/a', '2'], ['user:/b', '2'], ['user:/d', '1'])
    const names = ['user:/b', 'user:/d', 'user:/zz'].map(n => parseKeyName(n).sortKey)
    const d = calculate(before, after, null, { names })
    expect(toVDiff(d)).toEqual({
      added: { 'user:/d': { value: '1', meta: {} } },
      modified: { 'user:/b': { old: { value: '1', meta: {} }, new: { value: '2', meta: {} } } },
      removed: {}
    })
  })

  it('puts namespace roots in scope of the cascading root (Q9)', () => {
    const d = calculate(ks(['user:/', 'a'], ['system:/', 'x']), ks(['user:/', 'b']), parseKeyName('/'))
    expect(counts(d)).toEqual({ added: 0, modified: 1, removed: 1 })
  })

  it('a namespace root parent spans its namespace only', () => {
    const before = ks(['user:/a', '1'], ['system:/a', '1'], ['dir:/a', '1'])
    const d = calculate(before, new KeySet(), parseKeyName('user:/'))
    expect(d.removed.names()).toEqual(['user:/a'])
  })

  it('shares the key objects of its inputs', () => {
    const after = ks(['user:/a', '1'])
    const d = calculate(new KeySet(), after, null)
    expect(d.added.lookup('user:/a')).toBe(after.lookup('user:/a'))
  })

  it('equal sets give an empty diff', () => {
    const a = ks(['user:/a', '1'], ['/casc', '1'])
    expect(isEmpty(calculate(a, a.clone(), null))).toBe(true)
  })

  it('refuses a missing key set', () => {
    expect(() => calculate(null as unknown as KeySet, new KeySet(), null)).toThrow(/missing/)
  })
})

describe('below-or-same scope (recording.md §0 with Q9)', () => {
  const table: [string | null, string, boolean][] = [
    ['user:/p', 'user:/p', true],
    ['user:/p', 'user:/p/q/r', true],
    ['user:/p', 'system:/p', false],
    ['user:/p', 'user:/pq', false],
    ['user:/p', 'user:/', false],
    ['/p', 'system:/p', true],
    ['/p', 'dir:/p/x', true],
    ['/p', '/p/x', true],
    ['/p', '/pq', false],
    ['user:/p', '/p/x', true],
    ['/', 'user:/', true],
    ['/', 'system:/a', true],
    ['/', '/', true],
    ['user:/', 'user:/', true],
    ['user:/', 'user:/a/b', true],
    ['user:/', 'system:/a', false],
    ['user:/a/%', 'user:/a/%/b', true],
    ['user:/a/%', 'user:/a', false],
    ['user:/a', 'user:/a/%', true],
    [null, '/x', true],
    [null, 'spec:/x', true]
  ]
  it.each(table)('parent %s, key %s → %s', (p, k, want) => {
    expect(isBelowOrSameScope(p === null ? null : parseKeyName(p), parseKeyName(k))).toBe(want)
  })
})
