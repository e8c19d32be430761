# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""File locations and the mountpoint table as src/kdb/paths.ts and mountpoints.ts define them
(the cross-language comparison is test/parity-paths.test.ts)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import files
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import write_dump
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import parse
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import (
    EmbeddedStore, MountpointError, StoreError, mount_config)


@pytest.mark.parametrize('p,normal', [
    ('/a//b/./c/', '/a/b/c/'), ('//a', '/a'), ('/a/../..', '/'), ('a/../..', '..'), ('', '.'), ('./', './'),
])
def test_normalize_spells_paths_as_node_does(p, normal):
    assert files.normalize(p) == normal


def test_join_and_resolve_as_node_does():
    assert files.join('/r/', '/etc/kdb') == '/r/etc/kdb'
    assert files.join('/h', 'x/') == '/h/x/'
    assert files.resolve('/a/b/') == '/a/b'
    assert files.resolve('x', '/c//d') == '/c/d/x'
    assert files.dirname('/a/b') == '/a' and files.dirname('/a') == '/' and files.dirname('/') == '/'


def _table(host, entries):
    ks = KeySet()
    for mp, path in entries:
        for k in mount_config(parse(mp), path):
            ks.add(k)
    p = os.path.join(host.root, 'etc', 'kdb', 'elektra.ecf')
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, 'wb') as f:
        f.write(write_dump(ks, parse('system:/elektra')))


def test_paths_are_normalised(host):
    _table(host, [('user:/a', 'x/../a.ecf'), ('system:/s', '/opt//s.ecf'), ('system:/t', '~/t.ecf')])
    store = EmbeddedStore(host.root + '//', host.home + '/./', host.cwd)
    assert store.backend_for(parse('user:/a/k')).path == os.path.join(host.home, '.config', 'a.ecf')
    assert store.backend_for(parse('system:/s')).path == os.path.join(host.root, 'opt', 's.ecf')
    assert store.backend_for(parse('system:/t')).path == os.path.join(host.home, 't.ecf')
    assert store.record_lock_target() == os.path.join(host.root, 'etc', 'kdb', 'record-session.cfg')


def test_dir_files_are_found_upward(host):
    deep = os.path.join(host.cwd, 'x', 'y')
    os.makedirs(deep)
    os.makedirs(os.path.join(host.cwd, '.dir'))
    open(os.path.join(host.cwd, '.dir', 'default.ecf'), 'w').close()
    store = EmbeddedStore(host.root, host.home, deep)
    assert store.backend_for(parse('dir:/k')).path == os.path.join(host.cwd, '.dir', 'default.ecf')
    assert store.session_backend('dir').path == os.path.join(host.cwd, '.dir', 'record-session.cfg')


@pytest.mark.parametrize('mp,path,reason', [
    ('system:/elektra/x', 'x.ecf', 'mountpoints below system:/elektra are not allowed'),
    ('/elektra/y', 'y.ecf', 'mountpoints below system:/elektra are not allowed'),
    ('user:/nopath', '', 'missing definition/path'),
])
def test_a_bad_table_entry_is_an_error_naming_its_key(host, mp, path, reason):
    _table(host, [(mp, path)])
    with pytest.raises(MountpointError) as err:
        host.store().mounts()
    key = 'system:/elektra/mountpoints/%s' % mp.replace('/', '\\/')
    assert str(err.value) == '%s: %s' % (key, reason)


def test_an_invalid_mountpoint_name_is_an_error_naming_its_key(host):
    ks = KeySet([Key(parse('system:/elektra/mountpoints/nonsense/definition/path'), 'n.ecf')])
    with pytest.raises(MountpointError) as err:
        EmbeddedStore.parse_mounts(ks)
    assert str(err.value).startswith('system:/elektra/mountpoints/nonsense: not a valid mountpoint name')


def test_keys_of_nested_mountpoints_are_dropped_from_the_parent_file(host):
    _table(host, [('user:/app', 'app.ecf')])
    ks = KeySet([Key(parse(n), 'v') for n in ('user:/a', 'user:/app', 'user:/app/x', 'user:/appx',
                                              'user:/elektra/record/session/diff/added/a')])
    os.makedirs(os.path.join(host.home, '.config'))
    with open(host.path('user'), 'wb') as f:
        f.write(write_dump(ks, parse('user:/')))
    got = host.store().root_backend('user').read()
    assert [k.name.canonical for k in got] == ['user:/a', 'user:/appx']


def test_virtual_mountpoints_read_empty_and_refuse_writes(host):
    b = host.store().backend_for(parse('system:/elektra/modules/dump'))
    assert b.virtual and len(b.read()) == 0
    with pytest.raises(StoreError) as err:
        b.check_writable()
    assert 'system:/elektra/modules is read-only' in str(err.value)
