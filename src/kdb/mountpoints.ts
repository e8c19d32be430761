// The mountpoint table: which file holds which keys (keys-and-dump.md §6.8).
import type { Key } from './key.js'
import {
  isBelowOrSame,
  keyNameFromParts,
  parseKeyName,
  rootOf,
  type KeyName
} from './keyname.js'
import { MountpointError } from './errors.js'
import {
  BOOTSTRAP_FILE,
  DEFAULT_FILE,
  FILE_NAMESPACES,
  isFileNamespace,
  resolveFile,
  sessionFile,
  type FileNamespace,
  type KdbEnv
} from './paths.js'

/** One backend: the keys at/below `mountpoint` (minus nested backends' keys) live in `file`. */
export interface Backend {
  /** The mountpoint key in its namespace (a cascading table entry gives one backend per namespace). */
  mountpoint: KeyName
  namespace: FileNamespace
  /** Absolute path of the backend file ('' for virtual backends). */
  file: string
  /** The storage plugin (`dump` for built-ins). A mountpoint with another one cannot be used embedded. */
  plugin: string
  /** The dump plugin's `fullname` config: names in the file are complete, not relative. */
  fullNames: boolean
  /** The name as defined: `/hosts` for a cascading entry, else the mountpoint's canonical name. */
  definedAs: string
  /** Built in by libelektra (no entry in the mountpoint table). */
  builtin: boolean
  /** Holds no file (`system:/elektra/modules`, `system:/elektra/version`): reads empty, not writable. */
  virtual: boolean
}

export const MOUNTPOINTS_ROOT = parseKeyName('system:/elektra/mountpoints')
export const BOOTSTRAP_MOUNTPOINT = parseKeyName('system:/elektra')
const SESSION_PATH = ['elektra', 'record', 'session']
const VIRTUAL = ['system:/elektra/modules', 'system:/elektra/version']

/** The session mountpoint `<ns>:/elektra/record/session` (recording, libelektra 0.11). */
export function sessionMountpoint(ns: FileNamespace): KeyName {
  return keyNameFromParts(ns, SESSION_PATH)
}

/** The mountpoints libelektra 0.11 has without any table entry. */
export function builtinBackends(env: KdbEnv): Backend[] {
  const out: Backend[] = []
  const add = (mp: KeyName, ns: FileNamespace, file: string, virtual = false) =>
    out.push({
      mountpoint: mp,
      namespace: ns,
      file,
      plugin: 'dump',
      fullNames: false,
      definedAs: mp.canonical,
      builtin: true,
      virtual
    })
  for (const ns of FILE_NAMESPACES) {
    add(rootOf(ns), ns, resolveFile(ns, DEFAULT_FILE, env))
    add(sessionMountpoint(ns), ns, sessionFile(ns, env))
  }
  add(BOOTSTRAP_MOUNTPOINT, 'system', resolveFile('system', BOOTSTRAP_FILE, env))
  for (const v of VIRTUAL) add(parseKeyName(v), 'system', '', true)
  return out
}

interface Entry {
  tableKey: KeyName
  values: Map<string, string>
}

/**
 * Backends defined by the mountpoint table, from the keys of `system:/elektra` (others are ignored).
 * Throws `MountpointError` naming the table key for an entry we cannot understand.
 */
export function tableBackends(keys: Iterable<Key>, env: KdbEnv): Backend[] {
  const entries = new Map<string, Entry>()
  const depth = MOUNTPOINTS_ROOT.parts.length
  for (const k of keys) {
    if (!isBelowOrSame(MOUNTPOINTS_ROOT, k.name) || k.name.parts.length <= depth) continue
    const escaped = k.name.parts[depth] as string
    let e = entries.get(escaped)
    if (e === undefined) {
      e = { tableKey: keyNameFromParts('system', k.name.parts.slice(0, depth + 1)), values: new Map() }
      entries.set(escaped, e)
    }
    const rest = k.name.parts.slice(depth + 1).join('/')
    e.values.set(rest, typeof k.value === 'string' ? k.value : '')
  }
  const out: Backend[] = []
  for (const [unescaped, e] of entries) out.push(...entryBackends(unescaped, e, env))
  return out
}

