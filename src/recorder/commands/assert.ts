// record assert KEY [VALUE]: the session remembers what KEY is expected to be on the target.
import { Key } from '../../kdb/key.js'
import { parseKeyName, type KeyName } from '../../kdb/keyname.js'
import { isFileNamespace } from '../../kdb/paths.js'
import { DELETED } from '../../meta/markers.js'
import type { Recorder } from '../recorder.js'
import { namespacesOf } from '../session-store.js'
import { RecordCommandError } from './command-error.js'
import { lookupKey } from './kdb-ops.js'

export interface AssertResult {
  /** the stored assert: expected value and meta (absence: meta elektra/deleted) */
  assert: Key
  /** true when no VALUE was given and the key is absent: the assert expects it to stay absent */
  absent: boolean
}

export async function assertKey(
  rec: Recorder,
  key: string | KeyName,
  value?: string
): Promise<AssertResult> {
  let name = typeof key === 'string' ? parseKeyName(key) : key
  if (name.namespace === 'cascading') {
    // the key a cascading lookup finds is the one to assert
    const found = await lookupKey(rec, name)
    if (found === undefined)
      throw new RecordCommandError(
        `${name.canonical}: not found in any namespace; name the one to assert (e.g. user:${name.canonical})`
      )
    name = found.name
  }
  if (!isFileNamespace(name.namespace))
    throw new RecordCommandError(
      `${name.canonical}: an assert needs a key of namespace spec, dir, user or system`
    )
  const s = rec.session
  return s.withRecordLock(async () => {
    const { session } = await s.load()
    let assert: Key
    let absent = false
    if (value !== undefined) assert = Key.create(name, value)
    else {
      const current = (await rec.store.read(name)).lookup(name)
      if (current === undefined) {
        absent = true
        assert = Key.create(name, null, { [DELETED]: '1' })
      } else assert = current.clone()
    }
    session.asserts.add(assert)
    await s.writeFiles(session, namespacesOf([name]))
    return { assert, absent }
  })
}
