# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Each defect D1-D28 of spec/module.md section 4 that applies, fixed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

SKIP = {'skip': True}


def tree(node, **kw):
    args = {'keys': [{'user:/t': node}], 'record': SKIP}
    args.update(kw)
    return args


def test_d1_removing_a_missing_key_is_a_no_op(host, module):
    before = host.snapshot()
    r = module(tree({'gone': [{'remove': True}]}))
    assert not r.get('failed') and r['changed'] is False
    assert host.snapshot() == before  # not even a directory for a lock file


def test_an_applied_task_writes_nothing_at_all(host, module):
    args = {'keys': [{'user:/t': {'a': '1'}}, {'system:/t': {'b': '2'}}], 'record': SKIP}
    module(args)
    before = host.snapshot()
    stamps = dict((p, os.stat(p).st_mtime_ns) for p in before)
    assert module(args)['changed'] is False
    assert host.snapshot() == before
    assert dict((p, os.stat(p).st_mtime_ns) for p in before) == stamps


def test_d2_check_mode_writes_no_recording_state(host, module):
    before = host.snapshot()
    r = module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'recordAnsible': True}}, check=True)
    assert r['changed'] and r['added'] == ['user:/t/a']
    assert host.snapshot() == before


def test_d3_check_mode_predicts_keys_of_a_missing_mount_as_added(host, module):
    module(tree({'m': {'x': 'old'}}))
    before = host.snapshot()
    r = module({'mount': [{'mountpoint': 'user:/t/m', 'file': 'm.ecf'}], 'keys': [{'user:/t/m': {'x': 'old'}}],
                'record': SKIP}, check=True)
    assert r['changed'] and r['mounted'] == ['user:/t/m'] and r['added'] == ['user:/t/m/x']
    assert any('not mounted yet' in w for w in r['warnings'])
    assert host.snapshot() == before


def test_d4_values_are_converted_verbatim(host, module):
    r = module(tree({'s': 'x', 'n': None, 'i': 493, 'f': 1.10, 'b': True, 'q': 'yes'}))
    keys = host.keys()
    assert [keys['user:/t/' + k][0] for k in 'snifbq'] == ['x', '', '493', '1.1', 'True', 'yes']
    assert any('user:/t.b' in w and 'quote' in w for w in r['warnings'])


def test_d4_a_list_value_is_an_error_naming_the_path(host, module):
    r = module({'mountpoint': 'user:/t', 'keys': {'a': {'value': [1, 2]}}})
    assert r['failed'] and r['msg'].startswith('keys.a.value: a list cannot be a value')


def test_d5_invalid_names_name_the_yaml_path(host, module):
    r = module(tree({'ok': {'bad\\x': 'v'}}))
    assert r['failed'] and 'keys[0].user:/t.ok.bad\\x' in r['msg'] and 'invalid key name' in r['msg']
    assert host.keys() == {}


def test_d5_escaped_slash_is_one_part(host, module):
    module({'keys': [{'system:/elektra/mountpoints': {'user:\\/test': {'x': 'y'}}}], 'record': SKIP})
    keys = host.keys('system', 'elektra.ecf', 'system:/elektra')
    assert keys == {'system:/elektra/mountpoints/user:\\/test/x': ('y', {})}


def test_d6_array_metadata_is_canonical(host, module):
    module(tree({'arr': [{'array': [str(i) for i in range(11)]}], 'empty': [{'array': []}]}))
    keys = host.keys()
    assert keys['user:/t/arr'][1] == {'array': '#_10'} and keys['user:/t/arr/#_10'][0] == '10'
    assert keys['user:/t/empty'][1] == {'array': ''}


def test_d7_all_fields_of_an_item_count_and_unknown_fields_fail(host, module):
    module(tree({'k': [{'value': 'v', 'meta': {'type': 'string'}}]}))
    assert host.keys()['user:/t/k'] == ('v', {'type': 'string'})
    r = module(tree({'k': [{'valeu': 'v'}]}))
    assert r['failed'] and "keys[0].user:/t.k[0]: unknown field 'valeu'" in r['msg']
    r = module(tree({'k': ['v']}))
    assert r['failed'] and 'keys[0].user:/t.k[0]' in r['msg']
    r = module(tree({'k': [{}]}))
    assert r['failed'] and 'keys[0].user:/t.k[0]' in r['msg']


def test_d8_listed_metadata_merges_and_value_is_kept(host, module):
    module(tree({'k': [{'value': 'v'}, {'meta': {'type': 'string', 'comment/#0': 'c'}}]}))
    r = module(tree({'k': [{'meta': {'type': 'long'}}]}))
    assert r['modified'] == ['user:/t/k']
    assert host.keys()['user:/t/k'] == ('v', {'type': 'long', 'comment/#0': 'c'})
    module(tree({'k': 'w'}))
    assert host.keys()['user:/t/k'] == ('w', {'type': 'long', 'comment/#0': 'c'})


