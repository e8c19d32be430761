# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""A failed assertion reads as expected vs actual, in words a user would use."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SKIP = {'skip': True}


def test_missing_key_with_a_listed_value(host, module):
    r = module({'key': 'user:/t/a', 'value': '1', 'assert': True})
    assert r['failed'] and "user:/t/a: expected '1', found no key" in r['msg'], r['msg']


def test_missing_key_without_a_listed_value(host, module):
    r = module({'keys': [{'user:/t': {'a': [{'meta': {'elektra/assert': '1'}}]}}], 'record': SKIP})
    assert r['failed'] and 'user:/t/a: expected the key to exist, found no key' in r['msg'], r['msg']


def test_present_key_asserted_absent(host, module):
    module({'key': 'user:/t/a', 'value': '1'})
    r = module({'key': 'user:/t/a', 'deleted': True, 'assert': True})
    assert r['failed'] and "user:/t/a: expected no key, found '1'" in r['msg'], r['msg']
    assert r['failed_asserts'] == [{'key': 'user:/t/a', 'what': 'existence', 'expected': None, 'actual': '1'}]


def test_under_no_log_existence_is_told_without_values(host, module):
    module({'key': 'user:/t/pw', 'value': 'secret'})
    r = module({'key': 'user:/t/pw', 'deleted': True, 'assert': True}, no_log=True)
    assert r['failed'] and 'user:/t/pw: expected no key, found one (value hidden by no_log)' in r['msg'], r['msg']
    assert 'secret' not in r['msg'] and r['failed_asserts'][0]['actual'] is None
    r = module({'key': 'user:/t/other', 'value': 'guess', 'assert': True}, no_log=True)
    assert r['failed'] and 'user:/t/other: expected the key to exist, found no key' in r['msg'], r['msg']
    assert 'guess' not in r['msg']
