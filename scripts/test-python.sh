#!/usr/bin/env bash
# Runs the Python collection's tests with Debian's pytest; junit report for scripts/test-all.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp/reports
exec pytest-3 -q -p no:cacheprovider \
  --junitxml=.tmp/reports/pytest.xml \
  collection/ansible_collections/elektra_initiative/libelektra/tests "$@"
