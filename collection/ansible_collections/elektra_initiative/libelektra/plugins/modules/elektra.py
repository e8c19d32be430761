#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: elektra
short_description: Set, remove and assert keys of the Elektra key database
version_added: 0.1.0
description:
  - Writes keys, values and metadata into Elektra's key database (KDB), removes keys, checks
    assertions, mounts dump-format files and stages changes of several tasks as one transaction.
  - Accepts three syntaxes. The legacy syntax of versions 0.1.x-0.2.x (C(mountpoint) plus a nested
    C(keys) map), the tree syntax of 0.3.0 (C(keys) as a list of namespace trees) and the single-key
    form C(key) + C(value) (+ C(meta)).
  - Without libelektra's Python bindings the module reads and writes Elektra's dump files directly
    (the C(embedded) backend); that backend cannot mount or write files of other storage plugins.
  - Idempotent; check mode writes nothing at all; diff mode shows every affected key before and after.
author:
  - elektra-playbook contributors
requirements:
  - python >= 3.9
  - for C(backend=libelektra) the libelektra Python bindings (python3-elektra) and, for mounting, the
    C(kdb) command
options:
  mountpoint:
    description:
      - Legacy syntax. The key below which C(keys) are written; its presence selects the legacy syntax.
      - Must be a namespaced name such as C(user:/app); cascading names are rejected.
    type: str
  filename:
    description:
      - Legacy syntax. File to mount at C(mountpoint); mounting happens when C(filename) is given.
    type: str
  resolver:
    description:
      - Legacy syntax. Resolver plugin of the mount.
    type: str
    default: resolver
  plugins:
    description:
      - 'Legacy syntax. Plugins of the mount, each C({PLUGIN: {option: value}}) or C({PLUGIN: null}).'
      - The embedded backend mounts only the C(dump) storage plugin.
    type: list
    elements: raw
  recommends:
    description:
      - Legacy syntax. Mount with the plugins the chosen plugins recommend.
    type: bool
    default: true
  mount:
    description:
      - Tree syntax. Mountpoints to create before the keys are written. An existing mountpoint with the
        same configuration is left alone; a different configuration is replaced.
    type: list
    elements: dict
    suboptions:
      mountpoint:
        description: Name of the mountpoint, e.g. C(system:/hosts) or cascading C(/app).
        type: str
        required: true
      file:
        description: File name given to the resolver.
        type: str
        required: true
      resolver:
        description: Resolver plugin.
        type: str
        default: resolver
      plugins:
        description: 'Plugins, each C({PLUGIN: {option: value}}); default C(dump) only.'
        type: list
        elements: raw
      includeRecommendedPlugins:
        description: Mount with recommended plugins.
        type: bool
        default: true
      forceRemount:
        description: Unmount and mount again on every run (not idempotent).
        type: bool
        default: false
      preserveKeys:
        description: Copy the keys that were visible below the mountpoint into the newly mounted file.
        type: bool
        default: false
  keys:
    description:
      - Legacy syntax (with C(mountpoint)). A nested map below C(mountpoint); the entries C(value) and
        C(meta) describe the current key; a scalar sets the value of C(mountpoint) itself.
      - Tree syntax. A list of maps from a namespace (C(user), C(system), C(spec), C(dir)) or a key name
        (C(user:/app)) to a tree. A scalar sets the value; a map holds children; a list holds items
        C(value), C(meta), C(keys), C(array), C(remove), C(assert).
      - Metadata C(elektra/deleted) (or C(elektra/removed)) or the item C(remove) removes a key; metadata
        C(elektra/assert) (or the item C(assert)) checks the key instead of writing it. Marker metadata is
        never stored.
    type: raw
  key:
    description:
      - Single-key syntax. The name of one key.
    type: str
  value:
    description:
      - Single-key syntax. The value of C(key); omitted keeps the existing value.
    type: raw
  meta:
    description:
      - Single-key syntax. Metadata of C(key) (names may be nested maps, joined with C(/)).
    type: dict
  deleted:
    description:
      - Single-key syntax. Remove C(key) (a missing key is fine); same as metadata C(elektra/deleted).
      - Omitted means false.
    type: bool
  assert:
    description:
      - Single-key syntax. Check C(key) instead of writing it; with C(deleted) check that it is absent.
      - Omitted means false.
    type: bool
  remove:
    description:
      - 'Keys removed before the keys of C(keys) are written; each a key name or C({NAME: {recursive: true}}).'
      - A cascading name (C(/app)) means that path in every namespace.
      - A recursive removal keeps Elektra's own keys below C(<namespace>:/elektra) (mountpoints,
        recording) unless the name given is at or below them.
    type: list
    elements: raw
  keepOrder:
    description:
      - Give new keys an C(order) metadata in document order (after their existing siblings).
    type: bool
    default: false
    aliases: [keeporder]
  record:
    description:
      - Session recording of the host (libelektra 0.11). Omitted in the tree syntax, the module resets the
        session and enables recording for C(/) (0.3.0 compatibility); omitted in the legacy and single-key
        syntax, recording is not touched. Generated playbooks pass C(skip=true).
    type: dict
    aliases: [recording]
    suboptions:
      skip:
        description: Leave recording alone.
        type: bool
        default: false
      enable:
        description: Recording is enabled after the task.
        type: bool
        default: true
      parentKey:
        description: Recorded subtree when enabled.
        type: str
        default: /
      reset:
        description: Clear the recorded session.
        type: bool
        default: true
      recordAnsible:
        description: Record the changes this task makes.
        type: bool
        default: false
  merge:
    description:
      - Three-way merge of the listed keys against the host (values are compared; metadata is applied).
    type: dict
    suboptions:
      strategy:
        description: Which side wins a conflict; C(abort) fails the task and writes nothing.
        type: str
        default: ours
        choices: [ours, theirs, abort]
      base:
        description: The base key set in tree syntax; omitted, the host with the recorded session undone.
        type: list
        elements: raw
  transaction:
    description:
      - Stage the changes of several tasks and write them together. C(create) starts (a stale area of the
        same name is discarded), C(use) adds, C(commit) adds and writes everything at once, C(rollback)
        discards. A failing task discards its transaction.
    type: dict
    suboptions:
      name:
        description: Name of the transaction on this host (letters, digits, C(_), C(.), C(-)).
        type: str
        required: true
      action:
        description: What this task does with the transaction.
        type: str
        required: true
        choices: [create, use, commit, rollback]
  backend:
    description:
      - C(libelektra) uses the Python bindings, C(embedded) reads and writes the dump files directly,
        C(auto) takes the bindings when they can be imported.
    type: str
    default: auto
    choices: [auto, libelektra, embedded]
  root:
    description:
      - Directory prefixed to every system and spec path (C(/etc/kdb), C(/usr/share/elektra), the
        transaction area). Default the environment variable C(ELEKTRA_PLAYBOOK_ROOT), else none.
    type: path
  chdir:
    description:
      - Directory whose C(.dir/) holds the C(dir:/) keys; C(dir:/) keys without it are an error.
    type: path
