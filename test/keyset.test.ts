import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import {
  isBelowOrSame,
  keyNameFromParts,
  NAMESPACES,
  parseKeyName,
  unescapedBytes,
  type KeyName
} from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'

const VECTORS =
  process.env.ELEKTRA_PLAYBOOK_VECTORS ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/vectors')
const sortOrder = JSON.parse(
  readFileSync(path.join(VECTORS, 'sort-order.json'), 'utf8')
) as string[]

const ks = (...names: string[]): KeySet => new KeySet(names.map(n => Key.create(n, n)))
const names = (keys: Iterable<Key>): string[] => [...keys].map(k => k.name.canonical)

describe('KeySet order', () => {
  it('iterates sort-order.json in vector order whatever the insertion order', () => {
    for (const order of fc.sample(
      fc.shuffledSubarray(sortOrder, { minLength: sortOrder.length }),
      5
    )) {
      expect(ks(...order).names()).toEqual(sortOrder)
    }
  })
  it('add replaces the key of the same name, also through another spelling', () => {
    const s = ks('user:/a', 'user:/b')
    s.add(Key.create('user:///a/.', 'new'))
    expect(s.size).toBe(2)
    expect(s.lookup('user:/a')?.value).toBe('new')
    // upstream #3902: /% is the root key
    s.add(Key.create('/', 'root')).add(Key.create('/%', 'pct'))
    expect(s.size).toBe(3)
    expect(s.lookup('/')?.value).toBe('pct')
  })
  it('lookup, has, remove take strings or KeyNames', () => {
    const s = ks('user:/a', 'user:/b', 'system:/a')
    expect(s.has(parseKeyName('system:/a'))).toBe(true)
    expect(s.lookup('user:/c')).toBeUndefined()
    expect(s.remove('user:/a')?.value).toBe('user:/a')
    expect(s.remove('user:/a')).toBeUndefined()
    expect(s.names()).toEqual(['user:/b', 'system:/a'])
    expect(s.first()?.name.canonical).toBe('user:/b')
    expect(s.last()?.name.canonical).toBe('system:/a')
    expect(new KeySet().first()).toBeUndefined()
  })
  it('iteration sees the set as it was when it started', () => {
    const s = ks('/a', '/b', '/c')
    const seen: string[] = []
    for (const k of s) {
      seen.push(k.name.canonical)
      s.remove('/b')
    }
    expect(seen).toEqual(['/a', '/b', '/c'])
    expect(s.names()).toEqual(['/a', '/c'])
  })
})

describe('KeySet ranges', () => {
  const s = ks(
    '/a',
    '/a/b',
    'user:/',
    'user:/a',
    'user:/a/b',
    'user:/a/b/c',
    'user:/a-b',
    'user:/aa',
    'user:/a\\/b',
    'system:/',
    'system:/a',
    'system:/a/x',
    'system:/b'
  )
  it('below is a contiguous range in the parent namespace', () => {
    expect(names(s.below('user:/a'))).toEqual(['user:/a/b', 'user:/a/b/c'])
    expect(names(s.below('user:/a', { self: true }))).toEqual([
      'user:/a',
      'user:/a/b',
      'user:/a/b/c'
    ])
    expect(names(s.below('user:/a/b/c'))).toEqual([])
    expect(names(s.below('user:/zzz', { self: true }))).toEqual([])
    expect(names(s.below('/a'))).toEqual(['/a/b'])
  })
  it('a root parent covers its whole namespace', () => {
    expect(names(s.below('system:/'))).toEqual(['system:/a', 'system:/a/x', 'system:/b'])
    expect(names(s.below('system:/', { self: true }))[0]).toBe('system:/')
    expect(s.below('user:/').length).toBe(6)
    expect(names(s.below('dir:/'))).toEqual([])
  })
  it('belowAnyNamespace matches the parts in every namespace', () => {
    expect(names(s.belowAnyNamespace('/a'))).toEqual([
      '/a/b',
      'user:/a/b',
      'user:/a/b/c',
      'system:/a/x'
    ])
    expect(names(s.belowAnyNamespace('/a', { self: true }))).toEqual([
      '/a',
      '/a/b',
      'user:/a',
      'user:/a/b',
      'user:/a/b/c',
      'system:/a',
      'system:/a/x'
    ])
    expect(s.belowAnyNamespace('/', { self: true }).length).toBe(s.size)
  })
  it('cut removes and returns the parent and below', () => {
    const c = s.copy()
    const cut = c.cut('user:/a')
    expect(cut.names()).toEqual(['user:/a', 'user:/a/b', 'user:/a/b/c'])
    expect(c.size).toBe(s.size - 3)
    expect(c.has('user:/a/b')).toBe(false)
    expect(c.has('user:/a-b')).toBe(true)
    const all = c.cutAnyNamespace('/a')
    expect(all.names()).toEqual(['/a', '/a/b', 'system:/a', 'system:/a/x'])
    expect(c.names()).toEqual([
      'user:/',
      'user:/a-b',
      'user:/a\\/b',
      'user:/aa',
      'system:/',
      'system:/b'
    ])
  })
})

