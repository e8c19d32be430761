// The molecule runner: molecule.yml interpolation, the inventory it builds, and whole test
// sequences on real test hosts (when this machine can run them): a passing scenario, a failing
// converge (destroy still runs), a non-idempotent converge, and nothing left behind.
import { execa } from 'execa'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { changedTasks, parseRecap } from './ansible-playbook.js'
import { interpolate } from './interpolate.js'
import { buildInventory } from './inventory.js'
import type { Report } from './report.js'
import { runAll } from './run-all.js'
import { sweepStaleRunDirs } from './run-dir.js'
import { loadScenario } from './scenario.js'

const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const testhostScript = join(projectDir, 'molecule', 'shared', 'testhost.sh')
const canRun =
  (await execa('bash', [join(projectDir, 'molecule', 'shared', 'testhost.sh'), 'check'], { reject: false }))
    .exitCode === 0

describe('molecule.yml interpolation', () => {
  const env = { HOME: '/home/u', EMPTY: '' }
  it('replaces $NAME, ${NAME}, defaults, and keeps $$ as a dollar', () => {
    expect(interpolate('a: ${HOME}/x $HOME $$HOME', env)).toBe('a: /home/u/x /home/u $HOME')
    expect(interpolate('${MISSING:-d} ${EMPTY:-d} ${EMPTY-d} ${MISSING-d} ${MISSING}', env)).toBe('d d  d ')
  })
  it('names the place of a malformed reference', () => {
    expect(() => interpolate('a: 1\nb: ${not valid}\n', env, 'm.yml')).toThrow('m.yml:2:4: invalid interpolation')
  })
})

