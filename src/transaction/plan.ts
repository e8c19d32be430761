// Which transaction action each module task of a generated playbook carries (DESIGN.md, module.md R6–R13).

export type TransactionAction = 'create' | 'use' | 'commit' | 'rollback'

/** Transaction names the module accepts (module.md R6). */
export const TRANSACTION_NAME = /^[A-Za-z0-9_.-]+$/

/**
 * Actions for `count` module tasks in order: none for a single task (it is atomic by itself), else
 * the first creates, the middle ones use, the last commits.
 */
export function planActions(count: number): TransactionAction[] | null {
  if (count < 2) return null
  const actions: TransactionAction[] = ['create']
  for (let i = 1; i < count - 1; i++) actions.push('use')
  actions.push('commit')
  return actions
}
