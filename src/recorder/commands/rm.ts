// record rm [-r] KEY: drops KEY (and below with -r) from the session; the key database is untouched.
import { parseKeyName, type KeyName } from '../../kdb/keyname.js'
import type { KeySet } from '../../kdb/keyset.js'
import { removeKey, removeSameOrBelow } from '../diff-ops.js'
import type { Recorder } from '../recorder.js'
import { scopeTest } from '../scope.js'
import { namespacesOf } from '../session-store.js'

export interface RemoveResult {
  /** names dropped from the diff or the asserts, in order; empty: "not in session" */
  removed: string[]
}

export async function removeFromSession(
  rec: Recorder,
  key: string | KeyName,
  opts: { recursive?: boolean } = {}
): Promise<RemoveResult> {
  const name = typeof key === 'string' ? parseKeyName(key) : key
  const s = rec.session
  return s.withRecordLock(async () => {
    const { session } = await s.load()
    const gone = new Map<string, KeyName>()
    const dropped = opts.recursive ? removeSameOrBelow(session.diff, name) : removeKey(session.diff, name)
    for (const n of dropped) gone.set(n.sortKey, n)
    for (const n of dropAsserts(session.asserts, name, opts.recursive === true)) gone.set(n.sortKey, n)
    const names = [...gone.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(e => e[1])
    if (names.length > 0) await s.writeFiles(session, namespacesOf(names))
    return { removed: names.map(n => n.canonical) }
  })
}

// asserts are part of the session too: the same name rules as removeKey / removeSameOrBelow
function dropAsserts(asserts: KeySet, name: KeyName, recursive: boolean): KeyName[] {
  const cascadingPath = name.namespace === 'cascading' ? name.sortKey.slice(1) : null
  const inScope = scopeTest(name)
  const match = (k: KeyName) =>
    recursive ? inScope(k) : cascadingPath !== null ? k.sortKey.slice(1) === cascadingPath : k.sortKey === name.sortKey
  const out: KeyName[] = []
  for (const k of asserts) if (match(k.name)) out.push(k.name)
  for (const n of out) asserts.remove(n)
  return out
}
