// Runs ansible-playbook for one step and reads its PLAY RECAP.
import { execa } from 'execa'

export interface PlaybookRun {
  exitCode: number
  output: string
  recap: Map<string, { ok: number; changed: number; failed: number; unreachable: number }>
}

export interface PlaybookOptions {
  inventory: string
  env: Record<string, string>
  cwd: string
  extraArgs?: string[]
  // stream the output to this writer as it comes (verbose mode); it is captured either way
  echo?: (chunk: string) => void
}

export async function runPlaybook(playbook: string, options: PlaybookOptions): Promise<PlaybookRun> {
  const child = execa('ansible-playbook', ['--inventory', options.inventory, ...(options.extraArgs ?? []), playbook], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    all: true,
    reject: false,
    stdin: 'ignore'
  })
  if (options.echo) child.all?.on('data', (chunk: Buffer) => options.echo!(chunk.toString()))
  const result = await child
  const output = result.all ?? ''
  return { exitCode: result.exitCode ?? 1, output, recap: parseRecap(output) }
}

export function parseRecap(output: string): PlaybookRun['recap'] {
  const recap: PlaybookRun['recap'] = new Map()
  const start = output.lastIndexOf('PLAY RECAP')
  if (start < 0) return recap
  for (const line of output.slice(start).split('\n')) {
    const m = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line)
    if (m) {
      recap.set(m[1]!, { ok: +m[2]!, changed: +m[3]!, unreachable: +m[4]!, failed: +m[5]! })
    }
  }
  return recap
}

// "TASK [name]" headers followed by "changed: [host]" lines: what broke idempotence
export function changedTasks(output: string): string[] {
  const tasks: string[] = []
  let task = ''
  for (const line of output.split('\n')) {
    const header = /^TASK \[(.*)\]/.exec(line)
    if (header) task = header[1]!
    const changed = /^changed: \[([^\]]+)\]/.exec(line)
    if (changed) tasks.push(`${task} (${changed[1]})`)
  }
  return tasks
}
