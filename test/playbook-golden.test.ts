import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { exportCommands } from '../src/playbook/export-commands.js'
import { SESSIONS } from './helpers/sessions.js'
import { ansibleLoad } from './helpers/ansible-loader.js'

const golden = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/golden/${name}`, import.meta.url))

/** Compares with the committed file; UPDATE_GOLDEN=1 rewrites it (then review the diff). */
function matchGolden(file: string, text: string): void {
  const p = golden(file)
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(p)) writeFileSync(p, text)
  expect(text).toBe(readFileSync(p, 'utf8'))
}

export function ansibleExportOf(name: string): string {
  const session = SESSIONS[name]
  if (session === undefined) throw new Error(name)
  return exportAnsible(session, { assertOld: name === 'asserts', chdir: '/srv/app' }).text
}

describe('golden playbooks', () => {
  for (const name of Object.keys(SESSIONS)) {
    it(`${name}: playbook and commands script are as committed`, () => {
      matchGolden(`${name}.yml`, ansibleExportOf(name))
      matchGolden(`${name}.sh`, exportCommands(SESSIONS[name]!).text)
    })
  }

  it('is stable: same session → same bytes', () => {
    for (const name of Object.keys(SESSIONS)) expect(ansibleExportOf(name)).toBe(ansibleExportOf(name))
  })

  it('every golden playbook loads with Ansible and keeps Jinja-looking values unsafe', () => {
    const names = Object.keys(SESSIONS)
    const docs = ansibleLoad(names.map(ansibleExportOf).join(''))
    expect(docs).toHaveLength(names.length)
    const jinja = JSON.stringify(docs[names.indexOf('jinja-looking')])
    expect(jinja).toContain('{"!unsafe":"{{ lookup(\\"pipe\\", \\"id\\") }}"}')
    expect(jinja).toContain('{"!unsafe":"{% for x in y %}{% endfor %}"}')
    expect(jinja).toContain('"{ not jinja }"')
  })
})
