// Elektra key names (libelektra 0.11): parsing, canonical form, unescaped form, escaping of parts.
// Normative reference: ../shared/spec/keys-and-dump.md §1–§3. Where libelektra's docs and C code
// disagree, we follow the C code (we must read what the real `kdb` writes).

export type Namespace =
  'cascading' | 'meta' | 'spec' | 'proc' | 'dir' | 'user' | 'system' | 'default'

export interface KeyName {
  /** the unique escaped spelling, e.g. `user:/a\/b/c` */
  readonly canonical: string
  readonly namespace: Namespace
  /** unescaped parts; `/%` (upstream #3902) has none, like the root key it equals */
  readonly parts: readonly string[]
  /** the unescaped name, one char per byte (latin1): JS `<` on it is libelektra's key order */
  readonly sortKey: string
}

/** Namespaces in libelektra's order; the value is the namespace byte of the unescaped name. */
export const NAMESPACE_ORDER: Readonly<Record<Namespace, number>> = Object.freeze({
  cascading: 1,
  meta: 2,
  spec: 3,
  proc: 4,
  dir: 5,
  user: 6,
  system: 7,
  default: 8
})

export const NAMESPACES: readonly Namespace[] = Object.freeze([
  'cascading',
  'meta',
  'spec',
  'proc',
  'dir',
  'user',
  'system',
  'default'
] as Namespace[])

export class KeyNameError extends Error {
  readonly input: string
  readonly reason: string
  constructor(input: string, reason: string, message?: string) {
    super(message ?? `invalid key name ${JSON.stringify(input)}: ${reason}`)
    this.name = 'KeyNameError'
    this.input = input
    this.reason = reason
  }
}

const NS_CHAR: Readonly<Record<Namespace, string>> = Object.fromEntries(
  NAMESPACES.map(ns => [ns, String.fromCharCode(NAMESPACE_ORDER[ns])])
) as Record<Namespace, string>

/** Largest array index (2^63-1) as decimal text; 19-digit runs are compared against it as text. */
const MAX_INDEX = '9223372036854775807'

export function namespacePrefix(ns: Namespace): string {
  return ns === 'cascading' ? '' : ns + ':'
}

// ---------------------------------------------------------------------------------------------
// escape sequences (§2.3)

function endsPart(s: string, i: number): boolean {
  return i >= s.length || s.charCodeAt(i) === 0x2f
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/**
 * Checks every backslash in `s` from index `from` on (rule V5). The "byte before" checks of `\%`,
 * `\.`, `\..` look at `s[i-1]` even when that lies before `from`: libelektra looks at its buffer.
 */
function escapeError(s: string, from: number): string | null {
  let i = s.indexOf('\\', from)
  while (i !== -1) {
    if (i + 1 >= s.length) return `dangling backslash at index ${i}`
    const next = s[i + 1]
    let end = i + 2
    switch (next) {
      case '\\':
      case '/':
        break
      case '%':
        if (s.charCodeAt(i - 1) !== 0x2f || !endsPart(s, i + 2))
          return `'\\%' at index ${i} is only allowed as a whole part`
        break
      case '.':
        if (s.charCodeAt(i - 1) !== 0x2f)
          return `'\\.' at index ${i} is only allowed as a whole part`
        if (endsPart(s, i + 2)) break
        if (s.charCodeAt(i + 2) === 0x2e && endsPart(s, i + 3)) {
          end = i + 3
          break
        }
        return `'\\.' at index ${i} is only allowed as the whole part '\\.' or '\\..'`
      case '#': {
        let j = i + 2
        while (j < s.length && isDigit(s.charCodeAt(j))) j++
        const digits = s.slice(i + 2, j)
        if (!endsPart(s, j) || (digits.length > 0 && digits[0] === '0'))
          return `'\\#' at index ${i} must be followed by digits without leading zero that end the part`
        if (digits.length >= 19 && digits.slice(0, 19) > MAX_INDEX)
          return `'\\#' at index ${i}: array index out of range`
        end = j
        break
      }
      default:
        return `illegal escape sequence '\\${next}' at index ${i}`
    }
    i = s.indexOf('\\', end)
  }
  return null
}

/** Splits `s` (from `from` on) at every `/` that is not escaped. */
function splitRaw(s: string, from: number): string[] {
  if (s.indexOf('\\', from) === -1) return s.slice(from).split('/')
  const out: string[] = []
  let start = from
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x5c) i++
    else if (c === 0x2f) {
      out.push(s.slice(start, i))
      start = i + 1
    }
  }
  out.push(s.slice(start))
  return out
}

