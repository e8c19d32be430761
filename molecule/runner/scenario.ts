// Scenario discovery and molecule.yml loading: molecule/<name>/molecule.yml, delegated driver only.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { interpolate } from './interpolate.js'

export interface Platform {
  name: string
  groups?: string[]
  [option: string]: unknown
}

export interface MoleculeConfig {
  dependency?: { name?: string; options?: Record<string, unknown> }
  driver: { name: string; options?: { managed?: boolean } }
  platforms: Platform[]
  provisioner?: {
    name?: string
    env?: Record<string, string>
    config_options?: Record<string, Record<string, unknown>>
    playbooks?: Record<string, string>
    inventory?: {
      group_vars?: Record<string, Record<string, unknown>>
      host_vars?: Record<string, Record<string, unknown>>
    }
  }
  verifier?: { name?: string }
  scenario?: { name?: string; test_sequence?: string[] }
}

export interface Scenario {
  name: string
  dir: string
  file: string
  config: MoleculeConfig
}

export class ScenarioError extends Error {}

// the drivers whose create/destroy playbooks are ours to write ("delegated" before molecule 6)
const delegatedDrivers = new Set(['default', 'delegated'])

export function listScenarios(moleculeDir: string): string[] {
  if (!existsSync(moleculeDir)) return []
  return readdirSync(moleculeDir, { withFileTypes: true })
    .filter(d => d.isDirectory() && existsSync(join(moleculeDir, d.name, 'molecule.yml')))
    .map(d => d.name)
    .sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a < b ? -1 : a > b ? 1 : 0))
}

export function loadScenario(moleculeDir: string, name: string, env: Record<string, string | undefined>): Scenario {
  const dir = resolve(moleculeDir, name)
  const file = join(dir, 'molecule.yml')
  if (!existsSync(file)) {
    throw new ScenarioError(`scenario '${name}' not found: ${file} does not exist`)
  }
  const text = interpolate(readFileSync(file, 'utf8'), env, file)
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const pos = e.linePos?.[0]
    throw new ScenarioError(`${file}:${pos?.line ?? 1}:${pos?.col ?? 1}: ${e.message.split('\n')[0]}`)
  }
  const config = doc.toJS() as MoleculeConfig | null
  if (config === null || typeof config !== 'object') {
    throw new ScenarioError(`${file}: expected a mapping`)
  }
  const driver = config.driver?.name
  if (driver === undefined || !delegatedDrivers.has(driver)) {
    throw new ScenarioError(
      `${file}: driver.name is ${JSON.stringify(driver)}; this runner supports the delegated driver only (name: default)`
    )
  }
  if (!Array.isArray(config.platforms) || config.platforms.length === 0) {
    throw new ScenarioError(`${file}: platforms must list at least one instance`)
  }
  config.platforms.forEach((p, i) => {
    if (typeof p?.name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(p.name)) {
      throw new ScenarioError(`${file}: platforms[${i}].name must match [A-Za-z0-9_.-]+`)
    }
  })
  const own = config.scenario?.name
  if (own !== undefined && own !== name) {
    throw new ScenarioError(`${file}: scenario.name '${own}' differs from the directory name '${name}'`)
  }
  return { name, dir, file, config }
}

// molecule runs these only when provisioner.playbooks names them
const onlyWhenConfigured = new Set(['side_effect', 'cleanup'])

// the playbook of a step: provisioner.playbooks.<step> (relative to the scenario) or <step>.yml
export function playbookPath(scenario: Scenario, step: string): string | undefined {
  const configured = scenario.config.provisioner?.playbooks?.[step]
  if (configured === undefined && onlyWhenConfigured.has(step)) return undefined
  const path = configured !== undefined ? resolve(scenario.dir, configured) : join(scenario.dir, `${step}.yml`)
  return existsSync(path) ? path : undefined
}
