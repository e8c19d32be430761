# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Atomic file replacement and the lock protocol shared with the TypeScript store.

docs/ARCHITECTURE.md "Lock protocol" and "Atomic write" are normative; src/kdb/lock.ts and
src/kdb/atomic-write.ts are the twins (test/parity-*.test.ts runs both against each other).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import os
import random
import re
import time


class LockBusyError(Exception):
    def __init__(self, path, pid):
        Exception.__init__(self, 'busy: %s is locked by %s' % (
            path, 'another process' if pid is None else 'pid %d' % pid))
        self.path = path
        self.pid = pid


class FileError(OSError):
    """An OS error while handling a store file; the message names the file and the action."""

    def __init__(self, path, action, cause):
        OSError.__init__(self, getattr(cause, 'errno', None) or errno.EIO,
                         '%s: %s: %s' % (path, action, getattr(cause, 'strerror', None) or cause))
        self.path = path
        self.action = action

    def __str__(self):
        return self.strerror


# --- paths, spelled exactly as Node's path module spells them (the lock file name depends on it) ----

def normalize(p):
    """Node's path.posix.normalize: `.`, `..`, repeated slashes resolved; a trailing slash kept."""
    if p == '':
        return '.'
    absolute = p.startswith('/')
    trailing = p.endswith('/')
    out = []
    for part in p.split('/'):
        if part in ('', '.'):
            continue
        if part == '..':
            if out and out[-1] != '..':
                out.pop()
            elif not absolute:
                out.append('..')
            continue
        out.append(part)
    body = '/'.join(out)
    if not body and not absolute:
        body = '.'
    if body and trailing:
        body += '/'
    return ('/' + body) if absolute else body


def join(*parts):
    """Node's path.posix.join: the non-empty parts joined with `/`, then normalised."""
    joined = '/'.join(p for p in parts if p)
    return normalize(joined) if joined else '.'


def resolve(p, cwd=None):
    """Node's path.resolve for one path: absolute, normalised, no trailing slash."""
    if not p.startswith('/'):
        p = (cwd or os.getcwd()) + '/' + p
    n = normalize(p)
    return n[:-1] if len(n) > 1 and n.endswith('/') else n


def dirname(p):
    """Node's path.posix.dirname (for absolute paths: the parent, `/` for the root)."""
    if len(p) > 1:
        p = p.rstrip('/') or '/'
    i = p.rfind('/')
    if i < 0:
        return '.'
    if i == 0:
        return '/'
    return p[:i]


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
            raise FileError(path, 'create directory', e)


# --- the lock protocol -----------------------------------------------------------------------------

# A lock file without a pid is normal for an instant (between create and write); older, it is debris.
EMPTY_LOCK_STALE_S = 2.0
_PID = re.compile(r'\A([1-9][0-9]*)\n?\Z')
_NO_PERMISSION = (errno.EACCES, errno.EPERM, errno.EROFS)
# no pid above this can exist (Linux' pid_max is at most 2^22): such a lock is debris
_MAX_PID = 0x7fffffff

# lock files this process holds: absolute lock path -> inode (to tell ours from a dead twin pid's)
_owned = {}


def lock_file_of(path):
    return resolve(path) + '.lock'


def _pid_alive(pid):
    if pid > _MAX_PID:
        return False
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno != errno.ESRCH  # EPERM: alive, owned by someone else
    return True


def _timeout_s():
    raw = os.environ.get('ELEKTRA_PLAYBOOK_LOCK_TIMEOUT_MS')
    try:
        value = float(raw) if raw else 10000.0
    except ValueError:
        return 10.0
    return value / 1000.0 if value >= 0 else 10.0


class _Holder(object):
    __slots__ = ('pid', 'ino', 'content', 'age')

    def __init__(self, pid, ino, content, age):
        self.pid, self.ino, self.content, self.age = pid, ino, content, age


def _inspect(lock_path):
    """(pid or None, inode, content, age in s) of a lock file, or None when it is gone."""
    try:
        st = os.stat(lock_path)
        with open(lock_path, 'rb') as f:
            content = f.read()
    except OSError as e:
        if e.errno == errno.ENOENT:
            return None
        raise FileError(lock_path, 'read lock file', e)
    m = _PID.match(content.decode('latin-1'))
    return _Holder(int(m.group(1)) if m else None, st.st_ino, content, time.time() - st.st_mtime)