def test_d8_top_level_remove_replaces_the_key_wholesale(host, module):
    module(tree({'k': [{'value': 'v'}, {'meta': {'type': 'string'}}]}))
    module(tree({'k': 'new'}, remove=['user:/t/k']))
    assert host.keys()['user:/t/k'] == ('new', {})


def test_d9_boolean_rules_and_null_options(host, module):
    module(tree({'a': '1', 'b': '2', 'c': [{'value': 'x'}, {'keys': {'d': '3'}}]}))
    r = module(tree({'a': [{'remove': 'yes'}], 'b': [{'meta': {'elektra/removed': 'TRUE'}}]},
                    remove=[{'user:/t/c': None}]))
    assert sorted(r['removed']) == ['user:/t/a', 'user:/t/b', 'user:/t/c']
    assert host.keys() == {'user:/t/c/d': ('3', {})}
    r = module(tree({'x': [{'meta': {'elektra/removed': 'maybe'}}]}))
    assert r['failed'] and 'not a boolean' in r['msg']


def test_d10_marker_metadata_is_never_written(host, module):
    module(tree({'k': [{'value': 'v'}, {'meta': {'elektra/removed': '0', 'elektra/deleted': 'no'}}]}))
    assert host.keys()['user:/t/k'] == ('v', {})


def test_d11_merge_applies_metadata_and_strategies(host, module):
    module(tree({'k': 'host'}))
    base = [{'user:/t': {'k': 'base'}}]
    r = module(tree({'k': [{'value': 'ours'}, {'meta': {'type': 'string'}}]},
                    merge={'strategy': 'theirs', 'base': base}))
    assert host.keys()['user:/t/k'] == ('host', {'type': 'string'})
    before = host.snapshot()
    r = module(tree({'k': 'ours'}, merge={'strategy': 'abort', 'base': base}))
    assert r['failed'] and r['conflicts'] == ['user:/t/k'] and host.snapshot() == before
    r = module(tree({'k': 'ours'}, merge={'strategy': 'ours', 'base': base}))
    assert host.keys()['user:/t/k'][0] == 'ours'


def test_d12_only_the_files_of_the_listed_keys_are_touched(host, module):
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': SKIP})
    assert not os.path.exists(os.path.join(host.root, 'etc'))


def test_d13_d14_failures_are_one_sentence_with_the_traceback_apart(host, module):
    os.makedirs(os.path.dirname(host.path('user')))
    with open(host.path('user'), 'wb') as f:
        f.write(b'kdbOpen 2\n$key strange 1 1\na\nb\n')
    r = module(tree({'a': '1'}))
    assert r['failed'] and '\n' not in r['msg'] and 'Traceback' not in r['msg']
    assert host.path('user') in r['msg'] and 'byte 10' in r['msg'] and 'Traceback' in r['exception']


def test_d15_libelektra_backend_without_bindings_fails_clearly(host, module):
    r = module(tree({'a': '1'}, backend='libelektra'))
    assert r['failed'] and 'libelektra Python bindings' in r['msg'] and 'exception' in r


def test_d15_auto_backend_falls_back_to_embedded(host, module):
    assert module(tree({'a': '1'}))['backend'] == 'embedded'


def test_d16_recording_is_an_alias_of_record(host, module):
    r = module({'keys': [{'user:/t': {'a': '1'}}], 'recording': {'skip': True}})
    assert not r.get('failed') and 'recording' not in r


def test_d18_legacy_filename_alone_mounts_dump_and_counts_as_changed(host, module):
    r = module({'mountpoint': 'user:/t/m', 'filename': 'm.ecf', 'keys': {'x': 'y'}})
    assert r['changed'] and r['mounted'] == ['user:/t/m']
    assert host.keys('user', 'm.ecf', 'user:/t/m') == {'user:/t/m/x': ('y', {})}
    r = module({'mountpoint': 'user:/t/m', 'filename': 'm.ecf', 'keys': {'x': 'y'}})
    assert r['changed'] is False and r['mounted'] == []


def test_d19_remount_only_on_difference(host, module):
    m = {'mountpoint': 'system:/app', 'file': 'app.ecf'}
    assert module({'mount': [m], 'record': SKIP})['mounted'] == ['system:/app']
    assert module({'mount': [m], 'record': SKIP})['changed'] is False
    r = module({'mount': [dict(m, file='other.ecf')], 'record': SKIP})
    assert r['changed'] and r['mounted'] == ['system:/app']
    assert module({'mount': [dict(m, file='other.ecf', forceRemount=True)], 'record': SKIP})['changed']


