// `export --update FILE`: rewrites the generated tasks of a playbook so they declare what the session says,
// keeping a person's edits inside them where the session did not change that key, and every byte outside.
import { isMap, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml'
import type { Key } from '../kdb/key.js'
import { parseKeyName, type KeyName } from '../kdb/keyname.js'
import type { KeySet } from '../kdb/keyset.js'
import { transactionName } from '../transaction/name.js'
import { declarations, type Declaration, type SessionInput } from './declarations.js'
import type { AnsibleExportOptions } from './export-ansible.js'
import { modulePair, scalarText } from './module-tasks.js'
import { emptyOldTree, nameKey, nameKeyOf, readOldTree, type OldEntry, type OldTree } from './old-tree.js'
import { emitGenerated, GENERATED_TAG } from './playbook-emit.js'
import { planTasks, type ModuleTask } from './playbook-plan.js'
import { LineArray } from './line-sink.js'
import { SourceText } from './source-text.js'
import type { Reuse } from './tree-emit.js'
import type { TreeNode } from './key-tree.js'
import { readDocuments, yamlErrorMessage } from './documents.js'

/**
 * What the last export or update of a template declared: canonical key name → fingerprint of what
 * was declared for it, separately for preconditions and changes. Stored with the session.
 */
export interface DeclaredState {
  asserts: Map<string, string>
  changes: Map<string, string>
}

export function emptyDeclared(): DeclaredState {
  return { asserts: new Map(), changes: new Map() }
}

/** A file this command cannot update; nothing was written. */
export class UpdateError extends Error {
  readonly file: string
  readonly line: number
  readonly col: number
  constructor(file: string, line: number, col: number, reason: string) {
    super(`${file}:${line}:${col}: ${reason}`)
    this.name = 'UpdateError'
    this.file = file
    this.line = line
    this.col = col
  }
}

export interface UpdateInput {
  text: string
  /** for messages */
  file: string
  session: SessionInput
  opts?: AnsibleExportOptions
  /** the state after the last export/update of this file (null: unknown, every declared key is rewritten) */
  declared: DeclaredState | null
  /** the current keys of the key database among `names` (for keys that left the session) */
  current: (names: KeyName[]) => Promise<KeySet> | KeySet
}

export interface UpdateResult {
  text: string
  changed: boolean
  declared: DeclaredState
}

/** A cyrb53-style 53-bit hash over several strings (not cryptographic: it tells "changed since" apart). */
class Hash53 {
  private h1: number
  private h2: number
  constructor(seed: number) {
    this.h1 = 0xdeadbeef ^ seed
    this.h2 = 0x41c6ce57 ^ seed
  }
  add(s: string): this {
    let h1 = this.h1
    let h2 = this.h2
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 2654435761)
      h2 = Math.imul(h2 ^ c, 1597334677)
    }
    // a separator, so ("ab", "c") and ("a", "bc") differ
    this.h1 = Math.imul(h1 ^ 0x10000, 2654435761)
    this.h2 = Math.imul(h2 ^ 0x10000, 1597334677)
    return this
  }
  value(): number {
    let h1 = this.h1
    let h2 = this.h2
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
    return 4294967296 * (2097151 & h2) + (h1 >>> 0)
  }
}

/**
 * Fingerprint of what a declaration says: its kind, value and metadata (metadata hashed entry by entry
 * and summed, so insertion order does not matter). Same declaration → same fingerprint across runs.
 */
export function fingerprint(d: Declaration): string {
  const k = d.kind === 'delete' || d.kind === 'assert-absent' ? null : d.key
  const main = new Hash53(0).add(d.kind)
  let h = 0
  if (k !== null) {
    const v = k.value
    if (v === null) main.add('null')
    else if (typeof v === 'string') main.add('s').add(v)
    else main.add('b').add(Buffer.from(v).toString('latin1'))
    for (const [n, mv] of k.meta) h += new Hash53(1).add(n).add(mv).value()
  }
  return ((main.value() + h) % Number.MAX_SAFE_INTEGER).toString(36)
}

