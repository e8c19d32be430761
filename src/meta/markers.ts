// Meta-key conventions shared by the generator, the commands export and the module (DESIGN.md
// "The extended module"). Names are canonical metakey names without `meta:/`.
import type { Key } from '../kdb/key.js'

/** Marks a key for deletion in generated playbooks (the name the mission uses). */
export const DELETED = 'elektra/deleted'
/** Upstream's name for the deletion marker; the module accepts it as an alias. */
export const REMOVED = 'elektra/removed'
/** Check the key instead of writing it (with DELETED: check that it is absent). */
export const ASSERT = 'elektra/assert'
/** The value is the base64 text of a binary value; the module decodes it and sets `binary`. */
export const BASE64 = 'elektra/base64'
/** Exports the key's value as a Jinja variable of this name, the recorded value as its default. */
export const EXPORT_VARIABLE = 'elektra/export/variable'
/** Elektra's own marker of binary keys. */
export const BINARY = 'binary'

/** Markers are instructions to the module, never metadata to persist on a host. */
export const MARKERS: ReadonlySet<string> = new Set([DELETED, REMOVED, ASSERT, BASE64])

/** Jinja variable names Ansible accepts (a Python identifier, ASCII only). */
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The variable name of `elektra/export/variable`, or null when absent or not a valid name. */
export function exportVariable(key: Key): string | null {
  const v = key.meta.get(EXPORT_VARIABLE)
  return v !== undefined && VARIABLE.test(v) ? v : null
}

/** Metadata that describes the key itself: markers and `binary` (implied by BASE64) left out. */
export function plainMeta(key: Key): Array<[string, string]> {
  const out: Array<[string, string]> = []
  // one entry needs no sorting (the common case: `type`)
  for (const e of key.meta.size < 2 ? key.meta : key.metaEntries())
    if (!MARKERS.has(e[0]) && e[0] !== BINARY) out.push(e)
  return out
}
