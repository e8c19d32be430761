# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""A task that touches recording holds the record lock from before its first write until its files are
marked seen, catches up with other programs' writes first, and resets like `record reset`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import engine, files, recording, seen
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import write_dump
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import parse
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet


def session(host, ns='user'):
    return host.keys(ns, 'record-session.cfg', '%s:/elektra/record/session' % ns)


def test_the_record_lock_is_held_while_writing_and_marking(host, module, monkeypatch):
    module({'record': {'enable': True}})
    lock = files.lock_file_of(host.store().record_lock_target())
    seen_during = []
    real_write, real_mark = engine.write_all, seen.mark

    def write_all(store, writes, staging=None):
        seen_during.append(('write', os.path.exists(lock) and files.holds_lock(lock[:-5])))
        return real_write(store, writes, staging)

    def mark(path, absent):
        seen_during.append(('mark', files.holds_lock(lock[:-5])))
        return real_mark(path, absent)

    monkeypatch.setattr(engine, 'write_all', write_all)
    monkeypatch.setattr(seen, 'mark', mark)
    r = module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'recordAnsible': True, 'reset': False}})
    assert r['changed'] and seen_during and all(held for _what, held in seen_during), seen_during
    assert not os.path.exists(lock)


def test_skip_and_applied_tasks_take_no_record_lock(host, module, monkeypatch):
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'enable': True}})
    taken = []
    real = files.FileLock.acquire

    def acquire(self):
        taken.append(self.path)
        return real(self)

    monkeypatch.setattr(files.FileLock, 'acquire', acquire)
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'enable': True, 'reset': False}})  # applied
    module({'keys': [{'user:/t': {'b': '1'}}], 'record': {'skip': True}})
    assert host.store().record_lock_target() not in taken


def test_other_programs_writes_are_recorded_before_the_tasks_own(host, module):
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'enable': True}})  # reset, start: a is baseline
    # another program replaces the user file (by rename)
    ks = KeySet([Key(parse('user:/t/a'), '1'), Key(parse('user:/t/ext'), 'x')])
    files.write_atomic(host.path('user'), write_dump(ks, parse('user:/')), 0o600, 0o700)
    r = module({'keys': [{'user:/t': {'own': '2'}}], 'record': {'recordAnsible': True, 'reset': False}})
    assert r['changed']
    assert session(host) == {'user:/elektra/record/session/diff/added/t/ext': ('x', {}),
                             'user:/elektra/record/session/diff/added/t/own': ('2', {})}
    # and nothing is pending: the CLI would find every file as seen
    absent = seen.absent_list(host.store())
    assert [p for p in seen.watched_files(host.store()) if seen.check(p, absent)[0] != 'same'] == []


def test_unrecorded_own_writes_are_not_recorded_but_others_are(host, module):
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'enable': True}})
    ks = KeySet([Key(parse('user:/t/a'), 'changed')])
    files.write_atomic(host.path('user'), write_dump(ks, parse('user:/')), 0o600, 0o700)
    module({'keys': [{'user:/t': {'own': '2'}}], 'record': {'reset': False}})
    assert session(host) == {'user:/elektra/record/session/diff/modified/old/t/a': ('1', {}),
                             'user:/elektra/record/session/diff/modified/new/t/a': ('changed', {})}


def test_reset_drops_the_journal_with_the_session_files(host, module):
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'enable': True}})
    store = host.store()
    with files.Locks([], first=store.record_lock_target()):
        recording.append_part(store, [recording.Change(parse('user:/t/j'), None, Key(parse('user:/t/j'), 'v'))], [])
    assert recording.status(store) == ('/', True)  # a pending journal is a non-empty session
    r = module({'record': {'enable': True, 'reset': True}})
    assert r['changed'] and not os.path.exists(recording.journal_path(store))
    assert session(host) == {} and recording.status(host.store()) == ('/', False)


def test_pending_journal_parts_come_before_the_tasks_own(host, module):
    module({'keys': [{'user:/t': {'a': '1'}}], 'record': {'enable': True}})
    store = host.store()
    with files.Locks([], first=store.record_lock_target()):
        recording.append_part(store, [recording.Change(parse('user:/t/a'), Key(parse('user:/t/a'), '0'),
                                                       Key(parse('user:/t/a'), '1'))], [])
    module({'keys': [{'user:/t': {'a': '2'}}], 'record': {'recordAnsible': True, 'reset': False}})
    # modified 0 -> 1 (journal), then 1 -> 2 (the task): one modification 0 -> 2
    assert session(host) == {'user:/elektra/record/session/diff/modified/old/t/a': ('0', {}),
                             'user:/elektra/record/session/diff/modified/new/t/a': ('2', {})}
    assert not os.path.exists(recording.journal_path(store))
