# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from conftest import load_vector
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import keyname as kn

KEYNAMES = load_vector('keynames.json')
ADDNAME = load_vector('addname.json')
BASENAMES = load_vector('basenames.json')


@pytest.mark.parametrize('case', KEYNAMES, ids=[c['input'] for c in KEYNAMES])
def test_parse_matches_libelektra(case):
    if not case['valid']:
        with pytest.raises(kn.KeyNameError):
            kn.parse(case['input'])
        return
    name = kn.parse(case['input'])
    assert name.canonical == case['canonical']
    assert name.namespace == case['namespace']
    assert name.base_name == case['baseName']
    assert list(name.parts) == case['unescapedParts']
    assert name.sort_key.hex() == case['unescapedHex']


@pytest.mark.parametrize('case', ADDNAME, ids=['%s + %s' % (c['base'], c['input']) for c in ADDNAME])
def test_add_name_matches_libelektra(case):
    base = kn.parse(case['base'])
    if not case['valid']:
        with pytest.raises(kn.KeyNameError):
            kn.add_name(base, case['input'])
        return
    name = kn.add_name(base, case['input'])
    assert name.canonical == case['result']
    assert name.base_name == case['baseName']


@pytest.mark.parametrize('case', BASENAMES, ids=[repr(c['part']) + c.get('op', '') for c in BASENAMES])
def test_escape_part_and_base_name_ops(case):
    assert kn.escape_part(case['part']) == case['escaped']
    if 'op' not in case:
        return
    parent = kn.parse(case['parent'])
    op = kn.add_base_name if case['op'] == 'add' else kn.set_base_name
    if case.get('result') is None:
        with pytest.raises(kn.KeyNameError):
            op(parent, case['part'])
    else:
        assert op(parent, case['part']).canonical == case['result']


def test_sort_order_is_unsigned_bytes_of_unescaped_names():
    names = load_vector('sort-order.json')
    keys = [kn.parse(n) for n in names]
    assert [k.canonical for k in sorted(reversed(keys))] == [k.canonical for k in keys]


def test_escaped_part_round_trips_through_parse():
    for case in BASENAMES:
        name = kn.add_base_name(kn.parse('user:/x'), case['part'])
        assert name.parts[-1] == case['part'] or case['part'] == ''


def test_fast_paths_agree_with_parse():
    import random
    rnd = random.Random(4711)
    alphabet = 'ab.#%_\\/-: ü€0123456789'
    parents = [kn.parse(p) for p in ('user:/', 'system:/a/b', '/', 'spec:/x\\/y')]
    for _ in range(3000):
        rel = ''.join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 8)))
        parent = rnd.choice(parents)
        text = parent.canonical + '/' + rel
        try:
            expected = kn.parse(text)
        except kn.KeyNameError:
            expected = None
        fast = kn.join_plain(parent, rel)
        if fast is not None:
            assert (fast.canonical, fast.parts, fast.sort_key) == (
                expected.canonical, expected.parts, expected.sort_key), text
        part = rel.split('/')[0]
        try:
            via_child = kn.child(parent, part)
        except kn.KeyNameError:
            via_child = None
        try:
            direct = kn.parse(parent.canonical + '/' + part if parent.parts else parent.canonical + part)
        except kn.KeyNameError:
            direct = None
        if direct is None:
            assert via_child is None
        else:
            assert (via_child.canonical, via_child.parts, via_child.sort_key) == (
                direct.canonical, direct.parts, direct.sort_key)
        quirk = expected is not None and not expected.parts and expected.canonical.endswith('%')  # issue #3902
        if expected is not None and parent.is_below_or_same(expected) and not quirk:
            other = kn.parse('dir:/q')
            moved = kn.relocate(expected, parent, other)
            assert moved == kn.make_name('dir', other.parts + expected.parts[len(parent.parts):])
            rest = expected.canonical[len(parent.canonical) + (1 if parent.parts else 0):]
            assert moved.canonical == kn.parse('dir:/q/' + rest).canonical
