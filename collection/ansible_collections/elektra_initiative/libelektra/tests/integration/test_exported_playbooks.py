# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The product's loop: record on host A with the elektra-playbook CLI, export, apply with ansible-playbook
to host B (a copy of A's state before the session): B's files become byte-identical to A's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT, Host
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import write_dump
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet
from test_playbooks import Runner, stats, task_results

CLI = ['node', '--import', 'tsx', os.path.join(REPO_ROOT, 'src', 'cli', 'main.ts')]
pytestmark = pytest.mark.skipif(
    shutil.which('node') is None or not os.path.isdir(os.path.join(REPO_ROOT, 'node_modules', 'tsx'))
    or shutil.which('ansible-playbook') is None, reason='needs node with tsx and ansible-playbook')

NEW_USER = [('a', '2', {}), ('flag', 'yes', {'type': 'boolean'}), ('mode', '0755', {}),
            ('template', '{{ not a variable }}', {}), ('lines', 'one\ntwo', {'comment/#0': "it's"}),
            ('sp ace\\/slash', 'x', {})]


def dump_of(parent, entries):
    ks = KeySet([Key(parent + '/' + rel, value, meta) for rel, value, meta in entries])
    return write_dump(ks, parent)


def cli(host, *args, **kw):
    env = dict(os.environ, HOME=host.home, ELEKTRA_PLAYBOOK_ROOT=host.root)
    proc = subprocess.run(CLI + list(args), env=env, cwd=REPO_ROOT, input=kw.get('input'),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        pytest.skip('the elektra-playbook CLI failed (%s): %s' % (' '.join(args[:2]), proc.stderr.decode()[-500:]))
    return proc.stdout.decode('utf-8')


def test_record_export_apply_reapply_and_drift(tmp_path):
    source = Host(tmp_path / 'a')
    runner = Runner(tmp_path / 'b')
    target = runner.host
    for host in (source, target):  # the state both hosts start from
        os.makedirs(os.path.dirname(host.path('user')))
        os.makedirs(os.path.dirname(host.path('system')))
        with open(host.path('user'), 'wb') as f:
            f.write(dump_of('user:/', [('app/a', '1', {}), ('app/old', 'x', {})]))
        with open(host.path('system'), 'wb') as f:
            f.write(dump_of('system:/', [('app/log', 'debug', {'type': 'string'})]))
    cli(source, 'record', 'start')
    cli(source, 'kdb', 'import', 'user:/app', input=dump_of('user:/app', NEW_USER))
    cli(source, 'kdb', 'import', 'system:/app', input=dump_of('system:/app', [('log', 'info', {'type': 'string'})]))
    play = str(tmp_path / 'play.yml')
    cli(source, 'export', '--format', 'ansible', '--hosts', 'localhost', '--assert-old', '-o', play)
    text = open(play).read()
    assert 'elektra_initiative.libelektra.elektra' in text

    rc, doc = runner.run(text, '-c', 'local')
    assert rc == 0, [(n, r.get('msg')) for n, r in task_results(doc) if r.get('failed')]
    for ns in ('user', 'system'):
        assert open(target.path(ns), 'rb').read() == open(source.path(ns), 'rb').read()

    rc, doc = runner.run(text, '-c', 'local')
    assert rc == 0 and stats(doc)['changed'] == 0

    with open(target.path('system'), 'wb') as f:  # someone changed the host meanwhile
        f.write(dump_of('system:/', [('app/log', 'warning', {'type': 'string'})]))
    user_before = open(target.path('user'), 'rb').read()
    rc, doc = runner.run(text, '-c', 'local')
    assert rc != 0
    failed = [r for _n, r in task_results(doc) if r.get('failed_asserts')]
    assert failed and failed[0]['failed_asserts'][0]['key'] == 'system:/app/log'
    assert open(target.path('user'), 'rb').read() == user_before


def test_module_and_cli_share_the_recording_session(host, module):
    """A tree task's default recording (reset + enable) and recordAnsible, on a host the CLI records."""
    cli(host, 'record', 'start')
    r = module({'keys': [{'user:/app': {'a': '1'}}]})  # 0.3.0 default: reset, enable for /, not recorded
    assert r['changed'] and r['recording']['enabled']
    assert 'Added 0 key(s)' in cli(host, 'record', 'state')
    cli(host, 'kdb', 'set', 'user:/app/b', '2')
    module({'keys': [{'user:/app': {'c': '3'}}], 'record': {'recordAnsible': True, 'reset': False}})
    state = cli(host, 'record', 'state')
    assert 'Added 2 key(s)' in state and 'Added key user:/app/b' in state and 'Added key user:/app/c' in state
    assert 'Merge warnings: 0' in state
    module({'record': {'enable': False}})
    assert 'not' in cli(host, 'record', 'state').lower()
