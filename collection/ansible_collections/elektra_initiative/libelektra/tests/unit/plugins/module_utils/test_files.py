# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Lock protocol and atomic write (docs/ARCHITECTURE.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import time

import pytest

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import (
    FileLock, LockBusyError, Locks, write_atomic)


def test_lock_file_holds_our_pid_and_is_removed(tmp_path):
    target = str(tmp_path / 'a' / 'default.ecf')
    with FileLock(target, 0o700):
        assert open(target + '.lock').read() == '%d\n' % os.getpid()
        assert os.stat(target + '.lock').st_mode & 0o777 == 0o600
        assert os.stat(str(tmp_path / 'a')).st_mode & 0o777 == 0o700
    assert not os.path.exists(target + '.lock')


def test_a_live_owner_makes_us_wait_then_fail_busy(tmp_path, monkeypatch):
    monkeypatch.setenv('ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS', '200')
    target = str(tmp_path / 'f')
    sleeper = subprocess.Popen(['sleep', '5'])
    try:
        with open(target + '.lock', 'w') as f:
            f.write('%d\n' % sleeper.pid)
        start = time.time()
        with pytest.raises(LockBusyError) as err:
            FileLock(target).acquire()
        assert time.time() - start >= 0.2 - 0.01
        assert str(err.value) == 'busy: %s is locked by pid %d' % (target, sleeper.pid)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_dead_owner_is_broken(tmp_path):
    target = str(tmp_path / 'f')
    proc = subprocess.Popen(['true'])
    proc.wait()
    with open(target + '.lock', 'w') as f:
        f.write('%d\n' % proc.pid)
    with FileLock(target):
        assert open(target + '.lock').read() == '%d\n' % os.getpid()
    assert os.listdir(str(tmp_path)) == []


def test_an_old_unparsable_lock_is_broken(tmp_path):
    target = str(tmp_path / 'f')
    with open(target + '.lock', 'w') as f:
        f.write('garbage')
    old = time.time() - 10
    os.utime(target + '.lock', (old, old))
    with FileLock(target):
        pass


def test_several_locks_are_taken_first_then_in_path_order(tmp_path):
    paths = [str(tmp_path / n) for n in ('c', 'a', 'b')]
    locks = Locks(paths, first=str(tmp_path / 'z'))
    assert [l.path for l in locks.locks] == [str(tmp_path / n) for n in ('z', 'a', 'b', 'c')]
    with locks:
        assert sorted(os.listdir(str(tmp_path))) == ['a.lock', 'b.lock', 'c.lock', 'z.lock']


def test_atomic_write_keeps_the_mode_and_leaves_no_temp_file(tmp_path):
    target = str(tmp_path / 'sub' / 'f.ecf')
    write_atomic(target, b'one', 0o644, 0o755)
    assert os.stat(target).st_mode & 0o777 == 0o644
    os.chmod(target, 0o600)
    write_atomic(target, b'two', 0o644, 0o755)
    assert open(target, 'rb').read() == b'two' and os.stat(target).st_mode & 0o777 == 0o600
    assert os.listdir(str(tmp_path / 'sub')) == ['f.ecf']


@pytest.mark.skipif(os.geteuid() != 0, reason='changing owners needs root')
def test_atomic_write_keeps_the_owner(tmp_path):
    target = str(tmp_path / 'f.ecf')
    write_atomic(target, b'one', 0o644, 0o755)
    os.chown(target, 4242, 4343)
    write_atomic(target, b'two', 0o644, 0o755)
    st = os.stat(target)
    assert (st.st_uid, st.st_gid) == (4242, 4343) and open(target, 'rb').read() == b'two'


# ---- the rules shared with src/kdb/lock.ts (docs/ARCHITECTURE.md "Lock protocol") -------------------

def test_a_lock_with_our_pid_that_we_did_not_create_is_stale(tmp_path):
    # left by an earlier process that had our pid (recycled): nobody holds it
    target = str(tmp_path / 'f')
    with open(target + '.lock', 'w') as f:
        f.write('%d\n' % os.getpid())
    with FileLock(target) as lock:
        assert os.stat(target + '.lock').st_ino == lock._ino
    assert not os.path.exists(target + '.lock')