def test_d20_missing_kdb_binary_is_reported_clearly():
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.libelektra_store import (
        LibelektraStore)
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.request import parse_mounts
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import StoreError
    store = LibelektraStore(kdb_command='/nonexistent/kdb')
    spec = parse_mounts([{'mountpoint': 'user:/v', 'file': 'v.ini', 'plugins': [{'ini': None}]}])[0]
    with pytest.raises(StoreError) as err:
        store._run(['mount', 'v.ini'], spec)
    assert "needs the '/nonexistent/kdb' command" in str(err.value) and 'user:/v' in str(err.value)


def test_d21_preserve_keys_is_a_union(host, module):
    module(tree({'m': {'a': 'parent', 'b': 'parent'}}))
    mp = os.path.join(host.home, '.config', 'm.ecf')
    with open(mp, 'wb') as f:
        f.write(b'kdbOpen 2\n$key string 1 4\nb\nfile\n$key string 1 4\nc\nfile\n$end\n')
    module({'mount': [{'mountpoint': 'user:/t/m', 'file': 'm.ecf', 'preserveKeys': True}], 'record': SKIP})
    assert host.keys('user', 'm.ecf', 'user:/t/m') == {
        'user:/t/m/a': ('parent', {}), 'user:/t/m/b': ('parent', {}), 'user:/t/m/c': ('file', {})}


def test_d22_d23_keep_order_is_idempotent_and_per_parent(host, module):
    module(tree({'x': [{'value': '0'}, {'meta': {'order': '7'}}], 'sub': {'y': [{'meta': {'order': '2'}}]}}))
    args = {'mountpoint': 'user:/t', 'keeporder': True, 'keys': {'a': '1', 'sub': {'z': '2'}}}
    module(args)
    keys = host.keys()
    assert keys['user:/t/a'][1]['order'] == '8'  # position 0 + (1 + 7)
    assert keys['user:/t/sub/z'][1]['order'] == '4'  # position 1 + (1 + 2), siblings of sub only
    assert module(args)['changed'] is False
    assert host.keys() == keys


def test_d25_tree_syntax_enables_recording_legacy_does_not(host, module):
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import recording
    module({'mountpoint': 'user:/t', 'keys': {'a': '1'}})
    assert recording.status(host.store()) == (None, False)
    r = module({'keys': [{'user:/t': {'a': '1'}}]})
    assert r['changed'] and recording.status(host.store()) == ('/', False)
    assert module({'keys': [{'user:/t': {'a': '1'}}]})['changed'] is False


def test_d26_roots_must_be_persistent_namespaces(host, module):
    for bad in ('/foo', 'proc:/x', 'meta:/x', 'default:/x'):
        r = module({'keys': [{bad: {'a': '1'}}], 'record': SKIP})
        assert r['failed'] and 'keys[0].%s' % bad in r['msg']
    r = module({'keys': [{'user': {'a': '1'}}, {'system:/s': {'b': '2'}}], 'record': SKIP})
    assert r['added'] == ['user:/a', 'system:/s/b']


def test_d27_return_values_and_diff(host, module):
    module(tree({'m': 'old', 'r': 'x'}))
    r = module(tree({'a': [{'value': 'new'}, {'meta': {'type': 'string'}}], 'm': 'changed',
                     'r': [{'remove': True}]}), diff=True)
    assert (r['added'], r['modified'], r['removed']) == (['user:/t/a'], ['user:/t/m'], ['user:/t/r'])
    assert r['diff']['before'] == 'user:/t/m = old\nuser:/t/r = x\n'
    assert r['diff']['after'] == 'user:/t/a = new\nuser:/t/a meta:/type = string\nuser:/t/m = changed\n'


def test_d28_both_syntaxes_in_one_collection(host, module):
    assert module({'mountpoint': 'user:/a', 'keys': 'root value', 'keeporder': False})['changed']
    assert module({'keys': [{'user:/a': [{'value': 'root value'}]}], 'keepOrder': False,
                   'record': SKIP})['changed'] is False
    assert host.keys() == {'user:/a': ('root value', {})}


def test_r2_mount_and_mountpoint_are_exclusive(host, module):
    r = module({'mountpoint': 'user:/a', 'mount': [{'mountpoint': 'user:/b', 'file': 'b.ecf'}]})
    assert r['failed'] and 'mutually exclusive' in r['msg']


