// The committed JSON schemas (schemas/, generated from module-args.ts by `npm run schema`).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// src/playbook/ and dist/playbook/ both sit two levels below the package root
const dir = new URL('../../schemas/', import.meta.url)

let cached: Record<string, unknown> | null = null

/** The module's argument schema (draft-07), as `elektra-playbook schema` prints it. */
export function moduleSchema(): Record<string, unknown> {
  cached ??= JSON.parse(readFileSync(fileURLToPath(new URL('elektra-module.schema.json', dir)), 'utf8')) as Record<string, unknown>
  return cached
}

/** Path of the playbook-level schema, for editors (yaml-language-server `$schema=` comment). */
export function playbookSchemaPath(): string {
  return fileURLToPath(new URL('elektra-playbook.schema.json', dir))
}