function entryBackends(unescaped: string, e: Entry, env: KdbEnv): Backend[] {
  const where = e.tableKey.canonical
  let name: KeyName
  try {
    name = parseKeyName(unescaped)
  } catch (err) {
    throw new MountpointError(where, `not a valid mountpoint name: ${(err as Error).message}`)
  }
  if (isBelowOrSame(BOOTSTRAP_MOUNTPOINT, name))
    throw new MountpointError(where, 'mountpoints below system:/elektra are not allowed')
  const filePath = e.values.get('definition/path')
  if (filePath === undefined || filePath === '')
    throw new MountpointError(where, 'missing definition/path')
  const plugin = storagePlugin(e)
  const fullNames = hasConfig(e, 'fullname')
  const namespaces: FileNamespace[] =
    name.namespace === 'cascading'
      ? ['dir', 'user', 'system']
      : isFileNamespace(name.namespace)
        ? [name.namespace]
        : [] // proc, default, meta: nothing a file can hold
  return namespaces.map(ns => ({
    mountpoint: name.namespace === 'cascading' ? keyNameFromParts(ns, name.parts) : name,
    namespace: ns,
    file: resolveFile(ns, filePath, env),
    plugin,
    fullNames,
    definedAs: name.canonical,
    builtin: false,
    virtual: false
  }))
}

// The plugin at positions get/storage and set/storage; a non-dump one of the two wins (it is the problem).
function storagePlugin(e: Entry): string {
  const names = ['get', 'set'].flatMap(dir => {
    const ref = e.values.get(`definition/positions/${dir}/storage`)
    return ref === undefined ? [] : [e.values.get(`plugins/${ref}/name`) ?? `(unknown plugin ${ref})`]
  })
  if (names.length === 0) return '(none)'
  return names.find(n => n !== 'dump') ?? 'dump'
}

function hasConfig(e: Entry, name: string): boolean {
  const ref = e.values.get('definition/positions/get/storage')
  return e.values.has(`config/${name}`) || (ref !== undefined && e.values.has(`plugins/${ref}/config/${name}`))
}

/** All backends: built-ins, overridden by table entries of the same mountpoint. */
export class MountTable {
  readonly backends: readonly Backend[]
  // most specific first, so the first covering backend is the one a key belongs to
  private readonly byDepth: readonly Backend[]

  constructor(backends: readonly Backend[]) {
    const byName = new Map<string, Backend>()
    for (const b of backends) byName.set(b.mountpoint.canonical, b)
    this.backends = [...byName.values()].sort((a, b) =>
      a.mountpoint.sortKey < b.mountpoint.sortKey ? -1 : a.mountpoint.sortKey > b.mountpoint.sortKey ? 1 : 0
    )
    this.byDepth = [...this.backends].sort((a, b) => b.mountpoint.parts.length - a.mountpoint.parts.length)
  }

  static fromKeys(bootstrapKeys: Iterable<Key>, env: KdbEnv): MountTable {
    return new MountTable([...builtinBackends(env), ...tableBackends(bootstrapKeys, env)])
  }

  /** The backend a key belongs to; null for names no file can hold (cascading, proc, default, meta). */
  route(name: KeyName): Backend | null {
    if (!isFileNamespace(name.namespace)) return null
    for (const b of this.byDepth)
      if (b.namespace === name.namespace && isBelowOrSame(b.mountpoint, name)) return b
    return null
  }

  /**
   * The backends holding keys at/below `scope`: the one `scope` belongs to plus all nested below it.
   * A cascading scope covers the same path in spec, dir, user and system.
   */
  covering(scope: KeyName): Backend[] {
    const scopes = namespacedScopes(scope)
    const out = new Set<Backend>()
    for (const s of scopes) {
      const own = this.route(s)
      if (own !== null) out.add(own)
      for (const b of this.backends) if (b.namespace === s.namespace && isBelowOrSame(s, b.mountpoint)) out.add(b)
    }
    return this.backends.filter(b => out.has(b))
  }
}

/** A cascading scope as one scope per file namespace; any other scope as itself. */
export function namespacedScopes(scope: KeyName): KeyName[] {
  if (scope.namespace !== 'cascading') return isFileNamespace(scope.namespace) ? [scope] : []
  return FILE_NAMESPACES.map(ns => keyNameFromParts(ns, scope.parts))
}

/** The mountpoint table key of a mountpoint name, e.g. `system:/elektra/mountpoints/user:\/app`. */
export function tableKeyOf(mountpoint: string): KeyName {
  return keyNameFromParts('system', [...MOUNTPOINTS_ROOT.parts, parseKeyName(mountpoint).canonical])
}
