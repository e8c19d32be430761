// Reader of libelektra's `dump` storage format, versions 2 and 1 (keys-and-dump.md §6).
// Command lines are parsed on the bytes; only the fields that become names and values are decoded.
import { isUtf8 } from 'node:buffer'
import { DumpError, type DumpErrorCode } from './dump-error.js'
import { Key, canonicalMetaName } from './key.js'
import {
  KeyNameError,
  appendPlain,
  isPlainRelative,
  parseKeyName,
  type KeyName
} from './keyname.js'
import { KeySet } from './keyset.js'
import { LF, asBuffer } from './util-bytes.js'

export interface ReadDumpOptions {
  /** names in the file are complete key names (the plugin's `/fullname` configuration) */
  fullNames?: boolean
  /** shown in error messages */
  file?: string
}

const SP = 0x20
const HT = 0x09
const CR = 0x0d

// whitespace-separated tokens of the current command line; a line never needs more than 4
const MAX_TOKENS = 5
const tokStart = new Int32Array(MAX_TOKENS)
const tokEnd = new Int32Array(MAX_TOKENS)

function isBlank(c: number): boolean {
  return c === SP || c === HT || c === CR
}

/** Splits buf[start, end) at runs of SP/HT/CR; returns the number of tokens (may exceed MAX_TOKENS). */
function tokenize(buf: Buffer, start: number, end: number): number {
  let n = 0
  let p = start
  for (;;) {
    while (p < end && isBlank(buf[p] as number)) p++
    if (p >= end) return n
    const s = p
    while (p < end && !isBlank(buf[p] as number)) p++
    if (n < MAX_TOKENS) {
      tokStart[n] = s
      tokEnd[n] = p
    }
    n++
  }
}

function tokenText(buf: Buffer, i: number): string {
  return buf.toString('latin1', tokStart[i], tokEnd[i])
}

interface Recent {
  start: number
  end: number
  text: string
}

/** One read: the input and what every record needs to know. */
class Reader {
  readonly len: number
  // whole-file checks that let the common case skip per-field work. A valid UTF-8 file has valid
  // version 2 fields: each lies between LF bytes, and no UTF-8 sequence contains LF.
  allUtf8: boolean
  readonly anyNul: boolean

  constructor(
    readonly buf: Buffer,
    readonly file: string
  ) {
    this.len = buf.length
    this.allUtf8 = isUtf8(buf)
    this.anyNul = buf.indexOf(0) !== -1
  }

  // the last metakey name and value read: files repeat them (`type` = `string` on every key), and
  // equal bytes then reuse the string instead of decoding and keeping a copy per key
  private readonly lastMetaName: Recent = { start: 0, end: -1, text: '' }
  private readonly lastMetaValue: Recent = { start: 0, end: -1, text: '' }

  /** `last` holds the text of the same bytes as buf[start, end); it is moved there either way. */
  private repeats(last: Recent, start: number, end: number): boolean {
    const n = end - start
    const buf = this.buf
    let same = n === last.end - last.start && n <= 64
    for (let j = 0; same && j < n; j++)
      same = buf[start + j] === buf[last.start + j]
    last.start = start
    last.end = end
    return same
  }

  metaName(start: number, end: number): string {
    const last = this.lastMetaName
    if (!this.repeats(last, start, end))
      last.text = metaName(this.text(start, end, 'metakey name', false))
    return last.text
  }

  metaValue(start: number, end: number): string {
    const last = this.lastMetaValue
    if (!this.repeats(last, start, end))
      last.text = this.text(start, end, 'metakey value', true)
    return last.text
  }

  fail(code: DumpErrorCode, offset: number, detail: string): never {
    throw new DumpError(code, offset, this.file, detail)
  }

  /** Token i as a size: decimal digits only. */
  size(i: number, what: string): number {
    const s = tokStart[i] as number
    const e = tokEnd[i] as number
    let n = 0
    for (let p = s; p < e; p++) {
      const d = (this.buf[p] as number) - 0x30
      if (d < 0 || d > 9)
        this.fail(
          'bad-size',
          s,
          `${what} ${JSON.stringify(tokenText(this.buf, i))} is not a decimal number`
        )
      n = n * 10 + d
    }
    // beyond 2^53 the number is inexact, but any such size is larger than the file anyway
    return n
  }

  /** The end of a `size`-byte field at `pos` that must be followed by LF (version 2). */
  field(pos: number, size: number, what: string): number {
    const end = pos + size
    if (end >= this.len)
      this.fail(
        'truncated',
        pos,
        `${what} of ${size} bytes and its newline go past the end of the file (${this.len} bytes)`
      )
    if (this.buf[end] !== LF)
      this.fail('expected-newline', end, `expected a newline after the ${what}`)
    return end
  }

