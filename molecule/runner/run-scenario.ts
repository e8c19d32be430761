// Runs one scenario's test sequence the way `molecule test` does: each step in order, stop at the
// first failure, and destroy in any case.
import { execa } from 'execa'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { ansibleConfig } from './ansible-config.js'
import { changedTasks, runPlaybook } from './ansible-playbook.js'
import { buildInventory, readInstanceConfig } from './inventory.js'
import { playbookPath, type Scenario } from './scenario.js'

// molecule's test sequence without lint/cleanup/syntax/side_effect, which have no playbooks here
export const defaultSequence = ['dependency', 'create', 'prepare', 'converge', 'idempotence', 'verify', 'destroy']

export type StepStatus = 'ok' | 'failed' | 'skipped'

export interface StepResult {
  name: string
  status: StepStatus
  seconds: number
  note?: string
}

export interface ScenarioResult {
  name: string
  status: 'passed' | 'failed' | 'skipped'
  seconds: number
  failedStep?: string
  reason?: string
  steps: StepResult[]
}

export interface RunOptions {
  projectDir: string
  // prepended to ANSIBLE_COLLECTIONS_PATH: test another build of the collection
  collectionsPath?: string
  verbose?: boolean
  log: (line: string) => void
  // environment to start from (defaults to process.env)
  env?: Record<string, string | undefined>
  // run these steps instead of the scenario's test sequence, without the destroy after a failure
  steps?: string[]
}

// converge and idempotence skip what molecule skips
const convergeArgs = ['--skip-tags', 'molecule-notest,notest']
const idempotenceArgs = ['--skip-tags', 'molecule-notest,notest,molecule-idempotence-notest']

// the MOLECULE_* variables, also used to interpolate molecule.yml before it is parsed
export function moleculeEnv(
  scenario: Pick<Scenario, 'name' | 'dir' | 'file'> & { config?: Scenario['config'] },
  projectDir: string,
  ephemeralDir: string
): Record<string, string> {
  return {
    MOLECULE_FILE: scenario.file,
    MOLECULE_PROJECT_DIRECTORY: projectDir,
    MOLECULE_SCENARIO_NAME: scenario.name,
    MOLECULE_SCENARIO_DIRECTORY: scenario.dir,
    MOLECULE_EPHEMERAL_DIRECTORY: ephemeralDir,
    MOLECULE_INSTANCE_CONFIG: join(ephemeralDir, 'instance_config.yml'),
    MOLECULE_INVENTORY_FILE: join(ephemeralDir, 'inventory', 'ansible_inventory.yml'),
    MOLECULE_DRIVER_NAME: scenario.config?.driver.name ?? 'default',
    MOLECULE_PROVISIONER_NAME: 'ansible',
    MOLECULE_VERIFIER_NAME: scenario.config?.verifier?.name ?? 'ansible'
  }
}

