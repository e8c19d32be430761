// The key database through a real libelektra `kdb` binary (for hosts with Elektra installed): every
// storage plugin works, libelektra does the file handling; we only add our lock protocol on top.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { fileIdentity } from './atomic-write.js'
import { readDump } from './dump-read.js'
import { writeDump } from './dump-write.js'
import { touchedNames } from './embedded-store.js'
import type { KeyName } from './keyname.js'
import { KeySet } from './keyset.js'
import { withLocks } from './lock.js'
import { MountTable, MOUNTPOINTS_ROOT, namespacedScopes, type Backend } from './mountpoints.js'
import { newDirMode, type KdbEnv } from './paths.js'
import type { Mutate, Store, UpdateOptions, WriteResult, WrittenBackend } from './store.js'

/** One `kdb` invocation: argv without the command; `input` goes to a temp file appended to argv. */
export interface KdbCall {
  args: string[]
  input?: Uint8Array
}

export interface KdbOutput {
  stdout: Uint8Array
  stderr: string
  exitCode: number
}

export type KdbRunner = (call: KdbCall) => Promise<KdbOutput>

/** A `kdb` call failed; the message names the command line and repeats kdb's own error. */
export class KdbCommandError extends Error {
  readonly exitCode = 1
  readonly args: string[]
  readonly status: number
  constructor(command: string, args: string[], status: number, stderr: string) {
    super(`${[command, ...args].map(shellQuote).join(' ')} failed (exit ${status}): ${stderr.trim()}`)
    this.name = 'KdbCommandError'
    this.args = args
    this.status = status
  }
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_:/.=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/** Runs `command` with execa in the store's home and working directory. */
export function execaRunner(command: string, env: KdbEnv): KdbRunner {
  return async call => {
    const r = await execa(command, call.args, {
      stdin: 'ignore',
      encoding: 'buffer',
      reject: false,
      cwd: env.cwd,
      env: { HOME: env.home },
      stripFinalNewline: false
    })
    if (r.failed && r.exitCode === undefined)
      throw new KdbCommandError(command, call.args, -1, r.shortMessage ?? 'could not run')
    return {
      stdout: new Uint8Array(r.stdout as Uint8Array),
      stderr: Buffer.from(r.stderr as Uint8Array).toString('utf8'),
      exitCode: r.exitCode ?? -1
    }
  }
}

/** Is there a `kdb` binary on PATH (or at `command`)? */
export async function kdbAvailable(command = 'kdb'): Promise<boolean> {
  const r = await execa(command, ['--version'], { reject: false })
  return r.exitCode === 0
}

const decoder = new TextDecoder()

/** `--` ends options, so that values starting with `-` are not parsed as options. */
function positional(args: string[]): string[] {
  return args.some(a => a.startsWith('-')) ? ['--', ...args] : args
}

/**
 * The `kdb` calls that turn `before` into `after` for the `touched` names: `rm` for removed keys
 * (deepest first), `set` + `meta-set`/`meta-rm` for string keys, and for binary keys (which
 * `kdb set` cannot write) an `import -s import` of a one-key dump at the key's own name, which
 * replaces that key only.
 */
export function planKdbCalls(before: KeySet, after: KeySet, touched: ReadonlySet<string>): KdbCall[] {
  const calls: KdbCall[] = []
  const removed = before.toArray().filter(k => touched.has(k.name.sortKey) && !after.has(k.name))
  for (const k of removed.reverse()) calls.push({ args: ['rm', k.name.canonical] })
  for (const k of after) {
    if (!touched.has(k.name.sortKey)) continue
    const old = before.lookup(k.name)
    const name = k.name.canonical
    if (k.isBinary()) {
      const one = new KeySet([k])
      calls.push({ args: ['import', '-s', 'import', name, 'dump'], input: writeDump(one, k.name, {}) })
      continue
    }
    const value = typeof k.value === 'string' ? k.value : ''
    const oldValue = old === undefined || old.isBinary() ? null : typeof old.value === 'string' ? old.value : ''
    if (oldValue === null || oldValue !== value) calls.push({ args: ['set', ...positional([name, value])] })
    const oldMeta = old === undefined || old.isBinary() ? new Map<string, string>() : old.meta
    for (const [m, v] of k.metaEntries())
      if (oldMeta.get(m) !== v) calls.push({ args: ['meta-set', ...positional([name, m, v])] })
    for (const m of oldMeta.keys()) if (!k.meta.has(m)) calls.push({ args: ['meta-rm', name, m] })
  }
  return calls
}

export interface KdbBinaryStoreOptions {
  /** The `kdb` command (default `kdb`). */
  command?: string
  /** How to run it (default: execa); tests pass a recorder when no binary exists. */
  run?: KdbRunner
}

export class KdbBinaryStore implements Store {
  readonly kind = 'kdb' as const
  readonly env: KdbEnv
  readonly command: string
  private readonly run: KdbRunner