attributes:
  check_mode:
    description: Predicts all changes and writes nothing.
    support: full
  diff_mode:
    description: Shows every affected key and its metadata before and after.
    support: full
notes:
  - The embedded backend shares the dump format, file locations and lock files with the
    elektra-playbook command line tool.
'''

EXAMPLES = r'''
- name: Set keys (tree syntax)
  elektra_initiative.libelektra.elektra:
    keys:
      - user:/tests/app:
          port:
            - value: "8080"
            - meta:
                type: unsigned_long
          name: demo
    record:
      skip: true

- name: Set keys (legacy syntax of 0.1.x-0.2.x)
  elektra_initiative.libelektra.elektra:
    mountpoint: user:/tests/ansible/fruit
    keys:
      cherry:
        value: cola
        meta:
          type: string
      apple: pie

- name: Set one key (single-key syntax)
  elektra_initiative.libelektra.elektra:
    key: user:/tests/app/greeting
    value: hello
    meta:
      type: string

- name: Remove a key (a missing key is fine)
  elektra_initiative.libelektra.elektra:
    keys:
      - user:
          tests:
            app:
              old:
                - meta:
                    elektra/deleted: "1"
    record:
      skip: true

- name: Check preconditions (fails and writes nothing when the host differs)
  elektra_initiative.libelektra.elektra:
    keys:
      - user:
          tests:
            app:
              port:
                - value: "8080"
                - meta:
                    elektra/assert: "1"
    record:
      skip: true

