# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""backend: libelektra through an in-memory fake of the bindings; mounting without the `kdb` command."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_kdb  # noqa: E402  (beside this file)

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import libelektra_store  # noqa: E402


@pytest.fixture
def bindings(monkeypatch, host):
    fake_kdb.DATABASE.clear()
    del fake_kdb.CALLS[:]
    monkeypatch.setattr(libelektra_store, 'kdb', fake_kdb)
    from ansible_collections.elektra_initiative.libelektra.plugins.modules import elektra
    monkeypatch.setattr(elektra, 'HAS_KDB', True)
    monkeypatch.setenv('PATH', '/nonexistent')  # no `kdb` command
    return fake_kdb


def test_auto_picks_the_bindings_and_writes_through_them(bindings, module):
    args = {'keys': [{'user:/app': {'port': [{'value': '8080'}, {'meta': {'type': 'long'}}]}},
                     {'system:/app': {'log': 'debug'}}], 'record': {'skip': True}}
    r = module(args)
    assert r['backend'] == 'libelektra' and r['changed']
    assert bindings.DATABASE == {'user:/app/port': ('8080', {'meta:/type': 'long'}),
                                 'system:/app/log': ('debug', {})}
    assert ('set', 'user:/') in bindings.CALLS and ('set', 'system:/') in bindings.CALLS
    del bindings.CALLS[:]
    assert module(args)['changed'] is False
    assert [c for c in bindings.CALLS if c[0] == 'set'] == []


def test_removal_and_existing_metadata_through_the_bindings(bindings, module):
    bindings.DATABASE['user:/app/a'] = ('1', {'meta:/comment/#0': 'keep'})
    bindings.DATABASE['user:/app/b'] = ('2', {})
    r = module({'keys': [{'user:/app': {'a': [{'meta': {'type': 'long'}}], 'b': [{'remove': True}]}}],
                'record': {'skip': True}})
    assert (r['modified'], r['removed']) == (['user:/app/a'], ['user:/app/b'])
    assert bindings.DATABASE == {'user:/app/a': ('1', {'meta:/comment/#0': 'keep', 'meta:/type': 'long'})}


def test_mounting_without_the_kdb_command_is_a_clear_error(bindings, module):
    r = module({'mount': [{'mountpoint': 'user:/tests/ansible/vegetables', 'file': 'vegetables.ini',
                           'plugins': [{'ini': None}]}],
                'keys': [{'user:/tests/ansible/vegetables': {'tomato': 'ketchup'}}], 'record': {'skip': True}})
    assert r['failed'] and "needs the 'kdb' command of libelektra" in r['msg']
    assert 'FileNotFoundError' not in r['msg'] and bindings.DATABASE == {}


def test_recording_is_not_done_through_the_bindings_but_said(bindings, module):
    r = module({'keys': [{'user:/app': {'a': '1'}}], 'record': {'enable': True}})
    assert 'recording' not in r and any('record is not supported' in w for w in r['warnings'])
