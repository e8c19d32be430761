#!/usr/bin/env bash
# One SSH test host = one sshd in private mount, UTS and PID namespaces on 127.0.0.N:22, with a
# private writable /etc, /var, /usr (overlays) and empty /root, /home, /run (tmpfs). Everything the
# host needs lives in a temp dir outside the masked directories; RECORD_DIR/NAME links to it so
# `down` finds it again. The host's PID namespace is what makes teardown complete: when its init
# (the sshd) dies, the kernel kills every session and command that ran on the host.
#
#   testhost.sh up NAME RECORD_DIR [ADDRESS]   start (or keep) the host; prints its instance config as JSON
#   testhost.sh down NAME RECORD_DIR           stop it and remove its temp dir; no-op when absent
#   testhost.sh check                          exit 0 when this machine can run test hosts, else say why
#
# With TESTHOST_OWNER_PID set (our runner sets it to its own pid), `up` also starts a watchdog that
# stops the host once that process is gone, so a killed run leaves no host behind. Under molecule
# itself the variable is unset and hosts live until `down`, as its separate steps need.
#
# Exit codes: 0 ok, 1 failure, 2 usage, 77 cannot run here (not root, no sshd, no unshare).
set -euo pipefail

SSHD=${TESTHOST_SSHD:-/usr/sbin/sshd}
STATE_PREFIX=elektra-testhost.
# the masked directories; a temp dir below one of them would vanish inside the host
MASKED='/etc /var /usr /root /home /run'

die() {
  echo "testhost: $*" >&2
  exit 1
}

check() {
  if [ "$(id -u)" != 0 ]; then
    echo "testhost: test hosts need root (unshare, mount, sshd); run as root or skip the molecule scenarios" >&2
    return 77
  fi
  [ -x "$SSHD" ] || { echo "testhost: $SSHD not found (apt-get install -y openssh-server)" >&2; return 77; }
  command -v unshare >/dev/null || { echo "testhost: unshare not found (util-linux)" >&2; return 77; }
  command -v ssh-keygen >/dev/null || { echo "testhost: ssh-keygen not found (openssh-client)" >&2; return 77; }
}

# start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), empty when gone;
# a recorded pid is only signalled when its start time still matches, so a reused pid is never hit
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  # after the command name: state is field 3, start time field 22 → 20th word here
  [ "$1" = Z ] && return 0
  echo "${20}"
}

alive() { # PID START
  [ -n "$1" ] && [ -n "$2" ] && [ "$(start_time "$1")" = "$2" ]
}

wait_gone() { # PID START TENTHS
  local i=0
  while alive "$1" "$2"; do
    [ "$i" -ge "$3" ] && return 1
    sleep 0.1
    i=$((i + 1))
  done
}

