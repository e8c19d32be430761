import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatIssue, validateFiles, validateText } from '../src/playbook/validate.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { SESSIONS } from './helpers/sessions.js'

const M = 'elektra_initiative.libelektra.elektra'

function issues(text: string): string[] {
  return validateText(text, 'play.yml').map(formatIssue)
}

describe('validate', () => {
  it('accepts every generated playbook (with and without --assert-old)', () => {
    for (const [name, s] of Object.entries(SESSIONS))
      for (const assertOld of [false, true]) {
        const text = exportAnsible(s, { assertOld, chdir: '/srv' }).text
        expect(issues(text), name).toEqual([])
      }
  })

  it('accepts the legacy, tree and single-key examples of the spec', () => {
    const text = `
- hosts: all
  tasks:
    - ${M}:
        mountpoint: user:/tests/ansible
        keys:
          fruit:
            cherry: {value: cola, meta: {type: string}}
        keeporder: true
        plugins:
          - ini:
    - elektra:
        mount:
          - mountpoint: system:/hosts
            file: /etc/hosts
            plugins: [{hosts: null}]
        keys:
          - user:/tests/ansible:
              pets:
                - array:
                    - name: rufus
                    - '#': bessie
        remove: [user:/tests/old, {"system:/tests": {recursive: true}}]
        record: {skip: true}
    - ${M}:
        key: user:/tests/app/port
        value: "8080"
        meta: {type: unsigned_long}
        assert: true
`
    expect(issues(text)).toEqual([])
  })

  it('reports a wrong type at the offending node', () => {
    const text = `- hosts: all
  tasks:
    - ${M}:
        record:
          skip: "{{ skip_it }}"
          reset: maybe
        keys:
          - user:/a:
              b: [{value: x}, {remove: sometimes}]
`
    expect(issues(text)).toEqual([
      'play.yml:6:18: record.reset: must be boolean',
      'play.yml:9:40: keys[0].user:/a.b[1].remove: must be boolean'
    ])
  })

  it('reports an unknown option, naming the syntax', () => {
    const text = `- hosts: all
  tasks:
    - ${M}:
        mountpoint: user:/a
        mount: []
    - ${M}:
        keys: []
        recursive: true
`
    expect(issues(text)).toEqual([
      'play.yml:5:9: mount: unknown option in the legacy syntax',
      'play.yml:8:9: recursive: unknown option in the tree syntax'
    ])
  })

  it('reports a misplaced transaction: order, missing rescue, rollback outside rescue', () => {
    const text = `- hosts: all
  tasks:
    - ${M}:
        transaction: {name: t1, action: use}
        keys: []
    - block:
        - ${M}:
            transaction: {name: t2, action: create}
        - ${M}:
            transaction: {name: t3, action: commit}
      rescue:
        - ${M}:
            transaction: {name: t2, action: rollback}
    - ${M}:
        transaction: {name: t2, action: rollback}
`
    expect(issues(text)).toEqual([
      'play.yml:4:22: transaction t1: use without a preceding create in this play',
      'play.yml:4:22: transaction t1: use outside a block: whose rescue: rolls it back',
      'play.yml:4:22: transaction t1: never committed (the last task must use action: commit)',
      'play.yml:8:26: transaction t2: never committed (the last task must use action: commit)',
      'play.yml:10:26: transaction t3: commit without a preceding create in this play',
      'play.yml:10:26: transaction t3: commit outside a block: whose rescue: rolls it back',
      'play.yml:10:26: transaction t3: a block holds one transaction, this one already uses t2',
      'play.yml:15:22: transaction t2: rollback belongs in a rescue: (or always:) section'
    ])
  })

  it('checks key names and chdir for dir keys', () => {
    const text = `- ${M}:
    keys:
      - dir:
          a: x
      - proc:/x:
          b: y
      - user:/ok:
          'bad\\q': z
          fine: [{meta: {elektra/assert: maybe, elektra: {deleted: 'yes'}}}]
`
    expect(issues(text)).toEqual([
      'play.yml:3:9: dir:/ keys need the option chdir (where .dir/default.ecf lives)',
      'play.yml:5:9: keys[1].proc:/x: a root is spec, dir, user or system, bare or as ns:/path',
      String.raw`play.yml:8:11: invalid key name part "bad\\q": illegal escape sequence '\q' at index 3`,
      "play.yml:9:42: meta elektra/assert takes a boolean such as '1'"
    ])
  })

  it('reports YAML syntax errors and unreadable files with a position', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'validate-'))
    const bad = path.join(dir, 'bad.yml')
    writeFileSync(bad, '- hosts: all\n  tasks: [\n')
    const found = await validateFiles([bad, path.join(dir, 'missing.yml')])
    expect(found.map(i => [path.basename(i.file), i.line > 0, i.col > 0])).toEqual([
      ['bad.yml', true, true],
      ['missing.yml', true, true]
    ])
  })
  it('says a YAML syntax error once, without the parser repeating its position', () => {
    for (const text of ['a: [1, 2\nb: c\n', '- hosts: all\n  tasks: [\n', 'a: b: c\n']) {
      const found = issues(text)
      expect(found.length, text).toBeGreaterThan(0)
      for (const f of found) {
        expect(f, text).toMatch(/^play\.yml:\d+:\d+: \S/)
        expect(f, text).not.toMatch(/ at line \d+, column \d+|:$/)
      }
    }
  })
  it('reports a map key that is a collection (unquoted Jinja such as {{ x }}) at its place', () => {
    const text =
      '- hosts: all\n  tasks:\n    - name: x\n      ' + M + ':\n        keys:\n          - user:/a:\n              b: {{ x }}\n'
    const found = issues(text)
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(/^play\.yml:7:19: .*quote/)
  })
})
