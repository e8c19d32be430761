# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Mistakes in a task are reported as one sentence naming the place, without a traceback.

A result with `exception` makes Ansible print "An exception occurred during task execution ... RequestError"
above the message: noise for a typo in a playbook."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

SKIP = {'skip': True}


@pytest.mark.parametrize('args, where', [
    ({'keys': [{'user:/t': {'port': [{'valeu': '1'}]}}], 'record': SKIP}, "keys[0].user:/t.port[0]: unknown field 'valeu'"),
    ({'keys': [{'user:/t': {'port': [{'value': ['x']}]}}], 'record': SKIP}, 'keys[0].user:/t.port[0]'),
    ({'key': 'nonsense:/x', 'value': '1'}, 'nonsense:/x'),
    ({'mount': [{'mountpoint': 'user:/t/m', 'file': 'm.ini', 'plugins': [{'ini': None}]}], 'record': SKIP},
     'ini'),
])
def test_a_mistake_in_the_task_is_a_message_without_traceback(host, module, args, where):
    before = host.snapshot()
    r = module(args)
    assert r['failed'] and where in r['msg'], r
    assert 'exception' not in r and 'Traceback' not in r['msg']
    assert host.snapshot() == before


def test_elektrafacts_names_a_bad_mountpoint_without_traceback(host):
    from test_elektrafacts import facts
    r = facts({'mountpoint': 'nonsense:/x'})
    assert r['failed'] and r['msg'].startswith('mountpoint: ') and 'nonsense' in r['msg']
    assert 'exception' not in r


def test_mountpoint_with_a_tree_syntax_list_says_how_to_mount_instead(host, module):
    """A 0.3.0 user adding the legacy `mountpoint:` to mount something must not read 'a list cannot be a value'."""
    before = host.snapshot()
    r = module({'mountpoint': 'user:/t', 'keys': [{'user:/t': {'x': '1'}}]})
    assert r['failed'] and r['msg'].startswith('keys: ') and 'cannot be a value' not in r['msg']
    assert 'mountpoint' in r['msg'] and 'mount:' in r['msg']
    assert host.snapshot() == before


def test_a_list_as_metadata_value_says_metadata_values_are_strings(host, module):
    r = module({'key': 'user:/t/a', 'value': '1', 'meta': {'comment': ['one', 'two']}})
    assert r['failed'] and r['msg'].startswith('meta.comment[0]: ') and 'quote' in r['msg'], r['msg']