- name: Mount a dump file
  elektra_initiative.libelektra.elektra:
    mount:
      - mountpoint: user:/tests/mounted
        file: mounted.ecf
    record:
      skip: true

- name: Elektra transaction over two namespaces
  block:
    - name: Stage system changes
      elektra_initiative.libelektra.elektra:
        transaction:
          name: rec-3f9a1c07
          action: create
        keys:
          - system:/tests/app:
              log: info
        record:
          skip: true
    - name: Stage user changes and commit
      elektra_initiative.libelektra.elektra:
        transaction:
          name: rec-3f9a1c07
          action: commit
        keys:
          - user:/tests/app:
              port: "8080"
        record:
          skip: true
  rescue:
    - name: Roll back Elektra transaction
      elektra_initiative.libelektra.elektra:
        transaction:
          name: rec-3f9a1c07
          action: rollback
        record:
          skip: true
    - name: Fail with the original error
      ansible.builtin.fail:
        msg: "{{ ansible_failed_result.msg }}"
'''

RETURN = r'''
added:
  description: Keys that were (or in check mode would be) added.
  returned: success
  type: list
  elements: str
  sample: ["user:/tests/app/port"]
modified:
  description: Keys whose value or metadata was (would be) changed.
  returned: success
  type: list
  elements: str
  sample: ["user:/tests/app/name"]
removed:
  description: Keys that were (would be) removed.
  returned: success
  type: list
  elements: str
  sample: ["user:/tests/app/old"]
asserted:
  description: Keys whose assertion passed.
  returned: when the task has assertions
  type: list
  elements: str
  sample: ["system:/tests/app/log"]
failed_asserts:
  description: Failed assertions with expected and actual value (values are null under no_log).
  returned: when an assertion failed
  type: list
  elements: dict
  sample: [{"key": "system:/tests/app/log", "what": "value", "expected": "debug", "actual": "info"}]
conflicts:
  description: Keys changed on the host since the merge base (or since staging).
  returned: when a merge with strategy abort failed
  type: list
  elements: str
mounted:
  description: Mountpoints that were (would be) mounted or remounted.
  returned: when C(mount) or C(filename) is given
  type: list
  elements: str
  sample: ["user:/tests/mounted"]
recording:
  description: Recording state after the task.
  returned: unless recording is skipped or untouched
  type: dict
  contains:
    enabled:
      description: Whether recording is enabled.
      type: bool
    parent_key:
      description: Recorded subtree (null when disabled).
      type: str
    reset:
      description: Whether the session was reset.
      type: bool
transaction:
  description: State of the transaction after the task.
  returned: when C(transaction) is given
  type: dict
  contains:
    name:
      description: Name of the transaction.
      type: str
    action:
      description: Action of this task.
      type: str
    state:
      description: C(staged), C(committed), C(rolled_back) or C(absent).
      type: str
    staged_keys:
      description: Number of keys staged so far.
      type: int
backend:
  description: The backend that did the work, C(embedded) or C(libelektra).
  returned: success
  type: str
  sample: embedded
diff:
  description: One line per key, C(name = value), and one per metadata, C(name meta:/m = v).
  returned: in diff mode
  type: dict
