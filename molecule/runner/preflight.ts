// Can this machine run the scenarios' test hosts? The hosts' own script decides (root, sshd,
// unshare); "no" means every scenario is skipped with its message, not failed.
import { execa } from 'execa'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export const cannotRunHere = 77

export async function hostPreflight(moleculeDir: string): Promise<string | undefined> {
  const script = join(moleculeDir, 'shared', 'testhost.sh')
  if (!existsSync(script)) return undefined
  const r = await execa('bash', [script, 'check'], { reject: false, all: true })
  if (r.exitCode === 0) return undefined
  const message = (r.all ?? '').trim() || `${script} check exited with ${r.exitCode}`
  if (r.exitCode === cannotRunHere) return message
  throw new Error(message)
}