describe('inventory for the delegated driver', () => {
  it('puts platforms under all.hosts with the connection of their instance config and molecule vars', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inventory-test-'))
    try {
      mkdirSync(join(dir, 's'))
      writeFileSync(
        join(dir, 's', 'molecule.yml'),
        [
          'driver: {name: default}',
          'platforms: [{name: a, groups: [web]}, {name: b}]',
          'provisioner:',
          '  inventory:',
          '    group_vars: {all: {x: 1}, web: {y: 2}}',
          '    host_vars: {b: {z: 3}}'
        ].join('\n')
      )
      const scenario = loadScenario(dir, 's', {})
      const inventory = buildInventory(scenario, { ephemeralDir: '/e', instanceConfig: '/e/i.yml' }, [
        { instance: 'a', address: '127.0.0.9', user: 'root', port: '22', identity_file: '/k' }
      ]) as {
        all: { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown>; children: unknown }
      }
      expect(inventory.all.hosts.a).toMatchObject({
        ansible_host: '127.0.0.9',
        ansible_user: 'root',
        ansible_port: '22',
        ansible_private_key_file: '/k',
        ansible_connection: 'smart'
      })
      expect(String(inventory.all.hosts.a!.ansible_ssh_common_args)).toContain('StrictHostKeyChecking=no')
      expect(inventory.all.hosts.b).toEqual({ z: 3 })
      expect(inventory.all.vars).toMatchObject({
        molecule_ephemeral_directory: '/e',
        molecule_instance_config: '/e/i.yml',
        molecule_scenario_directory: join(dir, 's'),
        x: 1
      })
      expect(inventory.all.children).toEqual({ web: { hosts: { a: null }, vars: { y: 2 } } })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
  it('rejects drivers other than the delegated one, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inventory-test-'))
    try {
      mkdirSync(join(dir, 's'))
      writeFileSync(join(dir, 's', 'molecule.yml'), 'driver: {name: docker}\nplatforms: [{name: a}]\n')
      expect(() => loadScenario(dir, 's', {})).toThrow(`${join(dir, 's', 'molecule.yml')}: driver.name is "docker"`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('ansible-playbook output', () => {
  const output = [
    'TASK [Set it] ***',
    'changed: [h1]',
    'ok: [h2]',
    'PLAY RECAP ***',
    'h1                  : ok=2    changed=1    unreachable=0    failed=0    skipped=0',
    'h2                  : ok=2    changed=0    unreachable=0    failed=0    skipped=0'
  ].join('\n')
  it('reads the recap and the tasks that changed something', () => {
    expect(parseRecap(output).get('h1')).toEqual({ ok: 2, changed: 1, unreachable: 0, failed: 0 })
    expect(parseRecap(output).get('h2')?.changed).toBe(0)
    expect(changedTasks(output)).toEqual(['Set it (h1)'])
  })
})

// a project of our own for the failure cases: molecule/shared is the real one
function fixtureProject(scenarios: Record<string, Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-runner-test-'))
  mkdirSync(join(dir, 'molecule'))
  symlinkSync(join(projectDir, 'molecule', 'shared'), join(dir, 'molecule', 'shared'))
  for (const [name, files] of Object.entries(scenarios)) {
    mkdirSync(join(dir, 'molecule', name))
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, 'molecule', name, file), text)
  }
  return dir
}

const oneHost = (name: string) =>
  [
    'driver: {name: default, options: {managed: true}}',
    `platforms: [{name: ${name}}]`,
    'provisioner:',
    '  name: ansible',
    '  inventory: {group_vars: {all: {ansible_python_interpreter: /usr/bin/python3}}}'
  ].join('\n') + '\n'
const shared = {
  'create.yml': '- ansible.builtin.import_playbook: ../shared/create.yml\n',
  'destroy.yml': '- ansible.builtin.import_playbook: ../shared/destroy.yml\n'
}

// the run directories the runner announced ("[name] sequence: … (in DIR)") that still exist
function leftovers(lines: string[], scenario: string): string[] {
  const dirs = lines.flatMap(l => {
    const m = new RegExp(`^\\[${scenario}\\] sequence: .* \\(in (.*)\\)$`).exec(l)
    return m ? [m[1]!] : []
  })
  expect(dirs.length).toBeGreaterThan(0)
  return dirs.filter(d => existsSync(d))
}

describe.skipIf(!canRun)('whole test sequences on real test hosts', () => {
  let lines: string[]
  const log = (l: string) => void lines.push(l)
  beforeAll(() => {
    lines = []
  })

  it('runs the smoke scenario: every step in order, report and nothing left behind', { timeout: 600_000 }, async () => {
    const report: Report = await runAll({ projectDir, scenarios: ['smoke'], log, buildCli: false })
    expect(report.failed, lines.join('\n')).toBe(0)
    expect(report.passed).toBe(1)
    const steps = report.scenarios[0]!.steps.map(s => `${s.name}:${s.status}`)
    expect(steps).toEqual([
      'dependency:skipped',
      'create:ok',
      'create:ok',
      'prepare:skipped',
      'converge:ok',
      'idempotence:ok',
      'verify:ok',
      'destroy:ok',
      'destroy:ok'
    ])
    expect(lines.some(l => /^\[smoke\] converge: ok in \d+\.\d s$/.test(l))).toBe(true)
    expect(leftovers(lines, 'smoke')).toEqual([])
  })

  describe('failures', () => {
    let fixture: string
    afterAll(() => rmSync(fixture, { recursive: true, force: true }))

    it('stops at a failing converge, still destroys, and reports the failed step', { timeout: 600_000 }, async () => {
      fixture = fixtureProject({
        'fails-converge': {
          'molecule.yml': oneHost('fc'),
          ...shared,
          'converge.yml':
            '- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.fail: {msg: on purpose}\n',
          'verify.yml': '- hosts: all\n  gather_facts: false\n  tasks: []\n'
        },
        'not-idempotent': {
          'molecule.yml': oneHost('ni'),
          ...shared,
          'converge.yml':
            '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Always changes\n      ansible.builtin.command: "true"\n'
        }
      })
      lines = []
      const report = await runAll({ projectDir: fixture, log, buildCli: false })
      const byName = new Map(report.scenarios.map(s => [s.name, s]))
      expect(report.failed).toBe(2)

      const fc = byName.get('fails-converge')!
      expect(fc.status).toBe('failed')
      expect(fc.failedStep).toBe('converge')
      expect(fc.steps.map(s => `${s.name}:${s.status}`)).toEqual([
        'dependency:skipped',
        'create:ok',
        'prepare:skipped',
        'converge:failed',
        'destroy:ok'
      ])
      expect(lines.join('\n')).toContain('on purpose')

      const ni = byName.get('not-idempotent')!
      expect(ni.failedStep).toBe('idempotence')
      expect(ni.reason).toContain('not idempotent: Always changes (ni)')
      expect(ni.steps.at(-1)).toMatchObject({ name: 'destroy', status: 'ok' })

      expect(leftovers(lines, 'fails-converge')).toEqual([])
      expect(leftovers(lines, 'not-idempotent')).toEqual([])
    })
  })

  it('SIGTERM during a run stops the hosts and removes the run directory', { timeout: 600_000 }, async () => {
    const child = execa('node', ['--import', 'tsx', 'molecule/runner/main.ts', 'test', '-s', 'smoke', '-j', '1'], {
      cwd: projectDir,
      // smoke does not use our CLI: no need to compile it
      env: { ELEKTRA_PLAYBOOK_CLI: 'unused' },
      reject: false,
      all: true
    })
    let output = ''
    const running = new Promise<void>(ok =>
      child.all?.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (/\[smoke\] create: ok/.test(output)) ok()
      })
    )
    await Promise.race([running, child])
    const ephemeral = /^\[smoke\] sequence: .* \(in (.*)\)$/m.exec(output)?.[1]
    expect(ephemeral, output).toBeDefined()
    const states = [ephemeral!].flatMap(d => {
      const records = join(d, 'testhosts')
      return existsSync(records) ? readdirSync(records).map(n => realpathSync(join(records, n))) : []
    })
    expect(states.length, output).toBeGreaterThan(0)
    child.kill('SIGTERM')
    const result = await child
    expect(result.exitCode, output).toBe(143)
    expect(result.all).toContain('stopping the test hosts')
    for (const state of states) expect(existsSync(state)).toBe(false)
    expect(existsSync(ephemeral!)).toBe(false)
  })

  it(
    'SIGKILL during a run: the hosts stop by themselves, the next run removes the directory',
    { timeout: 600_000 },
    async () => {
      const child = execa('node', ['--import', 'tsx', 'molecule/runner/main.ts', 'test', '-s', 'smoke', '-j', '1'], {
        cwd: projectDir,
        env: { ELEKTRA_PLAYBOOK_CLI: 'unused' },
        reject: false,
        all: true
      })
      let output = ''
      await Promise.race([
        new Promise<void>(ok =>
          child.all?.on('data', (chunk: Buffer) => {
            output += chunk.toString()
            if (/\[smoke\] create: ok/.test(output)) ok()
          })
        ),
        child
      ])
      const ephemeral = /^\[smoke\] sequence: .* \(in (.*)\)$/m.exec(output)?.[1]
      expect(ephemeral, output).toBeDefined()
      const records = join(ephemeral!, 'testhosts')
      const states = readdirSync(records).map(n => realpathSync(join(records, n)))
      expect(states.length).toBe(2)
      child.kill('SIGKILL')
      await child
      for (let i = 0; i < 100 && states.some(s => existsSync(s)); i++) await new Promise(ok => setTimeout(ok, 100))
      for (const state of states) expect(existsSync(state)).toBe(false)
      expect(existsSync(ephemeral!)).toBe(true)
      const name = basename(ephemeral!)
      const swept: string[] = []
      sweepStaleRunDirs([dirname(ephemeral!)], new RegExp(`^${name}$`), testhostScript, l => void swept.push(l))
      expect(existsSync(ephemeral!)).toBe(false)
      expect(swept.join('\n')).toContain(ephemeral!)
    }
  )

  it('--fail-fast starts no scenario after a failed one', async () => {
    const fixture = fixtureProject({
      'a-bad-driver': { 'molecule.yml': 'driver: {name: docker}\nplatforms: [{name: x}]\n' },
      'b-never-run': { 'molecule.yml': oneHost('never'), ...shared }
    })
    try {
      const report = await runAll({ projectDir: fixture, log: () => {}, failFast: true, buildCli: false })
      expect(report.scenarios.map(s => `${s.name}:${s.status}`)).toEqual(['a-bad-driver:failed', 'b-never-run:skipped'])
      expect(report.scenarios[1]!.reason).toContain('--fail-fast')
    } finally {
      rmSync(fixture, { recursive: true, force: true })
    }
  })

  it('without root every scenario is skipped with the reason, and the run passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'molecule-nobody-test-'))
    try {
      chmodSync(dir, 0o777)
      const r = await execa(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          'node',
          '--import',
          'tsx',
          'molecule/runner/main.ts'
        ].concat(['test', '-s', 'smoke', '-s', 'default', '--report', join(dir, 'm.json')]),
        { cwd: projectDir, env: { HOME: dir }, reject: false, all: true }
      )
      expect(r.exitCode, r.all).toBe(0)
      expect(r.all).toContain('test hosts need root')
      const report = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')) as Report
      expect(report).toMatchObject({ passed: 0, failed: 0, skipped: 2 })
      expect(report.scenarios.map(s => s.status)).toEqual(['skipped', 'skipped'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the CLI exits non-zero on failure and writes the report where it is told', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'molecule-cli-test-'))
    try {
      const r = await execa(
        'node',
        [
          '--import',
          'tsx',
          'molecule/runner/main.ts',
          'test',
          '-s',
          'no-such-scenario',
          '--report',
          join(dir, 'm.json')
        ],
        {
          cwd: projectDir,
          env: { ELEKTRA_PLAYBOOK_CLI: 'unused' },
          reject: false
        }
      )
      expect(r.exitCode).toBe(1)
      const report = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')) as Report
      expect(report.scenarios[0]).toMatchObject({ name: 'no-such-scenario', status: 'failed', failedStep: 'load' })
      expect(r.stdout).toContain("scenario 'no-such-scenario' not found")
      expect(existsSync(join(dir, 'm.json'))).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
