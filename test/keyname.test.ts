import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addBaseName,
  addName,
  baseName,
  compareKeyNames,
  escapePart,
  isBelow,
  isBelowOrSame,
  isDirectlyBelow,
  KeyNameError,
  keyNameFromParts,
  NAMESPACES,
  namespacePrefix,
  parseKeyName,
  rootOf,
  setBaseName,
  unescapedBytes,
  validateKeyName,
  type Namespace
} from '../src/kdb/keyname.js'

const VECTORS =
  process.env.ELEKTRA_PLAYBOOK_VECTORS ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/vectors')
const vector = <T>(name: string): T =>
  JSON.parse(readFileSync(path.join(VECTORS, name), 'utf8')) as T

interface NameCase {
  input: string
  valid: boolean
  canonical?: string
  namespace?: Namespace
  baseName?: string
  unescapedParts?: string[]
  unescapedHex?: string
}
interface AddNameCase {
  base: string
  input: string
  valid: boolean
  result?: string
  baseName?: string
}
interface BaseNameCase {
  part: string
  escaped: string
  op?: 'add' | 'set'
  parent?: string
  result?: string
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('keynames.json', () => {
  const cases = vector<NameCase[]>('keynames.json')
  it('has all 350 cases', () => expect(cases.length).toBe(350))
  it.each(cases.map(c => [JSON.stringify(c.input), c] as const))('%s', (_, c) => {
    if (!c.valid) {
      expect(validateKeyName(c.input)).toEqual(expect.any(String))
      expect(() => parseKeyName(c.input)).toThrow(KeyNameError)
      return
    }
    expect(validateKeyName(c.input)).toBeNull()
    const k = parseKeyName(c.input)
    expect(k.canonical).toBe(c.canonical)
    expect(k.namespace).toBe(c.namespace)
    expect(baseName(k)).toBe(c.baseName)
    expect(k.parts).toEqual(c.unescapedParts)
    expect(hex(unescapedBytes(k))).toBe(c.unescapedHex)
    // the canonical form is a fixed point
    expect(parseKeyName(k.canonical).canonical).toBe(k.canonical)
  })
})

describe('addname.json', () => {
  const cases = vector<AddNameCase[]>('addname.json')
  it('has all 110 cases', () => expect(cases.length).toBe(110))
  it.each(cases.map(c => [`${c.base} + ${JSON.stringify(c.input)}`, c] as const))('%s', (_, c) => {
    const base = parseKeyName(c.base)
    if (!c.valid) {
      expect(() => addName(base, c.input)).toThrow(KeyNameError)
      return
    }
    const k = addName(base, c.input)
    expect(k.canonical).toBe(c.result)
    expect(baseName(k)).toBe(c.baseName)
    expect(k).toEqual(parseKeyName(c.result as string))
  })
})

describe('basenames.json', () => {
  const cases = vector<BaseNameCase[]>('basenames.json')
  it('has all 83 cases', () => expect(cases.length).toBe(83))
  it.each(cases.map(c => [`${c.op ?? 'escape'} ${JSON.stringify(c.part)}`, c] as const))(
    '%s',
    (_, c) => {
      expect(escapePart(c.part)).toBe(c.escaped)
      if (c.op === undefined) return
      const parent = parseKeyName(c.parent as string)
      const k = c.op === 'add' ? addBaseName(parent, c.part) : setBaseName(parent, c.part)
      expect(k.canonical).toBe(c.result)
      expect(baseName(k)).toBe(c.part)
    }
  )
})

describe('sort-order.json', () => {
  const names = vector<string[]>('sort-order.json')
  const keys = names.map(parseKeyName)
  it('has all 73 names, each canonical', () => {
    expect(names.length).toBe(73)
    for (const k of keys) expect(names).toContain(k.canonical)
  })
  it('sorting a shuffled copy gives the vector order', () => {
    const shuffled = fc.sample(fc.shuffledSubarray(keys, { minLength: keys.length }), 5)
    for (const s of shuffled) expect(s.sort(compareKeyNames).map(k => k.canonical)).toEqual(names)
  })
  it('every pair compares as in the vector', () => {
    for (let i = 0; i < keys.length; i++)
      for (let j = 0; j < keys.length; j++) {
        const a = keys[i]!
        const b = keys[j]!
        expect(Math.sign(compareKeyNames(a, b))).toBe(Math.sign(i - j))
        expect(Math.sign(compareKeyNames(a, b))).toBe(
          Math.sign(Buffer.compare(unescapedBytes(a), unescapedBytes(b)))
        )
      }
  })
})

describe('setBaseName / addBaseName', () => {
  it('removes the last part with null', () => {
    expect(setBaseName(parseKeyName('system:/valid'), null).canonical).toBe('system:/')
    expect(setBaseName(parseKeyName('/a/b\\/c'), null).canonical).toBe('/a')
  })
  it('fails on a root key', () => {
    expect(() => setBaseName(parseKeyName('user:/'), 'x')).toThrow(KeyNameError)
    expect(() => setBaseName(parseKeyName('/'), null)).toThrow(KeyNameError)
  })
  it('adds without a separator to a root key', () => {
    expect(addBaseName(rootOf('user'), 'a/b').canonical).toBe('user:/a\\/b')
  })
  it('appends after a part that ends in an escaped slash (not a root)', () => {
    const base = parseKeyName('user:/a\\/')
    expect(addName(base, 'x').canonical).toBe('user:/a\\//x')
    expect(addName(base, 'x').parts).toEqual(['a/', 'x'])
    expect(addName(parseKeyName('/%'), 'x').parts).toEqual(['', 'x'])
  })
  it('never produces the C bug spelling for #digits followed by other bytes', () => {
    expect(escapePart('#12ab')).toBe('#12ab')
    expect(escapePart('#12/x')).toBe('#12\\/x')
    expect(addBaseName(parseKeyName('/a'), '#12/x').parts).toEqual(['a', '#12/x'])
  })
})

describe('errors', () => {
  it('names the input and the reason', () => {
    try {
      parseKeyName('user:/a/\\x')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(KeyNameError)
      const err = e as KeyNameError
      expect(err.input).toBe('user:/a/\\x')
      expect(err.reason).toMatch(/illegal escape/)
      expect(err.message).toContain('user:/a/\\\\x')
    }
  })
  it('rejects NUL and lone surrogates', () => {
    expect(validateKeyName('/a\0b')).toMatch(/NUL/)
    expect(validateKeyName('/a\uD800')).toMatch(/surrogate/)
    expect(() => keyNameFromParts('user', ['a\0'])).toThrow(KeyNameError)
    expect(() => addName(rootOf('user'), '\uDC00')).toThrow(KeyNameError)
  })
})

describe('hierarchy', () => {
  const n = parseKeyName
  it('isBelow compares unescaped parts', () => {
    expect(isBelow(n('user:/dir'), n('user:/dir/direct\\\\/b'))).toBe(true)
    expect(isDirectlyBelow(n('user:/dir'), n('user:/dir/direct\\\\/b'))).toBe(false)
    expect(isDirectlyBelow(n('user:/dir'), n('user:/dir/a\\/b'))).toBe(true)
    expect(isBelow(n('user:/a'), n('user:/ab'))).toBe(false)
    expect(isBelow(n('user:/a'), n('user:/a'))).toBe(false)
    expect(isBelowOrSame(n('user:/a'), n('user:/a'))).toBe(true)
    expect(isBelow(n('user:/a'), n('system:/a/b'))).toBe(false)
  })
  it('root keys cover their namespace', () => {
    expect(isBelow(n('user:/'), n('user:/a'))).toBe(true)
    expect(isDirectlyBelow(n('user:/'), n('user:/a'))).toBe(true)
    expect(isBelow(n('user:/'), n('system:/a'))).toBe(false)
  })
  it('cascading on either side ignores the namespace (libelektra keyIsBelow)', () => {
    expect(isBelow(n('/a'), n('user:/a/b'))).toBe(true)
    expect(isBelow(n('user:/a'), n('/a/b'))).toBe(true)
    // same parts in another namespace: below-or-same, but not below (0.11 compares sizes)
    expect(isBelow(n('/a'), n('user:/a'))).toBe(false)
    expect(isBelowOrSame(n('/a'), n('user:/a'))).toBe(true)
    expect(isBelow(n('user:/'), n('/x'))).toBe(true)
    expect(isDirectlyBelow(n('/'), n('user:/a'))).toBe(true)
    expect(isBelowOrSame(n('/'), n('user:/x'))).toBe(true)
    // quirk Q9: the cascading root is unrelated to namespace roots
    expect(isBelowOrSame(n('/'), n('user:/'))).toBe(false)
    expect(isBelowOrSame(n('user:/'), n('/'))).toBe(false)
  })
  it('the /% quirk equals the root key', () => {
    expect(compareKeyNames(n('/%'), n('/'))).toBe(0)
    expect(isBelowOrSame(n('/'), n('/%'))).toBe(true)
    expect(isBelow(n('/'), n('/%'))).toBe(false)
  })
})

describe('properties', () => {
  const part = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.constantFrom('', '%', '.', '..', '#', '#0', '#5', '#10', '#_10', '\\', '/', '\\%', '#12ab'),
    fc.stringMatching(/^#[1-9][0-9]{0,20}$/),
    fc.stringMatching(/^[\\/.%#a]{0,6}$/)
  )
  const parts = fc.array(
    part.filter(p => !p.includes('\0')),
    { maxLength: 5 }
  )
  const ns = fc.constantFrom(...NAMESPACES)
  // [''] is the /% quirk: its unescaped form has no parts
  const notQuirk = (ps: string[]): boolean => !(ps.length === 1 && ps[0] === '')

  it('keyNameFromParts round-trips through parseKeyName', () => {
    fc.assert(
      fc.property(ns, parts, (space, ps) => {
        const k = keyNameFromParts(space, ps)
        const again = parseKeyName(k.canonical)
        expect(again).toEqual(k)
        expect(again.namespace).toBe(space)
        if (notQuirk(ps)) expect(again.parts).toEqual(ps)
        expect(k.canonical.startsWith(namespacePrefix(space) + '/')).toBe(true)
      })
    )
  })

  it('escaped parts append as exactly one part', () => {
    fc.assert(
      fc.property(ns, parts, part, (space, ps, p) => {
        fc.pre(!p.includes('\0') && notQuirk(ps))
        const base = keyNameFromParts(space, ps)
        const viaAdd = addName(base, '/' + escapePart(p))
        expect(viaAdd.parts).toEqual(notQuirk([...ps, p]) ? [...ps, p] : [])
        expect(addBaseName(base, p)).toEqual(viaAdd)
      })
    )
  })

  it('compareKeyNames equals Buffer.compare of the unescaped bytes', () => {
    fc.assert(
      fc.property(ns, parts, ns, parts, (n1, p1, n2, p2) => {
        const a = keyNameFromParts(n1, p1)
        const b = keyNameFromParts(n2, p2)
        expect(Math.sign(compareKeyNames(a, b))).toBe(
          Math.sign(Buffer.compare(unescapedBytes(a), unescapedBytes(b)))
        )
      })
    )
  })

  // §2.7 vs §6.3: appending a relative name = parsing `base/relative` as a whole, except that
  // addName sees no part start before a leading `\%`, `\.` (libelektra looks outside the string)
  it('addName agrees with parsing the joined name', () => {
    const rel = fc.stringMatching(/^[a/.%#10_\\:]{0,10}$/)
    fc.assert(
      fc.property(ns, parts, rel, (space, ps, r) => {
        fc.pre(notQuirk(ps))
        fc.pre(!/^\\[%.]/.test(r.replace(/^\/+/, '')))
        const base = keyNameFromParts(space, ps)
        const joined = base.canonical + '/' + r
        const reason = validateKeyName(joined)
        if (reason !== null) {
          expect(() => addName(base, r)).toThrow(KeyNameError)
          return
        }
        expect(addName(base, r)).toEqual(parseKeyName(joined))
      }),
      { numRuns: 500 }
    )
  })
})
