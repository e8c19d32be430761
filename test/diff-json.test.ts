import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { calculate } from '../src/recorder/diff.js'
import { DiffJsonError, fromJson, toJson } from '../src/recorder/diff-json.js'

const bytes = (...b: number[]) => new Uint8Array(b)

function sample() {
  const before = new KeySet([
    Key.create('user:/app/z', 'old', { type: 'string', 'comment/#0': 'c' }),
    Key.create('user:/app/bin', bytes(1, 2)),
    Key.create('system:/gone', null)
  ])
  const after = new KeySet([
    Key.create('user:/app/z', 'new', { type: 'string', 'comment/#0': 'c' }),
    Key.create('user:/app/bin', bytes(0, 255, 3)),
    Key.create('user:/app', ''),
    Key.create('dir:/x', null, { binary: '' })
  ])
  return calculate(before, after, null)
}

describe('toJson', () => {
  it('writes DESIGN.md’s shape: canonical names in Elektra order, meta without meta:/, base64', () => {
    const asserts = new KeySet([Key.create('user:/app/z', 'old')])
    const json = toJson(sample(), asserts)
    expect(json).toEqual({
      parent: null,
      added: {
        'dir:/x': { value: null, meta: { binary: '' } },
        'user:/app': { value: '', meta: {} }
      },
      modified: {
        'user:/app/bin': {
          old: { value: { base64: 'AQI=' }, meta: { binary: '' } },
          new: { value: { base64: 'AP8D' }, meta: { binary: '' } }
        },
        'user:/app/z': {
          old: { value: 'old', meta: { 'comment/#0': 'c', type: 'string' } },
          new: { value: 'new', meta: { 'comment/#0': 'c', type: 'string' } }
        }
      },
      removed: { 'system:/gone': { value: null, meta: {} } },
      asserts: { 'user:/app/z': { value: 'old', meta: {} } }
    })
    expect(Object.keys(json.added)).toEqual(['dir:/x', 'user:/app'])
    expect(JSON.stringify(json)).toContain('"parent":null')
  })

  it('keeps the parent and a metakey named __proto__', () => {
    const d = calculate(
      new KeySet(),
      new KeySet([Key.create('user:/a', 'v', [['__proto__', 'x']])]),
      parseKeyName('user:/')
    )
    const json = toJson(d)
    expect(json.parent).toBe('user:/')
    expect(JSON.parse(JSON.stringify(json)).added['user:/a'].meta).toEqual(
      JSON.parse('{"__proto__":"x"}')
    )
    const back = fromJson(JSON.parse(JSON.stringify(json)))
    expect(back.diff.added.lookup('user:/a')?.meta.get('__proto__')).toBe('x')
  })
})

describe('fromJson', () => {
  it('reads back what toJson wrote', () => {
    const asserts = new KeySet([Key.create('user:/app/z', 'old', { 'elektra/assert': '1' })])
    const json = toJson(sample(), asserts)
    const back = fromJson(JSON.parse(JSON.stringify(json)))
    expect(toJson(back.diff, back.asserts)).toEqual(json)
    expect(back.diff.modifiedNew.lookup('user:/app/bin')?.value).toEqual(bytes(0, 255, 3))
  })

  it('accepts non-canonical spellings and missing parts of the document', () => {
    const back = fromJson({ added: { 'user:///a/./b': { value: 'v', meta: { 'meta:/type': 'x' } } } })
    expect(back.diff.added.names()).toEqual(['user:/a/b'])
    expect(back.diff.added.lookup('user:/a/b')?.meta.get('type')).toBe('x')
    expect(back.diff.parent).toBeNull()
    expect(back.asserts.size).toBe(0)
  })

  const bad: [string, unknown, string][] = [
    ['not an object', [], '$: expected an object'],
    ['unknown field', { add: {} }, '$.add: unknown field'],
    ['bad parent', { parent: 'nope' }, '$.parent: invalid key name'],
    ['bad name', { added: { 'x/y': { value: '' } } }, '$.added["x/y"]: invalid key name'],
    ['cascading name', { removed: { '/a': { value: '' } } }, 'cannot hold cascading key /a'],
    ['name twice', { added: { 'user:/a': { value: '' } }, removed: { 'user:///a': { value: '' } } },
      '$.removed["user:///a"]: key user:/a is also at $.added["user:/a"]'],
    ['number value', { added: { 'user:/a': { value: 1 } } }, '$.added["user:/a"].value: expected'],
    ['bad base64', { added: { 'user:/a': { value: { base64: 'a' } } } }, '.value.base64: not valid base64'],
    ['string on binary key', { added: { 'user:/a': { value: 'x', meta: { binary: '' } } } },
      'needs {"base64"'],
    ['meta value not a string', { added: { 'user:/a': { value: 'x', meta: { t: 1 } } } },
      '$.added["user:/a"].meta["t"]: expected a string'],
    ['modified without new', { modified: { 'user:/a': { old: { value: 'x' } } } },
      '$.modified["user:/a"].new: expected an object'],
    ['NUL in a string', { added: { 'user:/a': { value: 'a\u0000b' } } }, 'cannot contain NUL']
  ]
  it.each(bad)('%s → error naming the place', (_, input, message) => {
    expect(() => fromJson(input)).toThrow(DiffJsonError)
    expect(() => fromJson(input)).toThrow(message)
  })
})