def test_dir_keys_need_chdir(host, module):
    r = module({'keys': [{'dir:/x': {'a': '1'}}], 'record': SKIP})
    assert r['failed'] and "'chdir'" in r['msg']
    r = module({'keys': [{'dir:/x': {'a': '1'}}], 'record': SKIP, 'chdir': host.cwd})
    assert r['changed'] and host.keys('dir') == {'dir:/x/a': ('1', {})}
    assert oct(os.stat(host.path('dir')).st_mode & 0o777) == '0o600'


def test_existing_non_dump_mount_is_a_clear_error(host, module):
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import mount_config
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import parse
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import write_dump
    ks = mount_config(parse('/hosts'), 'hosts')
    for k in ks:
        if k.name.parts[-1] == 'name' and k.value == 'dump':
            k.value = 'hosts'
    os.makedirs(os.path.dirname(host.path('system')))
    with open(host.path('system', 'elektra.ecf'), 'wb') as f:
        f.write(write_dump(ks, 'system:/elektra'))
    r = module({'keys': [{'system:/hosts': {'ipv4': {'a': '1.2.3.4'}}}], 'record': SKIP})
    assert r['failed'] and "storage plugin 'hosts'" in r['msg'] and '/hosts' in r['msg']
    assert r['msg'].startswith('keys[0].system:/hosts.ipv4.a: key system:/hosts/ipv4/a: ')


def test_files_get_libelektra_modes(host, module):
    module({'keys': [{'user:/t': {'a': '1'}}, {'system:/t': {'a': '1'}}], 'record': SKIP})
    assert os.stat(host.path('user')).st_mode & 0o777 == 0o600
    assert os.stat(os.path.dirname(host.path('user'))).st_mode & 0o777 == 0o700
    assert os.stat(host.path('system')).st_mode & 0o777 == 0o644
    os.chmod(host.path('system'), 0o640)
    module({'keys': [{'system:/t': {'a': '2'}}], 'record': SKIP})
    assert os.stat(host.path('system')).st_mode & 0o777 == 0o640


def test_d18_a_failing_task_undoes_only_the_mounts_it_created(host, module):
    module({'mount': [{'mountpoint': 'user:/old', 'file': 'old.ecf'}], 'record': SKIP})
    r = module({'mount': [{'mountpoint': 'user:/old', 'file': 'old.ecf'}, {'mountpoint': 'user:/new', 'file': 'n.ecf'}],
                'keys': [{'user:/new': {'a': [{'value': 'x'}, {'assert': True}]}}], 'record': SKIP})
    assert r['failed'] and 'assertion failed' in r['msg']
    assert [m.name.canonical for m in host.store().mounts()] == ['user:/old']


def test_r3_legacy_keys_stay_below_the_mountpoint(host, module):
    r = module({'mountpoint': 'user:/app', 'keys': {'..': {'escape': 'x'}}})
    assert r['failed'] and 'not below the mountpoint user:/app' in r['msg'] and host.keys() == {}


def test_merge_without_base_undoes_the_recorded_session(host, module):
    module({'keys': [{'user:/t': {'k': 'deployed'}}], 'record': SKIP})
    # a local manual change, recorded in the session: deployed -> local
    module({'keys': [{'user:/t': {'k': 'local'}}], 'record': {'recordAnsible': True}})
    r = module(tree({'k': 'next'}, merge={'strategy': 'abort'}))
    assert r['failed'] and r['conflicts'] == ['user:/t/k'] and host.keys()['user:/t/k'][0] == 'local'
    r = module(tree({'k': 'next'}, merge={'strategy': 'theirs'}))
    assert host.keys()['user:/t/k'][0] == 'local'


def test_recursive_remove_of_everything_keeps_elektras_own_keys(host, module):
    module({'mount': [{'mountpoint': 'user:/m', 'file': 'm.ecf'}],
            'keys': [{'user:/m': {'x': '1'}}, {'user:/a': {'b': '1'}}, {'system:/c': {'d': '1'}}]})
    module({'keys': [{'user:/s': {'t': '1'}}], 'record': {'recordAnsible': True, 'reset': False}})
    r = module({'remove': [{'/': {'recursive': True}}], 'record': SKIP})
    assert sorted(r['removed']) == ['system:/c/d', 'user:/a/b', 'user:/m/x', 'user:/s/t']
    assert 'user:/elektra/record/session/diff/added/s/t' in host.keys('user', 'record-session.cfg',
                                                                      'user:/elektra/record/session')
    assert [m.name.canonical for m in host.store().mounts()] == ['user:/m']
    assert host.keys('system', 'elektra.ecf', 'system:/elektra')['system:/elektra/record/config/active'][0] == '/'
    r = module({'remove': [{'system:/elektra/record': {'recursive': True}}], 'record': SKIP})
    assert r['removed'] == ['system:/elektra/record/config/active']