/** `#` + digits that the parser rewrites to the canonical array form (§2.4). */
function arrayDigits(part: string): string | null {
  const n = part.length - 1
  if (n < 1 || part.charCodeAt(0) !== 0x23 || part.charCodeAt(1) === 0x30) return null
  if (n > 19) return null
  for (let i = 1; i < part.length; i++) if (!isDigit(part.charCodeAt(i))) return null
  const digits = part.slice(1)
  if (n === 19 && digits > MAX_INDEX) return null
  return digits
}

/** Applies one raw part to the stack of canonical (escaped) parts (§2.4). */
function pushRawPart(stack: string[], raw: string): void {
  if (raw === '' || raw === '.') return
  if (raw === '..') {
    stack.pop()
    return
  }
  if (raw.charCodeAt(0) === 0x23) {
    const digits = arrayDigits(raw)
    if (digits !== null) {
      stack.push('#' + '_'.repeat(digits.length - 1) + digits)
      return
    }
  }
  stack.push(raw)
}

function unescapePart(escaped: string): string {
  if (escaped === '%') return ''
  if (escaped.indexOf('\\') === -1) return escaped
  return escaped.replace(/\\([\s\S])/g, '$1')
}

// Anything outside printable-ish ASCII needs the slow checks (NUL, lone surrogates, UTF-8 bytes).
const NEEDS_CARE = /[^\x01-\x7f]/

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function textError(s: string): string | null {
  if (s.indexOf('\0') !== -1) return 'contains a NUL character'
  if (LONE_SURROGATE.test(s)) return 'is not valid Unicode (lone surrogate)'
  return null
}

const NON_ASCII = /[^\x00-\x7f]/

function toLatin1(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s
}

function sortKeyOf(ns: Namespace, parts: readonly string[]): string {
  if (parts.length === 0) return NS_CHAR[ns] + '\0\0'
  return NS_CHAR[ns] + '\0' + toLatin1(parts.join('\0')) + '\0'
}

// Not frozen: freezing doubled the parse time; `readonly` types guard the shared (cached) objects.
function makeName(ns: Namespace, canonical: string, parts: readonly string[]): KeyName {
  return { canonical, namespace: ns, parts, sortKey: sortKeyOf(ns, parts) }
}

/**
 * True if `s` from `start` (the start of a part) on is a run of plain parts that need no
 * canonicalisation, unescaping or UTF-8 care: printable ASCII without `\` and `%`, no empty part,
 * no part starting with `.`, no trailing `/`, no `#` + digits part that is rewritten (§2.4).
 */
function isPlainFrom(s: string, start: number): boolean {
  const n = s.length
  if (start >= n || s.charCodeAt(start) === 0x2e || s.charCodeAt(start) === 0x2f) return false
  for (let j = start; j < n; j++) {
    const c = s.charCodeAt(j)
    if (c === 0x2f) {
      if (j + 1 === n) return false
      const next = s.charCodeAt(j + 1)
      if (next === 0x2f || next === 0x2e) return false
    } else if (c === 0x23) {
      if ((j === start || s.charCodeAt(j - 1) === 0x2f) && rewrittenArrayPart(s, j)) return false
    } else if (c < 0x20 || c > 0x7e || c === 0x5c || c === 0x25) return false
  }
  return true
}

/** The part at `at` (a `#`) is `#` + digits that §2.4 rewrites (2+ digits, in range). */
function rewrittenArrayPart(s: string, at: number): boolean {
  let j = at + 1
  while (j < s.length && isDigit(s.charCodeAt(j))) j++
  if (!endsPart(s, j)) return false
  const n = j - at - 1
  if (n < 2 || n > 19 || s.charCodeAt(at + 1) === 0x30) return false
  return n < 19 || s.slice(at + 1, j) <= MAX_INDEX
}

/** Builds a name from canonical escaped parts; `hint` is reused when it is already canonical. */
function fromEscaped(ns: Namespace, escParts: readonly string[], hint?: string): KeyName {
  const built = namespacePrefix(ns) + '/' + escParts.join('/')
  // keep the caller's string when it already is canonical (one string instead of two)
  const canonical = built === hint ? hint : built
  // upstream #3902: a lone `%` unescapes to the empty part, making the name equal to the root
  const parts = escParts.length === 1 && escParts[0] === '%' ? [] : escParts.map(unescapePart)
  return makeName(ns, canonical, parts)
}

