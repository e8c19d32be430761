# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""Elektra key names: parsing, canonical form, unescaped (sort) form, escaping of parts.

Mirrors libelektra 0.11's keyname.c as described in spec/keys-and-dump.md sections 1-3.
Names are Python str; everything compared or counted uses their UTF-8 bytes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

NAMESPACES = ('cascading', 'meta', 'spec', 'proc', 'dir', 'user', 'system', 'default')
NS_BYTE = dict((ns, i + 1) for i, ns in enumerate(NAMESPACES))
PERSISTENT = ('spec', 'dir', 'user', 'system')
MAX_INDEX = '9223372036854775807'


class KeyNameError(ValueError):
    def __init__(self, name, reason):
        ValueError.__init__(self, 'invalid key name %r: %s' % (name, reason))
        self.input = name
        self.reason = reason


class KeyName(object):
    """A parsed key name. `parts` are unescaped; `sort_key` is the unescaped form (bytes)."""

    __slots__ = ('namespace', 'canonical', 'parts', 'sort_key')

    def __init__(self, namespace, canonical, parts, sort_key):
        self.namespace = namespace
        self.canonical = canonical
        self.parts = parts
        self.sort_key = sort_key

    def __eq__(self, other):
        return isinstance(other, KeyName) and self.sort_key == other.sort_key

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return self.sort_key < other.sort_key

    def __hash__(self):
        return hash(self.sort_key)

    def __repr__(self):
        return 'KeyName(%r)' % self.canonical

    def __str__(self):
        return self.canonical

    @property
    def is_root(self):
        return not self.parts

    @property
    def base_name(self):
        return self.parts[-1] if self.parts else ''

    @property
    def prefix(self):
        return '' if self.namespace == 'cascading' else self.namespace + ':'

    def is_below_or_same(self, other):
        """True when `other` is this key or below it (same namespace)."""
        if self.sort_key[0] != other.sort_key[0]:
            return False
        if not self.parts:
            return True
        return other.sort_key.startswith(self.sort_key)

    def is_below(self, other):
        return self.sort_key != other.sort_key and self.is_below_or_same(other)

    def is_directly_below(self, other):
        return self.is_below(other) and len(other.parts) == len(self.parts) + 1

    def in_namespace(self, namespace):
        return make_name(namespace, self.parts)

    def child(self, part):
        return add_base_name(self, part)

    def parent(self):
        if not self.parts:
            return None
        return make_name(self.namespace, self.parts[:-1])


def _is_digits(s):
    return s != '' and all('0' <= c <= '9' for c in s)


def _index_in_range(digits):
    # first 19 digits compared as text (libelektra's rule for `\#`)
    if len(digits) < 19:
        return True
    return digits[:19] <= MAX_INDEX


def _check_escapes(part, at_part_start):
    """Rule V5 for one raw part; returns a reason or None."""
    i = 0
    n = len(part)
    while i < n:
        c = part[i]
        if c != '\\':
            i += 1
            continue
        if i + 1 >= n:
            return 'backslash at the end'
        e = part[i + 1]
        if e in '\\/':
            i += 2
            continue
        if e == '%':
            if not (i == 0 and at_part_start and part == '\\%'):
                return 'illegal escape \\%'
            i += 2
            continue
        if e == '.':
            if not (i == 0 and at_part_start and part in ('\\.', '\\..')):
                return 'illegal escape \\.'
            i += len(part)
            continue
        if e == '#':
            rest = part[i + 2:]
            if rest == '':
                i += 2
                continue
            if not _is_digits(rest) or rest[0] == '0' or not _index_in_range(rest):
                return 'illegal escape \\#'
            i = n
            continue
        return 'illegal escape \\' + e
    return None


def _split_raw(rest):
    """Split at `/` preceded by an even number of backslashes."""
    if '\\' not in rest:
        return rest.split('/')
    parts = []
    cur = []
    bs = 0
    for c in rest:
        if c == '/' and bs % 2 == 0:
            parts.append(''.join(cur))
            cur = []
            bs = 0
            continue
        cur.append(c)
        bs = bs + 1 if c == '\\' else 0
    parts.append(''.join(cur))
    return parts


def _canonical_part(raw):
    if raw[:1] == '#' and len(raw) > 1:
        digits = raw[1:]
        if _is_digits(digits) and digits[0] != '0' and (
                len(digits) < 19 or (len(digits) == 19 and digits <= MAX_INDEX)):
            return '#' + '_' * (len(digits) - 1) + digits
    return raw


def _apply_parts(canon, raws, name, first_at_start):
    for idx, raw in enumerate(raws):
        if raw == '':
            continue
        if '\\' in raw:
            reason = _check_escapes(raw, idx > 0 or first_at_start)
            if reason:
                raise KeyNameError(name, reason)
        if raw == '.':
            continue
        if raw == '..':
            if canon:
                canon.pop()
            continue
        canon.append(_canonical_part(raw) if raw[0] == '#' else raw)
    return canon


