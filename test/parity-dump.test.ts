// The dump codec is one format in two languages: random key sets written by TypeScript's writeDump
// and by the collection's dump.py are byte-identical, and each reads the other's bytes to the same
// keys (values, binary values, metadata, shared metadata). One Python process per batch.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readDump } from '../src/kdb/dump-read.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import { keyNameFromParts, parseKeyName, type KeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'
import { runPython } from './helpers/python.js'

// lone surrogates cannot be UTF-8 encoded, so they are not valid names or values
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const noNul = (s: string): boolean => !s.includes('\0') && !LONE_SURROGATE.test(s)

// parts that exercise escaping, canonical arrays, the %-quirk and multi-byte UTF-8
const specialPart = fc.constantFrom(
  'abc', 'a.b', '', '%', '.', '..', '...', '/', 'a/b', '\\', 'x\\', '\\/', '#', '#0', '#5', '#12', '#_10',
  '#01', '#12ab', 'user:', '$key', 'sp ace', 'line\nbreak', 'ä', '€', '😀', '\uFFFD', '\x01', '\t'
)
const anyPart = fc.oneof(
  specialPart,
  fc.string({ unit: 'binary', maxLength: 6 }).filter(noNul),
  fc.string({ unit: 'binary-ascii', maxLength: 6 }).filter(noNul)
)
const stringValue = fc.oneof(
  fc.constantFrom('', '$end', '$end\n', '\n', 'kdbOpen 2\n$key string 1 1\na\nb\n', ' x ', '\r\n'),
  fc.string({ unit: 'binary', maxLength: 12 }).filter(noNul)
)
const binaryValue = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ minLength: 1, maxLength: 10 }),
  fc.constant(new Uint8Array([0])),
  fc.constant(new Uint8Array([0x24, 0x65, 0x6e, 0x64, 0x0a]))
)
const metaNames = fc.constantFrom('type', 'comment/#0', 'comment/#_10', 'check/range', 'order', 'a b', 'ü', 'x/y/z')
const meta = fc.dictionary(metaNames, stringValue, { maxKeys: 3 })
const parents = ['user:/tests/dump', 'system:/', 'user:/a/%', 'dir:/x\\/y/#_10', 'spec:/ä']

interface Spec {
  rel: string[]
  value: { binary: boolean; v: string | Uint8Array | null }
  meta: Record<string, string>
}
const keySpec: fc.Arbitrary<Spec> = fc.record({
  rel: fc.array(anyPart, { maxLength: 3 }),
  value: fc.oneof(
    stringValue.map(v => ({ binary: false, v })),
    binaryValue.map(v => ({ binary: true, v }))
  ),
  meta
})
const cases = fc.record({
  parent: fc.constantFrom(...parents),
  fullNames: fc.boolean(),
  specs: fc.array(keySpec, { maxLength: 12 }),
  shares: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 6 })
})

/** A key set below `parent`, where some keys share a metakey object of an earlier key. */
function build(parent: KeyName, specs: Spec[], shares: Array<[number, number, number]>): KeySet {
  const ks = new KeySet()
  for (const s of specs) {
    const k = Key.create(keyNameFromParts(parent.namespace, [...parent.parts, ...s.rel]), null, s.meta)
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
    if (keys.some(k => k.metaShared?.get(n) === dst.name.canonical)) continue
    dst.setMeta(n, src.meta.get(n) as string)
    ;(dst.metaShared ??= new Map()).set(n, src.metaShared?.get(n) ?? src.name.canonical)
  }
  return ks
}

interface KeyJson {
  name: string
  binary: boolean
  value: string | null
  meta: Record<string, string>
  shared: Record<string, string>
}

function toJson(ks: KeySet): KeyJson[] {
  return ks.toArray().map(k => ({
    name: k.name.canonical,
    binary: k.isBinary(),
    value:
      k.value instanceof Uint8Array
        ? Buffer.from(k.value).toString('base64')
        : k.isBinary()
          ? null
          : (k.value ?? ''),
    meta: Object.fromEntries(k.meta),
    shared: Object.fromEntries(k.metaShared ?? [])
  }))
}

interface PyDumps {
  results: Array<{ written?: string; writeError?: string; read?: KeyJson[]; readError?: string }>
}

describe('dump format parity (TypeScript ↔ Python)', () => {
  it('random key sets: the same bytes from both writers, the same keys from both readers', async () => {
    const sample = fc.sample(cases, { numRuns: 400, seed: 20261126 })
    const batch = sample.map(c => {
      const parent = parseKeyName(c.parent)
      const ks = build(parent, c.specs, c.shares)
      const bytes = writeDump(ks, parent, { fullNames: c.fullNames })
      const b64 = Buffer.from(bytes).toString('base64')
      return { parent: c.parent, fullNames: c.fullNames, keys: toJson(ks), bytes: b64, ts: bytes }
    })
    const py = await runPython<PyDumps>('dumps', {
      cases: batch.map(({ ts: _ts, ...rest }) => rest)
    })
    expect(py.results).toHaveLength(batch.length)
    for (const [i, c] of batch.entries()) {
      const r = py.results[i]!
      const where = JSON.stringify({ parent: c.parent, fullNames: c.fullNames, keys: c.keys })
      expect(r.writeError, where).toBeUndefined()
      expect(r.readError, where).toBeUndefined()
      expect(r.written, where).toBe(c.bytes)
      const tsRead = toJson(readDump(c.ts, parseKeyName(c.parent), { fullNames: c.fullNames }))
      expect(r.read, where).toEqual(tsRead)
    }
  })

  it('every shared dump vector: both read the same keys (or both refuse it), both write the same bytes', async () => {
    const files = dumpFiles(path.join(vectors, 'dump'))
    expect(files.length).toBeGreaterThan(10)
    const batch = files.map(f => {
      const expected = JSON.parse(readFileSync(f.replace(/\.dump$/, '.json'), 'utf8')) as {
        parentKey: string
        fullNames: boolean
      }
      const bytes = readFileSync(f)
      const parent = parseKeyName(expected.parentKey)
      let keys: KeyJson[] | null = null
      let written: string | null = null
      try {
        const ks = readDump(bytes, parent, { fullNames: expected.fullNames })
        keys = toJson(ks)
        // a key moved out of the parent by `..` cannot be written back: Python must refuse it too
        written = Buffer.from(writeDump(ks, parent, { fullNames: expected.fullNames })).toString('base64')
      } catch {
        // refused by TypeScript (reading or writing): Python must refuse it too
      }
      const b64 = bytes.toString('base64')
      return { file: f, parent: expected.parentKey, fullNames: expected.fullNames, bytes: b64, keys, written }
    })
    const py = await runPython<PyDumps>('dumps', {
      cases: batch.map(c => ({ parent: c.parent, fullNames: c.fullNames, bytes: c.bytes, keys: c.keys ?? [] }))
    })
    for (const [i, c] of batch.entries()) {
      const r = py.results[i]!
      if (c.keys === null) {
        expect(r.readError, c.file).toBeDefined()
        continue
      }
      expect(r.read, c.file).toEqual(c.keys)
      if (c.written === null) expect(r.writeError, c.file).toBeDefined()
      else expect(r.written, c.file).toBe(c.written)
    }
  })
})

const vectors =
  process.env.ELEKTRA_PLAYBOOK_VECTORS ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/vectors')

function dumpFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap(f => {
      const p = path.join(dir, f)
      return statSync(p).isDirectory() ? dumpFiles(p) : p.endsWith('.dump') ? [p] : []
    })
    .sort()
}
