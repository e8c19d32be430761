import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { keyScalar, valueScalar, looksLikeJinja } from '../src/playbook/yaml-scalar.js'
import { ansibleLoad, type Loaded } from './helpers/ansible-loader.js'

// Strings Ansible/PyYAML would otherwise read as something else (DESIGN.md "YAML facts checked here").
const TRICKY = [
  '', ' ', 'yes', 'No', 'OFF', 'on', 'y', 'n', 'true', 'False', '~', 'null', 'NULL', '0644', '0x1F',
  '0b101', '1:20', '190:20:30', '1e3', '1.0', '.inf', '-.INF', '.nan', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '1_000', '+12', '{{ x }}', '{% if %}', '{# c #}', '#c', '@x', '`x', '<<', '=', '- a', '? x', ': x',
  'a: b', 'a #b', '*alias', '&anchor', '!tag', '%directive', '|', '>', '[a]', '{a: b}', "'q'", '"d"',
  'line\nbreak', 'trail\n', '\n', 'cr\rlf', 'tab\tx', ' lead', 'trail ', '\u2028', 'a\u2029b', '\u0085',
  '\ufeffbom', 'caf\u00e9', '\u{1f600}', 'back\\slash', '\x01\x7f\x9f', '---', '...', '- ', 'a\\/b'
]

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Any Unicode text without NUL or lone surrogates (key names and values are valid UTF-8). */
const text = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom(...'{}%#:-?\'"\\ \t\n\r\u2028\u0085yesno01.~<=!&*|>[],'.split('')), maxLength: 8 }),
    fc.constantFrom(...TRICKY)
  )
  .filter(s => !s.includes('\0') && !LONE_SURROGATE.test(s))

function expected(s: string, asValue: boolean): Loaded {
  return asValue && looksLikeJinja(s) ? { '!unsafe': s } : s
}

describe('scalar styles read back by Ansible', () => {
  it('keeps every tricky value and key exactly', () => {
    const doc = TRICKY.map(s => `- ${keyScalar(s)}: ${valueScalar(s)}\n`).join('')
    const [loaded] = ansibleLoad(doc)
    expect(loaded).toEqual(TRICKY.map(s => ({ '!map': [[s, expected(s, true)]] })))
  })

  it('keeps random strings exactly, nested as in a generated task', () => {
    const samples = fc.sample(fc.array(text, { minLength: 1, maxLength: 4 }), { numRuns: 400, seed: 42 })
    const strings = samples.flat()
    // the indentation of a deep generated tree: keys at several levels, values in item lists
    const doc = strings
      .map(
        s =>
          `- tasks:\n    - keys:\n        - ${keyScalar(s)}:\n            - value: ${valueScalar(s)}\n`
      )
      .join('')
    const [loaded] = ansibleLoad(doc)
    const want = strings.map(s => ({
      '!map': [
        [
          'tasks',
          [{ '!map': [['keys', [{ '!map': [[s, [{ '!map': [['value', expected(s, true)]] }]]] }]]] }]
        ]
      ]
    }))
    expect(loaded).toEqual(want)
  })

  it('tags exactly the strings Jinja would evaluate', () => {
    expect(valueScalar('{{ x }}')).toBe("!unsafe '{{ x }}'")
    expect(valueScalar('a { {')).toBe("'a { {'")
    expect(valueScalar('{%')).toMatch(/^!unsafe /)
    expect(valueScalar('{#')).toMatch(/^!unsafe /)
  })

  it('writes safe keys plain and quotes the rest', () => {
    expect(keyScalar('port')).toBe('port')
    expect(keyScalar('user:/tests/app')).toBe('user:/tests/app')
    expect(keyScalar('a\\/b')).toBe('a\\/b')
    expect(keyScalar('yes')).toBe("'yes'")
    expect(keyScalar('#0')).toBe("'#0'")
    expect(keyScalar('<<')).toBe("'<<'")
    expect(keyScalar('8080')).toBe("'8080'")
  })
})
