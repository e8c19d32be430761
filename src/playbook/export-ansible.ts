// `export --format ansible`: a session → a playbook for the extended module.
import { emitPlaybook, type EmitOptions } from './playbook-emit.js'
import { planPlaybook, type PlanOptions, type PlaybookPlan } from './playbook-plan.js'
import type { SessionInput } from './declarations.js'

export type AnsibleExportOptions = PlanOptions & EmitOptions

export interface AnsibleExport {
  text: string
  plan: PlaybookPlan
  /** true when the session declares nothing (the play has `tasks: []`) */
  empty: boolean
}

/** Same session and options → same bytes. */
export function exportAnsible(session: SessionInput, opts: AnsibleExportOptions = {}): AnsibleExport {
  const plan = planPlaybook(session, opts)
  return { text: emitPlaybook(plan, opts), plan, empty: plan.tasks.length === 0 }
}
