// Sums the suites' reports into the one closing line CI reads: `N passed, N failed`.
// A suite that ran but left no readable report counts as one failure, so a crash is never silent.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2] ?? '.tmp/reports'
let passed = 0
let failed = 0
let skipped = 0
const lines = []

function count(name, p, f, s) {
  passed += p
  failed += f
  skipped += s
  lines.push(`${name}: ${p} passed, ${f} failed, ${s} skipped`)
}

const vitest = join(dir, 'vitest.json')
if (existsSync(vitest)) {
  try {
    const r = JSON.parse(readFileSync(vitest, 'utf8'))
    // a test file that fails to load has no tests but a failed suite
    const brokenFiles = (r.testResults ?? []).filter(
      t => t.status === 'failed' && (t.assertionResults ?? []).length === 0
    ).length
    count('vitest', r.numPassedTests, r.numFailedTests + brokenFiles, r.numPendingTests + r.numTodoTests)
  } catch (e) {
    count('vitest (unreadable report)', 0, 1, 0)
  }
} else {
  count('vitest (no report)', 0, 1, 0)
}

const pytest = join(dir, 'pytest.xml')
if (existsSync(pytest)) {
  const xml = readFileSync(pytest, 'utf8')
  let p = 0
  let f = 0
  let s = 0
  for (const m of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attr = name => Number((m[1].match(new RegExp(`\\b${name}="(\\d+)"`)) ?? [])[1] ?? 0)
    const tests = attr('tests')
    const bad = attr('failures') + attr('errors')
    const skip = attr('skipped')
    p += tests - bad - skip
    f += bad
    s += skip
  }
  count('pytest', p, f, s)
} else if (existsSync('scripts/test-python.sh')) {
  count('pytest (no report)', 0, 1, 0)
}

const molecule = join(dir, 'molecule.json')
if (existsSync(molecule)) {
  try {
    const r = JSON.parse(readFileSync(molecule, 'utf8'))
    if (Array.isArray(r.scenarios)) {
      const ok = r.scenarios.filter(x => x.ok === true || x.status === 'passed').length
      const sk = r.scenarios.filter(x => x.status === 'skipped').length
      count('molecule', ok, r.scenarios.length - ok - sk, sk)
    } else {
      count('molecule', Number(r.passed ?? 0), Number(r.failed ?? 0), Number(r.skipped ?? 0))
    }
  } catch {
    count('molecule (unreadable report)', 0, 1, 0)
  }
} else if (existsSync('molecule/runner/main.ts')) {
  count('molecule (no report)', 0, 1, 0)
}

for (const l of lines) console.log(l)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 ? 1 : 0)
