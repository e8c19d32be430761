# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The real `ansible-playbook` on localhost (connection local) into a temporary root."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess

import pytest

from conftest import COLLECTION_ROOT, Host

pytestmark = pytest.mark.skipif(shutil.which('ansible-playbook') is None, reason='ansible-playbook not installed')

PLAY = '''
- hosts: localhost
  connection: local
  gather_facts: false
  environment:
    ELEKTRA_PLAYBOOK_ROOT: "{root}"
  tasks:
{tasks}
'''

APPLY = '''
    - name: tree syntax (0.3.0) by FQCN
      elektra_initiative.libelektra.elektra:
        keys:
          - user:/tests/app:
              port:
                - value: "8080"
                - meta:
                    type: unsigned_long
              greeting: !unsafe "{{ not templated }}"
          - system:
              tests:
                app:
                  log: debug
        record:
          skip: true
    - name: legacy syntax (0.2.x)
      elektra_initiative.libelektra.elektra:
        mountpoint: user:/tests/ansible/fruit
        keys:
          cherry:
            value: cola
            meta:
              type: string
          apple: pie
    - name: single-key syntax (libelektra 4333)
      elektra_initiative.libelektra.elektra:
        key: user:/tests/single
        value: "0755"
        meta:
          comment/#0: set by ansible
    - name: deletion of a missing key
      elektra_initiative.libelektra.elektra:
        keys:
          - user:
              tests:
                app:
                  old:
                    - remove: true
        record:
          skip: true
'''

SHORT_NAME = '''
- hosts: localhost
  connection: local
  gather_facts: false
  collections:
    - elektra_initiative.libelektra
  tasks:
    - name: the published example, short module name
      elektra:
        mountpoint: user:/tests/ansible/short
        keys:
          berries:
            raspberry:
              value: pi
'''

TRANSACTION = '''
    - name: Elektra transaction
      block:
        - name: Stage system changes
          elektra_initiative.libelektra.elektra:
            transaction: {{name: rec-1, action: create}}
            keys:
              - system:/tests/app:
                  log: info
            record: {{skip: true}}
        - name: Stage user changes and commit
          elektra_initiative.libelektra.elektra:
            transaction: {{name: rec-1, action: commit}}
            keys:
              - user:/tests/app:
                  port: "9090"
                  greeting:
                    - value: "{assert_value}"
                    - meta:
                        elektra/assert: "1"
            record: {{skip: true}}
          environment: {crash_env}
      rescue:
        - name: Roll back Elektra transaction
          elektra_initiative.libelektra.elektra:
            transaction: {{name: rec-1, action: rollback}}
            record: {{skip: true}}
        - name: Fail with the original error
          ansible.builtin.fail:
            msg: "{{{{ ansible_failed_result.msg }}}}"
'''


