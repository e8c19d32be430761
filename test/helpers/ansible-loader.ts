// Runs test/helpers/ansible-loader.py: YAML text → what Ansible's own loader reads (tagged JSON).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./ansible-loader.py', import.meta.url))

export type Loaded =
  | string
  | Loaded[]
  | { '!unsafe': string }
  | { '!map': Array<[Loaded, Loaded]> }
  | { '!type': string; repr: string }

/** Every document of `text` as Ansible loads it; throws with the loader's message on failure. */
export function ansibleLoad(text: string): Loaded[] {
  const r = spawnSync('/usr/bin/python3', [script], { input: text, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`AnsibleLoader failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as Loaded[]
}
