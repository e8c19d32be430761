// Environment interpolation of molecule.yml, as molecule does it before parsing:
// `$NAME`, `${NAME}`, `${NAME:-default}` (default when unset or empty), `${NAME-default}` (when unset),
// and `$$` for a literal dollar sign.

export class InterpolationError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    message: string
  ) {
    super(`${file}:${line}:${column}: ${message}`)
  }
}

const pattern = /\$(?:(\$)|([A-Za-z_][A-Za-z0-9_]*)|\{([^}]*)\}|)/g

export function interpolate(text: string, env: Record<string, string | undefined>, file = '<molecule.yml>'): string {
  return text.replace(pattern, (match, dollar, bare, braced, offset: number) => {
    if (dollar !== undefined) return '$'
    if (bare !== undefined) return env[bare] ?? ''
    if (braced !== undefined) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?$/s.exec(braced)
      if (m) {
        const value = env[m[1]!]
        if (m[2] === ':-') return value === undefined || value === '' ? m[3]! : value
        if (m[2] === '-') return value === undefined ? m[3]! : value
        return value ?? ''
      }
    }
    const before = text.slice(0, offset)
    const line = before.split('\n').length
    const column = offset - before.lastIndexOf('\n')
    throw new InterpolationError(
      file,
      line,
      column,
      `invalid interpolation ${JSON.stringify(match)} (use $$ for a literal $)`
    )
  })
}
