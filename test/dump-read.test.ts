// Reader behaviour beyond the shared vectors: error codes and offsets, tolerated whitespace,
// UTF-8 checks, the binary metakey, and `$copymeta` chains.
import { describe, expect, it } from 'vitest'
import { DumpError, type DumpErrorCode } from '../src/kdb/dump-error.js'
import { readDump } from '../src/kdb/dump-read.js'
import { parseKeyName } from '../src/kdb/keyname.js'

const parent = parseKeyName('user:/tests/dump')
const v2 = (...parts: Array<string | Buffer>): Buffer =>
  Buffer.concat([
    Buffer.from('kdbOpen 2\n'),
    ...parts.map(p => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))
  ])

function failure(bytes: Uint8Array): DumpError {
  try {
    readDump(bytes, parent, { file: 'f.ecf' })
  } catch (e) {
    if (e instanceof DumpError) return e
    throw e
  }
  throw new Error('expected a DumpError')
}

describe('readDump errors', () => {
  const cases: Array<[string, Buffer, DumpErrorCode, number]> = [
    [
      'a size that is not a number',
      v2('$key string x 1\na\nb\n'),
      'bad-size',
      22
    ],
    ['a negative size', v2('$meta -1 0\n'), 'bad-size', 16],
    ['a missing size', v2('$key string 1\na\nb\n'), 'bad-size', 10],
    ['a missing type', v2('$key\n'), 'unknown-type', 10],
    [
      'text after the sizes',
      v2('$key string 1 1 x\na\nb\n'),
      'expected-newline',
      26
    ],
    ['text after $end', v2('$end now\n'), 'expected-newline', 15],
    [
      'a command without $',
      v2('key string 1 1\na\nb\n'),
      'unknown-command',
      10
    ],
    [
      'a name that is not UTF-8',
      v2('$key string 2 1\n', Buffer.from([0xc3, 0x28]), '\nb\n'),
      'bad-utf8',
      26
    ],
    [
      'a value that is not UTF-8',
      v2('$key string 1 1\na\n', Buffer.from([0xff]), '\n'),
      'bad-utf8',
      28
    ],
    [
      'a metakey value that is not UTF-8',
      v2('$key string 1 0\na\n\n$meta 1 1\nm\n', Buffer.from([0x80]), '\n'),
      'bad-utf8',
      41
    ],
    [
      'a name cut by the end of the file',
      v2('$key string 5 1\nab'),
      'truncated',
      26
    ],
    [
      'a command line cut by the end of the file',
      v2('$key string 1 1'),
      'truncated',
      25
    ],
    [
      'a size far beyond the file',
      v2('$key string 99999999999999999999 1\n'),
      'truncated',
      45
    ],
    [
      'version 1: an unknown command',
      Buffer.from('kdbOpen 1\nksNew 0\nkeyFoo\n'),
      'unknown-command',
      18
    ],
    [
      'version 1: a value cut by the end of the file',
      Buffer.from('kdbOpen 1\nkeyNew 5 9\nuser\0ab'),
      'truncated',
      21
    ],
    ['version 3', Buffer.from('kdbOpen 3\n'), 'wrong-version', 8],
    [
      'text that is no dump file',
      Buffer.from('hello world\n'),
      'unknown-command',
      0
    ]
  ]
  for (const [what, bytes, code, offset] of cases) {
    it(`rejects ${what} (${code} at byte ${offset})`, () => {
      const e = failure(bytes)
      expect([e.code, e.offset]).toEqual([code, offset])
      expect(e.file).toBe('f.ecf')
      expect(e.message).toMatch(new RegExp(`^f\\.ecf: byte ${offset}: \\S`))
    })
  }

  it('names the file as <dump> when none is given', () => {
    expect(() => readDump(v2('$bogus\n'), parent)).toThrow(/^<dump>: byte 10: /)
  })
})