class FileLock(object):
    """`F.lock` created with O_EXCL holding `<pid>\\n`; stale locks are broken by rename.

    `optional`: a lock that cannot be created for lack of permission is skipped (we cannot write that
    file either, so only its read is unguarded)."""

    def __init__(self, path, dir_mode=0o755, optional=False):
        self.path = resolve(path)
        self.lock_path = self.path + '.lock'
        self.dir_mode = dir_mode
        self.optional = optional
        self.held = False
        self._ino = None

    def _try_create(self):
        """The new lock file's inode, or None when it exists already."""
        while True:
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as e:
                if e.errno == errno.EEXIST:
                    return None
                if e.errno == errno.ENOENT:
                    make_dirs(dirname(self.lock_path), self.dir_mode)
                    continue
                raise FileError(self.lock_path, 'create lock file', e)
            try:
                ino = os.fstat(fd).st_ino
                _owned[self.lock_path] = ino  # before the pid is visible (see _stale)
                os.write(fd, ('%d\n' % os.getpid()).encode('ascii'))
                return ino
            except OSError as e:
                _owned.pop(self.lock_path, None)
                try:
                    os.unlink(self.lock_path)
                except OSError:
                    pass
                raise FileError(self.lock_path, 'write lock file', e)
            finally:
                os.close(fd)

    def acquire(self):
        deadline = time.time() + _timeout_s()
        attempt = 0
        while True:
            try:
                ino = self._try_create()
            except FileError as e:
                if self.optional and e.errno in _NO_PERMISSION:
                    return self  # not held: release does nothing
                raise
            if ino is not None:
                self._ino = ino
                self.held = True
                return self
            holder = _inspect(self.lock_path)
            if holder is None:
                continue  # released meanwhile: retry at once
            if self._stale(holder):
                self._break(holder)
                continue
            if time.time() >= deadline:
                raise LockBusyError(self.path, holder.pid)
            # jittered back-off growing from 2 ms to 20 ms
            ceiling = min(20, 2 + attempt * 2)
            time.sleep((2 + random.random() * (ceiling - 2)) / 1000.0)
            attempt += 1

    def _stale(self, h):
        if h.pid is None:
            return h.age > EMPTY_LOCK_STALE_S
        if h.pid == os.getpid():
            # our pid but not a lock we hold: left by an earlier process that had the same pid
            return _owned.get(self.lock_path) != h.ino
        return not _pid_alive(h.pid)

    def _break(self, seen):
        """Renames the stale lock away (only one breaker wins the rename), then deletes it."""
        aside = '%s.stale-%d-%s' % (self.lock_path, os.getpid(),
                                    binascii.hexlify(os.urandom(4)).decode('ascii'))
        try:
            os.rename(self.lock_path, aside)
        except OSError as e:
            if e.errno == errno.ENOENT:
                return  # another breaker was faster
            raise FileError(self.lock_path, 'break stale lock', e)
        taken = _inspect(aside)
        if taken is not None and (taken.ino != seen.ino or taken.content != seen.content):
            # between our look and our rename the stale lock was broken and taken afresh: give it back
            try:
                os.link(aside, self.lock_path)
            except OSError:
                pass
        try:
            os.unlink(aside)
        except OSError:
            pass

    def release(self):
        if not self.held:
            return
        self.held = False
        ino, self._ino = self._ino, None
        if _owned.get(self.lock_path) != ino:
            return
        try:
            h = _inspect(self.lock_path)
            # only remove the lock if it is still the one we created
            if h is not None and h.ino == ino and h.pid == os.getpid():
                try:
                    os.unlink(self.lock_path)
                except OSError as e:
                    if e.errno != errno.ENOENT:
                        raise FileError(self.lock_path, 'release lock', e)
        finally:
            # only now: until the file is gone, a lock file with our pid must count as held
            _owned.pop(self.lock_path, None)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def holds_lock(path):
    """True when this process holds the lock of `path`."""
    return lock_file_of(path) in _owned


def lock_order(paths, first=None):
    """`first` (the record lock), then the other paths by absolute path compared as UTF-8 bytes
    (code point order: the order src/kdb/lock.ts gives the same paths), without duplicates."""
    seen = set()
    out = []
    for p in ([first] if first else []) + sorted(set(resolve(p) for p in paths),
                                                  key=lambda s: s.encode('utf-8', 'surrogateescape')):
        r = resolve(p)
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


# (lock target, dir mode, callback) of `hold_first` blocks: taken before any other lock, kept to the end
_first_required = []


