# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""From a Request and the host's keys to the changes per key (no I/O besides reading backends).

Semantics: spec/module.md 3.3, 3.4, 3.7, 3.8 with the defect fixes D1, D8, D10, D11, D22, D23 and R4, R5.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import PERSISTENT, parse
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import StoreError


ELEKTRA = parse('system:/elektra')


def identity(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class View(object):
    """The host's keys, read lazily one backend (file) at a time."""

    def __init__(self, store, mounts=None):
        self.store = store
        self.mounts = mounts
        self.backends = {}
        self.sets = {}
        self.identities = {}
        self._by_key = {}

    def backend_of(self, name):
        b = self._by_key.get(name.sort_key)
        if b is None:
            b = self._by_key[name.sort_key] = self.store.backend_for(name, self.mounts)
        return b

    def backend(self, name):
        b = self.backend_of(name)
        if b.path not in self.sets:
            self._load(b)
        return b

    def _load(self, b):
        self.identities[b.path] = identity(b.path)  # before reading: a later replacement shows
        self.backends[b.path] = b
        self.sets[b.path] = b.read()

    def unchanged(self):
        """True when no file read so far was replaced since (every writer renames)."""
        return all(identity(p) == i for p, i in self.identities.items())

    def lookup(self, name):
        return self.sets[self.backend(name).path].lookup(name)

    def below(self, name):
        """Keys at or below `name` in every backend that can hold them (shadowed keys excluded)."""
        out = []
        for b in self.store.backends_covering(name, self.mounts):
            if b.path not in self.sets:
                self._load(b)
            for key in self.sets[b.path].below(name):
                if self.store.backend_for(key.name, self.mounts).path == b.path:
                    out.append(key)
        return out

    def paths_for(self, names, recursive=()):
        """Files that hold `names` (and everything below `recursive`), without reading them.

        names/recursive: (KeyName, argument path) pairs; a failure names both."""
        paths = {}
        try:
            for n, where in names:
                b = self.backend_of(n)
                b.check_writable()
                paths[b.path] = b
            for n, where in recursive:
                for b in self.store.backends_covering(n, self.mounts):
                    b.check_writable()
                    paths[b.path] = b
        except StoreError as e:
            raise StoreError('%s: key %s: %s' % (where, n.canonical, e))
        return paths


class Change(object):
    __slots__ = ('name', 'before', 'after')

    def __init__(self, name, before, after):
        self.name = name
        self.before = before
        self.after = after

    @property
    def kind(self):
        if self.before is None:
            return 'added'
        if self.after is None:
            return 'removed'
        return 'modified'


class AssertFailure(object):
    def __init__(self, name, what, expected, actual, listed=True):
        self.name = name
        self.what = what
        self.expected = expected
        self.actual = actual
        self.listed = listed  # False: the assertion listed no value (expected is then '')

    def text(self, no_log):
        name = self.name.canonical
        if self.what == 'existence':
            # expected None: asserted absent; actual None: missing; expected '' without a listed value
            if self.expected is None:
                found = 'one (value hidden by no_log)' if no_log else _show(self.actual)
                return '%s: expected no key, found %s' % (name, found)
            if no_log or (self.expected == '' and not self.listed):
                return '%s: expected the key to exist, found no key' % name
            return '%s: expected %s, found no key' % (name, _show(self.expected))
        if no_log:
            return '%s: %s differs (values hidden by no_log)' % (name, self.what)
        return '%s: %s expected %s, found %s' % (name, self.what, _show(self.expected), _show(self.actual))


def _show(v):
    if v is None:
        return 'absent'
    if isinstance(v, bytes):
        return '<binary %d bytes>' % len(v)
    return repr(v)


def expand(name, store):
    """A cascading name stands for the same path in every namespace the store can resolve."""
    if name.namespace != 'cascading':
        return [name]
    out = []
    for ns in PERSISTENT:
        if ns == 'dir' and not store.cwd:
            continue
        if ns == 'user' and not store.home:
            continue
        out.append(name.in_namespace(ns))
    return out


def check_asserts(view, asserts, targets=None):
    """R5: each asserted key exists with the listed value and metadata (or is absent with elektra/removed).

    targets: sort_key -> Key or None, the state a transaction will give the key; a key already in that
    state passes (re-running an applied playbook whose guards hold the old values is not drift)."""
    failures, passed = [], []
    for op in asserts:
        live = view.lookup(op.name)
        if targets is not None and op.name.sort_key in targets:
            target = targets[op.name.sort_key]
            if (live is None and target is None) or (live is not None and live.equals(target)):
                passed.append(op.name.canonical)
                continue
        if op.remove:
            if live is not None:
                failures.append(AssertFailure(op.name, 'existence', None, live.value))
                continue
        else:
            if live is None:
                failures.append(AssertFailure(op.name, 'existence', op.value if op.value is not None else '',
                                              None, op.value is not None))
                continue
            if op.value is not None and live.value != op.value:
                failures.append(AssertFailure(op.name, 'value', op.value, live.value))
                continue
            bad = [m for m in sorted(op.meta) if live.meta.get(m) != op.meta[m]]
            if bad:
                failures.append(AssertFailure(op.name, 'meta:/%s' % bad[0], op.meta[bad[0]], live.meta.get(bad[0])))
                continue
        passed.append(op.name.canonical)
    return failures, passed


class Result(object):
    def __init__(self):
        self.changes = {}  # sort_key -> Change (only keys whose state differs)
        self.states = {}  # sort_key -> (name, before, after) of every key the task names (targets)
        self.conflicts = []
        self.warnings = []

    def sorted_changes(self):
        return [self.changes[s] for s in sorted(self.changes)]


def _order_offsets(view, ops):
    """D23: 1 + the largest existing `order` among the direct siblings (per parent)."""
    offsets = {}
    for op in ops:
        parent = op.name.parent()
        if parent is None or parent.sort_key in offsets:
            continue
        best = 0
        for key in view.below(parent):
            if len(key.name.parts) == len(parent.parts) + 1:
                try:
                    best = max(best, int(key.meta.get('order', '')))
                except ValueError:
                    pass
        offsets[parent.sort_key] = best + 1
    return offsets


def compute(view, req, keep_order=False, merge=None, overlay=None):
    """Apply `req` to the keys in `view`; returns a Result with the per-key changes.

    overlay: sort_key -> Key or None, staged states that replace the host's (transactions).
    merge: (strategy, base_lookup) for the 3-way merge of 3.7, or None (ours always wins).
    """
    res = Result()
    state = {}  # sort_key -> (name, before, current)

    def current(name):
        hit = state.get(name.sort_key)
        if hit is not None:
            return hit[2]
        if overlay is not None and name.sort_key in overlay:
            before = overlay[name.sort_key]
        else:
            before = view.lookup(name)
        state[name.sort_key] = (name, before, before)
        return before

    def put(name, key):
        current(name)
        n, before, _ = state[name.sort_key]
        state[name.sort_key] = (n, before, key)

    for name, recursive, _path in req.removes:
        for n in expand(name, view.store):
            if recursive:
                # a reset of `/` or `user:/` keeps Elektra's own keys (mountpoints, recording sessions)
                own = ELEKTRA.in_namespace(n.namespace)
                keep = None if own.is_below_or_same(n) else own
                for key in view.below(n):
                    if keep is None or not keep.is_below_or_same(key.name):
                        put(key.name, None)
                if overlay:
                    for sk, key in list(overlay.items()):
                        if key is not None and n.is_below_or_same(key.name):
                            put(key.name, None)
            elif current(n) is not None:
                put(n, None)

    changes = [op for op in req.ops if not op.assert_]
    offsets = _order_offsets(view, changes) if keep_order else {}
    for i, op in enumerate(changes):
        live = current(op.name)
        keep_theirs = False
        if merge is not None and _conflict(op, live, merge[1]):
            res.conflicts.append(op.name.canonical)
            keep_theirs = merge[0] == 'theirs'
            if keep_theirs and (op.remove or live is None):
                continue
        if op.remove:
            if live is not None:
                put(op.name, None)  # D1: removing a missing key is a no-op
            continue
        new = live.clone() if live is not None else Key(op.name, '')
        if isinstance(op.value, bytes) and not keep_theirs:
            new.value = op.value or None
            if not new.is_binary:
                new.set_meta('binary', '')
        elif op.value is not None and not keep_theirs:  # D11: metadata still applies
            if new.is_binary:
                new.remove_meta('binary')
            new.value = op.value
        for m, v in op.meta.items():
            if new.meta.get(m) != v:
                new.set_meta(m, v)
        if new.is_binary and isinstance(new.value, str):
            new.value = new.value.encode('utf-8') or None
        if keep_order and 'order' not in new.meta:
            parent = op.name.parent()
            new.set_meta('order', str(i + offsets.get(parent.sort_key if parent else None, 1)))
        put(op.name, new)

    res.states = state
    for sk, (name, before, after) in state.items():
        if before is None and after is None:
            continue
        if before is not None and after is not None and before.equals(after):
            continue
        res.changes[sk] = Change(name, before, after)
    return res


def _conflict(op, live, base_lookup):
    """3.7 with values compared only: the host moved away from base and we want something else."""
    base = base_lookup(op.name)
    base_value = None if base is None else base.value
    live_value = None if live is None else live.value
    ours = None if op.remove else (op.value if op.value is not None else live_value)
    if live_value == base_value:
        return False
    return ours != live_value


def render(keys):
    """Diff text: `name = value` per key, then `name meta:/m = v` per metadata."""
    lines = []
    for key in keys:
        if key is None:
            continue
        v = key.value
        shown = '<binary %d bytes>' % len(v) if isinstance(v, bytes) else ('<binary null>' if v is None else v)
        lines.append('%s = %s' % (key.name.canonical, shown.replace('\n', '\\n')))
        for m, mv in key.meta_items():
            lines.append('%s meta:/%s = %s' % (key.name.canonical, m, mv.replace('\n', '\\n')))
    return '\n'.join(lines) + ('\n' if lines else '')


def diff_of(changes):
    return {
        'before': render([c.before for c in changes]),
        'after': render([c.after for c in changes]),
        'before_header': 'elektra (before)',
        'after_header': 'elektra (after)',
    }


def apply_changes(view, changes):
    """New content of every backend touched by `changes`: {path: (Backend, KeySet)}."""
    out = {}
    for ch in changes:
        b = view.backend(ch.name)
        ks = view.sets[b.path]
        if ch.after is None:
            ks.remove(ch.name)
        else:
            ks.add(ch.after)
        out[b.path] = (b, ks)
    return out