  /** Field bytes as a string: UTF-8 checked; values are cut at the first NUL like libelektra's. */
  text(start: number, end: number, what: string, cutAtNul: boolean): string {
    if (cutAtNul && this.anyNul) {
      const nul = this.buf.subarray(start, end).indexOf(0)
      if (nul !== -1) end = start + nul
    }
    if (!this.allUtf8 && !isUtf8(this.buf.subarray(start, end)))
      this.fail('bad-utf8', start, `${what} is not valid UTF-8`)
    return this.buf.toString('utf8', start, end)
  }

  bytes(start: number, end: number): Uint8Array | null {
    return end === start ? null : new Uint8Array(this.buf.subarray(start, end))
  }

  /** The end of the command line starting at `pos` (the file's end if it has no LF). */
  lineEnd(pos: number): number {
    const lf = this.buf.indexOf(LF, pos)
    return lf === -1 ? this.len : lf
  }

  /** Tokenizes the command line [start, end) for both versions; an empty line is an error. */
  command(start: number, end: number): number {
    const n = tokenize(this.buf, start, end)
    if (n === 0) this.fail('unknown-command', start, 'empty line where a command was expected')
    return n
  }

  /** Requires exactly `n` tokens on the command line that starts at `lineStart`. */
  expectTokens(
    count: number,
    n: number,
    lineStart: number,
    usage: string
  ): void {
    // what is missing is a size, except for a `$key` without even its type
    if (count < n)
      this.fail(
        count < 2 && n === 4 ? 'unknown-type' : 'bad-size',
        lineStart,
        `incomplete command, expected '${usage}'`
      )
    if (count > n)
      this.fail(
        'expected-newline',
        tokStart[n] as number,
        `unexpected text after '${usage}'`
      )
  }
}

/**
 * A metakey name from a file, canonical and without `meta:/`. An invalid name gives the metakey
 * `meta:/` itself, i.e. '', as in libelektra (keySetMeta keeps the name `meta:/` when appending fails).
 */
function metaName(raw: string): string {
  try {
    return canonicalMetaName(raw)
  } catch (e) {
    if (e instanceof KeyNameError) return ''
    throw e
  }
}

/** A key name from a file, or null when libelektra would drop the key (invalid name). */
function keyNameOrNull(full: string): KeyName | null {
  try {
    return parseKeyName(full)
  } catch (e) {
    if (e instanceof KeyNameError) return null
    throw e
  }
}

/**
 * Names of the keys in one file: `parent` + `/` + relative name, parsed (§6.3). Plain relative
 * names are appended directly (`appendPlain`), which gives the same KeyName as parsing without the
 * parser's work and cache traffic (reading 100k keys is dominated by names otherwise).
 */
class NameReader {
  private readonly prefix: string
  private readonly fast: boolean

  constructor(
    private readonly parent: KeyName,
    fullNames: boolean
  ) {
    this.prefix = fullNames ? '' : parent.canonical + '/'
    // `user:/%` (upstream #3902) has no parts but is not a root: appendPlain leaves it to the parser
    this.fast = !fullNames && appendPlain(parent, 'x') !== null
  }

  /** The key name for `rel`, or null when it is invalid (libelektra drops such keys). */
  name(rel: string): KeyName | null {
    if (this.fast && isPlainRelative(rel)) return appendPlain(this.parent, rel)
    return keyNameOrNull(this.prefix + rel)
  }
}

/** Sets metakey `name`; `binary` turns a string value into its bytes, as the metakey decides the type. */
function setMeta(key: Key, name: string, value: string): void {
  key.meta.set(name, value)
  key.metaShared?.delete(name)
  if (name === 'binary' && typeof key.value === 'string') {
    const b = Buffer.from(key.value, 'utf8')
    key.value = b.length === 0 ? null : new Uint8Array(b)
  }
}

/** `$copymeta`/`keyCopyMeta`: share `name` of `source` (or drop it when the source has none). */
function copyMeta(key: Key, source: Key, name: string): void {
  if (key === source) return
  const value = source.meta.get(name)
  if (value === undefined) {
    key.meta.delete(name)
    key.metaShared?.delete(name)
    if (name === 'binary' && key.value instanceof Uint8Array)
      key.value = Buffer.from(key.value)
        .toString('utf8')
        .split('\0', 1)[0] as string
    return
  }
  setMeta(key, name, value)
  // record the key that owns the object, so chains of copies name the same first key
  const owner = source.metaShared?.get(name) ?? source.name.canonical
  if (owner !== key.name.canonical)
    (key.metaShared ??= new Map()).set(name, owner)
}

