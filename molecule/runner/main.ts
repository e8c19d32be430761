// `npm run molecule -- test [-s SCENARIO]…`: molecule's test sequence for our delegated-driver
// scenarios, without molecule. Without -s every scenario runs (molecule itself needs --all for that).
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { writeReport } from './report.js'
import { abortCleanup, runAll } from './run-all.js'
import { listScenarios } from './scenario.js'

const usage = `usage: npm run molecule -- <command> [options]

commands:
  test      run the test sequence (dependency, create, prepare, converge, idempotence, verify, destroy)
  list      list the scenarios
  create | prepare | converge | idempotence | side_effect | verify | destroy
            one step, keeping hosts and state in .tmp/molecule/<scenario> until destroy

options:
  -s, --scenario-name NAME   only this scenario (repeatable); default: all
  --collections DIR          put DIR first in ANSIBLE_COLLECTIONS_PATH (test another collection build)
  --report FILE              summary file (default .tmp/reports/molecule.json)
  -j, --parallel N           run N scenarios at a time (default 2; each has its own hosts)
  --fail-fast                start no further scenario after one failed
  -v, --verbose              stream ansible-playbook output
`

async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'scenario-name': { type: 'string', short: 's', multiple: true },
        collections: { type: 'string' },
        report: { type: 'string' },
        parallel: { type: 'string', short: 'j' },
        'fail-fast': { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${usage}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(usage)
    return 0
  }
  const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const command = positionals[0]
  if (command === 'list') {
    for (const name of listScenarios(resolve(projectDir, 'molecule'))) console.log(name)
    return 0
  }
  const single = ['dependency', 'create', 'prepare', 'converge', 'idempotence', 'side_effect', 'verify', 'destroy']
  if ((command !== 'test' && !single.includes(command ?? '')) || positionals.length > 1) {
    process.stderr.write(usage)
    return 2
  }
  const steps =
    command === 'test' ? {} : { steps: [command!], keepDir: (s: string) => resolve(projectDir, '.tmp', 'molecule', s) }
  const parallel = Number(values.parallel ?? '2')
  if (!Number.isInteger(parallel) || parallel < 1) {
    process.stderr.write(`--parallel: expected a positive integer, got ${JSON.stringify(values.parallel)}\n`)
    return 2
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.log(`molecule: ${signal}, stopping the test hosts`)
      abortCleanup(projectDir, line => console.log(line))
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
  const reportFile = resolve(values.report ?? resolve(projectDir, '.tmp', 'reports', 'molecule.json'))
  const report = await runAll({
    projectDir,
    scenarios: values['scenario-name'] ?? [],
    ...(values.collections !== undefined ? { collectionsPath: resolve(values.collections) } : {}),
    verbose: values.verbose ?? false,
    parallel,
    failFast: values['fail-fast'] ?? false,
    ...steps,
    log: line => console.log(line)
  })
  // one line per scenario at the end, since parallel scenarios interleave their step lines
  for (const r of report.scenarios) {
    const why = r.status === 'passed' ? '' : `  ${r.failedStep ? `${r.failedStep}: ` : ''}${r.reason ?? ''}`
    console.log(`  ${r.status.padEnd(7)} ${r.name.padEnd(18)} ${r.seconds.toFixed(1).padStart(6)} s${why}`)
  }
  const written = command === 'test' || values.report !== undefined
  if (written) writeReport(reportFile, report)
  console.log(
    `molecule: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped in ` +
      `${report.seconds.toFixed(1)} s${written ? ` (${reportFile})` : ''}`
  )
  return report.failed > 0 ? 1 : 0
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`molecule: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(1)
  }
)
