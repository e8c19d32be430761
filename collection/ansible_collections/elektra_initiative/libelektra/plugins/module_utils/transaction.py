# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Transaction staging area and commit journal (DESIGN.md "Files and roots", spec/module.md R6-R13).

`$R/var/lib/elektra-playbook/transactions/<name>.ecf` (dump format, mode 0600), parent
`system:/elektra/transaction/<name>`:

| key (relative)          | meaning                                                                      |
|-------------------------|------------------------------------------------------------------------------|
| `uid`                   | effective uid of the tasks (A5: all tasks of a transaction run as one user) |
| `keys/<ns>/<path>`      | the key as the commit will write it; meta `elektra/removed` = remove it     |
| `base/<ns>/<path>`      | the host's key when first staged; meta `elektra/transaction/absent` = absent |
| `assert/<ns>/<path>`    | expected value + meta; `elektra/removed` = absent; `elektra/transaction/anyvalue` |
| `mounts/#n`             | mountpoints this transaction created (undone by rollback)                   |

`<name>.journal` (dump format, 0600), parent `system:/elektra/transaction/<name>/journal`: written
atomically before a commit replaces any file; key `#n` = new content of one file (binary; meta `path`,
`mode`, `dirmode`, `delete`). A journal present at the start of a run means a commit was interrupted
after its decision: every entry is written again (roll forward), then journal and staging go.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import read_dump, write_dump
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import (
    Locks, read_file, remove_file, write_atomic)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    make_name, parse, relocate, root)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.request import Op

ABSENT = 'elektra/transaction/absent'
ANYVALUE = 'elektra/transaction/anyvalue'
REMOVED = 'elektra/removed'


class Staging(object):
    def __init__(self, directory, name):
        self.name = name
        self.path = os.path.join(directory, name + '.ecf')
        self.journal_path = os.path.join(directory, name + '.journal')
        self.parent = make_name('system', ('elektra', 'transaction', name))
        self.exists = False
        self.uid = None
        self.keys = {}  # sort_key -> (KeyName, Key or None)
        self.bases = {}  # sort_key -> Key or None
        self.asserts = {}  # sort_key -> Op
        self.mounts = []
        self._areas = {}

    def _n(self, *parts):
        return make_name('system', self.parent.parts + parts)

    def _area(self, area, ns):
        hit = self._areas.get((area, ns))
        if hit is None:
            hit = self._areas[(area, ns)] = self._n(area, ns)
        return hit

    def _staged(self, area, name):
        """`user:/a/b` -> `<parent>/<area>/user/a/b`."""
        return relocate(name, root(name.namespace), self._area(area, name.namespace))

    def _original(self, key_name, area, ns):
        return relocate(key_name, self._area(area, ns), root(ns))

    def load(self):
        data = read_file(self.path)
        if data is None:
            return self
        self.exists = True
        ks = read_dump(data, self.parent, file=self.path)
        depth = len(self.parent.parts)
        for key in ks:
            rel = key.name.parts[depth:]
            if rel == ('uid',):
                self.uid = key.value
            elif len(rel) >= 2 and rel[0] in ('keys', 'base', 'assert'):
                name = self._original(key.name, rel[0], rel[1])
                meta = dict(key.meta)
                if rel[0] == 'keys':
                    gone = meta.pop(REMOVED, None) is not None
                    self.keys[name.sort_key] = (name, None if gone else Key(name, key.value, meta))
                elif rel[0] == 'base':
                    gone = meta.pop(ABSENT, None) is not None
                    self.bases[name.sort_key] = None if gone else Key(name, key.value, meta)
                else:
                    op = Op(name, 'transaction %s' % self.name, len(self.asserts))
                    op.assert_ = True
                    op.remove = meta.pop(REMOVED, None) is not None
                    op.value = None if meta.pop(ANYVALUE, None) is not None else key.value
                    op.meta = meta
                    self.asserts[name.sort_key] = op
            elif len(rel) == 2 and rel[0] == 'mounts':
                self.mounts.append(parse(key.value))
        return self

    def overlay(self):
        return dict((sk, key) for sk, (_n, key) in self.keys.items())

    def stage(self, states, asserts):
        """states: sort_key -> (name, before, after) of every key a task names. Unchanged keys are kept
        only when asserted (so far or by this task): the target an assertion may already meet."""
        for op in asserts:
            self.asserts[op.name.sort_key] = op
        for sk, (name, before, after) in states.items():
            same = (before is None and after is None) or (before is not None and before.equals(after))
            if same and sk not in self.asserts and sk not in self.keys:
                continue
            if sk not in self.bases:
                self.bases[sk] = before
            self.keys[sk] = (name, after)

    def to_keyset(self):
        ks = KeySet()
        ks.add(Key(self._n('uid'), str(self.uid if self.uid is not None else os.geteuid())))
        for sk, (name, key) in self.keys.items():
            if key is None:
                ks.add(Key(self._staged('keys', name), '', {REMOVED: '1'}))
            else:
                ks.add(Key(self._staged('keys', name), key.value, key.meta))
            base = self.bases.get(sk)
            if base is None:
                ks.add(Key(self._staged('base', name), '', {ABSENT: '1'}))
            else:
                ks.add(Key(self._staged('base', name), base.value, base.meta))
        for op in self.asserts.values():
            meta = dict(op.meta)
            if op.remove:
                meta[REMOVED] = '1'
            if op.value is None:
                meta[ANYVALUE] = '1'
            ks.add(Key(self._staged('assert', op.name), op.value or '', meta))
        for i, mp in enumerate(self.mounts):
            ks.add(Key(self._n('mounts', '#%d' % i), mp.canonical))
        return ks

    def save(self):
        write_atomic(self.path, write_dump(self.to_keyset(), self.parent), 0o600, 0o700)
        self.exists = True

    def discard(self):
        remove_file(self.path)
        self.exists = False


