// Debian's ansible-lint on what the generator writes: every golden playbook must pass the production
// profile with the collection on the collections path. One combined playbook keeps this to one run
// (ansible-lint spends seconds per file on its own syntax check).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { session } from './helpers/sessions.js'

const ANSIBLE_LINT = '/usr/bin/ansible-lint'
const here = path.dirname(fileURLToPath(import.meta.url))
const GOLDEN = path.join(here, 'fixtures', 'golden')
const COLLECTIONS = path.resolve(here, '..', 'collection')

const present = existsSync(ANSIBLE_LINT)
const title = present ? 'ansible-lint' : `ansible-lint (skipped: ${ANSIBLE_LINT} is not installed)`
if (!present) console.warn(`${title}: apt-get install -y ansible-lint to run it`)

/** Values ansible-lint's rules misread as formatting: a CR (jinja[spacing]), a tab (no-tabs). */
function controlCharacters(): string {
  const s = session({
    added: [Key.create('user:/lint/cr', 'a\r\nb'), Key.create('system:/lint/tab', 'a\tb', { 'x\ry': 'c\rd' })]
  })
  return exportAnsible(s, {}).text
}

/** The golden playbooks' plays as one playbook (each file is a list of plays after its `---`). */
function combined(): string {
  const files = readdirSync(GOLDEN).filter(f => f.endsWith('.yml')).sort()
  const texts = files.map(f => [f, readFileSync(path.join(GOLDEN, f), 'utf8')])
  texts.push(['control characters', controlCharacters()])
  return '---\n' + texts.map(([f, t]) => (t as string).replace(/^---\n/, `# ${f}\n`)).join('')
}

describe.skipIf(!present)(title, () => {
  it('passes the production profile on every golden playbook and on control characters in values', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ep-lint-'))
    try {
      writeFileSync(path.join(dir, 'site.yml'), combined())
      const r = spawnSync(ANSIBLE_LINT, ['--nocolor', '--offline', '--profile', 'production', 'site.yml'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, ANSIBLE_COLLECTIONS_PATH: COLLECTIONS, NO_COLOR: '1', HOME: dir }
      })
      const report = `${r.stdout}\n${r.stderr}`
      expect(report, report).toContain('Passed with production profile: 0 failure(s), 0 warning(s)')
      expect(r.status, report).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
