# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""One task of the extended module, start to end, independent of Ansible (run(params, ...) -> result).

Order: roll interrupted commits forward, mounts, assertions, keys (directly or staged in a transaction),
recording. Check mode reads only; every failure raises TaskFailure with one readable message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import (
    plan, recording, request, transaction)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import Locks
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import make_name
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import (
    UnsupportedPluginError, mount_config)


class TaskFailure(Exception):
    def __init__(self, msg, **extra):
        Exception.__init__(self, msg)
        self.msg = msg
        self.extra = extra


class _NoLock(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _locks(backends, check_mode, first=None):
    if check_mode:
        return _NoLock()
    backends = [b for b in backends if getattr(b, 'lockable', True)]
    modes = dict((b.path, b.dir_mode) for b in backends)
    if first is not None:
        modes.setdefault(first, 0o700)  # transaction staging areas are private
    return Locks([b.path for b in backends], first=first, dir_modes=modes)


def build_request(p):
    """Module parameters -> Request (syntax chosen by `mountpoint` / `key`)."""
    warnings = []
    if p.get('mountpoint') is not None:
        req = request.legacy_request(p['mountpoint'], p.get('keys'), warnings)
        req.mounts = request.legacy_mount(p['mountpoint'], p.get('filename'), p.get('plugins'),
                                          p.get('resolver'), p.get('recommends', True))
    elif p.get('key') is not None:
        req = request.single_request(p['key'], p.get('value'), p.get('meta'), p.get('value') is not None,
                                     warnings, p.get('deleted'), p.get('assert'))
        req.mounts = request.parse_mounts(p.get('mount'))
    else:
        req = request.tree_request(p.get('keys'), warnings)
        req.mounts = request.parse_mounts(p.get('mount'))
    req.removes = request.parse_removes(p.get('remove'), req.mode == 'legacy')
    return req.finish()


# ---- mounts ---------------------------------------------------------------------------------------

def _check_plugins(store, spec):
    names = [n for n, _cfg in spec.plugins]
    for n in names:
        if n != 'dump':
            if hasattr(store, 'kdb_mount'):
                return
            raise UnsupportedPluginError(n, spec.mountpoint.canonical)


def do_mounts(store, specs, check_mode, warnings, staging=None):
    """Create/compare mountpoints (D18, D19, D21); returns (mounted names, mount table for check mode)."""
    if not specs:
        return [], None
    for spec in specs:
        _check_plugins(store, spec)
    if hasattr(store, 'kdb_mount'):
        return store.kdb_mount(specs, check_mode), None
    elektra = store.elektra_backend()
    mounted, preserved = [], []
    with _locks([elektra], check_mode):
        eks = elektra.read()
        for spec in specs:
            mp = spec.mountpoint
            base = make_name('system', ('elektra', 'mountpoints', mp.canonical))
            cfg = dict(kv for _n, c in spec.plugins for kv in c.items())
            desired = mount_config(mp, spec.file, spec.resolver, cfg)
            existing = KeySet(eks.below(base))
            if not spec.force and existing.equals(desired):
                continue
            if spec.preserve:
                view = plan.View(store)
                keys = [k.clone() for n in plan.expand(mp, store) for k in view.below(n)]
                preserved.append((spec, keys))
            for k in existing:
                eks.remove(k.name)
            for k in desired:
                eks.add(k)
            mounted.append(mp.canonical)
            if check_mode and not len(existing):
                warnings.append('check mode: %s is not mounted yet; keys below it are predicted as added to %s'
                                % (mp.canonical, spec.file))
        table = store.parse_mounts(eks)
        if mounted and not check_mode:
            elektra.write(eks)
            store.forget_mounts()
            if staging is not None:
                staging.mounts.extend(m.mountpoint for m in specs if m.mountpoint.canonical in mounted)
    for spec, keys in preserved:
        # D21: union of the new file's content and the preserved keys (preserved wins)
        view = plan.View(store, table if check_mode else None)
        groups = {}
        for key in keys:
            b = view.backend(key.name)
            groups.setdefault(b.path, (b, []))[1].append(key)
        with _locks([g[0] for g in groups.values()], check_mode):
            for b, ks in groups.values():
                target = b.read()
                for key in ks:
                    target.add(key)
                if not check_mode:
                    b.write(target)
    return mounted, (table if check_mode else None)


def unmount(store, names):
    if not names or hasattr(store, 'kdb_mount'):
        return
    elektra = store.elektra_backend()
    with _locks([elektra], False):
        eks = elektra.read()
        for mp in names:
            eks.cut(make_name('system', ('elektra', 'mountpoints', mp.canonical)))
        elektra.write(eks)
        store.forget_mounts()


# ---- merge base -----------------------------------------------------------------------------------

def merge_base(store, merge, view):
    """3.7: `merge.base` (tree syntax), else the host with the recording session undone."""
    if merge.get('base') is not None:
        req = request.tree_request(merge['base'])
        base = dict((op.name.sort_key, None if op.remove else Key(op.name, op.value or '')) for op in req.ops)
        return lambda name: base.get(name.sort_key, view.lookup(name))
    undone = {}
    for _ns, b in recording._session_backends(store):
        if not os.path.exists(b.path):
            continue
        ks = b.read()
        depth = len(b.mountpoint.parts)
        for key in ks:
            rel = key.name.parts[depth:]
            ns = key.name.namespace
            if rel[:2] == ('diff', 'added'):
                undone[make_name(ns, rel[2:]).sort_key] = None
            elif rel[:3] == ('diff', 'modified', 'old'):
                undone[make_name(ns, rel[3:]).sort_key] = key
            elif rel[:2] == ('diff', 'removed'):
                undone[make_name(ns, rel[2:]).sort_key] = key
    return lambda name: undone[name.sort_key] if name.sort_key in undone else view.lookup(name)


# ---- writing --------------------------------------------------------------------------------------

def write_all(store, writes, staging=None):
    """Write new backend contents; several files go through a journal so they land all or nothing."""
    if isinstance(getattr(store, 'written', None), list):
        store.written.extend(b.path for b, _ks in writes.values())
    entries = [(b, b.render(ks)) for b, ks in writes.values()]
    if len(entries) == 1 or not entries or hasattr(store, 'kdb_mount'):
        for b, ks in writes.values():
            b.write(ks)
        return
    if staging is None:
        staging = transaction.Staging(store.transactions_dir(), '.task-%d' % os.getpid())
    transaction.write_journal(staging, entries)
    transaction.replay([(b.path, data, b.new_mode, b.dir_mode) for b, data in entries])
    transaction.remove_file(staging.journal_path)


def _names(req, store):
    """(name, argument path) of every listed key, and of the recursively removed ones apart."""
    names, recursive = [], []
    for op in req.ops:
        names.append((op.name, op.path))
    for name, rec, path in req.removes:
        for n in plan.expand(name, store):
            (recursive if rec else names).append((n, path))
    return names, recursive


def _assert_failure(failures, no_log, **extra):
    lines = [f.text(no_log) for f in failures]
    failed = [{'key': f.name.canonical, 'what': f.what,
               'expected': None if no_log else f.expected, 'actual': None if no_log else f.actual}
              for f in failures]
    return TaskFailure('assertion failed, nothing written: ' + '; '.join(lines), failed_asserts=failed, **extra)


def _lists(changes, result):
    for kind in ('added', 'modified', 'removed'):
        result[kind] = [c.name.canonical for c in changes if c.kind == kind]


# ---- the task -------------------------------------------------------------------------------------

def run(p, store, check_mode=False, diff_mode=False, no_log=False):
    # a task that touches recording holds the record lock from its first lock to its end (H9)
    with recording.guard(store, p, check_mode):
        return _run(p, store, check_mode, diff_mode, no_log)


def _run(p, store, check_mode, diff_mode, no_log):
    req = build_request(p)
    warnings = list(req.warnings)
    store.written = []  # files this task replaces (seen state of the recorder)
    result = {'changed': False, 'added': [], 'modified': [], 'removed': [], 'backend': store.name}
    tx = p.get('transaction')
    record = p.get('record')
    keep_order = bool(p.get('keepOrder'))
    merge = p.get('merge')

    if not check_mode and hasattr(store, 'transactions_dir'):
        for name in transaction.recover(store.transactions_dir()):
            if not name.startswith('.task-'):
                warnings.append('transaction %s: an interrupted commit was completed' % name)

    if tx is not None:
        changed, diff_changes = run_transaction(p, req, store, tx, result, warnings, check_mode, no_log)
    else:
        known = set(m.name.canonical for m in store.mounts()) if req.mounts and hasattr(store, 'mounts') else set()
        mounted, table = do_mounts(store, req.mounts, check_mode, warnings)
        if req.mounts:
            result['mounted'] = mounted
        try:
            changed, diff_changes = apply_keys(req, store, table, result, warnings, check_mode, no_log,
                                               keep_order, merge)
        except Exception:
            # D18: a failed task undoes the mounts it created (never one that existed before)
            if not check_mode:
                unmount(store, [s.mountpoint for s in req.mounts
                                if s.mountpoint.canonical in mounted and s.mountpoint.canonical not in known])
            raise
        changed = changed or bool(mounted)

    # D25/A14: tree syntax keeps 0.3.0's default recording; legacy and single-key only when asked (R3)
    run_record = record is not None or (req.mode == 'tree' and tx is None)
    if tx is not None and tx['action'] in ('create', 'use'):
        if record is not None and not record.get('skip'):
            warnings.append('record is ignored on transaction %s tasks (R14)' % tx['action'])
        run_record = False
    if run_record and not (record or {}).get('skip', False) and hasattr(store, 'kdb_mount'):
        if record is not None:
            warnings.append('record is not supported by the libelektra backend of this module; use kdb record-*')
        run_record = False
    if run_record and not (record or {}).get('skip', False):
        opts = record or {}
        rchanged, rresult, rwarnings = recording.apply(store, opts, diff_changes, check_mode,
                                                       getattr(store, 'written', ()))
        result['recording'] = rresult
        warnings.extend(rwarnings)
        changed = changed or rchanged
    result['changed'] = changed
    if diff_mode:
        result['diff'] = plan.diff_of(diff_changes)
    return result, warnings


def apply_keys(req, store, table, result, warnings, check_mode, no_log, keep_order, merge):
    """Assert, compute, write. A first pass without locks decides; only a task that changes something
    locks, reads again and writes, so an applied task (and a failing one) writes nothing, not even a
    lock file."""
    names, recursive = _names(req, store)
    asserts = [op for op in req.ops if op.assert_]

    def attempt(view):
        failures, passed = plan.check_asserts(view, asserts)
        if asserts:
            result['asserted'] = passed
        if failures:
            raise _assert_failure(failures, no_log, **result)
        mspec = None
        if merge is not None:
            mspec = (merge.get('strategy') or 'ours', merge_base(store, merge, view))
        res = plan.compute(view, req, keep_order, mspec)
        if res.conflicts and mspec and mspec[0] == 'abort':
            raise TaskFailure('merge conflict (strategy abort), nothing written: ' + ', '.join(res.conflicts),
                              conflicts=res.conflicts, **result)
        changes = res.sorted_changes()
        _lists(changes, result)
        return changes

    view = plan.View(store, table)
    backends = view.paths_for(names, recursive)
    changes = attempt(view)
    if changes and not check_mode:
        with _locks(backends.values(), check_mode):
            if not view.unchanged():  # someone wrote meanwhile: decide again under the locks
                view = plan.View(store, table)
                changes = attempt(view)
            if changes:
                write_all(store, plan.apply_changes(view, changes))
    return bool(changes), changes


def run_transaction(p, req, store, tx, result, warnings, check_mode, no_log):
    name, action = tx['name'], tx['action']
    staging = transaction.Staging(store.transactions_dir(), name)
    info = {'name': name, 'action': action, 'state': 'absent', 'staged_keys': 0}
    result['transaction'] = info
    if action == 'rollback':
        if req.ops or req.removes or req.mounts:
            raise TaskFailure('transaction %s: a rollback task takes no keys, remove or mount' % name, **result)
        existed = os.path.exists(staging.path)
        if existed:
            with _locks([], check_mode, first=staging.path):
                staging.load()
                existed = staging.exists
                if existed and not check_mode:
                    unmount(store, staging.mounts)
                    staging.discard()
        info['state'] = 'rolled_back' if existed else 'absent'
        return existed, []

    def fail(msg, **extra):
        if not check_mode:  # the caller holds the staging lock
            unmount(store, staging.mounts)
            staging.discard()
            info['state'] = 'rolled_back'
        extra.update(result)
        return TaskFailure('transaction %s rolled back: %s' % (name, msg), **extra)

    with _locks([], check_mode, first=staging.path):
        staging.load()
        if action == 'create' and staging.exists:
            warnings.append('transaction %s: a stale staging area was discarded' % name)
            staging = transaction.Staging(store.transactions_dir(), name)
        elif action in ('use', 'commit') and not staging.exists and not check_mode:
            raise TaskFailure('transaction %s does not exist on this host (the first task must use action: create)'
                              % name, **result)
        if staging.uid is not None and staging.uid != str(os.geteuid()):
            raise TaskFailure('transaction %s was created by uid %s, this task runs as uid %d (A5)'
                              % (name, staging.uid, os.geteuid()), **result)
        try:
            mounted, table = do_mounts(store, req.mounts, check_mode, warnings, staging)
            if req.mounts:
                result['mounted'] = mounted
            view = plan.View(store, table)
            asserts = [op for op in req.ops if op.assert_]
            failures, passed = plan.check_asserts(view, asserts)
            if asserts:
                result['asserted'] = passed
            if failures and action != 'commit' and check_mode:
                # nothing is staged in check mode, so the commit task's check cannot see this assertion
                warnings.append('transaction %s: check mode stages nothing, so the commit task cannot check this '
                                'again; a real run fails at commit unless the key then already has the state the '
                                'transaction gives it: %s' % (name, '; '.join(f.text(no_log) for f in failures)))
            # otherwise the commit decides (a key that already has the state the transaction gives it passes)
            # and names each failing key itself; a warning here would show on every re-run of an applied
            # playbook whose guards check the old values
            res = plan.compute(view, req, bool(p.get('keepOrder')), None, staging.overlay())
            own = [c for c in res.sorted_changes() if not _same(c.after, view.lookup(c.name))]
            staging.stage(res.states, asserts)
            info['staged_keys'] = len(staging.keys)
            if action != 'commit':
                _lists(own, result)
                if not check_mode:
                    staging.save()
                info['state'] = 'staged'
                return bool(own) or bool(mounted), own
        except TaskFailure as e:
            raise fail(e.msg.replace('assertion failed, nothing written: ', 'assertion failed: '), **e.extra)
        except Exception as e:
            raise fail(str(e))
        try:
            changes = commit(store, staging, p.get('merge'), check_mode, no_log)
        except TaskFailure as e:
            raise fail(e.msg, **e.extra)
        except Exception as e:
            raise fail(str(e))
        _lists(changes, result)
        info['state'] = 'committed'
        return bool(changes) or bool(mounted), changes


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a.equals(b)


def commit(store, staging, merge, check_mode, no_log):
    """R9: re-check assertions, resolve drift since staging, write every namespace at once."""
    strategy = (merge or {}).get('strategy') or 'ours'
    view = plan.View(store)
    where = 'transaction %s' % staging.name
    names = [(n, where) for n, _k in staging.keys.values()] + [(op.name, where) for op in staging.asserts.values()]
    backends = view.paths_for(names)
    # checked before locking too: a failing assertion must not even create the lock files' directories
    failures, _passed = plan.check_asserts(view, list(staging.asserts.values()), staging.overlay())
    if failures:
        raise _assert_failure(failures, no_log)
    view = plan.View(store)
    with _locks(backends.values(), check_mode):
        failures, _passed = plan.check_asserts(view, list(staging.asserts.values()), staging.overlay())
        if failures:
            raise _assert_failure(failures, no_log)
        changes, conflicts = [], []
        for sk in sorted(staging.keys):
            name, after = staging.keys[sk]
            live = view.lookup(name)
            base = staging.bases.get(sk)
            if not _same(live, base) and not _same(live, after):
                conflicts.append(name.canonical)
                if strategy == 'theirs':
                    continue
            if not _same(live, after):
                changes.append(plan.Change(name, live, after))
        if conflicts and strategy == 'abort':
            raise TaskFailure('keys changed on the host since they were staged (merge strategy abort): '
                              + ', '.join(conflicts), conflicts=conflicts)
        if check_mode:
            return changes
        writes = plan.apply_changes(view, changes)
        write_all(store, writes, staging) if len(writes) > 1 else write_all(store, writes)
        staging.discard()
    return changes
