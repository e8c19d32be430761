import { constants } from 'node:fs'
import { access, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { errnoCode, KdbFileError } from './errors.js'

/** Modes for files and directories that do not exist yet (existing files keep theirs). */
export interface NewModes {
  fileMode: number
  dirMode: number
}

/** What identifies one version of a file: every writer replaces files by rename, so ino changes. */
export interface FileIdentity {
  dev: string
  ino: string
  size: string
  mtimeNs: string
}

/** A write whose new content sits in a temp file (or a deletion that was checked), not yet visible. */
export interface PreparedWrite {
  readonly file: string
  /** `null` when the write deletes the file. */
  readonly temp: string | null
  commit(): Promise<void>
  abort(): Promise<void>
}

/** `<file>.<pid>:<seconds>.<microseconds>.tmp`, plain decimals, as libelektra's resolver names it. */
export function tempName(file: string, pid: number, epochMicros: bigint): string {
  const sec = epochMicros / 1_000_000n
  const usec = epochMicros % 1_000_000n
  return `${file}.${pid}:${sec}.${usec}.tmp`
}

function nowMicros(): bigint {
  return BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000))
}

export async function fileIdentity(file: string): Promise<FileIdentity | null> {
  try {
    const s = await stat(file, { bigint: true })
    return {
      dev: String(s.dev),
      ino: String(s.ino),
      size: String(s.size),
      mtimeNs: String(s.mtimeNs)
    }
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null
    throw new KdbFileError(file, 'stat', e)
  }
}

export function sameIdentity(a: FileIdentity | null, b: FileIdentity | null): boolean {
  if (a === null || b === null) return a === b
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs
}

/** Creates missing directories with `mode` (subject to the umask, like mkdir(2)). */
export async function ensureDir(dir: string, mode: number): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode })
  } catch (e) {
    throw new KdbFileError(dir, 'create directory', e)
  }
}

/** Makes a rename or unlink in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined
  try {
    h = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY)
    await h.sync()
  } catch (e) {
    // some file systems refuse fsync on directories; the rename itself is still atomic
    if (errnoCode(e) !== 'EINVAL' && errnoCode(e) !== 'EISDIR') throw new KdbFileError(dir, 'fsync', e)
  } finally {
    await h?.close()
  }
}

/**
 * Writes `data` to a temp file beside `file` (fsynced, final mode and owner already set), to be made
 * visible by `commit()` with one rename. `data === null` prepares deleting the file (an empty key set).
 */
export async function prepareWrite(
  file: string,
  data: Uint8Array | null,
  modes: NewModes
): Promise<PreparedWrite> {
  const dir = path.dirname(file)
  const old = await statOrNull(file)
  if (data === null) return prepareDelete(file, dir, old)
  await ensureDir(dir, modes.dirMode)
  const mode = old === null ? modes.fileMode : Number(old.mode & 0o7777n)
  let temp = ''
  let h: FileHandle | undefined
  for (let micros = nowMicros(); h === undefined; micros++) {
    temp = tempName(file, process.pid, micros)
    try {
      h = await open(temp, 'wx', mode)
    } catch (e) {
      // another write of this process in the same microsecond: take the next one
      if (errnoCode(e) !== 'EEXIST') throw new KdbFileError(file, `create temp file ${temp}`, e)
    }
  }
  try {
    await h.writeFile(data)
    await h.chmod(mode)
    if (old !== null) await keepOwner(h, old)
    if (old !== null) await bumpMtimeIfSame(h, old.mtimeNs)
    await h.sync()
  } catch (e) {
    await h.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw e instanceof KdbFileError ? e : new KdbFileError(file, `write temp file ${temp}`, e)
  }
  await h.close()
  let done = false
  return {
    file,
    temp,
    async commit() {
      if (done) return
      done = true
      try {
        await rename(temp, file)
      } catch (e) {
        await unlink(temp).catch(() => undefined)
        throw new KdbFileError(file, 'rename temp file over it', e)
      }
      await fsyncDir(dir)
    },
    async abort() {
      if (done) return
      done = true
      await unlink(temp).catch(() => undefined)
    }
  }
}

async function prepareDelete(
  file: string,
  dir: string,
  old: Awaited<ReturnType<typeof statOrNull>>
): Promise<PreparedWrite> {
  if (old !== null) {
    try {
      await access(dir, constants.W_OK)
    } catch (e) {
      throw new KdbFileError(file, 'delete (directory not writable)', e)
    }
  }
  let done = false
  return {
    file,
    temp: null,
    async commit() {
      if (done) return
      done = true
      try {
        await unlink(file)
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') return
        throw new KdbFileError(file, 'delete', e)
      }
      await fsyncDir(dir)
    },
    async abort() {
      done = true
    }
  }
}

/** Replaces `file` with `data` atomically (temp + fsync + rename + fsync dir); `null` deletes it. */
export async function atomicWrite(file: string, data: Uint8Array | null, modes: NewModes): Promise<void> {
  const w = await prepareWrite(file, data, modes)
  await w.commit()
}

async function statOrNull(file: string) {
  try {
    return await stat(file, { bigint: true })
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null
    throw new KdbFileError(file, 'stat', e)
  }
}

async function keepOwner(h: FileHandle, old: { uid: bigint; gid: bigint }): Promise<void> {
  const s = await h.stat({ bigint: true })
  if (s.uid === old.uid && s.gid === old.gid) return
  // only root may give files away; others keep their own ownership, as libelektra does
  await h.chown(Number(old.uid), Number(old.gid)).catch(() => undefined)
}

// Readers that compare mtimes (libelektra's resolver) must see a change even within one clock tick.
async function bumpMtimeIfSame(h: FileHandle, oldMtimeNs: bigint): Promise<void> {
  const s = await h.stat({ bigint: true })
  if (s.mtimeNs !== oldMtimeNs) return
  const seconds = Number(oldMtimeNs) / 1e9 + 0.001
  await h.utimes(Number(s.atimeNs) / 1e9, seconds)
}
