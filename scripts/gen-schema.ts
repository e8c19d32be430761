// `npm run schema`: the module's JSON schemas from src/playbook/module-args.ts (the one source of truth).
// Writes schemas/elektra-module.schema.json (the module's arguments) and
// schemas/elektra-playbook.schema.json (whole playbooks: every task that calls the module is checked).
// The mapping rules are listed at the top of module-args.ts.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  Node,
  Project,
  type InterfaceDeclaration,
  type JSDocableNode,
  type PropertySignature,
  type TypeNode
} from 'ts-morph'
import { parse as parseYaml } from 'yaml'

type Schema = Record<string, unknown>

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SOURCE = path.join(repo, 'src/playbook/module-args.ts')
export const MODULE_SCHEMA_FILE = path.join(repo, 'schemas/elektra-module.schema.json')
export const PLAYBOOK_SCHEMA_FILE = path.join(repo, 'schemas/elektra-playbook.schema.json')
const ROOT_TYPE = 'ElektraModuleArgs'
const FQCN = 'elektra_initiative.libelektra.elektra'

/** JSDoc of a node: its text (the description) and its tags, in order. */
function jsdoc(node: JSDocableNode): { description: string; tags: Array<[string, string]> } {
  const docs = node.getJsDocs()
  const last = docs[docs.length - 1]
  if (last === undefined) return { description: '', tags: [] }
  const description = (last.getDescription() ?? '').trim().replace(/\s*\n\s*/g, ' ')
  const tags = last.getTags().map(t => [t.getTagName(), (t.getCommentText() ?? '').trim()] as [string, string])
  return { description, tags }
}

const NUMERIC_TAGS = new Set(['minProperties', 'maxProperties', 'minItems', 'maxItems', 'minLength'])

/** Applies description and tags to a schema (tags named in module-args.ts's header). */
function annotate(schema: Schema, node: JSDocableNode): Schema {
  const { description, tags } = jsdoc(node)
  if (description !== '') schema.description = description
  const examples: unknown[] = []
  for (const [tag, text] of tags) {
    if (tag === 'example') examples.push(parseYaml(text))
    else if (tag === 'default') schema.default = parseYaml(text)
    else if (tag === 'pattern') schema.pattern = text
    else if (tag === 'keyPattern') schema.propertyNames = { pattern: text }
    else if (tag === 'deprecated') schema.deprecated = true
    else if (NUMERIC_TAGS.has(tag)) schema[tag] = Number(text)
  }
  if (examples.length > 0) schema.examples = examples
  return schema
}

/** A type written in module-args.ts → schema (references to declared types stay references). */
function typeSchema(t: TypeNode, refs: Set<string>): Schema {
  if (Node.isParenthesizedTypeNode(t)) return typeSchema(t.getTypeNode(), refs)
  if (Node.isUnionTypeNode(t)) {
    // `undefined` only makes optional properties fit an index signature; JSON has no such value
    const members = t
      .getTypeNodes()
      .filter(m => m.getText() !== 'undefined')
      .map(m => typeSchema(m, refs))
    if (members.length === 1) return members[0] as Schema
    // string literals, null and plain types fold into `enum`/`type`; anything else is `anyOf`
    if (members.every(m => Array.isArray(m.enum) && Object.keys(m).length === 1))
      return { enum: members.flatMap(m => m.enum as unknown[]) }
    if (members.every(m => typeof m.type === 'string' && Object.keys(m).length === 1))
      return { type: members.map(m => m.type) }
    return { anyOf: members }
  }
  if (Node.isArrayTypeNode(t)) return { type: 'array', items: typeSchema(t.getElementTypeNode(), refs) }
  if (Node.isLiteralTypeNode(t)) {
    const lit = t.getLiteral()
    if (Node.isStringLiteral(lit)) return { enum: [lit.getLiteralValue()] }
    if (Node.isNullLiteral(lit)) return { type: 'null' }
    if (Node.isTrueLiteral(lit)) return { enum: [true] }
    if (Node.isFalseLiteral(lit)) return { enum: [false] }
  }
  if (Node.isTypeReference(t)) {
    const name = t.getTypeName().getText()
    refs.add(name)
    return { $ref: `#/definitions/${name}` }
  }
  switch (t.getText()) {
    case 'string':
      return { type: 'string' }
    case 'number':
      return { type: 'number' }
    case 'boolean':
      return { type: 'boolean' }
    case 'null':
      return { type: 'null' }
  }
  throw new Error(`gen-schema: unsupported type ${t.getText()} at ${t.getSourceFile().getBaseName()}:${t.getStartLineNumber()}`)
}

/** Properties of an interface including those it extends (interfaces become closed objects). */
function allProperties(i: InterfaceDeclaration): PropertySignature[] {
  const out: PropertySignature[] = []
  for (const base of i.getBaseDeclarations())
    if (Node.isInterfaceDeclaration(base)) out.push(...allProperties(base))
  out.push(...i.getProperties())
  return out
}

