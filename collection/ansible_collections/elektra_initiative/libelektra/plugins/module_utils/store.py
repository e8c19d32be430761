# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The embedded store: Elektra's default files and the mountpoint table, read and written directly.

File locations follow DESIGN.md "Files and roots" and spec/keys-and-dump.md section 6.8:
`root` prefixes system and spec files, user files live below `home`, dir files below `cwd`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import read_dump, write_dump
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import (
    dirname, join, normalize, read_file, remove_file, resolve, write_atomic)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    KeyNameError, PERSISTENT, make_name, parse)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet

MOUNTPOINTS = parse('system:/elektra/mountpoints')
ELEKTRA = parse('system:/elektra')
RECORD_SESSION = ('elektra', 'record', 'session')
# built in below system:/elektra besides the session: no file, read empty, not writable
VIRTUAL = (parse('system:/elektra/modules'), parse('system:/elektra/version'))


class StoreError(Exception):
    """A clear, user-facing failure of the store (message names key, file or option)."""


class MountpointError(StoreError):
    """An entry of the mountpoint table we cannot understand; the message names its table key."""

    def __init__(self, key, reason):
        StoreError.__init__(self, '%s: %s' % (key, reason))
        self.key = key


class UnsupportedPluginError(StoreError):
    def __init__(self, plugin, mountpoint):
        StoreError.__init__(
            self, "mountpoint %s uses the storage plugin '%s', which the embedded backend cannot read or "
            "write (only 'dump'); install libelektra's Python bindings and use backend: libelektra"
            % (mountpoint, plugin))
        self.plugin = plugin
        self.mountpoint = mountpoint


class Backend(object):
    """One file holding the keys of one mountpoint in one namespace."""

    def __init__(self, mountpoint, path, storage='dump', full_names=False, source=None, nested=(),
                 virtual=False):
        self.mountpoint = mountpoint
        self.path = path
        self.storage = storage
        self.full_names = full_names
        self.source = source or mountpoint.canonical
        # mountpoints below this one: their keys belong to their own files (dropped here on read)
        self.nested = tuple(nested)
        self.virtual = virtual
        self.lockable = not virtual
        private = mountpoint.namespace in ('user', 'dir')
        self.new_mode = 0o600 if private else 0o644
        self.dir_mode = 0o700 if private else 0o755

    def __repr__(self):
        return 'Backend(%s, %s)' % (self.mountpoint.canonical, self.path)

    def check_writable(self):
        if self.virtual:
            raise StoreError('%s is read-only' % self.source)
        if self.storage != 'dump':
            raise UnsupportedPluginError(self.storage, self.source)

    def owns(self, name):
        """True when key `name` belongs to this backend (at/below it, not below a nested one)."""
        if not self.mountpoint.is_below_or_same(name):
            return False
        return not any(n.is_below_or_same(name) for n in self.nested)

    def read(self):
        if self.virtual:
            return KeySet()
        if self.storage != 'dump':
            raise UnsupportedPluginError(self.storage, self.source)
        data = read_file(self.path)
        if data is None:
            return KeySet()
        ks = read_dump(data, self.mountpoint, self.full_names, file=self.path)
        # keys that do not belong here (below a nested mountpoint, or moved out by `..`) are dropped,
        # as src/kdb/embedded-store.ts drops them: each file holds only its own backend's keys
        if all(self.owns(k.name) for k in ks):
            return ks
        return KeySet([k for k in ks if self.owns(k.name)])

    def render(self, ks):
        return write_dump(ks, self.mountpoint, self.full_names) if len(ks) else None

    def write(self, ks):
        data = self.render(ks)
        if data is None:
            remove_file(self.path)
        else:
            write_atomic(self.path, data, self.new_mode, self.dir_mode)


class Mount(object):
    """A mountpoint from the table: name, file and storage plugin."""

    def __init__(self, name, config, part=None):
        self.name = name
        self.config = config  # KeySet of keys at/below the mountpoint's table entry
        # the entry as spelled in the table (`user:/a/..` names the mountpoint user:/)
        base = make_name('system', ('elektra', 'mountpoints', name.canonical if part is None else part))
        self.base = base
        self.file = self._get(('definition', 'path'))
        # the plugins at get/storage and set/storage; a non-dump one wins (as src/kdb/mountpoints.ts)
        names = []
        for phase in ('get', 'set'):
            ref = self._get(('definition', 'positions', phase, 'storage'))
            if ref is not None:
                names.append(self._get(('plugins', ref, 'name')) or '(unknown plugin %s)' % ref)
        self.storage = '(none)' if not names else ([n for n in names if n != 'dump'] or ['dump'])[0]
        ref = self._get(('definition', 'positions', 'get', 'storage'))
        self.full_names = config.has(make_name('system', base.parts + ('config', 'fullname'))) or (
            ref is not None and config.has(make_name('system', base.parts + ('plugins', ref, 'config', 'fullname'))))

    def _get(self, rel):
        key = self.config.lookup(make_name('system', self.base.parts + tuple(rel)))
        return key.value if key is not None and isinstance(key.value, str) else None


