# -*- coding: utf-8 -*-
# Copyright (c) elektra-playbook contributors
# BSD-3-Clause (see https://opensource.org/licenses/BSD-3-Clause)
"""DOCUMENTATION, RETURN and the JSON schema (schemas/elektra-module.schema.json) agree with argument_spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml

from conftest import REPO_ROOT
from ansible_collections.elektra_initiative.libelektra.plugins.modules import elektra

SCHEMA = os.path.join(REPO_ROOT, 'schemas', 'elektra-module.schema.json')
STANDARD_RESULTS = {'changed', 'failed', 'msg', 'warnings', 'invocation', 'diff', 'exception', 'deprecations'}


def _normal_spec(spec):
    out = {}
    for name, o in spec.items():
        out[name] = {
            'type': o.get('type', 'str'), 'elements': o.get('elements'), 'choices': o.get('choices'),
            'default': o.get('default'), 'required': o.get('required', False),
            'aliases': sorted(o.get('aliases', [])),
            'options': _normal_spec(o['options']) if o.get('options') else None}
    return out


def _normal_doc(options):
    out = {}
    for name, o in options.items():
        assert o.get('description'), name
        out[name] = {
            'type': o.get('type', 'str'), 'elements': o.get('elements'), 'choices': o.get('choices'),
            'default': o.get('default'), 'required': o.get('required', False),
            'aliases': sorted(o.get('aliases', [])),
            'options': _normal_doc(o['suboptions']) if o.get('suboptions') else None}
    return out


def test_documentation_matches_argument_spec():
    doc = yaml.safe_load(elektra.DOCUMENTATION)
    assert doc['module'] == 'elektra'
    assert _normal_doc(doc['options']) == _normal_spec(elektra.ARGUMENT_SPEC)


def test_examples_and_return_are_yaml():
    assert isinstance(yaml.safe_load(elektra.EXAMPLES), list)
    ret = yaml.safe_load(elektra.RETURN)
    for name, entry in ret.items():
        assert entry.get('description') and entry.get('type'), name


def test_results_only_hold_documented_keys(host, module):
    documented = set(yaml.safe_load(elektra.RETURN)) | STANDARD_RESULTS
    results = [
        module({'keys': [{'user:/t': {'a': '1'}}], 'mount': [{'mountpoint': 'user:/m', 'file': 'm.ecf'}]},
               diff=True),
        module({'keys': [{'user:/t': {'a': [{'value': '2'}, {'assert': True}]}}]}),
        module({'transaction': {'name': 'x', 'action': 'create'}, 'keys': [{'user:/t': {'b': '1'}}]}),
        module({'keys': [{'user:/t': {'a': 'x'}}], 'merge': {'strategy': 'abort', 'base': [{'user:/t': {'a': '0'}}]}}),
    ]
    for r in results:
        assert set(r) <= documented, set(r) - documented


# ---- the schema generated from src/playbook/module-args.ts ----------------------------------------

def _schema():
    if not os.path.exists(SCHEMA):
        pytest.skip('schemas/elektra-module.schema.json not generated yet')
    with open(SCHEMA) as f:
        return json.load(f)


def _deref(schema, node):
    while True:
        if '$ref' in node:
            node = schema['definitions'][node['$ref'].split('/')[-1]]
        elif 'allOf' in node and len(node['allOf']) == 1:
            node = node['allOf'][0]
        else:
            return node


def _ansible_type(schema, prop):
    node = _deref(schema, prop)
    if 'enum' in node:
        return 'str', sorted(node['enum'])
    kind = node.get('type')
    if kind == 'string':
        return 'str', None
    if kind == 'boolean':
        return 'bool', None
    if kind == 'array':
        return 'list', None
    if kind == 'object':
        return 'dict', None
    return 'raw', None


def _variants(schema):
    top = _deref(schema, schema)
    return [_deref(schema, v) for v in top.get('oneOf') or top.get('anyOf')]


def _schema_options(schema):
    """name -> (type, choices, property node) over the union of the three syntaxes."""
    out = {}
    for variant in _variants(schema):
        for name, prop in variant['properties'].items():
            kind = _ansible_type(schema, prop)
            if name in out and out[name][0] != kind:
                kind = ('raw', None)  # keys: a map in legacy, a list in tree syntax
            out[name] = (kind, prop)
    return out


def _spec_type(o):
    kind = o.get('type', 'str')
    return ('str' if kind == 'path' else kind), (sorted(o['choices']) if o.get('choices') else None)


def test_option_names_match_the_schema():
    schema = _schema()
    names = set(elektra.ARGUMENT_SPEC)
    for o in elektra.ARGUMENT_SPEC.values():
        names.update(o.get('aliases', []))
    assert set(_schema_options(schema)) == names


@pytest.mark.parametrize('name', sorted(elektra.ARGUMENT_SPEC))
def test_option_types_and_suboptions_match_the_schema(name):
    schema = _schema()
    options = _schema_options(schema)
    spec = elektra.ARGUMENT_SPEC[name]
    kind, prop = options[name]
    expected = _spec_type(spec)
    if expected[0] == 'raw':
        assert kind[0] in ('raw', 'str', 'list', 'dict')  # raw accepts anything the schema allows
    else:
        assert kind == expected, name
    if spec.get('options'):
        node = _deref(schema, prop)
        if spec.get('type') == 'list':
            node = _deref(schema, node['items'])
        assert set(node['properties']) == set(spec['options'])
        for sub, o in spec['options'].items():
            skind = _ansible_type(schema, node['properties'][sub])
            if _spec_type(o)[0] != 'raw':
                assert skind == _spec_type(o), '%s.%s' % (name, sub)
            assert (sub in node.get('required', [])) == bool(o.get('required')), '%s.%s' % (name, sub)
            if 'default' in node['properties'][sub] and 'default' in o:
                assert node['properties'][sub]['default'] == o['default'], '%s.%s' % (name, sub)
