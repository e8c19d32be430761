// Writer behaviour beyond the shared vectors: rejected keys, relative names, `$copymeta` choices.
import { describe, expect, it } from 'vitest'
import { DumpWriteError } from '../src/kdb/dump-error.js'
import { writeDump } from '../src/kdb/dump-write.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'
import { KeySet } from '../src/kdb/keyset.js'

const parent = parseKeyName('user:/tests/dump')
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')

function shareFrom(k: Key, meta: string, owner: string): Key {
  ;(k.metaShared ??= new Map()).set(meta, owner)
  return k
}

describe('writeDump', () => {
  it('writes an empty key set as header and $end (deleting the file is the store’s job)', () => {
    expect(text(writeDump(new KeySet(), parent))).toBe('kdbOpen 2\n$end\n')
  })

  it('rejects a key outside the mountpoint, naming it', () => {
    for (const outside of [
      'user:/tests/other',
      'system:/tests/dump/a',
      'user:/tests'
    ]) {
      const ks = new KeySet([
        Key.create('user:/tests/dump/a', '1'),
        Key.create(outside, 'x')
      ])
      expect(() => writeDump(ks, parent)).toThrow(DumpWriteError)
      expect(() => writeDump(ks, parent)).toThrow(outside)
      expect(() => writeDump(ks, parent, { fullNames: true })).toThrow(outside)
    }
  })

  it('rejects a string value holding NUL, naming the key', () => {
    const ks = new KeySet([new Key(parseKeyName('user:/tests/dump/n'), 'a\0b')])
    expect(() => writeDump(ks, parent)).toThrow(/user:\/tests\/dump\/n.*NUL/)
  })

  it('counts sizes in UTF-8 bytes', () => {
    const ks = new KeySet([Key.create('user:/tests/dump/ä', 'Grüße €')])
    expect(text(writeDump(ks, parent))).toBe(
      'kdbOpen 2\n$key string 2 11\nä\nGrüße €\n$end\n'
    )
  })

  it('writes names below a part spelled differently from the mountpoint', () => {
    // `\#5` and `#5` are the same part; the relative name must not depend on the spelling
    const ks = new KeySet([Key.create('user:/\\#5/x', '1')])
    expect(text(writeDump(ks, parseKeyName('user:/#5')))).toBe(
      'kdbOpen 2\n$key string 1 1\nx\n1\n$end\n'
    )
  })

  it('writes $copymeta naming the first key in key order that carries the shared object', () => {
    // the owner `a` is not in the set: `b` is the first carrier, `c` references it
    const ks = new KeySet([
      shareFrom(
        Key.create('user:/tests/dump/c', '', { note: 'x' }),
        'note',
        'user:/tests/dump/a'
      ),
      shareFrom(
        Key.create('user:/tests/dump/b', '', { note: 'x' }),
        'note',
        'user:/tests/dump/a'
      )
    ])
    expect(text(writeDump(ks, parent))).toBe(
      'kdbOpen 2\n$key string 1 0\nb\n\n$meta 4 1\nnote\nx\n$key string 1 0\nc\n\n$copymeta 1 4\nb\nnote\n$end\n'
    )
  })

  it('writes $meta when the value differs from the first carrier’s', () => {
    const ks = new KeySet([
      Key.create('user:/tests/dump/a', '', { note: 'x' }),
      shareFrom(
        Key.create('user:/tests/dump/b', '', { note: 'changed' }),
        'note',
        'user:/tests/dump/a'
      )
    ])
    expect(text(writeDump(ks, parent))).toContain(
      'b\n\n$meta 4 7\nnote\nchanged\n'
    )
  })

  it('writes every metakey with $meta when nothing is shared, in metakey order', () => {
    const ks = new KeySet([
      Key.create('user:/tests/dump/a', '', {
        'comment/#_10': '2',
        'comment/#9': '1',
        b: ''
      })
    ])
    expect(text(writeDump(ks, parent))).toBe(
      'kdbOpen 2\n$key string 1 0\na\n\n$meta 1 0\nb\n\n$meta 10 1\ncomment/#9\n1\n$meta 12 1\ncomment/#_10\n2\n$end\n'
    )
  })

  it('writes binary keys with their bytes and the binary metakey', () => {
    const ks = new KeySet([
      Key.create('user:/tests/dump', new Uint8Array([0, 10])),
      Key.create('user:/tests/dump/n', null, { binary: '' })
    ])
    expect(text(writeDump(ks, parent))).toBe(
      'kdbOpen 2\n$key binary 0 2\n\n\0\n\n$meta 6 0\nbinary\n\n$key binary 1 0\nn\n\n$meta 6 0\nbinary\n\n$end\n'
    )
  })
})
