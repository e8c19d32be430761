import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  canonicalMetaName,
  Key,
  keysDiffer,
  metaDiffers,
  valueBytes,
  valuesDiffer
} from '../src/kdb/key.js'
import { KeyNameError, keyNameFromParts, parseKeyName } from '../src/kdb/keyname.js'

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b)

describe('canonicalMetaName', () => {
  it('accepts meta:/x, x, /x, x/ and x/./ for the same metakey', () => {
    for (const n of ['meta:/x', 'x', '/x', 'x/', 'x/./', '//x//'])
      expect(canonicalMetaName(n)).toBe('x')
  })
  it('canonicalises array parts and keeps escapes', () => {
    expect(canonicalMetaName('comment/#10')).toBe('comment/#_10')
    expect(canonicalMetaName('meta:/comment/#0')).toBe('comment/#0')
    expect(canonicalMetaName('a\\/b')).toBe('a\\/b')
    expect(canonicalMetaName('meta:/\\%')).toBe('\\%')
    expect(canonicalMetaName('/\\%')).toBe('\\%')
    // every canonical name is accepted again (libelektra's keyAddName would reject this one)
    expect(canonicalMetaName('\\%')).toBe('\\%')
  })
  it('names the metakey meta:/ itself with ""', () => {
    expect(canonicalMetaName('')).toBe('')
    expect(canonicalMetaName('meta:/')).toBe('')
  })
  it('is a fixed point on canonical names (copying metadata by name always works)', () => {
    const part = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.constantFrom('', '%', '.', '..', '#10', '#_10', '\\', '/')
    )
    fc.assert(
      fc.property(
        fc.array(
          part.filter(p => !p.includes('\0')),
          { maxLength: 3 }
        ),
        parts => {
          const n = keyNameFromParts('meta', parts).canonical.slice('meta:/'.length)
          expect(canonicalMetaName(n)).toBe(n)
          expect(canonicalMetaName('meta:/' + n)).toBe(n)
        }
      )
    )
  })
  it('rejects invalid names instead of silently using meta:/', () => {
    expect(() => canonicalMetaName('a\\x')).toThrow(KeyNameError)
    expect(() => canonicalMetaName('a\\x')).toThrow(/metakey/)
  })
})

describe('Key values', () => {
  it('create with a string makes a string key', () => {
    const k = Key.create('user:/a', 'v')
    expect(k.value).toBe('v')
    expect(k.isBinary()).toBe(false)
    expect(k.name.canonical).toBe('user:/a')
  })
  it('create with bytes makes a binary key; zero bytes are no value', () => {
    const k = Key.create('user:/a', bytes(0, 1))
    expect(k.isBinary()).toBe(true)
    expect(k.getMeta('binary')).toBe('')
    expect(Key.create('user:/a', bytes()).value).toBeNull()
  })
  it('create with meta binary turns a string into its UTF-8 bytes', () => {
    const k = Key.create('user:/a', 'ä', { 'meta:/binary': '' })
    expect(k.value).toEqual(bytes(0xc3, 0xa4))
  })
  it('setString drops binary and origvalue; setBinary adds binary', () => {
    const k = Key.create('user:/a', bytes(1), { origvalue: 'x', type: 'string' })
    k.setString('s')
    expect([...k.meta.keys()]).toEqual(['type'])
    k.setBinary(bytes(2))
    expect(k.isBinary()).toBe(true)
    expect(k.value).toEqual(bytes(2))
  })
  it('setMeta binary converts the value both ways', () => {
    const k = Key.create('user:/a', 'ab')
    k.setMeta('binary', '')
    expect(k.value).toEqual(bytes(0x61, 0x62))
    k.setMeta('/binary/', null)
    expect(k.value).toBe('ab')
  })
  it('rejects NUL in string values and meta values', () => {
    expect(() => Key.create('user:/a', 'a\0b')).toThrow(/user:\/a/)
    expect(() => Key.create('user:/a').setMeta('x', '\0')).toThrow(/meta:\/x/)
  })
  it('valueBytes encodes strings as UTF-8', () => {
    expect(valueBytes(Key.create('/a', '€'))).toEqual(bytes(0xe2, 0x82, 0xac))
    expect(valueBytes(Key.create('/a'))).toEqual(bytes())
  })
})

