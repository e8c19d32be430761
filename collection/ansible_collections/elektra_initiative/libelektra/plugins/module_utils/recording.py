# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Session recording state in libelektra 0.11's keys and files (spec/recording.md 3, 4.1).

Active flag `system:/elektra/record/config/active` (value = parent) in elektra.ecf; the session diff in
`<ns>:/elektra/record/session/diff/{added,modified/old,modified/new,removed}/<path>` in each namespace's
record-session.cfg. The record lock (`$R/etc/kdb/record-session.cfg.lock`) is taken first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import seen
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import Locks, remove_file
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    PERSISTENT, make_name, parse)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import StoreError

ACTIVE = parse('system:/elektra/record/config/active')
SESSION = ('elektra', 'record', 'session')
PARTS = {'added': ('diff', 'added'), 'old': ('diff', 'modified', 'old'), 'new': ('diff', 'modified', 'new'),
         'removed': ('diff', 'removed')}


def _session_backends(store):
    out = []
    for ns in PERSISTENT:
        try:
            out.append((ns, store.session_backend(ns)))
        except StoreError:
            continue  # no HOME / no chdir: that namespace has no session file here
    return out


def status(store):
    """(active parent or None, session non-empty)."""
    active = store.elektra_backend().read().lookup(ACTIVE)
    nonempty = any(os.path.exists(b.path) and len(b.read()) for _ns, b in _session_backends(store))
    return (active.value if active is not None else None), nonempty


def _entry(ns, part, name):
    return make_name(ns, SESSION + PARTS[part] + tuple(name.parts))


def _append(sets, changes):
    """recording.md 3.1: merge a part diff into the session (warnings for rows 4, 7, 13, 14)."""
    warnings = []
    for ch in changes:
        ns = ch.name.namespace
        if ns not in sets:
            continue
        ks = sets[ns]
        added = ks.lookup(_entry(ns, 'added', ch.name))
        old = ks.lookup(_entry(ns, 'old', ch.name))
        removed = ks.lookup(_entry(ns, 'removed', ch.name))

        def put(part, key):
            ks.add(Key(_entry(ns, part, ch.name), key.value, key.meta))

        def drop(part):
            ks.remove(_entry(ns, part, ch.name))

        def same(a, b):
            return a.value == b.value and a.meta == b.meta

        if ch.before is None:
            if removed is not None:
                drop('removed')
                if not same(removed, ch.after):
                    put('old', removed)
                    put('new', ch.after)
            elif added is not None or old is not None:
                warnings.append("Can't add already %s key %s" % ('added' if added else 'modified', ch.name))
            else:
                put('added', ch.after)
        elif ch.after is None:
            if added is not None:
                drop('added')
            elif old is not None:
                drop('old')
                drop('new')
                put('removed', old)
            elif removed is not None:
                warnings.append("Can't remove already removed key %s" % ch.name)
            else:
                put('removed', ch.before)
        else:
            if added is not None:
                put('added', ch.after)
            elif old is not None:
                if same(old, ch.after):
                    drop('old')
                    drop('new')
                else:
                    put('new', ch.after)
            elif removed is not None:
                warnings.append("Can't modify already removed key %s" % ch.name)
            else:
                put('old', ch.before)
                put('new', ch.after)
    return warnings


def apply(store, opts, changes, check_mode, written=()):
    """Run the `record` options after the keys were written; returns (changed, result, warnings).

    written: the files this task replaced; with recording active afterwards they are marked seen for
    the elektra-playbook CLI (reset or a fresh start: every watched file, as `record start` does)."""
    was_parent, nonempty = status(store)
    will_enable = bool(opts.get('enable', True))
    parent = opts.get('parentKey') or '/'
    parse(parent)
    reset = bool(opts.get('reset', True))
    record_ansible = bool(opts.get('recordAnsible', False))
    changed = (was_parent is not None) != will_enable or (will_enable and was_parent != parent) or (
        reset and nonempty)
    warnings = []
    if record_ansible and changes:
        changed = True
    result = {'enabled': will_enable, 'parent_key': parent if will_enable else None, 'reset': reset}
    if check_mode or (not changed and not (will_enable and written)):
        return changed, result, warnings
    elektra = store.elektra_backend()
    sessions = _session_backends(store)
    modes = dict((b.path, b.dir_mode) for _ns, b in sessions)
    with Locks([elektra.path] + [b.path for _ns, b in sessions], first=store.record_lock_target(), dir_modes=modes):
        sets = {}
        for ns, b in sessions:
            ks = b.read()
            if reset:
                for key in list(ks):
                    ks.remove(key.name)
            sets[ns] = ks
        if record_ansible:
            warnings.extend(_append(sets, changes))
        for ns, b in sessions:
            if reset or record_ansible:
                b.write(sets[ns])
        if reset:
            remove_file(os.path.join(store.system_dir(), 'record-session.journal'))
        eks = elektra.read()
        before = eks.lookup(ACTIVE)
        if will_enable:
            eks.add(Key(ACTIVE, parent))
        else:
            eks.remove(ACTIVE)
        if eks.lookup(ACTIVE) is None or before is None or before.value != parent:
            elektra.write(eks)
        if will_enable and (reset or was_parent is None):
            seen.mark_all(store)
        elif will_enable:
            absent = seen.absent_list(store)
            for path in sorted(set(written) | set([elektra.path])):
                seen.mark(path, absent)
        elif was_parent is not None:
            seen.forget_all(store)
    return changed, result, warnings
