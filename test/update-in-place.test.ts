import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { KeySet } from '../src/kdb/keyset.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { declaredOf, updatePlaybook, UpdateError, type DeclaredState } from '../src/playbook/update.js'
import { validateText } from '../src/playbook/validate.js'
import type { SessionInput } from '../src/playbook/declarations.js'
import { session } from './helpers/sessions.js'
import { ansibleLoad } from './helpers/ansible-loader.js'

const k = (n: string, v: string | null, m?: Record<string, string>): Key => Key.create(n, v, m)

function exported(s: SessionInput): { text: string; declared: DeclaredState } {
  const e = exportAnsible(s)
  return { text: e.text, declared: declaredOf(e.plan.asserts, e.plan.changes) }
}

async function update(text: string, s: SessionInput, declared: DeclaredState | null, current: Key[] = []) {
  return updatePlaybook({ text, file: 'site.yml', session: s, declared, current: () => new KeySet(current) })
}

const S1 = session({
  added: [k('user:/tests/app/port', '8080', { type: 'long' }), k('user:/tests/app/host', 'h'), k('user:/tests/app/name', 'demo')]
})

/** A person's edits: comments everywhere, a value changed by hand, two keys swapped, a play var. */
function handEdit(text: string): string {
  const t = text
    .replace('- name: Apply recorded Elektra changes', '# my comment before the play\n- name: Apply recorded Elektra changes')
    .replace('  gather_facts: false\n', '  gather_facts: false\n  vars:\n    answer: 42   # odd spacing kept\n\n')
    .replace("              host: 'h'\n              name: 'demo'\n", "              # the name comes first here\n              name: 'demo'\n              host: 'edited by hand'  # keep me\n")
  expect(t).not.toBe(text)
  return t + '\n# after the play\n- name: Another play\n  hosts: db\n  tasks:\n    - ansible.builtin.ping:\n'
}

/** The text outside the generated task: every line before its `- name:` and after its end. */
function outside(text: string): string[] {
  const lines = text.split('\n')
  const start = lines.findIndex(l => /^ {4}- name: (Set|Apply)/.test(l))
  let end = start + 1
  while (end < lines.length && (lines[end] === '' || lines[end]!.startsWith('      '))) end++
  return [...lines.slice(0, start), ...lines.slice(end)]
}

describe('export --update (in place)', () => {
  it('changes nothing when the session did not change', async () => {
    const e = exported(S1)
    const r = await update(e.text, S1, e.declared)
    expect(r.changed).toBe(false)
    expect(r.text).toBe(e.text)
  })

  it('keeps hand edits, comments and key order where the session did not change the key', async () => {
    const e = exported(S1)
    const edited = handEdit(e.text)
    const S2 = session({
      added: [
        k('user:/tests/app/port', '9090', { type: 'long' }),
        k('user:/tests/app/host', 'h'),
        k('user:/tests/app/name', 'demo'),
        k('user:/tests/app/extra', 'new')
      ]
    })
    const r = await update(edited, S2, e.declared)
    expect(r.changed).toBe(true)
    expect(r.text).toContain("host: 'edited by hand'  # keep me")
    expect(r.text).toContain("              # the name comes first here\n              name: 'demo'\n")
    expect(r.text.indexOf("name: 'demo'")).toBeLessThan(r.text.indexOf('host: '))
    expect(r.text).toContain("- value: '9090'")
    expect(r.text).toContain("extra: 'new'")
    expect(outside(r.text)).toEqual(outside(edited))
    expect(validateText(r.text, 'site.yml')).toEqual([])
    // updating twice with the same session changes nothing
    const again = await update(r.text, S2, r.declared)
    expect(again.changed).toBe(false)
  })

  it('rewrites a hand-edited key when the session changed it', async () => {
    const e = exported(S1)
    const edited = e.text.replace("port:\n                - value: '8080'", "port:\n                - value: '1'  # hand")
    const S2 = session({
      added: [k('user:/tests/app/port', '9090', { type: 'long' }), k('user:/tests/app/host', 'h'), k('user:/tests/app/name', 'demo')]
    })
    const r = await update(edited, S2, e.declared)
    expect(r.text).toContain("- value: '9090'")
    expect(r.text).not.toContain('# hand')
  })

  it('keeps declaring a key that left the session, with its current state or as deleted', async () => {
    const e = exported(S1)
    // port and host were dropped from the session (record rm / set back); port still exists on this host
    const S2 = session({ added: [k('user:/tests/app/name', 'demo')] })
    const r = await update(e.text, S2, e.declared, [k('user:/tests/app/port', '7070')])
    expect(r.text).toContain("port: '7070'")
    expect(r.text).toMatch(/host:\n\s+- meta:\n\s+elektra\/deleted: '1'/)
    expect(r.declared.changes.has('user:/tests/app/host')).toBe(true)
  })

  it('moves from one task to a transaction block when a second namespace appears', async () => {
    const e = exported(S1)
    const S2 = session({
      added: [...S1.diff.added, k('system:/tests/app/log', 'info')]
    })
    const r = await update(e.text, S2, e.declared)
    expect(r.text).toContain('block:')
    expect(r.text).toContain('action: commit')
    expect(validateText(r.text, 'site.yml')).toEqual([])
    const back = await update(r.text, S1, r.declared, [k('system:/tests/app/log', 'info')])
    // the system key keeps being declared (hosts may have applied it): still two tasks
    expect(back.text).toContain("log: 'info'")
  })

  it('fills an empty export and keeps hand-added keys inside generated tasks', async () => {
    const empty = exported(session({}))
    const r = await update(empty.text, S1, empty.declared)
    expect(r.text).toContain("name: 'demo'")
    expect(validateText(r.text, 'site.yml')).toEqual([])
    const withMine = r.text.replace("              name: 'demo'\n", "              name: 'demo'\n              mine: 'added by hand'\n")
    const r2 = await update(withMine, S1, r.declared)
    expect(r2.text).toContain("mine: 'added by hand'")
    expect(r2.changed).toBe(false)
  })

  it('keeps hand edits the fast reader does not cover (block scalars, anchors) through the yaml package', async () => {
    const e = exported(S1)
    const edited = e.text
      .replace("              host: 'h'\n", "              host: |-\n                multi\n                line\n")
      .replace('  gather_facts: false\n', '  gather_facts: false\n  vars:\n    base: &b {a: 1}\n    copy: *b\n')
    const S2 = session({ added: [...S1.diff.added, k('user:/tests/app/zzz', 'new')] })
    const r = await update(edited, S2, e.declared)
    expect(r.text).toContain('              host: |-\n                multi\n                line\n')
    expect(r.text).toContain("zzz: 'new'")
    expect(r.text).toContain('    copy: *b\n')
    expect(validateText(r.text, 'site.yml')).toEqual([])
  })

  it('refuses a foreign or broken file with file:line:col', async () => {
    await expect(update('just: a map\n', S1, null)).rejects.toThrow(UpdateError)
    await expect(update('- hosts: all\n  tasks: [\n', S1, null)).rejects.toThrow(/^site\.yml:\d+:\d+: /)
  })

  it('the updated playbook still loads with Ansible', async () => {
    const e = exported(S1)
    const r = await update(handEdit(e.text), session({ added: [k('user:/tests/app/port', 'yes')] }), e.declared, [
      k('user:/tests/app/host', 'h')
    ])
    const [doc] = ansibleLoad(r.text)
    expect(JSON.stringify(doc)).toContain('"port","yes"')
  })
})
