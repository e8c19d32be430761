import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { link, rename, unlink } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureDir } from './atomic-write.js'
import { errnoCode, KdbFileError, LockBusyError } from './errors.js'

/**
 * A file to guard; its lock is `<file>.lock`. `dirMode` is used for missing parent directories.
 * `optional`: if the lock cannot be created for lack of permission (EACCES, EPERM, EROFS), go on
 * without it — we cannot write that file either, so only reading it is unguarded (a non-root user
 * updating a cascading scope that includes system files).
 */
export type LockTarget = string | { file: string; dirMode: number; optional?: boolean }

export interface LockOptions {
  /** Total wait before `LockBusyError`; default `ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS` or 10 s. */
  timeoutMs?: number
}

export interface LockHandle {
  readonly file: string
  readonly lockFile: string
  release(): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 10_000
// A lock file without a pid is normal for an instant (between create and write); older, it is debris.
const EMPTY_LOCK_STALE_MS = 2_000
const MAX_PID = 0x7fffffff

/** Lock files this process holds, by absolute lock path → inode (to tell ours from a dead twin pid's). */
const owned = new Map<string, bigint>()
/** Guarded files held by the current async context, so nested `withLocks` does not wait on itself. */
const heldHere = new AsyncLocalStorage<ReadonlySet<string>>()

export function lockFileOf(file: string): string {
  return `${path.resolve(file)}.lock`
}

export function lockTimeoutMs(opts?: LockOptions): number {
  if (opts?.timeoutMs !== undefined) return opts.timeoutMs
  const fromEnv = Number(process.env.ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS)
  return Number.isFinite(fromEnv) && fromEnv >= 0 && process.env.ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS !== ''
    ? fromEnv
    : DEFAULT_TIMEOUT_MS
}

function targetFile(t: LockTarget): string {
  return path.resolve(typeof t === 'string' ? t : t.file)
}

/**
 * Takes the lock of one file (docs/ARCHITECTURE.md "Lock protocol"). Not reentrant: use `withLocks`
 * for code that may nest.
 */
export async function acquireLock(target: LockTarget, opts?: LockOptions): Promise<LockHandle> {
  const file = targetFile(target)
  const lockFile = `${file}.lock`
  const deadline = Date.now() + lockTimeoutMs(opts)
  // one attempt per lock file at a time within this process; the file protocol is between processes
  const leaveLocal = await enterLocal(lockFile, deadline, file)
  try {
    const handle = await acquireFile(target, file, lockFile, deadline)
    return {
      file,
      lockFile,
      release: async () => {
        try {
          await handle.release()
        } finally {
          leaveLocal()
        }
      }
    }
  } catch (e) {
    leaveLocal()
    throw e
  }
}

/** Tail of the queue of async contexts of this process waiting for (or holding) each lock file. */
const localTails = new Map<string, Promise<void>>()

async function enterLocal(lockFile: string, deadline: number, file: string): Promise<() => void> {
  const waiting = localTails.get(lockFile)
  const prev = waiting ?? Promise.resolve()
  let leave!: () => void
  const mine = new Promise<void>(r => (leave = r))
  const tail = prev.then(() => mine)
  localTails.set(lockFile, tail)
  const done = () => {
    leave()
    if (localTails.get(lockFile) === tail) localTails.delete(lockFile)
  }
  // nobody ahead of us (the common case): no timer to race, the place is ours at once
  if (waiting === undefined) return done
  const wait = Math.max(0, deadline - Date.now())
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<boolean>(r => (timer = setTimeout(() => r(true), wait)))
  const expired = await Promise.race([prev.then(() => false), timedOut])
  clearTimeout(timer)
  if (expired) {
    // still leave our place in the queue once the holder is done, so the ones after us go on
    void prev.then(done)
    throw new LockBusyError(file, `${file}.lock`, process.pid)
  }
  return done
}

async function acquireFile(
  target: LockTarget,
  file: string,
  lockFile: string,
  deadline: number
): Promise<LockHandle> {
  const dirMode = typeof target === 'string' ? 0o755 : target.dirMode
  const optional = typeof target !== 'string' && target.optional === true
  let lastPid: number | null = null
  for (let attempt = 0; ; attempt++) {
    let ino: bigint | null
    try {
      ino = await tryCreate(lockFile, dirMode)
    } catch (e) {
      if (optional && e instanceof KdbFileError && NO_PERMISSION.has(e.code ?? '')) return unlocked(file, lockFile)
      throw e
    }
    if (ino !== null) {
      const created = ino
      return { file, lockFile, release: () => releaseLock(lockFile, created) }
    }
    const holder = inspect(lockFile)
    if (holder === null) continue // released meanwhile: retry at once
    lastPid = holder.pid
    if (isStale(lockFile, holder)) {
      await breakStale(lockFile, holder)
      continue
    }
    if (Date.now() >= deadline) throw new LockBusyError(file, lockFile, lastPid)
    // jittered back-off growing from 2 ms to 20 ms
    const ceiling = Math.min(20, 2 + attempt * 2)
    await sleep(2 + Math.random() * (ceiling - 2))
  }
}

const NO_PERMISSION = new Set(['EACCES', 'EPERM', 'EROFS'])

function unlocked(file: string, lockFile: string): LockHandle {
  return { file, lockFile, release: async () => {} }
}

/**
 * Returns the new lock file's inode, or null when it exists already. Synchronous syscalls: they are
 * tiny, and the promise API costs several times their CPU time on every recorded write.
 */
async function tryCreate(lockFile: string, dirMode: number): Promise<bigint | null> {
  for (;;) {
    let fd: number
    try {
      fd = openSync(lockFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    } catch (e) {
      const code = errnoCode(e)
      if (code === 'EEXIST') return null
      if (code === 'ENOENT') {
        await ensureDir(path.dirname(lockFile), dirMode)
        continue
      }
      throw new KdbFileError(lockFile, 'create lock file', e)
    }
    try {
      // register before the pid is visible: another async context of this process that reads our
      // pid must find the lock in `owned`, or it would take it for a dead twin's and break it
      const ino = fstatSync(fd, { bigint: true }).ino
      owned.set(lockFile, ino)
      const pid = Buffer.from(`${process.pid}\n`, 'latin1')
      let at = 0
      while (at < pid.length) at += writeSync(fd, pid, at, pid.length - at, at)
      return ino
    } catch (e) {
      owned.delete(lockFile)
      try {
        unlinkSync(lockFile)
      } catch {
        // gone already
      }
      throw new KdbFileError(lockFile, 'write lock file', e)
    } finally {
      closeSync(fd)
    }
  }
}

interface Holder {
  pid: number | null
  ino: bigint
  content: string
  ageMs: number
}

function inspect(lockFile: string): Holder | null {
  try {
    const s = statSync(lockFile, { bigint: true })
    const content = readFileSync(lockFile, 'latin1')
    const m = /^([1-9][0-9]*)\n?$/.exec(content)
    return {
      pid: m ? Number(m[1]) : null,
      ino: s.ino,
      content,
      ageMs: Date.now() - Number(s.mtimeMs)
    }
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null
    throw new KdbFileError(lockFile, 'read lock file', e)
  }
}

function isStale(lockFile: string, h: Holder): boolean {
  if (h.pid === null) return h.ageMs > EMPTY_LOCK_STALE_MS
  // our pid but not our lock (no context of ours holds it: we hold its local queue): left by an
  // earlier process that had the same pid
  if (h.pid === process.pid) return owned.get(lockFile) !== h.ino
  return !isAlive(h.pid)
}

export function isAlive(pid: number): boolean {
  // no process can have a pid beyond this (Linux' pid_max is at most 2^22), and process.kill would
  // throw a type error for it, which must not read as "alive": such a lock is debris
  if (!Number.isSafeInteger(pid) || pid > MAX_PID) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: alive, owned by someone else
    return errnoCode(e) !== 'ESRCH'
  }
}

/** Renames the stale lock away (only one breaker wins the rename), then deletes it. */
async function breakStale(lockFile: string, seen: Holder): Promise<void> {
  const aside = `${lockFile}.stale-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    await rename(lockFile, aside)
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return // another breaker was faster
    throw new KdbFileError(lockFile, 'break stale lock', e)
  }
  const taken = inspect(aside)
  if (taken !== null && (taken.ino !== seen.ino || taken.content !== seen.content)) {
    // between our look and our rename the stale lock was broken and taken afresh: give it back
    await link(aside, lockFile).catch(() => undefined)
  }
  await unlink(aside).catch(() => undefined)
}

async function releaseLock(lockFile: string, ino: bigint): Promise<void> {
  if (owned.get(lockFile) !== ino) return
  try {
    const h = inspect(lockFile)
    // only remove the lock if it is still the one we created
    if (h === null || h.ino !== ino || h.pid !== process.pid) return
    try {
      unlinkSync(lockFile)
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw new KdbFileError(lockFile, 'release lock', e)
    }
  } finally {
    // only now: until the file is gone, a lock file with our pid must count as held
    owned.delete(lockFile)
  }
}

/**
 * Runs `fn` holding the locks of `first` (in the given order: the record lock) and then of `targets`
 * in ascending order of absolute path. Locks already held by the calling async context are not taken
 * again. Locks are released in reverse order, also when `fn` throws.
 */
export async function withLocks<T>(
  targets: readonly LockTarget[],
  fn: () => Promise<T>,
  opts?: LockOptions & { first?: readonly LockTarget[] }
): Promise<T> {
  const held = heldHere.getStore() ?? new Set<string>()
  const ordered = lockOrder(opts?.first ?? [], targets).filter(t => !held.has(targetFile(t)))
  const handles: LockHandle[] = []
  try {
    for (const t of ordered) handles.push(await acquireLock(t, opts))
    const now = new Set(held)
    for (const h of handles) now.add(h.file)
    return await heldHere.run(now, fn)
  } finally {
    for (const h of handles.reverse()) await h.release()
  }
}

/**
 * `first` as given, then the other targets sorted by absolute path (deduplicated). Paths compare as
 * UTF-8 bytes, which is code point order: the order Python's `sorted()` gives the same paths.
 */
export function lockOrder(first: readonly LockTarget[], targets: readonly LockTarget[]): LockTarget[] {
  const seen = new Set<string>()
  const out: LockTarget[] = []
  for (const t of first) {
    const f = targetFile(t)
    if (!seen.has(f)) out.push(t)
    seen.add(f)
  }
  const rest = [...targets]
    .map(t => ({ t, f: targetFile(t) }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.f), Buffer.from(b.f)))
  for (const { t, f } of rest) {
    if (!seen.has(f)) out.push(t)
    seen.add(f)
  }
  return out
}

/** True when the calling async context holds the lock of `file` through `withLocks`. */
export function holdsLock(file: string): boolean {
  return heldHere.getStore()?.has(path.resolve(file)) ?? false
}
