// Algebraic laws of the dump codec on random key sets: read(write(x)) = x and write is a fixpoint.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readDump } from '../src/kdb/dump-read.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import {
  keyNameFromParts,
  parseKeyName,
  type KeyName
} from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'

// lone surrogates cannot be UTF-8 encoded, so they are not valid names or values
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

// parts that exercise escaping, canonical arrays, the %-quirk and multi-byte UTF-8
const specialPart = fc.constantFrom(
  'abc',
  'key1',
  'a.b',
  'a:b',
  '',
  '%',
  '.',
  '..',
  '...',
  '/',
  'a/b',
  '\\',
  'x\\',
  '\\/',
  '#',
  '#0',
  '#5',
  '#12',
  '#_10',
  '#01',
  '#12ab',
  'user:',
  '$key',
  'sp ace',
  'line\nbreak',
  'ä',
  '€',
  '😀',
  '\uFFFD',
  '\x01',
  '\t'
)
const noNul = (s: string): boolean =>
  !s.includes('\0') && !LONE_SURROGATE.test(s)
const anyPart = fc.oneof(
  specialPart,
  fc.string({ unit: 'binary', maxLength: 6 }).filter(noNul),
  fc.string({ unit: 'binary-ascii', maxLength: 6 }).filter(noNul)
)
const relParts = fc.array(anyPart, { maxLength: 3 })

const stringValue = fc.oneof(
  fc.constantFrom(
    '',
    '$end',
    '$end\n',
    '\n',
    'kdbOpen 2\n$key string 1 1\na\nb\n',
    ' x ',
    '\r\n'
  ),
  fc.string({ unit: 'binary', maxLength: 12 }).filter(noNul)
)
const binaryValue = fc.oneof(
  fc.constant(null),
  // an empty binary value is "no value" (setBinary stores null)
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ minLength: 1, maxLength: 10 }),
  fc.constant(new Uint8Array([0])),
  fc.constant(new Uint8Array([0x24, 0x65, 0x6e, 0x64, 0x0a]))
)

const metaNames = fc.constantFrom(
  'type',
  'comment/#0',
  'comment/#_10',
  'check/range',
  'order',
  'a b',
  'ü',
  '',
  'x/y/z'
)
const meta = fc.dictionary(metaNames, stringValue, { maxKeys: 3 })

const parents = [
  'user:/tests/dump',
  'system:/',
  'user:/a/%',
  'dir:/x\\/y/#_10',
  'spec:/ä'
]

interface Spec {
  rel: string[]
  value: { binary: boolean; v: string | Uint8Array | null }
  meta: Record<string, string>
}

const keySpec: fc.Arbitrary<Spec> = fc.record({
  rel: relParts,
  value: fc.oneof(
    stringValue.map(v => ({ binary: false, v })),
    binaryValue.map(v => ({ binary: true, v }))
  ),
  meta
})

/** A key set below `parent`, where some keys share a metakey object of an earlier key. */
function build(
  parent: KeyName,
  specs: Spec[],
  shares: Array<[number, number, number]>
): KeySet {
  const ks = new KeySet()
  for (const s of specs) {
    const name = keyNameFromParts(parent.namespace, [...parent.parts, ...s.rel])
    const k = Key.create(name, null, s.meta)
    if (s.value.binary) k.setBinary(s.value.v as Uint8Array | null)
    else k.setString(s.value.v as string)
    ks.add(k)
  }
  const keys = ks.toArray()
  for (const [a, b, m] of shares) {
    if (keys.length < 2) break
    const i = a % keys.length
    const j = b % keys.length
    if (i >= j) continue
    const src = keys[i] as Key
    const dst = keys[j] as Key
    const names = [...src.meta.keys()].filter(n => n !== 'binary')
    const n = names[m % Math.max(1, names.length)]
    if (n === undefined) continue
    // re-setting a metakey others share from would leave them holding the old object
    if (keys.some(k => k.metaShared?.get(n) === dst.name.canonical)) continue
    dst.setMeta(n, src.meta.get(n) as string)
    const owner = src.metaShared?.get(n) ?? src.name.canonical
    ;(dst.metaShared ??= new Map()).set(n, owner)
  }
  return ks
}

function snapshot(ks: KeySet): unknown[] {
  return ks.toArray().map(k => ({
    name: k.name.canonical,
    // the reader builds plain names itself: they must equal the parser's
    parts: k.name.parts,
    sortKey: k.name.sortKey,
    value:
      k.value instanceof Uint8Array
        ? [...k.value]
        : k.value === null && !k.isBinary()
          ? ''
          : k.value,
    binary: k.isBinary(),
    meta: Object.fromEntries(k.meta),
    shared: Object.fromEntries(k.metaShared ?? [])
  }))
}

const cases = fc.record({
  parent: fc.constantFrom(...parents),
  fullNames: fc.boolean(),
  specs: fc.array(keySpec, { maxLength: 12 }),
  shares: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 6 })
})

describe('dump round trip', () => {
  it('read(write(x)) has the same keys, values, metadata and sharing', () => {
    fc.assert(
      fc.property(cases, c => {
        const parent = parseKeyName(c.parent)
        const ks = build(parent, c.specs, c.shares)
        const bytes = writeDump(ks, parent, { fullNames: c.fullNames })
        const back = readDump(bytes, parent, { fullNames: c.fullNames })
        expect(snapshot(back)).toEqual(snapshot(ks))
      }),
      { numRuns: 400 }
    )
  })

  it('write(read(write(x))) is byte-identical to write(x)', () => {
    fc.assert(
      fc.property(cases, c => {
        const parent = parseKeyName(c.parent)
        const opts = { fullNames: c.fullNames }
        const once = writeDump(build(parent, c.specs, c.shares), parent, opts)
        const twice = writeDump(readDump(once, parent, opts), parent, opts)
        expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true)
      }),
      { numRuns: 400 }
    )
  })
})