/** Escaped parts of a canonical name (the inverse of joining them with `/`). */
export function escapedParts(k: KeyName): string[] {
  const start = k.namespace === 'cascading' ? 1 : k.namespace.length + 2
  if (start >= k.canonical.length) return []
  return splitRaw(k.canonical, start)
}

// ---------------------------------------------------------------------------------------------
// parsing (§2.2, §2.4)

/** The namespace named by `input[0, end)`, without slicing (this runs for every name read). */
function namespaceAt(input: string, end: number): Namespace | undefined {
  let ns: Namespace
  switch (end) {
    case 3:
      ns = 'dir'
      break
    case 4:
      switch (input.charCodeAt(0)) {
        case 0x75:
          ns = 'user'
          break
        case 0x6d:
          ns = 'meta'
          break
        case 0x73:
          ns = 'spec'
          break
        case 0x70:
          ns = 'proc'
          break
        default:
          return undefined
      }
      break
    case 6:
      ns = 'system'
      break
    case 7:
      ns = 'default'
      break
    default:
      return undefined
  }
  return input.startsWith(ns) ? ns : undefined
}

function parseUncached(input: string): KeyName | string {
  if (input === '') return 'empty name'
  let i = 0
  while (i < input.length) {
    const c = input.charCodeAt(i)
    if (c === 0x3a || c === 0x2f) break
    i++
  }
  if (i === input.length) return "a key name starts with '/' or a namespace such as 'user:/'"
  let ns: Namespace = 'cascading'
  let rest = 0
  if (input.charCodeAt(i) === 0x2f) {
    if (i !== 0) return "a key name starts with '/' or a namespace such as 'user:/'"
  } else {
    const found = namespaceAt(input, i)
    if (found === undefined) return `unknown namespace ${JSON.stringify(input.slice(0, i))}`
    if (input.charCodeAt(i + 1) !== 0x2f) return `namespace ${found} must be followed by ':/'`
    ns = found
    rest = i + 1
  }
  if (rest + 1 === input.length) return rootOf(ns)
  if (isPlainFrom(input, rest + 1)) {
    const path = input.slice(rest + 1)
    // for plain ASCII the unescaped name is the path with 0 for `/` (cheaper than joining parts)
    const sortKey = NS_CHAR[ns] + '\0' + path.replaceAll('/', '\0') + '\0'
    return { canonical: input, namespace: ns, parts: path.split('/'), sortKey }
  }
  if (NEEDS_CARE.test(input)) {
    const err = textError(input)
    if (err !== null) return err
  }
  const err = escapeError(input, rest)
  if (err !== null) return err
  const stack: string[] = []
  for (const raw of splitRaw(input, rest + 1)) pushRawPart(stack, raw)
  return fromEscaped(ns, stack, input)
}

// Two generations: recently used names survive a generation change; memory stays bounded, and
// a stream of unique names (a dump file) never builds a huge map.
const GENERATION = 32_768
let young = new Map<string, KeyName>()
let old = new Map<string, KeyName>()

/** Parses a complete key name; throws KeyNameError. Results are cached and shared: never mutate. */
export function parseKeyName(input: string): KeyName {
  let hit = young.get(input)
  if (hit !== undefined) return hit
  hit = old.get(input)
  if (hit === undefined) {
    const r = parseUncached(input)
    if (typeof r === 'string') throw new KeyNameError(input, r)
    hit = r
  }
  if (young.size >= GENERATION) {
    old = young
    young = new Map()
  }
  young.set(input, hit)
  return hit
}

/** The reason `input` is not a valid complete key name, or null if it is valid. */
export function validateKeyName(input: string): string | null {
  if (young.has(input) || old.has(input)) return null
  const r = parseUncached(input)
  return typeof r === 'string' ? r : null
}

/** Accepts a KeyName or parses a string. */
export function toKeyName(name: string | KeyName): KeyName {
  return typeof name === 'string' ? parseKeyName(name) : name
}

// ---------------------------------------------------------------------------------------------
// building names (§2.7, §2.8)

