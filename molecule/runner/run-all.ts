// `test` over several scenarios: preflight once, then each scenario in its own ephemeral directory,
// which is removed after a successful destroy (kept, and named, when destroy failed).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { hostPreflight } from './preflight.js'
import { makeReport, type Report } from './report.js'
import {
  defaultSequence,
  makeEphemeralDir,
  moleculeEnv,
  removeEphemeralDir,
  runScenario,
  type RunOptions,
  type ScenarioResult
} from './run-scenario.js'
import { listScenarios, loadScenario } from './scenario.js'

export interface TestOptions extends RunOptions {
  scenarios?: string[]
  // with `steps`: a fixed ephemeral directory per scenario kept between invocations
  // (.tmp/molecule/<scenario>), so `create`, `converge`, … can be run one by one
  keepDir?: (scenario: string) => string
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
  for (const name of names) {
    const ephemeralDir = options.keepDir ? options.keepDir(name) : makeEphemeralDir(name)
    mkdirSync(ephemeralDir, { recursive: true })
    let result: ScenarioResult
    try {
      const dir = join(moleculeDir, name)
      const env = {
        ...(options.env ?? process.env),
        ...moleculeEnv({ name, dir, file: join(dir, 'molecule.yml') }, options.projectDir, ephemeralDir)
      }
      const scenario = loadScenario(moleculeDir, name, env)
      options.log(`[${name}] sequence: ${(scenario.config.scenario?.test_sequence ?? defaultSequence).join(', ')}`)
      result = await runScenario(scenario, ephemeralDir, options)
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
      removeEphemeralDir(ephemeralDir)
    }
    options.log(`[${name}] ${result.status.toUpperCase()} in ${result.seconds.toFixed(1)} s`)
    results.push(result)
  }
  return makeReport(results, (Date.now() - began) / 1000)
}