const HEADER_V2 = 'kdbOpen 2'

/**
 * Reads a dump file for the mountpoint `parent`. Malformed input throws DumpError and yields no keys;
 * input libelektra silently tolerates (invalid names, stray `$meta`, unknown `$copymeta` sources) is
 * tolerated the same way.
 */
export function readDump(
  bytes: Uint8Array,
  parent: KeyName,
  opts: ReadDumpOptions = {}
): KeySet {
  const r = new Reader(asBuffer(bytes), opts.file ?? '<dump>')
  if (r.len === 0) return new KeySet()
  const headerEnd = r.lineEnd(0)
  if (
    headerEnd === HEADER_V2.length &&
    r.buf.toString('latin1', 0, headerEnd) === HEADER_V2
  )
    return readV2(
      r,
      headerEnd + 1,
      new NameReader(parent, opts.fullNames === true)
    )
  return readV1(r)
}

/** Token i equals the ASCII `lit` (compared on the bytes: no string per command line). */
function tokenIs(buf: Buffer, i: number, lit: string): boolean {
  const s = tokStart[i] as number
  if ((tokEnd[i] as number) - s !== lit.length) return false
  for (let j = 0; j < lit.length; j++)
    if (buf[s + j] !== lit.charCodeAt(j)) return false
  return true
}

function readV2(r: Reader, start: number, names: NameReader): KeySet {
  const { buf, len } = r
  const ks = new KeySet()
  // the key that `$meta` applies to; null before the first key and after a dropped one
  let cur: Key | null = null
  let pos = start
  while (pos < len) {
    const lineStart = pos
    const lineEnd = r.lineEnd(pos)
    // a command line without LF ends the file; what follows it is then missing
    pos = Math.min(lineEnd + 1, len)
    const n = r.command(lineStart, lineEnd)
    if (tokenIs(buf, 0, '$key')) {
      r.expectTokens(n, 4, lineStart, '$key TYPE NAMESIZE VALUESIZE')
      const binary = commandTypeIsBinary(r)
      const nsize = r.size(2, 'name size')
      const vsize = r.size(3, 'value size')
      const nameEnd = r.field(pos, nsize, 'key name')
      const rel = r.text(pos, nameEnd, 'key name', false)
      const valueStart = nameEnd + 1
      const valueEnd = r.field(valueStart, vsize, 'value')
      pos = valueEnd + 1
      const name = names.name(rel)
      if (name === null) {
        cur = null
        continue
      }
      if (binary) {
        cur = new Key(
          name,
          r.bytes(valueStart, valueEnd),
          new Map([['binary', '']])
        )
      } else {
        cur = new Key(name, r.text(valueStart, valueEnd, 'value', true))
      }
      ks.add(cur)
    } else if (tokenIs(buf, 0, '$meta')) {
      r.expectTokens(n, 3, lineStart, '$meta NAMESIZE VALUESIZE')
      const msize = r.size(1, 'metakey name size')
      const vsize = r.size(2, 'metakey value size')
      const nameEnd = r.field(pos, msize, 'metakey name')
      const valueStart = nameEnd + 1
      const valueEnd = r.field(valueStart, vsize, 'metakey value')
      if (cur !== null) {
        setMeta(
          cur,
          r.metaName(pos, nameEnd),
          r.metaValue(valueStart, valueEnd)
        )
      } else {
        // checked anyway: a file with undecodable text is rejected wherever it is
        r.text(pos, nameEnd, 'metakey name', false)
        r.text(valueStart, valueEnd, 'metakey value', true)
      }
      pos = valueEnd + 1
    } else if (tokenIs(buf, 0, '$copymeta')) {
      r.expectTokens(n, 3, lineStart, '$copymeta KEYNAMESIZE METANAMESIZE')
      const nsize = r.size(1, 'key name size')
      const msize = r.size(2, 'metakey name size')
      const nameEnd = r.field(pos, nsize, 'key name')
      const metaStart = nameEnd + 1
      const metaEnd = r.field(metaStart, msize, 'metakey name')
      const rel = r.text(pos, nameEnd, 'key name', false)
      const m = r.text(metaStart, metaEnd, 'metakey name', false)
      pos = metaEnd + 1
      if (cur === null) continue
      const srcName = names.name(rel)
      const src = srcName === null ? undefined : ks.lookup(srcName)
      if (src !== undefined) copyMeta(cur, src, metaName(m))
    } else if (tokenIs(buf, 0, '$end')) {
      r.expectTokens(n, 1, lineStart, '$end')
      break
    } else {
      r.fail(
        'unknown-command',
        lineStart,
        `unknown command ${JSON.stringify(tokenText(buf, 0))}`
      )
    }
  }
  return ks
}

