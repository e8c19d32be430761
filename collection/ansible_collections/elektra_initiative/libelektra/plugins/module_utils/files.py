# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Atomic file replacement and the lock protocol shared with the TypeScript store (docs/ARCHITECTURE.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import random
import time


class LockBusyError(Exception):
    def __init__(self, path, pid):
        Exception.__init__(self, 'busy: %s is locked by pid %s' % (path, pid))
        self.path = path
        self.pid = pid


def make_dirs(path, mode):
    """Create missing directories with `mode` (umask does not weaken it)."""
    if not path or os.path.isdir(path):
        return
    make_dirs(os.path.dirname(path), mode)
    try:
        os.mkdir(path, mode)
        os.chmod(path, mode)
    except OSError as e:
        if e.errno != errno.EEXIST:
            raise


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno != errno.ESRCH
    return True


def _timeout_s():
    raw = os.environ.get('ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS')
    try:
        return int(raw) / 1000.0 if raw else 10.0
    except ValueError:
        return 10.0


class FileLock(object):
    """`F.lock` created with O_EXCL holding `<pid>\\n`; stale locks (dead pid) are broken by rename."""

    def __init__(self, path, dir_mode=0o755):
        self.path = path
        self.lock_path = path + '.lock'
        self.dir_mode = dir_mode
        self.held = False

    def acquire(self):
        make_dirs(os.path.dirname(self.lock_path), self.dir_mode)
        deadline = time.time() + _timeout_s()
        delay = 0.002
        pid = None
        while True:
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as e:
                if e.errno != errno.EEXIST:
                    raise
            else:
                try:
                    os.write(fd, ('%d\n' % os.getpid()).encode('ascii'))
                finally:
                    os.close(fd)
                self.held = True
                return self
            pid = self._owner()
            if self._stale(pid):
                self._break()
                continue
            if time.time() >= deadline:
                raise LockBusyError(self.path, pid if pid is not None else '?')
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.5, 0.02)

    def _owner(self):
        try:
            with open(self.lock_path, 'rb') as f:
                text = f.read().decode('ascii', 'replace').strip()
            return int(text)
        except (OSError, ValueError):
            return None

    def _stale(self, pid):
        if pid is None:
            try:
                return time.time() - os.stat(self.lock_path).st_mtime > 2.0
            except OSError:
                return False
        return not _pid_alive(pid)

    def _break(self):
        aside = '%s.stale-%d-%d' % (self.lock_path, os.getpid(), random.randint(0, 1 << 30))
        try:
            os.rename(self.lock_path, aside)
        except OSError:
            return  # someone else broke it first
        try:
            os.unlink(aside)
        except OSError:
            pass

    def release(self):
        if not self.held:
            return
        self.held = False
        if self._owner() == os.getpid():
            try:
                os.unlink(self.lock_path)
            except OSError:
                pass

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


class Locks(object):
    """Several locks: `first` (e.g. the record lock) before the others in ascending path order."""

    def __init__(self, paths, first=None, dir_modes=None):
        dir_modes = dir_modes or {}
        ordered = sorted(set(p for p in paths if p != first))
        if first:
            ordered.insert(0, first)
        self.locks = [FileLock(p, dir_modes.get(p, 0o755)) for p in ordered]

    def __enter__(self):
        done = []
        try:
            for lock in self.locks:
                lock.acquire()
                done.append(lock)
        except BaseException:
            for lock in reversed(done):
                lock.release()
            raise
        return self

    def __exit__(self, *exc):
        for lock in reversed(self.locks):
            lock.release()


def fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path, data, new_mode=0o644, dir_mode=0o755):
    """Temp file `<file>.<pid>:<sec>.<usec>.tmp` in the same directory, fsync, rename, keep the mode."""
    directory = os.path.dirname(path)
    make_dirs(directory, dir_mode)
    owner = None
    try:
        st = os.stat(path)
        mode = st.st_mode & 0o7777
        owner = (st.st_uid, st.st_gid)
    except OSError:
        mode = new_mode
    now = time.time()
    tmp = '%s.%d:%d.%d.tmp' % (path, os.getpid(), int(now), int((now % 1) * 1000000))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if owner is not None and owner != (os.geteuid(), os.getegid()):
            try:  # an existing file keeps its owner (as libelektra's resolver does), when we may
                os.chown(tmp, owner[0], owner[1])
            except OSError:
                pass
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(directory)


def remove_file(path):
    """An empty key set deletes the file (as libelektra's resolver does)."""
    try:
        os.unlink(path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        return False
    fsync_dir(os.path.dirname(path))
    return True


def read_file(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except IOError as e:
        if e.errno == errno.ENOENT:
            return None
        raise
