import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { calculate } from '../src/recorder/diff.js'
import { cloneDiff, counts, emptyDiff, isEmpty, type Diff } from '../src/recorder/diff-model.js'
import {
  applyDiff,
  cut,
  invertDiff,
  metaChanges,
  removeKey,
  removeOther,
  removeSameOrBelow,
  undoConflicts,
  undoDiff
} from '../src/recorder/diff-ops.js'

const n = parseKeyName
const ks = (pairs: Record<string, string | null>) =>
  new KeySet(Object.entries(pairs).map(([name, v]) => Key.create(name, v)))
const names = (d: Diff) => ({
  added: d.added.names(),
  modified: d.modifiedNew.names(),
  removed: d.removed.names()
})

// One of each kind in three namespaces, plus default:/ keys that only removeOther treats specially.
const before = ks({
  'user:/app/m': '1',
  'user:/app/r': '1',
  'user:/app/sub/m': '1',
  'user:/apple': '1',
  'system:/app/m': '1',
  'default:/app/m': '1',
  'dir:/other': '1'
})
const after = ks({
  'user:/app/a': '2',
  'user:/app/m': '2',
  'user:/app/sub/m': '2',
  'user:/apple': '2',
  'system:/app/m': '2',
  'default:/app/m': '2'
})
const session = () => calculate(before, after, null)

describe('diff model', () => {
  it('counts, isEmpty, cloneDiff', () => {
    const d = session()
    expect(counts(d)).toEqual({ added: 1, modified: 5, removed: 2 })
    expect(isEmpty(d)).toBe(false)
    expect(isEmpty(emptyDiff(n('user:/')))).toBe(true)
    const c = cloneDiff(d)
    c.modifiedNew.lookup('user:/app/m')!.setString('changed')
    expect(d.modifiedNew.lookup('user:/app/m')!.value).toBe('2')
    expect(names(c)).toEqual(names(d))
  })
})

describe('removeKey', () => {
  it('drops the exact name from every set and says so', () => {
    const d = session()
    expect(removeKey(d, n('user:/app/m')).map(x => x.canonical)).toEqual(['user:/app/m'])
    expect(d.modifiedOld.has('user:/app/m')).toBe(false)
    expect(d.modifiedNew.has('user:/app/m')).toBe(false)
    expect(d.modifiedNew.has('user:/app/sub/m')).toBe(true)
    expect(removeKey(d, n('user:/app/m'))).toEqual([])
    expect(removeKey(d, n('user:/app/r')).map(x => x.canonical)).toEqual(['user:/app/r'])
    expect(d.removed.size).toBe(1)
  })
  it('a cascading name means that path in every namespace (Q15)', () => {
    const d = session()
    const gone = removeKey(d, n('/app/m')).map(x => x.canonical)
    expect(gone).toEqual(['user:/app/m', 'system:/app/m', 'default:/app/m'])
    expect(names(d).modified).toEqual(['user:/app/sub/m', 'user:/apple'])
  })
})

describe('removeSameOrBelow', () => {
  it('drops the key and its subtree, not a sibling sharing a string prefix', () => {
    const d = session()
    removeSameOrBelow(d, n('user:/app'))
    expect(names(d)).toEqual({
      added: [],
      modified: ['user:/apple', 'system:/app/m', 'default:/app/m'],
      removed: ['dir:/other']
    })
  })
  it('cascading: in every namespace', () => {
    const d = session()
    removeSameOrBelow(d, n('/app'))
    expect(names(d)).toEqual({ added: [], modified: ['user:/apple'], removed: ['dir:/other'] })
  })
})

describe('removeOther', () => {
  it('keeps only the scope and sets the parent', () => {
    const d = session()
    removeOther(d, n('user:/app'))
    expect(d.parent?.canonical).toBe('user:/app')
    expect(names(d)).toEqual({
      added: ['user:/app/a'],
      modified: ['user:/app/m', 'user:/app/sub/m'],
      removed: ['user:/app/r']
    })
  })
  it('a cascading parent keeps every namespace but default', () => {
    const d = session()
    removeOther(d, n('/app'))
    expect(names(d).modified).toEqual(['user:/app/m', 'user:/app/sub/m', 'system:/app/m'])
  })
  it('the cascading root keeps namespace roots too (Q9)', () => {
    const d = calculate(ks({ 'user:/': 'a' }), ks({ 'user:/': 'b' }), null)
    removeOther(d, n('/'))
    expect(names(d).modified).toEqual(['user:/'])
  })
})

describe('cut', () => {
  it('moves the scope into a new diff and leaves the rest', () => {
    const d = session()
    const c = cut(d, n('/app/sub'))
    expect(c.parent?.canonical).toBe('/app/sub')
    expect(names(c)).toEqual({ added: [], modified: ['user:/app/sub/m'], removed: [] })
    expect(c.modifiedOld.names()).toEqual(['user:/app/sub/m'])
    expect(d.modifiedOld.names()).toEqual(d.modifiedNew.names())
    expect(names(d).modified).not.toContain('user:/app/sub/m')
    expect(counts(d)).toEqual({ added: 1, modified: 4, removed: 2 })
  })
  it('cut of / takes everything', () => {
    const d = session()
    const c = cut(d, n('/'))
    expect(isEmpty(d)).toBe(true)
    expect(counts(c)).toEqual({ added: 1, modified: 5, removed: 2 })
  })
})

describe('apply, invert, undo', () => {
  it('applyDiff turns before into after', () => {
    const ksb = before.clone()
    applyDiff(ksb, session())
    expect(ksb.names()).toEqual(after.names())
    for (const k of after) expect(ksb.lookup(k.name)?.value).toBe(k.value)
  })
  it('undoDiff (= apply the inverse) turns after back into before', () => {
    const ksa = after.clone()
    undoDiff(ksa, session())
    expect(ksa.names()).toEqual(before.names())
    for (const k of before) expect(ksa.lookup(k.name)?.value).toBe(k.value)
    const inv = invertDiff(session())
    expect(names(inv)).toEqual({
      added: ['dir:/other', 'user:/app/r'],
      modified: names(session()).modified,
      removed: ['user:/app/a']
    })
  })
  it('undoConflicts lists keys that no longer hold the recorded new state (Q12)', () => {
    const now = after.clone()
    expect(undoConflicts(now, session())).toEqual([])
    now.lookup('user:/app/m')!.setString('3') // changed again after the recording
    now.remove('user:/app/a') // added key gone
    now.add(Key.create('dir:/other', 'back')) // removed key re-created
    const c = undoConflicts(now, session())
    expect(c.map(x => [x.name, x.expected?.value ?? null, x.actual?.value ?? null])).toEqual([
      ['dir:/other', null, 'back'],
      ['user:/app/a', '2', null],
      ['user:/app/m', '2', '3']
    ])
  })
})

describe('metaChanges (recording.md §1.2)', () => {
  it('splits a modified key’s metadata into added, removed and modified (old value)', () => {
    // diff-calc.json "cpp meta added/removed/modified on one key"
    const meta = (m: Record<string, string>) => new KeySet([Key.create('user:/hello', null, m)])
    const d = calculate(
      meta({ modified: '123', removed: '123', same: '123' }),
      meta({ added: '123', modified: '456', same: '123' }),
      n('/')
    )
    expect(metaChanges(d, n('user:/hello'))).toEqual({
      added: ['added'],
      removed: ['removed'],
      modified: new Map([['modified', '123']])
    })
    expect(metaChanges(d, n('user:/other'))).toBeNull()
  })
})