describe('readDump tolerance', () => {
  it('accepts extra blanks and a CR around the tokens of a command line', () => {
    const ks = readDump(v2(' $key \t string  1 3 \r\na\nx y\n$end\r\n'), parent)
    expect(ks.lookup('user:/tests/dump/a')?.value).toBe('x y')
  })

  it('accepts a file whose last command has no newline', () => {
    expect(readDump(v2('$key string 1 1\na\nb\n$end'), parent).size).toBe(1)
    expect(readDump(Buffer.from('kdbOpen 2'), parent).size).toBe(0)
  })

  it('reads binary values that are not UTF-8 as raw bytes', () => {
    const ks = readDump(
      v2('$key binary 1 3\na\n', Buffer.from([0xff, 0, 0x80]), '\n'),
      parent
    )
    const k = ks.lookup('user:/tests/dump/a')
    expect(k?.isBinary()).toBe(true)
    expect([...(k?.value as Uint8Array)]).toEqual([0xff, 0, 0x80])
  })

  it('cuts metakey values at the first NUL', () => {
    const ks = readDump(
      v2('$key string 1 0\na\n\n$meta 1 3\nm\nx\0y\n'),
      parent
    )
    expect(ks.lookup('user:/tests/dump/a')?.meta.get('m')).toBe('x')
  })

  it('makes a string key binary when `$meta binary` follows it', () => {
    const ks = readDump(
      v2(
        '$key string 1 2\na\nhi\n$meta 6 0\nbinary\n\n$key string 1 0\nb\n\n$meta 6 0\nbinary\n\n'
      ),
      parent
    )
    expect([...(ks.lookup('user:/tests/dump/a')?.value as Uint8Array)]).toEqual(
      [0x68, 0x69]
    )
    expect(ks.lookup('user:/tests/dump/b')?.value).toBe(null)
    expect(ks.lookup('user:/tests/dump/b')?.isBinary()).toBe(true)
  })

  it('canonicalises metakey names', () => {
    const ks = readDump(
      v2('$key string 1 0\na\n\n$meta 12 1\ncomment/#10/\nx\n'),
      parent
    )
    expect([...(ks.lookup('user:/tests/dump/a')?.meta ?? [])]).toEqual([
      ['comment/#_10', 'x']
    ])
  })

  it('records the key owning a metakey object through chains of $copymeta', () => {
    const file = v2(
      '$key string 1 0\na\n\n$meta 4 1\nnote\nx\n',
      '$key string 1 0\nb\n\n$copymeta 1 4\na\nnote\n',
      '$key string 1 0\nc\n\n$copymeta 1 4\nb\nnote\n',
      '$key string 1 0\nd\n\n$copymeta 1 4\nd\nnote\n'
    )
    const ks = readDump(file, parent)
    expect(ks.lookup('user:/tests/dump/b')?.metaShared?.get('note')).toBe(
      'user:/tests/dump/a'
    )
    expect(ks.lookup('user:/tests/dump/c')?.metaShared?.get('note')).toBe(
      'user:/tests/dump/a'
    )
    expect(ks.lookup('user:/tests/dump/c')?.meta.get('note')).toBe('x')
    // copying from itself changes nothing
    expect(ks.lookup('user:/tests/dump/d')?.meta.size).toBe(0)
  })

  it('forgets the sharing when a later $meta sets the same metakey', () => {
    const file = v2(
      '$key string 1 0\na\n\n$meta 4 1\nnote\nx\n',
      '$key string 1 0\nb\n\n$copymeta 1 4\na\nnote\n$meta 4 1\nnote\ny\n'
    )
    const b = readDump(file, parent).lookup('user:/tests/dump/b')
    expect(b?.meta.get('note')).toBe('y')
    expect(b?.metaShared?.has('note') ?? false).toBe(false)
  })

  it('reads names relative to a root mountpoint and complete names in full-name mode', () => {
    const rel = readDump(
      v2('$key string 3 1\na/b\nx\n'),
      parseKeyName('system:/')
    )
    expect(rel.names()).toEqual(['system:/a/b'])
    const full = readDump(v2('$key string 9 1\ndir:/a/#5\nx\n'), parent, {
      fullNames: true
    })
    expect(full.names()).toEqual(['dir:/a/#5'])
  })

  it('reads names below a mountpoint whose last part ends in an escaped slash', () => {
    // `user:/a\\/` ends in `/` but is no namespace root: names still need a separator
    const ks = readDump(v2('$key string 1 1\nx\ny\n'), parseKeyName('user:/a\\/'))
    expect(ks.names()).toEqual(['user:/a\\//x'])
    expect(ks.lookup('user:/a\\//x')?.name.parts).toEqual(['a/', 'x'])
  })

  it('reads version 1 files without the kdbOpen line and with metadata', () => {
    const ks = readDump(
      Buffer.from(
        'ksNew 1\nkeyNew 7 2\nuser/a\0x\0\nkeyMeta 2 2\nm\0v\0\nkeyEnd\nksEnd\nignored'
      ),
      parent
    )
    expect(ks.names()).toEqual(['user:/a'])
    expect(ks.lookup('user:/a')?.meta.get('m')).toBe('v')
  })
})

describe('readDump version 1 UTF-8', () => {
  it('rejects a character split between a name and its value', () => {
    // the file as a whole is valid UTF-8 (C3 A4 = ä), each field alone is not
    const file = Buffer.concat([
      Buffer.from('kdbOpen 1\nkeyNew 7 2\nuser/a'),
      Buffer.from([0xc3, 0xa4]),
      Buffer.from('\0\nkeyEnd\n')
    ])
    const e = failure(file)
    expect([e.code, e.offset]).toEqual(['bad-utf8', 21])
  })
})
