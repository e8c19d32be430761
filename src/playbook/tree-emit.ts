// Writes a key tree in the module's tree syntax. A small, exact emitter (no YAML document model): it
// is linear in the number of keys, and every scalar goes through yaml-scalar.ts's tested styles.
import { escapePart, namespacePrefix } from '../kdb/keyname.js'
import type { Key } from '../kdb/key.js'
import { ASSERT, BASE64, BINARY, DELETED, exportVariable, plainMeta } from '../meta/markers.js'
import type { Declaration } from './declarations.js'
import type { KeyTree, TreeNode } from './key-tree.js'
import type { LineSink } from './line-sink.js'
import { keyScalar, templateScalar, valueScalar } from './yaml-scalar.js'

/** One item list of a declared key, before YAML: value text (already a YAML scalar) and metadata. */
export interface KeyBody {
  /** YAML text of the value, or null for "no value item" */
  value: string | null
  /** metadata name (canonical, without `meta:/`) → string value */
  meta: Array<[string, string]>
}

const PADS: string[] = []

/** Indentation strings are shared (one per width), not built per line. */
function spaces(n: number): string {
  return (PADS[n] ??= ' '.repeat(n))
}

/**
 * A Jinja expression that is exactly `s`, or null when there is none. Ansible doubles every backslash
 * inside string literals of `{{ }}` before Jinja reads them (template/__init__.py _escape_backslashes),
 * so a literal's text comes out as written: no escapes are used. A quote is spliced in with `~`; an odd
 * run of backslashes before the closing quote would escape it, so such a piece gets a space that is
 * sliced off again; a CR has no spelling (Jinja turns it into LF).
 */
export function jinjaLiteral(s: string): string | null {
  if (s.includes('\r')) return null
  const piece = (p: string, q: string): string => {
    const trailing = /\\*$/.exec(p)?.[0].length ?? 0
    return trailing % 2 === 1 ? `(${q}${p} ${q})[:-1]` : q + p + q
  }
  if (!s.includes("'")) return piece(s, "'")
  if (!s.includes('"')) return piece(s, '"')
  return s
    .split("'")
    .map(p => piece(p, "'"))
    .join(` ~ "'" ~ `)
}

/** The variable name of a key whose value can be exported as a Jinja variable, else null. */
export function variableOf(key: Key): string | null {
  const v = key.value
  return typeof v === 'string' && jinjaLiteral(v) !== null ? exportVariable(key) : null
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')
}

/** Value and metadata of a key that is written or expected (binary as base64 with its marker). */
function stateBody(key: Key, templated: boolean): KeyBody {
  const meta = plainMeta(key)
  const v = key.value
  let value: string | null = null
  if (v instanceof Uint8Array) {
    value = valueScalar(base64(v))
    meta.push([BASE64, '1'])
  } else if (key.isBinary()) {
    // a binary key without a value: only the `binary` marker says what it is
    meta.unshift([BINARY, ''])
  } else if (v !== null) {
    const variable = templated ? variableOf(key) : null
    value =
      variable === null
        ? valueScalar(v)
        : templateScalar(`{{ ${variable} | default(${jinjaLiteral(v) as string}) }}`)
  }
  return { value, meta }
}

/** What the tree says about one declaration. */
export function declarationBody(d: Declaration): KeyBody {
  switch (d.kind) {
    case 'delete':
      return { value: null, meta: [[DELETED, '1']] }
    case 'assert-absent':
      return { value: null, meta: [[ASSERT, '1'], [DELETED, '1']] }
    case 'assert': {
      const body = stateBody(d.key as Key, false)
      body.meta.push([ASSERT, '1'])
      return body
    }
    case 'set':
      return stateBody(d.key as Key, true)
    case 'keep':
      throw new Error(`${d.name.canonical}: a kept entry has no generated body`)
  }
}

interface ItemPrefixes {
  value: string
  meta: string
  metaPad: string
  keys: string
}

const ITEMS: ItemPrefixes[] = []

/** The item lines of a key at column `ind` start the same way every time: built once per column. */
function itemPrefixes(ind: number): ItemPrefixes {
  let p = ITEMS[ind]
  if (p === undefined) {
    const item = spaces(ind + 2) + '- '
    p = { value: item + 'value: ', meta: item + 'meta:', metaPad: spaces(ind + 6), keys: item + 'keys:' }
    ITEMS[ind] = p
  }
  return p
}

