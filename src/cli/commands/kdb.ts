// `kdb get|set|rm|meta-get|meta-set|meta-rm|ls|export|import`: printing only; the work is in
// src/recorder/commands/kdb-ops.ts (writes are recorded while a session is active).
import type { Command } from 'commander'
import {
  exportDump,
  getMeta,
  getValue,
  importDump,
  listKeys,
  removeKeys,
  removeMeta,
  setMeta,
  setValue
} from '../../recorder/commands/kdb-ops.js'
import type { CliContext } from '../context.js'

type Run = (fn: (ctx: CliContext) => Promise<void>) => Promise<void>

function valueText(v: string | Uint8Array | null): string | Uint8Array {
  return v === null ? '' : v
}

export function registerKdb(program: Command, run: Run): void {
  const kdb = program.command('kdb').description('read and write keys (writes are recorded while a session is active)')

  kdb
    .command('get <key>')
    .description("print a key's value (a cascading name looks in dir, user, system)")
    .action((key: string) =>
      run(async ({ recorder, io }) => {
        const k = await getValue(recorder, key)
        io.out(valueText(k.value))
        io.out('\n')
      })
    )

  kdb
    .command('set <key> [value]')
    // as in libelektra's `kdb set`; a dump file stores "no value" and "" alike, so "" is what is kept
    .description('set a string value (without one: an empty value)')
    .action((key: string, value: string | undefined) =>
      run(async ({ recorder, io }) => {
        const name = await setValue(recorder, key, value ?? '')
        if (name.canonical !== key && key.startsWith('/')) io.err(`Using name ${name.canonical}`)
      })
    )

  kdb
    .command('rm <key>')
    .option('-r, --recursive', 'also remove the keys below')
    .description('remove a key')
    .action((key: string, o: { recursive?: boolean }) =>
      run(async ({ recorder }) => {
        await removeKeys(recorder, key, { recursive: o.recursive === true })
      })
    )

  kdb
    .command('meta-get <key> <name>')
    .description('print a metakey')
    .action((key: string, name: string) =>
      run(async ({ recorder, io }) => {
        io.out((await getMeta(recorder, key, name)) + '\n')
      })
    )

  kdb
    .command('meta-set <key> <name> <value>')
    .description('set a metakey (creates the key without a value if needed)')
    .action((key: string, name: string, value: string) =>
      run(async ({ recorder }) => {
        await setMeta(recorder, key, name, value)
      })
    )

  kdb
    .command('meta-rm <key> <name>')
    .description('remove a metakey')
    .action((key: string, name: string) =>
      run(async ({ recorder }) => {
        await removeMeta(recorder, key, name)
      })
    )

  kdb
    .command('ls [key]')
    .description('list the names at and below KEY (default: everything)')
    .action((key: string | undefined) =>
      run(async ({ recorder, io }) => {
        const names = await listKeys(recorder, key ?? '/')
        if (names.length > 0) io.out(names.join('\n') + '\n')
      })
    )

  kdb
    .command('export <key>')
    .description('print KEY and everything below it in the dump format, names relative to KEY')
    .action((key: string) =>
      run(async ({ recorder, io }) => {
        io.out(await exportDump(recorder, key))
      })
    )

  kdb
    .command('import <key>')
    .description('replace KEY and everything below it with a dump file read from stdin (all or nothing)')
    .action((key: string) =>
      run(async ({ recorder, io }) => {
        await importDump(recorder, key, await io.readStdin())
      })
    )
}
