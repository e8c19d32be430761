#!/usr/bin/env bash
# Runs every suite (vitest, pytest, molecule scenarios), each writing a report into .tmp/reports,
# then prints one closing line `N passed, N failed` summing all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
reports=.tmp/reports
rm -rf "$reports"
mkdir -p "$reports"
status=0

bash scripts/ensure-debian-packages.sh || exit 1

echo "== vitest (TypeScript library, CLI, vectors, properties)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" || status=1

if [ -x scripts/test-python.sh ] || [ -f scripts/test-python.sh ]; then
  echo "== pytest (Ansible collection)"
  bash scripts/test-python.sh || status=1
fi

if [ -f molecule/runner/main.ts ]; then
  echo "== molecule scenarios (SSH test hosts)"
  npm run --silent molecule -- test || status=1
fi

node scripts/summarize-tests.mjs "$reports" || status=1
exit $status
