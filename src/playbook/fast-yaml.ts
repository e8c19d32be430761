// A fast reader for the plain block YAML that playbooks (ours and most hand-written ones) consist of:
// block maps and sequences by indentation, one-line scalars (plain, '…', "…", `!unsafe`), one-line flow
// maps/sequences, comments. It builds the yaml package's own node classes with their `range`s, so
// validate and the in-place update work on either reader's result. Anything outside that subset
// (multi-line scalars, block scalars, anchors, other tags, several documents, tabs, `? ` keys, duplicate
// keys, …) returns null and the caller uses the yaml package: this reader is an optimisation only, and
// test/yaml-fast.test.ts checks that both agree. The yaml package alone takes ~2 s for a playbook of
// 10 000 tasks on a loaded 2-core machine; this reader a small fraction of that.
import { isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq, parse as yamlParse, type Node } from 'yaml'

/** What the callers need of a parsed document. */
export interface ParsedDoc {
  contents: Node | null
  errors: ReadonlyArray<{ pos: [number, number]; message: string }>
}

class Bail extends Error {}

/** `text.indexOf(needle, from)` limited to [from, end): a miss must not scan the rest of the file. */
function indexIn(text: string, needle: string, from: number, end: number): number {
  const last = end - needle.length
  outer: for (let i = from; i <= last; i++) {
    for (let k = 0; k < needle.length; k++) if (text.charCodeAt(i + k) !== needle.charCodeAt(k)) continue outer
    return i
  }
  return -1
}

interface Line {
  /** offset of the line's first character */
  start: number
  /** column of the current content (moves right when a `- ` is consumed) */
  indent: number
  /** offset where the line's text ends (trailing spaces and CR excluded; a comment is included) */
  end: number
}

