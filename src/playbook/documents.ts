// Reading a playbook: the fast block-YAML reader when the text is in its subset, else the yaml package.
import { parseAllDocuments, type Document } from 'yaml'
import { fastParse, type ParsedDoc } from './fast-yaml.js'
import { ANSIBLE_TAGS } from './yaml-tags.js'

/** The documents of a playbook with node ranges; errors are on each document (`errors`). */
export function readDocuments(text: string): Array<ParsedDoc | Document.Parsed> {
  const fast = fastParse(text)
  if (fast !== null) return [fast]
  const docs = parseAllDocuments(text, { version: '1.1', customTags: ANSIBLE_TAGS, uniqueKeys: true })
  return Array.isArray(docs) ? (docs as Document.Parsed[]) : [docs as unknown as Document.Parsed]
}

/**
 * A YAML error's message for `FILE:LINE:COL: message`: its first line, without the parser's own
 * " at line N, column M:" (the place is already in front).
 */
export function yamlErrorMessage(e: { message: string }): string {
  const first = e.message.split('\n')[0] as string
  return first.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '') || 'invalid YAML'
}
