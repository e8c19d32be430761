// `export --update FILE [--check]` and remembering the template of `export -o FILE` (the work is in
// src/playbook/update.ts; here: files, the key database, the remembered state, printing).
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { atomicWrite } from '../../kdb/atomic-write.js'
import { Key } from '../../kdb/key.js'
import { rootOf, type KeyName, type Namespace } from '../../kdb/keyname.js'
import { KeySet } from '../../kdb/keyset.js'
import { sessionFile } from '../../kdb/paths.js'
import { DECLARED_FILE, readDeclared, writeDeclared } from '../../playbook/declared-store.js'
import type { AnsibleExport } from '../../playbook/export-ansible.js'
import { unifiedDiff } from '../../playbook/unified-diff.js'
import { declaredOf, updatePlaybook, UpdateError, type DeclaredState } from '../../playbook/update.js'
import type { CliContext } from '../context.js'
import { UsageError } from '../errors.js'
import { TEMPLATE_KEY, type ExportCliOptions, type UpdateInPlace } from './export.js'


function declaredFile(ctx: CliContext): string {
  return path.join(path.dirname(sessionFile('system', ctx.env)), DECLARED_FILE)
}

async function remember(ctx: CliContext, template: string, state: DeclaredState): Promise<void> {
  await writeDeclared(declaredFile(ctx), template, state)
  await ctx.recorder.store.update(TEMPLATE_KEY, ks => {
    if (ks.lookup(TEMPLATE_KEY)?.value !== template) ks.add(Key.create(TEMPLATE_KEY, template))
  })
}

/** The current keys among `names` (one read per namespace). */
async function currentKeys(ctx: CliContext, names: KeyName[]): Promise<KeySet> {
  const out = new KeySet()
  const byNs = new Map<Namespace, KeyName[]>()
  for (const n of names) byNs.set(n.namespace, [...(byNs.get(n.namespace) ?? []), n])
  for (const [ns, list] of byNs) {
    const ks = await ctx.recorder.store.read(rootOf(ns))
    for (const n of list) {
      const k = ks.lookup(n)
      if (k !== undefined) out.add(k)
    }
  }
  return out
}

function exportOptions(opts: ExportCliOptions, warn: (m: string) => void) {
  return { assertOld: opts.assertOld, transaction: opts.transaction, hosts: opts.hosts, warn }
}

export const updateInPlace: UpdateInPlace = async ({ ctx, session, opts, warn, file, check }) => {
  if (opts.format !== 'ansible') throw new UsageError(`export --update rewrites playbooks: --format ${opts.format} cannot be used with it`)
  const abs = path.resolve(file)
  let text: string
  try {
    text = await readFile(abs, 'utf8')
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 1)
  }
  let r
  try {
    r = await updatePlaybook({
      text,
      file,
      session,
      opts: exportOptions(opts, warn),
      declared: await readDeclared(declaredFile(ctx), abs),
      current: names => currentKeys(ctx, names)
    })
  } catch (e) {
    if (e instanceof UpdateError) throw new UsageError(e.message, 1)
    throw e
  }
  if (check) {
    if (r.changed) ctx.io.out(unifiedDiff(text, r.text, file, file))
    return { changed: r.changed, stale: r.changed }
  }
  if (r.changed) await atomicWrite(abs, Buffer.from(r.text, 'utf8'), { fileMode: 0o644, dirMode: 0o755 })
  await remember(ctx, abs, r.declared)
  return { changed: r.changed, stale: false }
}

/** After `export --format ansible -o FILE`: FILE becomes the remembered template. */
export async function rememberTemplate(ctx: CliContext, file: string, out: AnsibleExport): Promise<void> {
  await remember(ctx, path.resolve(file), declaredOf(out.plan.asserts, out.plan.changes))
}