const META_KEYS = new Map<string, string>()

/** `name: ` for a metadata name; the few names in use are formatted once. */
function metaKey(name: string): string {
  let k = META_KEYS.get(name)
  if (k === undefined) {
    k = keyScalar(name) + ': '
    if (META_KEYS.size < 10_000) META_KEYS.set(name, k)
  }
  return k
}

/**
 * Keeps hand-edited text during an in-place update (update.ts). `parts` are the node's unescaped parts
 * below the namespace root; `col` is the column of the node's key.
 */
export interface Reuse {
  /** the kept text of a declared node's value (first line's rest after `key:`, then whole lines), or null */
  body(ns: string, parts: readonly string[], col: number, withChildren: boolean): { inline: string; lines: string[] } | null
  /** comment and blank lines to keep above the node's key line */
  above(ns: string, parts: readonly string[], col: number): string[]
  /** the node's children in the order to write them */
  order(ns: string, parts: readonly string[], children: TreeNode[]): TreeNode[]
}

interface Ctx {
  reuse: Reuse | undefined
  tick: (() => void) | undefined
  ns: string
  /** parts of the node being written (mutated as a stack) */
  parts: string[]
}

/** Emits the body of a node whose `key:` text ends `out`'s last line; `ind` is that key's column. */
function emitNode(node: TreeNode, ind: number, out: LineSink, ctx: Ctx): void {
  if (node.decl === null) {
    emitChildren(node, ind + 2, out, ctx)
    return
  }
  ctx.tick?.()
  const hasChildren = node.children.length > 0
  const kept = ctx.reuse?.body(ctx.ns, ctx.parts, ind, hasChildren) ?? null
  if (kept !== null) {
    out.appendLast(kept.inline)
    for (const l of kept.lines) out.push(l)
    if (hasChildren) {
      out.push(spaces(ind + 2) + '- keys:')
      emitChildren(node, ind + 6, out, ctx)
    }
    return
  }
  const body = declarationBody(node.decl)
  if (body.meta.length === 0 && !hasChildren) {
    // the compact form: a scalar node sets the value (module.md §3.2); `[]` creates a key without one
    out.appendLast(body.value === null ? ' []' : ' ' + body.value)
    return
  }
  const item = itemPrefixes(ind)
  if (body.value !== null) out.push(item.value + body.value)
  if (body.meta.length > 0) {
    out.push(item.meta)
    for (const [n, v] of body.meta) out.push(item.metaPad + metaKey(n) + valueScalar(v))
  }
  if (hasChildren) {
    out.push(item.keys)
    emitChildren(node, ind + 6, out, ctx)
  }
}

/**
 * A part as the module appends it (keyAddName): `\%`, `\.` and `\..` are only valid escapes at a part
 * start, and the start of a relative name is none (keys-and-dump.md §2.7), so they get a leading `/`.
 */
export function fragment(part: string): string {
  const esc = escapePart(part)
  return esc === '\\%' || esc === '\\.' || esc === '\\..' ? '/' + esc : esc
}

function emitChildren(node: TreeNode, ind: number, out: LineSink, ctx: Ctx): void {
  const pad = spaces(ind)
  const reuse = ctx.reuse
  const children = reuse === undefined ? node.children : reuse.order(ctx.ns, ctx.parts, node.children)
  for (const child of children) {
    ctx.parts.push(child.part)
    if (reuse !== undefined) for (const l of reuse.above(ctx.ns, ctx.parts, ind)) out.push(l)
    out.push(pad + keyScalar(fragment(child.part)) + ':')
    emitNode(child, ind, out, ctx)
    ctx.parts.pop()
  }
}

/** The root name of a tree: the bare namespace, or the namespaced name of the common parent. */
export function rootName(tree: KeyTree): string {
  if (tree.rootParts.length === 0) return tree.namespace
  return namespacePrefix(tree.namespace) + '/' + tree.rootParts.map(escapePart).join('/')
}

/** The `keys:` list of one task: `- ROOT:` at column `ind`, its tree below. */
export function emitKeysList(tree: KeyTree, ind: number, out: LineSink, reuse?: Reuse, tick?: () => void): void {
  out.push(spaces(ind) + '- ' + keyScalar(rootName(tree)) + ':')
  emitNode(tree.root, ind + 2, out, { reuse, tick, ns: tree.namespace, parts: [...tree.rootParts] })
}
