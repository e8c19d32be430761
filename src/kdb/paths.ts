import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import path from 'node:path'

/** Where the key database lives: everything the resolver needs, passed in rather than read from globals. */
export interface KdbEnv {
  /** `ELEKTRA_PLAYBOOK_ROOT`, '' when unset: prefixes every system and spec path. */
  root: string
  /** The user's home directory (not prefixed with `root`). */
  home: string
  /** Where the search for `dir:/` files starts. */
  cwd: string
}

/** The namespaces the resolver maps to files. */
export type FileNamespace = 'spec' | 'dir' | 'user' | 'system'

export const FILE_NAMESPACES: readonly FileNamespace[] = ['spec', 'dir', 'user', 'system']

export const DEFAULT_FILE = 'default.ecf'
export const BOOTSTRAP_FILE = 'elektra.ecf'
export const SESSION_FILE = 'record-session.cfg'

export function isFileNamespace(ns: string): ns is FileNamespace {
  return (FILE_NAMESPACES as readonly string[]).includes(ns)
}

export function envFromProcess(
  vars: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd()
): KdbEnv {
  return { root: vars.ELEKTRA_PLAYBOOK_ROOT ?? '', home: homeFrom(vars), cwd: path.resolve(cwd) }
}

// libelektra's resolver: HOME if absolute and non-empty, else the passwd entry, else /home/$USER.
function homeFrom(vars: NodeJS.ProcessEnv): string {
  const home = vars.HOME
  if (home !== undefined && home.startsWith('/')) return home
  try {
    const info = userInfo()
    if (info.homedir.startsWith('/')) return info.homedir
  } catch {
    // no passwd entry: fall through to the build default
  }
  return `/home/${vars.USER ?? ''}`
}

/** The home directory normalised like a key name: no duplicate or trailing slashes, `.`/`..` resolved. */
export function normalizedHome(env: KdbEnv): string {
  return stripTrailingSlash(path.posix.normalize(env.home.startsWith('/') ? env.home : `/${env.home}`))
}

function stripTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p
}

/** `$R` + an absolute path; the root may be relative (to the process cwd) or empty. */
export function underRoot(env: KdbEnv, absolute: string): string {
  if (env.root === '') return path.resolve(absolute)
  return path.join(path.resolve(env.root), absolute)
}

export function systemDir(env: KdbEnv): string {
  return underRoot(env, '/etc/kdb')
}

export function specDir(env: KdbEnv): string {
  return underRoot(env, '/usr/share/elektra/specification')
}

export function userDir(env: KdbEnv): string {
  return path.join(normalizedHome(env), '.config')
}

/**
 * Resolves a mountpoint's file name `F` the way libelektra's default resolver does
 * (keys-and-dump.md §6.8). System and spec paths, absolute ones included, are prefixed with `$R`
 * so that a sandboxed root never touches the real /etc.
 */
export function resolveFile(ns: FileNamespace, file: string, env: KdbEnv): string {
  switch (ns) {
    case 'spec':
    case 'system':
      if (file.startsWith('~')) return path.join(normalizedHome(env), file.replace(/^~\/?/, ''))
      if (file.startsWith('/')) return underRoot(env, file)
      return path.join(ns === 'spec' ? specDir(env) : systemDir(env), file)
    case 'user':
      if (file.startsWith('/')) return path.join(normalizedHome(env), file)
      return path.join(userDir(env), file)
    case 'dir':
      return resolveDirFile(file, env)
  }
}

// The first existing `D/.dir/F` (or `D + F` for absolute F) from cwd upward; else the one in cwd.
function resolveDirFile(file: string, env: KdbEnv): string {
  const relative = file.startsWith('/') ? file : path.join('.dir', file)
  const cwd = path.resolve(env.cwd)
  for (let d = cwd; ; d = path.dirname(d)) {
    const candidate = path.join(d, relative)
    if (existsSync(candidate)) return candidate
    if (d === path.dirname(d)) break
  }
  return path.join(cwd, relative)
}

/** The file of a namespace's root mountpoint (`spec:/`, `dir:/`, `user:/`, `system:/`). */
export function defaultFile(ns: FileNamespace, env: KdbEnv): string {
  return resolveFile(ns, DEFAULT_FILE, env)
}

/** `$R/etc/kdb/elektra.ecf`: the keys of `system:/elektra`, the mountpoint table among them. */
export function bootstrapFile(env: KdbEnv): string {
  return resolveFile('system', BOOTSTRAP_FILE, env)
}

/**
 * The recording session file of a namespace (mountpoint `<ns>:/elektra/record/session`, as in 0.11):
 * beside that namespace's `default.ecf` (DESIGN.md). For dir this means beside the `default.ecf` found
 * upward from cwd; libelektra would search `record-session.cfg` on its own, which gives the same
 * file unless the two were created from different working directories.
 */
export function sessionFile(ns: FileNamespace, env: KdbEnv): string {
  return path.join(path.dirname(defaultFile(ns, env)), SESSION_FILE)
}

/** The file whose lock (`<this>.lock`) is the record lock. */
export function recordLockTarget(env: KdbEnv): string {
  return path.join(systemDir(env), SESSION_FILE)
}

/** Mode of a new file in a namespace (resolver defaults, keys-and-dump.md §6.9). */
export function newFileMode(ns: FileNamespace): number {
  return ns === 'user' || ns === 'dir' ? 0o600 : 0o644
}

/** Mode of a new directory in a namespace. */
export function newDirMode(ns: FileNamespace): number {
  return ns === 'user' || ns === 'dir' ? 0o700 : 0o755
}
