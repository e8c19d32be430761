// Representative sessions for the export tests (golden playbooks, commands scripts, validate).
import { Key } from '../../src/kdb/key.js'
import { KeySet } from '../../src/kdb/keyset.js'
import { parseKeyName } from '../../src/kdb/keyname.js'
import type { SessionInput } from '../../src/playbook/declarations.js'

const ks = (...keys: Key[]): KeySet => new KeySet(keys)
const k = (name: string, value: string | Uint8Array | null, meta?: Record<string, string>): Key =>
  Key.create(name, value, meta)

export function session(parts: {
  added?: Key[]
  modified?: Array<[Key, Key]>
  removed?: Key[]
  asserts?: Key[]
}): SessionInput {
  return {
    diff: {
      parent: parseKeyName('/'),
      added: ks(...(parts.added ?? [])),
      modifiedOld: ks(...(parts.modified ?? []).map(p => p[0])),
      modifiedNew: ks(...(parts.modified ?? []).map(p => p[1])),
      removed: ks(...(parts.removed ?? []))
    },
    asserts: ks(...(parts.asserts ?? []))
  }
}

/** name → session; each one shows one feature of the export. */
export const SESSIONS: Record<string, SessionInput> = {
  empty: session({}),
  added: session({ added: [k('user:/tests/app/port', '8080'), k('user:/tests/app/name', 'demo')] }),
  modified: session({
    modified: [[k('user:/tests/app/name', 'demo'), k('user:/tests/app/name', 'demo2')]]
  }),
  removed: session({ removed: [k('user:/tests/app/old', 'gone', { type: 'string' })] }),
  meta: session({
    added: [
      k('user:/tests/app/port', '8080', { type: 'unsigned_long', 'comment/#0': 'the port', 'check/range': '1-65535' }),
      k('user:/tests/app/empty', null, { description: 'no value' }),
      k('user:/tests/app/greeting', "it's {{ me }}", { 'elektra/export/variable': 'greeting_text' })
    ]
  }),
  asserts: session({
    modified: [[k('system:/tests/app/log', 'debug'), k('system:/tests/app/log', 'info')]],
    asserts: [k('system:/tests/app/mode', 'production'), k('system:/tests/app/absent', null, { 'elektra/deleted': '1' })]
  }),
  'two-namespaces': session({
    added: [k('user:/tests/app/port', '8080'), k('system:/tests/app/log', 'info')],
    removed: [k('user:/tests/app/old', 'x')]
  }),
  'all-namespaces': session({
    added: [
      k('spec:/tests/app/port', '', { type: 'unsigned_long', default: '8080' }),
      k('dir:/tests/app/local', 'yes'),
      k('user:/tests/app/port', '9090'),
      k('system:/tests/app/port', '80')
    ]
  }),
  'yaml-looking': session({
    added: [
      'yes', 'Off', '~', 'null', '0644', '0x1F', '1:20', '1e3', '.inf', '2001-12-14', '<<', '=', '#c', '@x',
      '- item', 'a: b', '', ' padded ', 'multi\nline\n', 'tab\there', 'caf\u00e9 \u2028 \u{1f600}', "quo'te", 'back\\slash'
    ].map((v, i) => k(`user:/tests/yaml/v${String(i).padStart(2, '0')}`, v))
  }),
  'jinja-looking': session({
    added: [
      k('user:/tests/jinja/expr', '{{ lookup("pipe", "id") }}'),
      k('user:/tests/jinja/stmt', '{% for x in y %}{% endfor %}'),
      k('user:/tests/jinja/comment', '{# hidden #}'),
      k('user:/tests/jinja/harmless', '{ not jinja }')
    ]
  }),
  binary: session({
    added: [
      k('user:/tests/bin/data', new Uint8Array([0, 1, 2, 0xfe, 0xff])),
      k('user:/tests/bin/none', null, { binary: '' }),
      k('user:/tests/bin/text', 'plain')
    ]
  }),
  'odd-names': session({
    added: [
      k('user:/tests/odd/a\\/b', 'slash in a part'),
      k('user:/tests/odd/%', 'empty part'),
      k('user:/tests/odd/\\#12', 'literal hash part'),
      k('user:/tests/odd/#_12', 'array element'),
      k('user:/tests/odd/yes', 'a YAML word as a part'),
      k('user:/tests/odd/with space/x', 'space'),
      k('user:/tests/odd/back\\\\slash', 'backslash')
    ]
  }),
  nested: session({
    added: [
      k('user:/tests/app', 'root value'),
      k('user:/tests/app/db/host', 'localhost'),
      k('user:/tests/app/db/port', '5432', { type: 'unsigned_short' }),
      k('user:/tests/app/db', 'postgres'),
      k('user:/tests/app/db/user/name', 'admin')
    ],
    removed: [k('user:/tests/app/legacy', 'x')]
  })
}
