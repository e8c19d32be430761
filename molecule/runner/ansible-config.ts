// ansible.cfg for a scenario run, as molecule writes one into the ephemeral directory: its defaults,
// overridden by provisioner.config_options ({section: {option: value}}).

const defaults: Record<string, Record<string, unknown>> = {
  defaults: {
    retry_files_enabled: false,
    host_key_checking: false,
    interpreter_python: 'auto_silent',
    nocows: 1,
    forks: 50
  },
  ssh_connection: {
    scp_if_ssh: true
  }
}

export function ansibleConfig(configOptions: Record<string, Record<string, unknown>> | undefined): string {
  const sections = new Map<string, Record<string, unknown>>()
  for (const source of [defaults, configOptions ?? {}]) {
    for (const [section, options] of Object.entries(source)) {
      sections.set(section, { ...(sections.get(section) ?? {}), ...options })
    }
  }
  const lines: string[] = []
  for (const [section, options] of sections) {
    lines.push(`[${section}]`)
    for (const [option, value] of Object.entries(options)) {
      const text = typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value)
      if (/[\n\r]/.test(text)) throw new Error(`config_options.${section}.${option}: value must be one line`)
      lines.push(`${option} = ${text}`)
    }
    lines.push('')
  }
  return lines.join('\n')
}
