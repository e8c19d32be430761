// Run directories (a scenario's ephemeral directory, the compiled CLI) carry their owner's pid and
// start time. A run killed outright (SIGKILL) cannot clean up; its hosts stop by themselves
// (testhost.sh watchdog), and the next run removes the directories whose owner is gone.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ownerFile = '.runner-owner'

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is the state (field 3); the start time is field 22
    return fields[0] === 'Z' ? undefined : fields[19]
  } catch {
    return undefined
  }
}

export function makeRunDir(parent: string, prefix: string): string {
  const dir = mkdtempSync(join(parent, prefix))
  writeFileSync(join(dir, ownerFile), `${process.pid} ${startTime(process.pid) ?? ''}\n`)
  return dir
}

export function makeEphemeralDir(scenario: string): string {
  return makeRunDir(tmpdir(), `molecule-${scenario}-`)
}

export function removeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

function ownerGone(dir: string): boolean {
  const file = join(dir, ownerFile)
  if (!existsSync(file)) return false
  const [pid, start] = readFileSync(file, 'utf8').trim().split(' ')
  return startTime(Number(pid)) !== start
}

// removes run directories below `parents` (matching `pattern`) whose owner process is gone, after
// stopping any host still recorded in them
export function sweepStaleRunDirs(
  parents: string[],
  pattern: RegExp,
  testhost: string,
  log: (line: string) => void
): void {
  for (const parent of parents) {
    if (!existsSync(parent)) continue
    for (const name of readdirSync(parent)) {
      const dir = join(parent, name)
      if (!pattern.test(name) || !ownerGone(dir)) continue
      const records = join(dir, 'testhosts')
      for (const host of existsSync(records) ? readdirSync(records) : []) {
        spawnSync('bash', [testhost, 'down', host, records])
      }
      removeRunDir(dir)
      log(`removed the run directory ${dir} of a run that no longer exists`)
    }
  }
}
