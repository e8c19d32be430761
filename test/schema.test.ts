import { readFileSync } from 'node:fs'
import AjvModule from 'ajv'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import {
  MODULE_SCHEMA_FILE,
  PLAYBOOK_SCHEMA_FILE,
  moduleSchema as generateModuleSchema,
  playbookSchema,
  schemaText
} from '../scripts/gen-schema.js'
import { moduleSchema } from '../src/playbook/schema.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { ANSIBLE_TAGS } from '../src/playbook/yaml-tags.js'
import { SESSIONS } from './helpers/sessions.js'

const Ajv = AjvModule.default
const ajv = (): InstanceType<typeof Ajv> => new Ajv({ allErrors: true, strict: true, allowUnionTypes: true })

describe('schemas generated from module-args.ts', () => {
  it('the committed module schema is current (run `npm run schema` when this fails)', () => {
    expect(readFileSync(MODULE_SCHEMA_FILE, 'utf8')).toBe(schemaText(generateModuleSchema()))
  })

  it('the committed playbook schema is current', () => {
    expect(readFileSync(PLAYBOOK_SCHEMA_FILE, 'utf8')).toBe(schemaText(playbookSchema()))
  })

  it('describes all three syntaxes and the extensions, with descriptions', () => {
    const s = moduleSchema() as { definitions: Record<string, { properties?: Record<string, { description?: string }> }> }
    const props = (d: string): string[] => Object.keys(s.definitions[d]?.properties ?? {})
    expect(props('LegacyArgs')).toEqual(expect.arrayContaining(['mountpoint', 'keys', 'plugins', 'transaction', 'backend', 'root', 'chdir']))
    expect(props('TreeArgs')).toEqual(expect.arrayContaining(['mount', 'keys', 'remove', 'keepOrder', 'record', 'merge', 'transaction']))
    expect(props('SingleKeyArgs')).toEqual(expect.arrayContaining(['key', 'value', 'meta', 'deleted', 'assert']))
    for (const [name, def] of Object.entries(s.definitions))
      for (const [p, ps] of Object.entries(def.properties ?? {})) expect(ps.description, `${name}.${p}`).toBeTruthy()
  })

  it('every example in the schema is valid where it stands', () => {
    const schema = moduleSchema() as { definitions: Record<string, Record<string, unknown>> }
    const a = ajv()
    a.addSchema(schema)
    let checked = 0
    for (const [name, def] of Object.entries(schema.definitions)) {
      const places: Array<[string, Record<string, unknown>]> = [[`#/definitions/${name}`, def]]
      for (const [p, ps] of Object.entries((def.properties ?? {}) as Record<string, Record<string, unknown>>))
        places.push([`#/definitions/${name}/properties/${p}`, ps])
      for (const [ref, s] of places)
        for (const ex of (s.examples ?? []) as unknown[]) {
          const v = a.getSchema(`elektra-module.schema.json${ref}`)
          expect(v?.(ex), `${ref}: ${JSON.stringify(ex)} ${JSON.stringify(v?.errors)}`).toBe(true)
          checked++
        }
    }
    expect(checked).toBeGreaterThan(20)
  })

  it('the playbook schema accepts the generated playbooks and rejects a bad module option', () => {
    const validate = ajv().compile(playbookSchema())
    for (const [name, s] of Object.entries(SESSIONS)) {
      const doc = parse(exportAnsible(s, { assertOld: true, chdir: '/srv' }).text, { version: '1.1', customTags: ANSIBLE_TAGS })
      expect(validate(doc), `${name} ${JSON.stringify(validate.errors)}`).toBe(true)
    }
    const bad = [{ hosts: 'all', tasks: [{ block: [{ 'elektra_initiative.libelektra.elektra': { keys: [], bogus: 1 } }] }] }]
    expect(validate(bad)).toBe(false)
  })
})
