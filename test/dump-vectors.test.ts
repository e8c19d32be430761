// Every dump vector in ../shared/vectors/dump reads to its .json and writes back byte-exactly.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DumpError, type DumpErrorCode } from '../src/kdb/dump-error.js'
import { readDump } from '../src/kdb/dump-read.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import type { KeySet } from '../src/kdb/keyset.js'

const vectors =
  process.env.ELEKTRA_PLAYBOOK_VECTORS ??
  path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../shared/vectors'
  )
const dumpDir = path.join(vectors, 'dump')

interface Expected {
  parentKey: string
  fullNames: boolean
  result: 'ok' | 'error'
  errorKind?: string
  keys?: Record<
    string,
    {
      value: string | null
      binary?: boolean
      meta: Record<string, string>
      sharedMetaFrom?: Record<string, string>
    }
  >
  writtenBack?: string | null
}

function dumpFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap(f => {
      const p = path.join(dir, f)
      return statSync(p).isDirectory()
        ? dumpFiles(p)
        : p.endsWith('.dump')
          ? [p]
          : []
    })
    .sort()
}

// the vectors' error kinds are prose; ours are codes
const codeOf: Array<[string, DumpErrorCode]> = [
  ['expected newline', 'expected-newline'],
  ['unknown command', 'unknown-command'],
  ['unknown key type', 'unknown-type'],
  ['wrong version', 'wrong-version'],
  ['truncated', 'truncated']
]

function asExpected(ks: KeySet): NonNullable<Expected['keys']> {
  const out: NonNullable<Expected['keys']> = {}
  for (const k of ks) {
    const v = k.value
    out[k.name.canonical] = {
      value:
        v instanceof Uint8Array
          ? Buffer.from(v).toString('hex')
          : v === null && !k.isBinary()
            ? ''
            : v,
      ...(k.isBinary() ? { binary: true } : {}),
      meta: Object.fromEntries(k.meta),
      ...(k.metaShared !== undefined && k.metaShared.size > 0
        ? { sharedMetaFrom: Object.fromEntries(k.metaShared) }
        : {})
    }
  }
  return out
}

const files = dumpFiles(dumpDir)

describe('dump vectors', () => {
  it('finds the vectors', () => {
    expect(files.length).toBeGreaterThanOrEqual(37)
  })

  for (const file of files) {
    const rel = path.relative(dumpDir, file)
    const exp = JSON.parse(
      readFileSync(file.replace(/\.dump$/, '.json'), 'utf8')
    ) as Expected
    const bytes = new Uint8Array(readFileSync(file))
    const parent = parseKeyName(exp.parentKey)
    const opts = { fullNames: exp.fullNames, file: rel }

    if (exp.result === 'error') {
      it(`${rel}: fails with ${exp.errorKind}`, () => {
        const code = codeOf.find(([k]) => exp.errorKind?.startsWith(k))?.[1]
        expect(code).toBeDefined()
        let err: unknown
        try {
          readDump(bytes, parent, opts)
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(DumpError)
        expect((err as DumpError).code).toBe(code)
        expect((err as DumpError).message).toMatch(
          new RegExp(`^${rel.replace(/[.]/g, '\\.')}: byte \\d+: `)
        )
      })
      continue
    }

    it(`${rel}: reads the expected keys`, () => {
      expect(asExpected(readDump(bytes, parent, opts))).toEqual(exp.keys)
    })

    const wb = exp.writtenBack
    if (wb !== null && wb !== undefined) {
      it(`${rel}: writes back to ${wb === 'same' ? 'the same bytes' : wb}`, () => {
        const want =
          wb === 'same'
            ? bytes
            : new Uint8Array(readFileSync(path.resolve(path.dirname(file), wb)))
        const got = writeDump(readDump(bytes, parent, opts), parent, {
          fullNames: exp.fullNames
        })
        expect(Buffer.from(got).toString('latin1')).toBe(
          Buffer.from(want).toString('latin1')
        )
      })
    }
  }
})
