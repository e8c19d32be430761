# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The examples of spec/module.md sections 2 and 6, run through the module's main()."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

SKIP = {'skip': True}


def test_legacy_minimal_task_2_1(host, module):
    r = module({'mountpoint': 'user:/tests/ansible', 'keys': {'hello': 'world'}})
    assert r['changed'] and r['added'] == ['user:/tests/ansible/hello']
    assert host.keys()['user:/tests/ansible/hello'] == ('world', {})
    assert 'recording' not in r  # D25: legacy tasks leave recording alone
    assert not os.path.exists(host.path('system', 'elektra.ecf'))


def test_tree_minimal_task_2_3(host, module):
    r = module({'keys': [{'user:/tests/ansible': {'hello': 'world'}}]})
    assert r['changed'] and host.keys()['user:/tests/ansible/hello'] == ('world', {})
    assert r['recording'] == {'enabled': True, 'parent_key': '/', 'reset': True}


def test_legacy_fruits_of_2_4(host, module):
    r = module({'mountpoint': 'user:/tests/ansible/fruit', 'keys': {
        'cherry': {'value': 'cola', 'meta': {'type': 'string'}}, 'apple': {'value': 'pie'},
        'berries': {'raspberry': {'value': 'pi'}}}})
    assert r['changed']
    assert host.keys() == {
        'user:/tests/ansible/fruit/apple': ('pie', {}),
        'user:/tests/ansible/fruit/berries/raspberry': ('pi', {}),
        'user:/tests/ansible/fruit/cherry': ('cola', {'type': 'string'})}
    assert module({'mountpoint': 'user:/tests/ansible/fruit', 'keys': {
        'cherry': {'value': 'cola', 'meta': {'type': 'string'}}}})['changed'] is False


def test_legacy_ini_mount_of_2_4_fails_clearly(host, module):
    before = host.snapshot()
    r = module({'mountpoint': 'user:/tests/ansible/vegetables', 'filename': 'vegetables.ini',
                'plugins': [{'ini': None}], 'keys': {'tomato': 'ketchup'}})
    assert r['failed'] and "'ini'" in r['msg'] and 'user:/tests/ansible/vegetables' in r['msg']
    assert host.snapshot() == before


def test_tree_example_of_2_4_fails_clearly_on_the_ini_mount(host, module):
    before = host.snapshot()
    r = module({'mount': [{'mountpoint': 'user:/tests/ansible/vegetables', 'file': 'vegetables.ini',
                           'plugins': [{'ini': None}]}],
                'keys': [{'user:/tests/ansible': {'fruit': {'apple': 'pie'}, 'vegetables': {'tomato': 'ketchup'}}},
                         {'system': {'hosts': {'ipv4': {'libelektra.org': '1.2.3.4'}}}}]})
    assert r['failed'] and "storage plugin 'ini'" in r['msg']
    assert host.snapshot() == before


def test_tree_example_of_2_4_with_a_dump_mount(host, module):
    r = module({'mount': [{'mountpoint': 'user:/tests/ansible/vegetables', 'file': 'vegetables.ecf'}],
                'keys': [{'user:/tests/ansible': {
                    'fruit': {'cherry': [{'value': 'cola'}, {'meta': {'type': 'string'}}], 'apple': 'pie',
                              'berries': {'raspberry': 'pi'}},
                    'vegetables': {'tomato': 'ketchup'}}},
                    {'system': {'hosts': {'ipv4': {'libelektra.org': '1.2.3.4'}}}}],
                'record': SKIP})
    assert r['changed'] and r['mounted'] == ['user:/tests/ansible/vegetables']
    assert host.keys('user', 'vegetables.ecf', 'user:/tests/ansible/vegetables') == {
        'user:/tests/ansible/vegetables/tomato': ('ketchup', {})}
    assert 'user:/tests/ansible/vegetables/tomato' not in host.keys()
    assert host.keys('system')['system:/hosts/ipv4/libelektra.org'] == ('1.2.3.4', {})
    again = module({'mount': [{'mountpoint': 'user:/tests/ansible/vegetables', 'file': 'vegetables.ecf'}],
                    'keys': [{'user:/tests/ansible': {'vegetables': {'tomato': 'ketchup'}}}], 'record': SKIP})
    assert again['changed'] is False and again['mounted'] == []