const DIGITISH = /^[-+.0-9]/
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL'])
const TRUE = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/
const FALSE = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/
/** First characters a plain scalar may not start with in block context (indicators). */
const PLAIN_START_BAD = /^[&*!|>%@`{}[\],#'"?:-]/
/** Escapes of double-quoted scalars this reader decodes itself. */
const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029'
}

/** YAML 1.1 resolution of a plain scalar (numbers and dates through the yaml package). */
function plainValue(s: string): unknown {
  if (NULLS.has(s)) return null
  if (TRUE.test(s)) return true
  if (FALSE.test(s)) return false
  if (DIGITISH.test(s)) return yamlParse(s, { version: '1.1' }) as unknown
  return s
}

class Reader {
  private readonly text: string
  private readonly lines: Line[] = []
  private at = 0

  constructor(text: string) {
    this.text = text
    let start = 0
    const n = text.length
    while (start < n) {
      let nl = text.indexOf('\n', start)
      if (nl === -1) nl = n
      let i = start
      while (i < nl && text.charCodeAt(i) === 0x20) i++
      const c = text.charCodeAt(i)
      if (c === 0x09) throw new Bail()
      // blank and comment-only lines carry no structure
      if (i < nl && c !== 0x23 && !(c === 0x0d && i + 1 === nl)) {
        let end = nl
        while (end > i && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x0d)) end--
        this.lines.push({ start, indent: i - start, end })
      }
      start = nl + 1
    }
  }

  private cur(): Line | undefined {
    return this.lines[this.at]
  }

  private contentStart(l: Line): number {
    return l.start + l.indent
  }

  document(): Node | null {
    const first = this.cur()
    if (first === undefined) return null
    if (first.indent === 0 && this.text.startsWith('---', first.start)) {
      this.restIsComment(first.start + 3, first.end)
      this.at++
    }
    const l = this.cur()
    if (l === undefined) return null
    if (l.indent !== 0) throw new Bail()
    const node = this.block(0)
    if (this.cur() !== undefined) throw new Bail()
    return node
  }

  private block(indent: number): Node {
    const l = this.cur() as Line
    if (l.indent !== indent) throw new Bail()
    return this.isSeqLine(l) ? this.seq(indent) : this.map(indent)
  }

  private isSeqLine(l: Line): boolean {
    const s = this.contentStart(l)
    return this.text.charCodeAt(s) === 0x2d && (s + 1 === l.end || this.text.charCodeAt(s + 1) === 0x20)
  }

  private seq(indent: number): YAMLSeq {
    const seq = new YAMLSeq()
    const first = this.contentStart(this.cur() as Line)
    let end = first
    for (let l = this.cur(); l !== undefined && l.indent === indent && this.isSeqLine(l); l = this.cur()) {
      const dash = this.contentStart(l)
      let i = dash + 1
      while (i < l.end && this.text.charCodeAt(i) === 0x20) i++
      let item: Node
      if (i >= l.end || (this.text.charCodeAt(i) === 0x23 && i > dash + 1)) {
        // `-` alone: the item is on the following, deeper lines (or null)
        this.at++
        const next = this.cur()
        item = next !== undefined && next.indent > indent ? this.block(next.indent) : this.nullAt(l.end)
      } else {
        if (this.text.charCodeAt(i) === 0x2d && (i + 1 === l.end || this.text.charCodeAt(i + 1) === 0x20)) throw new Bail()
        // the item starts on this line: read it as if the line began at its column
        l.indent = i - l.start
        item = this.keyAt(l) !== null ? this.map(l.indent) : this.inlineItem(l, indent)
      }
      seq.items.push(item)
      end = (item.range as [number, number, number])[1]
    }
    seq.range = [first, end, end]
    return seq
  }

  /** A one-line value as a sequence item. */
  private inlineItem(l: Line, parentIndent: number): Node {
    const node = this.value(this.contentStart(l), l.end)
    this.at++
    this.noContinuation(parentIndent)
    return node
  }

  /** The key of a `key: …` line: [key node, offset after the `:`], or null when it is none. */
  private keyAt(l: Line): [Scalar, number] | null {
    const t = this.text
    const s = this.contentStart(l)
    const c = t.charCodeAt(s)
    let keyEnd: number
    let key: Scalar
    if (c === 0x27 || c === 0x22) {
      const q = this.quoted(s, l.end)
      if (q === null) return null
      ;[key, keyEnd] = q
    } else {
      // a plain key ends at the first `: ` (or `:` at the end of the content)
      let i = s
      for (;;) {
        i = indexIn(t, ':', i, l.end)
        if (i === -1) return null
        if (i + 1 === l.end || t.charCodeAt(i + 1) === 0x20) break
        i++
      }
      const raw = t.slice(s, i)
      if (raw === '' || PLAIN_START_BAD.test(raw) || raw.includes(' #')) {
        if (raw.startsWith('-') && raw.length > 1 && raw.charCodeAt(1) !== 0x20) {
          // `-x: …` is a plain key
        } else return null
      }
      key = new Scalar(plainValue(raw.trimEnd()))
      key.range = [s, s + raw.trimEnd().length, s + raw.trimEnd().length]
      keyEnd = s + raw.trimEnd().length
    }
    let i = keyEnd
    while (i < l.end && t.charCodeAt(i) === 0x20) i++
    if (t.charCodeAt(i) !== 0x3a || (i + 1 < l.end && t.charCodeAt(i + 1) !== 0x20)) return null
    return [key, i + 1]
  }

  private map(indent: number): YAMLMap {
    const map = new YAMLMap()
    const seen = new Set<unknown>()
    let start = -1
    let end = 0
    for (let l = this.cur(); l !== undefined && l.indent === indent; l = this.cur()) {
      const k = this.keyAt(l)
      if (k === null) throw new Bail()
      const [key, after] = k
      if (start === -1) start = (key.range as [number, number, number])[0]
      if (seen.has(key.value)) throw new Bail()
      seen.add(key.value)
      let i = after
      while (i < l.end && this.text.charCodeAt(i) === 0x20) i++
      let value: Node
      if (i >= l.end || this.text.charCodeAt(i) === 0x23) {
        if (i < l.end && i === after) throw new Bail()
        this.at++
        const next = this.cur()
        if (next !== undefined && next.indent > indent) value = this.block(next.indent)
        else if (next !== undefined && next.indent === indent && this.isSeqLine(next)) value = this.seq(indent)
        else value = this.nullAt(l.end)
      } else {
        value = this.value(i, l.end)
        this.at++
        this.noContinuation(indent)
      }
      map.items.push(new Pair(key, value))
      end = (value.range as [number, number, number])[1]
    }
    map.range = [start, end, end]
    return map
  }

  /** A multi-line plain or quoted scalar would continue on a deeper line: not for this reader. */
  private noContinuation(indent: number): void {
    const next = this.cur()
    if (next !== undefined && next.indent > indent) throw new Bail()
  }

  private nullAt(offset: number): Scalar {
    const s = new Scalar(null)
    s.range = [offset, offset, offset]
    return s
  }

  /** Only spaces and a comment (` #…`) may follow on the line. */
  private restIsComment(i: number, e: number): void {
    const t = this.text
    if (i >= e) return
    if (t.charCodeAt(i) !== 0x20) throw new Bail()
    while (i < e && t.charCodeAt(i) === 0x20) i++
    if (i < e && t.charCodeAt(i) !== 0x23) throw new Bail()
  }

  /**
   * The value on a line from `s` to the line's end `e`: a tagged or plain scalar, a quoted one, or a
   * one-line flow collection, each optionally followed by a comment.
   */
  private value(s: number, e: number): Node {
    const t = this.text
    const c = t.charCodeAt(s)
    if (c === 0x21) {
      if (!t.startsWith('!unsafe ', s)) throw new Bail()
      let i = s + 8
      while (t.charCodeAt(i) === 0x20) i++
      const q = this.quoted(i, e)
      if (q === null) throw new Bail()
      this.restIsComment(q[1], e)
      q[0].tag = '!unsafe'
      return q[0]
    }
    if (c === 0x27 || c === 0x22) {
      const q = this.quoted(s, e)
      if (q === null) throw new Bail()
      this.restIsComment(q[1], e)
      return q[0]
    }
    if (c === 0x7b || c === 0x5b) return this.flow(s, e)
    let end = e
    const hash = indexIn(t, ' #', s, e)
    if (hash !== -1) end = hash
    while (end > s && t.charCodeAt(end - 1) === 0x20) end--
    const raw = t.slice(s, end)
    if (PLAIN_START_BAD.test(raw) && !(c === 0x2d && raw.length > 1 && raw.charCodeAt(1) !== 0x20)) throw new Bail()
    if (raw.includes(': ') || raw.endsWith(':')) throw new Bail()
    const node = new Scalar(plainValue(raw))
    node.range = [s, end, end]
    return node
  }

  /** A quoted scalar starting at `s` that closes before `e`: [node, offset after it], or null. */
  private quoted(s: number, e: number): [Scalar, number] | null {
    const t = this.text
    const q = t.charCodeAt(s)
    let out = ''
    let i = s + 1
    if (q === 0x27) {
      for (;;) {
        const j = indexIn(t, "'", i, e)
        if (j === -1) return null
        out += t.slice(i, j)
        if (t.charCodeAt(j + 1) === 0x27) {
          out += "'"
          i = j + 2
        } else {
          i = j + 1
          break
        }
      }
    } else {
      for (;;) {
        if (i >= e) return null
        const ch = t[i] as string
        if (ch === '"') {
          i++
          break
        }
        if (ch === '\\') {
          const x = t[i + 1] as string
          const simple = SIMPLE_ESCAPES[x]
          if (simple !== undefined) {
            out += simple
            i += 2
          } else if (x === 'x' || x === 'u' || x === 'U') {
            const len = x === 'x' ? 2 : x === 'u' ? 4 : 8
            const hex = t.slice(i + 2, i + 2 + len)
            if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new Bail()
            out += String.fromCodePoint(parseInt(hex, 16))
            i += 2 + len
          } else throw new Bail()
        } else {
          out += ch
          i++
        }
      }
    }
    const node = new Scalar(out)
    node.type = q === 0x27 ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE'
    node.range = [s, i, i]
    return [node, i]
  }

  /** `{a: b, c: d}` / `[a, b]` of plain or quoted scalars; anything nested goes to the yaml package. */
  private flow(s: number, e: number): Node {
    const t = this.text
    const map = t.charCodeAt(s) === 0x7b
    const closeAt = indexIn(t, map ? '}' : ']', s, e)
    if (closeAt === -1) throw new Bail()
    this.restIsComment(closeAt + 1, e)
    e = closeAt + 1
    const node = map ? new YAMLMap() : new YAMLSeq()
    node.flow = true
    node.range = [s, e, e]
    const body = t.slice(s + 1, e - 1)
    if (/[{}[\]'"&*!#|>]/.test(body)) {
      // not the simple case: let the yaml package read just this fragment
      throw new Bail()
    }
    let i = s + 1
    const seen = new Set<unknown>()
    while (i < e - 1) {
      let j = indexIn(t, ',', i, e - 1)
      if (j === -1) j = e - 1
      const part = t.slice(i, j)
      const lead = part.length - part.trimStart().length
      const item = part.trim()
      const at = i + lead
      if (item !== '') {
        if (map) {
          const colon = item.indexOf(': ')
          if (colon <= 0) throw new Bail()
          const kRaw = item.slice(0, colon).trimEnd()
          const vRaw = item.slice(colon + 2).trim()
          const key = new Scalar(plainValue(kRaw))
          key.range = [at, at + kRaw.length, at + kRaw.length]
          if (seen.has(key.value)) throw new Bail()
          seen.add(key.value)
          const vAt = at + item.indexOf(vRaw, colon + 1)
          const value = new Scalar(plainValue(vRaw))
          value.range = [vAt, vAt + vRaw.length, vAt + vRaw.length]
          ;(node as YAMLMap).items.push(new Pair(key, value))
        } else {
          const v = new Scalar(plainValue(item))
          v.range = [at, at + item.length, at + item.length]
          ;(node as YAMLSeq).items.push(v)
        }
      }
      i = j + 1
    }
    return node
  }
}

/** The document if `text` is in this reader's subset (one document), else null. */
export function fastParse(text: string): ParsedDoc | null {
  try {
    return { contents: new Reader(text).document(), errors: [] }
  } catch (e) {
    if (e instanceof Bail) return null
    throw e
  }
}

/** Plain JS of a node (the shape `toJS` gives), without the yaml package's document context. */
export function toPlain(node: unknown): unknown {
  if (isScalar(node)) return node.value
  if (isSeq(node)) {
    const out: unknown[] = new Array(node.items.length)
    for (let i = 0; i < out.length; i++) out[i] = toPlain(node.items[i])
    return out
  }
  if (isMap(node)) {
    const o: Record<string, unknown> = {}
    for (const p of node.items) {
      const k = String(toPlain(p.key))
      const v = toPlain(p.value)
      // `__proto__` as a key must stay an own property
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
      else o[k] = v
    }
    return o
  }
  return node ?? null
}
