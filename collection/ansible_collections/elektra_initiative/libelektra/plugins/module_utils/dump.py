# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""The `dump` storage format: version 2 read/write, version 1 read (spec/keys-and-dump.md section 6)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import (
    KeyNameError, join_plain, parse, parse_meta_name)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet

HEADER_V2 = b'kdbOpen 2\n'


class DumpError(ValueError):
    """code: expected-newline | unknown-command | unknown-type | wrong-version | truncated | bad-size | bad-utf8"""

    def __init__(self, code, offset, detail, file=None):
        where = '%s: byte %d' % (file, offset) if file else 'byte %d' % offset
        ValueError.__init__(self, '%s: %s' % (where, detail))
        self.code = code
        self.offset = offset
        self.file = file


class _Reader(object):
    def __init__(self, data, file):
        self.data = data
        self.pos = 0
        self.file = file

    def fail(self, code, detail, offset=None):
        raise DumpError(code, self.pos if offset is None else offset, detail, self.file)

    def line(self):
        """Next command line (without LF) and its offset, or None at EOF."""
        if self.pos >= len(self.data):
            return None, self.pos
        start = self.pos
        end = self.data.find(b'\n', start)
        if end < 0:
            end = len(self.data)
            self.pos = end
        else:
            self.pos = end + 1
        return self.data[start:end], start

    def take(self, n):
        if self.pos + n > len(self.data):
            self.fail('truncated', 'file ends inside a name or value of %d bytes' % n)
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def newline(self):
        if self.pos >= len(self.data):
            self.fail('truncated', 'file ends where a newline was expected')
        if self.data[self.pos:self.pos + 1] != b'\n':
            self.fail('expected-newline', 'expected newline')
        self.pos += 1

    def text(self, raw, offset):
        try:
            return raw.decode('utf-8')
        except UnicodeDecodeError as e:
            raise DumpError('bad-utf8', offset + e.start, 'not valid UTF-8', self.file)


def _sizes(r, tokens, count, offset):
    out = []
    for t in tokens[-count:]:
        if not t.isdigit():
            r.fail('bad-size', 'size %r is not a non-negative decimal number' % t.decode('latin-1'), offset)
        out.append(int(t))
    return out


def _cut_nul(raw):
    i = raw.find(b'\x00')
    return raw if i < 0 else raw[:i]


def _resolve(parent, rel, full_names):
    if full_names:
        return rel
    return parent.canonical + '/' + rel


def _copy_meta(ks, key, source_name, meta_name):
    try:
        src = ks.lookup(parse(source_name))
    except KeyNameError:
        return
    if src is None:
        return
    if meta_name in src.meta:
        key.meta[meta_name] = src.meta[meta_name]
        key.meta_shared[meta_name] = src.meta_shared.get(meta_name, src.name.canonical)
    else:
        key.remove_meta(meta_name)


def _set_meta(key, name, value):
    if name == 'binary' and not key.is_binary:
        raw = key.value.encode('utf-8') if isinstance(key.value, str) else key.value
        key.value = raw or None
    key.meta[name] = value
    key.meta_shared.pop(name, None)


def _meta_name(raw_name):
    try:
        return parse_meta_name(raw_name)
    except KeyNameError:
        return None


def read_dump(data, parent, full_names=False, file=None):
    """Bytes of a dump file -> KeySet. `parent` is the mountpoint KeyName."""
    if isinstance(parent, str):
        parent = parse(parent)
    if not data:
        return KeySet()
    if not data.startswith(HEADER_V2):
        return _read_v1(data, file)
    r = _Reader(data, file)
    r.pos = len(HEADER_V2)
    ks = KeySet()
    cur = None
    while True:
        raw, offset = r.line()
        if raw is None:
            break
        tokens = raw.split()
        if not tokens:
            r.fail('unknown-command', 'unknown command (empty line)', offset)
        cmd = tokens[0]
        if cmd == b'$end':
            break
        if cmd == b'$key':
            if len(tokens) != 4:
                r.fail('unknown-command', 'malformed $key line', offset)
            if tokens[1] not in (b'string', b'binary'):
                r.fail('unknown-type', 'unknown key type %r' % tokens[1].decode('latin-1'), offset)
            nsize, vsize = _sizes(r, tokens, 2, offset)
            npos = r.pos
            name = r.text(r.take(nsize), npos)
            r.newline()
            vpos = r.pos
            value = r.take(vsize)
            r.newline()
            kname = None if full_names else join_plain(parent, name)
            if kname is None:
                try:
                    kname = parse(_resolve(parent, name, full_names))
                except KeyNameError:
                    cur = None  # libelektra drops keys with invalid names silently
                    continue
            if tokens[1] == b'binary':
                cur = Key(kname, value if vsize else None, {'binary': ''})
            else:
                cur = Key(kname, r.text(_cut_nul(value), vpos))
            ks.add(cur)
        elif cmd == b'$meta':
            if len(tokens) != 3:
                r.fail('unknown-command', 'malformed $meta line', offset)
            msize, vsize = _sizes(r, tokens, 2, offset)
            mpos = r.pos
            mname = r.text(r.take(msize), mpos)
            r.newline()
            vpos = r.pos
            mvalue = r.text(_cut_nul(r.take(vsize)), vpos)
            r.newline()
            canonical = _meta_name(mname)
            if cur is not None and canonical is not None:
                _set_meta(cur, canonical, mvalue)
        elif cmd == b'$copymeta':
            if len(tokens) != 3:
                r.fail('unknown-command', 'malformed $copymeta line', offset)
            nsize, msize = _sizes(r, tokens, 2, offset)
            npos = r.pos
            name = r.text(r.take(nsize), npos)
            r.newline()
            mpos = r.pos
            mname = r.text(r.take(msize), mpos)
            r.newline()
            canonical = _meta_name(mname)
            if cur is not None and canonical is not None:
                _copy_meta(ks, cur, _resolve(parent, name, full_names), canonical)
        else:
            r.fail('unknown-command', 'unknown command %r' % cmd.decode('latin-1'), offset)
    return ks


