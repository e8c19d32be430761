// The inventory molecule gives ansible-playbook for the delegated driver: every platform under
// `all.hosts`, with connection options taken from the instance config that create.yml wrote
// (molecule's instance_config.yml: a list of {instance, address, user, port, identity_file, …}),
// molecule's variables under `all.vars`, platform groups as children, provisioner.inventory vars merged.
import { existsSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'
import type { Scenario } from './scenario.js'

export interface InstanceConfig {
  instance: string
  address?: string
  user?: string
  port?: string | number
  identity_file?: string
  password?: string
  connection?: string
  become_method?: string
  become_pass?: string
  shell_type?: string
  [other: string]: unknown
}

// molecule's own ssh options for delegated instances reached with a key
export const sshCommonArgs = [
  '-o UserKnownHostsFile=/dev/null',
  '-o ControlMaster=auto',
  '-o ControlPersist=60s',
  '-o ForwardX11=no',
  '-o LogLevel=ERROR',
  '-o IdentitiesOnly=yes',
  '-o StrictHostKeyChecking=no'
].join(' ')

export function readInstanceConfig(file: string): InstanceConfig[] {
  if (!existsSync(file)) return []
  const data = parse(readFileSync(file, 'utf8')) as unknown
  // destroy playbooks reset it to an empty list or mapping
  if (data === null || data === undefined || (typeof data === 'object' && !Array.isArray(data))) return []
  if (!Array.isArray(data)) throw new Error(`${file}: instance config must be a list`)
  return data.map((item, i) => {
    if (typeof item !== 'object' || item === null || typeof (item as InstanceConfig).instance !== 'string') {
      throw new Error(`${file}: item ${i} has no 'instance' name`)
    }
    return item as InstanceConfig
  })
}

export function connectionVars(config: InstanceConfig): Record<string, unknown> {
  const vars: Record<string, unknown> = {}
  for (const [option, fallback] of [
    ['become_pass', undefined],
    ['become_method', undefined],
    ['shell_type', undefined],
    ['connection', 'smart']
  ] as const) {
    const value = config[option] ?? fallback
    if (value !== undefined && value !== '') vars[`ansible_${option}`] = value
  }
  vars.ansible_user = config.user
  vars.ansible_host = config.address
  vars.ansible_port = config.port
  if (config.identity_file) {
    vars.ansible_private_key_file = config.identity_file
    vars.ansible_ssh_common_args = sshCommonArgs
  }
  if (config.password) {
    vars.ansible_password = config.password
    vars.ansible_ssh_pass = config.password
  }
  return vars
}

export interface MoleculePaths {
  ephemeralDir: string
  instanceConfig: string
}

export function buildInventory(
  scenario: Scenario,
  paths: MoleculePaths,
  instances: InstanceConfig[]
): Record<string, unknown> {
  const byName = new Map(instances.map(i => [i.instance, i]))
  const hostVars = scenario.config.provisioner?.inventory?.host_vars ?? {}
  const groupVars = scenario.config.provisioner?.inventory?.group_vars ?? {}
  const hosts: Record<string, Record<string, unknown>> = {}
  const children: Record<string, { hosts: Record<string, null>; vars?: Record<string, unknown> }> = {}
  for (const platform of scenario.config.platforms) {
    const config = byName.get(platform.name)
    hosts[platform.name] = {
      ...(config ? connectionVars(config) : {}),
      ...(hostVars[platform.name] ?? {})
    }
    for (const group of platform.groups ?? []) {
      ;(children[group] ??= { hosts: {} }).hosts[platform.name] = null
    }
  }
  for (const [group, vars] of Object.entries(groupVars)) {
    if (group === 'all') continue
    ;(children[group] ??= { hosts: {} }).vars = vars
  }
  return {
    all: {
      hosts,
      vars: {
        molecule_file: scenario.file,
        molecule_ephemeral_directory: paths.ephemeralDir,
        molecule_scenario_directory: scenario.dir,
        molecule_yml: "{{ lookup('file', molecule_file) | from_yaml }}",
        molecule_instance_config: paths.instanceConfig,
        molecule_no_log: false,
        ...(groupVars.all ?? {})
      },
      ...(Object.keys(children).length > 0 ? { children } : {})
    }
  }
}