function commandTypeIsBinary(r: Reader): boolean {
  if (tokenIs(r.buf, 1, 'string')) return false
  if (tokenIs(r.buf, 1, 'binary')) return true
  const t = tokenText(r.buf, 1)
  return r.fail(
    'unknown-type',
    tokStart[1] as number,
    `unknown key type ${JSON.stringify(t)} (expected string or binary)`
  )
}

// ---------------------------------------------------------------------------------------------
// version 1 (§6.6): sizes include a terminating NUL, names are old-style complete names

/** `user/a` → `user:/a`; a name starting with `/` is cascading. */
function oldStyleName(s: string): string {
  if (s.startsWith('/')) return s
  const slash = s.indexOf('/')
  return slash === -1 ? s + ':/' : s.slice(0, slash) + ':' + s.slice(slash)
}

function readV1(r: Reader): KeySet {
  const { buf, len } = r
  // name and value follow each other without LF, so a character may straddle them: check each
  r.allUtf8 = false
  let ks = new KeySet()
  // keyNew starts a key, keyEnd adds it; null when there is none or its name was invalid
  let cur: Key | null = null
  let pos = 0
  // the two data fields after a command line; the rest of their line is skipped
  const twoFields = (
    a: number,
    b: number,
    what: string
  ): [number, number, number] => {
    const aEnd = pos + a
    const bEnd = aEnd + b
    if (bEnd > len)
      r.fail(
        'truncated',
        pos,
        `${what} of ${a} + ${b} bytes go past the end of the file (${len} bytes)`
      )
    const lineEnd = r.lineEnd(bEnd)
    return [aEnd, bEnd, lineEnd + 1]
  }
  while (pos < len) {
    const lineStart = pos
    const lineEnd = r.lineEnd(pos)
    // a command line without LF ends the file; what follows it is then missing
    pos = Math.min(lineEnd + 1, len)
    const n = r.command(lineStart, lineEnd)
    const cmd = tokenText(buf, 0)
    switch (cmd) {
      case 'kdbOpen': {
        r.expectTokens(n, 2, lineStart, 'kdbOpen VERSION')
        const v = tokenText(buf, 1)
        if (v !== '1')
          r.fail(
            'wrong-version',
            tokStart[1] as number,
            `unsupported dump version ${JSON.stringify(v)} (the header 'kdbOpen 2' must be the exact first line)`
          )
        break
      }
      case 'ksNew':
        ks = new KeySet()
        break
      case 'keyNew': {
        r.expectTokens(n, 3, lineStart, 'keyNew NAMESIZE VALUESIZE')
        const [nameEnd, valueEnd, next] = twoFields(
          r.size(1, 'name size'),
          r.size(2, 'value size'),
          'name and value'
        )
        const name = keyNameOrNull(
          oldStyleName(r.text(pos, nameEnd, 'key name', true))
        )
        const value = r.text(nameEnd, valueEnd, 'value', true)
        cur = name === null ? null : new Key(name, value)
        pos = next
        break
      }
      case 'keyMeta': {
        r.expectTokens(n, 3, lineStart, 'keyMeta NAMESIZE VALUESIZE')
        const [nameEnd, valueEnd, next] = twoFields(
          r.size(1, 'metakey name size'),
          r.size(2, 'metakey value size'),
          'metakey name and value'
        )
        const m = metaName(r.text(pos, nameEnd, 'metakey name', true))
        const value = r.text(nameEnd, valueEnd, 'metakey value', true)
        if (cur !== null) setMeta(cur, m, value)
        pos = next
        break
      }
      case 'keyCopyMeta': {
        r.expectTokens(n, 3, lineStart, 'keyCopyMeta KEYNAMESIZE METANAMESIZE')
        const [nameEnd, metaEnd, next] = twoFields(
          r.size(1, 'key name size'),
          r.size(2, 'metakey name size'),
          'key name and metakey name'
        )
        const srcName = keyNameOrNull(
          oldStyleName(r.text(pos, nameEnd, 'key name', true))
        )
        const m = metaName(r.text(nameEnd, metaEnd, 'metakey name', true))
        const src = srcName === null ? undefined : ks.lookup(srcName)
        if (cur !== null && src !== undefined) copyMeta(cur, src, m)
        pos = next
        break
      }
      case 'keyEnd':
        if (cur !== null) ks.add(cur)
        cur = null
        break
      case 'ksEnd':
        return ks
      default:
        r.fail(
          'unknown-command',
          lineStart,
          `unknown command ${JSON.stringify(cmd)}`
        )
    }
  }
  return ks
}