def test_a_lock_we_hold_is_not_stale_for_a_second_taker(tmp_path, monkeypatch):
    monkeypatch.setenv('ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS', '50')
    target = str(tmp_path / 'f')
    with FileLock(target):
        with pytest.raises(LockBusyError):
            FileLock(target).acquire()
        assert open(target + '.lock').read() == '%d\n' % os.getpid()


def test_locks_are_reentrant_within_the_process(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    with Locks([a], first=str(tmp_path / 'r')):
        with Locks([a, b], first=str(tmp_path / 'r')):
            assert sorted(os.listdir(str(tmp_path))) == ['a.lock', 'b.lock', 'r.lock']
        # the inner block released only what it took
        assert sorted(os.listdir(str(tmp_path))) == ['a.lock', 'r.lock']
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('content', ['12x\n', '0\n', '012\n', ' 12\n', '12\n\n', '-5\n', ''])
def test_content_that_is_not_a_plain_pid_counts_as_no_pid(tmp_path, monkeypatch, content):
    # no pid: young means "being written", so wait; old (> 2 s) means debris, so break
    monkeypatch.setenv('ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS', '30')
    target = str(tmp_path / 'f')
    with open(target + '.lock', 'w') as f:
        f.write(content)
    with pytest.raises(LockBusyError) as err:
        FileLock(target).acquire()
    assert str(err.value) == 'busy: %s is locked by another process' % target
    old = time.time() - 3
    os.utime(target + '.lock', (old, old))
    with FileLock(target):
        pass


def test_a_pid_beyond_any_possible_pid_is_stale(tmp_path):
    target = str(tmp_path / 'f')
    with open(target + '.lock', 'w') as f:
        f.write('99999999999\n')
    with FileLock(target):
        pass


def test_release_leaves_a_lock_that_is_no_longer_ours(tmp_path):
    target = str(tmp_path / 'f')
    lock = FileLock(target).acquire()
    # someone broke our lock (wrongly) and took it: its inode differs, so release keeps it
    os.rename(target + '.lock', target + '.aside')  # kept, so its inode is not reused at once
    with open(target + '.lock', 'w') as f:
        f.write('%d\n' % os.getpid())
    lock.release()
    assert os.path.exists(target + '.lock')
    assert not files_held(target)


def files_held(target):
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import holds_lock
    return holds_lock(target)


def test_breaking_gives_back_a_lock_that_was_retaken_meanwhile(tmp_path):
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import files
    target = str(tmp_path / 'f')
    sleeper = subprocess.Popen(['sleep', '5'])
    try:
        with open(target + '.lock', 'w') as f:
            f.write('1999999999\n')  # what we looked at: stale
        seen = files._inspect(target + '.lock')
        # meanwhile another breaker removed it and a live process took the lock afresh
        os.unlink(target + '.lock')
        with open(target + '.lock', 'w') as f:
            f.write('%d\n' % sleeper.pid)
        FileLock(target)._break(seen)
        assert open(target + '.lock').read() == '%d\n' % sleeper.pid
        assert os.listdir(str(tmp_path)) == ['f.lock']
    finally:
        sleeper.kill()
        sleeper.wait()


def test_lock_files_are_named_after_the_normalised_path(tmp_path):
    target = str(tmp_path) + '//x/../f'
    with FileLock(target) as lock:
        assert lock.lock_path == str(tmp_path / 'f.lock')


def test_atomic_write_changes_the_mtime_even_within_one_clock_tick(tmp_path):
    target = str(tmp_path / 'f.ecf')
    write_atomic(target, b'one', 0o644, 0o755)
    t = os.stat(target).st_mtime_ns
    os.utime(target, ns=(t, t))
    for _ in range(3):
        before = os.stat(target).st_mtime_ns
        write_atomic(target, b'two', 0o644, 0o755)
        assert os.stat(target).st_mtime_ns != before
