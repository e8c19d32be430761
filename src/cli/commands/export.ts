// `export`: the session written out in one of the formats. One function per format (EXPORT_FORMATS);
// the CLI only gathers the session and the options and prints or writes the text.
import type { Command } from 'commander'
import { atomicWrite } from '../../kdb/atomic-write.js'
import { parseKeyName, type KeyName } from '../../kdb/keyname.js'
import { loadSession } from '../../recorder/commands/state.js'
import { isEmpty } from '../../recorder/diff-model.js'
import { toJson } from '../../recorder/diff-json.js'
import { isCurrentSessionFile, parseSessionArg, readSessionFiles } from '../../recorder/session-files.js'
import type { Session } from '../../recorder/session-store.js'
import type { CliContext } from '../context.js'
import { UsageError } from '../errors.js'
import { ttyProgress } from '../progress.js'

export interface ExportCliOptions {
  format: string
  output?: string
  /** a file, or `true` for `--update` alone: the playbook the last `export -o FILE` remembered */
  update?: string | true
  check?: boolean
  assertOld?: boolean
  transaction?: string
  hosts?: string
  kdb?: string
  session?: string[]
}

export interface ExportRequest {
  session: Session
  parent: KeyName | null
  opts: ExportCliOptions
  warn: (message: string) => void
}

export interface ExportOutput {
  text: string
  /** nothing to export: the text is still valid (empty play, comment-only script, empty maps) */
  empty: boolean
}

export type ExportFormat = (req: ExportRequest) => ExportOutput | Promise<ExportOutput>

// the playbook stage is loaded only when a format needs it (it is most of the CLI's start-up time)
export const EXPORT_FORMATS: Record<string, ExportFormat> = {
  ansible: async ({ session, opts, warn }) =>
    (await import('../../playbook/export-ansible.js')).exportAnsible(session, {
      assertOld: opts.assertOld,
      transaction: opts.transaction,
      hosts: opts.hosts,
      warn,
      onProgress: ttyProgress('export')
    }),
  commands: async ({ session, opts, warn }) =>
    (await import('../../playbook/export-commands.js')).exportCommands(session, { kdb: opts.kdb, warn }),
  json: ({ session, parent }) => ({
    text: JSON.stringify(toJson({ ...session.diff, parent }, session.asserts), null, 2) + '\n',
    empty: isEmpty(session.diff) && session.asserts.size === 0
  })
}

/** `export --update FILE [--check]`: rewrites a playbook in place (src/playbook); see registerExport. */
export type UpdateInPlace = (req: ExportRequest & { ctx: CliContext; file: string; check: boolean }) => Promise<{
  changed: boolean
  /** with check: the file is stale (exit 1) */
  stale: boolean
}>

let updateInPlace: UpdateInPlace | null = null

/** Lets the playbook stage provide `--update` without the CLI knowing how it works. */
export function provideUpdateInPlace(fn: UpdateInPlace): void {
  updateInPlace = fn
}

/** Runs after `-o FILE` was written (the playbook stage remembers the template). */
export type AfterWrite = (ctx: CliContext, req: ExportRequest, file: string, out: ExportOutput) => Promise<void>

let afterWrite: AfterWrite | null = null

export function provideAfterWrite(fn: AfterWrite): void {
  afterWrite = fn
}

/** The session to export: from `--session` files, else the current key database's (caught up, folded). */
async function sessionFor(ctx: CliContext, files: string[] | undefined): Promise<{ session: Session; parent: KeyName | null }> {
  if (files === undefined || files.length === 0) {
    const { session, parent } = await loadSession(ctx.recorder)
    return { session, parent }
  }
  const args = files.map(parseSessionArg)
  // our own session files may still have parts in the journal
  if (args.some(a => isCurrentSessionFile(a.file, ctx.env))) await loadSession(ctx.recorder)
  const { session, namespaces } = await readSessionFiles(args, ctx.env)
  for (const n of namespaces)
    if (n.how === 'default')
      ctx.io.err(`note: ${n.file}: namespace not evident from its location, read as user (write system=${n.file} to choose)`)
  return { session, parent: null }
}

/** DESIGN.md "Files and roots": the playbook that `export -o FILE` remembers for `export --update`. */
export const TEMPLATE_KEY = parseKeyName('system:/elektra/record/config/export/ansible/template')

async function rememberedTemplate(ctx: CliContext): Promise<string> {
  const ks = await ctx.recorder.store.read(TEMPLATE_KEY)
  const file = ks.lookup(TEMPLATE_KEY)?.value
  if (typeof file !== 'string' || file === '')
    throw new UsageError('export --update: no FILE given and no playbook remembered (export -o FILE remembers one)', 1)
  return file
}

export async function runExport(ctx: CliContext, given: ExportCliOptions): Promise<number> {
  const update = given.update === true ? await rememberedTemplate(ctx) : given.update
  const opts = { ...given, update }
  const format = EXPORT_FORMATS[opts.format]
  if (format === undefined)
    throw new UsageError(`export: unknown format '${opts.format}' (ansible, commands or json)`)
  if (opts.check && opts.update === undefined) throw new UsageError('export: --check needs --update FILE')
  if (opts.update !== undefined && opts.output !== undefined)
    throw new UsageError('export: --update FILE rewrites FILE itself; -o cannot be used with it')
  const { session, parent } = await sessionFor(ctx, opts.session)
  const warn = (m: string) => ctx.io.err(`warning: ${m}`)
  const req: ExportRequest = { session, parent, opts, warn }
  if (opts.update !== undefined) {
    if (updateInPlace === null) throw new UsageError('export --update is not available in this build', 1)
    const r = await updateInPlace({ ...req, ctx, file: opts.update, check: opts.check === true })
    if (opts.check && r.stale) {
      ctx.io.err(
        `${opts.update}: stale: export --update would change it as shown (the session changed, or the options differ from the export's, e.g. --assert-old)`
      )
      return 1
    }
    return 0
  }
  const out = await format(req)
  if (out.empty) ctx.io.err('note: the session is empty: nothing to export')
  if (opts.output !== undefined) {
    await atomicWrite(opts.output, Buffer.from(out.text, 'utf8'), { fileMode: 0o644, dirMode: 0o755 })
    await afterWrite?.(ctx, req, opts.output, out)
  } else ctx.io.out(out.text)
  return 0
}

type Run = (fn: (ctx: CliContext) => Promise<void | number>) => Promise<void>

export function registerExport(program: Command, run: Run): void {
  program
    .command('export')
    .description('write the session out as a playbook, kdb commands or JSON')
    .option('--format <format>', 'ansible, commands or json', 'ansible')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--update [file]', 'update this playbook in place (default: the one export -o remembered)')
    .option('--check', 'with --update: change nothing, exit 1 if the playbook is stale')
    .option('--assert-old', 'guard the old value of every modified or removed key')
    .option('--transaction <name>', 'transaction name (default: rec- + hash of the session)')
    .option('--hosts <pattern>', "the play's hosts")
    .option('--kdb <cmd>', 'the kdb command in --format commands', 'kdb')
    .option('--session <files...>', 'read the session from these record-session.cfg files ([ns=]FILE)')
    .action((o: ExportCliOptions) => run(ctx => runExport(ctx, o)))
}
