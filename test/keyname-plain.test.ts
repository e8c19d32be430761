// appendPlain builds names by concatenation (readers of large files); it must give exactly what
// parsing gives, with the parts split lazily.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  appendPlain,
  isPlainRelative,
  NAMESPACES,
  parseKeyName,
  plainTail,
  rootOf,
  validateKeyName,
  type KeyName
} from '../src/kdb/keyname.js'

const plain = (k: KeyName) => ({ canonical: k.canonical, namespace: k.namespace, parts: [...k.parts], sortKey: k.sortKey })

// parts from an alphabet with the characters isPlainRelative looks at
const part = fc.stringMatching(/^[a-z0-9.#%\\ ~_-]{0,4}$/)
const rel = fc.array(part, { minLength: 1, maxLength: 4 }).map(ps => ps.join('/'))
const base = fc.oneof(
  fc.constantFrom(...NAMESPACES).map(ns => rootOf(ns)),
  fc.constantFrom('user:/a', 'system:/elektra/record/session', '/x/y', 'user:/a\\/', 'dir:/#_10').map(parseKeyName)
)

describe('appendPlain', () => {
  it('gives the parsed name for every relative name isPlainRelative accepts', () => {
    fc.assert(
      fc.property(base, rel, (b, r) => {
        if (!isPlainRelative(r)) return
        const full = (b.parts.length === 0 ? b.canonical : b.canonical + '/') + r
        expect(validateKeyName(full)).toBeNull()
        const got = appendPlain(b, r)
        expect(got).not.toBeNull()
        expect(plain(got as KeyName)).toEqual(plain(parseKeyName(full)))
      }),
      { numRuns: 500 }
    )
  })

  it('keeps a given sort key and splits the parts only once', () => {
    const k = appendPlain(parseKeyName('user:/a/b'), 'c/d', 'given') as KeyName
    expect(k.sortKey).toBe('given')
    expect(k.parts).toEqual(['a', 'b', 'c', 'd'])
    expect(k.parts).toBe(k.parts)
  })

  it('plainTail slices the relative name of appended names only', () => {
    const k = appendPlain(parseKeyName('user:/a'), 'b/c') as KeyName
    expect(plainTail(k, 'user:/a/'.length)).toBe('b/c')
    expect(plainTail(k, 'user:/a/b/'.length)).toBe('c')
    expect(plainTail(k, k.canonical.length + 5)).toBe('')
    expect(plainTail(k, 'user:/'.length)).toBeNull()
    expect(plainTail(parseKeyName('user:/a/b/c'), 8)).toBeNull()
  })

  it('refuses the #3902 base that has no parts but is not a root', () => {
    expect(appendPlain(parseKeyName('user:/%'), 'a')).toBeNull()
  })

  it('isPlainRelative rejects what needs canonicalising or unescaping', () => {
    for (const r of ['', '/a', 'a/', 'a//b', '.a', 'a/.b', 'a\\b', '%', 'a/#0', 'ä', 'a\tb'])
      expect(isPlainRelative(r)).toBe(false)
    for (const r of ['a', 'a/b', 'a.b/c-d', 'x y/~'])
      expect(isPlainRelative(r)).toBe(true)
  })
})