function interfaceSchema(i: InterfaceDeclaration, refs: Set<string>): Schema {
  const schema: Schema = { type: 'object' }
  annotate(schema, i)
  const properties: Record<string, Schema> = {}
  const required: string[] = []
  for (const p of allProperties(i)) {
    const tn = p.getTypeNodeOrThrow()
    const s = annotate(typeSchema(tn, refs), p)
    // a bare $ref ignores siblings in draft-07: wrap it so descriptions reach the editor
    properties[p.getName()] = s.$ref !== undefined && Object.keys(s).length > 1 ? wrapRef(s) : s
    if (!p.hasQuestionToken()) required.push(p.getName())
  }
  if (Object.keys(properties).length > 0) schema.properties = properties
  if (required.length > 0) schema.required = required
  const index = i.getIndexSignatures()[0]
  if (index === undefined) schema.additionalProperties = false
  else {
    const s = typeSchema(index.getReturnTypeNodeOrThrow(), refs)
    const { description, tags } = jsdoc(index)
    schema.additionalProperties = description === '' ? s : wrapRef({ ...s, description })
    for (const [tag, text] of tags) if (tag === 'keyPattern') schema.propertyNames = { pattern: text }
  }
  return schema
}

function wrapRef(s: Schema): Schema {
  const { $ref, ...rest } = s
  return $ref === undefined ? s : { allOf: [{ $ref }], ...rest }
}

let parsed: Record<string, Schema> | null = null

/** Every exported type of module-args.ts as a definition (a fresh copy each call). */
export function moduleDefinitions(): Record<string, Schema> {
  parsed ??= parseDefinitions()
  return structuredClone(parsed)
}

function parseDefinitions(): Record<string, Schema> {
  const project = new Project({ skipAddingFilesFromTsConfig: true })
  const file = project.addSourceFileAtPath(SOURCE)
  const refs = new Set<string>()
  const defs: Record<string, Schema> = {}
  for (const i of file.getInterfaces()) if (i.isExported()) defs[i.getName()] = interfaceSchema(i, refs)
  for (const a of file.getTypeAliases())
    if (a.isExported()) defs[a.getName()] = annotate(typeSchema(a.getTypeNodeOrThrow(), refs), a)
  for (const r of refs) if (defs[r] === undefined) throw new Error(`gen-schema: type ${r} is not exported`)
  // the three syntaxes exclude each other (legacy needs `mountpoint`, single-key needs `key`)
  const root = defs[ROOT_TYPE] as Schema
  if (Array.isArray(root.anyOf)) {
    root.oneOf = root.anyOf
    delete root.anyOf
  }
  return defs
}

export function moduleSchema(): Schema {
  const defs = moduleDefinitions()
  const root = defs[ROOT_TYPE] as Schema
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'elektra-module.schema.json',
    title: FQCN,
    description: `Arguments of ${FQCN}. ${String(root.description ?? '')}`.trim(),
    $ref: `#/definitions/${ROOT_TYPE}`,
    definitions: defs
  }
}

/** Tasks that call the module (by FQCN or short name) are checked; blocks recurse; all else is open. */
export function playbookSchema(): Schema {
  const defs = moduleDefinitions()
  const moduleRef = { $ref: `#/definitions/${ROOT_TYPE}` }
  const taskList = { type: 'array', items: { $ref: '#/definitions/Task' } }
  defs.Task = {
    type: 'object',
    description: 'An Ansible task or block; module calls of elektra are checked against the module schema.',
    properties: {
      [FQCN]: moduleRef,
      elektra: moduleRef,
      'ansible.legacy.elektra': moduleRef,
      block: taskList,
      rescue: taskList,
      always: taskList
    }
  }
  defs.Play = {
    type: 'object',
    description: 'An Ansible play.',
    properties: {
      tasks: taskList,
      pre_tasks: taskList,
      post_tasks: taskList,
      handlers: taskList
    }
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'elektra-playbook.schema.json',
    title: `Ansible playbook using ${FQCN}`,
    description: 'A playbook (list of plays) whose elektra module tasks are checked.',
    type: 'array',
    items: { $ref: '#/definitions/Play' },
    definitions: defs
  }
}

export function schemaText(schema: Schema): string {
  return JSON.stringify(schema, null, 2) + '\n'
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(MODULE_SCHEMA_FILE, schemaText(moduleSchema()))
  writeFileSync(PLAYBOOK_SCHEMA_FILE, schemaText(playbookSchema()))
  process.stdout.write(`wrote ${path.relative(repo, MODULE_SCHEMA_FILE)}, ${path.relative(repo, PLAYBOOK_SCHEMA_FILE)}\n`)
}
