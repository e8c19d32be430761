// The key database as the rest of the program sees it: read a scope, update a scope under locks.
import type { FileIdentity } from './atomic-write.js'
import type { KeyName } from './keyname.js'
import type { KeySet } from './keyset.js'
import type { LockTarget } from './lock.js'
import type { Backend } from './mountpoints.js'
import type { KdbEnv } from './paths.js'

export { LockBusyError, UnsupportedPluginError, ConflictError, KeyPlacementError } from './errors.js'
export type { Backend } from './mountpoints.js'

/** One backend file an update wrote (or deleted). */
export interface WrittenBackend {
  backend: Backend
  file: string
  /** Identity of the file before the write (null: it did not exist). */
  previous: FileIdentity | null
  /** Identity after the write (null: the update deleted it, its key set became empty). */
  identity: FileIdentity | null
}

export interface WriteResult {
  /** The keys at/below the scope before `mutate` (a deep copy). */
  before: KeySet
  /** The keys at/below the scope after `mutate` (the set `mutate` changed). */
  after: KeySet
  /** Sort keys of the names whose presence, value or metadata differ between before and after. */
  touched: Set<string>
  /** Files written or deleted, in the order they were committed. */
  files: string[]
  /** The same with backend and identities, for the recorder's seen state. */
  written: WrittenBackend[]
}

export interface UpdateOptions {
  /** Locks taken before the backends' locks, in this order (the recorder passes the record lock). */
  extraLocks?: readonly LockTarget[]
  /** Runs after the files are committed, still holding every lock (the recorder appends the part). */
  afterWrite?: (result: WriteResult) => void | Promise<void>
  lockTimeoutMs?: number
}

export type Mutate = (ks: KeySet) => void | Promise<void>

export interface Store {
  readonly kind: 'embedded' | 'kdb'
  /** Keys at/below `scope` (a cascading scope: that path in spec, dir, user and system). */
  read(scope: KeyName): Promise<KeySet>
  /**
   * Locks the backends covering `scope` (after `extraLocks`), reads them, lets `mutate` change the
   * keys at/below `scope`, writes back the backends whose keys changed, atomically. Throws before
   * writing anything if a changed key lies outside `scope` or in no writable backend.
   */
  update(scope: KeyName, mutate: Mutate, opts?: UpdateOptions): Promise<WriteResult>
  /** The backend a key belongs to (null: no file holds such a name). */
  mountpointFor(name: KeyName): Promise<Backend | null>
  /** Every backend, in key order of the mountpoints. */
  backends(): Promise<Backend[]>
}

export type BackendChoice = 'auto' | 'embedded' | 'kdb'

export interface OpenStoreOptions {
  /** `auto`: the embedded store unless `ELEKTRA_PLAYBOOK_BACKEND=kdb`. */
  backend?: BackendChoice
  /** The `kdb` command for the kdb backend (default `kdb`). */
  kdbCommand?: string
}

/** The store for an environment: the embedded dump-file store, or a real `kdb` binary. */
export async function openStore(
  env: KdbEnv,
  opts: OpenStoreOptions = {},
  vars: NodeJS.ProcessEnv = process.env
): Promise<Store> {
  const choice = opts.backend ?? 'auto'
  const useKdb = choice === 'kdb' || (choice === 'auto' && vars.ELEKTRA_PLAYBOOK_BACKEND === 'kdb')
  if (useKdb) {
    const { KdbBinaryStore } = await import('./kdb-binary-store.js')
    return new KdbBinaryStore(env, opts.kdbCommand === undefined ? {} : { command: opts.kdbCommand })
  }
  const { EmbeddedStore } = await import('./embedded-store.js')
  return new EmbeddedStore(env)
}
