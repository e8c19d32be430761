// Persists what the last export/update of the remembered template declared (update.ts's DeclaredState)
// as JSON beside the system session file: {"template": ABSOLUTE PATH, "asserts": {NAME: FP},
// "changes": {NAME: FP}} (canonical key names, fingerprints from update.ts). JSON rather than the dump
// format: written on every `export -o`, it must stay cheap for 100k keys.
import { readFile } from 'node:fs/promises'
import { atomicWrite } from '../kdb/atomic-write.js'
import { emptyDeclared, type DeclaredState } from './update.js'

export const DECLARED_FILE = 'record-export.json'

interface Stored {
  template: string
  asserts: unknown
  changes: unknown
}

function toMap(o: unknown): Map<string, string> {
  const m = new Map<string, string>()
  if (typeof o === 'object' && o !== null)
    for (const [k, v] of Object.entries(o)) if (typeof v === 'string') m.set(k, v)
  return m
}

/** The state remembered for `template` (absolute path), or null when another file (or none) is remembered. */
export async function readDeclared(file: string, template: string): Promise<DeclaredState | null> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
  let data: Partial<Stored>
  try {
    data = JSON.parse(text) as Partial<Stored>
  } catch {
    // an unreadable state only costs the kept hand edits: every declared key is written again
    return null
  }
  if (data.template !== template) return null
  const state = emptyDeclared()
  for (const [k, v] of toMap(data.asserts)) state.asserts.set(k, v)
  for (const [k, v] of toMap(data.changes)) state.changes.set(k, v)
  return state
}

export async function writeDeclared(file: string, template: string, state: DeclaredState): Promise<void> {
  // written member by member into flat chunks: no intermediate object of 100k properties
  const chunks: string[] = []
  let members: string[] = ['{"template":' + JSON.stringify(template)]
  for (const role of ['asserts', 'changes'] as const) {
    let sep = `,"${role}":{`
    for (const [name, fp] of state[role]) {
      members.push(sep + JSON.stringify(name) + ':' + JSON.stringify(fp))
      sep = ','
      if (members.length >= 4096) {
        chunks.push(members.join(''))
        members = []
      }
    }
    members.push(sep === ',' ? '}' : sep + '}')
  }
  members.push('}\n')
  chunks.push(members.join(''))
  await atomicWrite(file, Buffer.from(chunks.join(''), 'utf8'), { fileMode: 0o644, dirMode: 0o755 })
}
