// Session → the module tasks of a generated playbook: a precondition task (asserts), then one task per
// namespace in spec, dir, user, system order; transaction actions when there are two or more.
import type { Namespace } from '../kdb/keyname.js'
import { planActions, type TransactionAction } from '../transaction/plan.js'
import { checkTransactionName, transactionName } from '../transaction/name.js'
import { declarations, TASK_NAMESPACES, type Declaration, type SessionInput } from './declarations.js'
import { buildTree, type KeyTree } from './key-tree.js'
import { EXPORT_VARIABLE, exportVariable } from '../meta/markers.js'
import { variableOf } from './tree-emit.js'

export interface PlanOptions {
  /** guard the old state of every modified/removed key (`--assert-old`) */
  assertOld?: boolean
  /** transaction name (`--transaction`); default `rec-` + hash of the session */
  transaction?: string
  /** directory for `dir:/` keys on the host (the module's `chdir`); default: the current directory */
  chdir?: string
  /** told about keys that cannot be exported (namespaces without a task) */
  warn?: (message: string) => void
}

export interface ModuleTask {
  /** `asserts` for the precondition task, else the namespace of its keys */
  role: 'asserts' | Namespace
  title: string
  /** one tree per namespace, in task-namespace order */
  trees: KeyTree[]
  chdir?: string
  action?: TransactionAction
  /** canonical names the task removes before writing its keys (declarations with `replace`) */
  replace?: string[]
}

export interface PlaybookPlan {
  transaction: string | null
  tasks: ModuleTask[]
  /** everything declared, by role: asserts and changes (what an in-place update compares) */
  asserts: Declaration[]
  changes: Declaration[]
}

/** `elektra/export/variable` that cannot be honoured: the value is exported as it is. */
function warnVariables(changes: Declaration[], warn: (m: string) => void): void {
  for (const d of changes) {
    const v = d.kind === 'set' ? d.key?.meta.get(EXPORT_VARIABLE) : undefined
    if (v === undefined || d.key === null) continue
    if (exportVariable(d.key) === null) warn(`${d.name.canonical}: ${JSON.stringify(v)} is not a valid variable name; value exported as it is`)
    else if (variableOf(d.key) === null) warn(`${d.name.canonical}: a binary value or one with a CR cannot be a Jinja default; value exported as it is`)
  }
}

/** Splits sorted declarations by namespace (keeping order); other namespaces are reported and dropped. */
function byNamespace(decls: Declaration[], warn?: (m: string) => void): Map<Namespace, Declaration[]> {
  const groups = new Map<Namespace, Declaration[]>()
  for (const d of decls) {
    const ns = d.name.namespace
    if (!TASK_NAMESPACES.includes(ns)) {
      warn?.(`${d.name.canonical}: ${ns} keys cannot be set on a host; left out`)
      continue
    }
    let g = groups.get(ns)
    if (g === undefined) groups.set(ns, (g = []))
    g.push(d)
  }
  return groups
}

function trees(groups: Map<Namespace, Declaration[]>): KeyTree[] {
  const out: KeyTree[] = []
  for (const ns of TASK_NAMESPACES) {
    const g = groups.get(ns)
    if (g !== undefined) out.push(buildTree(ns, g))
  }
  return out
}

export function planPlaybook(session: SessionInput, opts: PlanOptions = {}): PlaybookPlan {
  const { asserts, changes } = declarations(session, { assertOld: opts.assertOld === true })
  return planTasks(asserts, changes, () => transactionName(session.diff, session.asserts), opts)
}

/** Tasks for given declarations (sorted); `defaultName` is asked only when a transaction is needed. */
export function planTasks(
  asserts: Declaration[],
  changes: Declaration[],
  defaultName: () => string,
  opts: PlanOptions = {}
): PlaybookPlan {
  if (opts.warn !== undefined) warnVariables(changes, opts.warn)
  const tasks: ModuleTask[] = []
  const assertTrees = trees(byNamespace(asserts, opts.warn))
  if (assertTrees.length > 0) tasks.push({ role: 'asserts', title: 'Check preconditions', trees: assertTrees })
  const groups = byNamespace(changes, opts.warn)
  for (const tree of trees(groups)) {
    const task: ModuleTask = { role: tree.namespace, title: `Set ${tree.namespace} keys`, trees: [tree] }
    const replace = (groups.get(tree.namespace) ?? []).filter(d => d.replace === true).map(d => d.name.canonical)
    if (replace.length > 0) task.replace = replace
    tasks.push(task)
  }
  const hasDir = (t: ModuleTask): boolean => t.trees.some(tr => tr.namespace === 'dir')
  for (const t of tasks) if (hasDir(t)) t.chdir = opts.chdir ?? process.cwd()
  const actions = planActions(tasks.length)
  let transaction: string | null = null
  if (actions !== null) {
    transaction = opts.transaction !== undefined ? checkTransactionName(opts.transaction) : defaultName()
    tasks.forEach((t, i) => (t.action = actions[i]))
  }
  return { transaction, tasks, asserts, changes }
}