def _v1_name(raw):
    name = raw
    if not name.startswith('/'):
        i = name.find('/')
        name = name + ':/' if i < 0 else name[:i] + ':' + name[i:]
    return name


def _read_v1(data, file):
    r = _Reader(data, file)
    ks = KeySet()
    cur = None
    while True:
        raw, offset = r.line()
        if raw is None:
            break
        tokens = raw.split()
        if not tokens:
            r.fail('unknown-command', 'unknown command (empty line)', offset)
        cmd = tokens[0]
        if cmd == b'kdbOpen':
            if len(tokens) < 2 or tokens[1] != b'1':
                r.fail('wrong-version', 'wrong version (expected kdbOpen 1 or exactly kdbOpen 2)', offset)
        elif cmd == b'ksNew':
            ks = KeySet()
        elif cmd in (b'keyNew', b'keyMeta', b'keyCopyMeta'):
            if len(tokens) < 3:
                r.fail('unknown-command', 'malformed %s line' % cmd.decode('latin-1'), offset)
            asize, bsize = _sizes(r, tokens[:3], 2, offset)
            apos = r.pos
            a = r.text(_cut_nul(r.take(asize)), apos)
            bpos = r.pos
            b = r.text(_cut_nul(r.take(bsize)), bpos)
            r.line()  # the rest of the line is skipped
            if cmd == b'keyNew':
                try:
                    cur = Key(parse(_v1_name(a)), b)
                except KeyNameError:
                    cur = None
            elif cur is not None:
                canonical = _meta_name(b if cmd == b'keyCopyMeta' else a)
                if canonical is None:
                    continue
                if cmd == b'keyMeta':
                    _set_meta(cur, canonical, b)
                else:
                    _copy_meta(ks, cur, _v1_name(a), canonical)
        elif cmd == b'keyEnd':
            if cur is not None:
                ks.add(cur)
            cur = None
        elif cmd == b'ksEnd':
            break
        else:
            r.fail('unknown-command', 'unknown command %r' % cmd.decode('latin-1'), offset)
    return ks


def relative_name(key_name, parent, full_names=False):
    if full_names:
        return key_name.canonical
    cut = len(parent.canonical) if parent.is_root else len(parent.canonical) + 1
    return key_name.canonical[cut:]


def write_dump(ks, parent, full_names=False):
    """KeySet -> bytes of a version 2 dump file (keys must be at or below `parent`)."""
    if isinstance(parent, str):
        parent = parse(parent)
    out = [HEADER_V2]
    written = {}
    for key in ks:
        if not full_names and not parent.is_below_or_same(key.name):
            raise ValueError('key %s is not below the mountpoint %s' % (key.name.canonical, parent.canonical))
        rel = relative_name(key.name, parent, full_names).encode('utf-8')
        if key.is_binary:
            value = key.value or b''
            out.append(b'$key binary %d %d\n' % (len(rel), len(value)))
        else:
            value = (key.value or '').encode('utf-8')
            out.append(b'$key string %d %d\n' % (len(rel), len(value)))
        out.extend((rel, b'\n', value, b'\n'))
        for mname, mvalue in key.meta_items():
            origin = key.meta_shared.get(mname, key.name.canonical)
            ref = written.get((origin, mname))
            bname = mname.encode('utf-8')
            if ref is not None and ref[1] == mvalue:
                out.append(b'$copymeta %d %d\n' % (len(ref[0]), len(bname)))
                out.extend((ref[0], b'\n', bname, b'\n'))
                continue
            bvalue = mvalue.encode('utf-8')
            out.append(b'$meta %d %d\n' % (len(bname), len(bvalue)))
            out.extend((bname, b'\n', bvalue, b'\n'))
            if ref is None:
                written[(origin, mname)] = (rel, mvalue)
    out.append(b'$end\n')
    return b''.join(out)