def unescape_part(part):
    if part == '%':
        return ''
    if '\\' not in part:
        return part
    out = []
    i = 0
    while i < len(part):
        c = part[i]
        if c == '\\' and i + 1 < len(part):
            out.append(part[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def _build(namespace, canon_parts):
    prefix = '' if namespace == 'cascading' else namespace + ':'
    canonical = prefix + '/' + '/'.join(canon_parts)
    parts = [p if '\\' not in p and p != '%' else unescape_part(p) for p in canon_parts]
    if canon_parts == ['%']:
        parts = []  # upstream issue #3902: `/%` unescapes like the root key
    body = b'\x00'.join(p.encode('utf-8', 'surrogatepass') for p in parts)
    sort_key = bytes((NS_BYTE[namespace], 0)) + body + b'\x00'
    return KeyName(namespace, canonical, tuple(parts), sort_key)


def _escaped_parts_of(name):
    """Canonical (escaped) parts of a KeyName."""
    rest = name.canonical[len(name.prefix) + 1:]
    return _split_raw(rest) if rest else []


_cache = {}


def parse(name):
    """Parse a complete key name; raises KeyNameError."""
    hit = _cache.get(name)
    if hit is not None:
        return hit
    if not isinstance(name, str):
        raise KeyNameError(name, 'not a string')
    if name == '':
        raise KeyNameError(name, 'empty name')
    c = None
    pos = -1
    for i, ch in enumerate(name):
        if ch in ':/':
            c, pos = ch, i
            break
    if c is None or (c == '/' and pos != 0):
        raise KeyNameError(name, 'missing namespace or leading /')
    if c == ':':
        namespace = name[:pos]
        if namespace not in NS_BYTE or namespace == 'cascading':
            raise KeyNameError(name, 'unknown namespace %r' % namespace)
        if name[pos + 1:pos + 2] != '/':
            raise KeyNameError(name, "':' must be followed by '/'")
        rest = name[pos + 2:]
    else:
        namespace = 'cascading'
        rest = name[1:]
    canon = _apply_parts([], _split_raw(rest), name, True)
    result = _build(namespace, canon)
    if len(_cache) > 200000:
        _cache.clear()
    _cache[name] = result
    return result


def is_valid(name):
    try:
        parse(name)
        return True
    except KeyNameError:
        return False


def add_name(base, relative):
    """keyAddName: append an escaped relative name to `base` (KeyName)."""
    i = 0
    skipped = False
    while i < len(relative) and relative[i] == '/':
        i += 1
        skipped = True
        if relative[i:i + 2] == './':
            i += 2
    rest = relative[i:]
    if rest == '':
        return base
    canon = _apply_parts(list(_escaped_parts_of(base)), _split_raw(rest), relative, skipped)
    return _build(base.namespace, canon)


def escape_part(part):
    """Escape one unescaped part (keyAddBaseName's rule, without the `#12ab` bug)."""
    if part == '':
        return '%'
    if part in ('%', '.', '..'):
        return '\\' + part
    if part[0] == '#' and len(part) >= 3 and _is_digits(part[1:]) and part[1] != '0' and (
            len(part) - 1 < 19 or (len(part) - 1 == 19 and part[1:] <= MAX_INDEX)):
        return '\\' + part
    return part.replace('\\', '\\\\').replace('/', '\\/')


def child(parent, part):
    """parent + '/' + part (an escaped fragment), with a fast path for plain parts."""
    if part and part[0] not in '#%.' and '\\' not in part and '/' not in part:
        sep = '/' if parent.parts else ''
        body = parent.sort_key if parent.parts else parent.sort_key[:-1]
        return KeyName(parent.namespace, parent.canonical + sep + part, parent.parts + (part,),
                       body + part.encode('utf-8', 'surrogatepass') + b'\x00')
    text = parent.canonical + '/' + part if parent.parts else parent.canonical + part
    return parse(text)


def _body(name):
    return name.sort_key if name.parts else name.sort_key[:-1]


def join_plain(parent, rel):
    """parent + '/' + rel when every part of `rel` is plain text (no escapes, no `.`, `#`, `%` at a part's
    start, no empty part): the fast path for reading files; None otherwise (then parse)."""
    if not rel or '\\' in rel:
        return None
    parts = rel.split('/')
    for p in parts:
        if not p or p[0] in '.#%':
            return None
    sep = '/' if parent.parts else ''
    return KeyName(parent.namespace, parent.canonical + sep + rel, tuple(parent.parts) + tuple(parts),
                   _body(parent) + b'\x00'.join(p.encode('utf-8', 'surrogatepass') for p in parts) + b'\x00')


def root(namespace):
    """The root key of a namespace (`user:/`), cached."""
    hit = _roots.get(namespace)
    if hit is None:
        hit = _roots[namespace] = _build(namespace, [])
    return hit


_roots = {}


def relocate(name, old_base, new_base):
    """`name` (at or below `old_base`) moved below `new_base`, without parsing again."""
    depth = len(old_base.parts)
    if len(name.parts) == depth:
        return new_base
    cut = len(old_base.canonical) + (1 if depth else 0)
    sep = '/' if new_base.parts else ''
    return KeyName(new_base.namespace, new_base.canonical + sep + name.canonical[cut:],
                   tuple(new_base.parts) + tuple(name.parts[depth:]),
                   _body(new_base) + name.sort_key[len(_body(old_base)):])


def make_name(namespace, parts):
    """KeyName from a namespace and unescaped parts."""
    canon = [escape_part(p) for p in parts]
    return _build(namespace, [_canonical_part(p) if p[:1] == '#' else p for p in canon])


def add_base_name(base, part):
    return make_name(base.namespace, tuple(base.parts) + (part,))


def set_base_name(base, part):
    if not base.parts:
        raise KeyNameError(base.canonical, 'a root key has no base name')
    parts = tuple(base.parts[:-1])
    if part is None:
        return make_name(base.namespace, parts)
    return make_name(base.namespace, parts + (part,))


_meta_cache = {}


def _meta_key(name):
    hit = _meta_cache.get(name)
    if hit is None:
        hit = add_name(parse('meta:/'), name)
        if len(_meta_cache) > 100000:
            _meta_cache.clear()
        _meta_cache[name] = hit
    return hit


def parse_meta_name(name):
    """Canonical metakey name (without `meta:/`) for a relative metadata name."""
    return _meta_key(name).canonical[len('meta:/'):]


def meta_sort_key(name):
    return _meta_key(name).sort_key
