// The default transaction name: stable for one session, so re-running an export gives the same bytes.
import { createHash } from 'node:crypto'
import type { KeySet } from '../kdb/keyset.js'
import type { Diff } from '../recorder/diff-model.js'
import { toJson } from '../recorder/diff-json.js'
import { TRANSACTION_NAME } from './plan.js'

/** `rec-` + the first 8 hex digits of the SHA-256 of the session's canonical JSON (`export --format json`). */
export function transactionName(diff: Diff, asserts: KeySet): string {
  const json = JSON.stringify(toJson(diff, asserts))
  return 'rec-' + createHash('sha256').update(json).digest('hex').slice(0, 8)
}

/** Checks a user-given name; throws with the rule when the module would reject it. */
export function checkTransactionName(name: string): string {
  if (!TRANSACTION_NAME.test(name))
    throw new Error(`invalid transaction name ${JSON.stringify(name)}: use letters, digits, '_', '.', '-'`)
  return name
}
