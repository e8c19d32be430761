# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Check mode stages nothing, so a commit task in check mode cannot re-check what earlier tasks asserted.

The earlier task must then say so itself: a green `--check` run of a guarded playbook on a drifted host
would otherwise promise a run that fails at commit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from test_elektra_transactions import tx


def guarded_playbook(module, check=False):
    """--assert-old shape: guards of the old values first, then the changes, one transaction."""
    return [
        module(tx('create', 'user', {'a': [{'value': '1'}, {'assert': True}],
                                     'old': [{'value': 'x'}, {'assert': True}]}, name='g'), check=check),
        module(tx('commit', 'user', {'a': '2', 'old': [{'remove': True}]}, name='g'), check=check),
    ]


def test_check_mode_says_a_failing_guard_fails_the_real_commit(host, module):
    module({'keys': [{'user:/app': {'a': 'drifted', 'old': 'x'}}], 'record': {'skip': True}})
    before = host.snapshot()
    create, commit = guarded_playbook(module, check=True)
    assert not create.get('failed') and not commit.get('failed')  # check mode cannot decide it
    warning = [w for w in create['warnings'] if 'user:/app/a' in w]
    assert warning and 'check mode' in warning[0] and 'fails at commit' in warning[0], create['warnings']
    assert "value expected '1', found 'drifted'" in warning[0]
    assert host.snapshot() == before


def test_a_real_run_of_an_applied_guarded_playbook_warns_nothing(host, module):
    """The guards of old values do not hold on an applied host, yet the commit passes them (the keys already
    have the transaction's state): a warning on every clean re-run would cry wolf. The commit decides and,
    when it fails, names each key with expected and actual."""
    module({'keys': [{'user:/app': {'a': '1', 'old': 'x'}}], 'record': {'skip': True}})
    guarded_playbook(module)
    again = guarded_playbook(module)
    assert [r.get('failed', False) for r in again] == [False, False]
    assert [r.get('warnings', []) for r in again] == [[], []]