/** The state to remember after writing a freshly generated playbook. */
export function declaredOf(asserts: Declaration[], changes: Declaration[]): DeclaredState {
  const state = emptyDeclared()
  for (const d of asserts) if (d.kind !== 'keep') state.asserts.set(d.name.canonical, fingerprint(d))
  for (const d of changes) if (d.kind !== 'keep') state.changes.set(d.name.canonical, fingerprint(d))
  return state
}

interface Generated {
  item: YAMLMap
  list: YAMLSeq
}

const TASK_LISTS = ['tasks', 'pre_tasks', 'post_tasks', 'handlers']

function hasGeneratedTag(task: YAMLMap): boolean {
  const tags = task.get('tags', true)
  if (isSeq(tags)) return tags.items.some(t => scalarText(t) === GENERATED_TAG)
  return scalarText(tags) === GENERATED_TAG
}

function findGenerated(list: YAMLSeq, out: Generated[]): void {
  for (const item of list.items) {
    if (!isMap(item)) continue
    if (hasGeneratedTag(item)) out.push({ item, list })
    else
      for (const s of ['block', 'rescue', 'always']) {
        const sub = item.get(s, true)
        if (isSeq(sub)) findGenerated(sub, out)
      }
  }
}

function plays(doc: { contents: unknown }): YAMLMap[] {
  const top = doc.contents as Node | null
  return isSeq(top) ? top.items.filter(isMap) : []
}

/** The module tasks inside a generated item (itself, or its block's tasks). */
function moduleTasksOf(item: YAMLMap): YAMLMap[] {
  if (modulePair(item) !== null) return [item]
  const block = item.get('block', true)
  return isSeq(block) ? block.items.filter(isMap).filter(t => modulePair(t) !== null) : []
}

interface Pools {
  asserts: OldTree
  changes: OldTree
}

function readPools(item: YAMLMap | null, src: SourceText): Pools {
  const pools: Pools = { asserts: emptyOldTree(), changes: emptyOldTree() }
  if (item === null) return pools
  const counter = { n: 0 }
  for (const task of moduleTasksOf(item)) {
    const args = (modulePair(task) as Pair).value
    if (!isMap(args)) continue
    const tree = emptyOldTree()
    readOldTree(args, src, tree, counter)
    const declared = [...tree.entries.values()].filter(e => e.declared)
    const pool = declared.length > 0 && declared.every(e => e.assert) ? pools.asserts : pools.changes
    for (const [k, e] of tree.entries) pool.entries.set(k, e)
    for (const [k, o] of tree.firstOrder) if (!pool.firstOrder.has(k)) pool.firstOrder.set(k, o)
  }
  return pools
}

