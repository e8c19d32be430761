# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""ansible-galaxy builds the collection, ansible-doc reads the module, ansible-test's offline sanity tests pass."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

from conftest import COLLECTION_ROOT

COLLECTION = os.path.join(COLLECTION_ROOT, 'ansible_collections', 'elektra_initiative', 'libelektra')
# these need a virtualenv with packages from PyPI, which this machine cannot reach (see README.md)
OFFLINE_SANITY = ['action-plugin-docs', 'changelog', 'compile', 'empty-init', 'future-import-boilerplate',
                  'ignores', 'line-endings', 'metaclass-boilerplate', 'no-assert', 'no-basestring',
                  'no-dict-iteritems', 'no-get-exception', 'no-illegal-filenames', 'no-main-display',
                  'no-smart-quotes', 'no-unicode-literals', 'pslint', 'replace-url' + 'open', 'shebang', 'shellcheck',
                  'symlinks', 'use-argspec-type-path', 'use-compat-six']


def _env(tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTION_ROOT, ANSIBLE_HOME=str(tmp_path / 'ah'),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'), ANSIBLE_NOCOLOR='1')
    return env


@pytest.mark.skipif(shutil.which('ansible-galaxy') is None, reason='ansible-galaxy not installed')
def test_galaxy_build(tmp_path):
    proc = subprocess.run(['ansible-galaxy', 'collection', 'build', COLLECTION, '--output-path', str(tmp_path)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          env=_env(tmp_path))
    assert proc.returncode == 0, proc.stdout
    tarball = tmp_path / 'elektra_initiative-libelektra-0.4.0.tar.gz'
    with tarfile.open(str(tarball)) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile('MANIFEST.json'))
    assert {'README.md', 'LICENSE', 'meta/runtime.yml', 'plugins/modules/elektra.py', 'plugins/modules/elektrafacts.py',
            'plugins/module_utils/store.py'} <= names
    assert not [n for n in names if '__pycache__' in n or n.startswith('tests/output')]
    assert manifest['collection_info']['namespace'] == 'elektra_initiative'


@pytest.mark.skipif(shutil.which('ansible-doc') is None, reason='ansible-doc not installed')
def test_ansible_doc_reads_the_module(tmp_path):
    proc = subprocess.run(['ansible-doc', '--json', 'elektra_initiative.libelektra.elektra',
                           'elektra_initiative.libelektra.elektrafacts'], env=_env(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)['elektra_initiative.libelektra.elektra']
    assert 'transaction' in doc['doc']['options'] and doc['examples'] and doc['return']
    facts = json.loads(proc.stdout)['elektra_initiative.libelektra.elektrafacts']
    assert 'mountpoint' in facts['doc']['options']
    assert not proc.stderr.strip()


def test_module_imports_without_libelektra(tmp_path):
    code = ('import sys; sys.modules["kdb"] = None; sys.path.insert(0, %r); '
            'import ansible_collections.elektra_initiative.libelektra.plugins.modules.elektra as m; '
            'from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import libelektra_store as l; '
            'assert not l.HAS_KDB') % COLLECTION_ROOT
    assert subprocess.run([sys.executable, '-c', code]).returncode == 0


@pytest.mark.skipif(shutil.which('ansible-test') is None, reason='ansible-test not installed')
def test_ansible_test_offline_sanity(tmp_path):
    args = ['ansible-test', 'sanity', '--python', '%d.%d' % sys.version_info[:2]]
    for t in OFFLINE_SANITY:
        args += ['--test', t]
    proc = subprocess.run(args, cwd=COLLECTION, env=_env(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    assert proc.returncode == 0, proc.stdout
