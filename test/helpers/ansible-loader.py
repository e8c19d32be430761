#!/usr/bin/python3
"""Load YAML with Ansible's own loader and print it as JSON (for the playbook tests).

Reads the documents from the files named as arguments (stdin when none). Output: one JSON array with
one entry per document. Values that are not plain JSON are tagged so nothing is lost:
strings marked unsafe -> {"!unsafe": text}; maps -> {"!map": [[key, value], ...]} (order kept, keys
converted too); other scalars (bool, int, float, None, dates) -> {"!type": name, "repr": repr(value)}.
"""
import json
import sys

from ansible.parsing.yaml.loader import AnsibleLoader
from ansible.utils.unsafe_proxy import AnsibleUnsafe


def convert(value):
    if isinstance(value, AnsibleUnsafe):
        return {"!unsafe": str(value)}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {"!map": [[convert(k), convert(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [convert(v) for v in value]
    return {"!type": type(value).__name__, "repr": repr(value)}


def load_all(text):
    loader = AnsibleLoader(text)
    try:
        docs = []
        while loader.check_data():
            docs.append(convert(loader.get_data()))
        return docs
    finally:
        loader.dispose()


def main(paths):
    texts = [open(p, encoding="utf-8").read() for p in paths] if paths else [sys.stdin.read()]
    out = []
    for text in texts:
        out.extend(load_all(text))
    json.dump(out, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main(sys.argv[1:])
