// Finds the tasks of a playbook that call the module, with the context the validate rules need.
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml'
import { MODULE_NAMES } from './module-args.js'

export interface ModuleCall {
  /** the task (a map in a task list) */
  task: YAMLMap
  /** the pair `elektra: ARGS` */
  pair: Pair
  /** index of the play in the document's list (-1 when the file is a plain task list) */
  play: number
  /** enclosing block tasks, outermost first, with the section this call sits in */
  blocks: Array<{ block: YAMLMap; section: 'block' | 'rescue' | 'always' }>
}

const TASK_LISTS = ['tasks', 'pre_tasks', 'post_tasks', 'handlers']
const SECTIONS = ['block', 'rescue', 'always'] as const

export function scalarText(n: unknown): string | null {
  return isScalar(n) && typeof n.value === 'string' ? n.value : isScalar(n) ? String(n.value) : null
}

/** The module pair of a task map, if it calls the module. */
export function modulePair(task: YAMLMap): Pair | null {
  for (const p of task.items) {
    const k = scalarText(p.key)
    if (k !== null && MODULE_NAMES.includes(k)) return p as Pair
  }
  return null
}

function walkTasks(list: YAMLSeq, play: number, blocks: ModuleCall['blocks'], out: ModuleCall[]): void {
  for (const item of list.items) {
    if (!isMap(item)) continue
    const pair = modulePair(item)
    if (pair !== null) out.push({ task: item, pair, play, blocks })
    for (const s of SECTIONS) {
      const sub = item.get(s, true)
      if (isSeq(sub)) walkTasks(sub, play, [...blocks, { block: item, section: s }], out)
    }
  }
}

/** Module calls in document order: plays' task lists (and blocks), or a plain task list. */
export function moduleCalls(doc: { contents: unknown }): ModuleCall[] {
  const out: ModuleCall[] = []
  const top = doc.contents as Node | null
  if (!isSeq(top)) return out
  const isPlay = (m: YAMLMap): boolean =>
    TASK_LISTS.some(l => m.has(l)) || m.has('hosts') || m.has('import_playbook')
  const plays = top.items.filter(isMap).some(isPlay)
  if (!plays) {
    walkTasks(top, -1, [], out)
    return out
  }
  top.items.forEach((play, i) => {
    if (!isMap(play)) return
    for (const l of TASK_LISTS) {
      const list = play.get(l, true)
      if (isSeq(list)) walkTasks(list, i, [], out)
    }
  })
  return out
}
