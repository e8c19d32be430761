# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""While a module task that touches recording runs, the CLI waits for the record lock: it cannot
record the task's writes before the task has marked them seen (the race this lock closes)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import files, recording

CLI = ['node', '--import', 'tsx', os.path.join(REPO_ROOT, 'src', 'cli', 'main.ts')]
pytestmark = pytest.mark.skipif(
    shutil.which('node') is None or not os.path.isdir(os.path.join(REPO_ROOT, 'node_modules', 'tsx')),
    reason='needs node with tsx')


def test_the_cli_waits_for_a_running_module_task(host, module):
    module({'record': {'enable': True}})
    store = host.store()
    env = dict(os.environ, HOME=host.home, ELEKTRA_PLAYBOOK_ROOT=host.root, ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS='300')
    with recording.guard(store, {'record': {'recordAnsible': True}}, False):
        with files.Locks([host.path('user')], dir_modes={host.path('user'): 0o700}):
            # the task is about to write user:/ keys: a CLI write now must wait, and gives up busy
            proc = subprocess.run(CLI + ['kdb', 'set', 'user:/cli', '1'], env=env, cwd=REPO_ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            assert proc.returncode == 3, proc.stderr.decode()
            assert 'busy: %s is locked by pid %d' % (store.record_lock_target(), os.getpid()) \
                in proc.stderr.decode()
    assert not os.path.exists(files.lock_file_of(store.record_lock_target()))
