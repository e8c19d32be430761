# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Shared fixtures: import path of the collection, the shared vectors, a temporary host (root + HOME)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import os
import sys
from contextlib import redirect_stdout

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))  # the dir holding ansible_collections
REPO_ROOT = os.path.dirname(COLLECTION_ROOT)
if COLLECTION_ROOT not in sys.path:
    sys.path.insert(0, COLLECTION_ROOT)


def vectors_dir():
    return os.environ.get('ELEKTRA_PLAYBOOK_VECTORS') or os.path.normpath(
        os.path.join(REPO_ROOT, '..', 'shared', 'vectors'))


def load_vector(name):
    with open(os.path.join(vectors_dir(), name), 'rb') as f:
        return json.loads(f.read().decode('utf-8'))


class Host(object):
    """A temporary target: `root` for system/spec files, `home` for user files, `cwd` for dir files."""

    def __init__(self, tmp_path):
        self.root = str(tmp_path / 'root')
        self.home = str(tmp_path / 'home')
        self.cwd = str(tmp_path / 'work')
        for d in (self.root, self.home, self.cwd):
            os.makedirs(d)

    def store(self):
        from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import EmbeddedStore
        return EmbeddedStore(self.root, self.home, self.cwd)

    def path(self, ns, file_name='default.ecf'):
        return {
            'system': os.path.join(self.root, 'etc', 'kdb', file_name),
            'spec': os.path.join(self.root, 'usr', 'share', 'elektra', 'specification', file_name),
            'user': os.path.join(self.home, '.config', file_name),
            'dir': os.path.join(self.cwd, '.dir', file_name),
        }[ns]

    def keys(self, ns='user', file_name='default.ecf', parent=None):
        """{name: (value, meta)} of one file."""
        from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import read_dump
        p = self.path(ns, file_name)
        if not os.path.exists(p):
            return {}
        with open(p, 'rb') as f:
            ks = read_dump(f.read(), parent or ns + ':/')
        return dict((k.name.canonical, (k.value, dict(k.meta))) for k in ks)

    def snapshot(self):
        """Every file below the host's directories with its bytes (to prove that nothing was written)."""
        out = {}
        for base in (self.root, self.home, self.cwd):
            for d, _dirs, files in os.walk(base):
                for f in files:
                    p = os.path.join(d, f)
                    with open(p, 'rb') as fh:
                        out[p] = fh.read()
                out[d] = None
        return out


@pytest.fixture
def host(tmp_path, monkeypatch):
    h = Host(tmp_path)
    monkeypatch.setenv('HOME', h.home)
    monkeypatch.setenv('ELEKTRA_PLAYBOOK_ROOT', h.root)
    monkeypatch.setenv('ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS', '300')
    monkeypatch.delenv('ELEKTRA_PLAYBOOK_TEST_CRASH_AFTER_WRITES', raising=False)
    return h


def run_module(args, check=False, diff=False, no_log=False):
    """Run the module's main() in-process like Ansible does; returns the parsed JSON result."""
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes
    from ansible_collections.elektra_initiative.libelektra.plugins.modules import elektra
    full = dict(args)
    full.update(_ansible_check_mode=check, _ansible_diff=diff, _ansible_no_log=no_log,
                _ansible_remote_tmp='/tmp', _ansible_keep_remote_files=False)
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': full}))
    # Ansible collects warnings in a process-wide list that a real module process starts empty; in-process
    # runs would otherwise report every earlier run's warnings too
    from ansible.module_utils.common import warnings as ansible_warnings
    del ansible_warnings._global_warnings[:]
    del ansible_warnings._global_deprecations[:]
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            elektra.main()
    except SystemExit:
        pass
    finally:
        basic._ANSIBLE_ARGS = None
    return json.loads(out.getvalue())


@pytest.fixture
def module():
    return run_module
