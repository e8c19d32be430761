// What every command needs: the key database's location, its store and the recorder, taken from the
// process environment once. Warnings go to stderr the moment they are found.
import { statSync } from 'node:fs'
import path from 'node:path'
import { envFromProcess, type KdbEnv } from '../kdb/paths.js'
import { openStore } from '../kdb/store.js'
import type { AppendWarning } from '../recorder/append.js'
import { Recorder } from '../recorder/recorder.js'
import { UsageError } from './errors.js'

export interface Io {
  out(text: string | Uint8Array): void
  err(line: string): void
  readStdin(): Promise<Uint8Array>
}

export interface CliContext {
  env: KdbEnv
  recorder: Recorder
  io: Io
}

export const processIo: Io = {
  out: text => {
    process.stdout.write(text)
  },
  err: line => {
    process.stderr.write(line.endsWith('\n') ? line : line + '\n')
  },
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) chunks.push(c as Buffer)
    return Buffer.concat(chunks)
  }
}

/** A missing root directory is an input error, not something to create silently. */
export function checkRoot(env: KdbEnv): void {
  if (env.root === '') return
  const dir = path.resolve(env.root)
  let isDir = false
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    isDir = false
  }
  if (!isDir) throw new UsageError(`ELEKTRA_PLAYBOOK_ROOT: ${dir} is not an existing directory`, 1)
}

export function warningLine(w: AppendWarning): string {
  return `warning: ${w.message}`
}

/** `ELEKTRA_PLAYBOOK_BACKEND=kdb` selects the real `kdb` (openStore); the default is the embedded store. */
export async function makeContext(io: Io = processIo, vars: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const env = envFromProcess(vars)
  checkRoot(env)
  const store = await openStore(env, {}, vars)
  const recorder = new Recorder(env, store, { onWarning: w => io.err(warningLine(w)) })
  return { env, recorder, io }
}
