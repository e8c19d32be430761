# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os

import pytest

from conftest import vectors_dir
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import (
    DumpError, read_dump, write_dump)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet

CASES = sorted(glob.glob(os.path.join(vectors_dir(), 'dump', '**', '*.json'), recursive=True))
CODES = {'expected newline': 'expected-newline', 'truncated': 'truncated', 'unknown key type': 'unknown-type',
         'unknown command': 'unknown-command'}


def _load(path):
    with open(path) as f:
        case = json.load(f)
    with open(path[:-5] + '.dump', 'rb') as f:
        return case, f.read()


def _as_json(ks):
    out = {}
    for k in ks:
        entry = {'meta': k.meta}
        if k.is_binary:
            entry['binary'] = True
            entry['value'] = None if k.value is None else k.value.hex()
        else:
            entry['value'] = k.value
        if k.meta_shared:
            entry['sharedMetaFrom'] = k.meta_shared
        out[k.name.canonical] = entry
    return out


@pytest.mark.parametrize('path', CASES, ids=[os.path.relpath(c, vectors_dir()) for c in CASES])
def test_dump_vector(path):
    case, data = _load(path)
    if case['result'] == 'error':
        with pytest.raises(DumpError) as err:
            read_dump(data, case['parentKey'], case.get('fullNames', False))
        kind = case['errorKind']
        expected = [code for text, code in CODES.items() if kind.startswith(text)]
        assert err.value.code == (expected[0] if expected else 'wrong-version')
        assert 'byte ' in str(err.value)
        return
    ks = read_dump(data, case['parentKey'], case.get('fullNames', False))
    assert _as_json(ks) == case['keys']
    back = case.get('writtenBack')
    if back:
        expected = data if back == 'same' else open(
            os.path.normpath(os.path.join(os.path.dirname(path), back)), 'rb').read()
        assert write_dump(ks, case['parentKey'], case.get('fullNames', False)) == expected


def test_cases_were_found():
    assert len(CASES) >= 37


def test_writer_rejects_keys_outside_the_mountpoint():
    with pytest.raises(ValueError):
        write_dump(KeySet([Key('user:/other', 'x')]), 'user:/tests')


def test_round_trip_of_awkward_values():
    ks = KeySet([Key('user:/t/a', 'line\nbreak $key string 1 1'), Key('user:/t/ü/€', 'Grüße €'),
                 Key('user:/t/b', b'\x00\n\xff', {'binary': ''}), Key('user:/t/%', '', {'comment/#0': ''})])
    data = write_dump(ks, 'user:/t')
    back = read_dump(data, 'user:/t')
    assert _as_json(back) == _as_json(ks)
    assert b'$key string 6 11\n' in data  # sizes count UTF-8 bytes
