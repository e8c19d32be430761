#!/usr/bin/env bash
# The README's first command (`npm ci && npm run demo`): records a short session in a throw-away key
# database and prints it as libelektra's state text, as JSON, as kdb commands and as a playbook.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -f "$repo/dist/cli/main.js" ]]; then
  ep=(node "$repo/dist/cli/main.js")
else
  # not built: run the sources through tsx
  ep=(node --import "file://$repo/node_modules/tsx/dist/loader.mjs" "$repo/src/cli/main.ts")
fi

demo="$(mktemp -d "${TMPDIR:-/tmp}/elektra-playbook-demo.XXXXXX")"
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/root" "$demo/home" "$demo/work"
export ELEKTRA_PLAYBOOK_ROOT="$demo/root" HOME="$demo/home"
cd "$demo/work"

run() {
  printf '\n$ elektra-playbook %s\n' "$*"
  "${ep[@]}" "$@"
}

echo "# a throw-away key database in $demo"
echo "# some configuration exists before recording starts"
run kdb set user:/app/color red
run kdb set system:/app/port 8080
run kdb set system:/app/legacy yes

echo
echo "# record everything (parent /) while changing keys in two namespaces"
run record start
run kdb set user:/app/color blue
run kdb meta-set user:/app/color type string
run kdb set user:/app/size 10
run kdb set system:/app/port 8443
run kdb rm system:/app/legacy

echo
echo "# the session as libelektra 0.11 prints it, plus our count of merge warnings"
run record state

echo
echo "# the merged session diff"
run export --format json

echo
echo "# kdb commands that replay it"
run export --format commands

echo
echo "# a playbook for the extended elektra module (one task per namespace, in a transaction)"
run export --format ansible

run record stop
