// Persists what the last export/update of the remembered template declared (update.ts's DeclaredState),
// in the dump format: parent `system:/elektra/record/export/ansible` (value: the template's absolute
// path), `declared/assert/<name>` and `declared/change/<name>` (value: fingerprint), where <name> is
// the key's canonical name escaped as one part. The file lives beside the system session file.
import { readFile } from 'node:fs/promises'
import { atomicWrite } from '../kdb/atomic-write.js'
import { readDump } from '../kdb/dump-read.js'
import { writeDump } from '../kdb/dump-write.js'
import { Key } from '../kdb/key.js'
import { baseName, keyNameFromParts, parseKeyName } from '../kdb/keyname.js'
import { KeySet } from '../kdb/keyset.js'
import { emptyDeclared, type DeclaredState } from './update.js'

export const DECLARED_FILE = 'record-export.cfg'
const PARENT = parseKeyName('system:/elektra/record/export/ansible')
const ROLES = { assert: 'asserts', change: 'changes' } as const

/** The state remembered for `template` (absolute path), or null when another file (or none) is remembered. */
export async function readDeclared(file: string, template: string): Promise<DeclaredState | null> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
  const ks = readDump(bytes, PARENT, { file })
  if (ks.lookup(PARENT)?.value !== template) return null
  const state = emptyDeclared()
  for (const k of ks) {
    const p = k.name.parts
    if (p.length !== PARENT.parts.length + 3 || p[PARENT.parts.length] !== 'declared') continue
    const role = ROLES[p[PARENT.parts.length + 1] as keyof typeof ROLES]
    if (role === undefined || typeof k.value !== 'string') continue
    state[role].set(baseName(k.name), k.value)
  }
  return state
}

export async function writeDeclared(file: string, template: string, state: DeclaredState): Promise<void> {
  const ks = new KeySet()
  ks.add(Key.create(PARENT, template))
  const base = [...PARENT.parts, 'declared']
  for (const [part, role] of Object.entries(ROLES))
    for (const [name, fp] of state[role]) ks.add(new Key(keyNameFromParts('system', [...base, part, name]), fp))
  await atomicWrite(file, writeDump(ks, PARENT), { fileMode: 0o644, dirMode: 0o755 })
}
