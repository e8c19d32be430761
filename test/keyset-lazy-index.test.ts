// KeySet builds its Map only when first needed; sets built in order, copies, filters and cuts start
// without one. These check that lookups, replacements and removals behave the same either way.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { keyNameFromParts, NAMESPACES, unescapedBytes, type KeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'

const pool: KeyName[] = Array.from({ length: 300 }, (_, i) =>
  keyNameFromParts(NAMESPACES[i % 8]!, ['p', String(i % 37), String(i)])
)
const byBytes = (a: KeyName, b: KeyName): number => Buffer.compare(unescapedBytes(a), unescapedBytes(b))
const ordered = [...pool].sort(byBytes)

type Op = { t: 'add' | 'remove' | 'lookup' | 'has'; n: KeyName }

describe('KeySet without its Map', () => {
  it('answers lookups of an in-order set, before and after it builds the Map', () => {
    const set = new KeySet()
    const keys = ordered.map(n => new Key(n, 'v'))
    for (const k of keys) set.add(k)
    // more lookups than are answered by binary search
    for (let round = 0; round < 3; round++)
      for (const k of keys) {
        expect(set.lookup(k.name)).toBe(k)
        expect(set.has(k.name.canonical)).toBe(true)
      }
    expect(set.lookup('user:/not/there')).toBeUndefined()
    expect(set.has('user:/not/there')).toBe(false)
    expect(set.size).toBe(keys.length)
  })

  it('an in-order append of an existing name replaces it', () => {
    const a = new Key(ordered[0]!, 'a')
    const b = new Key(ordered[1]!, 'b')
    const b2 = new Key(ordered[1]!, 'b2')
    const set = new KeySet([a, b])
    set.add(b2)
    expect(set.size).toBe(2)
    expect(set.toArray()).toEqual([a, b2])
    expect(set.lookup(ordered[1]!)).toBe(b2)
  })

  const op = fc.record({
    t: fc.constantFrom<Op['t']>('add', 'remove', 'lookup', 'has'),
    n: fc.constantFrom(...pool)
  })
  const derive = fc.constantFrom('built', 'copy', 'filter', 'cut', 'clone')

  it('behaves like a sorted map whichever way the set was made', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), derive, fc.array(op, { maxLength: 400 }), (count, how, ops) => {
        const seed = ordered.slice(0, count).map(n => new Key(n, 'seed'))
        let set = new KeySet(seed)
        if (how === 'copy') set = set.copy()
        else if (how === 'filter') set = set.filter(() => true)
        else if (how === 'clone') set = set.clone()
        else if (how === 'cut') {
          const whole = new KeySet(seed)
          set = whole.cut(keyNameFromParts('user', []))
          for (const k of set) expect(whole.has(k.name)).toBe(false)
        }
        const model = new Map<string, Key>()
        for (const k of set) model.set(k.name.sortKey, k)
        for (const o of ops) {
          if (o.t === 'add') {
            const k = new Key(o.n, 'v')
            set.add(k)
            model.set(o.n.sortKey, k)
          } else if (o.t === 'remove') {
            expect(set.remove(o.n)).toBe(model.get(o.n.sortKey))
            model.delete(o.n.sortKey)
          } else if (o.t === 'lookup') expect(set.lookup(o.n)).toBe(model.get(o.n.sortKey))
          else expect(set.has(o.n)).toBe(model.has(o.n.sortKey))
          expect(set.size).toBe(model.size)
        }
        const want = [...model.values()].sort((a, b) => byBytes(a.name, b.name))
        const got = set.toArray()
        expect(got.length).toBe(want.length)
        got.forEach((k, i) => expect(k).toBe(want[i]))
      }),
      { numRuns: 60 }
    )
  })
})