def test_worked_example_of_3_2(host, module):
    r = module({'keys': [{'user:/tests/ansible': {
        'fruit': {'cherry': [{'value': 'cola'}, {'meta': {'type': 'string'}}, {'keys': {'pie': 'yummy'}}]},
        'pets': [{'array': [{'name': 'rufus'}, {'name': 'bessie'}]}],
        'friends': [{'meta': {'complete': 'false'}},
                    {'array': [{'#': 'Mary'}, {'#': [{'value': 'John'}, {'meta': {'age': 53}}]}]}]}}],
        'record': SKIP})
    assert r['changed']
    assert host.keys() == {
        'user:/tests/ansible/fruit/cherry': ('cola', {'type': 'string'}),
        'user:/tests/ansible/fruit/cherry/pie': ('yummy', {}),
        'user:/tests/ansible/pets': ('', {'array': '#1'}),
        'user:/tests/ansible/pets/#0/name': ('rufus', {}),
        'user:/tests/ansible/pets/#1/name': ('bessie', {}),
        'user:/tests/ansible/friends': ('', {'complete': 'false', 'array': '#1'}),
        'user:/tests/ansible/friends/#0': ('Mary', {}),
        'user:/tests/ansible/friends/#1': ('John', {'age': '53'})}


EXPORTED = [
    {'user': {'tests': {'app': {
        'greeting': [{'value': 'hi'}, {'meta': {'elektra': {'export': {'variable': [{'value': 'greeting_text'}]}}}}],
        'name': [{'value': 'demo'}, {'keys': {'first': [{'value': 'd'}]}}],
        'old': [{'remove': True}],
        'port': [{'value': 8080}, {'meta': {'type': [{'value': 'unsigned_long'}]}}]}}}},
    {'system': {'tests': {'app': {'log': [{'value': 'debug'}]}}}}]


def test_exported_playbook_of_6_2_applies_and_reapplies(host, module):
    r = module({'keys': EXPORTED, 'record': SKIP})
    assert r['changed'] and r['removed'] == []  # D1: old did not exist
    assert host.keys() == {
        'user:/tests/app/greeting': ('hi', {'elektra/export/variable': 'greeting_text'}),
        'user:/tests/app/name': ('demo', {}),
        'user:/tests/app/name/first': ('d', {}),
        'user:/tests/app/port': ('8080', {'type': 'unsigned_long'})}
    assert host.keys('system') == {'system:/tests/app/log': ('debug', {})}
    assert module({'keys': EXPORTED, 'record': SKIP})['changed'] is False


def test_generated_shapes_of_6_3(host, module):
    add = {'keys': [{'user': {'tests': {'app': {
        'port': [{'value': '8080'}, {'meta': {'type': [{'value': 'unsigned_long'}]}}],
        'name': [{'value': 'demo2'}], 'old': [{'value': 'x'}]}}}}], 'record': SKIP}
    assert module(add)['changed']
    rm = {'keys': [{'user': {'tests': {'app': {'old': [{'remove': True}]}}}}], 'record': SKIP}
    r = module(rm)
    assert r['removed'] == ['user:/tests/app/old'] and 'user:/tests/app/old' not in host.keys()
    assert module(rm)['changed'] is False
    module({'keys': [{'system:/tests/app': {'log': 'debug'}}], 'record': SKIP})
    check = {'keys': [{'system': {'tests': {'app': {'log': [{'value': 'debug'}, {'meta': {
        'elektra': {'assert': [{'value': '1'}]}}}]}}}}], 'record': SKIP}
    r = module(check)
    assert not r.get('failed') and r['asserted'] == ['system:/tests/app/log'] and r['changed'] is False
    assert 'elektra/assert' not in host.keys('system')['system:/tests/app/log'][1]


