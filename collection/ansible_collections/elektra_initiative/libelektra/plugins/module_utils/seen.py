# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The elektra-playbook recorder's "last seen" state (docs/ARCHITECTURE.md "Seen state").

The CLI records writes by other programs by comparing each watched backend file F with `F.seen`, a hard
link to the inode the session reflects. When this module changes recording (reset, enable, its own
unrecorded or self-recorded writes), it moves that baseline as the CLI's own commands would, so the
CLI does not record the module's writes a second time. Mirrors src/recorder/session-seen.ts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import shutil

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import (
    read_file, remove_file, write_atomic)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import PERSISTENT
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import StoreError

SUFFIX = '.seen'
# mountpoints whose keys are never recorded (the session's own files among them)
NEVER_RECORDED = (('elektra', 'record', 'session'), ('elektra', 'record', 'config'))
ABSENT_LIST = 'record-session.seen'


def absent_list(store):
    return os.path.join(store.system_dir(), ABSENT_LIST)


def watched_backends(store):
    """Every dump backend but the sessions' own and the virtual ones: root files, elektra.ecf, mounted
    files (src/recorder/session-store.ts `watchedBackends`), in path order."""
    out = {}
    for ns in PERSISTENT:
        try:
            backends = store.backends(ns)
        except StoreError:
            continue  # no HOME or no chdir: that namespace has no files here
        for b in backends:
            if b.virtual or b.storage != 'dump' or b.mountpoint.parts[:3] in NEVER_RECORDED:
                continue
            out.setdefault(b.path, b)
    return [out[p] for p in sorted(out)]


def watched_files(store):
    return [b.path for b in watched_backends(store)]


def _now(st):
    return ('', None) if st is None else (str(st.st_dev), str(st.st_ino))


def _stat(path, follow=True):
    try:
        return os.stat(path) if follow else os.lstat(path)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise


def check(path, absent):
    """('same' | 'unseen' | 'changed', (dev, ino) of F now) — src/recorder/session-seen.ts checkSeen."""
    old = _stat(path + SUFFIX, follow=False)
    cur = _stat(path)
    now = _now(cur)
    if old is None:
        if cur is None:
            return 'same', now
        return ('changed' if path in _read_absent(absent) else 'unseen'), now
    if cur is None:
        return ('same' if old.st_size == 0 else 'changed'), now
    if (cur.st_dev, cur.st_ino) == (old.st_dev, old.st_ino):
        return 'same', now
    return 'changed', now


def read_seen(backend):
    """The keys of backend F as last seen (F.seen read with F's own configuration)."""
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import Backend
    twin = Backend(backend.mountpoint, backend.path + SUFFIX, backend.storage, backend.full_names,
                   backend.source, backend.nested)
    return twin.read()


def _read_absent(path):
    data = read_file(path)
    if not data:
        return []
    try:
        return list(json.loads(data.decode('utf-8')).get('absent', []))
    except (ValueError, AttributeError):
        return []  # a damaged list only loses "absent" knowledge


def _write_absent(path, files):
    if files:
        write_atomic(path, (json.dumps({'absent': files}) + '\n').encode('utf-8'), 0o644, 0o755)
    else:
        remove_file(path)


def _write_empty(path):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            return False
        raise
    os.close(fd)
    return True


def mark(path, absent):
    """Remembers F's current content as seen (an empty F.seen, or the absent list, when F is missing)."""
    if not path:
        return  # a virtual backend has no file
    seen = path + SUFFIX
    temp = '%s.%d.tmp' % (seen, os.getpid())
    remove_file(temp)
    try:
        os.link(path, temp)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            if not _write_empty(temp):
                forget(path)
                listed = _read_absent(absent)
                if path not in listed:
                    _write_absent(absent, listed + [path])
                return
        elif e.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            shutil.copyfile(path, temp)
        else:
            raise
    try:
        os.rename(temp, seen)
    finally:
        remove_file(temp)  # rename does nothing when both names are one inode


def forget(path):
    remove_file(path + SUFFIX)


def mark_all(store):
    absent = absent_list(store)
    for path in watched_files(store):
        mark(path, absent)


def forget_all(store):
    for path in watched_files(store):
        forget(path)
    _write_absent(absent_list(store), [])
