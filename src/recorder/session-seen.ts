// "Last seen" state of the backend files, so that writes by other programs are recorded too.
//
// For every backend file F the recorder keeps `F.seen`: a hard link to the inode whose content the
// session already reflects (every writer replaces F by rename, so that inode keeps the old content at
// the cost of one link, not a copy). A missing F is remembered as an empty `F.seen`. No `F.seen` means
// "never looked at" (e.g. the `dir:/` file of another working directory): its keys become the
// baseline when first seen, without being recorded.
import { constants } from 'node:fs'
import { copyFile, link, lstat, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import path from 'node:path'
import { ensureDir } from '../kdb/atomic-write.js'
import { errnoCode, KdbFileError } from '../kdb/errors.js'

export const SEEN_SUFFIX = '.seen'

export function seenFileOf(file: string): string {
  return file + SEEN_SUFFIX
}

export interface FileNow {
  dev: string
  /** null when the file does not exist */
  ino: string | null
}

export type SeenCheck =
  | { status: 'same'; now: FileNow }
  | { status: 'unseen'; now: FileNow }
  | { status: 'changed'; now: FileNow }

async function statOrNull(file: string, useLstat = false) {
  try {
    return await (useLstat ? lstat(file, { bigint: true }) : stat(file, { bigint: true }))
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return null
    throw new KdbFileError(file, 'stat', e)
  }
}

/** The identity of F now (dev, ino) as journal records store it. */
export async function fileNow(file: string): Promise<FileNow> {
  const s = await statOrNull(file)
  return s === null ? { dev: '', ino: null } : { dev: String(s.dev), ino: String(s.ino) }
}

/** Compares F with what was last seen of it: two stat calls. */
export async function checkSeen(file: string): Promise<SeenCheck> {
  const [seen, cur] = await Promise.all([statOrNull(seenFileOf(file), true), statOrNull(file)])
  const now: FileNow = cur === null ? { dev: '', ino: null } : { dev: String(cur.dev), ino: String(cur.ino) }
  if (seen === null) return { status: 'unseen', now }
  if (cur === null) return { status: seen.size === 0n ? 'same' : 'changed', now }
  if (cur.dev === seen.dev && cur.ino === seen.ino) return { status: 'same', now }
  return { status: 'changed', now }
}

/** The content last seen of F (empty when F was missing then). */
export async function readSeen(file: string): Promise<Uint8Array> {
  try {
    return await readFile(seenFileOf(file))
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return new Uint8Array(0)
    throw new KdbFileError(seenFileOf(file), 'read', e)
  }
}

/** Remembers F's current content as seen. `dirMode` is used when F's directory does not exist yet. */
export async function markSeen(file: string, dirMode: number): Promise<void> {
  const seen = seenFileOf(file)
  const temp = `${seen}.${process.pid}.tmp`
  await unlink(temp).catch(() => undefined)
  try {
    await link(file, temp)
  } catch (e) {
    const code = errnoCode(e)
    if (code === 'ENOENT') {
      await ensureDir(path.dirname(file), dirMode)
      await writeEmpty(temp)
    } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') {
      // no hard links on this file system: a copy costs the file's size, but stays correct
      await copyFile(file, temp).catch(err => {
        if (errnoCode(err) !== 'ENOENT') throw new KdbFileError(temp, 'copy', err)
        return writeEmpty(temp)
      })
    } else throw new KdbFileError(temp, 'link', e)
  }
  try {
    await rename(temp, seen)
  } catch (e) {
    await unlink(temp).catch(() => undefined)
    throw new KdbFileError(seen, 'rename', e)
  }
}

async function writeEmpty(file: string): Promise<void> {
  try {
    const h = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600)
    await h.close()
  } catch (e) {
    throw new KdbFileError(file, 'create', e)
  }
}

/** Drops the seen state of F (recording stopped). */
export async function forgetSeen(file: string): Promise<void> {
  await unlink(seenFileOf(file)).catch(e => {
    if (errnoCode(e) !== 'ENOENT') throw new KdbFileError(seenFileOf(file), 'remove', e)
  })
}
