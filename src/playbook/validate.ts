// `validate FILE…`: every task that calls the module is checked against the schema (ajv), then the rules
// a schema cannot say (transaction order, blocks and rescue, key names, `chdir` for dir keys).
import { readFile } from 'node:fs/promises'
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv'
import {
  isMap,
  isScalar,
  isSeq,
  Document,
  type Node,
  type Pair,
  type YAMLMap
} from 'yaml'
import { addName, KeyNameError, parseKeyName, type KeyName } from '../kdb/keyname.js'
import { moduleCalls, modulePair, scalarText, type ModuleCall } from './module-tasks.js'
import { moduleSchema } from './schema.js'
import { ASSERT, DELETED, REMOVED } from '../meta/markers.js'
import { toPlain } from './fast-yaml.js'
import { readDocuments, yamlErrorMessage } from './documents.js'
import { SourceText } from './source-text.js'

export interface ValidationIssue {
  file: string
  line: number
  col: number
  message: string
}

export function formatIssue(i: ValidationIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.message}`
}

const Ajv = AjvModule.default
type Variant = 'LegacyArgs' | 'TreeArgs' | 'SingleKeyArgs'
let ajv: InstanceType<typeof Ajv> | null = null
const validators = new Map<Variant, ValidateFunction>()

/** The variant's validator, compiled on first use: a playbook rarely uses all three syntaxes. */
function validatorFor(v: Variant): ValidateFunction {
  const known = validators.get(v)
  if (known !== undefined) return known
  const schema = moduleSchema()
  if (ajv === null) {
    ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true })
    // the committed schema is checked against draft-07 by its own tests; compiling the meta-schema
    // for every run costs more than validating a thousand tasks
    ajv.addSchema(schema, undefined, undefined, false)
  }
  const f = ajv.getSchema(`${String(schema.$id)}#/definitions/${v}`)
  if (f === undefined) throw new Error(`schema has no definition ${v}`)
  validators.set(v, f)
  return f
}

/** Which syntax a task uses (module.md R1: `mountpoint` selects legacy; `key` the single-key form). */
function variantOf(args: Record<string, unknown>): Variant {
  if ('mountpoint' in args) return 'LegacyArgs'
  if ('key' in args) return 'SingleKeyArgs'
  return 'TreeArgs'
}

