// Runs test/helpers/parity.py (the Python collection's code) with /usr/bin/python3, JSON in and out.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const PARITY_PY = path.join(here, 'parity.py')
export const PYTHON = '/usr/bin/python3'

/** One batch: `command` with `request` on stdin; resolves with the parsed stdout. */
export function runPython<T>(command: string, request: unknown, env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [PARITY_PY, command], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', reject)
    child.on('close', code => {
      if (code !== 0) return reject(new Error(`parity.py ${command} exited ${code}: ${Buffer.concat(err)}`))
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as T)
      } catch (e) {
        reject(new Error(`parity.py ${command}: bad output (${(e as Error).message}): ${Buffer.concat(err)}`))
      }
    })
    child.stdin.end(JSON.stringify(request))
  })
}

/** Starts `command` and resolves once it printed its first line (e.g. "held <pid>"). */
export function startPython(
  command: string,
  request: unknown,
  env: NodeJS.ProcessEnv = {}
): Promise<{ child: ChildProcess; line: string; exit: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [PARITY_PY, command], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit']
    })
    const exit = new Promise<number | null>(r => child.on('exit', code => r(code)))
    let buf = ''
    let told = false
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString('utf8')
      const nl = buf.indexOf('\n')
      if (nl !== -1 && !told) {
        told = true
        resolve({ child, line: buf.slice(0, nl), exit })
      }
    })
    child.on('error', reject)
    void exit.then(code => reject(new Error(`parity.py ${command} exited ${code} before its first line`)))
    child.stdin!.end(JSON.stringify(request))
  })
}
