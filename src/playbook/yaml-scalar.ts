// Scalar styles for generated YAML: every string must come back unchanged through Ansible's loader
// (PyYAML/libyaml, YAML 1.1) and never be templated by Jinja. DESIGN.md "YAML facts checked here":
// the yaml package's own choice is wrong for `<<`, `=` and U+2028, so the style is chosen here.

/** Plain keys only from a small, safe alphabet; everything else is quoted. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\-/\\:]*$/
/** YAML 1.1 booleans and nulls (PyYAML's resolver plus `y`/`n` of the 1.1 spec). */
const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null)$/i
/** Characters that single quotes cannot carry verbatim: C0/C1 controls, DEL, YAML line breaks, BOM. */
const NEEDS_DOUBLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/
/** Strings Ansible's templar would evaluate. */
const JINJA = /\{[{%#]/

/** True when Ansible would treat the string as a Jinja template. */
export function looksLikeJinja(s: string): boolean {
  return JINJA.test(s)
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0')
}

/** A double-quoted scalar on one line, escaping everything outside the printable set. */
export function doubleQuoted(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0) as number
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += '\\x' + hex(c, 2)
    else if (c === 0x2028 || c === 0x2029 || c === 0xfeff || c === 0xfffe || c === 0xffff)
      out += '\\u' + hex(c, 4)
    else if (c >= 0xd800 && c <= 0xdfff) throw new TypeError('lone surrogate in a string')
    else out += ch
  }
  return out + '"'
}

/** A quoted scalar: single quotes when they carry the text verbatim, else double quotes. */
export function quoted(s: string): string {
  if (NEEDS_DOUBLE.test(s)) return doubleQuoted(s)
  return "'" + s.replace(/'/g, "''") + "'"
}

/** Anything that needs more than wrapping in single quotes. */
const SPECIAL = /[{'\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/

/** A string value: always quoted (§6.3), tagged `!unsafe` when Jinja would evaluate it. */
export function valueScalar(s: string): string {
  if (!SPECIAL.test(s)) return "'" + s + "'"
  return JINJA.test(s) ? '!unsafe ' + quoted(s) : quoted(s)
}

/** A map key: plain when unambiguous, else quoted. Ansible never templates keys of module args. */
export function keyScalar(s: string): string {
  if (PLAIN_KEY.test(s) && !RESERVED.test(s) && !s.endsWith(':')) return s
  return quoted(s)
}

/** A scalar that is templated on purpose (the rescue task's message, export variables). */
export function templateScalar(s: string): string {
  return quoted(s)
}