// the scenario must have been loaded with the environment that moleculeEnv() adds (interpolation)
export async function runScenario(
  scenario: Scenario,
  ephemeralDir: string,
  options: RunOptions
): Promise<ScenarioResult> {
  const began = Date.now()
  const menv = moleculeEnv(scenario, options.projectDir, ephemeralDir)
  const inventoryFile = menv.MOLECULE_INVENTORY_FILE!
  const instanceConfig = menv.MOLECULE_INSTANCE_CONFIG!
  mkdirSync(join(ephemeralDir, 'inventory'), { recursive: true })
  mkdirSync(join(ephemeralDir, 'cp'), { recursive: true })
  mkdirSync(join(ephemeralDir, 'tmp'), { recursive: true })
  writeFileSync(join(ephemeralDir, 'ansible.cfg'), ansibleConfig(scenario.config.provisioner?.config_options))

  const provisionerEnv = scenario.config.provisioner?.env ?? {}
  const collections = [options.collectionsPath, provisionerEnv.ANSIBLE_COLLECTIONS_PATH]
    .filter((p): p is string => p !== undefined && p !== '')
    .join(':')
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v
  Object.assign(env, menv, {
    ANSIBLE_CONFIG: join(ephemeralDir, 'ansible.cfg'),
    // ssh multiplexing sockets and local temp files stay in this run's directory
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(ephemeralDir, 'cp'),
    ANSIBLE_LOCAL_TEMP: join(ephemeralDir, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0'
  })
  // in a full test run the hosts must not outlive this process (testhost.sh watchdog); single
  // steps run in separate processes, so there they live until destroy
  if (!options.steps) env.TESTHOST_OWNER_PID = String(process.pid)
  else delete env.TESTHOST_OWNER_PID
  Object.assign(env, provisionerEnv)
  if (collections !== '') env.ANSIBLE_COLLECTIONS_PATH = collections

  const writeInventory = () =>
    writeFileSync(
      inventoryFile,
      stringify(buildInventory(scenario, { ephemeralDir, instanceConfig }, readInstanceConfig(instanceConfig)))
    )

  const playbook = async (step: string, extraArgs: string[] = []) => {
    const path = playbookPath(scenario, step)
    if (path === undefined) return undefined
    writeInventory()
    const echo = options.verbose ? (chunk: string) => process.stdout.write(chunk) : undefined
    return runPlaybook(path, { inventory: inventoryFile, env, cwd: scenario.dir, extraArgs, echo })
  }

  type Outcome = { status: StepStatus; note?: string; output?: string }
  const required = new Set(['create', 'destroy', 'converge'])

  const step = async (name: string): Promise<Outcome> => {
    switch (name) {
      case 'dependency': {
        const file = ['requirements.yml', 'collections.yml'].map(f => join(scenario.dir, f)).find(f => existsSync(f))
        if (file === undefined) return { status: 'skipped', note: 'no requirements file' }
        const r = await execa(
          'ansible-galaxy',
          ['collection', 'install', '-r', file, '-p', join(ephemeralDir, 'collections')],
          { env, extendEnv: false, all: true, reject: false }
        )
        env.ANSIBLE_COLLECTIONS_PATH = [join(ephemeralDir, 'collections'), env.ANSIBLE_COLLECTIONS_PATH]
          .filter(Boolean)
          .join(':')
        return r.exitCode === 0 ? { status: 'ok' } : { status: 'failed', output: r.all ?? '' }
      }
      case 'idempotence': {
        const run = await playbook('converge', idempotenceArgs)
        if (run === undefined) return { status: 'failed', note: 'no converge playbook' }
        if (run.exitCode !== 0) return { status: 'failed', note: `exit ${run.exitCode}`, output: run.output }
        const changed = [...run.recap].filter(([, r]) => r.changed > 0)
        if (changed.length > 0) {
          return {
            status: 'failed',
            note: `not idempotent: ${changedTasks(run.output).sort().join('; ') || changed.map(([h]) => h).join(', ')}`,
            output: run.output
          }
        }
        return { status: 'ok' }
      }
      case 'syntax': {
        const run = await playbook('converge', ['--syntax-check'])
        if (run === undefined) return { status: 'skipped', note: 'no converge playbook' }
        return run.exitCode === 0 ? { status: 'ok' } : { status: 'failed', output: run.output }
      }
      case 'lint':
        return { status: 'skipped', note: 'lint is not part of this runner' }
      case 'create':
      case 'prepare':
      case 'converge':
      case 'side_effect':
      case 'cleanup':
      case 'verify':
      case 'destroy': {
        const run = await playbook(name, name === 'converge' ? convergeArgs : [])
        if (run === undefined) {
          const note = `no ${name}.yml`
          return required.has(name) ? { status: 'failed', note } : { status: 'skipped', note }
        }
        if (run.exitCode !== 0) return { status: 'failed', note: `exit ${run.exitCode}`, output: run.output }
        return { status: 'ok' }
      }
      default:
        return { status: 'failed', note: `unknown step '${name}' in test_sequence` }
    }
  }

  const sequence = options.steps ?? scenario.config.scenario?.test_sequence ?? defaultSequence
  const steps: StepResult[] = []
  let failedStep: string | undefined
  let reason: string | undefined
  let destroyedAfterFailure = false
  const runStep = async (name: string) => {
    const t0 = Date.now()
    let outcome: Outcome
    try {
      outcome = await step(name)
    } catch (e) {
      outcome = { status: 'failed', note: e instanceof Error ? e.message : String(e) }
    }
    const seconds = (Date.now() - t0) / 1000
    steps.push({ name, status: outcome.status, seconds, ...(outcome.note ? { note: outcome.note } : {}) })
    const label = outcome.status === 'failed' ? 'FAILED' : outcome.status
    options.log(
      `[${scenario.name}] ${name}: ${label} in ${seconds.toFixed(1)} s${outcome.note ? ` (${outcome.note})` : ''}`
    )
    if (outcome.status === 'failed' && outcome.output && !options.verbose) {
      options.log(indent(outcome.output))
    }
    return outcome
  }
  for (const name of sequence) {
    if (failedStep !== undefined && name !== 'destroy') continue
    const outcome = await runStep(name)
    if (failedStep !== undefined) destroyedAfterFailure = true
    if (outcome.status === 'failed' && failedStep === undefined) {
      failedStep = name
      reason = outcome.note ?? 'failed'
    }
  }
  // destroy always runs, also when the sequence has none after the failed step
  if (failedStep !== undefined && !destroyedAfterFailure && failedStep !== 'destroy' && !options.steps) {
    await runStep('destroy')
  }
  const destroyFailed = steps.some(s => s.name === 'destroy' && s.status === 'failed')
  return {
    name: scenario.name,
    status: failedStep === undefined && !destroyFailed ? 'passed' : 'failed',
    seconds: (Date.now() - began) / 1000,
    ...(failedStep !== undefined ? { failedStep, reason } : {}),
    steps
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map(l => `    ${l}`)
    .join('\n')
}
