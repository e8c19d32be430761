# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Session recording state in libelektra 0.11's keys and files (spec/recording.md 3, 4.1), shared with
the elektra-playbook CLI (docs/ARCHITECTURE.md "Session"; src/recorder/session-store.ts).

Active flag `system:/elektra/record/config/active` (value = parent) in elektra.ecf; the session diff in
`<ns>:/elektra/record/session/diff/{added,modified/old,modified/new,removed}/<path>` in each namespace's
record-session.cfg; parts not folded yet in the CLI's journal `$R/etc/kdb/record-session.journal`.
Everything here happens under the record lock `$R/etc/kdb/record-session.cfg.lock`, which a task that
touches recording holds from before its first write until its files are marked seen (`guard`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import hashlib
import json
import os
import re
import time
from contextlib import contextmanager

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import files, seen
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import read_dump, write_dump
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import (
    FileError, Locks, make_dirs, remove_file)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    PERSISTENT, make_name, parse)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import StoreError

ACTIVE = parse('system:/elektra/record/config/active')
SESSION = ('elektra', 'record', 'session')
PARTS = {'added': ('diff', 'added'), 'old': ('diff', 'modified', 'old'), 'new': ('diff', 'modified', 'new'),
         'removed': ('diff', 'removed')}
JOURNAL_FILE = 'record-session.journal'
MARK = ('journal',)
WARNINGS = ('warnings',)


class Change(object):
    """One key's change: before/after are Keys or None (plan.Change has the same shape)."""
    __slots__ = ('name', 'before', 'after')

    def __init__(self, name, before, after):
        self.name, self.before, self.after = name, before, after


def _session_backends(store):
    out = []
    for ns in PERSISTENT:
        try:
            out.append((ns, store.session_backend(ns)))
        except StoreError:
            continue  # no HOME / no chdir: that namespace has no session file here
    return out


def journal_path(store):
    return files.join(store.system_dir(), JOURNAL_FILE)


def active_parent(store):
    key = store.elektra_backend().read().lookup(ACTIVE)
    return None if key is None else (key.value or '/')


def status(store):
    """(active parent or None, session non-empty — the session files or a journal with records)."""
    active = store.elektra_backend().read().lookup(ACTIVE)
    nonempty = any(os.path.exists(b.path) and len(b.read()) for _ns, b in _session_backends(store)) or \
        bool(read_journal(journal_path(store))['records'])
    return (active.value if active is not None else None), nonempty


def _entry(ns, part, name):
    return make_name(ns, SESSION + PARTS[part] + tuple(name.parts))


def _append(sets, changes):
    """recording.md 3.1: merge a part diff into the session, as src/recorder/append.ts (conflicts:
    rows 4, 7, 13, 14; Q18 mismatches: rows 5, 6, 8, 9, 10).

    Returns the warnings; each namespace's count is added to its file's `…/session/warnings`."""
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
            if a is None or b is None:
                return a is b
            return a.value == b.value and type(a.value) is type(b.value) and a.meta == b.meta

        def warn(text):
            warnings.append(text)
            counter = make_name(ns, SESSION + WARNINGS)
            k = ks.lookup(counter)
            n = int(k.value) if k is not None and str(k.value).isdigit() else 0
            ks.add(Key(counter, str(n + 1)))

        def mismatch(current, part_old):
            # Q18: the part says the key was `part_old`; the session says it currently is `current`
            if not same(current, part_old):
                warn("Part's old version of key %s does not match the session's current version" % ch.name)

        if ch.before is None:
            if removed is not None:
                drop('removed')
                if not same(removed, ch.after):
                    put('old', removed)
                    put('new', ch.after)
            elif added is not None or old is not None:
                warn("Can't add already %s key %s" % ('added' if added else 'modified', ch.name))
            else:
                put('added', ch.after)
        elif ch.after is None:
            if added is not None:
                mismatch(added, ch.before)
                drop('added')
            elif old is not None:
                mismatch(ks.lookup(_entry(ns, 'new', ch.name)), ch.before)
                drop('old')
                drop('new')
                put('removed', old)
            elif removed is not None:
                warn("Can't remove already removed key %s" % ch.name)
            else:
                put('removed', ch.before)
        else:
            if added is not None:
                mismatch(added, ch.before)
                put('added', ch.after)
            elif old is not None:
                mismatch(ks.lookup(_entry(ns, 'new', ch.name)), ch.before)
                if same(old, ch.after):
                    drop('old')
                    drop('new')
                else:
                    put('new', ch.after)
            elif removed is not None:
                warn("Can't modify already removed key %s" % ch.name)
            else:
                put('old', ch.before)
                put('new', ch.after)
    return warnings