def mount_config(mountpoint, file_name, resolver='resolver', plugin_config=None):
    """Mountpoint table keys for a dump-storage mountpoint, in libelektra 0.11's backend layout."""
    base = make_name('system', ('elektra', 'mountpoints', mountpoint.canonical))
    ks = KeySet()

    def put(rel, value):
        ks.add(Key(make_name('system', base.parts + tuple(rel)), value))

    put((), '')
    put(('plugins', 'backend', 'name'), 'backend')
    put(('plugins', 'resolver', 'name'), resolver)
    put(('plugins', 'storage', 'name'), 'dump')
    for k, v in sorted((plugin_config or {}).items()):
        put(('plugins', 'storage', 'config') + tuple(k.split('/')), v)
    put(('definition', 'path'), file_name)
    if os.path.isabs(file_name):
        put(('definition', 'path', 'absolute'), 'true')
    for phase in ('get', 'set'):
        put(('definition', 'positions', phase, 'resolver'), 'resolver')
        put(('definition', 'positions', phase, 'storage'), 'storage')
    put(('definition', 'positions', 'set', 'commit'), 'resolver')
    put(('definition', 'positions', 'set', 'rollback'), 'resolver')
    return ks


def _serves(entry_ns, ns):
    """A table entry in `entry_ns` gives a backend in `ns` (a cascading one in dir, user and system)."""
    return entry_ns == ns or (entry_ns == 'cascading' and ns in ('dir', 'user', 'system'))


