// Reading sessions from `record-session.cfg` files named by the user (`export --session FILE…`), as
// libelektra 0.11 or we write them. A file's keys are relative to `<ns>:/elektra/record/session`, so
// the file does not say its namespace; we take it, in this order, from
//   1. an explicit prefix: `user=FILE` (also spec=, dir=, system=),
//   2. the file being one of the current key database's session files,
//   3. its location: …/etc/kdb/… → system, …/.config/… → user, …/share/elektra/specification/… → spec,
//      …/.dir/… → dir; or a base name starting with the namespace (`user-session.cfg`, `system.cfg`),
//   4. the keys themselves when the file is a version-1 dump (complete names),
//   5. otherwise `user`, with a note saying how to choose.
import { realpathSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { readDump } from '../kdb/dump-read.js'
import { errnoCode, KdbFileError } from '../kdb/errors.js'
import { FILE_NAMESPACES, isFileNamespace, sessionFile, type FileNamespace, type KdbEnv } from '../kdb/paths.js'
import { append } from './append.js'
import type { Diff } from './diff-model.js'
import { fromStorage, sessionRoot, type StoredSession } from './session-layout.js'
import { emptySession, type Session } from './session-store.js'

export interface SessionFileArg {
  file: string
  /** given explicitly as `ns=FILE` */
  ns: FileNamespace | null
}

export function parseSessionArg(arg: string): SessionFileArg {
  const m = /^(spec|dir|user|system)=(.+)$/.exec(arg)
  if (m !== null) return { file: m[2] as string, ns: m[1] as FileNamespace }
  return { file: arg, ns: null }
}

function real(p: string): string {
  try {
    return realpathSync(p)
  } catch {
    return path.resolve(p)
  }
}

/** The namespace a session file's location implies, or null. */
export function namespaceByLocation(file: string, env: KdbEnv): FileNamespace | null {
  const abs = real(file)
  for (const ns of FILE_NAMESPACES) if (real(sessionFile(ns, env)) === abs) return ns
  const p = abs.split(path.sep).join('/')
  if (p.includes('/etc/kdb/')) return 'system'
  if (p.includes('/share/elektra/specification/')) return 'spec'
  if (p.includes('/.config/')) return 'user'
  if (p.includes('/.dir/')) return 'dir'
  const m = /^(spec|dir|user|system)(?![a-z])/i.exec(path.basename(p))
  return m !== null ? ((m[1] as string).toLowerCase() as FileNamespace) : null
}

/** True when `file` is one of the current key database's session files (its journal may hold more). */
export function isCurrentSessionFile(file: string, env: KdbEnv): boolean {
  const abs = real(file)
  return FILE_NAMESPACES.some(ns => real(sessionFile(ns, env)) === abs)
}

export interface ReadSessionFilesResult {
  session: Session
  /** how each file's namespace was decided (for notes on stderr) */
  namespaces: Array<{ file: string; ns: FileNamespace; how: 'explicit' | 'location' | 'content' | 'default' }>
}

/**
 * Reads the files in the order given and merges them: two files of one namespace compose like
 * successive sessions (append), their merge warnings counted.
 */
export async function readSessionFiles(
  args: readonly SessionFileArg[],
  env: KdbEnv
): Promise<ReadSessionFilesResult> {
  const session = emptySession(null)
  const namespaces: ReadSessionFilesResult['namespaces'] = []
  for (const a of args) {
    let bytes: Uint8Array
    try {
      bytes = await readFile(a.file)
    } catch (e) {
      throw new KdbFileError(a.file, errnoCode(e) === 'ENOENT' ? 'read (no such file)' : 'read', e)
    }
    let ns = a.ns
    let how: ReadSessionFilesResult['namespaces'][number]['how'] = 'explicit'
    if (ns === null) {
      ns = namespaceByLocation(a.file, env)
      how = 'location'
    }
    const guess: FileNamespace = ns ?? 'user'
    const ks = readDump(bytes, sessionRoot(guess), { file: a.file })
    if (ns === null) {
      // a version-1 dump holds complete names, which carry the namespace
      const other = ks.toArray().find(k => k.name.namespace !== guess)?.name.namespace
      if (other !== undefined && isFileNamespace(other)) {
        ns = other
        how = 'content'
      } else {
        ns = 'user'
        how = 'default'
      }
    }
    const stored = fromStorage(ns, ks)
    namespaces.push({ file: a.file, ns, how })
    session.warnings += stored.warnings + append(session.diff, diffOf(stored), null).length
    session.asserts.addAll(stored.asserts)
  }
  return { session, namespaces }
}

function diffOf(s: StoredSession): Diff {
  return { parent: null, added: s.added, modifiedOld: s.modifiedOld, modifiedNew: s.modifiedNew, removed: s.removed }
}
