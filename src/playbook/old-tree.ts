// Reads the keys trees of an existing generated task (tree syntax) back into entries that point at their
// source text, so an in-place update can keep what a person edited.
import { isMap, isSeq, type Node, type Pair, type YAMLMap } from 'yaml'
import { addName, KeyNameError, parseKeyName, type KeyName } from '../kdb/keyname.js'
import { ASSERT } from '../meta/markers.js'
import type { SourceText } from './source-text.js'
import { scalarText } from './module-tasks.js'

/** Identity of a key in these maps: namespace and unescaped parts. */
export function nameKey(ns: string, parts: readonly string[]): string {
  return ns + '\0' + parts.join('\0')
}

export function nameKeyOf(n: KeyName): string {
  return nameKey(n.namespace, n.parts)
}

export interface OldEntry {
  name: KeyName
  pair: Pair
  /** 0-based line and column of the pair's key */
  line: number
  col: number
  /** the key itself is created (scalar or list node), not only a level of children */
  declared: boolean
  /** carries `elektra/assert` (a precondition) */
  assert: boolean
  /** document order */
  order: number
}

export interface OldTree {
  entries: Map<string, OldEntry>
  /** smallest document order at or below each name (for keeping a person's key order) */
  firstOrder: Map<string, number>
}

function metaHasAssert(node: unknown): boolean {
  if (isMap(node))
    return node.items.some(p => {
      const k = scalarText(p.key)
      if (k === ASSERT) return true
      if (k === 'elektra' && isMap(p.value)) return (p.value as YAMLMap).has('assert')
      return false
    })
  return false
}

function isAssertNode(node: unknown): boolean {
  if (!isSeq(node)) return false
  return node.items.some(
    i => isMap(i) && (metaHasAssert(i.get('meta', true)) || scalarText(i.get('assert', true)) === 'true')
  )
}

/** Walks one module task's `keys:` list (tree syntax). Unreadable parts are skipped, not fatal. */
export function readOldTree(args: YAMLMap, src: SourceText, into: OldTree, counter: { n: number }): void {
  const keys = args.get('keys', true)
  if (!isSeq(keys)) return
  const add = (name: KeyName, pair: Pair): void => {
    const start = (pair.key as Node).range?.[0] ?? 0
    const { line, col } = src.position(start)
    const value = pair.value as Node | null
    const declared = !isMap(value)
    const e: OldEntry = { name, pair, line, col, declared, assert: isAssertNode(value), order: counter.n++ }
    const k = nameKeyOf(name)
    into.entries.set(k, e)
    // entries come in document order: stop at the first prefix an earlier entry already holds
    for (let i = name.parts.length; i >= 0; i--) {
      const pk = i === name.parts.length ? k : nameKey(name.namespace, name.parts.slice(0, i))
      if (into.firstOrder.has(pk)) break
      into.firstOrder.set(pk, e.order)
    }
  }
  const walk = (base: KeyName, node: unknown): void => {
    let children: YAMLMap | null = null
    if (isMap(node)) children = node
    else if (isSeq(node))
      for (const item of node.items) {
        const sub: unknown = isMap(item) ? item.get('keys', true) : null
        if (isMap(sub)) children = sub
      }
    if (children === null) return
    for (const p of children.items) {
      const frag = scalarText(p.key)
      if (frag === null) continue
      let name: KeyName
      try {
        name = addName(base, frag)
      } catch (e) {
        if (e instanceof KeyNameError) continue
        throw e
      }
      add(name, p as Pair)
      walk(name, p.value)
    }
  }
  for (const item of keys.items) {
    if (!isMap(item)) continue
    for (const p of item.items) {
      const text = scalarText(p.key)
      if (text === null) continue
      let root: KeyName
      try {
        root = parseKeyName(text.includes(':') ? text : `${text}:/`)
      } catch (e) {
        if (e instanceof KeyNameError) continue
        throw e
      }
      add(root, p as Pair)
      walk(root, p.value)
    }
  }
}

export function emptyOldTree(): OldTree {
  return { entries: new Map(), firstOrder: new Map() }
}

/** True when the node is a plain scalar-ish value (no block collection to re-indent item by item). */
export function isBlockSeq(node: unknown): boolean {
  return isSeq(node) && node.flow !== true
}
