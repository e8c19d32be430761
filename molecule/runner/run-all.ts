// `test` over several scenarios: preflight once, then each scenario in its own ephemeral directory,
// which is removed after a successful destroy (kept, and named, when destroy failed).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildCli } from './cli-build.js'
import { hostPreflight } from './preflight.js'
import { makeReport, type Report } from './report.js'
import { makeEphemeralDir, removeRunDir, sweepStaleRunDirs } from './run-dir.js'
import { defaultSequence, moleculeEnv, runScenario, type RunOptions, type ScenarioResult } from './run-scenario.js'
import { listScenarios, loadScenario } from './scenario.js'

export interface TestOptions extends RunOptions {
  scenarios?: string[]
  // with `steps`: a fixed ephemeral directory per scenario kept between invocations
  // (.tmp/molecule/<scenario>), so `create`, `converge`, … can be run one by one
  keepDir?: (scenario: string) => string
  // scenarios run at the same time (each has its own hosts and directories); default 1
  parallel?: number
  // start no further scenario after one failed (those are reported as skipped)
  failFast?: boolean
  // compile our CLI once for the run (unless ELEKTRA_PLAYBOOK_CLI is set); default true
  buildCli?: boolean
}

// ephemeral directories of scenarios under way, for abortCleanup()
const active = new Set<string>()

// On SIGINT/SIGTERM: stop the hosts of every scenario under way (testhost.sh down, by the records in
// its ephemeral directory) and remove those directories. Synchronous, for a signal handler.
export function abortCleanup(projectDir: string, log: (line: string) => void): void {
  const script = join(projectDir, 'molecule', 'shared', 'testhost.sh')
  for (const dir of active) {
    const records = join(dir, 'testhosts')
    const names = existsSync(records) ? readdirSync(records) : []
    for (const name of names) {
      const r = spawnSync('bash', [script, 'down', name, records], { encoding: 'utf8' })
      if (r.status !== 0) log(`cleanup of ${name} failed: ${r.stderr.trim()}`)
    }
    removeRunDir(dir)
    log(`cleaned up ${dir}`)
  }
  active.clear()
}

export async function runAll(options: TestOptions): Promise<Report> {
  const began = Date.now()
  const moleculeDir = join(options.projectDir, 'molecule')
  const names = options.scenarios?.length ? options.scenarios : listScenarios(moleculeDir)
  if (names.length === 0) throw new Error(`no scenarios found in ${moleculeDir}`)
  const results: ScenarioResult[] = []
  const skip = await hostPreflight(moleculeDir)
  if (skip !== undefined) {
    options.log(`skipping all scenarios: ${skip}`)
    for (const name of names) results.push({ name, status: 'skipped', seconds: 0, reason: skip, steps: [] })
    return makeReport(results, (Date.now() - began) / 1000)
  }
  sweepStaleRunDirs(
    [tmpdir(), join(options.projectDir, '.tmp')],
    /^molecule-.+-[A-Za-z0-9]{6}$/,
    join(moleculeDir, 'shared', 'testhost.sh'),
    options.log
  )
  const baseEnv = { ...(options.env ?? process.env) }
  const cli =
    baseEnv.ELEKTRA_PLAYBOOK_CLI || options.buildCli === false
      ? undefined
      : await buildCli(options.projectDir, options.log)
  if (cli) {
    baseEnv.ELEKTRA_PLAYBOOK_CLI = cli.command
    active.add(cli.dir)
  }
  const scenarioOptions: RunOptions = { ...options, env: baseEnv }
  const runOne = async (name: string): Promise<ScenarioResult> => {
    const ephemeralDir = options.keepDir ? options.keepDir(name) : makeEphemeralDir(name)
    mkdirSync(ephemeralDir, { recursive: true })
    if (!options.keepDir) active.add(ephemeralDir)
    let result: ScenarioResult
    try {
      const dir = join(moleculeDir, name)
      const env = {
        ...baseEnv,
        ...moleculeEnv({ name, dir, file: join(dir, 'molecule.yml') }, options.projectDir, ephemeralDir)
      }
      const scenario = loadScenario(moleculeDir, name, env)
      options.log(
        `[${name}] sequence: ${(options.steps ?? scenario.config.scenario?.test_sequence ?? defaultSequence).join(', ')} (in ${ephemeralDir})`
      )
      result = await runScenario(scenario, ephemeralDir, scenarioOptions)
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e)
      options.log(`[${name}] FAILED: ${reason}`)
      result = { name, status: 'failed', seconds: 0, failedStep: 'load', reason, steps: [] }
    }
    const destroyFailed = result.steps.some(s => s.name === 'destroy' && s.status === 'failed')
    const destroyed = result.steps.some(s => s.name === 'destroy' && s.status === 'ok')
    if (destroyFailed) {
      options.log(`[${name}] destroy failed: hosts and files kept in ${ephemeralDir}`)
    } else if (options.keepDir && !destroyed) {
      options.log(`[${name}] state kept in ${ephemeralDir}`)
    } else {
      removeRunDir(ephemeralDir)
    }
    active.delete(ephemeralDir)
    options.log(`[${name}] ${result.status.toUpperCase()} in ${result.seconds.toFixed(1)} s`)
    return result
  }
  // a small pool; results keep the order of `names`
  const queue = names.map((name, i) => ({ name, i }))
  const slots: ScenarioResult[] = new Array<ScenarioResult>(names.length)
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (options.failFast && slots.some(r => r?.status === 'failed')) {
        const reason = 'not run: an earlier scenario failed (--fail-fast)'
        slots[next.i] = { name: next.name, status: 'skipped', seconds: 0, reason, steps: [] }
        continue
      }
      slots[next.i] = await runOne(next.name)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? 1, names.length)) }, worker))
  } finally {
    if (cli) {
      cli.remove()
      active.delete(cli.dir)
    }
  }
  results.push(...slots)
  return makeReport(results, (Date.now() - began) / 1000)
}
