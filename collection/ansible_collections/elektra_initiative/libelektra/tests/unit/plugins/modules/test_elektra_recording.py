# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The `record` option on the embedded backend: libelektra 0.11's keys and files (recording.md 4.1)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import recording


def session(host, ns='user'):
    return host.keys(ns, 'record-session.cfg', '%s:/elektra/record/session' % ns)


def test_record_ansible_puts_this_tasks_changes_into_the_session(host, module):
    module({'keys': [{'user:/t': {'m': 'old', 'r': 'x'}}], 'record': {'skip': True}})
    r = module({'keys': [{'user:/t': {'a': '1', 'm': 'new', 'r': [{'remove': True}]}}],
                'record': {'recordAnsible': True, 'parentKey': 'user:/t'}})
    assert r['recording'] == {'enabled': True, 'parent_key': 'user:/t', 'reset': True}
    assert session(host) == {
        'user:/elektra/record/session/diff/added/t/a': ('1', {}),
        'user:/elektra/record/session/diff/modified/old/t/m': ('old', {}),
        'user:/elektra/record/session/diff/modified/new/t/m': ('new', {}),
        'user:/elektra/record/session/diff/removed/t/r': ('x', {})}
    assert host.keys('system', 'elektra.ecf', 'system:/elektra') == {
        'system:/elektra/record/config/active': ('user:/t', {})}


def test_parts_merge_with_the_session_table(host, module):
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'recordAnsible': True}})
    module({'keys': [{'user:/t': {'a': '2', 'b': '1'}}], 'record': {'recordAnsible': True, 'reset': False}})
    module({'keys': [{'user:/t': {'b': [{'remove': True}]}}], 'record': {'recordAnsible': True, 'reset': False}})
    assert session(host) == {'user:/elektra/record/session/diff/added/t/a': ('2', {})}  # rows 5 and 6


def test_reset_and_disable_report_changes_honestly(host, module):
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'recordAnsible': True}})
    r = module({'record': {'enable': False}})
    assert r['changed'] and session(host) == {} and recording.status(host.store()) == (None, False)
    assert module({'record': {'enable': False}})['changed'] is False
    assert not os.path.exists(host.path('user', 'record-session.cfg'))


def test_skip_touches_nothing(host, module):
    before = host.snapshot()
    r = module({'record': {'skip': True}})
    assert r['changed'] is False and 'recording' not in r and host.snapshot() == before


def test_create_and_use_tasks_ignore_record_with_a_warning(host, module):
    r = module({'transaction': {'name': 'x', 'action': 'create'}, 'keys': [{'user:/t': {'a': '1'}}],
                'record': {'enable': True}})
    assert 'recording' not in r and any('R14' in w for w in r['warnings'])


def test_binary_values_from_base64_and_binary_null(host, module):
    args = {'keys': [{'user:/t': {
        'bin': [{'value': 'AAEC/w=='}, {'meta': {'elektra/base64': '1'}}],
        'nul': [{'meta': {'binary': ''}}]}}], 'record': {'skip': True}}
    r = module(args)
    assert r['added'] == ['user:/t/bin', 'user:/t/nul']
    assert host.keys() == {'user:/t/bin': (b'\x00\x01\x02\xff', {'binary': ''}),
                           'user:/t/nul': (None, {'binary': ''})}
    assert module(args)['changed'] is False
    r = module({'keys': [{'user:/t': {'bin': [{'value': '!!'}, {'meta': {'elektra/base64': '1'}}]}}]})
    assert r['failed'] and 'keys[0].user:/t.bin' in r['msg'] and 'base64' in r['msg']
    r = module({'keys': [{'user:/t': {'bin': [{'value': 'AAEC/w=='}, {'meta': {'elektra/base64': '1',
                                                                               'elektra/assert': '1'}}]}}]})
    assert r['asserted'] == ['user:/t/bin']


def test_single_key_deleted_and_assert_options(host, module):
    module({'key': 'user:/s', 'value': 'v'})
    assert module({'key': 'user:/s', 'value': 'v', 'assert': True})['asserted'] == ['user:/s']
    assert module({'key': 'user:/s', 'value': 'w', 'assert': True})['failed']
    assert module({'key': 'user:/s', 'deleted': True})['removed'] == ['user:/s']
    assert module({'key': 'user:/s', 'deleted': True, 'assert': True})['asserted'] == ['user:/s']
    r = module({'deleted': True})
    assert r['failed'] and 'key' in r['msg']
