// The key database kept in dump files ourselves (no libelektra): the resolver's file layout, our lock
// protocol and atomic writes.
import { readFile } from 'node:fs/promises'
import { fileIdentity, prepareWrite, sameIdentity, type FileIdentity, type PreparedWrite } from './atomic-write.js'
import { readDump } from './dump-read.js'
import { writeDump } from './dump-write.js'
import { ConflictError, errnoCode, KdbFileError, KeyPlacementError, UnsupportedPluginError } from './errors.js'
import type { Key } from './key.js'
import { isBelowOrSame, type KeyName } from './keyname.js'
import { KeySet } from './keyset.js'
import { withLocks } from './lock.js'
import { BOOTSTRAP_MOUNTPOINT, MountTable, namespacedScopes, type Backend } from './mountpoints.js'
import { bootstrapFile, newDirMode, newFileMode, type KdbEnv } from './paths.js'
import type { Mutate, Store, UpdateOptions, WriteResult, WrittenBackend } from './store.js'

/** A backend file's keys as read, with the identity of the version read. */
export interface BackendContent {
  keys: KeySet
  identity: FileIdentity | null
}

/**
 * Reads a backend's file (or another file in its format, e.g. a `.seen` copy). A missing file is an
 * empty key set. Keys that do not belong to the backend (below a nested mountpoint, or moved out by
 * `..` in a name) are dropped, as libelektra drops them.
 */
export async function readBackendFile(
  backend: Backend,
  table: MountTable,
  file: string = backend.file
): Promise<BackendContent> {
  if (backend.virtual) return { keys: new KeySet(), identity: null }
  if (backend.plugin !== 'dump')
    throw new UnsupportedPluginError(backend.plugin, backend.definedAs, backend.file)
  // identity first: if the file is replaced meanwhile, the conflict check sees a change
  const identity = await fileIdentity(file)
  const bytes = await readOrNull(file)
  if (bytes === null) return { keys: new KeySet(), identity: null }
  const all = readDump(bytes, backend.mountpoint, { fullNames: backend.fullNames, file })
  let foreign = false
  for (const k of all) if (table.route(k.name) !== backend) foreign = true
  const keys = foreign ? all.filter((k: Key) => table.route(k.name) === backend) : all
  return { keys, identity }
}

export class EmbeddedStore implements Store {
  readonly kind = 'embedded' as const
  readonly env: KdbEnv
  // the parsed bootstrap file; the table itself is rebuilt each time, since resolving dir files
  // depends on which files exist now
  private cached: { identity: FileIdentity; keys: KeySet } | null = null

  constructor(env: KdbEnv) {
    this.env = env
  }

  /** The mountpoint table from elektra.ecf (built-ins when it is missing). */
  async mountTable(): Promise<MountTable> {
    const file = bootstrapFile(this.env)
    const identity = await fileIdentity(file)
    let keys: KeySet
    if (identity === null) keys = new KeySet()
    else if (this.cached !== null && sameIdentity(identity, this.cached.identity)) keys = this.cached.keys
    else {
      const bytes = await readOrNull(file)
      keys = bytes === null ? new KeySet() : readDump(bytes, BOOTSTRAP_MOUNTPOINT, { file })
      this.cached = { identity, keys }
    }
    return MountTable.fromKeys(keys, this.env)
  }

  async backends(): Promise<Backend[]> {
    return [...(await this.mountTable()).backends]
  }

  async mountpointFor(name: KeyName): Promise<Backend | null> {
    return (await this.mountTable()).route(name)
  }

  async read(scope: KeyName): Promise<KeySet> {
    const table = await this.mountTable()
    const backends = table.covering(scope)
    checkPlugins(backends)
    const out = new KeySet()
    for (const b of backends) {
      const { keys } = await readBackendFile(b, table)
      for (const k of keys) if (inScope(scope, k.name)) out.add(k)
    }
    return out
  }

  async update(scope: KeyName, mutate: Mutate, opts: UpdateOptions = {}): Promise<WriteResult> {
    // the table decides which files to lock; if it changes before we hold the locks, start over
    for (;;) {
      const table = await this.mountTable()
      const backends = table.covering(scope)
      checkPlugins(backends)
      const targets = backends
        .filter(b => !b.virtual)
        .map(b => ({ file: b.file, dirMode: newDirMode(b.namespace), optional: true }))
      const result = await withLocks(
        targets,
        async () => {
          const now = await this.mountTable()
          const nowBackends = now.covering(scope)
          if (!sameBackends(nowBackends, backends)) return null
          return this.updateLocked(scope, mutate, opts, now, nowBackends)
        },
        { first: opts.extraLocks ?? [], timeoutMs: opts.lockTimeoutMs }
      )
      if (result !== null) return result
    }
  }

