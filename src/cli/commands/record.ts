// `record start|stop|state|reset|rm|undo|assert`: printing only (src/recorder/commands does the work).
import type { Command } from 'commander'
import { assertKey } from '../../recorder/commands/assert.js'
import { resetSession } from '../../recorder/commands/reset.js'
import { removeFromSession } from '../../recorder/commands/rm.js'
import { startRecording } from '../../recorder/commands/start.js'
import { formatState, recordingState, stateOf } from '../../recorder/commands/state.js'
import { emptySession } from '../../recorder/session-store.js'
import { stopRecording } from '../../recorder/commands/stop.js'
import { undoRecorded } from '../../recorder/commands/undo.js'
import type { CliContext } from '../context.js'
import { UsageError } from '../errors.js'

type Run = (fn: (ctx: CliContext) => Promise<void>) => Promise<void>

export function registerRecord(program: Command, run: Run): void {
  const record = program.command('record').description('control the recording session')

  record
    .command('start [parent]')
    .description('start recording changes at and below PARENT (default /: everything)')
    .option('--resume', 'already active with another parent: switch to PARENT, keeping the data')
    .option('--reset', 'clear the session data first')
    .action((parent: string | undefined, o: { resume?: boolean; reset?: boolean }) =>
      run(async ({ recorder, io }) => {
        if (o.resume && o.reset) throw new UsageError('record start: --resume and --reset exclude each other')
        const r = await startRecording(recorder, { parent: parent ?? '/', resume: o.resume, reset: o.reset })
        if (r.action === 'unchanged') io.err(`recording is already active for ${r.parent.canonical}`)
        if (r.action === 'resumed')
          io.err(`session continues with parent ${r.parent.canonical} (was ${r.previous?.canonical})`)
      })
    )

  record
    .command('stop')
    .description('stop recording; the session data is kept')
    .action(() =>
      run(async ({ recorder }) => {
        await stopRecording(recorder)
      })
    )

  record
    .command('state')
    .description('show what the session holds')
    .option('--json', 'print the state as JSON')
    .action((o: { json?: boolean }) =>
      run(async ({ recorder, io }) => {
        // libelektra's text shows nothing of an inactive session: no need to read it
        if (!o.json && (await recorder.session.activeParent()) === null) {
          io.out(formatState({ ...stateOf(emptySession(), null) }))
          return
        }
        const { newWarnings: _, ...st } = await recordingState(recorder)
        io.out(o.json ? JSON.stringify(st, null, 2) + '\n' : formatState(st))
      })
    )

  record
    .command('reset')
    .description('clear the session data (recording stays active or inactive)')
    .action(() =>
      run(async ({ recorder }) => {
        await resetSession(recorder)
      })
    )

  record
    .command('rm <key>')
    .description('drop KEY from the session (the key database is untouched)')
    .option('-r, --recursive', 'also drop the keys below KEY')
    .action((key: string, o: { recursive?: boolean }) =>
      run(async ({ recorder, io }) => {
        const r = await removeFromSession(recorder, key, { recursive: o.recursive === true })
        if (r.removed.length === 0) io.err(`${key}: not in session`)
      })
    )

  record
    .command('undo [key]')
    .description('revert the recorded changes at/below KEY (default: the session parent) and drop them')
    .option('--force', 'also revert keys that changed since they were recorded')
    .action((key: string | undefined, o: { force?: boolean }) =>
      run(async ({ recorder, io }) => {
        const r = await undoRecorded(recorder, key, { force: o.force === true })
        for (const c of r.forced) io.err(`warning: ${c.name} had changed since it was recorded; reverted anyway`)
        if (r.undone.length === 0) io.err(`${key ?? 'session'}: nothing recorded to undo`)
      })
    )

  record
    .command('assert <key> [value]')
    .description("expect KEY to have VALUE (default: its current value and metadata) on the target")
    .action((key: string, value: string | undefined) =>
      run(async ({ recorder, io }) => {
        const r = await assertKey(recorder, key, value)
        if (r.absent) io.err(`${r.assert.name.canonical} does not exist: the assert expects it to stay absent`)
      })
    )
}
