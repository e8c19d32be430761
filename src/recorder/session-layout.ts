// The session's persistent layout as libelektra 0.11 stores it (recording.md §4.1): per namespace, the
// keys below `<ns>:/elektra/record/session`, mounted from that namespace's `record-session.cfg`.
import { Key } from '../kdb/key.js'
import {
  appendPlain,
  isPlainRelative,
  keyNameFromParts,
  plainTail,
  rootOf,
  type KeyName,
  type Namespace
} from '../kdb/keyname.js'
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

/** In the order of their storage names (`assert` < `diff/added` < `diff/modified/new` < …/old < …). */
export const SECTION_NAMES: readonly SectionName[] = [
  'asserts',
  'added',
  'modifiedNew',
  'modifiedOld',
  'removed'
]

const SECTION_PREFIX: Record<SectionName, string> = Object.fromEntries(
  SECTION_NAMES.map(sec => [sec, [...SESSION_ROOT_PARTS, ...SECTIONS[sec]].join('/')])
) as Record<SectionName, string>

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

// Renaming between `<ns>:/<path>` and `<ns>:/elektra/record/session/<section>/<path>` is the hot loop of
// reading and writing a session (100 000 keys). Both names share the path's canonical spelling, parts
// and unescaped bytes, so the new KeyName is built by string slicing from the documented KeyName
// fields (keys-and-dump.md §2.6: sortKey = namespace byte, 0, parts each ended by 0; a root is ns 0 0)
// instead of escaping and parsing every name again.
const SECTION_PARTS = Object.fromEntries(
  SECTION_NAMES.map(sec => [sec, [...SESSION_ROOT_PARTS, ...SECTIONS[sec]]])
) as unknown as Record<SectionName, readonly string[]>
const SECTION_BYTES: Record<SectionName, string> = Object.fromEntries(
  SECTION_NAMES.map(sec => [sec, '\0' + SECTION_PARTS[sec].join('\0') + '\0'])
) as Record<SectionName, string>

/** The storage name of key `name` in `section`: `user:/a` added → `user:/elektra/record/session/diff/added/a`. */
export function storageNameOf(section: SectionName, name: KeyName): KeyName {
  const ns = name.namespace
  const path = name.canonical.slice(ns.length + 2)
  // the common case first: a plain path (never a root's) keeps the name's parts unsplit
  if (isPlainRelative(path)) {
    const sortKey = name.sortKey[0] + SECTION_BYTES[section] + name.sortKey.slice(2)
    return appendPlain(sectionKey(ns, section), path, sortKey) as KeyName
  }
  const root = name.parts.length === 0
  return {
    canonical: `${ns}:/${SECTION_PREFIX[section]}${root ? '' : '/' + path}`,
    namespace: ns,
    parts: root ? SECTION_PARTS[section] : [...SECTION_PARTS[section], ...name.parts],
    sortKey: name.sortKey[0] + SECTION_BYTES[section] + (root ? '' : name.sortKey.slice(2))
  }
}

/** The inverse of storageNameOf for a name known to lie at or below `section`'s key. */
function sessionNameOf(section: SectionName, stored: KeyName): KeyName {
  const ns = stored.namespace
  const depth = SECTION_PARTS[section].length
  const at = ns.length + 2 + SECTION_PREFIX[section].length + 1
  // a name read plain has a plain tail from a part start on (`at` is one: the stored name is below the section)
  const tail = plainTail(stored, at)
  const path = tail ?? stored.canonical.slice(at)
  const sortKey = stored.sortKey[0] + '\0' + stored.sortKey.slice(SECTION_BYTES[section].length + 1)
  // the common case first: it does not split the stored name into parts
  if (tail !== null ? tail !== '' : isPlainRelative(path)) return appendPlain(rootOf(ns), path, sortKey) as KeyName
  if (stored.parts.length === depth) return rootOf(ns)
  return { canonical: `${ns}:/${path}`, namespace: ns, parts: stored.parts.slice(depth), sortKey }
}

/**
 * The key set of namespace `ns`'s session file. Keys of other namespaces in `s` are ignored (they live
 * in their own file). Bookkeeping keys are written only when they say something.
 */
export function toStorage(ns: FileNamespace, s: StoredSession): KeySet {
  const out = new KeySet()
  if (s.journalMark !== null)
    out.add(new Key(storageName(ns, BOOKKEEPING.journal, []), s.journalMark))
  // sections and keys in storage order, so every add is an append
  for (const section of SECTION_NAMES) {
    for (const k of s[section].below(rootOf(ns), { self: true })) {
      // a shared metakey refers to a key name of the original set, which does not exist here
      out.add(new Key(storageNameOf(section, k.name), k.value, k.meta))
    }
  }
  if (s.warnings > 0) out.add(new Key(storageName(ns, BOOKKEEPING.warnings, []), String(s.warnings)))
  return out
}

const sectionKeys = new Map<string, KeyName>()

/** `<ns>:/elektra/record/session/<section>` itself. */
function sectionKey(ns: Namespace, section: SectionName): KeyName {
  const id = `${ns} ${section}`
  let k = sectionKeys.get(id)
  if (k === undefined) {
    k = keyNameFromParts(ns, SECTION_PARTS[section])
    sectionKeys.set(id, k)
  }
  return k
}

/**
 * Splits the keys of one session file (names below `<ns>:/elektra/record/session`, as read from the
 * file) into sections; keys are renamed back to `<ns>:/<path>`. Keys that fit no section (libelektra
 * leaves none) are ignored, as libelektra does.
 */
export function fromStorage(ns: FileNamespace, ks: KeySet): StoredSession {
  return splitStorage(ns, ks, false)
}

/**
 * fromStorage for a set read only for this (a session file, a journal record): its Key objects are
 * renamed in place and moved into the sections instead of being copied, so reading a 100 000-key
 * file makes one Key per key, not two. `ks` must not be used afterwards.
 */
export function takeFromStorage(ns: FileNamespace, ks: KeySet): StoredSession {
  return splitStorage(ns, ks, true)
}

function splitStorage(ns: FileNamespace, ks: KeySet, take: boolean): StoredSession {
  const s = emptyStoredSession()
  // every search in ks comes before any key is renamed (its order is by the old names)
  const mark = ks.lookup(storageName(ns, BOOKKEEPING.journal, []))?.value
  s.journalMark = typeof mark === 'string' && mark !== '' ? mark : null
  const n = Number(ks.lookup(storageName(ns, BOOKKEEPING.warnings, []))?.value)
  s.warnings = Number.isSafeInteger(n) && n > 0 ? n : 0
  // each section is one contiguous range of the sorted set: no per-key matching
  const ranges = SECTION_NAMES.map(section => ks.below(sectionKey(ns, section), { self: true }))
  SECTION_NAMES.forEach((section, i) => {
    const into = s[section]
    for (const k of ranges[i] as Key[]) {
      const name = sessionNameOf(section, k.name)
      // Key.name is readonly for the sets that order by it; `ks` is discarded, and `into` only
      // ever sees the key under its new name
      if (take) {
        ;(k as { name: KeyName }).name = name
        // sharing names keys of the file (`$copymeta`), which fromStorage's copies do not carry either
        if (k.metaShared !== undefined) delete k.metaShared
      }
      // the keys were just read for this: share value and metadata instead of copying them
      into.add(take ? k : new Key(name, k.value, k.meta))
    }
  })
  return s
}