function byName(a: Declaration, b: Declaration): number {
  const x = a.name.sortKey
  const y = b.name.sortKey
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Merges the session's declarations with what the file holds. Returns the declarations to write and
 * the names whose old text is kept.
 */
function merge(
  fresh: Declaration[],
  pool: OldTree,
  before: Map<string, string> | null,
  dropped: Declaration[]
): { decls: Declaration[]; kept: Set<string>; state: Map<string, string> } {
  const decls: Declaration[] = []
  const kept = new Set<string>()
  const state = new Map<string, string>()
  const seen = new Set<string>()
  for (const d of [...fresh, ...dropped]) {
    const k = nameKeyOf(d.name)
    if (seen.has(k)) continue
    seen.add(k)
    const fp = fingerprint(d)
    state.set(d.name.canonical, fp)
    const old = pool.entries.get(k)
    const unchanged = before !== null && before.get(d.name.canonical) === fp
    if (unchanged && (old === undefined || !old.declared)) continue // deleted by hand: stays deleted
    if (unchanged && old !== undefined) kept.add(k)
    decls.push(d)
  }
  // entries a person added by hand (never declared by us) stay as they are; ours that are no longer
  // declared (preconditions dropped from the session) go
  for (const [k, e] of pool.entries) {
    if (!e.declared || seen.has(k) || before?.has(e.name.canonical) === true) continue
    decls.push({ name: e.name, kind: 'keep', key: null })
    kept.add(k)
  }
  decls.sort(byName)
  return { decls, kept, state }
}

function spaces(n: number): string {
  return ' '.repeat(Math.max(0, n))
}

/** Moves a line `delta` columns (blank lines lose their spaces when moved). */
function shift(line: string, delta: number): string {
  if (delta === 0) return line
  if (line.trim() === '') return ''
  if (delta > 0) return spaces(delta) + line
  const lead = line.length - line.trimStart().length
  return line.slice(Math.min(lead, -delta))
}

/** Reuse hooks over one pool of old entries. */
function reuseFor(pool: OldTree, kept: Set<string>, src: SourceText): Reuse {
  const above = (e: OldEntry, col: number): string[] => {
    const lines: string[] = []
    for (let l = e.line - 1; l >= 0; l--) {
      const t = src.line(l)
      const s = t.trim()
      if (s !== '' && !s.startsWith('#')) break
      lines.unshift(shift(t, col - e.col))
    }
    // blank lines right below the parent belong to nobody; keep only those between siblings
    while (lines.length > 0 && (lines[0] as string).trim() === '') lines.shift()
    return lines
  }
  return {
    above(ns, parts, col) {
      const e = pool.entries.get(nameKey(ns, parts))
      return e === undefined ? [] : above(e, col)
    },
    order(ns, parts, children) {
      const prefix = nameKey(ns, parts)
      const orderOf = (c: TreeNode): number | undefined =>
        pool.firstOrder.get((parts.length === 0 ? prefix : prefix + '\0') + c.part)
      const old = children.filter(c => orderOf(c) !== undefined)
      if (old.length === 0) return children
      old.sort((a, b) => (orderOf(a) as number) - (orderOf(b) as number))
      // new children go before the first old sibling that follows them in Elektra order
      const out = [...old]
      children.forEach((c, i) => {
        if (orderOf(c) !== undefined) return
        const next = children.slice(i + 1).find(x => orderOf(x) !== undefined)
        const at = next === undefined ? out.length : out.indexOf(next)
        out.splice(at, 0, c)
      })
      return out
    },
    body(ns, parts, col, withChildren) {
      const k = nameKey(ns, parts)
      if (!kept.has(k)) return null
      const e = pool.entries.get(k) as OldEntry
      const value = e.pair.value as Node | null
      const keyEnd = (e.pair.key as Node).range?.[1] ?? 0
      const colon = src.text.indexOf(':', keyEnd)
      const lastLine = value?.range == null ? e.line : src.lastLineBefore(value.range[1])
      const first = src.line(e.line)
      const inline = first.slice(colon + 1 - src.lineStart(e.line))
      const lines: string[] = []
      if (isSeq(value) && value.flow !== true) {
        const seqCol = src.position(value.range?.[0] ?? 0).col
        // the `- keys:` item is written again from the new tree
        const skip = new Set<number>()
        for (const item of value.items)
          if (isMap(item) && item.has('keys') && item.range !== undefined && item.range !== null) {
            const from = src.lineOf(item.range[0])
            const to = src.lastLineBefore(item.range[1])
            for (let l = from; l <= to; l++) skip.add(l)
          }
        for (let l = e.line + 1; l <= lastLine; l++) if (!skip.has(l)) lines.push(shift(src.line(l), col + 2 - seqCol))
        return { inline, lines }
      }
      if (withChildren) return null
      for (let l = e.line + 1; l <= lastLine; l++) lines.push(shift(src.line(l), col - e.col))
      return { inline, lines }
    }
  }
}

/** Where the generated text goes: replace lines [from, to) (to exclusive), at column `col`. */
interface Slot {
  from: number
  to: number
  col: number
  /** text before/after the generated lines (for inserting into `tasks: []`) */
  head?: string
}

function slotOfItem(g: Generated, src: SourceText, file: string): Slot {
  const start = g.item.range?.[0] ?? 0
  const { line, col } = src.position(start)
  const lead = src.line(line).slice(0, col)
  if (!/^ *- +$/.test(lead))
    throw new UpdateError(file, line + 1, col + 1, 'the generated task must be a block-style list item of its own')
  return { from: line, to: src.lastLineBefore(g.item.range?.[1] ?? start) + 1, col: lead.indexOf('-') }
}

/** No generated task yet (e.g. an empty export): the first play's `tasks`. */
function slotInPlay(docs: Array<{ contents: unknown }>, src: SourceText, file: string): Slot {
  for (const doc of docs)
    for (const play of plays(doc)) {
      const pair = play.items.find(p => scalarText(p.key) === 'tasks') as Pair | undefined
      if (pair === undefined) continue
      const v = pair.value
      const keyStart = (pair.key as Node).range?.[0] ?? 0
      const keyPos = src.position(keyStart)
      if (isSeq(v) && v.flow === true && v.items.length === 0) {
        return { from: keyPos.line, to: keyPos.line + 1, col: keyPos.col + 2, head: src.line(keyPos.line).slice(0, keyPos.col) + 'tasks:' }
      }
      if (isSeq(v) && v.items.length > 0) {
        const end = src.lastLineBefore(v.range?.[1] ?? 0) + 1
        const col = src.position(v.range?.[0] ?? 0).col
        return { from: end, to: end, col }
      }
    }
  throw new UpdateError(file, 1, 1, `no task tagged ${GENERATED_TAG} and no play with tasks: not a playbook elektra-playbook wrote`)
}

export async function updatePlaybook(input: UpdateInput): Promise<UpdateResult> {
  const { text, file } = input
  const opts = input.opts ?? {}
  const src = new SourceText(text)
  const docs = readDocuments(text)
  for (const doc of docs)
    for (const e of doc.errors) {
      const { line, col } = src.position(e.pos[0])
      throw new UpdateError(file, line + 1, col + 1, yamlErrorMessage(e))
    }
  const generated: Generated[] = []
  for (const doc of docs)
    for (const play of plays(doc))
      for (const l of TASK_LISTS) {
        const list = play.get(l, true)
        if (isSeq(list)) findGenerated(list, generated)
      }
  if (generated.length > 1) {
    const { line, col } = src.position(generated[1]?.item.range?.[0] ?? 0)
    throw new UpdateError(file, line + 1, col + 1, `a second task tagged ${GENERATED_TAG}; keep one`)
  }
  const g = generated[0] ?? null
  const pools = readPools(g?.item ?? null, src)

  const fresh = declarations(input.session, { assertOld: opts.assertOld === true })
  // keys declared before that left the session: declare their current state (hosts may hold the old one)
  const freshChanges = new Set(fresh.changes.map(d => d.name.canonical))
  const goneNames: KeyName[] = []
  for (const canonical of input.declared?.changes.keys() ?? [])
    if (!freshChanges.has(canonical)) goneNames.push(parseKeyName(canonical))
  const dropped: Declaration[] = []
  if (goneNames.length > 0) {
    const now = await input.current(goneNames)
    for (const n of goneNames) {
      const k: Key | undefined = now.lookup(n)
      // replace: a host may hold metadata the earlier declaration gave the key, which the module keeps
      // unless the task removes the key first
      dropped.push(k === undefined ? { name: n, kind: 'delete', key: null } : { name: n, kind: 'set', key: k, replace: true })
    }
  }
  const a = merge(fresh.asserts, pools.asserts, input.declared?.asserts ?? null, [])
  const c = merge(fresh.changes, pools.changes, input.declared?.changes ?? null, dropped)
  const plan = planTasks(a.decls, c.decls, () => transactionName(input.session.diff, input.session.asserts), opts)

  const slot = g !== null ? slotOfItem(g, src, file) : slotInPlay(docs, src, file)
  const out = new LineArray()
  const assertHooks = reuseFor(pools.asserts, a.kept, src)
  const changeHooks = reuseFor(pools.changes, c.kept, src)
  const reuse = (task: ModuleTask): Reuse => (task.role === 'asserts' ? assertHooks : changeHooks)
  if (plan.tasks.length > 0) emitGenerated(plan, slot.col, out, { reuse })
  const lines: string[] = []
  for (let l = 0; l < slot.from; l++) lines.push(src.line(l))
  if (slot.head !== undefined) lines.push(plan.tasks.length > 0 ? slot.head : slot.head + ' []')
  for (const l of out.lines) lines.push(l)
  for (let l = slot.to; l < src.lineCount; l++) lines.push(src.line(l))
  const result = lines.join('\n')
  return {
    text: result,
    changed: result !== text,
    declared: { asserts: a.state, changes: c.state }
  }
}
