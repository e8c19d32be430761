# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Key (name, value, metadata) and KeySet (keys in libelektra's order)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    meta_sort_key, parse)


class Key(object):
    """value: str for string keys ('' = no value), bytes or None for binary keys (meta 'binary')."""

    __slots__ = ('name', 'value', 'meta', 'meta_shared')

    def __init__(self, name, value='', meta=None, meta_shared=None):
        self.name = parse(name) if isinstance(name, str) else name
        self.value = value
        self.meta = dict(meta) if meta else {}
        self.meta_shared = dict(meta_shared) if meta_shared else {}

    @property
    def is_binary(self):
        return 'binary' in self.meta

    def set_meta(self, name, value):
        self.meta[name] = value
        self.meta_shared.pop(name, None)

    def remove_meta(self, name):
        self.meta.pop(name, None)
        self.meta_shared.pop(name, None)

    def meta_items(self):
        """Metadata in key-name order of `meta:/<name>`."""
        return sorted(self.meta.items(), key=lambda kv: meta_sort_key(kv[0]))

    def clone(self):
        return Key(self.name, self.value, self.meta, self.meta_shared)

    def equals(self, other):
        """recording.md's `differ` negated: same value (type included) and same metadata."""
        if other is None:
            return False
        return self.value == other.value and type(self.value) is type(other.value) and self.meta == other.meta

    def __repr__(self):
        return 'Key(%r, %r, %r)' % (self.name.canonical, self.value, self.meta)


class KeySet(object):
    """Keys by unescaped name; iteration in libelektra's order (sorted lazily)."""

    __slots__ = ('_keys', '_order')

    def __init__(self, keys=None):
        self._keys = {}
        self._order = None
        for k in keys or ():
            self.add(k)

    def add(self, key):
        if key.name.sort_key not in self._keys:
            self._order = None
        self._keys[key.name.sort_key] = key

    def lookup(self, name):
        if isinstance(name, str):
            name = parse(name)
        return self._keys.get(name.sort_key)

    def has(self, name):
        return self.lookup(name) is not None

    def remove(self, name):
        if isinstance(name, str):
            name = parse(name)
        key = self._keys.pop(name.sort_key, None)
        if key is not None:
            self._order = None
        return key

    def _sorted(self):
        if self._order is None:
            self._order = sorted(self._keys)
        return self._order

    def __iter__(self):
        keys = self._keys
        return iter([keys[s] for s in self._sorted()])

    def __len__(self):
        return len(self._keys)

    def names(self):
        return [k.name.canonical for k in self]

    def below(self, parent, include_self=True):
        return [k for k in self if (parent.is_below_or_same(k.name) if include_self else parent.is_below(k.name))]

    def cut(self, parent):
        """Remove and return the keys at or below `parent`."""
        out = KeySet()
        for k in self.below(parent):
            self.remove(k.name)
            out.add(k)
        return out

    def clone(self):
        ks = KeySet()
        ks._keys = dict((s, k.clone()) for s, k in self._keys.items())
        return ks

    def equals(self, other):
        if len(self) != len(other):
            return False
        for s, k in self._keys.items():
            if not k.equals(other._keys.get(s)):
                return False
        return True
