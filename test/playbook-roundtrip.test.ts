// Random sessions → playbook → Ansible's own loader → the module's tree walk (module.md §3.2) gives back
// exactly the recorded keys, values and metadata: names, escaping, quoting and nesting all at once.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { addName, keyNameFromParts, parseKeyName, type KeyName } from '../src/kdb/keyname.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { session } from './helpers/sessions.js'
import { ansibleLoad, type Loaded } from './helpers/ansible-loader.js'
import { validateText } from '../src/playbook/validate.js'

type Entry = { value: string | null; meta: Record<string, string> }

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const clean = (s: string): boolean => !s.includes('\0') && !LONE_SURROGATE.test(s)

const part = fc
  .oneof(
    fc.constantFrom('a', 'b', 'app', '%', '', '.', '..', '#0', '#12', '#_12', 'yes', 'a/b', 'a\\b', '\\', '<<', '=', 'x y', '{{ v }}', '~', '#', '-'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 6 })
  )
  .filter(clean)
const text = fc.string({ unit: 'binary', maxLength: 10 }).filter(clean)
const metaName = fc.constantFrom('type', 'comment/#0', 'check/range', 'description', 'a b', 'yes')

const keyArb = fc.record({
  ns: fc.constantFrom('user', 'system', 'spec'),
  parts: fc.array(part, { minLength: 1, maxLength: 4 }),
  value: fc.option(text, { nil: null }),
  meta: fc.dictionary(metaName, text, { maxKeys: 2 }),
  removed: fc.boolean()
})

function str(x: Loaded): string {
  if (typeof x === 'string') return x
  if (typeof x === 'object' && x !== null && '!unsafe' in x) return x['!unsafe']
  throw new Error(`not a string: ${JSON.stringify(x)}`)
}

function pairs(x: Loaded): Array<[Loaded, Loaded]> {
  if (typeof x === 'object' && x !== null && '!map' in x) return x['!map']
  throw new Error(`not a map: ${JSON.stringify(x)}`)
}

/** The module's walk of tree-syntax `keys` (scalar = value, map = children, list = items). */
function walk(name: KeyName, node: Loaded, out: Map<string, Entry>): void {
  const entry = (): Entry => {
    // keyed by the unescaped name: `system:/%` is the root key (upstream #3902)
    let e = out.get(name.sortKey)
    if (e === undefined) out.set(name.sortKey, (e = { value: null, meta: {} }))
    return e
  }
  if (Array.isArray(node)) {
    const e = entry()
    for (const item of node)
      for (const [k, v] of pairs(item)) {
        if (k === 'value') e.value = str(v)
        else if (k === 'meta') for (const [mk, mv] of pairs(v)) e.meta[parseKeyName('meta:/' + str(mk)).canonical.slice(6)] = str(mv)
        else if (k === 'keys') for (const [ck, cv] of pairs(v)) walk(addName(name, str(ck)), cv, out)
        else throw new Error(`unexpected item ${String(k)}`)
      }
  } else if (typeof node === 'object' && node !== null && '!map' in node) {
    for (const [ck, cv] of pairs(node)) walk(addName(name, str(ck)), cv, out)
  } else entry().value = str(node)
}

function readBack(doc: Loaded): Map<string, Entry> {
  const out = new Map<string, Entry>()
  const play = new Map(pairs((doc as Loaded[])[0] as Loaded))
  const tasks = (play.get('tasks') ?? []) as Loaded[]
  const moduleTasks: Loaded[] = []
  for (const t of tasks) {
    const m = new Map(pairs(t))
    if (m.has('block')) moduleTasks.push(...(m.get('block') as Loaded[]))
    else moduleTasks.push(t)
  }
  for (const t of moduleTasks) {
    const args = new Map(pairs(new Map(pairs(t)).get('elektra_initiative.libelektra.elektra') as Loaded))
    for (const rootMap of args.get('keys') as Loaded[])
      for (const [root, node] of pairs(rootMap)) {
        const r = str(root)
        walk(parseKeyName(r.includes(':') ? r : `${r}:/`), node, out)
      }
  }
  return out
}

describe('generated playbooks read back by Ansible and the module walk', () => {
  it('give back every recorded key, value and metadata', () => {
    const runs = fc.sample(fc.array(keyArb, { minLength: 1, maxLength: 8 }), { numRuns: 60, seed: 7 })
    const cases = runs.map(keys => {
      const added: Key[] = []
      const removed: Key[] = []
      const want = new Map<string, Entry>()
      const seen = new Set<string>()
      for (const k of keys) {
        const name = keyNameFromParts(k.ns as 'user', k.parts)
        if (seen.has(name.sortKey)) continue
        seen.add(name.sortKey)
        const key = Key.create(name, k.value, k.meta)
        if (k.removed) {
          removed.push(key)
          want.set(name.sortKey, { value: null, meta: { 'elektra/deleted': '1' } })
        } else {
          added.push(key)
          want.set(name.sortKey, { value: key.value as string | null, meta: Object.fromEntries(key.metaEntries()) })
        }
      }
      const text = exportAnsible(session({ added, removed })).text
      return { text, want }
    })
    const docs = ansibleLoad(cases.map(c => c.text).join(''))
    expect(docs).toHaveLength(cases.length)
    cases.forEach((c, i) => {
      const got = readBack(docs[i] as Loaded)
      // parents appear as entries only when they are keys themselves
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(c.want))
      expect(validateText(c.text, `case${i}.yml`)).toEqual([])
    })
  })
})
