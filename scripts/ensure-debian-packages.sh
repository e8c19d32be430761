#!/usr/bin/env bash
# Installs the Debian packages the suites need (ansible, pytest, sshd, ansible-lint) when missing.
# Runs `apt-get update` at most once. Needs root for installing; says so clearly otherwise.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
for pkg in ansible-core ansible-lint openssh-server python3-pytest python3-yaml; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${need[*]} (run as root, or: apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "== installing Debian packages: ${need[*]}"
apt-get update -qq || exit 1
apt-get install -y -qq "${need[@]}" >/dev/null || exit 1
