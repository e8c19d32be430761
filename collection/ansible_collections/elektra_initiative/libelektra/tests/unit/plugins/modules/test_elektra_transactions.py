# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Transactions (R6-R13): staging, all-or-nothing commit, rollback, journal recovery."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

from conftest import COLLECTION_ROOT

SKIP = {'skip': True}


def tx(action, ns=None, node=None, name='t1', **kw):
    args = {'transaction': {'name': name, 'action': action}, 'record': SKIP}
    if ns:
        args['keys'] = [{ns + ':/app': node}]
    args.update(kw)
    return args


def staging_dir(host):
    return os.path.join(host.root, 'var', 'lib', 'elektra-playbook', 'transactions')


def three_namespace_playbook(module, host, last_assert='debug'):
    out = [module(tx('create', 'system', {'log': 'info'})),
           module(tx('use', 'spec', {'log': [{'meta': {'type': 'string'}}]})),
           module(tx('commit', 'user', {'port': '8080', 'log': [{'value': last_assert},
                                                                {'meta': {'elektra/assert': '1'}}]}))]
    return out


def test_three_namespaces_commit_together(host, module):
    module({'keys': [{'user:/app': {'log': 'debug'}}], 'record': SKIP})
    r1, r2, r3 = three_namespace_playbook(module, host)
    assert r1['changed'] and r2['changed'] and r1['transaction']['state'] == r2['transaction']['state'] == 'staged'
    assert r3['transaction'] == {'name': 't1', 'action': 'commit', 'state': 'committed', 'staged_keys': 3}
    assert host.keys('system') == {'system:/app/log': ('info', {})}
    assert host.keys('spec') == {'spec:/app/log': ('', {'type': 'string'})}
    assert host.keys('user') == {'user:/app/log': ('debug', {}), 'user:/app/port': ('8080', {})}
    assert os.listdir(staging_dir(host)) == []
    again = three_namespace_playbook(module, host)
    assert [r['changed'] for r in again] == [False, False, False]


def test_staged_changes_do_not_touch_the_host_before_commit(host, module):
    before = host.snapshot()
    r = module(tx('create', 'system', {'log': 'info'}))
    after = host.snapshot()
    new = set(after) - set(before)
    assert all(p.startswith(staging_dir(host)) or staging_dir(host).startswith(p) for p in new)
    staged = os.path.join(staging_dir(host), 't1.ecf')
    assert os.stat(staged).st_mode & 0o777 == 0o600 and r['added'] == ['system:/app/log']


def test_failing_assert_in_the_last_task_changes_neither_namespace(host, module):
    module({'keys': [{'user:/app': {'log': 'debug'}}], 'record': SKIP})
    before = host.snapshot()
    r1, _r2, r3 = three_namespace_playbook(module, host, last_assert='wrong')
    assert r1['changed'] and r3['failed']
    assert r3['transaction']['state'] == 'rolled_back'
    assert "user:/app/log: value expected 'wrong', found 'debug'" in r3['msg']
    assert r3['failed_asserts'] == [{'key': 'user:/app/log', 'what': 'value', 'expected': 'wrong',
                                     'actual': 'debug'}]
    after = host.snapshot()
    assert dict((p, v) for p, v in after.items() if p in before or not staging_dir(host).startswith(p)
                and not p.startswith(staging_dir(host))) == before
    assert os.listdir(staging_dir(host)) == []
    r = module(tx('commit', 'user', {'x': '1'}))
    assert r['failed'] and 'does not exist' in r['msg']


def test_failed_assert_hides_values_under_no_log(host, module):
    module({'keys': [{'user:/app': {'pw': 'secret'}}], 'record': SKIP})
    r = module({'keys': [{'user:/app': {'pw': [{'value': 'guess'}, {'assert': True}]}}], 'record': SKIP},
               no_log=True)
    shown = json.dumps([r['msg'], r['failed_asserts']])
    assert r['failed'] and 'user:/app/pw' in shown and 'secret' not in shown and 'guess' not in shown


def test_commit_rechecks_staged_asserts(host, module):
    module({'keys': [{'user:/app': {'log': 'debug'}}], 'record': SKIP})
    module(tx('create', 'user', {'log': [{'value': 'debug'}, {'assert': True}], 'x': '1'}))
    module({'keys': [{'user:/app': {'log': 'drifted'}}], 'record': SKIP})
    r = module(tx('commit', 'system', {'y': '2'}))
    assert r['failed'] and 'user:/app/log' in r['msg'] and r['transaction']['state'] == 'rolled_back'
    assert 'user:/app/x' not in host.keys() and host.keys('system') == {}


def test_drift_since_staging_follows_the_merge_strategy(host, module):
    module({'keys': [{'user:/app': {'k': 'old'}}], 'record': SKIP})
    module(tx('create', 'user', {'k': 'ours'}))
    module({'keys': [{'user:/app': {'k': 'theirs'}}], 'record': SKIP})
    r = module(tx('commit', merge={'strategy': 'abort'}))
    assert r['failed'] and r['conflicts'] == ['user:/app/k'] and host.keys()['user:/app/k'][0] == 'theirs'
    module(tx('create', 'user', {'k': 'ours'}))
    module({'keys': [{'user:/app': {'k': 'again'}}], 'record': SKIP})
    r = module(tx('commit', merge={'strategy': 'theirs'}))
    assert not r.get('failed') and host.keys()['user:/app/k'][0] == 'again'