class _FirstHold(object):
    def __init__(self, path, dir_mode, on_first):
        self.lock = FileLock(path, dir_mode)
        self.on_first = on_first
        self.taken = False

    def ensure(self):
        if self.taken or self.lock.lock_path in _owned:
            return
        self.lock.acquire()
        self.taken = True
        if self.on_first is not None:
            self.on_first()


class hold_first(object):
    """Within this block, the first `Locks` taken takes the lock of `path` before its own (it stays
    held until the block ends) and then runs `on_first` (under that lock). A block that takes no
    lock takes none of these either."""

    def __init__(self, path, dir_mode=0o755, on_first=None):
        self.hold = _FirstHold(resolve(path), dir_mode, on_first)

    def __enter__(self):
        _first_required.append(self.hold)
        return self

    def __exit__(self, *exc):
        _first_required.remove(self.hold)
        if self.hold.taken:
            self.hold.taken = False
            self.hold.lock.release()


class Locks(object):
    """Several locks: `first` (e.g. the record lock) before the others in ascending path order.

    Reentrant within the process: a lock this process already holds is neither taken again nor
    released here (src/kdb/lock.ts `withLocks` skips the caller's locks the same way). The others are
    optional (skipped without permission); `first` never is."""

    def __init__(self, paths, first=None, dir_modes=None):
        dir_modes = dict((resolve(k), v) for k, v in (dir_modes or {}).items())
        ordered = lock_order(paths, first)
        first_r = resolve(first) if first else None
        self.locks = [FileLock(p, dir_modes.get(p, 0o755), optional=p != first_r) for p in ordered]
        self._taken = []

    def __enter__(self):
        self._taken = []
        for hold in list(_first_required):
            hold.ensure()
        try:
            for lock in self.locks:
                if lock.lock_path in _owned:
                    continue
                lock.acquire()
                self._taken.append(lock)
        except BaseException:
            self._release()
            raise
        return self

    def _release(self):
        taken, self._taken = self._taken, []
        for lock in reversed(taken):
            lock.release()

    def __exit__(self, *exc):
        self._release()


# --- atomic write ----------------------------------------------------------------------------------

def fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as e:
        # some file systems refuse fsync on directories; the rename itself is still atomic
        if e.errno not in (errno.EINVAL, errno.EISDIR):
            raise FileError(path, 'fsync', e)
    finally:
        os.close(fd)


def temp_name(path, pid, epoch_micros):
    """`<file>.<pid>:<seconds>.<microseconds>.tmp`, plain decimals, as libelektra's resolver names it."""
    return '%s.%d:%d.%d.tmp' % (path, pid, epoch_micros // 1000000, epoch_micros % 1000000)


def _open_temp(path, mode):
    micros = int(time.time() * 1000000)
    while True:
        tmp = temp_name(path, os.getpid(), micros)
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except OSError as e:
            if e.errno != errno.EEXIST:
                raise FileError(path, 'create temp file %s' % tmp, e)
            micros += 1  # another write of this process in the same microsecond: take the next one


def write_atomic(path, data, new_mode=0o644, dir_mode=0o755):
    """Temp file beside `path` with the final mode, fsync, rename, fsync the directory.

    An existing file keeps its mode and (where permitted) its owner; its mtime always changes."""
    directory = os.path.dirname(path)
    make_dirs(directory, dir_mode)
    try:
        old = os.stat(path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise FileError(path, 'stat', e)
        old = None
    mode = new_mode if old is None else old.st_mode & 0o7777
    tmp, fd = _open_temp(path, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fchmod(fd, mode)
            if old is not None:
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    try:  # only root may give files away; others keep their own ownership
                        os.fchown(fd, old.st_uid, old.st_gid)
                    except OSError:
                        pass
                st = os.fstat(fd)
                if st.st_mtime_ns == old.st_mtime_ns:
                    # readers comparing mtimes (libelektra's resolver) must see a change within a tick
                    os.utime(fd, ns=(st.st_atime_ns, old.st_mtime_ns + 1000000))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.rename(tmp, path)
        except OSError as e:
            raise FileError(path, 'rename temp file over it', e)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and not isinstance(e, FileError):
            raise FileError(path, 'write temp file %s' % tmp, e)
        raise
    fsync_dir(directory)


def remove_file(path):
    """An empty key set deletes the file (as libelektra's resolver does)."""
    try:
        os.unlink(path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise FileError(path, 'delete', e)
        return False
    fsync_dir(os.path.dirname(path))
    return True


def read_file(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except (IOError, OSError) as e:
        if e.errno == errno.ENOENT:
            return None
        raise FileError(path, 'read', e)
