# Common helpers for the lxwsk end-to-end tests. Sourced by each test script
# (bash), which is called as:
#
#   bash TEST.sh LXWSK_BINARY [LXWSK_LIBRARY]
#
# Optional environment:
#   E2E_PORT_BASE  first loopback port of this test (distinct per test, used
#                  as is in a private network namespace and as the start of a
#                  free-port search on the shared host stack)
#   E2E_NO_NETNS=1 do not try a private network namespace
#   E2E_KEEP=1     keep the temporary directory (for debugging)
#
# What this gives a test:
#   - a private network namespace with lo up (the script re-execs itself
#     under `unshare -n`), or, when namespaces are not allowed, a fallback to
#     per-test loopback ports on the shared stack;
#   - $T, a private temporary directory removed on exit;
#   - start_bg: starts a server in its own process group, killed on exit;
#   - bounded waits (wait_tcp_listen, wait_udp_bound, wait_file, wait_pids);
#   - assert_preloaded PID: the process really has liblxwsk.so mapped and the
#     shim is not switched off (LXWSK_DISABLE) in its environment.
#
# The scripts use only 127.0.0.0/8 and ::1.

set -u
set -o pipefail

E2E_NAME=$(basename "$0" .sh)
E2E_SCRIPT=$(readlink -f "$0")
# shellcheck disable=SC2034  # E2E_DIR and PY are for the sourcing scripts
E2E_DIR=$(dirname "$E2E_SCRIPT")

log() { printf '[%s] %s\n' "$E2E_NAME" "$*" >&2; }
fail() {
  printf '[%s] FAIL: %s\n' "$E2E_NAME" "$*" >&2
  exit 1
}
skip() {
  printf '[%s] SKIP: %s\n' "$E2E_NAME" "$*" >&2
  exit 77
}