  private async updateLocked(
    scope: KeyName,
    mutate: Mutate,
    opts: UpdateOptions,
    table: MountTable,
    backends: Backend[]
  ): Promise<WriteResult> {
    const contents = new Map<Backend, BackendContent>()
    const view = new KeySet()
    for (const b of backends) {
      const c = await readBackendFile(b, table)
      contents.set(b, c)
      for (const k of c.keys) if (inScope(scope, k.name)) view.add(k)
    }
    const before = view.clone()
    await mutate(view)
    const touched = touchedNames(before, view)

    // place every changed name before writing anything
    const changes = new Map<Backend, { removed: KeyName[]; set: Key[] }>()
    const changesOf = (b: Backend) => {
      let c = changes.get(b)
      if (c === undefined) changes.set(b, (c = { removed: [], set: [] }))
      return c
    }
    for (const k of before)
      if (touched.has(k.name.sortKey) && !view.has(k.name))
        changesOf(placement(table, contents, scope, k.name)).removed.push(k.name)
    for (const k of view)
      if (touched.has(k.name.sortKey)) changesOf(placement(table, contents, scope, k.name)).set.push(k)

    const prepared: Array<{ backend: Backend; write: PreparedWrite; previous: FileIdentity | null }> = []
    try {
      for (const [b, change] of [...changes].sort((x, y) => byFile(x[0], y[0]))) {
        const c = contents.get(b) as BackendContent
        const next = c.keys.copy()
        for (const n of change.removed) next.remove(n)
        for (const k of change.set) next.add(k)
        // a writer that ignores our lock (e.g. the real kdb) replaced the file since we read it
        if (!sameIdentity(await fileIdentity(b.file), c.identity)) throw new ConflictError(b.file)
        const data = next.size === 0 ? null : writeDump(next, b.mountpoint, { fullNames: b.fullNames })
        const write = await prepareWrite(b.file, data, {
          fileMode: newFileMode(b.namespace),
          dirMode: newDirMode(b.namespace)
        })
        prepared.push({ backend: b, write, previous: c.identity })
      }
    } catch (e) {
      for (const p of prepared) await p.write.abort()
      throw e
    }
    const written: WrittenBackend[] = []
    for (const [i, p] of prepared.entries()) {
      try {
        await p.write.commit()
      } catch (e) {
        // renames rarely fail; files committed before this one stay written (no cross-file rollback)
        for (const rest of prepared.slice(i + 1)) await rest.write.abort()
        throw e
      }
      written.push({
        backend: p.backend,
        file: p.backend.file,
        previous: p.previous,
        identity: await fileIdentity(p.backend.file)
      })
    }
    const result: WriteResult = { before, after: view, touched, files: written.map(w => w.file), written }
    if (opts.afterWrite !== undefined) await opts.afterWrite(result)
    return result
  }
}

async function readOrNull(file: string): Promise<Uint8Array | null> {
  try {
    return await readFile(file)
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null
    throw new KdbFileError(file, 'read', e)
  }
}

function byFile(a: Backend, b: Backend): number {
  return Buffer.compare(Buffer.from(a.file), Buffer.from(b.file))
}

function checkPlugins(backends: Backend[]): void {
  for (const b of backends)
    if (!b.virtual && b.plugin !== 'dump') throw new UnsupportedPluginError(b.plugin, b.definedAs, b.file)
}

function inScope(scope: KeyName, name: KeyName): boolean {
  return namespacedScopes(scope).some(s => isBelowOrSame(s, name))
}

/** The backend a changed key goes to; throws naming the key if it cannot be stored by this update. */
function placement(
  table: MountTable,
  contents: Map<Backend, BackendContent>,
  scope: KeyName,
  name: KeyName
): Backend {
  if (!inScope(scope, name))
    throw new KeyPlacementError(name.canonical, `outside the scope ${scope.canonical} of this update`)
  const b = table.route(name)
  if (b === null) throw new KeyPlacementError(name.canonical, `no file can hold ${name.namespace} keys`)
  if (b.virtual) throw new KeyPlacementError(name.canonical, `${b.definedAs} is read-only`)
  if (!contents.has(b)) throw new KeyPlacementError(name.canonical, 'its backend was not read')
  return b
}

/** Names present in only one of the sets, or with a different value or metadata (ordered merge walk). */
export function touchedNames(before: KeySet, after: KeySet): Set<string> {
  const a = before.toArray()
  const b = after.toArray()
  const out = new Set<string>()
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const x = a[i]
    const y = b[j]
    if (y === undefined || (x !== undefined && x.name.sortKey < y.name.sortKey)) {
      out.add((x as Key).name.sortKey)
      i++
    } else if (x === undefined || y.name.sortKey < x.name.sortKey) {
      out.add(y.name.sortKey)
      j++
    } else {
      if (!x.equals(y)) out.add(x.name.sortKey)
      i++
      j++
    }
  }
  return out
}

function sameBackends(a: Backend[], b: Backend[]): boolean {
  if (a.length !== b.length) return false
  return a.every(
    (x, i) => x.file === b[i]?.file && x.mountpoint.canonical === b[i]?.mountpoint.canonical && x.plugin === b[i]?.plugin
  )
}