# ---- which changes a session records (src/recorder/session-store.ts filterPart, scope.ts) ----------

def never_recorded(name):
    p = name.parts
    if p[:1] != ('elektra',):
        return False
    if p[1:2] == ('record',) and p[2:3] in (('config',), ('session',)):
        return True
    return name.namespace == 'system' and p[1:2] in (('modules',), ('version',))


def in_scope(parent, name):
    """recording.md 0's below-or-same with Q9: `/` holds everything; either side cascading ignores the
    namespace."""
    if parent is None:
        return True
    if parent.namespace != 'cascading' and name.namespace not in (parent.namespace, 'cascading'):
        return False
    return tuple(name.parts[:len(parent.parts)]) == tuple(parent.parts)


def filter_part(changes, parent):
    p = None if parent is None else parse(parent)
    return [c for c in changes
            if c.name.namespace in PERSISTENT and in_scope(p, c.name) and not never_recorded(c.name)]


def calculate(before, after):
    """The changes from key set `before` to `after` (recording.md 2; keys compared with `differ`)."""
    out = []
    names = set(k.name for k in before) | set(k.name for k in after)
    for name in sorted(names):
        a, b = before.lookup(name), after.lookup(name)
        if a is None or b is None or not a.equals(b):
            out.append(Change(name, a, b))
    return out


# ---- the CLI's journal (src/recorder/session-journal.ts: the same bytes) ---------------------------

_MAGIC = b'elektra-playbook-journal 1 '
_HEADER = re.compile(br'\Aelektra-playbook-journal 1 ([0-9a-z-]{1,64}) (\d{1,15})\Z')
_HEAD = re.compile(br'\Apart (\d{1,12}) (\d{1,12})\n')
_TAIL = re.compile(br'\nend ([0-9a-f]{8}) (\d{1,15})\n\Z')
MIN_FOLD_AT = 4 * 1024 * 1024


def _hash(meta, payload):
    return hashlib.sha1(meta + payload).hexdigest()[:8].encode('ascii')


def _decode_at(buf, start):
    h = _HEAD.match(buf[start:start + 40])
    if h is None:
        return None
    meta_len, payload_len = int(h.group(1)), int(h.group(2))
    meta_start = start + len(h.group(0))
    payload_start = meta_start + meta_len
    payload_end = payload_start + payload_len
    if payload_end > len(buf):
        return None
    nl = buf.find(b'\n', payload_end + 1)
    if nl == -1:
        return None
    t = _TAIL.match(buf[payload_end:nl + 1])
    if t is None or int(t.group(2)) != start:
        return None
    meta_bytes, payload = buf[meta_start:payload_start], buf[payload_start:payload_end]
    if _hash(meta_bytes, payload) != t.group(1):
        return None
    try:
        meta = json.loads(meta_bytes.decode('utf-8'))
    except ValueError:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get('sessions'), list) or \
            not isinstance(meta.get('files'), list):
        return None
    dumps, at = [], 0
    for s in meta['sessions']:
        size = s.get('size') if isinstance(s, dict) else None
        if not isinstance(size, int) or size < 0 or at + size > len(payload):
            return None
        dumps.append(payload[at:at + size])
        at += size
    if at != len(payload):
        return None
    return {'meta': meta, 'dumps': dumps, 'start': start, 'end': nl + 1}


def read_journal(path):
    """{'id', 'fold_at', 'records', 'valid_end', 'size'}; no journal: no records. A torn tail ends
    the records (a writer was killed mid-append)."""
    try:
        with open(path, 'rb') as f:
            buf = f.read()
    except (IOError, OSError) as e:
        if e.errno == errno.ENOENT:
            return {'id': '', 'fold_at': MIN_FOLD_AT, 'records': [], 'valid_end': 0, 'size': 0, 'exists': False}
        raise FileError(path, 'read journal', e)
    nl = buf.find(b'\n')
    m = _HEADER.match(buf[:nl]) if nl != -1 else None
    if m is None:
        if nl == -1 and _MAGIC.startswith(buf[:len(_MAGIC)]):
            return {'id': '', 'fold_at': MIN_FOLD_AT, 'records': [], 'valid_end': len(buf), 'size': len(buf),
                    'exists': True}
        raise StoreError('%s: byte 0: not a session journal' % path)
    records, at = [], nl + 1
    while at < len(buf):
        r = _decode_at(buf, at)
        if r is None:
            break
        records.append(r)
        at = r['end']
    return {'id': m.group(1).decode('ascii'), 'fold_at': int(m.group(2)), 'records': records,
            'valid_end': at, 'size': len(buf), 'exists': True}


