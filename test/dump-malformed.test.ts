// A malformed dump file is rejected with a DumpError and never yields a partial key set; a file cut
// exactly at a record boundary reads as a prefix of the original.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DumpError } from '../src/kdb/dump-error.js'
import { readDump } from '../src/kdb/dump-read.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'

// lone surrogates cannot be UTF-8 encoded, so they are not valid names or values
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const parent = parseKeyName('user:/tests/dump')

/** A file with string and binary keys, multi-line values, metadata and a `$copymeta`. */
function sample(): { ks: KeySet; bytes: Uint8Array } {
  const ks = new KeySet()
  ks.add(Key.create('user:/tests/dump', 'root', { comment: 'line 1\nline 2' }))
  ks.add(
    Key.create('user:/tests/dump/a', '$end\n$key string 1 1\n', {
      type: 'string',
      order: '1'
    })
  )
  ks.add(Key.create('user:/tests/dump/b\\/c', new Uint8Array([0, 10, 255, 36])))
  ks.add(Key.create('user:/tests/dump/ü/#_10', 'Grüße €', { type: 'string' }))
  const shared = Key.create('user:/tests/dump/z', '', { order: '1' })
  shared.metaShared = new Map([['order', 'user:/tests/dump/a']])
  ks.add(shared)
  return { ks, bytes: writeDump(ks, parent) }
}

/** What a reader may return for a truncated file: keys in order, each a prefix-consistent copy. */
function expectPrefixOf(got: KeySet, whole: KeySet): void {
  const all = whole.toArray()
  const keys = got.toArray()
  expect(keys.length).toBeLessThanOrEqual(all.length)
  keys.forEach((k, i) => {
    const w = all[i] as Key
    expect(k.name.canonical).toBe(w.name.canonical)
    expect(k.value).toEqual(w.value)
    // only the last key read may miss metadata records that came after the cut
    for (const [m, v] of k.meta) expect(w.meta.get(m)).toBe(v)
    if (i < keys.length - 1) expect(k.meta.size).toBe(w.meta.size)
  })
}

function readOrError(bytes: Uint8Array): KeySet | DumpError {
  try {
    return readDump(bytes, parent, { file: 'cut.ecf' })
  } catch (e) {
    if (e instanceof DumpError) return e
    throw e
  }
}

describe('truncated files', () => {
  it('every cut either fails with DumpError or reads a prefix-consistent set', () => {
    const { ks, bytes } = sample()
    let ok = 0
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = readOrError(bytes.subarray(0, cut))
      if (r instanceof DumpError) {
        expect(r.offset).toBeGreaterThanOrEqual(0)
        expect(r.offset).toBeLessThanOrEqual(cut)
        expect(r.message.startsWith(`cut.ecf: byte ${r.offset}: `)).toBe(true)
      } else {
        ok++
        expectPrefixOf(r, ks)
      }
    }
    // the record boundaries (and the end with or without the final newline) read fine
    expect(ok).toBeGreaterThan(5)
  })

  it('random cuts of random files behave the same way', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ maxLength: 5 }),
            fc.string({ maxLength: 8 }),
            fc.boolean()
          ),
          { maxLength: 8 }
        ),
        fc.nat(),
        (entries, at) => {
          const ks = new KeySet()
          for (const [rel, v, withMeta] of entries) {
            if (
              rel.includes('\0') ||
              v.includes('\0') ||
              LONE_SURROGATE.test(rel) ||
              LONE_SURROGATE.test(v)
            )
              continue
            const k = Key.create(
              parseKeyName('user:/tests/dump'),
              v,
              withMeta ? { type: v } : {}
            )
            ks.add(
              k.withName(
                `user:/tests/dump/${rel.replace(/[\\/]/g, '\\$&').replace(/^(%|\.\.?)$/, '\\$1')}`
              )
            )
          }
          const bytes = writeDump(ks, parent)
          const r = readOrError(bytes.subarray(0, at % (bytes.length + 1)))
          if (!(r instanceof DumpError)) expectPrefixOf(r, ks)
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe('corrupted files', () => {
  it('flipped or inserted bytes give a key set or a DumpError, nothing else', () => {
    const { bytes } = sample()
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()),
          { minLength: 1, maxLength: 4 }
        ),
        edits => {
          let b = Buffer.from(bytes)
          for (const [at, byte, insert] of edits) {
            const i = at % (b.length + 1)
            b = insert
              ? Buffer.concat([
                  b.subarray(0, i),
                  Buffer.from([byte]),
                  b.subarray(i)
                ])
              : Buffer.from(b)
            if (!insert && i < b.length) b[i] = byte
          }
          const r = readOrError(b)
          if (!(r instanceof DumpError)) expect(r).toBeInstanceOf(KeySet)
        }
      ),
      { numRuns: 500 }
    )
  })

  it('random bytes give a key set or a DumpError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (raw, v2) => {
        const b = v2 ? Buffer.concat([Buffer.from('kdbOpen 2\n'), raw]) : raw
        const r = readOrError(b)
        if (!(r instanceof DumpError)) expect(r).toBeInstanceOf(KeySet)
      }),
      { numRuns: 500 }
    )
  })
})
