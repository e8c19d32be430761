// Groups one namespace's declarations into a tree below their common parent, so a task reads like
// the configuration it sets.
import type { Namespace } from '../kdb/keyname.js'
import type { Declaration } from './declarations.js'

export interface TreeNode {
  /** the unescaped part (empty for the tree's root) */
  part: string
  decl: Declaration | null
  /** in Elektra order */
  children: TreeNode[]
}

export interface KeyTree {
  namespace: Namespace
  /** unescaped parts of the root below the namespace root */
  rootParts: string[]
  root: TreeNode
}

/** The parts all entries share, stopping above each entry's own base name (a lone key keeps its name). */
function commonParent(decls: readonly Declaration[]): string[] {
  const first = decls[0]
  if (first === undefined) return []
  let common = first.name.parts.slice(0, Math.max(0, first.name.parts.length - 1))
  for (const d of decls) {
    const parts = d.name.parts
    const limit = Math.min(common.length, Math.max(0, parts.length - 1))
    let i = 0
    while (i < limit && parts[i] === common[i]) i++
    if (i < common.length) common = common.slice(0, i)
    if (common.length === 0) break
  }
  return common
}

/** Shared by every leaf until it gets a child (a 100k-key tree would otherwise hold 100k empty arrays). */
const NO_CHILDREN: TreeNode[] = []

/** `decls` must be of one namespace and sorted in Elektra order (then each node is its parent's last child). */
export function buildTree(namespace: Namespace, decls: readonly Declaration[]): KeyTree {
  const rootParts = commonParent(decls)
  const root: TreeNode = { part: '', decl: null, children: [] }
  const depth = rootParts.length
  for (const d of decls) {
    const parts = d.name.parts
    let node = root
    for (let i = depth; i < parts.length; i++) {
      const part = parts[i] as string
      const last = node.children[node.children.length - 1]
      if (last !== undefined && last.part === part) node = last
      else {
        const child: TreeNode = { part, decl: null, children: NO_CHILDREN }
        if (node.children === NO_CHILDREN) node.children = [child]
        else node.children.push(child)
        node = child
      }
    }
    node.decl = d
  }
  return { namespace, rootParts, root }
}
