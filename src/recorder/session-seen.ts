// "Last seen" state of the backend files, so that writes by other programs are recorded too.
//
// For every backend file F the recorder keeps `F.seen`: a hard link to the inode whose content the
// session already reflects (every writer replaces F by rename, so that inode keeps the old content at
// the cost of one link, not a copy). A missing F is remembered as an empty `F.seen`, or — when F's
// directory does not exist either, which we do not create just for this — by listing F in the
// "absent" file (`record-session.seen` beside the system session file). No `F.seen` and no listing
// means "never looked at" (e.g. the `dir:/` file of another working directory): its keys become the
// baseline when first seen, without being recorded.
import { constants, linkSync, lstatSync, renameSync, statSync, unlinkSync, type BigIntStats } from 'node:fs'
import { copyFile, open, readFile, unlink } from 'node:fs/promises'
import { atomicWrite } from '../kdb/atomic-write.js'
import { errnoCode, KdbFileError } from '../kdb/errors.js'

export const SEEN_SUFFIX = '.seen'
/** Name of the list of files seen as absent in a directory that did not exist. */
export const ABSENT_LIST = 'record-session.seen'

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

// Synchronous on purpose: these are single metadata syscalls on the hot path of every recorded
// write, and the promise API costs several times their CPU time.
function statOrNull(file: string, useLstat = false): BigIntStats | null {
  try {
    return (useLstat ? lstatSync : statSync)(file, { bigint: true, throwIfNoEntry: false }) ?? null
  } catch (e) {
    if (errnoCode(e) === 'ENOTDIR') return null
    throw new KdbFileError(file, 'stat', e)
  }
}

/** The identity of F now (dev, ino) as journal records store it. */
export async function fileNow(file: string): Promise<FileNow> {
  const s = statOrNull(file)
  return s === null ? { dev: '', ino: null } : { dev: String(s.dev), ino: String(s.ino) }
}

/**
 * Compares F with what was last seen of it: two stat calls. `absentList` (read only when F has no
 * seen copy but exists) is the list of files seen as absent.
 */
export async function checkSeen(file: string, absentList: string): Promise<SeenCheck> {
  const seen = statOrNull(seenFileOf(file), true)
  const cur = statOrNull(file)
  const now: FileNow = cur === null ? { dev: '', ino: null } : { dev: String(cur.dev), ino: String(cur.ino) }
  if (seen === null) {
    // absent then (or never seen) and absent now: nothing to compare
    if (cur === null) return { status: 'same', now }
    return { status: (await readAbsent(absentList)).includes(file) ? 'changed' : 'unseen', now }
  }
  if (cur === null) return { status: seen.size === 0n ? 'same' : 'changed', now }
  if (cur.dev === seen.dev && cur.ino === seen.ino) return { status: 'same', now }
  return { status: 'changed', now }
}

async function readAbsent(list: string): Promise<string[]> {
  try {
    const v = JSON.parse(await readFile(list, 'utf8')) as { absent?: unknown }
    return Array.isArray(v.absent) ? v.absent.filter((x): x is string => typeof x === 'string') : []
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return []
    // a damaged list only loses "absent" knowledge: such files are taken as a new baseline
    return []
  }
}

async function writeAbsent(list: string, files: string[]): Promise<void> {
  const data = files.length === 0 ? null : Buffer.from(JSON.stringify({ absent: files }) + '\n')
  await atomicWrite(list, data, { fileMode: 0o644, dirMode: 0o755 })
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

/** Remembers F's current content as seen (see the top of this file for F missing). */
export async function markSeen(file: string, absentList: string): Promise<void> {
  const seen = seenFileOf(file)
  const cur = statOrNull(file)
  const old = statOrNull(seen, true)
  // already seen as it is: nothing to do (the common case of catch-up and of unchanged files)
  if (old !== null && (cur === null ? old.size === 0n : old.dev === cur.dev && old.ino === cur.ino)) return
  const temp = `${seen}.${process.pid}.tmp`
  try {
    linkFresh(file, temp)
  } catch (e) {
    const code = errnoCode(e)
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (!(await writeEmpty(temp))) {
        await forgetSeen(file)
        const listed = await readAbsent(absentList)
        if (!listed.includes(file)) await writeAbsent(absentList, [...listed, file])
        return
      }
    } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') {
      // no hard links on this file system: a copy costs the file's size, but stays correct
      await copyFile(file, temp).catch(async err => {
        if (errnoCode(err) !== 'ENOENT') throw new KdbFileError(temp, 'copy', err)
        await writeEmpty(temp)
      })
    } else throw new KdbFileError(temp, 'link', e)
  }
  try {
    renameSync(temp, seen)
  } catch (e) {
    await unlink(temp).catch(() => undefined)
    throw new KdbFileError(seen, 'rename', e)
  }
}

/** link(2), replacing a temp name left behind by a killed process of the same pid. */
function linkFresh(file: string, temp: string): void {
  try {
    linkSync(file, temp)
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e
    unlinkSync(temp)
    linkSync(file, temp)
  }
}

/** Forgets the whole list of absent files (recording stops). */
export async function forgetAbsent(absentList: string): Promise<void> {
  await writeAbsent(absentList, [])
}

/** Creates an empty file; false when its directory does not exist. */
async function writeEmpty(file: string): Promise<boolean> {
  try {
    const h = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600)
    await h.close()
    return true
  } catch (e) {
    const code = errnoCode(e)
    if (code === 'ENOENT' || code === 'ENOTDIR') return false
    throw new KdbFileError(file, 'create', e)
  }
}

/** Drops the seen state of F (recording stopped). */
export async function forgetSeen(file: string): Promise<void> {
  await unlink(seenFileOf(file)).catch(e => {
    if (errnoCode(e) !== 'ENOENT') throw new KdbFileError(seenFileOf(file), 'remove', e)
  })
}