class EmbeddedStore(object):
    """Resolves key names to backends (files) and reads/writes them in the dump format.

    Paths are spelled as src/kdb/paths.ts spells them (Node's path.join/resolve), so both languages
    name the same files and lock files (test/parity-paths.test.ts)."""

    name = 'embedded'

    def __init__(self, root='', home=None, cwd=None):
        self.root = root or ''
        self.home = home
        self.cwd = cwd
        self._mounts = None
        self._cache_for = self._cache = None  # backends per namespace for one mount table

    # ---- file locations (docs/ARCHITECTURE.md, src/kdb/paths.ts) --------------------------------
    def rooted(self, path):
        """`$R` + an absolute path; a relative root is taken from the process' working directory."""
        if not self.root:
            return resolve(path)
        return join(resolve(self.root), path)

    def system_dir(self):
        return self.rooted('/etc/kdb')

    def spec_dir(self):
        return self.rooted('/usr/share/elektra/specification')

    def transactions_dir(self):
        return self.rooted('/var/lib/elektra-playbook/transactions')

    def record_lock_target(self):
        return join(self.system_dir(), 'record-session.cfg')

    def _home(self):
        if not self.home or not self.home.startswith('/'):
            raise StoreError('user:/ keys need an absolute HOME in the module environment')
        # normalised like a key name: no duplicate or trailing slashes, `.`/`..` resolved
        home = normalize(self.home)
        return home[:-1] if len(home) > 1 and home.endswith('/') else home

    def _cwd(self):
        if not self.cwd:
            raise StoreError("dir:/ keys need the option 'chdir' (the directory whose .dir/ holds them)")
        return resolve(self.cwd)

    def _upward(self, rel):
        """The first existing `D/rel` for D = cwd, its parents … `/`; none: `cwd/rel`."""
        cwd = self._cwd()
        d = cwd
        while True:
            candidate = join(d, rel)
            if os.path.exists(candidate):
                return candidate
            parent = dirname(d)
            if parent == d:
                return join(cwd, rel)
            d = parent

    def resolve_file(self, ns, file_name):
        """Where a mountpoint's file name ends up (default resolver, keys-and-dump.md 6.8)."""
        if ns in ('spec', 'system'):
            if file_name.startswith('~'):
                return join(self._home(), re.sub(r'^~/?', '', file_name))
            if file_name.startswith('/'):
                return self.rooted(file_name)
            return join(self.spec_dir() if ns == 'spec' else self.system_dir(), file_name)
        if ns == 'user':
            if file_name.startswith('/'):
                return join(self._home(), file_name)
            return join(self._home(), '.config', file_name)
        if ns == 'dir':
            return self._upward(file_name if file_name.startswith('/') else join('.dir', file_name))
        raise StoreError('namespace %s is not stored in files' % ns)

    def namespace_dir(self, ns):
        """The directory of a namespace's default.ecf (for dir: the one found upward from cwd)."""
        return dirname(self.resolve_file(ns, 'default.ecf'))

    # ---- mountpoint table -----------------------------------------------------------------------
    def elektra_backend(self):
        return Backend(ELEKTRA, self.resolve_file('system', 'elektra.ecf'),
                       nested=(make_name('system', RECORD_SESSION),) + VIRTUAL)

    def mounts(self):
        if self._mounts is None:
            self._mounts = self.parse_mounts(self.elektra_backend().read())
        return self._mounts

    def forget_mounts(self):
        self._mounts = None
        self._cache_for = self._cache = None

    @staticmethod
    def parse_mounts(elektra_ks):
        """The table's entries; an entry we cannot understand raises MountpointError naming its key
        (as src/kdb/mountpoints.ts and libelektra, which refuses to open such a key database)."""
        by_name = {}
        for key in elektra_ks.below(MOUNTPOINTS, include_self=False):
            part = key.name.parts[len(MOUNTPOINTS.parts)]
            by_name.setdefault(part, KeySet()).add(key)
        out = []
        for part, config in by_name.items():
            where = make_name('system', MOUNTPOINTS.parts + (part,)).canonical
            try:
                name = parse(part)
            except KeyNameError as e:
                raise MountpointError(where, 'not a valid mountpoint name: %s' % e.reason)
            if name.namespace in ('system', 'cascading') and name.parts[:1] == ('elektra',):
                raise MountpointError(where, 'mountpoints below system:/elektra are not allowed')
            m = Mount(name, config, part)
            if not m.file:
                raise MountpointError(where, 'missing definition/path')
            out.append(m)
        return out

    def session_backend(self, ns):
        mp = make_name(ns, RECORD_SESSION)
        return Backend(mp, join(self.namespace_dir(ns), 'record-session.cfg'), nested=self._nested(ns, mp))

    def root_backend(self, ns):
        mp = make_name(ns, ())
        return Backend(mp, self.resolve_file(ns, 'default.ecf'), nested=self._nested(ns, mp))

    def _candidates(self, ns, mounts=None):
        """(mountpoint KeyName in `ns`, what) for every backend of namespace `ns` but its root; a
        table entry replaces a built-in of the same name."""
        seen = set()
        for m in (self.mounts() if mounts is None else mounts):
            if _serves(m.name.namespace, ns):
                mp = m.name.in_namespace(ns)
                if mp.parts and mp not in seen:
                    seen.add(mp)
                    yield mp, m
        builtins = [(make_name(ns, RECORD_SESSION), 'session')]
        if ns == 'system':
            builtins += [(ELEKTRA, 'elektra')] + [(v, 'virtual') for v in VIRTUAL]
        for mp, what in builtins:
            if mp not in seen:
                yield mp, what

    def _root_entry(self, ns, mounts):
        """A table entry for the namespace root (`user:/`, or `/` for dir, user and system) replaces
        the built-in default.ecf."""
        found = 'root'
        for m in (self.mounts() if mounts is None else mounts):
            if not m.name.parts and _serves(m.name.namespace, ns):
                found = m
        return found

    def _nested(self, ns, mp, mounts=None):
        if mp == ELEKTRA:
            return (make_name('system', RECORD_SESSION),) + VIRTUAL
        return tuple(n for n, _what in self._table(ns, mounts) if mp.is_below(n))

    def _make(self, ns, mp, what, mounts=None):
        nested = self._nested(ns, mp, mounts)
        if what == 'session':
            return Backend(mp, join(self.namespace_dir(ns), 'record-session.cfg'), nested=nested)
        if what == 'elektra':
            return self.elektra_backend()
        if what == 'virtual':
            return Backend(mp, '', virtual=True)
        if what == 'root':
            return Backend(mp, self.resolve_file(ns, 'default.ecf'), nested=nested)
        path = self.resolve_file(ns, what.file)
        return Backend(mp, path, what.storage, what.full_names, what.name.canonical, nested=nested)

    def check_namespace(self, name):
        if name.namespace not in PERSISTENT:
            raise StoreError('key %s: namespace %s cannot be stored (use spec, dir, user or system)'
                             % (name.canonical, name.namespace))

    def _table(self, ns, mounts):
        """[(mountpoint, what or Backend)] of namespace `ns`, deepest first, root last (cached per table)."""
        table = self.mounts() if mounts is None else mounts
        if self._cache_for is not table:
            self._cache_for, self._cache = table, {}
        hit = self._cache.get(ns)
        if hit is None:
            entries = sorted(self._candidates(ns, table), key=lambda e: -len(e[0].parts))
            hit = list(entries) + [(make_name(ns, ()), self._root_entry(ns, table))]
            self._cache[ns] = hit
        return hit

    def backend_for(self, name, mounts=None):
        """The backend holding key `name`: the deepest mountpoint at or above it."""
        self.check_namespace(name)
        table = self._table(name.namespace, mounts)
        for i, (mp, what) in enumerate(table):
            if mp.is_below_or_same(name):
                if not isinstance(what, Backend):
                    what = self._make(name.namespace, mp, what, mounts)
                    table[i] = (mp, what)
                return what
        raise StoreError('no backend for %s' % name.canonical)

    def backends(self, ns, mounts=None):
        """Every backend of namespace `ns` (root included), deepest first."""
        self.check_namespace(make_name(ns, ()))
        return [self.backend_for(mp, mounts) for mp, _what in self._table(ns, mounts)]

    def backends_covering(self, name, mounts=None):
        """Backends holding keys at or below `name` (for recursive removal; virtual ones hold none)."""
        out = [self.backend_for(name, mounts)]
        for mp, _what in self._table(name.namespace, mounts):
            if name.is_below(mp):
                out.append(self.backend_for(mp, mounts))
        return [b for b in out if not b.virtual]