describe('KeySet copies', () => {
  it('clone is deep, copy shares keys', () => {
    const s = ks('user:/a', 'user:/b')
    const deep = s.clone()
    const shallow = s.copy()
    deep.lookup('user:/a')?.setString('changed')
    deep.remove('user:/b')
    expect(s.lookup('user:/a')?.value).toBe('user:/a')
    expect(s.size).toBe(2)
    shallow.lookup('user:/a')?.setString('shared')
    shallow.add(Key.create('user:/c'))
    expect(s.lookup('user:/a')?.value).toBe('shared')
    expect(s.size).toBe(2)
  })
  it('filter keeps order', () => {
    const s = ks('/c', '/a', '/b')
    expect(s.filter(k => k.name.canonical !== '/b').names()).toEqual(['/a', '/c'])
  })
})

// A model check: random operations against a plain Map, order checked with Buffer.compare.
describe('KeySet model', () => {
  const part = fc.oneof(
    fc.constantFrom('a', 'b', '%', '#0', '#_10', 'a/b', '', 'ä', '😀', '\uFFFD'),
    fc.string({ maxLength: 3 })
  )
  const name = fc
    .tuple(
      fc.constantFrom(...NAMESPACES),
      fc.array(
        part.filter(p => !p.includes('\0')),
        { maxLength: 3 }
      )
    )
    .map(([ns, ps]) => keyNameFromParts(ns, ps))
  // distinct seed keys, so that sets are large enough (>= 256) for the batched path
  const pool = Array.from({ length: 400 }, (_, i) =>
    keyNameFromParts(NAMESPACES[i % 8]!, ['s', String(i)])
  )
  const seedNames = (count: number): KeyName[] => pool.slice(0, count)
  // operations hit seed keys too (replacing or removing keys that were in order before a batch)
  const opName = fc.oneof(name, fc.constantFrom(...pool.slice(0, 40)), fc.constantFrom(...pool))
  const ops = (readWeight: number) =>
    fc.array(
      fc.oneof(
        { weight: 40, arbitrary: opName.map(n => ({ t: 'add' as const, n })) },
        { weight: 20, arbitrary: opName.map(n => ({ t: 'remove' as const, n })) },
        { weight: readWeight, arbitrary: opName.map(n => ({ t: 'below' as const, n })) },
        { weight: readWeight, arbitrary: opName.map(n => ({ t: 'cut' as const, n })) }
      ),
      { maxLength: 600 }
    )
  const byBytes = (a: KeyName, b: KeyName): number =>
    Buffer.compare(unescapedBytes(a), unescapedBytes(b))

  const check = (readWeight: number) =>
    fc.property(ops(readWeight), fc.integer({ min: 0, max: 400 }), (ops, seedCount) => {
      const set = new KeySet()
      const model = new Map<string, Key>()
      for (const n of seedNames(seedCount)) {
        const k = Key.create(n, 'seed')
        set.add(k)
        model.set(n.sortKey, k)
      }
      for (const o of ops) {
        if (o.t === 'add') {
          const k = Key.create(o.n, 'v')
          set.add(k)
          model.set(o.n.sortKey, k)
        } else if (o.t === 'remove') {
          expect(set.remove(o.n)).toBe(model.get(o.n.sortKey))
          model.delete(o.n.sortKey)
        } else if (o.t === 'below') {
          const want = [...model.values()]
            .filter(
              k =>
                k.name.namespace === o.n.namespace &&
                isBelowOrSame(o.n, k.name) &&
                k.name.sortKey !== o.n.sortKey
            )
            .sort((a, b) => byBytes(a.name, b.name))
          expect(set.below(o.n)).toEqual(want)
        } else {
          const cut = set.cut(o.n)
          for (const k of cut) {
            expect(k.name.namespace).toBe(o.n.namespace)
            expect(isBelowOrSame(o.n, k.name)).toBe(true)
            model.delete(k.name.sortKey)
          }
        }
        expect(set.size).toBe(model.size)
      }
      const want = [...model.values()].sort((a, b) => byBytes(a.name, b.name))
      const got = set.toArray()
      expect(got.length).toBe(want.length)
      got.forEach((k, i) => expect(k).toBe(want[i]))
      for (const k of want) expect(set.lookup(k.name)).toBe(k)
    })

  it('behaves like a map sorted by unescaped bytes (reads between changes)', () => {
    fc.assert(check(10), { numRuns: 40 })
  })
  it('behaves like a map sorted by unescaped bytes (long runs of changes: batched)', () => {
    fc.assert(check(1), { numRuns: 40 })
  })
})
