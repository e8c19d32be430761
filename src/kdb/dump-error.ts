/** Why a dump file could not be read; stable strings so callers and tests can branch on them. */
export type DumpErrorCode =
  | 'expected-newline'
  | 'unknown-command'
  | 'unknown-type'
  | 'wrong-version'
  | 'truncated'
  | 'bad-size'
  | 'bad-utf8'

/**
 * A dump file is malformed. `offset` is the byte (0-based) where reading stopped, so the message
 * points into the file the way a compiler points at a line and column.
 */
export class DumpError extends Error {
  override readonly name = 'DumpError'
  readonly code: DumpErrorCode
  readonly offset: number
  readonly file: string
  readonly detail: string

  constructor(
    code: DumpErrorCode,
    offset: number,
    file: string,
    detail: string
  ) {
    super(`${file}: byte ${offset}: ${detail}`)
    this.code = code
    this.offset = offset
    this.file = file
    this.detail = detail
  }
}

/** A key set cannot be written as a dump file for that mountpoint; `key` names the offending key. */
export class DumpWriteError extends Error {
  override readonly name = 'DumpWriteError'
  readonly key: string

  constructor(key: string, detail: string) {
    super(`cannot write ${key} to a dump file: ${detail}`)
    this.key = key
  }
}
