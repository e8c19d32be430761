# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""`ansible-doc` as a user reads it: the oldest supported ansible-core (2.14, meta/runtime.yml) renders no
semantic markup (O(), V(), E(), RV() came with 2.15), so the text must not show it raw."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shutil
import subprocess

import pytest

from test_collection_tools import _env

pytestmark = pytest.mark.skipif(shutil.which('ansible-doc') is None, reason='ansible-doc not installed')


@pytest.mark.parametrize('module', ['elektra', 'elektrafacts'])
def test_ansible_doc_text_shows_no_raw_markup(tmp_path, module):
    proc = subprocess.run(['ansible-doc', 'elektra_initiative.libelektra.' + module], env=_env(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert proc.returncode == 0, proc.stderr
    assert re.findall(r'\b(?:O|V|E|RV|P)\([^)]*\)', proc.stdout) == []
