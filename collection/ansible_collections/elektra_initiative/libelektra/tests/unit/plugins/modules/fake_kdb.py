# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""An in-memory stand-in for libelektra's Python bindings (the calls of doc/tutorials/python-kdb.md), so the
libelektra backend's code runs where python3-elektra is not installed (spec/module.md 1.5)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

KEY_VALUE = 'KEY_VALUE'
DATABASE = {}  # name -> (value, {meta name: value}), shared by every KDB handle
CALLS = []


class Key(object):
    def __init__(self, name, *args):
        self.name = name
        self.value = ''
        self._meta = {}
        if len(args) == 2 and args[0] == KEY_VALUE:
            self.value = args[1]

    def setMeta(self, name, value):
        self._meta['meta:/' + name] = value

    def getMeta(self, name=None):
        if name is not None:
            return None if 'meta:/' + name not in self._meta else Key('meta:/' + name, KEY_VALUE,
                                                                        self._meta['meta:/' + name])
        return [Key(n, KEY_VALUE, v) for n, v in sorted(self._meta.items())]


class KeySet(object):
    def __init__(self, *args):
        self._keys = {}

    def append(self, key):
        self._keys[key.name] = key

    def __iter__(self):
        return iter([self._keys[n] for n in sorted(self._keys)])

    def __len__(self):
        return len(self._keys)


def _below(parent, name):
    return name == parent or name.startswith(parent if parent.endswith('/') else parent + '/')


class KDB(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def get(self, ks, parent):
        CALLS.append(('get', parent))
        for name, (value, meta) in DATABASE.items():
            if _below(parent, name):
                k = Key(name, KEY_VALUE, value)
                k._meta = dict(meta)
                ks.append(k)
        return 1

    def set(self, ks, parent):
        CALLS.append(('set', parent))
        for name in [n for n in DATABASE if _below(parent, n)]:
            del DATABASE[name]
        for k in ks:
            DATABASE[k.name] = (k.value, dict(k._meta))
        return 1
