// The recording session on disk: libelektra 0.11's `record-session.cfg` files (session-layout.ts), our
// journal of parts not yet folded into them (session-journal.ts), the "last seen" state of the backend
// files (session-seen.ts), the active flag in elektra.ecf, and the record lock guarding all of it.
// See docs/ARCHITECTURE.md "Session" for why it is built this way.
import { statSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { atomicWrite, sameIdentity, type FileIdentity } from '../kdb/atomic-write.js'
import { readDump } from '../kdb/dump-read.js'
import { writeDump } from '../kdb/dump-write.js'
import { readBackendFile } from '../kdb/embedded-store.js'
import { errnoCode, KdbFileError } from '../kdb/errors.js'
import { Key } from '../kdb/key.js'
import { parseKeyName, type KeyName } from '../kdb/keyname.js'
import { KeySet } from '../kdb/keyset.js'
import { withLocks, type LockTarget } from '../kdb/lock.js'
import { BOOTSTRAP_MOUNTPOINT, MountTable, type Backend } from '../kdb/mountpoints.js'
import {
  bootstrapFile,
  FILE_NAMESPACES,
  newDirMode,
  newFileMode,
  recordLockTarget,
  sessionFile,
  systemDir,
  type FileNamespace,
  type KdbEnv
} from '../kdb/paths.js'
import type { Store, WrittenBackend } from '../kdb/store.js'
import { append, type AppendWarning } from './append.js'
import { calculate } from './diff.js'
import { emptyDiff, isEmpty, type Diff } from './diff-model.js'
import { scopeTest } from './scope.js'
import {
  appendRecord,
  JOURNAL_FILE,
  lastRecord,
  readJournal,
  removeJournal,
  type JournalFile,
  type JournalMeta,
  type JournalSession
} from './session-journal.js'
import {
  emptyStoredSession,
  takeFromStorage,
  sessionRoot,
  toStorage,
  type StoredSession
} from './session-layout.js'
import { ABSENT_LIST, checkSeen, forgetAbsent, forgetSeen, markSeen, type SeenCheck } from './session-seen.js'

/** `system:/elektra/record/config/active`: present ⇔ recording; value = the session parent. */
export const ACTIVE_KEY = parseKeyName('system:/elektra/record/config/active')
export const RECORD_CONFIG = parseKeyName('system:/elektra/record/config')

/** The session: its diff (parent = the active parent or null), its asserts, its merge warnings. */
export interface Session {
  diff: Diff
  asserts: KeySet
  warnings: number
}

export function emptySession(parent: KeyName | null = null): Session {
  return { diff: emptyDiff(parent), asserts: new KeySet(), warnings: 0 }
}

/**
 * Keys never recorded (recording.md §4.1): the recording's own config and session in every namespace,
 * and libelektra's virtual `system:/elektra/modules` and `system:/elektra/version`.
 */
export function isNeverRecorded(name: KeyName): boolean {
  const p = name.parts
  if (p[0] !== 'elektra') return false
  if (p[1] === 'record' && (p[2] === 'config' || p[2] === 'session')) return true
  return name.namespace === 'system' && (p[1] === 'modules' || p[1] === 'version')
}

/** The file namespaces among `names` (which session files an edit of them touches). */
export function namespacesOf(names: Iterable<KeyName>): FileNamespace[] {
  const out = new Set<FileNamespace>()
  for (const n of names) if (FILE_NAMESPACES.includes(n.namespace as FileNamespace)) out.add(n.namespace as FileNamespace)
  return [...out]
}

/** Keeps the keys of `part` that a session with this parent records (Q2: always filtered; Q9). */
export function filterPart(part: Diff, parent: KeyName | null): Diff {
  const inScope = scopeTest(parent)
  const keep = (k: Key) =>
    inScope(k.name) && !isNeverRecorded(k.name) && FILE_NAMESPACES.includes(k.name.namespace as FileNamespace)
  return {
    parent: part.parent,
    added: part.added.filter(keep),
    modifiedOld: part.modifiedOld.filter(keep),
    modifiedNew: part.modifiedNew.filter(keep),
    removed: part.removed.filter(keep)
  }
}

export interface SessionStoreOptions {
  /** Called for every merge warning when it is found (while folding parts into the session files). */
  onWarning?: (w: AppendWarning) => void
  /** fdatasync the journal after each append (default true). */
  syncJournal?: boolean
  /**
   * The journal is folded once it is this large, or twice the session files' size if that is more
   * (default 4 MiB), so folding costs a constant share of each write.
   */
  foldThreshold?: number
}

function sessionOf(s: StoredSession): Diff {
  return {
    parent: null,
    added: s.added,
    modifiedOld: s.modifiedOld,
    modifiedNew: s.modifiedNew,
    removed: s.removed
  }
}

/** The persistent session of one key database (one `KdbEnv`) and the store that holds its keys. */
export class SessionStore {
  readonly env: KdbEnv
  readonly store: Store
  readonly journalFile: string
  /** files seen as absent in directories that did not exist (session-seen.ts) */
  readonly absentList: string
  readonly lockTarget: LockTarget
  private readonly opts: SessionStoreOptions
  private active: { identity: FileIdentity; parent: KeyName | null } | null = null
  private watched: {
    identity: FileIdentity | null
    value: { table: MountTable; backends: Backend[] }
  } | null = null
  /** per session read from the files: each file's merge-warning count, written back unchanged */
  private readonly warningCounts = new WeakMap<Session, Map<FileNamespace, number>>()

  constructor(env: KdbEnv, store: Store, opts: SessionStoreOptions = {}) {
    this.env = env
    this.store = store
    this.opts = opts
    this.journalFile = path.join(systemDir(env), JOURNAL_FILE)
    this.absentList = path.join(systemDir(env), ABSENT_LIST)
    this.lockTarget = { file: recordLockTarget(env), dirMode: newDirMode('system') }
  }

  sessionFile(ns: FileNamespace): string {
    return sessionFile(ns, this.env)
  }

  /** Runs `fn` holding the record lock (reentrant within one async context). */
  withRecordLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLocks([], fn, { first: [this.lockTarget] })
  }

  // ---------------------------------------------------------------------------------------------
  // the active flag

  /**
   * The session parent when recording is active, else null. Reads only elektra.ecf, and only when
   * it is not the version read last time (every writer replaces it by rename: a stat tells).
   */
  async activeParent(): Promise<KeyName | null> {
    const file = bootstrapFile(this.env)
    const identity = identityNow(file)
    if (identity === null) return null
    if (this.active !== null && sameIdentity(this.active.identity, identity)) return this.active.parent
    let bytes: Uint8Array
    try {
      bytes = await readFile(file)
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return null
      throw new KdbFileError(file, 'read', e)
    }
    const k = readDump(bytes, BOOTSTRAP_MOUNTPOINT, { file }).lookup(ACTIVE_KEY)
    let parent: KeyName | null = null
    if (k !== undefined) {
      const value = typeof k.value === 'string' ? k.value : ''
      try {
        parent = parseKeyName(value === '' ? '/' : value)
      } catch {
        throw new KdbFileError(
          file,
          'read the recording state',
          new Error(`${ACTIVE_KEY.canonical} holds ${JSON.stringify(value)}, which is not a key name`)
        )
      }
    }
    // identity first, content after: a replacement in between only costs one more read next time
    this.active = { identity, parent }
    return parent
  }

  /** Writes (or with null removes) the active flag; its own write is never recorded. */
  async setActive(parent: KeyName | null): Promise<void> {
    const res = await this.store.update(RECORD_CONFIG, ks => {
      if (parent === null) ks.remove(ACTIVE_KEY)
      else ks.add(new Key(ACTIVE_KEY, parent.canonical))
    })
    // elektra.ecf is also a watched backend: what we just wrote there is seen
    if (parent !== null) await this.markWritten(res.written)
  }

  // ---------------------------------------------------------------------------------------------
  // last-seen state of the backends

  /**
   * The backend files whose changes are recorded: every readable file but the session's own. Kept
   * while elektra.ecf (the mount table) is the same file version.
   */
  async watchedBackends(): Promise<{ table: MountTable; backends: Backend[] }> {
    const identity = identityNow(bootstrapFile(this.env))
    const hit = this.watched
    if (hit !== null && identity !== null && hit.identity !== null && sameIdentity(hit.identity, identity))
      return hit.value
    const table = new MountTable(await this.store.backends())
    const backends = table.backends.filter(
      b => !b.virtual && b.plugin === 'dump' && !isNeverRecorded(b.mountpoint)
    )
    this.watched = { identity, value: { table, backends } }
    return { table, backends }
  }

  /** Takes the current content of every watched backend as seen (recording starts). */
  async markAllSeen(): Promise<void> {
    const { backends } = await this.watchedBackends()
    for (const b of backends) await markSeen(b.file, this.absentList)
  }

  /** Drops the seen state (recording stops): nothing is compared until the next start. */
  async forgetAllSeen(): Promise<void> {
    const { backends } = await this.watchedBackends()
    for (const b of backends) await forgetSeen(b.file)
    await forgetAbsent(this.absentList)
  }

  /** Marks the files of a write as seen (after its part is in the journal, or for an unrecorded write). */
  async markWritten(written: readonly WrittenBackend[]): Promise<void> {
    for (const w of written) await markSeen(w.file, this.absentList)
  }

  /**
   * Records what other programs changed since we last looked: for every watched backend whose file
   * is not the one seen, appends diff(seen, now) (filtered for `parent`). Caller holds the record lock.
   * Returns the number of backends found changed.
   */
  async catchUp(parent: KeyName | null): Promise<number> {
    const { table, backends } = await this.watchedBackends()
    const checks = await Promise.all(backends.map(b => checkSeen(b.file, this.absentList)))
    if (checks.every(c => c.status === 'same')) return 0
    // read before anything is appended: it tells whether a killed writer's part is already in
    const last = await lastRecord(this.journalFile)
    let changed = 0
    let foldDue = false
    for (const [i, b] of backends.entries()) {
      const check = checks[i] as SeenCheck
      if (check.status === 'same') continue
      if (check.status === 'unseen') {
        await markSeen(b.file, this.absentList)
        continue
      }
      // a writer killed after appending its part but before marking its file seen: already recorded
      if (last?.meta.files.some(f => f.path === b.file && f.ino === check.now.ino && f.dev === check.now.dev)) {
        await markSeen(b.file, this.absentList)
        continue
      }
      changed++
      const before = (await readBackendFile(b, table, `${b.file}.seen`)).keys
      const after = (await readBackendFile(b, table)).keys
      const part = filterPart(calculate(before, after, null), parent)
      if (!isEmpty(part))
        foldDue =
          (await this.appendPart(part, [{ path: b.file, dev: check.now.dev, ino: check.now.ino }])) || foldDue
      await markSeen(b.file, this.absentList)
    }
    // only after every file is marked seen: a fold empties the journal that tells a killed writer's
    // recorded part from a lost one
    if (foldDue) await this.fold()
    return changed
  }

  // ---------------------------------------------------------------------------------------------
  // the journal

  /**
   * Appends one part (already filtered) to the journal; `files` are the backend files as the write
   * left them (see catchUp). Returns true when the journal has grown past its threshold: the caller
   * folds once the files of the write are marked seen. Caller holds the record lock.
   */
  async appendPart(part: Diff, files: JournalFile[]): Promise<boolean> {
    const sessions: JournalSession[] = []
    const dumps: Uint8Array[] = []
    for (const ns of FILE_NAMESPACES) {
      const stored: StoredSession = {
        ...emptyStoredSession(),
        added: part.added,
        modifiedOld: part.modifiedOld,
        modifiedNew: part.modifiedNew,
        removed: part.removed
      }
      const ks = toStorage(ns, stored)
      if (ks.size === 0) continue
      const bytes = writeDump(ks, sessionRoot(ns))
      sessions.push({ ns, file: this.sessionFile(ns), size: bytes.length })
      dumps.push(bytes)
    }
    if (sessions.length === 0) return false
    const meta: JournalMeta = { sessions, files }
    const res = await appendRecord(this.journalFile, meta, dumps, () => this.sessionBytes(), {
      dirMode: newDirMode('system'),
      sync: this.opts.syncJournal,
      minFoldAt: this.opts.foldThreshold
    })
    return res.wantsFold
  }

  private async sessionBytes(): Promise<number> {
    let total = 0
    for (const ns of FILE_NAMESPACES) {
      try {
        total += (await stat(this.sessionFile(ns))).size
      } catch {
        // a missing file holds nothing
      }
    }
    return total
  }

  /**
   * Folds every journal record into its session file, then removes the journal. Each file remembers
   * the last record it holds, so a fold interrupted between two files is finished by the next one
   * without applying any record twice. Caller holds the record lock. Returns the merge warnings.
   */
  async fold(): Promise<AppendWarning[]> {
    const journal = await readJournal(this.journalFile)
    if (journal === null) return []
    const warnings: AppendWarning[] = []
    const targets = new Map<string, FileNamespace>()
    for (const r of journal.records) for (const s of r.meta.sessions) targets.set(s.file, s.ns)
    const folded: Array<{ file: string; ns: FileNamespace; stored: StoredSession }> = []
    for (const [file, ns] of targets) {
      const stored = await readSessionFile(file, ns)
      const diff = sessionOf(stored)
      const from = markOffset(stored.journalMark, journal.id)
      let lastEnd = -1
      for (const r of journal.records) {
        if (r.start < from) continue
        r.meta.sessions.forEach((s, i) => {
          if (s.file !== file) return
          const ks = readDump(r.dumps[i] as Uint8Array, sessionRoot(ns), { file: `${this.journalFile}@${r.start}` })
          const w = append(diff, sessionOf(takeFromStorage(ns, ks)), null)
          for (const x of w) this.opts.onWarning?.(x)
          warnings.push(...w)
          stored.warnings += w.length
          lastEnd = r.end
        })
      }
      if (lastEnd === -1) {
        // finished by an earlier, interrupted fold: only its mark is left to clear
        if (stored.journalMark !== null) folded.push({ file, ns, stored })
        continue
      }
      const next: StoredSession = { ...stored, ...sessionParts(diff), journalMark: `${journal.id} ${lastEnd}` }
      await writeSessionFile(file, ns, next)
      folded.push({ file, ns, stored: next })
    }
    await removeJournal(this.journalFile)
    // the marks only matter while the journal exists: leave the files exactly in 0.11's layout
    for (const f of folded) await writeSessionFile(f.file, f.ns, { ...f.stored, journalMark: null })
    return warnings
  }

  // ---------------------------------------------------------------------------------------------
  // the session files

  /** Reads the four session files (call fold first so the journal is in them). */
  async readFiles(parent: KeyName | null = null): Promise<Session> {
    const session = emptySession(parent)
    const byNs = new Map<FileNamespace, number>()
    this.warningCounts.set(session, byNs)
    for (const ns of FILE_NAMESPACES) {
      const s = await readSessionFile(this.sessionFile(ns), ns)
      byNs.set(ns, s.warnings)
      // namespaces come in key order, so each file's keys follow the previous ones: the first
      // non-empty set is taken as it is, later ones are appended
      const d = session.diff
      d.added = adoptOrAppend(d.added, s.added)
      d.modifiedOld = adoptOrAppend(d.modifiedOld, s.modifiedOld)
      d.modifiedNew = adoptOrAppend(d.modifiedNew, s.modifiedNew)
      d.removed = adoptOrAppend(d.removed, s.removed)
      session.asserts = adoptOrAppend(session.asserts, s.asserts)
      session.warnings += s.warnings
    }
    return session
  }

  /**
   * Writes the session into the session files of `namespaces` (default: all four) — after a fold, so
   * the journal is empty. Commands pass the namespaces they changed: the other files stay untouched.
   */
  async writeFiles(session: Session, namespaces: Iterable<FileNamespace> = FILE_NAMESPACES): Promise<void> {
    const byNs = this.warningCounts.get(session)
    for (const ns of new Set(namespaces)) {
      const stored: StoredSession = {
        ...sessionParts(session.diff),
        asserts: session.asserts,
        journalMark: null,
        // each file keeps its own count; a session not read from the files keeps its total in system
        warnings: byNs !== undefined ? (byNs.get(ns) ?? 0) : ns === 'system' ? session.warnings : 0
      }
      await writeSessionFile(this.sessionFile(ns), ns, stored)
    }
  }

  /** Deletes the session: the four files and the journal (record-reset). */
  async clearFiles(): Promise<void> {
    await removeJournal(this.journalFile)
    for (const ns of FILE_NAMESPACES) await writeSessionFile(this.sessionFile(ns), ns, emptyStoredSession())
  }

  /**
   * The session as of now, for a command that reads or edits it: under the record lock, the changes
   * of other programs caught up (when active) and the journal folded. `parent` is the active parent.
   */
  async load(): Promise<{ session: Session; parent: KeyName | null; warnings: AppendWarning[] }> {
    const parent = await this.activeParent()
    if (parent !== null) await this.catchUp(parent)
    const warnings = await this.fold()
    const session = await this.readFiles(parent)
    return { session, parent, warnings }
  }
}

