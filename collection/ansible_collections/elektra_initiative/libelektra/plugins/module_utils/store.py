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

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import read_dump, write_dump
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.files import (
    read_file, remove_file, write_atomic)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    KeyNameError, PERSISTENT, make_name, parse)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet

MOUNTPOINTS = parse('system:/elektra/mountpoints')
ELEKTRA = parse('system:/elektra')
RECORD_SESSION = ('elektra', 'record', 'session')


class StoreError(Exception):
    """A clear, user-facing failure of the store (message names key, file or option)."""


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

    lockable = True

    def __init__(self, mountpoint, path, storage='dump', full_names=False, source=None):
        self.mountpoint = mountpoint
        self.path = path
        self.storage = storage
        self.full_names = full_names
        self.source = source or mountpoint.canonical
        private = mountpoint.namespace in ('user', 'dir')
        self.new_mode = 0o600 if private else 0o644
        self.dir_mode = 0o700 if private else 0o755

    def __repr__(self):
        return 'Backend(%s, %s)' % (self.mountpoint.canonical, self.path)

    def check_writable(self):
        if self.storage != 'dump':
            raise UnsupportedPluginError(self.storage, self.source)

    def read(self):
        self.check_writable()
        data = read_file(self.path)
        if data is None:
            return KeySet()
        ks = read_dump(data, self.mountpoint, self.full_names, file=self.path)
        return KeySet([k for k in ks if self.mountpoint.is_below_or_same(k.name)])

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

    def __init__(self, name, config):
        self.name = name
        self.config = config  # KeySet of keys at/below the mountpoint's table entry
        base = make_name('system', ('elektra', 'mountpoints', name.canonical))
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


