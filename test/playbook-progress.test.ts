import { describe, expect, it } from 'vitest'
import { Key } from '../src/kdb/key.js'
import { exportAnsible } from '../src/playbook/export-ansible.js'
import { ttyProgress } from '../src/cli/progress.js'
import { session } from './helpers/sessions.js'

describe('export progress', () => {
  it('reports every 10 000 keys and at the end, only for long exports', () => {
    const keys = Array.from({ length: 25_000 }, (_, i) => Key.create(`user:/p/k${i}`, 'v'))
    const calls: Array<[number, number]> = []
    exportAnsible(session({ added: keys }), { onProgress: (d, t) => calls.push([d, t]) })
    expect(calls).toEqual([[10_000, 25_000], [20_000, 25_000], [25_000, 25_000]])
    const none: unknown[] = []
    exportAnsible(session({ added: keys.slice(0, 10) }), { onProgress: (d, t) => none.push([d, t]) })
    expect(none).toEqual([])
  })

  it('prints only to a terminal', () => {
    const written: string[] = []
    const fake = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream
    ttyProgress('export', fake)?.(5, 5)
    expect(written.join('')).toContain('export: 5/5 keys')
    expect(ttyProgress('export', { isTTY: false } as unknown as NodeJS.WriteStream)).toBeUndefined()
  })
})