def test_rollback_discards_and_unmounts(host, module):
    r = module(tx('create', 'user', {'m': {'a': '1'}}, mount=[{'mountpoint': 'user:/app/m', 'file': 'm.ecf'}]))
    assert r['mounted'] == ['user:/app/m']
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import EmbeddedStore
    assert [m.name.canonical for m in host.store().mounts()] == ['user:/app/m']
    r = module(tx('rollback'))
    assert r['changed'] and r['transaction']['state'] == 'rolled_back'
    assert host.store().mounts() == [] and os.listdir(staging_dir(host)) == []
    assert module(tx('rollback'))['changed'] is False
    r = module(tx('rollback', 'user', {'a': '1'}))
    assert r['failed'] and 'takes no keys' in r['msg']


def test_check_mode_creates_no_staging_and_use_needs_no_transaction(host, module):
    before = host.snapshot()
    assert module(tx('create', 'user', {'a': '1'}), check=True)['changed']
    r = module(tx('commit', 'system', {'b': '2'}), check=True)
    assert r['changed'] and r['added'] == ['system:/app/b']
    assert host.snapshot() == before


def test_create_replaces_a_stale_area_with_a_warning(host, module):
    module(tx('create', 'user', {'a': '1'}))
    r = module(tx('create', 'user', {'b': '2'}))
    assert any('stale' in w for w in r['warnings'])
    module(tx('commit'))
    assert host.keys() == {'user:/app/b': ('2', {})}


def test_transaction_of_another_user_is_refused(host, module):
    module(tx('create', 'user', {'a': '1'}))
    path = os.path.join(staging_dir(host), 't1.ecf')
    data = open(path, 'rb').read().replace(b'\nuid\n%d\n' % os.geteuid(), b'\nuid\n%d\n' % (os.geteuid() + 1))
    with open(path, 'wb') as f:
        f.write(data)
    r = module(tx('commit'))
    assert r['failed'] and 'uid' in r['msg']


def test_invalid_transaction_name(host, module):
    for bad in ('a/b', 'ä', ''):
        r = module(tx('create', 'user', {'a': '1'}, name=bad))
        assert r['failed'] and 'transaction.name' in r['msg']
    for odd in ('..', '.'):
        assert module(tx('create', 'user', {'a': '1'}, name=odd))['transaction']['state'] == 'staged'
        assert module(tx('commit', name=odd))['transaction']['state'] == 'committed'
    assert sorted(os.listdir(staging_dir(host))) == []


def test_diff_shows_pending_and_applied_changes(host, module):
    r = module(tx('create', 'user', {'a': '1'}), diff=True)
    assert r['diff']['after'] == 'user:/app/a = 1\n'
    r = module(tx('commit', 'system', {'b': '2'}), diff=True)
    assert r['diff']['after'] == 'user:/app/a = 1\nsystem:/app/b = 2\n'


CRASH = '''
import sys
sys.path.insert(0, %(root)r)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.engine import run
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import EmbeddedStore
store = EmbeddedStore(%(host_root)r, %(home)r, None)
p = dict(keys=[{'user:/app': {'u': '1'}}], transaction={'name': 't1', 'action': 'commit'}, record={'skip': True})
run(p, store)
'''


def test_a_commit_killed_midway_is_rolled_forward_by_the_next_run(host, module):
    module(tx('create', 'system', {'s': '1'}))
    env = dict(os.environ, ELEKTRA_PLAYBOOK_TEST_CRASH_AFTER_WRITES='1')
    proc = subprocess.run([sys.executable, '-c', CRASH % {'root': COLLECTION_ROOT, 'host_root': host.root,
                                                         'home': host.home}], env=env)
    assert proc.returncode == 99
    written = [bool(host.keys('system')), bool(host.keys('user'))]
    assert written.count(True) == 1  # killed between the two files
    assert sorted(f for f in os.listdir(staging_dir(host)) if not f.endswith('.lock')) == ['t1.ecf', 't1.journal']
    r = module({'keys': [{'user:/other': {'x': '1'}}], 'record': SKIP})
    assert any('interrupted commit' in w for w in r['warnings'])
    assert host.keys('system') == {'system:/app/s': ('1', {})}
    assert host.keys('user')['user:/app/u'] == ('1', {})
    assert os.listdir(staging_dir(host)) == []


def guarded_playbook(module):
    """--assert-old shape: guards of the old values first, then the changes, one transaction."""
    return [
        module(tx('create', 'user', {'a': [{'value': '1'}, {'assert': True}],
                                     'old': [{'value': 'x'}, {'assert': True}]}, name='g')),
        module(tx('commit', 'user', {'a': '2', 'old': [{'remove': True}]}, name='g')),
    ]


def test_guards_of_old_values_pass_again_once_applied(host, module):
    module({'keys': [{'user:/app': {'a': '1', 'old': 'x'}}], 'record': SKIP})
    first = guarded_playbook(module)
    assert [r.get('failed', False) for r in first] == [False, False] and first[1]['changed']
    assert host.keys() == {'user:/app/a': ('2', {})}
    again = guarded_playbook(module)
    assert [r.get('failed', False) for r in again] == [False, False]
    assert [r['changed'] for r in again] == [False, False]
    assert [r.get('warnings', []) for r in again] == [[], []]


def test_guards_fail_on_a_drifted_host(host, module):
    module({'keys': [{'user:/app': {'a': 'drifted', 'old': 'x'}}], 'record': SKIP})
    before = host.snapshot()
    r = guarded_playbook(module)
    assert r[1]['failed'] and "user:/app/a: value expected '1', found 'drifted'" in r[1]['msg']
    assert host.keys() == {'user:/app/a': ('drifted', {}), 'user:/app/old': ('x', {})}
    assert dict((p, v) for p, v in host.snapshot().items() if p in before) == before