def test_transaction_of_6_3_e(host, module):
    r1 = module({'transaction': {'name': 'rec-3f9a1c07', 'action': 'create'},
                 'keys': [{'system': {'tests': {'app': {'log': [{'value': 'info'}]}}}}]})
    assert r1['changed'] and r1['transaction']['state'] == 'staged'
    assert host.keys('system') == {}  # staged only
    r2 = module({'transaction': {'name': 'rec-3f9a1c07', 'action': 'commit'},
                 'keys': [{'user': {'tests': {'app': {'port': [{'value': '8080'}], 'old': [{'remove': True}]}}}}],
                 'record': SKIP})
    assert r2['changed'] and r2['transaction'] == {'name': 'rec-3f9a1c07', 'action': 'commit',
                                                   'state': 'committed', 'staged_keys': 2}
    assert host.keys('system') == {'system:/tests/app/log': ('info', {})}
    assert host.keys() == {'user:/tests/app/port': ('8080', {})}
    assert not os.listdir(os.path.join(host.root, 'var', 'lib', 'elektra-playbook', 'transactions'))
    r3 = module({'transaction': {'name': 'rec-3f9a1c07', 'action': 'rollback'}})
    assert r3['changed'] is False and r3['transaction']['state'] == 'absent'


def test_legacy_transaction_of_6_3(host, module):
    module({'mountpoint': 'user:/tests/app', 'keys': {'old': 'x'}})
    module({'mountpoint': 'system:/tests/app', 'transaction': {'name': 'rec-3f9a1c07', 'action': 'create'},
            'keys': {'log': {'value': 'info'}}})
    r = module({'mountpoint': 'user:/tests/app', 'transaction': {'name': 'rec-3f9a1c07', 'action': 'commit'},
                'keys': {'port': '8080', 'old': {'meta': {'elektra/removed': '1'}}}})
    assert r['changed'] and r['removed'] == ['user:/tests/app/old']
    assert host.keys() == {'user:/tests/app/port': ('8080', {})}
    assert host.keys('system') == {'system:/tests/app/log': ('info', {})}


def test_single_key_syntax_4333(host, module):
    args = {'key': 'user:/tests/single', 'value': 'hello', 'meta': {'type': 'string', 'check': {'length': '10'}}}
    r = module(args)
    assert r['changed'] and host.keys() == {'user:/tests/single': ('hello', {'type': 'string',
                                                                           'check/length': '10'})}
    assert module(args)['changed'] is False
    assert module({'key': 'user:/tests/single', 'meta': {'type': 'string'}})['changed'] is False
    r = module({'key': 'user:/tests/single', 'meta': {'elektra/deleted': '1'}})
    assert r['removed'] == ['user:/tests/single'] and host.keys() == {}


def test_metadata_is_idempotent_on_the_second_run(host, module):
    args = {'mountpoint': 'user:/tests/meta', 'keys': {'k': {'value': 'v', 'meta': {'type': 'string',
                                                                                    'comment/#0': 'c'}}}}
    assert module(args)['changed']
    path = host.path('user')
    st = os.stat(path)
    r = module(args)
    assert r['changed'] is False
    assert os.stat(path).st_ino == st.st_ino  # nothing was written


def test_every_example_in_examples_parses(host):
    import yaml
    from ansible_collections.elektra_initiative.libelektra.plugins.modules import elektra
    tasks = yaml.safe_load(elektra.EXAMPLES)
    flat = []
    for t in tasks:
        flat.extend(t.get('block', [t]) + t.get('rescue', []))
    calls = [t for t in flat if 'elektra_initiative.libelektra.elektra' in t]
    assert len(calls) >= 9
    assert not [t for t in flat if 'elektra' in t]  # FQCN everywhere
