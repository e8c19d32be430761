// The machine-readable summary CI counts (scripts/summarize-tests.mjs reads `scenarios[].status`).
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ScenarioResult } from './run-scenario.js'

export interface Report {
  tool: 'molecule-runner'
  passed: number
  failed: number
  skipped: number
  seconds: number
  scenarios: ScenarioResult[]
}

export function makeReport(scenarios: ScenarioResult[], seconds: number): Report {
  const count = (s: ScenarioResult['status']) => scenarios.filter(x => x.status === s).length
  return {
    tool: 'molecule-runner',
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    seconds,
    scenarios
  }
}

export function writeReport(file: string, report: Report): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
}