def _part_dumps(store, changes):
    """[(ns, session file, dump bytes)] of a part in the session layout, one per namespace it has."""
    out = []
    for ns, b in _session_backends(store):
        ks = KeySet()
        _append({ns: ks}, [c for c in changes if c.name.namespace == ns])
        if len(ks):
            out.append((ns, b.path, write_dump(ks, b.mountpoint)))
    return out


def append_part(store, changes, touched_files):
    """Appends one record (the caller holds the record lock); `touched_files` = [(path, dev, ino)] as
    the write left them (ino None: deleted)."""
    shares = _part_dumps(store, changes)
    if not shares:
        return
    path = journal_path(store)
    j = read_journal(path)
    meta = {'sessions': [{'ns': ns, 'file': f, 'size': len(d)} for ns, f, d in shares],
            'files': [{'path': p, 'dev': dev, 'ino': ino} for p, dev, ino in touched_files]}
    meta_bytes = json.dumps(meta, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    payload = b''.join(d for _ns, _f, d in shares)
    make_dirs(os.path.dirname(path), 0o755)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not j['exists'] or j['id'] == '':
            os.ftruncate(fd, 0)
            sizes = sum(os.path.getsize(b.path) for _ns, b in _session_backends(store) if os.path.exists(b.path))
            jid = '%s-%s' % (_base36(int(time.time() * 1000)), binascii.hexlify(os.urandom(6)).decode('ascii'))
            header = _MAGIC + ('%s %d\n' % (jid, max(MIN_FOLD_AT, 2 * sizes))).encode('ascii')
            os.pwrite(fd, header, 0)
            start = len(header)
        else:
            start = j['valid_end']  # a torn tail from a killed writer is cut off
            os.ftruncate(fd, start)
        head = ('part %d %d\n' % (len(meta_bytes), len(payload))).encode('ascii')
        tail = b'\nend ' + _hash(meta_bytes, payload) + (' %d\n' % start).encode('ascii')
        os.pwrite(fd, head + meta_bytes + payload + tail, start)
        os.fdatasync(fd)
    finally:
        os.close(fd)


def _base36(n):
    digits = '0123456789abcdefghijklmnopqrstuvwxyz'
    out = ''
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _changes_of(ns, ks):
    """The part a session-layout key set (one namespace's share of a record) stands for."""
    depth = len(SESSION)
    by = {'added': {}, 'old': {}, 'new': {}, 'removed': {}}
    for k in ks:
        rel = k.name.parts[depth:]
        for part, prefix in (('old', PARTS['old']), ('new', PARTS['new']), ('added', PARTS['added']),
                             ('removed', PARTS['removed'])):
            if tuple(rel[:len(prefix)]) == prefix:
                name = make_name(ns, tuple(rel[len(prefix):]))
                by[part][name] = Key(name, k.value, k.meta)
                break
    out = [Change(n, None, k) for n, k in by['added'].items()]
    out += [Change(n, by['old'][n], k) for n, k in by['new'].items() if n in by['old']]
    out += [Change(n, k, None) for n, k in by['removed'].items()]
    return out


def fold(store):
    """Folds every journal record into its session file, then removes the journal; each file's mark
    (`…/session/journal = <id> <end>`) makes an interrupted fold resumable without applying a record
    twice (src/recorder/session-store.ts `fold`). Caller holds the record lock. Returns warnings."""
    path = journal_path(store)
    j = read_journal(path)
    if not j['exists']:
        return []
    warnings = []
    backends = dict((b.path, (ns, b)) for ns, b in _session_backends(store))
    targets = []
    for r in j['records']:
        for s in r['meta']['sessions']:
            if s.get('file') not in targets:
                targets.append(s.get('file'))
    folded = []
    for target in targets:
        if target not in backends:
            continue  # a namespace this task cannot resolve (no HOME / chdir): left for the CLI
        ns, b = backends[target]
        ks = b.read()
        mark_key = make_name(ns, SESSION + MARK)
        mark = ks.lookup(mark_key)
        start_from = 0
        if mark is not None:
            m = re.match(r'^(\S+) (\d+)$', mark.value or '')
            if m and m.group(1) == j['id']:
                start_from = int(m.group(2))
        last_end = -1
        for r in j['records']:
            if r['start'] < start_from:
                continue
            for i, s in enumerate(r['meta']['sessions']):
                if s.get('file') != target:
                    continue
                part = read_dump(r['dumps'][i], make_name(ns, SESSION), file='%s@%d' % (path, r['start']))
                warnings.extend(_append({ns: ks}, _changes_of(ns, part)))
                last_end = r['end']
        if last_end == -1:
            if mark is not None:
                folded.append((b, ks))
            continue
        ks.add(Key(mark_key, '%s %d' % (j['id'], last_end)))
        b.write(ks)
        folded.append((b, ks))
    if any(t not in backends for t in targets):
        return warnings  # the journal still holds parts for files we could not fold: the CLI will
    remove_file(path)
    for b, ks in folded:
        ks.remove(make_name(b.mountpoint.namespace, SESSION + MARK))
        b.write(ks)
    return warnings


# ---- catching up with other programs' writes (src/recorder/session-store.ts catchUp) --------------

def catch_up(store, parent):
    """Appends diff(seen, now) of every watched file another program replaced, then marks it seen.
    Caller holds the record lock."""
    absent = seen.absent_list(store)
    checks = [(b, seen.check(b.path, absent)) for b in seen.watched_backends(store)]
    if all(c[0] == 'same' for _b, c in checks):
        return 0
    last = read_journal(journal_path(store))
    last = last['records'][-1] if last['records'] and last['valid_end'] == last['size'] else None
    changed = 0
    for b, (state, now) in checks:
        if state == 'same':
            continue
        if state == 'unseen':
            seen.mark(b.path, absent)
            continue
        if last is not None and any(f.get('path') == b.path and f.get('ino') == now[1] and f.get('dev') == now[0]
                                    for f in last['meta']['files']):
            seen.mark(b.path, absent)  # a writer killed after appending its part: already recorded
            continue
        changed += 1
        part = filter_part(calculate(seen.read_seen(b), b.read()), parent)
        if part:
            append_part(store, part, [(b.path, now[0], now[1])])
        seen.mark(b.path, absent)
    return changed


# ---- the task's record lock -------------------------------------------------------------------------

def touches(store, p, check_mode):
    """Whether this task will read or change the recording state (engine.run's `run_record`)."""
    if check_mode or hasattr(store, 'kdb_mount'):
        return False
    record = p.get('record')
    if (record or {}).get('skip'):
        return False
    tx = p.get('transaction')
    if tx is not None and tx.get('action') in ('create', 'use'):
        return False
    tree = p.get('mountpoint') is None and p.get('key') is None
    return record is not None or (tree and tx is None)


@contextmanager
def guard(store, p, check_mode=False):
    """Holds the record lock from the task's first lock (before it writes anything) to its end, so a
    CLI command cannot record this task's writes before they are marked seen, and catches up with
    other programs' writes first (their changes are not this task's). A task that writes nothing
    takes no lock. Without recording to touch it does nothing."""
    if not touches(store, p, check_mode):
        yield
        return
    target = store.record_lock_target()

    def first_use():
        parent = active_parent(store)
        if parent is not None:
            catch_up(store, parent)
            fold(store)

    with files.hold_first(target, 0o755, first_use):
        yield


# ---- the task's `record` options ---------------------------------------------------------------------

def apply(store, opts, changes, check_mode, written=()):
    """Run the `record` options after the keys were written; returns (changed, result, warnings).

    written: the files this task replaced; with recording active afterwards they are marked seen for
    the elektra-playbook CLI (reset or a fresh start: every watched file, as `record start` does).
    A reset drops the session files and the CLI's journal together (`elektra-playbook record reset`)."""
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
        if reset:
            remove_file(journal_path(store))
            for _ns, b in sessions:
                b.write(KeySet())
        else:
            warnings.extend(fold(store))
        if record_ansible and changes:
            mine = filter_part(changes, parent)
            if mine:
                ids = []
                for path in sorted(set(written)):
                    try:
                        st = os.stat(path)
                        ids.append((path, str(st.st_dev), str(st.st_ino)))
                    except OSError:
                        ids.append((path, '', None))
                append_part(store, mine, ids)
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
        # the module's callers (and libelektra itself) read the session files: bring them up to date
        warnings.extend(fold(store))
    return changed, result, warnings