'''

import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import DumpError
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.engine import TaskFailure, run
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import LockBusyError
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import KeyNameError
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.libelektra_store import (
    HAS_KDB, KDB_IMPORT_ERROR, LibelektraStore)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.request import RequestError
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import EmbeddedStore, StoreError

ARGUMENT_SPEC = dict(
    mountpoint=dict(type='str'),
    filename=dict(type='str'),
    resolver=dict(type='str', default='resolver'),
    plugins=dict(type='list', elements='raw'),
    recommends=dict(type='bool', default=True),
    mount=dict(type='list', elements='dict', options=dict(
        mountpoint=dict(type='str', required=True),
        file=dict(type='str', required=True),
        resolver=dict(type='str', default='resolver'),
        plugins=dict(type='list', elements='raw'),
        includeRecommendedPlugins=dict(type='bool', default=True),
        forceRemount=dict(type='bool', default=False),
        preserveKeys=dict(type='bool', default=False),
    )),
    keys=dict(type='raw', no_log=False),
    key=dict(type='str', no_log=False),
    value=dict(type='raw'),
    meta=dict(type='dict'),
    deleted=dict(type='bool'),
    remove=dict(type='list', elements='raw'),
    keepOrder=dict(type='bool', default=False, aliases=['keeporder']),
    record=dict(type='dict', aliases=['recording'], options=dict(
        skip=dict(type='bool', default=False),
        enable=dict(type='bool', default=True),
        parentKey=dict(type='str', default='/', no_log=False),
        reset=dict(type='bool', default=True),
        recordAnsible=dict(type='bool', default=False),
    )),
    merge=dict(type='dict', options=dict(
        strategy=dict(type='str', default='ours', choices=['ours', 'theirs', 'abort']),
        base=dict(type='list', elements='raw'),
    )),
    transaction=dict(type='dict', options=dict(
        name=dict(type='str', required=True),
        action=dict(type='str', required=True, choices=['create', 'use', 'commit', 'rollback']),
    )),
    backend=dict(type='str', default='auto', choices=['auto', 'libelektra', 'embedded']),
    root=dict(type='path'),
    chdir=dict(type='path'),
    **{'assert': dict(type='bool')}  # a Python keyword, so not a plain dict() argument
)

MUTUALLY_EXCLUSIVE = [
    ['mount', 'mountpoint'], ['mount', 'filename'], ['mount', 'plugins'], ['mount', 'resolver'],
    ['mount', 'recommends'], ['key', 'keys'], ['key', 'mountpoint'],
]

REQUIRED_BY = {'value': 'key', 'meta': 'key', 'deleted': 'key', 'assert': 'key', 'filename': 'mountpoint',
               'plugins': 'mountpoint'}

NAME_PATTERN = 'letters, digits, _, . and -'
INVOCATION_LIMIT = 1000


def _valid_tx_name(name):
    # the schema's pattern ^[A-Za-z0-9_.-]+$; no `/`, so the staging file stays in its directory
    return bool(name) and all(c.isalnum() and c.isascii() or c in '_.-' for c in name)


def make_store(module):
    p = module.params
    root = p['root'] if p['root'] is not None else os.environ.get('ELEKTRA_PLAYBOOK_ROOT', '')
    home = os.environ.get('HOME')
    if p['backend'] == 'libelektra' and not HAS_KDB:
        module.fail_json(msg=missing_required_lib('libelektra Python bindings (python3-elektra)'),
                         exception=KDB_IMPORT_ERROR)
    if p['backend'] == 'libelektra' or (p['backend'] == 'auto' and HAS_KDB):
        return LibelektraStore(root, home, p['chdir'])
    return EmbeddedStore(root, home, p['chdir'])


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                           mutually_exclusive=MUTUALLY_EXCLUSIVE, required_by=REQUIRED_BY)
    tx = module.params['transaction']
    if tx is not None and not _valid_tx_name(tx['name']):
        module.fail_json(msg='transaction.name: %r may only hold %s' % (tx['name'], NAME_PATTERN))
    store = make_store(module)
    try:
        result, warnings = run(module.params, store, module.check_mode, module._diff, module.no_log)
    except TaskFailure as e:
        module.fail_json(msg=e.msg, **e.extra)
    except (RequestError, StoreError, LockBusyError, KeyNameError) as e:
        # a mistake in the task or a busy host: the message names the place, a traceback would only be noise
        module.fail_json(msg=str(e))
    except DumpError as e:
        module.fail_json(msg=str(e), exception=traceback.format_exc())
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % e, exception=traceback.format_exc())
    for w in warnings:
        module.warn(w)
    result['invocation'] = invocation(module.params)
    module.exit_json(**result)


def _nodes(value, limit):
    """Number of maps and lists in `value`, counting stops past `limit`."""
    count, todo = 0, [value]
    while todo and count <= limit:
        v = todo.pop()
        if isinstance(v, dict):
            count += 1
            todo.extend(v.values())
        elif isinstance(v, list):
            count += 1
            todo.extend(v)
    return count


def invocation(params):
    """Ansible echoes the arguments; for big key trees that echo costs more than the task (10k keys: ~2 s)."""
    if _nodes(params.get('keys'), INVOCATION_LIMIT) <= INVOCATION_LIMIT:
        return {'module_args': params}
    args = dict(params)
    args['keys'] = '(a key tree of more than %d nodes, left out of the invocation)' % INVOCATION_LIMIT
    return {'module_args': args}


if __name__ == '__main__':
    main()
