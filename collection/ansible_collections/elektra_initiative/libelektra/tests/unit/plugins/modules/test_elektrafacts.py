# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The read-only sibling module elektrafacts (spec/module.md 3.14)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
from contextlib import redirect_stdout

import yaml

from test_elektra_docs import _normal_doc, _normal_spec


def facts(args):
    from ansible.module_utils import basic
    from ansible_collections.elektra_initiative.libelektra.plugins.modules import elektrafacts
    basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            elektrafacts.main()
    except SystemExit:
        pass
    finally:
        basic._ANSIBLE_ARGS = None
    return json.loads(out.getvalue())


def test_facts_of_a_subtree(host, module):
    module({'keys': [{'user:/app': {'port': [{'value': '8080'}, {'meta': {'type': 'long'}}], 'name': 'demo',
                                    'bin': [{'value': 'AAE='}, {'meta': {'elektra/base64': '1'}}]}},
                     {'system:/app': {'log': 'debug'}}], 'record': {'skip': True}})
    before = host.snapshot()
    r = facts({'mountpoint': 'user:/app'})
    assert r['changed'] is False and r['keys'] == ['user:/app/bin', 'user:/app/name', 'user:/app/port']
    assert r['user:/app/port'] == {'value': '8080', 'type': 'long'} and r['user:/app/name'] == 'demo'
    assert r['user:/app/bin'] == {'value': 'AAE=', 'binary': ''}
    assert facts({'mountpoint': '/app'})['keys'] == ['user:/app/bin', 'user:/app/name', 'user:/app/port',
                                                      'system:/app/log']
    assert host.snapshot() == before


def test_bad_mountpoint_is_a_clear_error(host):
    r = facts({'mountpoint': 'nonsense'})
    assert r['failed'] and r['msg'].startswith('mountpoint: ')


def test_documentation_matches_argument_spec():
    from ansible_collections.elektra_initiative.libelektra.plugins.modules import elektrafacts
    doc = yaml.safe_load(elektrafacts.DOCUMENTATION)
    assert _normal_doc(doc['options']) == _normal_spec(elektrafacts.ARGUMENT_SPEC)
    assert yaml.safe_load(elektrafacts.EXAMPLES) and yaml.safe_load(elektrafacts.RETURN)
