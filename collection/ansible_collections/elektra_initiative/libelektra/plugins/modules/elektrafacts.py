#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: elektrafacts
short_description: Read keys of the Elektra key database
version_added: 0.1.0
description:
  - Reads every key at or below C(mountpoint) and returns one result field per key, named by the key's
    full name (as version 0.3.0 did). The field is the key's value, or a map of C(value) and the key's
    metadata when it has metadata. Binary values are given as base64 text (metadata C(binary) is present).
  - Never changes anything.
author:
  - elektra-playbook contributors
requirements:
  - python >= 3.9
options:
  mountpoint:
    description: The key whose subtree is read; a cascading name reads that path in every namespace.
    type: str
    default: system:/
  backend:
    description: As for M(elektra_initiative.libelektra.elektra).
    type: str
    default: auto
    choices: [auto, libelektra, embedded]
  root:
    description:
      - Directory prefixed to system and spec paths; default the environment variable C(ELEKTRA_PLAYBOOK_ROOT).
    type: path
  chdir:
    description: Directory whose C(.dir/) holds the C(dir:/) keys.
    type: path
attributes:
  check_mode:
    description: Reads only.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
'''

EXAMPLES = r'''
- name: Read the keys of an application
  elektra_initiative.libelektra.elektrafacts:
    mountpoint: user:/tests/app
  register: app

- name: Show one value
  ansible.builtin.debug:
    msg: "{{ app['user:/tests/app/port'] }}"
'''

RETURN = r'''
keys:
  description: The names of the keys read, in Elektra's order.
  returned: success
  type: list
  elements: str
  sample: ["user:/tests/app/name", "user:/tests/app/port"]
'''

import base64
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import DumpError
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import LockBusyError
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import KeyNameError, parse
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.libelektra_store import (
    HAS_KDB, KDB_IMPORT_ERROR, LibelektraStore)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.plan import View, expand
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import EmbeddedStore, StoreError

ARGUMENT_SPEC = dict(
    mountpoint=dict(type='str', default='system:/'),
    backend=dict(type='str', default='auto', choices=['auto', 'libelektra', 'embedded']),
    root=dict(type='path'),
    chdir=dict(type='path'),
)


def fact(key):
    value = key.value
    if isinstance(value, bytes) or value is None:
        value = base64.b64encode(value or b'').decode('ascii')
    if not key.meta:
        return value
    out = {'value': value}
    out.update(key.meta)
    return out


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    root = p['root'] if p['root'] is not None else os.environ.get('ELEKTRA_PLAYBOOK_ROOT', '')
    if p['backend'] == 'libelektra' and not HAS_KDB:
        module.fail_json(msg=missing_required_lib('libelektra Python bindings (python3-elektra)'),
                         exception=KDB_IMPORT_ERROR)
    if p['backend'] == 'libelektra' or (p['backend'] == 'auto' and HAS_KDB):
        store = LibelektraStore(root, os.environ.get('HOME'), p['chdir'])
    else:
        store = EmbeddedStore(root, os.environ.get('HOME'), p['chdir'])
    try:
        name = parse(p['mountpoint'])
        view = View(store)
        keys = [k for n in expand(name, store) for k in view.below(n)]
    except (KeyNameError, StoreError, LockBusyError) as e:
        # a mistake in the task or a busy host: the message names the place, a traceback would only be noise
        module.fail_json(msg='mountpoint: %s' % e)
    except DumpError as e:
        module.fail_json(msg='mountpoint: %s' % e, exception=traceback.format_exc())
    result = dict((k.name.canonical, fact(k)) for k in keys)
    result.update(changed=False, keys=[k.name.canonical for k in keys])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
