import type { KeyName } from '../kdb/keyname.js'

// Works on sortKeys (namespace byte, 0x00, parts joined by 0x00, final 0x00; one char per byte), so a
// test is one or two char compares plus a startsWith — no per-key string building in hot loops.
const CASCADING = '\x01'
const DEFAULT = '\x08'

export type ScopeTest = (name: KeyName) => boolean

/** A name is cascading when it has no namespace (`/a/b`). */
export function isCascading(name: KeyName): boolean {
  return name.sortKey.charCodeAt(0) === 1
}

/** True for `/`, `user:/`, … (zero parts). */
export function isRootName(name: KeyName): boolean {
  return name.sortKey.length <= 3
}

/**
 * below-or-same(parent, k) of recording.md §0, with our change Q9: the cascading root `/` holds every
 * key, namespace roots included. `null` holds everything. Either side cascading ⇒ namespaces ignored.
 */
export function scopeTest(parent: KeyName | null): ScopeTest {
  if (parent === null) return () => true
  const p = parent.sortKey
  const parentCascading = p[0] === CASCADING
  if (isRootName(parent)) {
    if (parentCascading) return () => true
    const ns = p[0]
    return k => k.sortKey[0] === ns || k.sortKey[0] === CASCADING
  }
  // The path part of the parent's sortKey starts at index 1 ("\0part\0…\0"); a key is at or below it
  // exactly when its own path starts with it, because every part ends in 0x00.
  const path = p.slice(1)
  if (parentCascading) return k => k.sortKey.startsWith(path, 1)
  const ns = p[0]
  return k => {
    const s = k.sortKey
    return (s[0] === ns || s[0] === CASCADING) && s.startsWith(path, 1)
  }
}

export function isBelowOrSameScope(parent: KeyName | null, name: KeyName): boolean {
  return scopeTest(parent)(name)
}

/**
 * The filter of `removeOther` (recording.md §3.2): like scopeTest, except that a cascading parent does
 * not keep `default:/` keys (they are never persisted, so never part of an exported session).
 */
export function keepTest(parent: KeyName | null): ScopeTest {
  const inScope = scopeTest(parent)
  if (parent === null || parent.sortKey[0] !== CASCADING) return inScope
  return k => k.sortKey[0] !== DEFAULT && inScope(k)
}