function sessionParts(d: Diff): Pick<StoredSession, 'added' | 'modifiedOld' | 'modifiedNew' | 'removed'> {
  return { added: d.added, modifiedOld: d.modifiedOld, modifiedNew: d.modifiedNew, removed: d.removed }
}

function markOffset(mark: string | null, id: string): number {
  if (mark === null) return 0
  const m = /^(\S+) (\d+)$/.exec(mark)
  return m !== null && m[1] === id ? Number(m[2]) : 0
}

function adoptOrAppend(into: KeySet, from: KeySet): KeySet {
  return into.size === 0 ? from : into.addAll(from)
}

/** atomic-write's FileIdentity, by one synchronous stat (this runs twice per recorded write). */
function identityNow(file: string): FileIdentity | null {
  let st
  try {
    st = statSync(file, { bigint: true, throwIfNoEntry: false })
  } catch (e) {
    throw new KdbFileError(file, 'stat', e)
  }
  if (st === undefined) return null
  return { dev: String(st.dev), ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs) }
}

/** One namespace's session file; a missing file is an empty session. */
export async function readSessionFile(file: string, ns: FileNamespace): Promise<StoredSession> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return emptyStoredSession()
    throw new KdbFileError(file, 'read', e)
  }
  return takeFromStorage(ns, readDump(bytes, sessionRoot(ns), { file }))
}

async function writeSessionFile(file: string, ns: FileNamespace, s: StoredSession): Promise<void> {
  const ks = toStorage(ns, s)
  const data = ks.size === 0 ? null : writeDump(ks, sessionRoot(ns))
  await atomicWrite(file, data, { fileMode: newFileMode(ns), dirMode: newDirMode(ns) })
}
