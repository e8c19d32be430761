# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The libelektra backend: the same store interface through the `kdb` Python bindings (python3-elektra).

Imported lazily: the module works without the bindings (D15); `backend: libelektra` without them fails
with missing_required_lib. Mounting runs the `kdb` CLI; a missing binary is reported clearly (D20).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import traceback

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    PERSISTENT, make_name, parse)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import StoreError

try:
    import kdb  # noqa: F401  (python3-elektra)
    HAS_KDB = True
    KDB_IMPORT_ERROR = None
except ImportError:
    kdb = None
    HAS_KDB = False
    KDB_IMPORT_ERROR = traceback.format_exc()


def _from_kdb(k):
    meta = {}
    for m in k.getMeta():
        name = m.name
        meta[name[len('meta:/'):] if name.startswith('meta:/') else name] = m.value
    if 'binary' in meta:
        value = k.binary if hasattr(k, 'binary') else None
        return Key(parse(k.name), value or None, meta)
    return Key(parse(k.name), k.value or '', meta)


def _to_kdb(key):
    if key.is_binary:
        k = kdb.Key(key.name.canonical)
        k.setMeta('binary', '')
        if key.value:
            k.binary = key.value
    else:
        k = kdb.Key(key.name.canonical, kdb.KEY_VALUE, key.value or '')
    for m, v in key.meta.items():
        if m != 'binary':
            k.setMeta(m, v)
    return k


class KdbBackend(object):
    """One namespace through libelektra (libelektra finds the mountpoints and locks the files itself)."""

    lockable = False
    new_mode = 0o600
    dir_mode = 0o700

    def __init__(self, namespace):
        self.mountpoint = make_name(namespace, ())
        self.path = 'libelektra:' + self.mountpoint.canonical
        self.source = self.path

    def check_writable(self):
        return None

    def read(self):
        ks = KeySet()
        with kdb.KDB() as db:
            kks = kdb.KeySet()
            if db.get(kks, self.mountpoint.canonical) == -1:
                raise StoreError('libelektra could not read %s' % self.mountpoint.canonical)
            for k in kks:
                key = _from_kdb(k)
                if self.mountpoint.is_below_or_same(key.name):
                    ks.add(key)
        return ks

    def render(self, ks):
        return ks

    def write(self, ks):
        with kdb.KDB() as db:
            kks = kdb.KeySet()
            db.get(kks, self.mountpoint.canonical)
            out = kdb.KeySet()
            for key in ks:
                out.append(_to_kdb(key))
            if db.set(out, self.mountpoint.canonical) == -1:
                raise StoreError('libelektra could not write %s' % self.mountpoint.canonical)


class LibelektraStore(object):
    name = 'libelektra'

    def __init__(self, root='', home=None, cwd=None, kdb_command='kdb'):
        self.root = root or ''
        self.home = home
        self.cwd = cwd
        self.kdb_command = kdb_command
        if cwd:
            os.chdir(cwd)  # libelektra resolves dir:/ from the working directory

    def transactions_dir(self):
        base = '/var/lib/elektra-playbook/transactions'
        return self.root.rstrip('/') + base if self.root else base

    def backend_for(self, name, mounts=None):
        if name.namespace not in PERSISTENT:
            raise StoreError('key %s: namespace %s cannot be stored' % (name.canonical, name.namespace))
        return KdbBackend(name.namespace)

    def backends_covering(self, name, mounts=None):
        return [self.backend_for(name)]

    def parse_mounts(self, ks):
        return None

    def _mounted(self):
        with kdb.KDB() as db:
            ks = kdb.KeySet()
            db.get(ks, 'system:/elektra/mountpoints')
            return set(k.name for k in ks)

    def kdb_mount(self, specs, check_mode):
        existing = self._mounted()
        mounted = []
        for spec in specs:
            entry = make_name('system', ('elektra', 'mountpoints', spec.mountpoint.canonical)).canonical
            if entry in existing and not spec.force:
                continue
            mounted.append(spec.mountpoint.canonical)
            if check_mode:
                continue
            if entry in existing:
                self._run(['umount', spec.mountpoint.canonical], spec)
            args = ['mount'] + (['--with-recommends'] if spec.recommends else [])
            args += ['-R', spec.resolver, spec.file, spec.mountpoint.canonical]
            for plugin, cfg in spec.plugins or [('dump', {})]:
                args.append(plugin)
                args.extend('%s=%s' % kv for kv in sorted(cfg.items()))
            self._run(args, spec)
        return mounted

    def _run(self, args, spec):
        try:
            proc = subprocess.run([self.kdb_command] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as e:
            raise StoreError("mounting %s needs the '%s' command of libelektra, which could not be run (%s)"
                             % (spec.mountpoint.canonical, self.kdb_command, e.strerror or e))
        if proc.returncode != 0:
            raise StoreError('kdb %s failed for %s (exit %d): %s' % (
                args[0], spec.mountpoint.canonical, proc.returncode,
                proc.stdout.decode('utf-8', 'replace').strip()))
