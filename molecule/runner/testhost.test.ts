// The test-host script itself: idempotent up/down, nothing left behind (processes, mounts, temp
// dirs), also when a start fails, and a clear refusal without root.
import { execa } from 'execa'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'shared', 'testhost.sh')
const canRun = (await execa('bash', [script, 'check'], { reject: false })).exitCode === 0

interface Instance {
  instance: string
  address: string
  identity_file: string
  state_dir: string
}

function processesMentioning(text: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(text)) pids.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return pids
}

const ssh = (host: Instance, command: string) =>
  execa(
    'ssh',
    [
      '-i',
      host.identity_file,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'BatchMode=yes',
      `root@${host.address}`,
      command
    ],
    { reject: false, stdin: 'ignore' }
  )

describe.skipIf(!canRun)('testhost.sh as root', () => {
  let work: string
  let env: Record<string, string>
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'testhost-test-'))
    // state dirs land in our own temp dir, so "nothing left" can be checked without races
    env = { TMPDIR: join(work, 'tmp') }
    mkdirSync(env.TMPDIR!)
  })
  afterAll(async () => {
    for (const name of ['alpha', 'beta']) {
      await execa('bash', [script, 'down', name, join(work, 'records')], { reject: false })
    }
    rmSync(work, { recursive: true, force: true })
  })

  const up = (name: string, address?: string) =>
    execa('bash', [script, 'up', name, join(work, 'records'), ...(address ? [address] : [])], {
      env,
      reject: false
    })
  const down = (name: string) => execa('bash', [script, 'down', name, join(work, 'records')], { env, reject: false })

  it('starts a reachable host with its own /etc and hostname, and keeps it on a second up', async () => {
    const first = await up('alpha')
    expect(first.exitCode, first.stderr).toBe(0)
    const host = JSON.parse(first.stdout) as Instance
    expect(host.address).toMatch(/^127\.0\.0\.\d+$/)
    const again = await up('alpha')
    expect(again.exitCode).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual(host)
    expect(again.stderr).toContain('already running')

    const r = await ssh(host, 'hostname; echo private > /etc/testhost-probe; cat /etc/testhost-probe; echo $HOME')
    expect(r.stdout.split('\n')).toEqual(['alpha', 'private', '/root'])
    expect(existsSync('/etc/testhost-probe')).toBe(false)
  })

  it('down ends every process the host ran, removes its temp dir, and is idempotent', async () => {
    const host = JSON.parse((await up('alpha')).stdout) as Instance
    // a detached process on the host must not survive it
    const marker = `testhost-marker-${process.pid}`
    await ssh(host, `nohup bash -c 'exec -a ${marker} sleep 600' >/dev/null 2>&1 &`)
    expect(processesMentioning(marker).length).toBe(1)
    expect(processesMentioning(host.state_dir).length).toBeGreaterThan(0)
    const first = await down('alpha')
    expect(first.exitCode, first.stderr).toBe(0)
    expect(existsSync(host.state_dir)).toBe(false)
    expect(processesMentioning(host.state_dir)).toEqual([])
    expect(processesMentioning(marker)).toEqual([])
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(host.state_dir)
    expect(existsSync(join(work, 'records', 'alpha'))).toBe(false)
    const second = await down('alpha')
    expect(second.exitCode).toBe(0)
  })

  it('a start that fails (address taken) leaves no record, temp dir or process', async () => {
    const alpha = JSON.parse((await up('alpha')).stdout) as Instance
    const before = readdirSync(env.TMPDIR!)
    const beta = await up('beta', alpha.address)
    expect(beta.exitCode).toBe(1)
    expect(beta.stderr).toContain(`${alpha.address}:22 is in use`)
    expect(readdirSync(env.TMPDIR!)).toEqual(before)
    expect(existsSync(join(work, 'records', 'beta'))).toBe(false)
    await down('alpha')
    expect(readdirSync(env.TMPDIR!)).toEqual([])
  })

  it('with an owner process: the host stops by itself once the owner is gone', async () => {
    const owner = execa('sleep', ['60'], { reject: false })
    const r = await execa('bash', [script, 'up', 'beta', join(work, 'records')], {
      env: { ...env, TESTHOST_OWNER_PID: String(owner.pid) },
      reject: false
    })
    expect(r.exitCode, r.stderr).toBe(0)
    const host = JSON.parse(r.stdout) as Instance
    expect(processesMentioning(host.state_dir).length).toBeGreaterThan(0)
    owner.kill('SIGKILL')
    await owner
    for (let i = 0; i < 100 && existsSync(host.state_dir); i++) await new Promise(ok => setTimeout(ok, 100))
    expect(existsSync(host.state_dir)).toBe(false)
    expect(processesMentioning(host.state_dir)).toEqual([])
    expect(existsSync(join(work, 'records', 'beta'))).toBe(false)
  })

  it('refuses addresses outside 127.0.0.0/8', async () => {
    const r = await up('beta', '10.0.0.1')
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('not a loopback address')
  })

  it('without root: a clear message and the "cannot run here" exit code', async () => {
    const r = await execa(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', script, 'up', 'gamma', join(work, 'nobody')],
      { reject: false }
    )
    expect(r.exitCode).toBe(77)
    expect(r.stderr).toContain('test hosts need root')
    expect(existsSync(join(work, 'nobody'))).toBe(false)
  })
})
