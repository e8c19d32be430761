# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Several module processes writing one file at once lose no update (lock protocol + decide again)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

from conftest import COLLECTION_ROOT

WRITER = '''
import sys
sys.path.insert(0, %(root)r)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.engine import run
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import EmbeddedStore
for i in range(5):
    p = dict(keys=[{'user:/race': {'w%(n)d-%%d' %% i: 'v', 'shared': '%(n)d'}}], record={'skip': True})
    run(p, EmbeddedStore(%(host_root)r, %(home)r, None))
'''


def test_parallel_writers_lose_nothing(host):
    env = dict(os.environ, ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS='10000')  # the shared machine can be slow
    procs = [subprocess.Popen([sys.executable, '-c', WRITER % {'root': COLLECTION_ROOT, 'n': n,
                                                               'host_root': host.root, 'home': host.home}],
                              env=env, stderr=subprocess.PIPE)
             for n in range(4)]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    keys = host.keys()
    assert sorted(k for k in keys if '/w' in k) == sorted('user:/race/w%d-%d' % (n, i)
                                                          for n in range(4) for i in range(5))
    assert keys['user:/race/shared'][0] in ('0', '1', '2', '3')