def write_journal(staging, entries):
    """entries: [(Backend, bytes or None)] -> the journal file (atomic, 0600)."""
    parent = make_name('system', staging.parent.parts + ('journal',))
    ks = KeySet()
    for i, (backend, data) in enumerate(entries):
        meta = {'binary': '', 'path': backend.path, 'mode': '%o' % backend.new_mode,
                'dirmode': '%o' % backend.dir_mode}
        if data is None:
            meta['delete'] = '1'
        ks.add(Key(make_name('system', parent.parts + ('#%d' % i,)), data or None, meta))
    ks.add(Key(make_name('system', parent.parts + ('complete',)), '1'))
    write_atomic(staging.journal_path, write_dump(ks, parent), 0o600, 0o700)


def read_journal(staging):
    data = read_file(staging.journal_path)
    if data is None:
        return None
    parent = make_name('system', staging.parent.parts + ('journal',))
    ks = read_dump(data, parent, file=staging.journal_path)
    if not ks.has(make_name('system', parent.parts + ('complete',))):
        return None
    out = []
    for key in ks:
        if 'path' in key.meta:
            out.append((key.meta['path'], None if 'delete' in key.meta else (key.value or b''),
                        int(key.meta.get('mode', '600'), 8), int(key.meta.get('dirmode', '700'), 8)))
    return out


def _crash_hook(count):
    """Tests kill a commit midway: ELEKTRA_PLAYBOOK_TEST_CRASH_AFTER_WRITES=N exits after N files."""
    limit = os.environ.get('ELEKTRA_PLAYBOOK_TEST_CRASH_AFTER_WRITES')
    if limit and count >= int(limit):
        os._exit(99)


def replay(entries):
    for i, (path, data, mode, dirmode) in enumerate(entries):
        if data is None:
            remove_file(path)
        else:
            write_atomic(path, data, mode, dirmode)
        _crash_hook(i + 1)


def recover(directory):
    """Roll interrupted commits forward; returns the names of the transactions completed."""
    try:
        names = sorted(f[:-len('.journal')] for f in os.listdir(directory) if f.endswith('.journal'))
    except OSError:
        return []
    done = []
    for name in names:
        staging = Staging(directory, name)
        entries = read_journal(staging)
        if entries is None:
            remove_file(staging.journal_path)  # torn or incomplete: the commit never decided
            continue
        with Locks([e[0] for e in entries], first=staging.path,
                   dir_modes=dict([(e[0], e[3]) for e in entries] + [(staging.path, 0o700)])):
            entries = read_journal(staging)
            if entries is None:
                continue
            replay(entries)
            remove_file(staging.journal_path)
            staging.discard()
        done.append(name)
    return done