if [ $# -lt 1 ] || [ -z "${1:-}" ]; then
  echo "usage: $0 LXWSK_BINARY [LXWSK_LIBRARY]" >&2
  exit 2
fi
LXWSK=$(readlink -f "$1")
[ -x "$LXWSK" ] || fail "lxwsk binary not executable: $1"
if [ $# -ge 2 ] && [ -n "${2:-}" ]; then
  LXWSK_LIB=$(readlink -f "$2")
else
  LXWSK_LIB=$(readlink -f "$(dirname "$LXWSK")/liblxwsk.so")
fi
[ -f "$LXWSK_LIB" ] || fail "liblxwsk.so not found: $LXWSK_LIB"
E2E_ARGS=("$@")
# shellcheck disable=SC2034
PY=/usr/bin/python3

# The program under test must not see a switched-off shim or another preload
# from the caller's environment.
unset LXWSK_DISABLE LXWSK_LIBRARY LD_PRELOAD
# Never go through a proxy for loopback traffic.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*'

# ---------------------------------------------------------------------------
# Network isolation.
if [ "${E2E_NETNS_STATE:-}" = "" ]; then
  if [ "${E2E_NO_NETNS:-0}" != 1 ] && command -v unshare >/dev/null; then
    # As root: a network namespace; otherwise maybe through a user namespace.
    for opts in "-n" "-r -n"; do
      # shellcheck disable=SC2086
      if unshare $opts -- ip link set lo up >/dev/null 2>&1; then
        export E2E_NETNS_STATE=inside
        # shellcheck disable=SC2086
        exec unshare $opts -- bash "$E2E_SCRIPT" "${E2E_ARGS[@]}"
      fi
    done
  fi
  export E2E_NETNS_STATE=shared
fi
if [ "$E2E_NETNS_STATE" = inside ]; then
  ip link set lo up || fail "cannot bring lo up in the private namespace"
  E2E_NETNS=1
else
  E2E_NETNS=0
fi

E2E_HAVE_V6=0
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
  E2E_HAVE_V6=1
fi
if [ "$E2E_NETNS" = 1 ]; then
  log "private network namespace (lo up, IPv6 ${E2E_HAVE_V6})"
else
  log "no private network namespace: shared loopback, per-test ports"
fi

# ---------------------------------------------------------------------------
# Temporary directory, background processes, cleanup.
T=$(mktemp -d "${TMPDIR:-/tmp}/lxwsk-e2e-${E2E_NAME}.XXXXXX") ||
  fail "mktemp -d failed"
chmod 0755 "$T"
E2E_PGIDS=()

cleanup() {
  local rc=$? g i alive
  trap - EXIT TERM INT HUP
  trap '' PIPE  # a closed stderr must not stop the cleanup
  # Background jobs of this shell (clients) that are still there.
  local j
  for j in $(jobs -p); do
    kill -KILL "$j" 2>/dev/null
  done
  for g in "${E2E_PGIDS[@]}"; do
    kill -TERM -- "-$g" 2>/dev/null
  done
  # Bounded wait for the groups to go away, then SIGKILL.
  for ((i = 0; i < 50; i++)); do
    alive=0
    for g in "${E2E_PGIDS[@]}"; do
      kill -0 -- "-$g" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for g in "${E2E_PGIDS[@]}"; do
    kill -KILL -- "-$g" 2>/dev/null
  done
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    local f
    for f in "$T"/*.log "$T"/*.err; do
      [ -s "$f" ] || continue
      echo "----- $(basename "$f") (last 30 lines) -----" >&2
      tail -n 30 "$f" >&2
    done
  fi
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    log "kept $T"
  else
    rm -rf -- "$T"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
trap 'exit 141' PIPE

# start_bg VAR LOGFILE CMD...: runs CMD in a new session (its own process
# group, so that it and all its children are killed on exit) with stdin from
# /dev/null and stdout+stderr to LOGFILE; sets VAR to its pid. The pid is
# the one of CMD itself (setsid and lxwsk run both exec).
start_bg() {
  local __var=$1 __log=$2
  shift 2
  setsid "$@" </dev/null >"$__log" 2>&1 &
  local __pid=$!
  E2E_PGIDS+=("$__pid")
  printf -v "$__var" '%s' "$__pid"
}

# run_lx CMD...: CMD under `lxwsk run`.
run_lx() { "$LXWSK" run -- "$@"; }

# gone PID: PID has exited (or is a zombie waiting to be reaped).
gone() {
  local st
  st=$(sed -n 's/^.*) \([A-Za-z]\).*$/\1/p' "/proc/$1/stat" 2>/dev/null)
  [ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# stop_bg PID [SECONDS]: SIGTERM to a start_bg process, bounded wait, reaps
# it; fails when it does not stop. Returns its exit status.
stop_bg() {
  local pid=$1 secs=${2:-10}
  kill -TERM "$pid" 2>/dev/null
  wait_until $((secs * 10)) 0.1 gone "$pid" || fail "pid $pid did not stop on SIGTERM in $secs s"
  forget_bg "$pid"
  wait "$pid" 2>/dev/null
}

# forget_bg PID: PID has ended and its group needs no killing on exit (its
# forked children, if any, are expected to be gone with it).
forget_bg() {
  local g keep=()
  for g in "${E2E_PGIDS[@]}"; do
    [ "$g" = "$1" ] || keep+=("$g")
  done
  E2E_PGIDS=("${keep[@]}")
}

# ---------------------------------------------------------------------------
# Ports.
E2E_PORT_BASE=${E2E_PORT_BASE:-20000}
E2E_PORT_NEXT=$E2E_PORT_BASE

port_in_use() {
  local p=$1
  [ -n "$(ss -Hanut "( sport = :$p )" 2>/dev/null)" ]
}

# new_port VAR: a loopback port for this test (TCP and UDP both free).
new_port() {
  local __var=$1 p i
  p=$E2E_PORT_NEXT
  if [ "$E2E_NETNS" = 0 ]; then
    for ((i = 0; i < 200; i++)); do
      port_in_use "$p" || break
      p=$((p + 1))
    done
    port_in_use "$p" && fail "no free port near $E2E_PORT_NEXT"
  fi
  E2E_PORT_NEXT=$((p + 1))
  printf -v "$__var" '%s' "$p"
}

# ---------------------------------------------------------------------------
# Bounded waits.

# wait_until TRIES SLEEP CMD...: runs CMD until it succeeds, at most TRIES.
wait_until() {
  local tries=$1 delay=$2 i
  shift 2
  for ((i = 0; i < tries; i++)); do
    "$@" && return 0
    sleep "$delay"
  done
  return 1
}

_tcp_listening() {
  [ -n "$(ss -Hltn "( sport = :$2 )" 2>/dev/null | awk -v a="$1" '$4 ~ "^\\[?"a"\\]?:" {print}')" ]
}
_udp_bound() {
  [ -n "$(ss -Hlun "( sport = :$2 )" 2>/dev/null | awk -v a="$1" '$4 ~ "^\\[?"a"\\]?:" {print}')" ]
}

# wait_tcp_listen ADDR PORT [PID]: ADDR is 127.0.0.1 or ::1 (or * / 0.0.0.0).
# Gives up after ~10 s or when PID died.
wait_tcp_listen() {
  local addr=$1 port=$2 pid=${3:-} i
  [ "$addr" = "::1" ] && addr='::1'
  for ((i = 0; i < 200; i++)); do
    _tcp_listening "$addr" "$port" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      fail "server (pid $pid) exited before listening on [$1]:$port"
    fi
    sleep 0.05
  done
  fail "nothing listens on [$1]:$port after 10 s"
}

wait_udp_bound() {
  local addr=$1 port=$2 pid=${3:-} i
  for ((i = 0; i < 200; i++)); do
    _udp_bound "$addr" "$port" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      fail "server (pid $pid) exited before binding UDP [$1]:$port"
    fi
    sleep 0.05
  done
  fail "no UDP socket bound on [$1]:$port after 10 s"
}

# wait_file FILE [SECONDS]: FILE exists and is not empty.
wait_file() {
  local f=$1 secs=${2:-10} i
  for ((i = 0; i < secs * 20; i++)); do
    [ -s "$f" ] && return 0
    sleep 0.05
  done
  fail "timed out waiting for $f"
}

# wait_pids SECONDS PID...: waits for background jobs of this shell, bounded;
# returns the number of jobs that failed (non-zero status); kills stragglers.
wait_pids() {
  local secs=$1 i p bad=0 left
  shift
  for ((i = 0; i < secs * 10; i++)); do
    left=0
    for p in "$@"; do
      kill -0 "$p" 2>/dev/null && left=1
    done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for p in "$@"; do
    if kill -0 "$p" 2>/dev/null; then
      log "job $p still running after ${secs} s: killing it"
      kill -KILL "$p" 2>/dev/null
    fi
  done
  for p in "$@"; do
    wait "$p" || bad=$((bad + 1))
  done
  return "$bad"
}

# ---------------------------------------------------------------------------
# Checks.

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# same_sha EXPECTED_FILE ACTUAL_FILE WHAT
same_sha() {
  local a b
  [ -f "$2" ] || fail "$3: no output file $2"
  a=$(sha "$1")
  b=$(sha "$2")
  if [ "$a" != "$b" ]; then
    fail "$3: sha256 mismatch: expected $a ($(stat -c %s "$1") bytes), got $b ($(stat -c %s "$2") bytes)"
  fi
  log "ok: $3 ($(stat -c %s "$2") bytes, sha256 ${a:0:16}...)"
}

# assert_preloaded PID WHAT: liblxwsk.so (this build's) is mapped in PID and
# its environment does not switch the shim off (LXWSK_DISABLE=1; best
# effort: programs that rewrite their process title, like nginx and redis,
# overwrite what /proc/PID/environ shows; lib.sh unsets the variable anyway).
assert_preloaded() {
  local pid=$1 what=$2
  [ -r "/proc/$pid/maps" ] || fail "$what (pid $pid) is gone"
  if ! grep -qF "$LXWSK_LIB" "/proc/$pid/maps"; then
    fail "$what (pid $pid, $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) does not have $LXWSK_LIB mapped: the preload is not active"
  fi
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'LXWSK_DISABLE=1'; then
    fail "$what (pid $pid) runs with LXWSK_DISABLE=1"
  fi
  log "ok: $what (pid $pid) runs with liblxwsk.so preloaded"
}

# children_of PID: direct children's pids.
children_of() { pgrep -P "$1"; }

# Sanity: `lxwsk run` maps this library into what it runs.
# (grep reads all of it: with -q it could exit first and the writer's
# SIGPIPE would fail the pipeline under pipefail.)
if ! "$LXWSK" run -- /bin/cat /proc/self/maps 2>/dev/null |
  grep -F "$LXWSK_LIB" >/dev/null; then
  fail "'$LXWSK run -- cat /proc/self/maps' does not show $LXWSK_LIB"
fi

need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
  done
}

# A file of N KiB of random data.
random_file() {
  head -c "$(($2 * 1024))" /dev/urandom >"$1" || fail "cannot create $1"
}
