// Exit codes (DESIGN.md): 0 ok, 1 invalid input / failed validation / stale file / conflict,
// 2 usage error, 3 lock busy. Every failure is one line on stderr naming the key, file or offset.
import { CommanderError } from 'commander'
import { DumpError } from '../kdb/dump-error.js'
import { LockBusyError } from '../kdb/errors.js'
import { KeyNameError } from '../kdb/keyname.js'

/** Wrong use of the command line itself (exit 2 unless told otherwise). */
export class UsageError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 2) {
    super(message)
    this.name = 'UsageError'
    this.exitCode = exitCode
  }
}

export interface Failure {
  exitCode: number
  /** null: already printed (commander prints its own usage errors) */
  message: string | null
}

export function failureOf(e: unknown): Failure {
  if (e instanceof CommanderError) {
    // help and version exit 0; every parse error is a usage error
    return { exitCode: e.exitCode === 0 ? 0 : 2, message: null }
  }
  if (e instanceof LockBusyError) return { exitCode: 3, message: e.message }
  if (e instanceof UsageError) return { exitCode: e.exitCode, message: e.message }
  if (e instanceof KeyNameError || e instanceof DumpError) return { exitCode: 1, message: e.message }
  if (e instanceof Error) {
    const code = (e as { exitCode?: unknown }).exitCode
    if (typeof code === 'number' && code > 0) return { exitCode: code, message: e.message }
    // file errors and the like name their file; anything else is still the input's fault or ours
    return { exitCode: 1, message: e.message }
  }
  return { exitCode: 1, message: String(e) }
}
