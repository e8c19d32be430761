#!/usr/bin/env bash
# Runs every benchmark in turn (results are printed; bench/RESULTS.md holds the recorded figures).
# `npm run bench` builds first, so the whole-process benchmarks use dist/cli/main.js.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in keyset dump diff store-write record-writes session-read export update validate; do
  [ -f "bench/$b.bench.ts" ] || continue
  echo "== bench/$b.bench.ts"
  npx tsx "bench/$b.bench.ts"
done
echo "== bench/module.bench.py"
/usr/bin/python3 bench/module.bench.py