class EmbeddedStore(object):
    """Resolves key names to backends (files) and reads/writes them in the dump format."""

    name = 'embedded'

    def __init__(self, root='', home=None, cwd=None):
        self.root = root or ''
        self.home = home
        self.cwd = cwd
        self._mounts = None
        self._cache_for = self._cache = None  # backends per namespace for one mount table

    # ---- file locations -------------------------------------------------------------------------
    def rooted(self, path):
        return self.root.rstrip('/') + path if self.root else path

    def system_dir(self):
        return self.rooted('/etc/kdb')

    def transactions_dir(self):
        return self.rooted('/var/lib/elektra-playbook/transactions')

    def record_lock_target(self):
        return os.path.join(self.system_dir(), 'record-session.cfg')

    def _home(self):
        if not self.home or not os.path.isabs(self.home):
            raise StoreError('user:/ keys need an absolute HOME in the module environment')
        return os.path.normpath(self.home)

    def _cwd(self):
        if not self.cwd:
            raise StoreError("dir:/ keys need the option 'chdir' (the directory whose .dir/ holds them)")
        return os.path.abspath(self.cwd)

    def _upward(self, rel):
        d = self._cwd()
        while True:
            candidate = os.path.join(d, rel)
            if os.path.exists(candidate):
                return candidate
            parent = os.path.dirname(d)
            if parent == d:
                return os.path.join(self._cwd(), rel)
            d = parent

    def namespace_dir(self, ns):
        if ns == 'system':
            return self.system_dir()
        if ns == 'spec':
            return self.rooted('/usr/share/elektra/specification')
        if ns == 'user':
            return os.path.join(self._home(), '.config')
        if ns == 'dir':
            return os.path.dirname(self._upward(os.path.join('.dir', 'default.ecf')))
        raise StoreError('namespace %s is not stored in files' % ns)

    def resolve_file(self, ns, file_name):
        """Where a mountpoint's file name ends up (default resolver, spec section 6.8)."""
        if ns == 'dir':
            if os.path.isabs(file_name):
                return self._upward(file_name.lstrip('/'))
            return self._upward(os.path.join('.dir', file_name))
        if file_name.startswith('~') and ns in ('spec', 'system'):
            return os.path.join(self._home(), file_name[1:].lstrip('/'))
        if os.path.isabs(file_name):
            return os.path.join(self._home(), file_name.lstrip('/')) if ns == 'user' else self.rooted(file_name)
        return os.path.join(self.namespace_dir(ns), file_name)

    # ---- mountpoint table -----------------------------------------------------------------------
    def elektra_backend(self):
        return Backend(ELEKTRA, os.path.join(self.system_dir(), 'elektra.ecf'))

    def mounts(self):
        if self._mounts is None:
            self._mounts = self.parse_mounts(self.elektra_backend().read())
        return self._mounts

    def forget_mounts(self):
        self._mounts = None
        self._cache_for = self._cache = None

    @staticmethod
    def parse_mounts(elektra_ks):
        by_name = {}
        for key in elektra_ks.below(MOUNTPOINTS, include_self=False):
            part = key.name.parts[len(MOUNTPOINTS.parts)]
            by_name.setdefault(part, KeySet()).add(key)
        out = []
        for part, config in by_name.items():
            try:
                name = parse(part)
            except KeyNameError:
                continue
            out.append(Mount(name, config))
        return out

    def session_backend(self, ns):
        mp = make_name(ns, RECORD_SESSION)
        return Backend(mp, os.path.join(self.namespace_dir(ns), 'record-session.cfg'))

    def root_backend(self, ns):
        return Backend(make_name(ns, ()), os.path.join(self.namespace_dir(ns), 'default.ecf'))

    def _candidates(self, ns, mounts=None):
        """(mountpoint KeyName in `ns`, factory) for every backend of namespace `ns`."""
        for m in (self.mounts() if mounts is None else mounts):
            if m.name.namespace == ns or (m.name.namespace == 'cascading' and ns in ('dir', 'user', 'system')):
                yield m.name.in_namespace(ns), m
        yield make_name(ns, RECORD_SESSION), 'session'
        if ns == 'system':
            yield ELEKTRA, 'elektra'

    def _make(self, ns, mp, what):
        if what == 'session':
            return self.session_backend(ns)
        if what == 'elektra':
            return self.elektra_backend()
        if what == 'root':
            return self.root_backend(ns)
        if what.file is None:
            raise StoreError('mountpoint %s has no definition/path in the mountpoint table' % what.name.canonical)
        path = self.resolve_file(ns, what.file)
        return Backend(mp, path, what.storage, what.full_names, what.name.canonical)

    def check_namespace(self, name):
        if name.namespace not in PERSISTENT:
            raise StoreError('key %s: namespace %s cannot be stored (use spec, dir, user or system)'
                             % (name.canonical, name.namespace))

    def _table(self, ns, mounts):
        """[(mountpoint, Backend)] of namespace `ns`, deepest first, root last (cached per table)."""
        table = self.mounts() if mounts is None else mounts
        if self._cache_for is not table:
            self._cache_for, self._cache = table, {}
        hit = self._cache.get(ns)
        if hit is None:
            entries = sorted(self._candidates(ns, table), key=lambda e: -len(e[0].parts))
            hit = [(mp, what) for mp, what in entries] + [(make_name(ns, ()), 'root')]
            self._cache[ns] = hit
        return hit

    def backend_for(self, name, mounts=None):
        """The backend holding key `name`: the deepest mountpoint at or above it."""
        self.check_namespace(name)
        table = self._table(name.namespace, mounts)
        for i, (mp, what) in enumerate(table):
            if mp.is_below_or_same(name):
                if not isinstance(what, Backend):
                    what = self._make(name.namespace, mp, what)
                    table[i] = (mp, what)
                return what
        raise StoreError('no backend for %s' % name.canonical)

    def backends_covering(self, name, mounts=None):
        """Backends holding keys at or below `name` (for recursive removal)."""
        out = [self.backend_for(name, mounts)]
        for mp, m in self._candidates(name.namespace, mounts):
            if name.is_below(mp):
                out.append(self._make(name.namespace, mp, m))
        return out
