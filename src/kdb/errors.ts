/** A file operation of the key database failed; the message names the file. */
export class KdbFileError extends Error {
  readonly file: string
  readonly code: string | undefined
  constructor(file: string, action: string, cause: unknown) {
    const code = errnoCode(cause)
    const detail = cause instanceof Error ? cause.message : String(cause)
    super(`${file}: cannot ${action}: ${detail}`, { cause })
    this.name = 'KdbFileError'
    this.file = file
    this.code = code
  }
}

/** A lock is held by a live process for longer than the lock timeout (exit code 3). */
export class LockBusyError extends Error {
  readonly exitCode = 3
  readonly file: string
  readonly lockFile: string
  readonly pid: number | null
  constructor(file: string, lockFile: string, pid: number | null) {
    super(`busy: ${file} is locked by ${pid === null ? 'another process' : `pid ${pid}`}`)
    this.name = 'LockBusyError'
    this.file = file
    this.lockFile = lockFile
    this.pid = pid
  }
}

/** The embedded store can only read and write mountpoints whose storage plugin is `dump`. */
export class UnsupportedPluginError extends Error {
  readonly exitCode = 1
  readonly plugin: string
  readonly mountpoint: string
  readonly file: string
  constructor(plugin: string, mountpoint: string, file: string) {
    super(
      `mountpoint ${mountpoint} (${file}) uses storage plugin '${plugin}': ` +
        `only 'dump' is supported without libelektra (use the kdb backend)`
    )
    this.name = 'UnsupportedPluginError'
    this.plugin = plugin
    this.mountpoint = mountpoint
    this.file = file
  }
}

/** The mountpoint table in elektra.ecf is malformed. */
export class MountpointError extends Error {
  readonly exitCode = 1
  readonly key: string
  constructor(key: string, reason: string) {
    super(`${key}: ${reason}`)
    this.name = 'MountpointError'
    this.key = key
  }
}

/** A backend file changed on disk between our read and our write (a writer that ignores our lock). */
export class ConflictError extends Error {
  readonly exitCode = 1
  readonly file: string
  constructor(file: string) {
    super(`${file}: changed by another program while being updated; nothing written`)
    this.name = 'ConflictError'
    this.file = file
  }
}

/** A key that no backend of the update can hold (outside the scope, cascading, or a virtual mountpoint). */
export class KeyPlacementError extends Error {
  readonly exitCode = 1
  readonly key: string
  constructor(key: string, reason: string) {
    super(`${key}: ${reason}`)
    this.name = 'KeyPlacementError'
    this.key = key
  }
}

export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = (e as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}
