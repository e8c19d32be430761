// The scenarios call our CLI many times on the controller. Compiling it once per run (tsc, a few
// seconds) makes each call start in a fraction of tsx's time and pins the code under test for the
// whole run. The output lives below the project so node finds its node_modules.
import { execa } from 'execa'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeRunDir } from './run-dir.js'

export interface CliBuild {
  // the value for ELEKTRA_PLAYBOOK_CLI (read by molecule/shared/vars.yml)
  command: string
  dir: string
  remove: () => void
}

export async function buildCli(projectDir: string, log: (line: string) => void): Promise<CliBuild | undefined> {
  const config = join(projectDir, 'tsconfig.build.json')
  const tsc = join(projectDir, 'node_modules', '.bin', 'tsc')
  if (!existsSync(config) || !existsSync(tsc)) return undefined
  const base = join(projectDir, '.tmp')
  mkdirSync(base, { recursive: true })
  const dir = makeRunDir(base, 'molecule-cli-')
  const remove = () => rmSync(dir, { recursive: true, force: true })
  const t0 = Date.now()
  // type errors elsewhere in the tree do not stop tsc from emitting; a missing entry point does
  const r = await execa(tsc, ['-p', config, '--outDir', join(dir, 'dist')], {
    cwd: projectDir,
    reject: false,
    all: true
  })
  const main = join(dir, 'dist', 'cli', 'main.js')
  if (!existsSync(main)) {
    remove()
    log(`CLI build failed (using tsx instead): ${(r.all ?? '').split('\n').slice(0, 5).join(' | ')}`)
    return undefined
  }
  log(
    `CLI compiled for this run in ${((Date.now() - t0) / 1000).toFixed(1)} s${r.exitCode === 0 ? '' : ' (with type errors)'}`
  )
  return { command: `node ${main}`, dir, remove }
}