describe('Key metadata', () => {
  it('setMeta/getMeta canonicalise names; null removes', () => {
    const k = Key.create('user:/a')
    k.setMeta('meta:/comment/#10', 'c')
    expect(k.getMeta('comment/#_10')).toBe('c')
    expect(k.getMeta('/comment/#10/')).toBe('c')
    expect(k.hasMeta('comment/#_10')).toBe(true)
    k.setMeta('comment/#_10', null)
    expect(k.meta.size).toBe(0)
  })
  it('metaEntries are in libelektra order, not string order', () => {
    const k = Key.create('user:/a', null, {
      type: 't',
      'comment/#_10': 'c10',
      'comment/#9': 'c9',
      'check/a': 'x',
      check: 'y',
      'a-b': 'z',
      binary: ''
    })
    expect(k.metaEntries().map(e => e[0])).toEqual([
      'a-b',
      'binary',
      'check',
      'check/a',
      'comment/#9',
      'comment/#_10',
      'type'
    ])
  })
  it('setting a metakey ends its sharing', () => {
    const k = Key.create('user:/b', 'v', { c: 'x' })
    k.metaShared = new Map([['c', 'user:/a']])
    k.setMeta('c', 'y')
    expect(k.metaShared.has('c')).toBe(false)
  })
})

describe('Key.clone', () => {
  it('never shares mutable state with the original', () => {
    const k = Key.create('user:/a', bytes(1, 2), { x: '1' })
    k.metaShared = new Map([['x', 'user:/o']])
    const c = k.clone()
    ;(c.value as Uint8Array)[0] = 9
    c.setMeta('x', '2')
    c.setMeta('y', '3')
    expect(k.value).toEqual(bytes(1, 2))
    expect(k.getMeta('x')).toBe('1')
    expect(k.hasMeta('y')).toBe(false)
    expect(k.metaShared.get('x')).toBe('user:/o')
    expect(c.name).toBe(k.name)
  })
  it('copies Buffer values instead of sharing their memory', () => {
    const k = Key.create('user:/a', Buffer.from([1, 2]))
    expect(Object.getPrototypeOf(k.value)).toBe(Uint8Array.prototype)
    const c = k.clone()
    ;(c.value as Uint8Array)[0] = 9
    expect(k.value).toEqual(bytes(1, 2))
    const raw = new Key(k.name, Buffer.from([3]), new Map([['binary', '']]))
    const rc = raw.clone()
    ;(rc.value as Uint8Array)[0] = 7
    expect(raw.value).toEqual(Buffer.from([3]))
  })
  it('withName copies under another name', () => {
    const k = Key.create('user:/a', 'v', { m: '1' })
    const c = k.withName('system:/b')
    expect(c.name.canonical).toBe('system:/b')
    expect(c.equals(k)).toBe(true)
  })
})

describe('keysDiffer (recording.md §1.1)', () => {
  const s = (v: string | null, meta?: Record<string, string>): Key => Key.create('user:/k', v, meta)
  const b = (v: Uint8Array | null): Key => {
    const k = Key.create('user:/k')
    k.setBinary(v)
    return k
  }
  it('value cases', () => {
    expect(valuesDiffer(s(null), s(null))).toBe(false)
    expect(valuesDiffer(s(null), s(''))).toBe(true)
    expect(valuesDiffer(s(''), s(null))).toBe(true)
    expect(valuesDiffer(s('ab'), b(bytes(0x61, 0x62)))).toBe(true)
    expect(valuesDiffer(s('ab'), s('ab'))).toBe(false)
    expect(valuesDiffer(s('ab'), s('ac'))).toBe(true)
    expect(valuesDiffer(b(bytes(1, 2)), b(bytes(1, 2)))).toBe(false)
    expect(valuesDiffer(b(bytes(1, 2)), b(bytes(1, 2, 0)))).toBe(true)
    expect(valuesDiffer(b(bytes(1, 2)), b(bytes(1, 3)))).toBe(true)
    expect(valuesDiffer(b(null), s(null))).toBe(false)
  })
  it('meta cases', () => {
    expect(metaDiffers(s('v', { a: '1' }), s('v', { a: '1' }))).toBe(false)
    expect(metaDiffers(s('v', { a: '1' }), s('v', { a: '1', b: '' }))).toBe(true)
    expect(metaDiffers(s('v', { a: '1' }), s('v', { b: '1' }))).toBe(true)
    expect(metaDiffers(s('v', { a: '1' }), s('v', { a: '' }))).toBe(true)
    // metakeys of metakeys are ignored
    const m1 = Key.create('meta:/type', 'string', { x: '1' })
    const m2 = Key.create('meta:/type', 'string')
    expect(keysDiffer(m1, m2)).toBe(false)
  })
  it('names are not compared', () => {
    expect(keysDiffer(Key.create('user:/a', 'v'), Key.create('system:/b', 'v'))).toBe(false)
  })
  it('a key never differs from its clone', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.uint8Array(), fc.constant(null)),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,4}(\/#[0-9])?$/), fc.string()),
        (v, meta) => {
          fc.pre(typeof v !== 'string' || !v.includes('\0'))
          fc.pre(Object.values(meta).every(x => !x.includes('\0')))
          const k = Key.create(parseKeyName('user:/p'), v, meta)
          expect(keysDiffer(k, k.clone())).toBe(false)
        }
      )
    )
  })
})