const JINJA = /\{[{%]/

function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** The YAML node at a JSON pointer below `node` (the deepest one found). */
function nodeAt(node: Node, tokens: string[]): Node {
  let cur: Node = node
  for (const t of tokens) {
    let next: unknown
    if (isMap(cur)) next = (cur.items.find(p => scalarText(p.key) === t) as Pair | undefined)?.value
    else if (isSeq(cur)) next = cur.items[Number(t)]
    if (next === undefined || next === null || typeof next !== 'object') return cur
    cur = next as Node
  }
  return cur
}

function keyNodeOf(map: Node, name: string): Node | null {
  if (!isMap(map)) return null
  const p = map.items.find(x => scalarText(x.key) === name)
  return p !== undefined && p.key !== null && typeof p.key === 'object' ? (p.key as Node) : null
}

function readablePath(tokens: string[]): string {
  let s = ''
  for (const t of tokens) s += /^\d+$/.test(t) ? `[${t}]` : s === '' ? t : `.${t}`
  return s
}

/** Keeps the most specific errors: drops an error when another one lies deeper below its path. */
function specific(errors: ErrorObject[]): ErrorObject[] {
  const useful = errors.filter(e => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if')
  return useful.filter(
    e => !useful.some(o => o !== e && o.instancePath.startsWith(e.instancePath + '/'))
  )
}

interface Sink {
  add(node: Node | null | undefined, message: string): void
}

function schemaIssues(call: ModuleCall, args: Record<string, unknown>, sink: Sink): void {
  const v = variantOf(args)
  const validate = validatorFor(v)
  if (validate(args)) return
  const argsNode = call.pair.value as Node
  const byPlace = new Map<string, { node: Node; where: string; messages: string[] }>()
  for (const e of specific(validate.errors ?? [])) {
    // Ansible templates strings before the module sees them: "{{ x }}" may become any type
    if (typeof e.data === 'string' && JINJA.test(e.data) && e.keyword === 'type') continue
    const tokens = pointerTokens(e.instancePath)
    let node = nodeAt(argsNode, tokens)
    let where = readablePath(tokens)
    let message = e.message ?? 'invalid'
    if (e.keyword === 'propertyNames') continue
    if (e.propertyName !== undefined) {
      // a tree root that is not spec, dir, user or system (module.md D26)
      node = keyNodeOf(node, e.propertyName) ?? node
      where = readablePath([...tokens, e.propertyName])
      message = 'a root is spec, dir, user or system, bare or as ns:/path'
    } else if (e.keyword === 'additionalProperties') {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty)
      node = keyNodeOf(node, extra) ?? node
      where = readablePath([...tokens, extra])
      message = tokens.length === 0 ? `unknown option in the ${syntaxName(v)} syntax` : 'unknown field'
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues
      message = `must be one of ${allowed.map(x => JSON.stringify(x)).join(', ')}`
    } else if (e.keyword === 'required') {
      message = `missing required option ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`
    }
    const place = `${where}\0${node.range?.[0] ?? 0}`
    const entry = byPlace.get(place) ?? { node, where, messages: [] }
    if (!entry.messages.includes(message)) entry.messages.push(message)
    byPlace.set(place, entry)
  }
  for (const { node, where, messages } of byPlace.values())
    sink.add(node, `${where === '' ? 'arguments' : where}: ${joinTypes(messages)}`)
}

function syntaxName(v: Variant): string {
  return v === 'LegacyArgs' ? 'legacy' : v === 'TreeArgs' ? 'tree' : 'single-key'
}

/** `must be string`, `must be number` … → one sentence. */
function joinTypes(messages: string[]): string {
  const types = messages.map(m => /^must be (\w+)$/.exec(m)?.[1])
  if (messages.length > 1 && types.every(t => t !== undefined))
    return `must be ${types.slice(0, -1).join(', ')} or ${types[types.length - 1] as string}`
  return messages.join('; ')
}

// ---------------------------------------------------------------------------------------------
// rules a schema cannot say

interface TxUse {
  call: ModuleCall
  name: string
  action: string
  node: Node
}

/** `transaction: {name, action}` of a module pair's arguments. */
function transactionArgs(pair: Pair): { name: string; action: string; node: Node } | null {
  const args = pair.value
  if (!isMap(args)) return null
  const tx = args.get('transaction', true)
  if (!isMap(tx)) return null
  const name = scalarText(tx.get('name', true))
  const action = scalarText(tx.get('action', true))
  if (name === null || action === null) return null
  return { name, action, node: tx }
}

function transactionOf(call: ModuleCall): TxUse | null {
  const t = transactionArgs(call.pair)
  return t === null ? null : { call, ...t }
}

function transactionRules(calls: ModuleCall[], sink: Sink): void {
  const uses = calls.map(transactionOf).filter((u): u is TxUse => u !== null)
  // order per play and name: create → use … → commit (rollbacks live in rescue sections)
  const state = new Map<string, string>()
  for (const u of uses) {
    const key = `${u.call.play}\0${u.name}`
    const prev = state.get(key)
    const inRescue = u.call.blocks.some(b => b.section !== 'block')
    if (u.action === 'rollback') {
      if (!inRescue)
        sink.add(u.node, `transaction ${u.name}: rollback belongs in a rescue: (or always:) section`)
      const args = u.call.pair.value as YAMLMap
      for (const opt of ['keys', 'remove', 'mount'])
        if (args.has(opt)) sink.add(keyNodeOf(args, opt), `transaction ${u.name}: rollback takes no ${opt}`)
      continue
    }
    if (u.action === 'create') {
      if (prev === 'create' || prev === 'use')
        sink.add(u.node, `transaction ${u.name}: created again before it was committed`)
      state.set(key, 'create')
    } else if (prev === undefined || prev === 'commit') {
      sink.add(u.node, `transaction ${u.name}: ${u.action} without a preceding create in this play`)
      state.set(key, u.action)
    } else state.set(key, u.action)
    // transactional tasks need a rescue that rolls back on failure
    if (!hasRollbackRescue(u)) sink.add(u.node, `transaction ${u.name}: ${u.action} outside a block: whose rescue: rolls it back`)
  }
  for (const [key, s] of state)
    if (s !== 'commit') {
      const [, name] = key.split('\0')
      const last = [...uses].reverse().find(u => `${u.call.play}\0${u.name}` === key && u.action !== 'rollback')
      sink.add(last?.node, `transaction ${name as string}: never committed (the last task must use action: commit)`)
    }
  // one transaction name per block
  const perBlock = new Map<YAMLMap, TxUse[]>()
  for (const u of uses) {
    const b = u.call.blocks[u.call.blocks.length - 1]
    if (b === undefined || b.section !== 'block' || u.action === 'rollback') continue
    const list = perBlock.get(b.block) ?? []
    list.push(u)
    perBlock.set(b.block, list)
  }
  for (const list of perBlock.values()) {
    const first = list[0] as TxUse
    for (const u of list)
      if (u.name !== first.name)
        sink.add(u.node, `transaction ${u.name}: a block holds one transaction, this one already uses ${first.name}`)
  }
}

/** Some enclosing block's `rescue:` rolls back this transaction. */
function hasRollbackRescue(u: TxUse): boolean {
  return u.call.blocks.some(b => {
    if (b.section !== 'block') return false
    const rescue = b.block.get('rescue', true)
    if (!isSeq(rescue)) return false
    return rescue.items.some(t => {
      const pair = isMap(t) ? modulePair(t) : null
      const r = pair === null ? null : transactionArgs(pair)
      return r !== null && r.name === u.name && r.action === 'rollback'
    })
  })
}

const MARKER_NAMES = new Set([DELETED, REMOVED, ASSERT])

/** Roots the schema accepts (its `@keyPattern`); only those are parsed here. */
const TREE_ROOT = /^(spec|dir|user|system)(:\/.*)?$/s

/** Key names of the tree syntax must parse (module.md D5, D26); dir keys need `chdir`. */
function treeNameRules(args: YAMLMap, sink: Sink): void {
  const keys = args.get('keys', true)
  if (!isSeq(keys)) return
  let dir: Node | null = null
  for (const item of keys.items) {
    if (!isMap(item)) continue
    for (const p of item.items) {
      const rootText = scalarText(p.key)
      if (rootText === null) continue
      if (!TREE_ROOT.test(rootText)) continue
      let root: KeyName
      try {
        root = parseKeyName(rootText.includes(':') ? rootText : `${rootText}:/`)
      } catch (e) {
        if (!(e instanceof KeyNameError)) throw e
        sink.add(p.key as Node, `invalid root ${JSON.stringify(rootText)}: ${e.reason}`)
        continue
      }
      if (root.namespace === 'dir') dir ??= p.key as Node
      walkNames(root, p.value as Node, sink)
    }
  }
  if (dir !== null && !args.has('chdir')) sink.add(dir, 'dir:/ keys need the option chdir (where .dir/default.ecf lives)')
}

function walkNames(base: KeyName, node: Node | null, sink: Sink): void {
  if (isMap(node)) {
    for (const p of node.items) {
      const frag = scalarText(p.key)
      if (frag === null) continue
      let child: KeyName
      try {
        child = addName(base, frag)
      } catch (e) {
        if (!(e instanceof KeyNameError)) throw e
        sink.add(p.key as Node, `invalid key name part ${JSON.stringify(frag)}: ${e.reason}`)
        continue
      }
      walkNames(child, p.value as Node, sink)
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      if (!isMap(item)) continue
      const children = item.get('keys', true)
      if (isMap(children)) walkNames(base, children, sink)
      const meta = item.get('meta', true)
      if (isMap(meta)) markerRules(meta, '', sink)
    }
  }
}

/** Ansible's booleans, as the module reads marker values (module.md D9). */
const BOOLEAN = /^(?:1|0|true|false|yes|no|on|off|y|n)$/i

/** Marker metadata (`elektra/deleted`, `…/removed`, `…/assert`) must hold a boolean (module.md A2). */
function markerRules(meta: YAMLMap, prefix: string, sink: Sink): void {
  for (const p of meta.items) {
    const k = scalarText(p.key)
    if (k === null) continue
    const name = prefix === '' ? k : `${prefix}/${k}`
    if (isMap(p.value)) markerRules(p.value, name, sink)
    else if (MARKER_NAMES.has(name)) {
      const v = isScalar(p.value) ? String(p.value.value) : null
      if (v === null || !BOOLEAN.test(v)) sink.add(p.value as Node, `meta ${name} takes a boolean such as '1'`)
    }
  }
}

/**
 * Map keys that are maps or lists (`b: {{ x }}` unquoted is a flow map whose key is a map): Ansible's
 * loader refuses them (unhashable key), so they are reported and the call is not checked further.
 */
function collectionKeys(node: unknown, sink: Sink): boolean {
  let found = false
  if (isMap(node)) {
    for (const p of node.items) {
      if (isMap(p.key) || isSeq(p.key)) {
        sink.add(p.key as Node, 'a map key must be a string: quote it (unquoted, {{ x }} is a YAML map)')
        found = true
      } else if (collectionKeys(p.value, sink)) found = true
    }
  } else if (isSeq(node)) for (const i of node.items) if (collectionKeys(i, sink)) found = true
  return found
}

// ---------------------------------------------------------------------------------------------

/** Checks one file's text; issues in document order. */
export function validateText(text: string, file: string): ValidationIssue[] {
  // the line index is built only when there is something to report
  let src: SourceText | null = null
  const issues: ValidationIssue[] = []
  const at = (offset: number, message: string): void => {
    src ??= new SourceText(text)
    const { line, col } = src.position(offset)
    issues.push({ file, line: line + 1, col: col + 1, message })
  }
  const sink: Sink = { add: (node, message) => at(node?.range?.[0] ?? 0, message) }
  const docs = readDocuments(text)
  for (const doc of docs) {
    for (const e of doc.errors) {
      at(e.pos[0], yamlErrorMessage(e))
    }
    if (doc.errors.length > 0) continue
    const calls = moduleCalls(doc)
    for (const call of calls) {
      const argsNode = call.pair.value
      if (!isMap(argsNode)) {
        if (!(isScalar(argsNode) && argsNode.value === null))
          sink.add(argsNode as Node, 'the module takes a map of options')
        continue
      }
      if (collectionKeys(argsNode, sink)) continue
      const args = (doc instanceof Document ? argsNode.toJS(doc) : toPlain(argsNode)) as Record<string, unknown>
      schemaIssues(call, args, sink)
      treeNameRules(argsNode, sink)
    }
    transactionRules(calls, sink)
  }
  issues.sort((a, b) => a.line - b.line || a.col - b.col)
  return issues
}

/** Reads and checks files; an unreadable file is one issue at 1:1. */
export async function validateFiles(files: string[]): Promise<ValidationIssue[]> {
  const out: ValidationIssue[] = []
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (e) {
      out.push({ file, line: 1, col: 1, message: `cannot read: ${(e as Error).message}` })
      continue
    }
    out.push(...validateText(text, file))
  }
  return out
}
