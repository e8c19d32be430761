// Runs the real CLI as a child process against a temp root: the build of test/setup/build-cli.ts when
// the run made one, else the sources through tsx.
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { execa } from 'execa'
import type { TempRoot } from './temp-root.js'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const MAIN = path.join(REPO, 'src/cli/main.ts')
/** tsx's loader by absolute URL: `--import tsx` would be resolved from the child's working directory. */
export const TSX = pathToFileURL(path.join(REPO, 'node_modules/tsx/dist/loader.mjs')).href

/** The CLI as a shell command prefix (for scripts run through `sh`). */
export function cliShellCommand(): string {
  const built = process.env.ELEKTRA_PLAYBOOK_TEST_CLI
  return built ? `node ${built}` : `node --import ${TSX} ${MAIN}`
}

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface CliOptions {
  input?: string | Uint8Array
  /** extra environment variables */
  env?: Record<string, string>
  /** working directory (default: the temp root's cwd) */
  cwd?: string
}

/** `elektra-playbook ...args` in the temp root; never throws on a non-zero exit. */
export async function cli(t: TempRoot, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const built = process.env.ELEKTRA_PLAYBOOK_TEST_CLI
  const argv = built ? [built, ...args] : ['--import', TSX, MAIN, ...args]
  const r = await execa('node', argv, {
    cwd: opts.cwd ?? t.cwd,
    env: { ...t.vars, ...opts.env },
    extendEnv: true,
    reject: false,
    input: opts.input,
    stripFinalNewline: false
  })
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }
}

/** Runs a shell-like script: one command per line, `#` comments; stops at the first unexpected failure. */
export async function cliOk(t: TempRoot, ...lines: string[][]): Promise<CliResult[]> {
  const out: CliResult[] = []
  for (const args of lines) {
    const r = await cli(t, args)
    if (r.exitCode !== 0) throw new Error(`elektra-playbook ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`)
    out.push(r)
  }
  return out
}
