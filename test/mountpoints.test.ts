import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MountpointError } from '../src/kdb/errors.js'
import { Key } from '../src/kdb/key.js'
import { addName, parseKeyName } from '../src/kdb/keyname.js'
import { builtinBackends, MountTable, tableKeyOf } from '../src/kdb/mountpoints.js'
import type { KdbEnv } from '../src/kdb/paths.js'

const env: KdbEnv = { root: '/r', home: '/h', cwd: '/w' }

/** Keys of one mountpoint table entry, as `kdb mount FILE MOUNTPOINT PLUGIN` writes them. */
function entry(mountpoint: string, file: string, plugin = 'dump', extra: Record<string, string> = {}): Key[] {
  const base = tableKeyOf(mountpoint)
  const values: Record<string, string> = {
    '': 'This is a mountpoint',
    'definition/path': file,
    'definition/positions/get/resolver': 'resolver',
    'definition/positions/get/storage': 'storage',
    'definition/positions/set/resolver': 'resolver',
    'definition/positions/set/storage': 'storage',
    'plugins/backend/name': 'backend',
    'plugins/resolver/name': 'resolver_fm_hpu_b',
    'plugins/storage/name': plugin,
    ...extra
  }
  return Object.entries(values).map(([rel, v]) => Key.create(rel === '' ? base : addName(base, rel), v))
}

const route = (t: MountTable, name: string) => t.route(parseKeyName(name))
const fileOf = (t: MountTable, name: string) => route(t, name)?.file

describe('mountpoint table', () => {
  it('has libelektra 0.11 built-ins', () => {
    const t = new MountTable(builtinBackends(env))
    expect(fileOf(t, 'user:/app/x')).toBe('/h/.config/default.ecf')
    expect(fileOf(t, 'system:/app')).toBe('/r/etc/kdb/default.ecf')
    expect(fileOf(t, 'spec:/app')).toBe('/r/usr/share/elektra/specification/default.ecf')
    expect(fileOf(t, 'dir:/app')).toBe('/w/.dir/default.ecf')
    expect(fileOf(t, 'system:/elektra/mountpoints/x')).toBe('/r/etc/kdb/elektra.ecf')
    expect(fileOf(t, 'system:/elektra/record/config/active')).toBe('/r/etc/kdb/elektra.ecf')
    expect(fileOf(t, 'system:/elektra/record/session/diff/added/a')).toBe('/r/etc/kdb/record-session.cfg')
    expect(fileOf(t, 'user:/elektra/record/session')).toBe('/h/.config/record-session.cfg')
    expect(fileOf(t, 'user:/elektra/record/other')).toBe('/h/.config/default.ecf')
    expect(route(t, 'system:/elektra/version/constants')?.virtual).toBe(true)
    for (const n of ['/app', 'proc:/app', 'default:/app', 'meta:/app']) expect(route(t, n)).toBeNull()
  })

  it('routes to the most specific table entry, resolving its path per namespace', () => {
    const t = MountTable.fromKeys(
      [...entry('user:/app', 'app.ecf'), ...entry('user:/app/deep', '/abs/deep.ecf'), ...entry('system:/hosts', '/etc/hosts', 'hosts')],
      env
    )
    expect(fileOf(t, 'user:/app')).toBe('/h/.config/app.ecf')
    expect(fileOf(t, 'user:/app/x/y')).toBe('/h/.config/app.ecf')
    expect(fileOf(t, 'user:/app/deep/z')).toBe('/h/abs/deep.ecf')
    expect(fileOf(t, 'user:/apple')).toBe('/h/.config/default.ecf')
    const hosts = route(t, 'system:/hosts/ipv4')
    expect(hosts).toMatchObject({ plugin: 'hosts', file: '/r/etc/hosts', definedAs: 'system:/hosts', builtin: false })
  })

  it('instantiates a cascading entry for dir, user and system', () => {
    const t = MountTable.fromKeys(entry('/app', 'app.ecf'), env)
    expect(fileOf(t, 'dir:/app/a')).toBe('/w/.dir/app.ecf')
    expect(fileOf(t, 'user:/app/a')).toBe('/h/.config/app.ecf')
    expect(fileOf(t, 'system:/app/a')).toBe('/r/etc/kdb/app.ecf')
    expect(fileOf(t, 'spec:/app/a')).toBe('/r/usr/share/elektra/specification/default.ecf')
    expect(route(t, 'user:/app')?.definedAs).toBe('/app')
  })

  it('takes the storage plugin from positions and notices the fullname config', () => {
    const t = MountTable.fromKeys(
      [
        ...entry('user:/a', 'a.ini', 'ini'),
        ...entry('user:/b', 'b.ecf', 'dump', { 'plugins/storage/config/fullname': '' })
      ],
      env
    )
    expect(route(t, 'user:/a')).toMatchObject({ plugin: 'ini', fullNames: false })
    expect(route(t, 'user:/b')).toMatchObject({ plugin: 'dump', fullNames: true })
  })

  it('lists the backends covering a scope, nested ones included', () => {
    const t = MountTable.fromKeys([...entry('user:/app', 'app.ecf'), ...entry('user:/app/deep', 'deep.ecf')], env)
    const names = (s: string) => t.covering(parseKeyName(s)).map(b => b.mountpoint.canonical)
    expect(names('user:/app')).toEqual(['user:/app', 'user:/app/deep'])
    expect(names('user:/app/deep/x')).toEqual(['user:/app/deep'])
    expect(names('user:/')).toEqual(['user:/', 'user:/app', 'user:/app/deep', 'user:/elektra/record/session'])
    expect(names('/app')).toEqual(['spec:/', 'dir:/', 'user:/app', 'user:/app/deep', 'system:/'])
    expect(names('system:/elektra')).toEqual([
      'system:/elektra',
      'system:/elektra/modules',
      'system:/elektra/record/session',
      'system:/elektra/version'
    ])
  })

  it('names the table key of an entry it cannot use', () => {
    const noPath = entry('user:/app', 'x').filter(k => !k.name.canonical.endsWith('definition/path'))
    expect(() => MountTable.fromKeys(noPath, env)).toThrow(MountpointError)
    expect(() => MountTable.fromKeys(noPath, env)).toThrow('system:/elektra/mountpoints/user:\\/app: missing definition/path')
    expect(() => MountTable.fromKeys(entry('system:/elektra/x', 'x'), env)).toThrow(/not allowed/)
  })

  it('escapes mountpoint names as one part', () => {
    expect(tableKeyOf('user:/my/app').canonical).toBe('system:/elektra/mountpoints/user:\\/my\\/app')
    expect(tableKeyOf('/hosts').canonical).toBe('system:/elektra/mountpoints/\\/hosts')
    expect(path.isAbsolute(builtinBackends(env)[0]!.file)).toBe(true)
  })
})