tmp_base() {
  local base=${TMPDIR:-/tmp} m
  for m in $MASKED; do
    case "$base/" in "$m"/*) base=/tmp ;; esac
  done
  echo "$base"
}

# stops the host whose temp dir is $1; the dir is removed only after every recorded process is gone
stop_state() {
  local state=$1 UNSHARE_PID='' UNSHARE_START='' INIT_PID='' INIT_START='' WATCH_PID='' WATCH_START=''
  case "$(basename "$state")" in "$STATE_PREFIX"*) ;; *) die "refusing to remove $state: not a test host dir" ;; esac
  if [ -f "$state/host.env" ]; then
    # shellcheck disable=SC1091
    . "$state/host.env"
  fi
  if alive "$INIT_PID" "$INIT_START"; then
    kill -TERM "$INIT_PID" 2>/dev/null || true
    if ! wait_gone "$INIT_PID" "$INIT_START" 30; then
      kill -KILL "$INIT_PID" 2>/dev/null || true
      wait_gone "$INIT_PID" "$INIT_START" 50 || die "host process $INIT_PID does not stop"
    fi
  fi
  # unshare only waits for its child; it ignores SIGTERM, so it is killed only when it hangs
  if ! wait_gone "$UNSHARE_PID" "$UNSHARE_START" 30; then
    kill -KILL "$UNSHARE_PID" 2>/dev/null || true
    wait_gone "$UNSHARE_PID" "$UNSHARE_START" 50 || die "unshare process $UNSHARE_PID does not stop"
  fi
  # the watchdog, unless it is the one stopping the host
  if [ "$WATCH_PID" != "$$" ] && alive "$WATCH_PID" "$WATCH_START"; then
    kill -TERM "$WATCH_PID" 2>/dev/null || true
    wait_gone "$WATCH_PID" "$WATCH_START" 30 || die "watchdog $WATCH_PID does not stop"
  fi
  # the namespace's mounts lived only in the namespace; the dir must not be a mountpoint here
  if grep -qF " $state/" /proc/self/mountinfo; then
    die "$state still has mounts in this namespace; not removing it"
  fi
  rm -rf -- "$state"
}

down() {
  local name=$1 record=$2/$1 state
  [ -L "$record" ] || [ -e "$record" ] || return 0
  state=$(readlink "$record" || true)
  if [ -n "$state" ] && [ -d "$state" ]; then
    stop_state "$state"
  fi
  rm -f -- "$record"
  echo "testhost: $name down" >&2
}

address_in_use() { # ADDRESS: something accepts connections on port 22
  (exec 3<>"/dev/tcp/$1/22") 2>/dev/null
}

# runs as PID 1 of the host's namespaces: private mounts, hostname, then sshd in the foreground
# shellcheck disable=SC2016
INIT_SCRIPT='set -e
state=$1
mount -t tmpfs -o mode=0700 tmpfs "$state/ns"
for d in etc var usr; do
  mkdir -p "$state/ns/$d/upper" "$state/ns/$d/work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$state/ns/$d/upper,workdir=$state/ns/$d/work" "/$d"
done
mount -t tmpfs -o mode=0700 tmpfs /root
mount -t tmpfs -o mode=0755 tmpfs /home
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/sshd /usr/share/elektra
hostname "$2"
exec "$3" -D -e -f "$state/sshd_config"'

# one attempt on one address; returns 0 when sshd listens, 3 when the address is taken
start_on() { # STATE NAME ADDRESS
  local state=$1 name=$2 address=$3 pid start child='' i
  cat >"$state/sshd_config" <<EOF
ListenAddress $address:22
HostKey $state/host_ed25519
AuthorizedKeysFile $state/authorized_keys
PidFile none
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
X11Forwarding no
PrintMotd no
MaxStartups 100
MaxSessions 100
Subsystem sftp internal-sftp
EOF
  : >"$state/sshd.log"
  setsid unshare --mount --uts --pid --propagation private --fork --kill-child=SIGKILL --mount-proc \
    /bin/sh -c "$INIT_SCRIPT" init "$state" "$name" "$SSHD" </dev/null >>"$state/sshd.log" 2>&1 &
  pid=$!
  start=$(start_time "$pid")
  for i in $(seq 50); do
    [ -n "$child" ] || child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{print $1}')
    [ -n "$child" ] && break
    sleep 0.02
  done
  printf 'UNSHARE_PID=%s\nUNSHARE_START=%s\nINIT_PID=%s\nINIT_START=%s\nADDRESS=%s\n' \
    "$pid" "$start" "$child" "$([ -n "$child" ] && start_time "$child")" "$address" >"$state/host.env"
  for i in $(seq 100); do
    grep -q 'Server listening on' "$state/sshd.log" && return 0
    if ! alive "$pid" "$start"; then
      grep -q 'Address already in use\|Cannot bind' "$state/sshd.log" && return 3
      die "host $name did not start: $(tail -n 5 "$state/sshd.log")"
    fi
    sleep 0.05
  done
  die "host $name did not listen on $address:22 within 5 s: $(tail -n 5 "$state/sshd.log")"
}

instance_json() { # NAME STATE ADDRESS
  printf '{"instance": "%s", "address": "%s", "user": "root", "port": "22", "identity_file": "%s/client_ed25519", "state_dir": "%s"}\n' \
    "$1" "$3" "$2" "$2"
}

up() {
  local name=$1 recorddir=$2 want=${3:-} record state ADDRESS='' INIT_PID='' INIT_START='' rc n tries
  case "$name" in *[!A-Za-z0-9_.-]* | '') die "host name '$name' must match [A-Za-z0-9_.-]+" ;; esac
  case "$want" in '' | 127.*) ;; *) die "address $want is not a loopback address 127.0.0.N" ;; esac
  check || exit $?
  mkdir -p "$recorddir"
  record=$recorddir/$name
  if [ -L "$record" ]; then
    state=$(readlink "$record")
    if [ -f "$state/host.env" ]; then
      # shellcheck disable=SC1091
      . "$state/host.env"
      if alive "$INIT_PID" "$INIT_START" && { [ -z "$want" ] || [ "$want" = "$ADDRESS" ]; }; then
        echo "testhost: $name already running on $ADDRESS" >&2
        instance_json "$name" "$state" "$ADDRESS"
        return 0
      fi
    fi
    down "$name" "$recorddir"
  fi
  state=$(mktemp -d "$(tmp_base)/${STATE_PREFIX}XXXXXX")
  ln -s "$state" "$record"
  # a failed start leaves nothing behind
  trap 'down "$name" "$recorddir" >/dev/null 2>&1 || true' EXIT
  mkdir "$state/ns"
  ssh-keygen -q -t ed25519 -N '' -C "testhost-$name" -f "$state/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C "testhost-client-$name" -f "$state/client_ed25519"
  cp "$state/client_ed25519.pub" "$state/authorized_keys"
  # random start so parallel runs rarely probe the same addresses
  n=$((RANDOM % 200 + 20))
  tries=0
  while :; do
    ADDRESS=${want:-127.0.0.$n}
    if [ -n "$want" ] || ! address_in_use "$ADDRESS"; then
      rc=0
      start_on "$state" "$name" "$ADDRESS" || rc=$?
      [ "$rc" = 0 ] && break
      [ "$rc" = 3 ] || exit "$rc"
      stop_state_keep "$state"
      [ -z "$want" ] || die "address $want:22 is in use"
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 40 ] || die "no free address 127.0.0.N:22 found"
    n=$((n % 250 + 2))
  done
  start_watchdog "$state" "$record"
  trap - EXIT
  echo "testhost: $name up on $ADDRESS" >&2
  instance_json "$name" "$state" "$ADDRESS"
}

start_watchdog() { # STATE RECORD
  local owner=${TESTHOST_OWNER_PID:-} owner_start pid
  [ -n "$owner" ] || return 0
  owner_start=$(start_time "$owner")
  [ -n "$owner_start" ] || die "TESTHOST_OWNER_PID $owner is not running"
  setsid bash "$0" watch "$1" "$2" "$owner" "$owner_start" </dev/null >/dev/null 2>&1 &
  pid=$!
  printf 'WATCH_PID=%s\nWATCH_START=%s\n' "$pid" "$(start_time "$pid")" >>"$1/host.env"
}

watch() { # STATE RECORD OWNER_PID OWNER_START
  while alive "$3" "$4"; do
    [ -d "$1" ] || exit 0
    sleep 1
  done
  [ -d "$1" ] && stop_state "$1"
  # the record may point to a newer host by now
  [ "$(readlink "$2" 2>/dev/null)" = "$1" ] && rm -f -- "$2"
  exit 0
}

# after a lost race for an address: wait for the failed attempt's processes, keep keys for the next
stop_state_keep() {
  local UNSHARE_PID='' UNSHARE_START='' INIT_PID='' INIT_START=''
  # shellcheck disable=SC1091
  . "$1/host.env"
  wait_gone "$INIT_PID" "$INIT_START" 50 || die "host process $INIT_PID does not stop"
  wait_gone "$UNSHARE_PID" "$UNSHARE_START" 50 || die "unshare process $UNSHARE_PID does not stop"
}

case "${1:-}" in
up)
  [ $# -ge 3 ] && [ $# -le 4 ] || { echo "usage: $0 up NAME RECORD_DIR [ADDRESS]" >&2; exit 2; }
  up "$2" "$3" "${4:-}"
  ;;
down)
  [ $# -eq 3 ] || { echo "usage: $0 down NAME RECORD_DIR" >&2; exit 2; }
  down "$2" "$3"
  ;;
check)
  check
  ;;
watch)
  [ $# -eq 5 ] || { echo "usage: $0 watch STATE RECORD OWNER_PID OWNER_START" >&2; exit 2; }
  watch "$2" "$3" "$4" "$5"
  ;;
*)
  echo "usage: $0 up NAME RECORD_DIR [ADDRESS] | down NAME RECORD_DIR | check" >&2
  exit 2
  ;;
esac
