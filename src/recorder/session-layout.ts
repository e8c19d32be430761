// The session's persistent layout as libelektra 0.11 stores it (recording.md §4.1): per namespace, the
// keys below `<ns>:/elektra/record/session`, mounted from that namespace's `record-session.cfg`.
import { Key } from '../kdb/key.js'
import { keyNameFromParts, type KeyName, type Namespace } from '../kdb/keyname.js'
import { KeySet } from '../kdb/keyset.js'
import type { FileNamespace } from '../kdb/paths.js'

/** The parts of `<ns>:/elektra/record/session`. */
export const SESSION_ROOT_PARTS: readonly string[] = ['elektra', 'record', 'session']

/** The five sections of a stored session and the parts below the session root that hold them. */
export const SECTIONS = {
  added: ['diff', 'added'],
  modifiedOld: ['diff', 'modified', 'old'],
  modifiedNew: ['diff', 'modified', 'new'],
  removed: ['diff', 'removed'],
  asserts: ['assert']
} as const satisfies Record<string, readonly string[]>

export type SectionName = keyof typeof SECTIONS

export const SECTION_NAMES: readonly SectionName[] = [
  'added',
  'modifiedOld',
  'modifiedNew',
  'removed',
  'asserts'
]

/**
 * Our own bookkeeping beside libelektra's sections (libelektra reads only below `diff/…`, so it
 * ignores these): which journal records a file already holds, and how many merge warnings occurred.
 */
export const BOOKKEEPING = {
  journal: ['journal'],
  warnings: ['warnings']
} as const

/** The keys of one session file, split into what they mean. All sets hold names of namespace `ns`. */
export interface StoredSession {
  added: KeySet
  modifiedOld: KeySet
  modifiedNew: KeySet
  removed: KeySet
  asserts: KeySet
  /** `<journal id> <end offset>` of the last journal record folded into this file, or null. */
  journalMark: string | null
  warnings: number
}

export function emptyStoredSession(): StoredSession {
  return {
    added: new KeySet(),
    modifiedOld: new KeySet(),
    modifiedNew: new KeySet(),
    removed: new KeySet(),
    asserts: new KeySet(),
    journalMark: null,
    warnings: 0
  }
}

/** `<ns>:/elektra/record/session`: the mountpoint (dump parent) of a namespace's session file. */
export function sessionRoot(ns: FileNamespace): KeyName {
  return keyNameFromParts(ns, SESSION_ROOT_PARTS)
}

function storageName(ns: Namespace, section: readonly string[], parts: readonly string[]): KeyName {
  return keyNameFromParts(ns, [...SESSION_ROOT_PARTS, ...section, ...parts])
}

/** The storage name of key `name` in `section`: `user:/a` added → `user:/elektra/record/session/diff/added/a`. */
export function storageNameOf(section: SectionName, name: KeyName): KeyName {
  return storageName(name.namespace, SECTIONS[section], name.parts)
}

/**
 * The key set of namespace `ns`'s session file. Keys of other namespaces in `s` are ignored (they live
 * in their own file). Bookkeeping keys are written only when they say something.
 */
export function toStorage(ns: FileNamespace, s: StoredSession): KeySet {
  const out = new KeySet()
  for (const section of SECTION_NAMES) {
    for (const k of s[section]) {
      if (k.name.namespace !== ns) continue
      const stored = k.withName(storageNameOf(section, k.name))
      // a shared metakey refers to a key name of the original set, which does not exist here
      stored.metaShared = undefined
      out.add(stored)
    }
  }
  if (s.journalMark !== null)
    out.add(new Key(storageName(ns, BOOKKEEPING.journal, []), s.journalMark))
  if (s.warnings > 0) out.add(new Key(storageName(ns, BOOKKEEPING.warnings, []), String(s.warnings)))
  return out
}

function startsWith(parts: readonly string[], prefix: readonly string[], from: number): boolean {
  if (parts.length < from + prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (parts[from + i] !== prefix[i]) return false
  return true
}

/**
 * Splits the keys of one session file (names below `<ns>:/elektra/record/session`, as read from the
 * file) into sections; keys are renamed back to `<ns>:/<path>`. Keys that fit no section (libelektra
 * leaves none) are ignored, as libelektra does.
 */
export function fromStorage(ns: FileNamespace, ks: Iterable<Key>): StoredSession {
  const s = emptyStoredSession()
  const base = SESSION_ROOT_PARTS.length
  for (const k of ks) {
    const parts = k.name.parts
    if (k.name.namespace !== ns || !startsWith(parts, SESSION_ROOT_PARTS, 0)) continue
    if (parts.length === base + 1 && parts[base] === BOOKKEEPING.journal[0]) {
      s.journalMark = typeof k.value === 'string' && k.value !== '' ? k.value : null
      continue
    }
    if (parts.length === base + 1 && parts[base] === BOOKKEEPING.warnings[0]) {
      const n = Number(k.value)
      s.warnings = Number.isSafeInteger(n) && n > 0 ? n : 0
      continue
    }
    for (const section of SECTION_NAMES) {
      const prefix = SECTIONS[section]
      if (!startsWith(parts, prefix, base)) continue
      // diff/modified itself (no old/new below it) is no entry
      const rest = parts.slice(base + prefix.length)
      const renamed = k.withName(keyNameFromParts(ns, rest))
      renamed.metaShared = undefined
      s[section].add(renamed)
      break
    }
  }
  return s
}