/** Appends an escaped relative name (`keyAddName`); the namespace never changes. */
export function addName(base: KeyName, relative: string): KeyName {
  let i = 0
  while (i < relative.length && relative.charCodeAt(i) === 0x2f) i++
  if (i === relative.length) return base
  // plain parts are appended as they are (base `/%` has no parts but is no root: general path)
  const root = base.parts.length === 0 && base.canonical.endsWith('/')
  if ((root || base.parts.length > 0) && isPlainFrom(relative, i)) {
    const rel = i === 0 ? relative : relative.slice(i)
    const parts = rel.split('/')
    return {
      canonical: root ? base.canonical + rel : base.canonical + '/' + rel,
      namespace: base.namespace,
      parts: root ? parts : base.parts.concat(parts),
      sortKey: (root ? base.sortKey.slice(0, 2) : base.sortKey) + rel.replaceAll('/', '\0') + '\0'
    }
  }
  const fail = (reason: string): never => {
    throw new KeyNameError(
      relative,
      reason,
      `cannot append ${JSON.stringify(relative)} to ${base.canonical}: ${reason}`
    )
  }
  if (NEEDS_CARE.test(relative)) {
    const err = textError(relative)
    if (err !== null) fail(err)
  }
  const err = escapeError(relative, i)
  if (err !== null) fail(err)
  const stack = escapedParts(base)
  for (const raw of splitRaw(relative, i)) pushRawPart(stack, raw)
  return fromEscaped(base.namespace, stack)
}

/** Escapes one unescaped part so that parsing gives it back unchanged (§2.8, without the C bug). */
export function escapePart(part: string): string {
  switch (part) {
    case '':
      return '%'
    case '%':
      return '\\%'
    case '.':
      return '\\.'
    case '..':
      return '\\..'
  }
  if (part.length >= 3 && arrayDigits(part) !== null) return '\\' + part
  if (part.indexOf('\\') === -1 && part.indexOf('/') === -1) return part
  return part.replace(/[\\/]/g, '\\$&')
}

function checkPart(part: string): void {
  if (NEEDS_CARE.test(part)) {
    const err = textError(part)
    if (err !== null) throw new KeyNameError(part, `key name part ${err}`)
  }
}

/** Builds a name from unescaped parts. */
export function keyNameFromParts(ns: Namespace, parts: readonly string[]): KeyName {
  for (const p of parts) checkPart(p)
  return fromEscaped(ns, parts.map(escapePart))
}

/** Appends one unescaped part (`keyAddBaseName`). */
export function addBaseName(base: KeyName, part: string): KeyName {
  checkPart(part)
  const esc = escapedParts(base)
  esc.push(escapePart(part))
  return fromEscaped(base.namespace, esc)
}

/** Replaces (or with null removes) the last part (`keySetBaseName`); fails on a root key. */
export function setBaseName(base: KeyName, part: string | null): KeyName {
  const esc = escapedParts(base)
  if (esc.length === 0)
    throw new KeyNameError(base.canonical, 'a root key has no base name to replace')
  esc.pop()
  if (part !== null) {
    checkPart(part)
    esc.push(escapePart(part))
  }
  return fromEscaped(base.namespace, esc)
}

export function baseName(k: KeyName): string {
  return k.parts.length === 0 ? '' : (k.parts[k.parts.length - 1] as string)
}

const roots = new Map<Namespace, KeyName>()

/** The root key of a namespace: `/`, `user:/`, ... */
export function rootOf(ns: Namespace): KeyName {
  let r = roots.get(ns)
  if (r === undefined) {
    r = makeName(ns, namespacePrefix(ns) + '/', [])
    roots.set(ns, r)
  }
  return r
}

export function isRoot(k: KeyName): boolean {
  return k.parts.length === 0
}

// ---------------------------------------------------------------------------------------------
// order and hierarchy (§2.10, §3)

export function compareKeyNames(a: KeyName, b: KeyName): number {
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0
}

/** The unescaped name as bytes (namespace byte, 0, parts separated and ended by 0). */
export function unescapedBytes(k: KeyName): Uint8Array {
  return new Uint8Array(Buffer.from(k.sortKey, 'latin1'))
}

