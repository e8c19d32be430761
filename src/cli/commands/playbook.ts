// `validate FILE…` and `schema`, and the `export --update` implementation (src/playbook does the work).
import type { Command } from 'commander'
import { moduleSchema } from '../../playbook/schema.js'
import { formatIssue, validateFiles } from '../../playbook/validate.js'
import type { CliContext } from '../context.js'
import { provideAfterWrite, provideUpdateInPlace } from './export.js'
import type { AnsibleExport } from '../../playbook/export-ansible.js'

type Run = (fn: (ctx: CliContext) => Promise<void | number>) => Promise<void>

export function registerPlaybook(program: Command, run: Run): void {
  // the update stack (update.ts, unified diff, declared store) loads only when export uses it, not for validate
  provideUpdateInPlace(async req => (await import('./export-update.js')).updateInPlace(req))
  provideAfterWrite(async (ctx, req, file, out) => {
    if (req.opts.format === 'ansible' && 'plan' in out)
      await (await import('./export-update.js')).rememberTemplate(ctx, file, out as AnsibleExport)
  })
  program
    .command('validate <files...>')
    .description('check playbooks that use the elektra module against its schema and transaction rules')
    .action((files: string[]) =>
      run(async ({ io }) => {
        const issues = await validateFiles(files)
        for (const i of issues) io.err(formatIssue(i))
        return issues.length === 0 ? 0 : 1
      })
    )
  program
    .command('schema')
    .description("print the JSON schema of the elektra module's arguments")
    .action(() =>
      run(async ({ io }) => {
        io.out(JSON.stringify(moduleSchema(), null, 2) + '\n')
      })
    )
}
