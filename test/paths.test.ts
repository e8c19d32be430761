import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  bootstrapFile,
  defaultFile,
  envFromProcess,
  newDirMode,
  newFileMode,
  recordLockTarget,
  resolveFile,
  sessionFile
} from '../src/kdb/paths.js'
import { makeTempRoot, type TempRoot } from './helpers/temp-root.js'

describe('default file locations', () => {
  let t: TempRoot
  beforeEach(async () => {
    t = await makeTempRoot()
  })
  afterEach(async () => {
    await t.cleanup()
  })

  it('puts system, bootstrap and spec files below the root', () => {
    expect(defaultFile('system', t.env)).toBe(path.join(t.root, 'etc/kdb/default.ecf'))
    expect(bootstrapFile(t.env)).toBe(path.join(t.root, 'etc/kdb/elektra.ecf'))
    expect(defaultFile('spec', t.env)).toBe(
      path.join(t.root, 'usr/share/elektra/specification/default.ecf')
    )
  })

  it('puts user files in $HOME/.config without the root prefix', () => {
    expect(defaultFile('user', t.env)).toBe(path.join(t.home, '.config/default.ecf'))
  })

  it('normalises the home directory like a key name', () => {
    const env = { ...t.env, home: `${t.home}//x/../` }
    expect(defaultFile('user', env)).toBe(path.join(t.home, '.config/default.ecf'))
  })

  it('finds the dir file upward from cwd, else uses cwd/.dir', async () => {
    const deep = path.join(t.cwd, 'a/b/c')
    await mkdir(deep, { recursive: true })
    const env = { ...t.env, cwd: deep }
    expect(defaultFile('dir', env)).toBe(path.join(deep, '.dir/default.ecf'))
    await mkdir(path.join(t.cwd, 'a/.dir'))
    await writeFile(path.join(t.cwd, 'a/.dir/default.ecf'), '')
    expect(defaultFile('dir', env)).toBe(path.join(t.cwd, 'a/.dir/default.ecf'))
    // the session file sits beside the default.ecf found
    expect(sessionFile('dir', env)).toBe(path.join(t.cwd, 'a/.dir/record-session.cfg'))
  })

  it('resolves absolute and ~ mount paths per namespace', () => {
    expect(resolveFile('system', '/etc/hosts', t.env)).toBe(path.join(t.root, 'etc/hosts'))
    expect(resolveFile('system', '~/x.ecf', t.env)).toBe(path.join(t.home, 'x.ecf'))
    expect(resolveFile('user', '/abs.ecf', t.env)).toBe(path.join(t.home, 'abs.ecf'))
    expect(resolveFile('user', 'app.ecf', t.env)).toBe(path.join(t.home, '.config/app.ecf'))
    expect(resolveFile('spec', 'app.ecf', t.env)).toBe(
      path.join(t.root, 'usr/share/elektra/specification/app.ecf')
    )
    expect(resolveFile('dir', '/abs.ecf', t.env)).toBe(path.join(t.cwd, 'abs.ecf'))
  })

  it('without a root uses the real system paths', () => {
    const env = { root: '', home: '/home/u', cwd: '/tmp' }
    expect(bootstrapFile(env)).toBe('/etc/kdb/elektra.ecf')
    expect(defaultFile('spec', env)).toBe('/usr/share/elektra/specification/default.ecf')
  })

  it('places session files beside each default.ecf and the record lock in the system dir', () => {
    expect(sessionFile('user', t.env)).toBe(path.join(t.home, '.config/record-session.cfg'))
    expect(sessionFile('system', t.env)).toBe(path.join(t.root, 'etc/kdb/record-session.cfg'))
    expect(recordLockTarget(t.env)).toBe(path.join(t.root, 'etc/kdb/record-session.cfg'))
  })

  it('uses libelektra default modes', () => {
    expect([newFileMode('user'), newFileMode('dir'), newFileMode('system'), newFileMode('spec')]).toEqual([
      0o600, 0o600, 0o644, 0o644
    ])
    expect([newDirMode('user'), newDirMode('system')]).toEqual([0o700, 0o755])
  })

  it('reads the environment', () => {
    const env = envFromProcess({ ELEKTRA_PLAYBOOK_ROOT: '/r', HOME: '/h' }, '/w')
    expect(env).toEqual({ root: '/r', home: '/h', cwd: '/w' })
    expect(envFromProcess({ HOME: '/h' }, '/w').root).toBe('')
  })
})