function partsPrefix(a: readonly string[], b: readonly string[]): boolean {
  if (a.length > b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * libelektra's `keyIsBelowOrSame`: the namespace is ignored when either side is cascading, except
 * that the cascading root and a namespace root are unrelated (recording.md quirk Q9).
 */
export function isBelowOrSame(a: KeyName, b: KeyName): boolean {
  const aCasc = a.namespace === 'cascading'
  const bCasc = b.namespace === 'cascading'
  if (!aCasc && !bCasc) {
    if (a.namespace !== b.namespace) return false
  } else if (aCasc !== bCasc && a.parts.length === 0 && b.parts.length === 0) return false
  return partsPrefix(a.parts, b.parts)
}

/**
 * `b` is strictly below `a` (libelektra 0.11 `keyIsBelow`): below-or-same with more parts, so
 * `user:/a` is not below `/a` (same parts), though `user:/a/b` is.
 */
export function isBelow(a: KeyName, b: KeyName): boolean {
  return a.parts.length !== b.parts.length && isBelowOrSame(a, b)
}

/** `b` is below `a` with exactly one more part (namespace rule as isBelowOrSame). */
export function isDirectlyBelow(a: KeyName, b: KeyName): boolean {
  return b.parts.length === a.parts.length + 1 && isBelowOrSame(a, b)
}

// ---------------------------------------------------------------------------------------------
// names built by concatenation (readers of large files)

/**
 * True if `rel` is a canonical relative name that needs no unescaping: printable ASCII without
 * `\ % #`, no empty part, no part starting with `.` (the bulk of real files). Its escaped and
 * unescaped spellings are then the same, and its parts are `rel.split('/')`.
 */
export function isPlainRelative(rel: string): boolean {
  const n = rel.length
  if (n === 0 || rel.charCodeAt(0) === 0x2f || rel.charCodeAt(0) === 0x2e) return false
  for (let j = 0; j < n; j++) {
    const c = rel.charCodeAt(j)
    if (c === 0x2f) {
      // an empty part (`//`, trailing `/`) or a part starting with `.` needs canonicalising
      if (j + 1 === n) return false
      const next = rel.charCodeAt(j + 1)
      if (next === 0x2f || next === 0x2e) return false
    } else if (c < 0x20 || c > 0x7e || c === 0x5c || c === 0x25 || c === 0x23) return false
  }
  return true
}

/**
 * A name below `base` whose relative part is plain. Its parts (an array and a string per part) are
 * split from the canonical spelling only when first read: reading a 100 000-key file otherwise
 * spends much of its time and memory on parts that nothing reads (a session file's names are
 * renamed at once, and `record state` only counts them). Everything else is as in `makeName`.
 */
class PlainKeyName implements KeyName {
  readonly canonical: string
  readonly namespace: Namespace
  readonly sortKey: string
  readonly #base: readonly string[]
  // the plain relative name: canonical = (base's canonical + '/' or a root's) + rel
  readonly #rel: string
  #parts: readonly string[] | undefined

  constructor(base: KeyName, prefix: string, rel: string, sortKey: string) {
    this.canonical = prefix + rel
    this.namespace = base.namespace
    this.sortKey = sortKey
    this.#base = base.parts
    this.#rel = rel
    this.#parts = undefined
  }

  get parts(): readonly string[] {
    let p = this.#parts
    if (p === undefined) {
      const rel = this.#rel.split('/')
      p = this.#base.length === 0 ? rel : this.#base.concat(rel)
      this.#parts = p
    }
    return p
  }

  /** canonical.slice(at) if that lies within the plain relative name, else null. */
  static plainTail(k: KeyName, at: number): string | null {
    if (!(k instanceof PlainKeyName)) return null
    const skip = at - (k.canonical.length - k.#rel.length)
    return skip >= 0 ? k.#rel.slice(skip) : null
  }
}

/**
 * `k.canonical.slice(at)` when `k` came from appendPlain and `at` lies within its plain relative
 * name, so that the tail is known to be plain too if `at` starts a part (and is not past the end);
 * else null. Slicing the relative name also spares flattening the concatenated canonical spelling.
 */
export function plainTail(k: KeyName, at: number): string | null {
  return PlainKeyName.plainTail(k, at)
}

/**
 * `base` + `/` + `rel` for a `rel` that `isPlainRelative` accepts (unchecked: the caller tests it),
 * the same name `parseKeyName` gives, without parsing. Null for a base that is neither a root nor has
 * parts (`user:/%`, upstream #3902): parse those. `sortKey`, when the caller has it by slicing
 * another name's, is taken as it is (unchecked).
 */
export function appendPlain(base: KeyName, rel: string, sortKey?: string): KeyName | null {
  // `user:/a\/` ends in `/` too: only a key without parts is a namespace root
  const root = base.parts.length === 0
  if (root && !base.canonical.endsWith('/')) return null
  const prefix = root ? base.canonical : base.canonical + '/'
  if (sortKey === undefined) {
    const sortBase = root ? base.sortKey.slice(0, 2) : base.sortKey
    sortKey = sortBase + rel.replaceAll('/', '\0') + '\0'
  }
  return new PlainKeyName(base, prefix, rel, sortKey)
}
