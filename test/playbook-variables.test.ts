// `meta:/elektra/export/variable`: the value becomes a Jinja variable whose default is the recorded
// value; Ansible's own templar must give back exactly that value (quotes, backslashes, braces, newlines).
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { session } from './helpers/sessions.js'

// Loads the playbook with AnsibleLoader and templates every `value` with Ansible's Templar.
const PY = `
import json, sys
from ansible.parsing.yaml.loader import AnsibleLoader
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
vars = json.loads(sys.argv[1])
doc = AnsibleLoader(sys.stdin.read()).get_single_data()
templar = Templar(loader=DataLoader(), variables=vars)
out = []
def walk(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k == 'value':
                out.append(templar.template(v))
            walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(doc)
json.dump(out, sys.stdout)
`

function templated(text: string, vars: Record<string, string>): string[] {
  const r = spawnSync('/usr/bin/python3', ['-c', PY, JSON.stringify(vars)], { input: text, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return JSON.parse(r.stdout) as string[]
}

const VALUES = ["it's {{ me }}", 'back\\slash \\n', 'line\nbreak\ttab', "''", 'caf\u00e9 \u{1f600}', '{% raw %}', '', `both ' and " \\'`, '}}', 'ends\\', 'two\\\\', '\\', `"\\`, `'\\"\\'`]

describe('export variables', () => {
  it('default to exactly the recorded value, and take the variable when it is set', () => {
    const keys = VALUES.map((v, i) => Key.create(`user:/v/k${String(i).padStart(2, "0")}`, v, { 'elektra/export/variable': `var${i}` }))
    const text = exportAnsible(session({ added: keys })).text
    // values in order: k0, k1, … (the metadata items carry no `value`)
    expect(templated(text, {})).toEqual(VALUES)
    expect(templated(text, { var0: 'set' })[0]).toBe('set')
  })

  it('exports the plain value, with a warning, for an invalid name or a CR', () => {
    const warnings: string[] = []
    const keys = [
      Key.create('user:/v/x', '{{ y }}', { 'elektra/export/variable': 'not valid' }),
      Key.create('user:/v/y', 'a\r\nb', { 'elektra/export/variable': 'ok' })
    ]
    const text = exportAnsible(session({ added: keys }), { warn: m => warnings.push(m) }).text
    expect(templated(text, { y: 'no', ok: 'no' })).toEqual(['{{ y }}', 'a\r\nb'])
    expect(warnings).toHaveLength(2)
  })
})
