// The fast block-YAML reader agrees with the yaml package wherever it answers, and answers for
// everything we generate.
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml'
import { describe, expect, it } from 'vitest'
import { fastParse, toPlain } from '../src/playbook/fast-yaml.js'
import { ANSIBLE_TAGS } from '../src/playbook/yaml-tags.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { playbookWithTasks } from '../bench/validate.bench.js'
import { SESSIONS, session } from './helpers/sessions.js'
import fc from 'fast-check'
import { Key } from '../src/kdb/key.js'
import { keyNameFromParts } from '../src/kdb/keyname.js'

const goldenDir = fileURLToPath(new URL('./fixtures/golden/', import.meta.url))
const goldens = readdirSync(goldenDir)
  .filter(f => f.endsWith('.yml'))
  .map(f => readFileSync(goldenDir + f, 'utf8'))

function library(text: string) {
  return parseDocument(text, { version: '1.1', customTags: ANSIBLE_TAGS })
}

/** Same structure, values and start offsets (scalars: also end offsets). */
function sameNodes(a: unknown, b: unknown, path: string): void {
  if (isScalar(a) && isScalar(b)) {
    expect(a.value, path).toEqual(b.value)
    if (a.value !== null) expect(a.range?.slice(0, 2), path).toEqual(b.range?.slice(0, 2))
    expect(a.tag ?? null, path).toEqual(b.tag === '!unsafe' ? '!unsafe' : (a.tag ?? null))
    return
  }
  if (isMap(a) && isMap(b)) {
    expect(a.range?.[0], path).toBe(b.range?.[0])
    expect(a.items.length, path).toBe(b.items.length)
    a.items.forEach((p, i) => {
      sameNodes(p.key, b.items[i]?.key, `${path}.key${i}`)
      sameNodes(p.value, b.items[i]?.value, `${path}.${String(toPlain(p.key))}`)
    })
    return
  }
  if (isSeq(a) && isSeq(b)) {
    expect(a.range?.[0], path).toBe(b.range?.[0])
    expect(a.items.length, path).toBe(b.items.length)
    a.items.forEach((x, i) => sameNodes(x, b.items[i], `${path}[${i}]`))
    return
  }
  throw new Error(`${path}: different node kinds`)
}

function agrees(text: string): boolean {
  const fast = fastParse(text)
  if (fast === null) return false
  const lib = library(text)
  expect(lib.errors).toEqual([])
  expect(toPlain(fast.contents)).toEqual(lib.toJS())
  sameNodes(fast.contents, lib.contents as Node, '$')
  return true
}

describe('fast YAML reader', () => {
  it('reads every golden and generated playbook exactly like the yaml package', () => {
    for (const text of goldens) expect(agrees(text)).toBe(true)
    for (const s of Object.values(SESSIONS)) expect(agrees(exportAnsible(s, { assertOld: true, chdir: '/x' }).text)).toBe(true)
    expect(agrees(playbookWithTasks(50))).toBe(true)
  })

  it('reads hand-written block YAML with comments, flow maps and odd keys', () => {
    const text = `---   # doc
# top comment
- name: play   # trailing
  hosts: "web:&db"
  vars:
    a: 1
    b: 0x1F
    c: yes
    d: ~
    e:
    f: 'it''s'
    g: "tab\\there \\u00e9 \\"q\\""
    -x: minus key
    url: http://example.org/a#b
  tasks:
  - name: t
    elektra:
      record: {skip: true, enable: no}
      keys: []
      remove: [a, b]
    tags: [x,y]
  -   debug: {msg: hi}
  - - nested
`
    // the nested sequence is outside the subset: no answer, the yaml package reads it
    expect(fastParse(text)).toBeNull()
    expect(agrees(text.replace('  - - nested\n', ''))).toBe(true)
  })

  it('agrees on playbooks of random keys and values (any Unicode)', () => {
    const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
    const str = fc.string({ unit: 'binary', maxLength: 8 }).filter(x => !x.includes('\0') && !LONE.test(x))
    const runs = fc.sample(fc.array(fc.tuple(fc.array(str.filter(x => x !== ''), { minLength: 1, maxLength: 3 }), str, str), { minLength: 1, maxLength: 6 }), { numRuns: 150, seed: 3 })
    for (const keys of runs) {
      const seen = new Set<string>()
      const added: Key[] = []
      for (const [parts, value, meta] of keys) {
        const k = Key.create(keyNameFromParts('user', parts), value, { type: meta })
        if (!seen.has(k.name.sortKey)) added.push(k)
        seen.add(k.name.sortKey)
      }
      const text = exportAnsible(session({ added })).text
      expect(agrees(text), text).toBe(true)
    }
  })

  it('leaves everything outside its subset to the yaml package', () => {
    const outside = [
      'a: |\n  block\n',
      'a: >\n  folded\n',
      'a: &x 1\nb: *x\n',
      'a: plain\n  continued\n',
      "a: 'multi\n  line'\n",
      'a: 1\na: 2\n',
      '? complex\n: key\n',
      'a: !!str 1\n',
      '--- 1\n--- 2\n',
      'a:\n\t- tab\n',
      'a: {b: {c: d}}\n',
      'a: [x, [y]]\n',
      '"a\nb": 1\n'
    ]
    for (const text of outside) expect(fastParse(text), JSON.stringify(text)).toBeNull()
  })
})
