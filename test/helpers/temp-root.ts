import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { KdbEnv } from '../../src/kdb/paths.js'

/** A throw-away key database: `root` for system/spec files, `home` for user files, `cwd` for dir files. */
export interface TempRoot {
  /** The directory holding everything below; removed by `cleanup()`. */
  dir: string
  root: string
  home: string
  cwd: string
  /** The environment to hand to stores (`openStore(env)`, `new EmbeddedStore(env)`). */
  env: KdbEnv
  /** Variables for child processes (merge into `process.env`): root, HOME, lock timeout. */
  vars: Record<string, string>
  cleanup(): Promise<void>
}

export interface TempRootOptions {
  /**
   * Also set `process.env` (ELEKTRA_PLAYBOOK_ROOT, HOME) and `process.chdir(cwd)` for code that reads
   * them itself (`envFromProcess()`, the CLI); `cleanup()` restores them. Only in the forks pool.
   */
  applyToProcess?: boolean
  /** `ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS` for children (default: unset, i.e. 10 s). */
  lockTimeoutMs?: number
}

export async function makeTempRoot(opts: TempRootOptions = {}): Promise<TempRoot> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ep-root-'))
  const root = path.join(dir, 'root')
  const home = path.join(dir, 'home')
  const cwd = path.join(dir, 'work')
  await Promise.all([mkdir(root), mkdir(home), mkdir(cwd)])
  const vars: Record<string, string> = { ELEKTRA_PLAYBOOK_ROOT: root, HOME: home }
  if (opts.lockTimeoutMs !== undefined) vars.ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS = String(opts.lockTimeoutMs)
  let restore = async () => {}
  if (opts.applyToProcess) {
    const saved = { root: process.env.ELEKTRA_PLAYBOOK_ROOT, home: process.env.HOME, cwd: process.cwd() }
    process.env.ELEKTRA_PLAYBOOK_ROOT = root
    process.env.HOME = home
    process.chdir(cwd)
    restore = async () => {
      process.chdir(saved.cwd)
      setOrDelete('ELEKTRA_PLAYBOOK_ROOT', saved.root)
      setOrDelete('HOME', saved.home)
    }
  }
  return {
    dir,
    root,
    home,
    cwd,
    env: { root, home, cwd },
    vars,
    async cleanup() {
      await restore()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

function setOrDelete(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}

/**
 * `node` arguments that run a TypeScript file through tsx from any working directory (a bare
 * `--import tsx` is resolved from the child's cwd, which for store tests is the throw-away root).
 */
export function tsxArgs(script: string, ...args: string[]): string[] {
  const loader = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/tsx/dist/loader.mjs')
  return ['--import', pathToFileURL(loader).href, script, ...args]
}