class Runner(object):
    def __init__(self, tmp):
        self.tmp = tmp
        self.host = Host(tmp)
        self.ansible_home = os.path.join(str(tmp), 'ansible')
        os.makedirs(self.ansible_home)

    def run(self, text, *args, **env):
        path = os.path.join(self.ansible_home, 'play-%d.yml' % len(os.listdir(self.ansible_home)))
        with open(path, 'w') as f:
            f.write(text)
        full = dict(os.environ)
        full.update(HOME=self.host.home, ANSIBLE_COLLECTIONS_PATH=COLLECTION_ROOT,
                    ANSIBLE_HOME=self.ansible_home, ANSIBLE_LOCAL_TEMP=os.path.join(self.ansible_home, 'tmp'),
                    ANSIBLE_REMOTE_TEMP=os.path.join(self.ansible_home, 'rtmp'), ANSIBLE_STDOUT_CALLBACK='json',
                    ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_PYTHON_INTERPRETER='/usr/bin/python3',
                    ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                    ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS='2000')
        # never the machine's own /etc/kdb: the module inherits this with connection local
        full['ELEKTRA_PLAYBOOK_ROOT'] = self.host.root
        full.update(env)
        proc = subprocess.run(['ansible-playbook', '-i', 'localhost,', path] + list(args), env=full,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        try:
            doc = json.loads(proc.stdout)
        except ValueError:
            raise AssertionError('no JSON from ansible-playbook (rc %d): %s %s' % (proc.returncode, proc.stdout,
                                                                                 proc.stderr))
        return proc.returncode, doc

    def play(self, tasks):
        return PLAY.format(root=self.host.root, tasks=tasks)


def stats(doc):
    return doc['stats']['localhost']


def task_results(doc):
    return [(t['task']['name'], t['hosts']['localhost']) for play in doc['plays'] for t in play['tasks']]


@pytest.fixture(scope='module')
def applied(tmp_path_factory):
    """Check mode first (nothing written), then apply, then apply again."""
    r = Runner(tmp_path_factory.mktemp('apply'))
    before = r.host.snapshot()
    text = r.play(APPLY) + SHORT_NAME
    check = r.run(text, '--check', '--diff')
    after_check = r.host.snapshot()
    first = r.run(text)
    second = r.run(text)
    return r, before, check, after_check, first, second


def test_check_mode_writes_nothing_and_shows_the_diff(applied):
    _r, before, (rc, doc), after_check, _1, _2 = applied
    assert rc == 0 and stats(doc)['changed'] == 5 - 1  # the deletion of a missing key changes nothing
    assert after_check == before
    first = task_results(doc)[0][1]
    assert 'user:/tests/app/port meta:/type = unsigned_long' in first['diff']['after']


def test_apply_then_reapply_changes_nothing(applied):
    r, _b, _c, _a, (rc1, doc1), (rc2, doc2) = applied
    assert rc1 == 0 and stats(doc1)['changed'] == 4 and stats(doc1)['failures'] == 0
    assert rc2 == 0 and stats(doc2)['changed'] == 0 and stats(doc2)['failures'] == 0
    assert r.host.keys('user')['user:/tests/app/port'] == ('8080', {'type': 'unsigned_long'})
    assert r.host.keys('user')['user:/tests/app/greeting'] == ('{{ not templated }}', {})
    assert r.host.keys('user')['user:/tests/single'] == ('0755', {'comment/#0': 'set by ansible'})
    assert r.host.keys('user')['user:/tests/ansible/fruit/cherry'] == ('cola', {'type': 'string'})
    assert r.host.keys('system') == {'system:/tests/app/log': ('debug', {})}


def test_short_module_name_with_collections_line(applied):
    r, _b, _c, _a, (rc, doc), _2 = applied
    assert rc == 0 and dict(task_results(doc))['the published example, short module name']['changed']
    assert r.host.keys('user')['user:/tests/ansible/short/berries/raspberry'] == ('pi', {})


def test_transaction_with_failing_assert_changes_neither_namespace(tmp_path):
    r = Runner(tmp_path)
    setup = r.play("""
    - elektra_initiative.libelektra.elektra:
        keys: [{user:/tests/app: {greeting: hello}}, {system:/tests/app: {log: debug}}]
        record: {skip: true}
""")
    rc, doc = r.run(setup + r.play(TRANSACTION.format(assert_value='not hello', crash_env='{}')))
    assert rc != 0 and stats(doc)['failures'] == 1
    results = dict(task_results(doc))
    assert results['Stage system changes']['changed'] is True
    assert "user:/tests/app/greeting: value expected 'not hello', found 'hello'" in \
        results['Stage user changes and commit']['msg']
    assert results['Roll back Elektra transaction']['transaction']['state'] in ('rolled_back', 'absent')
    assert r.host.keys('user') == {'user:/tests/app/greeting': ('hello', {})}
    assert r.host.keys('system') == {'system:/tests/app/log': ('debug', {})}
    rc, doc = r.run(r.play(TRANSACTION.format(assert_value='hello', crash_env='{}')))
    assert rc == 0 and r.host.keys('system')['system:/tests/app/log'][0] == 'info'
    assert r.host.keys('user')['user:/tests/app/port'][0] == '9090'
    rc, doc = r.run(r.play(TRANSACTION.format(assert_value='hello', crash_env='{}')))
    assert rc == 0 and stats(doc)['changed'] == 0


def test_commit_killed_midway_then_rerun_is_consistent(tmp_path):
    r = Runner(tmp_path)
    setup = r.play("""
    - elektra_initiative.libelektra.elektra:
        keys: [{user:/tests/app: {greeting: hello}}]
        record: {skip: true}
""")
    crash = '{ELEKTRA_PLAYBOOK_TEST_CRASH_AFTER_WRITES: "1"}'
    rc, doc = r.run(setup + r.play(TRANSACTION.format(assert_value='hello', crash_env=crash)))
    assert rc != 0
    # the rescue's rollback already completed the decided commit: all or nothing, never half
    system, user = r.host.keys('system'), r.host.keys('user')
    assert ('system:/tests/app/log' in system) == ('user:/tests/app/port' in user)
    rc, doc = r.run(r.play(TRANSACTION.format(assert_value='hello', crash_env='{}')))
    assert rc == 0
    assert r.host.keys('system') == {'system:/tests/app/log': ('info', {})}
    assert r.host.keys('user')['user:/tests/app/port'] == ('9090', {})
    tx_dir = os.path.join(r.host.root, 'var', 'lib', 'elektra-playbook', 'transactions')
    assert [f for f in os.listdir(tx_dir) if not f.endswith('.lock')] == []
