# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The README's YAML examples, exactly as printed, run twice with the real `ansible-playbook`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil

import pytest
import yaml

from conftest import COLLECTION_ROOT

from test_playbooks import Runner, stats, task_results

pytestmark = pytest.mark.skipif(shutil.which('ansible-playbook') is None, reason='ansible-playbook not installed')

README = os.path.join(COLLECTION_ROOT, 'ansible_collections', 'elektra_initiative', 'libelektra', 'README.md')


def readme_examples():
    with open(README) as f:
        text = f.read()
    return re.findall(r'^```yaml\n(.*?)^```$', text, re.S | re.M)


def test_every_readme_example_is_a_named_playbook_calling_the_module_by_fqcn():
    examples = readme_examples()
    assert len(examples) >= 5
    for text in examples:
        plays = yaml.safe_load(text)
        assert isinstance(plays, list) and all(p.get('name') and p.get('hosts') for p in plays), text
        assert 'elektra_initiative.libelektra.elektra:' in text
        assert not re.search(r'^\s*(- )?elektra:', text, re.M), text


def test_readme_examples_apply_then_change_nothing(tmp_path):
    """In README order on one host: each applies cleanly, and its second run reports changed=0.

    The order matters: the recorded playbook guards the state the earlier examples leave."""
    r = Runner(tmp_path)
    for i, text in enumerate(readme_examples()):
        rc, doc = r.run(text, '-c', 'local')
        assert rc == 0 and stats(doc)['failures'] == 0 and stats(doc)['changed'] > 0, (i, text, doc)
        rc, doc = r.run(text, '-c', 'local')
        assert rc == 0 and stats(doc)['failures'] == 0 and stats(doc)['changed'] == 0, (i, text, doc)
        assert [(n, t['warnings']) for n, t in task_results(doc) if t.get('warnings')] == [], i
    user, system = r.host.keys('user'), r.host.keys('system')
    assert user['user:/tests/app/port'] == ('9090', {'type': 'unsigned_long'})
    assert user['user:/tests/app/mode'] == ('0755', {'type': 'string'})
    assert user['user:/tests/fruit/cherry'] == ('cola', {'type': 'string', 'comment/#0': 'sweet'})
    assert 'user:/tests/fruit/apple' not in user
    assert system == {'system:/tests/app/log': ('debug', {})}


def module_examples(module):
    import ast
    path = os.path.join(os.path.dirname(README), 'plugins', 'modules', module + '.py')
    with open(path) as f:
        tree = ast.parse(f.read())
    text = [n.value.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == 'EXAMPLES'][0]
    return '\n'.join('    ' + line if line.strip() else '' for line in text.strip('\n').split('\n'))


def module_examples_play():
    return ('- name: Module examples\n  hosts: all\n  gather_facts: false\n  tasks:\n'
            + module_examples('elektra') + '\n' + module_examples('elektrafacts') + '\n')


def test_module_examples_run_in_order_then_change_nothing(tmp_path):
    """`ansible-doc`'s EXAMPLES of both modules as the tasks of one play, exactly as documented."""
    r = Runner(tmp_path)
    play = module_examples_play()
    rc, doc = r.run(play, '-c', 'local')
    assert rc == 0 and stats(doc)['failures'] == 0 and stats(doc)['changed'] > 0, doc
    rc, doc = r.run(play, '-c', 'local')
    assert rc == 0 and stats(doc)['failures'] == 0 and stats(doc)['changed'] == 0, doc


@pytest.mark.skipif(shutil.which('ansible-lint') is None, reason='ansible-lint not installed')
def test_ansible_lint_passes_the_readme_examples(tmp_path):
    import subprocess
    names = []
    for i, text in enumerate(readme_examples()):
        names.append('example-%d.yml' % i)
        with open(str(tmp_path / names[-1]), 'w') as f:
            f.write(text)
    names.append('module-examples.yml')
    with open(str(tmp_path / names[-1]), 'w') as f:
        f.write(module_examples_play())
    env = dict(os.environ, HOME=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=COLLECTION_ROOT, NO_COLOR='1')
    proc = subprocess.run(['ansible-lint', '--offline', '--nocolor', '-p'] + names, cwd=str(tmp_path), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert proc.returncode == 0, proc.stdout
