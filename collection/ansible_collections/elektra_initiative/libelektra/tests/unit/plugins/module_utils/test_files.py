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
