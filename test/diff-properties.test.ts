import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { keyNameFromParts, parseKeyName, type KeyName, type Namespace } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { append } from '../src/recorder/append.js'
import { calculate } from '../src/recorder/diff.js'
import { fromJson, toJson } from '../src/recorder/diff-json.js'
import { applyDiff, cut, invertDiff, removeOther } from '../src/recorder/diff-ops.js'
import { scopeTest } from '../src/recorder/scope.js'

// A small name alphabet so that the three sets share many names.
const NAMESPACES: Namespace[] = ['cascading', 'spec', 'dir', 'user', 'system', 'default']
const nameArb: fc.Arbitrary<KeyName> = fc
  .tuple(
    fc.constantFrom(...NAMESPACES),
    fc.array(fc.constantFrom('a', 'b', '', 'a/b'), { maxLength: 3 })
  )
  // the single empty part spells the root as `ns:/%` (upstream #3902): same key, other spelling
  .map(([ns, parts]) => keyNameFromParts(ns, parts.length === 1 && parts[0] === '' ? [] : parts))

const valueArb = fc.oneof(
  fc.constant<string | null>(null),
  fc.constantFrom('', 'x', 'y', 'a\nb'),
  fc.constantFrom(new Uint8Array([120]), new Uint8Array([0, 255]))
)
const metaArb = fc.dictionary(
  fc.constantFrom('type', 'comment/#0', 'check/enum'),
  fc.constantFrom('', 'long', 'x'),
  { maxKeys: 2 }
)
const keyArb = fc
  .tuple(nameArb, valueArb, metaArb, fc.boolean())
  .map(([n, v, m, binaryNull]) => {
    const k = Key.create(n, v, m)
    if (v === null && binaryNull) k.setBinary(null)
    return k
  })
const ksArb = fc.array(keyArb, { maxLength: 12 }).map(keys => new KeySet(keys))
const parentArb = fc.constantFrom<string | null>(
  null,
  '/',
  'user:/',
  'user:/a',
  '/a',
  'system:/a/b',
  'dir:/%'
)
const parentName = (p: string | null) => (p === null ? null : parseKeyName(p))

/** The keys a diff with this parent can speak about. */
function visible(ks: KeySet, parent: KeyName | null): KeySet {
  const inScope = scopeTest(parent)
  return ks.filter(k => k.name.namespace !== 'cascading' && inScope(k.name))
}
const entries = (ks: KeySet) => toJson({ ...emptySets(), added: ks }).added
const emptySets = () => ({
  parent: null,
  added: new KeySet(),
  modifiedOld: new KeySet(),
  modifiedNew: new KeySet(),
  removed: new KeySet()
})

const RUNS = { numRuns: 300 }

describe('diff laws', () => {
  it('append(diff(A,B), diff(B,C)) = diff(A,C), without warnings', () => {
    fc.assert(
      fc.property(ksArb, ksArb, ksArb, parentArb, (a, b, c, p) => {
        const parent = parentName(p)
        const session = calculate(a, b, parent)
        const warnings = append(session, calculate(b, c, parent), parent)
        expect(warnings).toEqual([])
        expect(toJson(session)).toEqual(toJson(calculate(a, c, parent)))
      }),
      RUNS
    )
  })

  it('applying diff(A,B) to A gives B (within the scope), and leaves the rest of A', () => {
    fc.assert(
      fc.property(ksArb, ksArb, parentArb, (a, b, p) => {
        const parent = parentName(p)
        const ks = a.copy()
        applyDiff(ks, calculate(a, b, parent))
        expect(entries(visible(ks, parent))).toEqual(entries(visible(b, parent)))
        const outside = (s: KeySet) => s.filter(k => !visible(s, parent).has(k.name))
        expect(entries(outside(ks))).toEqual(entries(outside(a)))
      }),
      RUNS
    )
  })

  it('applying the inverse of diff(A,B) to B gives A', () => {
    fc.assert(
      fc.property(ksArb, ksArb, (a, b) => {
        const ks = b.copy()
        applyDiff(ks, invertDiff(calculate(a, b, null)))
        expect(entries(visible(ks, null))).toEqual(entries(visible(a, null)))
      }),
      RUNS
    )
  })

  it('the names option gives the full result when every name is passed', () => {
    fc.assert(
      fc.property(ksArb, ksArb, parentArb, (a, b, p) => {
        const parent = parentName(p)
        const names = [...a, ...b].map(k => k.name.sortKey)
        expect(toJson(calculate(a, b, parent, { names }))).toEqual(toJson(calculate(a, b, parent)))
      }),
      RUNS
    )
  })

  it('cut(diff(A,B), P) = diff(A,B,P); removeOther gives the same for namespaced P', () => {
    fc.assert(
      fc.property(ksArb, ksArb, parentArb, (a, b, p) => {
        const parent = parentName(p)
        const whole = calculate(a, b, null)
        const scoped = toJson(calculate(a, b, parent))
        const rest = calculate(a, b, null)
        expect(toJson(cut(rest, parent))).toEqual(scoped)
        const total = toJson(whole)
        const back = toJson(rest)
        // nothing is lost: what was cut plus what stayed is the whole diff
        for (const part of ['added', 'modified', 'removed'] as const)
          expect(Object.keys(scoped[part]).length + Object.keys(back[part]).length).toBe(
            Object.keys(total[part]).length
          )
        if (p === null || !p.startsWith('/')) {
          removeOther(whole, parent)
          expect(toJson(whole)).toEqual(scoped)
        }
      }),
      RUNS
    )
  })

  it('diff-json round-trips', () => {
    fc.assert(
      fc.property(ksArb, ksArb, ksArb, parentArb, (a, b, asserts, p) => {
        const d = calculate(a, b, parentName(p))
        const json = toJson(d, visible(asserts, null))
        const back = fromJson(JSON.parse(JSON.stringify(json)))
        expect(toJson(back.diff, back.asserts)).toEqual(json)
      }),
      RUNS
    )
  })
})
