// A write to the key database that is recorded while a session is active: the pipeline around
// Store.update (docs/ARCHITECTURE.md "Lock protocol" and "Session").
import type { KeyName } from '../kdb/keyname.js'
import type { Mutate, Store, WriteResult } from '../kdb/store.js'
import type { AppendWarning } from './append.js'
import { calculate } from './diff.js'
import { isEmpty, type Diff } from './diff-model.js'
import { filterPart, SessionStore, type SessionStoreOptions } from './session-store.js'
import type { KdbEnv } from '../kdb/paths.js'

export interface RecordedWrite extends WriteResult {
  /** the part merged into the session (already filtered), or null when recording was not active */
  part: Diff | null
}

/** The store plus its session: what every command works on. */
export class Recorder {
  readonly store: Store
  readonly session: SessionStore

  constructor(env: KdbEnv, store: Store, opts: SessionStoreOptions = {}) {
    this.store = store
    this.session = new SessionStore(env, store, opts)
  }

  /**
   * `store.update(scope, mutate)`, recorded when a session is active: under the record lock, first
   * the changes of other programs are caught up, then the write's own part — computed from the
   * touched names only, so its cost does not grow with the key database or the session — is appended
   * to the journal before any lock is released.
   */
  async update(scope: KeyName, mutate: Mutate): Promise<RecordedWrite> {
    // cheap look without the lock; recording that starts meanwhile sees this write as a change by
    // "another program" at its next catch-up, so nothing is lost
    if ((await this.session.activeParent()) === null) return this.plain(scope, mutate)
    return this.session.withRecordLock(async () => {
      const parent = await this.session.activeParent()
      if (parent === null) return this.plain(scope, mutate)
      await this.session.catchUp(parent)
      let part: Diff | null = null
      let foldDue = false
      const res = await this.store.update(scope, mutate, {
        afterWrite: async r => {
          part = filterPart(calculate(r.before, r.after, null, { names: r.touched }), parent)
          if (!isEmpty(part))
            foldDue = await this.session.appendPart(
              part,
              r.written.map(w => ({
                path: w.file,
                dev: w.identity?.dev ?? '',
                ino: w.identity?.ino ?? null
              }))
            )
          await this.session.markWritten(r.written)
        }
      })
      // after the seen marks (see SessionStore.catchUp); the backend locks are released by now
      if (foldDue) await this.session.fold()
      return { ...res, part }
    })
  }

  private async plain(scope: KeyName, mutate: Mutate): Promise<RecordedWrite> {
    return { ...(await this.store.update(scope, mutate)), part: null }
  }

  /** Reads keys (no recording needed; other programs' changes are caught up by the next write). */
  read(scope: KeyName) {
    return this.store.read(scope)
  }
}

export type { AppendWarning }
