// The command line: commander wiring, error printing and exit codes. No logic a library user needs.
import { Command } from 'commander'
import { registerExport } from './commands/export.js'
import { registerKdb } from './commands/kdb.js'
import { registerRecord } from './commands/record.js'
import { makeContext, processIo, type CliContext, type Io } from './context.js'
import { failureOf } from './errors.js'

export interface RunOptions {
  io?: Io
  vars?: NodeJS.ProcessEnv
}

/** Registers further commands (validate, schema, … from other stages). */
export type CommandPlugin = (program: Command, run: (fn: (ctx: CliContext) => Promise<void | number>) => Promise<void>) => void

const plugins: CommandPlugin[] = []

export function addCommands(p: CommandPlugin): void {
  plugins.push(p)
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const io = opts.io ?? processIo
  let exitCode = 0
  let ctx: CliContext | null = null
  const run = async (fn: (ctx: CliContext) => Promise<void | number>): Promise<void> => {
    ctx ??= await makeContext(io, opts.vars)
    const code = await fn(ctx)
    if (typeof code === 'number') exitCode = code
  }
  const program = new Command('elektra-playbook')
    .description('record changes to an Elektra key database and export them as Ansible playbooks')
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ writeOut: s => io.out(s), writeErr: s => io.err(s.replace(/\n+$/, '')) })
  registerKdb(program, run)
  registerRecord(program, run)
  registerExport(program, run)
  // the playbook stage (yaml, ajv) takes as long to load as everything else together: only for
  // the commands that use it, and for help
  if (needsPlaybookStage(argv)) (await import('./commands/playbook.js')).registerPlaybook(program, run)
  for (const p of plugins) p(program, run)
  for (const c of allCommands(program)) c.exitOverride().showSuggestionAfterError(false)
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (e) {
    const f = failureOf(e)
    if (f.message !== null) io.err(`error: ${f.message}`)
    return f.exitCode
  }
  return exitCode
}

const PLAYBOOK_COMMANDS = new Set(['validate', 'schema', 'export', 'help'])

function needsPlaybookStage(argv: string[]): boolean {
  const first = argv.find(a => !a.startsWith('-'))
  return first === undefined || PLAYBOOK_COMMANDS.has(first) || argv.includes('--help') || argv.includes('-h')
}

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)]
}
