# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Module arguments -> a Request: the listed keys (ops), top-level removals, mounts.

Three syntaxes (spec/module.md 2.1-2.3, 3.2, 3.3 and the single-key form of libelektra #4333):
legacy `mountpoint:` + nested `keys:` map, 0.3.0's list of namespace trees, `key:` + `value:` + `meta:`.
Every error names the argument path (e.g. `keys[0].user:/app.port[1].meta`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    KeyNameError, PERSISTENT, child, parse, parse_meta_name)

MARKERS = ('elektra/removed', 'elektra/deleted', 'elektra/assert', 'elektra/base64')
ITEM_FIELDS = ('value', 'remove', 'meta', 'keys', 'array', 'assert')
TRUE = ('y', 'yes', 'on', '1', 'true', 't')
FALSE = ('n', 'no', 'off', '0', 'false', 'f', '')


class RequestError(ValueError):
    """Invalid module input; the message names the argument path."""


def to_bool(value, path):
    """Ansible's boolean rules (D9)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE:
        return False
    raise RequestError('%s: %r is not a boolean' % (path, value))


def to_value(value, path, warnings):
    """D4: strings verbatim, null -> '', int -> decimal, float -> repr, bool -> True/False with a warning."""
    if value is None:
        return ''
    if isinstance(value, bool):
        warnings.append("%s: the YAML boolean was stored as '%s'; quote the value to store it verbatim"
                        % (path, value))
        return 'True' if value else 'False'
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    if isinstance(value, (list, dict, tuple)):
        raise RequestError('%s: a %s cannot be a value; quote it as a string'
                           % (path, 'list' if isinstance(value, (list, tuple)) else 'map'))
    return str(value)


def _part_text(part, path, warnings):
    if isinstance(part, (list, dict)):
        raise RequestError('%s: a map key must be a name part' % path)
    return to_value(part, path, warnings)


class Op(object):
    """One listed key: desired value (None = keep), listed metadata, removal or assertion."""

    __slots__ = ('name', 'path', 'value', 'meta', 'remove', 'assert_', 'index')

    def __init__(self, name, path, index):
        self.name = name
        self.path = path
        self.value = None
        self.meta = {}
        self.remove = False
        self.assert_ = False
        self.index = index

    def __repr__(self):
        return 'Op(%s, value=%r, meta=%r, remove=%r, assert=%r)' % (
            self.name.canonical, self.value, self.meta, self.remove, self.assert_)


class MountSpec(object):
    def __init__(self, mountpoint, file, path, resolver='resolver', plugins=None, recommends=True,
                 force=False, preserve=False):
        self.mountpoint = mountpoint
        self.file = file
        self.path = path
        self.resolver = resolver or 'resolver'
        self.plugins = plugins or []
        self.recommends = recommends
        self.force = force
        self.preserve = preserve


class Request(object):
    def __init__(self, mode):
        self.mode = mode  # legacy | tree | single
        self.ops = []
        self.removes = []  # (KeyName, recursive, path)
        self.mounts = []
        self.warnings = []
        self.scope = None  # legacy: the mountpoint
        self._by_name = {}

    def op(self, name, path):
        """The op for `name` (repeated mentions merge: later values win, metadata accumulates)."""
        op = self._by_name.get(name.sort_key)
        if op is None:
            op = Op(name, path, len(self.ops))
            self._by_name[name.sort_key] = op
            self.ops.append(op)
        return op

    def finish(self):
        """Split marker metadata into flags (R4, R5, D10); the same key may be asserted and changed."""
        out = []
        for op in self.ops:
            flags = {}
            for marker in MARKERS:
                if marker in op.meta:
                    flags[marker] = to_bool(op.meta.pop(marker), '%s (meta %s)' % (op.path, marker))
            if flags.get('elektra/removed') or flags.get('elektra/deleted'):
                op.remove = True
            if flags.get('elektra/assert'):
                op.assert_ = True
            if flags.get('elektra/base64'):
                # the generator writes binary values as base64 text with this marker
                try:
                    op.value = base64.b64decode((op.value or '').encode('ascii'), validate=True)
                except (binascii.Error, UnicodeEncodeError, ValueError):
                    raise RequestError('%s: the value is not valid base64 (meta elektra/base64)' % op.path)
            out.append(op)
        self.ops = out
        return self


def child_name(parent, part, path):
    try:
        return child(parent, part)
    except KeyNameError as e:
        raise RequestError('%s: invalid key name %r (%s)' % (path, e.input, e.reason))


def root_name(raw, path, warnings):
    """D26: spec, dir, user, system roots, bare or as `ns:/path`."""
    text = _part_text(raw, path, warnings)
    if text in PERSISTENT:
        text += ':/'
    elif ':' not in text or text.startswith('/'):
        raise RequestError("%s: root %r must be a namespace (spec, dir, user, system) or a name like "
                           "'user:/app'; cascading names are not allowed here" % (path, text))
    try:
        name = parse(text)
    except KeyNameError as e:
        raise RequestError('%s: invalid key name %r (%s)' % (path, text, e.reason))
    if name.namespace not in PERSISTENT:
        raise RequestError('%s: namespace %s cannot be written (use spec, dir, user or system)'
                           % (path, name.namespace))
    return name


def meta_name(raw, path):
    try:
        return parse_meta_name(raw)
    except KeyNameError as e:
        raise RequestError('%s: invalid metadata name %r (%s)' % (path, raw, e.reason))


# ---- tree syntax (0.3.0) --------------------------------------------------------------------------

def walk_meta(prefix, node, path, out, warnings):
    if isinstance(node, dict):
        for part, child in node.items():
            text = _part_text(part, path, warnings)
            walk_meta(prefix + '/' + text if prefix else text, child, '%s.%s' % (path, text), out, warnings)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            ipath = '%s[%d]' % (path, i)
            if not isinstance(item, dict):
                raise RequestError('%s: expected a map with value or keys (a metadata value is a string: quote a '
                                   'list)' % ipath)
            for field, sub in item.items():
                if field == 'value':
                    if sub is not None:
                        out[meta_name(prefix, ipath)] = to_value(sub, ipath + '.value', warnings)
                elif field == 'keys':
                    walk_meta(prefix, sub, ipath + '.keys', out, warnings)
                else:
                    raise RequestError("%s: unknown field %r in metadata (allowed: value, keys)" % (ipath, field))
    else:
        out[meta_name(prefix, path)] = to_value(node, path, warnings)


def walk_node(req, name, node, path):
    if isinstance(node, dict):
        for part, child in node.items():
            text = _part_text(part, path, req.warnings)
            cpath = '%s.%s' % (path, text)
            walk_node(req, child_name(name, text, cpath), child, cpath)
    elif isinstance(node, list):
        op = req.op(name, path)
        for i, item in enumerate(node):
            walk_item(req, op, item, '%s[%d]' % (path, i))
    else:
        req.op(name, path).value = to_value(node, path, req.warnings)


def walk_item(req, op, item, path):
    """D7: every field of an item counts; unknown fields and non-map items are errors."""
    if not isinstance(item, dict) or not item:
        raise RequestError('%s: list items must be maps with one of %s' % (path, ', '.join(ITEM_FIELDS)))
    for field in item:
        if field not in ITEM_FIELDS:
            raise RequestError('%s: unknown field %r (allowed: %s)' % (path, field, ', '.join(ITEM_FIELDS)))
    if item.get('value') is not None:
        op.value = to_value(item['value'], path + '.value', req.warnings)
    if 'remove' in item and item['remove'] is not None:
        if to_bool(item['remove'], path + '.remove'):
            op.remove = True
    if item.get('meta') is not None:
        walk_meta('', item['meta'], path + '.meta', op.meta, req.warnings)
    if item.get('keys') is not None:
        if not isinstance(item['keys'], dict):
            raise RequestError('%s.keys: expected a map of child keys' % path)
        walk_node(req, op.name, item['keys'], path + '.keys')
    if item.get('array') is not None:
        walk_array(req, op, item['array'], path + '.array')
    if 'assert' in item and item['assert'] is not None:
        if to_bool(item['assert'], path + '.assert'):
            op.assert_ = True


def walk_array(req, op, elements, path):
    if not isinstance(elements, list):
        raise RequestError('%s: expected a list' % path)
    last = None
    for i, elem in enumerate(elements):
        epath = '%s[%d]' % (path, i)
        child = child_name(op.name, '#%d' % i, epath)
        last = child.parts[-1]
        if isinstance(elem, dict) and list(elem) == ['#']:
            elem = elem['#']
        walk_node(req, child, elem, epath)
    # D6: canonical last index (`#_10`); an empty array gets the empty string
    op.meta['array'] = last if last is not None else ''


def tree_request(keys, warnings=None):
    req = Request('tree')
    if warnings is not None:
        req.warnings = warnings
    if keys is None:
        return req
    if not isinstance(keys, list):
        raise RequestError('keys: expected a list of namespace trees (or give mountpoint for the legacy syntax)')
    for i, rootmap in enumerate(keys):
        path = 'keys[%d]' % i
        if not isinstance(rootmap, dict):
            raise RequestError('%s: expected a map from namespace (or key name) to a tree' % path)
        for raw, node in rootmap.items():
            rpath = '%s.%s' % (path, raw)
            walk_node(req, root_name(raw, rpath, req.warnings), node, rpath)
    return req


# ---- legacy syntax (0.1.x - 0.2.x) ----------------------------------------------------------------

def walk_legacy(req, name, node, path):
    for part, child in node.items():
        text = _part_text(part, path, req.warnings)
        cpath = '%s.%s' % (path, text)
        if text == 'value':
            req.op(name, path).value = to_value(child, cpath, req.warnings)
        elif text == 'meta':
            if not isinstance(child, dict):
                raise RequestError('%s: expected a map of metadata names to values' % cpath)
            op = req.op(name, path)
            for mname, mvalue in child.items():
                mtext = _part_text(mname, cpath, req.warnings)
                mpath = '%s.%s' % (cpath, mtext)
                op.meta[meta_name(mtext, mpath)] = to_value(mvalue, mpath, req.warnings)
        else:
            cname = child_name(name, text, cpath)
            if isinstance(child, dict):
                walk_legacy(req, cname, child, cpath)
            else:
                req.op(cname, cpath).value = to_value(child, cpath, req.warnings)


def legacy_request(mountpoint, keys, warnings=None):
    req = Request('legacy')
    if warnings is not None:
        req.warnings = warnings
    try:
        base = parse(mountpoint)
    except KeyNameError as e:
        raise RequestError('mountpoint: invalid key name %r (%s)' % (mountpoint, e.reason))
    if base.namespace == 'cascading':
        raise RequestError('mountpoint: %r is cascading; give a namespace (e.g. user:/...)' % mountpoint)
    if base.namespace not in PERSISTENT:
        raise RequestError('mountpoint: namespace %s cannot be written' % base.namespace)
    req.scope = base
    if isinstance(keys, (list, tuple)):
        # usually a 0.3.0 task that got `mountpoint:` added to mount something
        raise RequestError('keys: with mountpoint (the legacy syntax) keys is a map of names below %s; for a '
                           'list of namespace trees leave out mountpoint and mount with mount: '
                           '[{mountpoint: ..., file: ...}]' % mountpoint)
    if isinstance(keys, dict):
        walk_legacy(req, base, keys, 'keys')
    elif keys is not None:
        req.op(base, 'keys').value = to_value(keys, 'keys', req.warnings)
    for op in req.ops:
        if not base.is_below_or_same(op.name):  # R3: legacy tasks stay below their mountpoint
            raise RequestError('%s: %s is not below the mountpoint %s' % (op.path, op.name.canonical, mountpoint))
    return req


# ---- single-key syntax (libelektra #4333) ---------------------------------------------------------

def single_request(key, value, meta, value_given, warnings=None, deleted=False, assert_=False):
    req = Request('single')
    if warnings is not None:
        req.warnings = warnings
    try:
        name = parse(key)
    except KeyNameError as e:
        raise RequestError('key: invalid key name %r (%s)' % (key, e.reason))
    if name.namespace not in PERSISTENT:
        raise RequestError('key: %s is not in a writable namespace (spec, dir, user, system)' % key)
    op = req.op(name, 'key')
    if value_given:
        op.value = to_value(value, 'value', req.warnings)
    if meta:
        walk_meta('', meta, 'meta', op.meta, req.warnings)
    op.remove = bool(deleted)
    op.assert_ = bool(assert_)
    return req


# ---- top-level remove, mounts ---------------------------------------------------------------------

def parse_removes(items, legacy):
    out = []
    for i, item in enumerate(items or []):
        path = 'remove[%d]' % i
        recursive = False
        if isinstance(item, dict):
            if len(item) != 1:
                raise RequestError('%s: expected one key name mapped to {recursive: bool}' % path)
            raw, opts = list(item.items())[0]
            if opts is not None:
                if not isinstance(opts, dict) or set(opts) - set(['recursive']):
                    raise RequestError('%s: expected {recursive: bool}' % path)
                recursive = to_bool(opts.get('recursive', False), path + '.recursive')
        elif isinstance(item, str):
            raw = item
        else:
            raise RequestError('%s: expected a key name or {NAME: {recursive: bool}}' % path)
        try:
            name = parse(raw)
        except KeyNameError as e:
            raise RequestError('%s: invalid key name %r (%s)' % (path, raw, e.reason))
        if name.namespace == 'cascading' and legacy:
            raise RequestError('%s: %r is cascading; the legacy syntax needs namespaced names' % (path, raw))
        if name.namespace not in PERSISTENT + ('cascading',):
            raise RequestError('%s: namespace %s cannot be written' % (path, name.namespace))
        out.append((name, recursive, path))
    return out


def parse_plugins(plugins, path):
    out = []
    for i, item in enumerate(plugins or []):
        ppath = '%s[%d]' % (path, i)
        if isinstance(item, str):
            out.append((item, {}))
            continue
        if not isinstance(item, dict) or len(item) != 1:
            raise RequestError('%s: expected {PLUGIN: {option: value}} or {PLUGIN: null}' % ppath)
        pname, cfg = list(item.items())[0]
        if cfg in (None, ''):
            cfg = {}
        if not isinstance(cfg, dict):
            raise RequestError('%s.%s: plugin configuration must be a map' % (ppath, pname))
        out.append((str(pname), dict((str(k), to_value(v, '%s.%s.%s' % (ppath, pname, k), []))
                                     for k, v in cfg.items())))
    return out


def mount_name(raw, path):
    try:
        name = parse(raw)
    except KeyNameError as e:
        raise RequestError('%s: invalid mountpoint %r (%s)' % (path, raw, e.reason))
    if name.namespace not in PERSISTENT + ('cascading',):
        raise RequestError('%s: cannot mount in namespace %s' % (path, name.namespace))
    if parse('system:/elektra').is_below_or_same(name):
        raise RequestError('%s: no mountpoint may be at or below system:/elektra' % path)
    return name


def parse_mounts(mounts):
    out = []
    for i, m in enumerate(mounts or []):
        path = 'mount[%d]' % i
        out.append(MountSpec(mount_name(m['mountpoint'], path + '.mountpoint'), m['file'], path,
                             m.get('resolver'), parse_plugins(m.get('plugins'), path + '.plugins'),
                             m.get('includeRecommendedPlugins', True), m.get('forceRemount', False),
                             m.get('preserveKeys', False)))
    return out


def legacy_mount(mountpoint, filename, plugins, resolver, recommends):
    """D18: filename alone mounts with the default storage; plugins without a filename is an error."""
    if not filename and not plugins:
        return []
    if not filename:
        raise RequestError('filename: mounting %s needs a filename' % mountpoint)
    return [MountSpec(mount_name(mountpoint, 'mountpoint'), filename, 'mountpoint', resolver,
                      parse_plugins(plugins, 'plugins'), recommends)]