  constructor(env: KdbEnv, opts: KdbBinaryStoreOptions = {}) {
    this.env = env
    this.command = opts.command ?? 'kdb'
    this.run = opts.run ?? execaRunner(this.command, env)
  }

  /**
   * Runs one call. Data never goes through stdin/stdout: kdb's import and export open /dev/stdin and
   * /dev/stdout by name, which fails (ENXIO) when those are sockets, as a spawned child's are; so
   * `input` is written to a temp file whose path is appended, and `output` appends a temp file path
   * whose content is returned. kdb reports some errors with exit code 0, hence the stderr check.
   */
  private async call(args: string[], io: { input?: Uint8Array; output?: boolean } = {}): Promise<Uint8Array> {
    const needsFile = io.input !== undefined || io.output === true
    const dir = needsFile ? await mkdtemp(path.join(tmpdir(), 'ep-kdb-')) : ''
    try {
      const file = path.join(dir, 'data.ecf')
      if (io.input !== undefined) await writeFile(file, io.input, { mode: 0o600 })
      const argv = needsFile ? [...args, file] : args
      const out = await this.run({ args: argv })
      if (out.exitCode !== 0 || /issued the error/.test(out.stderr))
        throw new KdbCommandError(this.command, argv, out.exitCode, out.stderr)
      if (io.output !== true) return out.stdout
      try {
        return await readFile(file)
      } catch (e) {
        throw new KdbCommandError(this.command, argv, out.exitCode, `no output file: ${(e as Error).message}`)
      }
    } finally {
      if (needsFile) await rm(dir, { recursive: true, force: true })
    }
  }

  /** `kdb export <scope> dump FILE` per namespace of the scope. */
  async read(scope: KeyName): Promise<KeySet> {
    const out = new KeySet()
    for (const s of namespacedScopes(scope)) {
      const bytes = await this.call(['export', s.canonical, 'dump'], { output: true })
      out.addAll(readDump(bytes, s, { file: `${this.command} export ${s.canonical}` }))
    }
    return out
  }

  /** The mountpoint table as libelektra sees it, with files as `kdb file` resolves them. */
  async mountTable(): Promise<MountTable> {
    const keys = await this.read(MOUNTPOINTS_ROOT)
    const guessed = MountTable.fromKeys(keys, this.env)
    const resolved: Backend[] = []
    for (const b of guessed.backends) {
      if (b.virtual) {
        resolved.push(b)
        continue
      }
      const file = decoder.decode(await this.call(['file', b.mountpoint.canonical])).trim()
      resolved.push({ ...b, file: file === '' ? b.file : file })
    }
    return new MountTable(resolved)
  }

  async backends(): Promise<Backend[]> {
    return [...(await this.mountTable()).backends]
  }

  async mountpointFor(name: KeyName): Promise<Backend | null> {
    return (await this.mountTable()).route(name)
  }

  async update(scope: KeyName, mutate: Mutate, opts: UpdateOptions = {}): Promise<WriteResult> {
    const table = await this.mountTable()
    const backends = table.covering(scope).filter(b => !b.virtual)
    const targets = backends.map(b => ({ file: b.file, dirMode: newDirMode(b.namespace), optional: true }))
    return withLocks(
      targets,
      async () => {
        const before = await this.read(scope)
        const view = before.clone()
        await mutate(view)
        const touched = touchedNames(before, view)
        const changed = new Set<Backend>()
        for (const k of [...before, ...view]) {
          if (!touched.has(k.name.sortKey)) continue
          const b = table.route(k.name)
          if (b !== null && !b.virtual) changed.add(b)
        }
        const previous = new Map<Backend, Awaited<ReturnType<typeof fileIdentity>>>()
        for (const b of changed) previous.set(b, await fileIdentity(b.file))
        for (const c of planKdbCalls(before, view, touched))
          await this.call(c.args, c.input === undefined ? {} : { input: c.input })
        const after = await this.read(scope)
        const written: WrittenBackend[] = []
        for (const b of changed) {
          const identity = await fileIdentity(b.file)
          written.push({ backend: b, file: b.file, previous: previous.get(b) ?? null, identity })
        }
        const result: WriteResult = { before, after, touched, files: written.map(w => w.file), written }
        if (opts.afterWrite !== undefined) await opts.afterWrite(result)
        return result
      },
      { first: opts.extraLocks ?? [], timeoutMs: opts.lockTimeoutMs }
    )
  }
}
