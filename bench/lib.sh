# shellcheck shell=bash
# shellcheck disable=SC2034  # variables used by the scripts sourcing this
# Shared by bench/run, bench/instructions and bench/memory (sourced, not
# run). Finds the build, the helper programs and the tools, and knows how
# to start a program under each configuration.
#
# Configurations (the same names everywhere, in JSON too):
#   native       the program as is
#   lxwsk        lxwsk run -- PROGRAM          (liblxwsk.so preloaded)
#   lxwsk-trace  lxwsk run --trace=FILE -- PROGRAM   (tracing to a file)
#   sw-pass      LD_PRELOAD=libsocket_wrapper.so, SOCKET_WRAPPER_DIR unset:
#                socket_wrapper's pass-through mode (translates nothing)
#   sw-active    socket_wrapper's active mode (SOCKET_WRAPPER_DIR set):
#                AF_INET sockets become AF_UNIX sockets in that directory

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
SW_LIB=${SW_LIB:-/usr/lib/x86_64-linux-gnu/libsocket_wrapper.so}
ALL_CONFIGS=(native lxwsk lxwsk-trace sw-pass sw-active)
# The python3 that ships with Debian: the reports need nothing else.
PYTHON=${PYTHON:-python3}

log() { printf '%s\n' "$*" >&2; }
die() {
  printf '%s: %s\n' "$(basename "$0")" "$*" >&2
  exit 2
}

# The build directory: --build, $LXWSK_BUILD, or <repo>/build (README).
resolve_build() {
  local b=${1:-${LXWSK_BUILD:-$ROOT_DIR/build}}
  [ -d "$b" ] || die "no build directory $b (build first: cmake -S . -B build -G Ninja && ninja -C build)"
  BUILD=$(cd "$b" && pwd)
  LXWSK=$BUILD/bin/lxwsk
  LXWSK_LIB=$BUILD/bin/liblxwsk.so
  [ -x "$LXWSK" ] || die "$LXWSK missing: build the project first"
  [ -f "$LXWSK_LIB" ] || die "$LXWSK_LIB missing: build the project first"
}

# A program from bench/e2e/: the CMake-built one, or compiled here with cc
# when the build has no bench/ (Google Benchmark absent), so the scripts
# never depend on the microbenchmarks being buildable.
e2e_bin() {
  local name=$1 built=$BUILD/bench/e2e/$1
  if [ -x "$built" ] && [ ! "$BENCH_DIR/e2e/$name.c" -nt "$built" ] &&
    [ ! "$BENCH_DIR/e2e/loopback.h" -nt "$built" ]; then
    printf '%s\n' "$built"
    return
  fi
  local cache=${E2E_CACHE:?}/$name
  if [ ! -x "$cache" ]; then
    mkdir -p "$(dirname "$cache")"
    cc -O2 -pthread -o "$cache" "$BENCH_DIR/e2e/$name.c" ||
      die "cannot compile bench/e2e/$name.c"
  fi
  printf '%s\n' "$cache"
}

# True when `lxwsk run` accepts --trace (older builds do not).
lxwsk_has_trace() { "$LXWSK" run --help 2>&1 | grep -q -- '--trace'; }

# cfg_prefix CONFIG TRACE_FILE SW_DIR: sets PFX to the words that go in
# front of a program to run it under CONFIG. Every wrapper execs, so a
# `timeout` or `taskset` in front of them reaches the program itself.
# TRACE_FILE is used by lxwsk-trace, SW_DIR by sw-active.
cfg_prefix() {
  case $1 in
    native) PFX=() ;;
    lxwsk) PFX=("$LXWSK" run --) ;;
    lxwsk-trace) PFX=("$LXWSK" run --trace="$2" --) ;;
    # Pass-through mode is socket_wrapper with SOCKET_WRAPPER_DIR unset.
    sw-pass) PFX=(env -u SOCKET_WRAPPER_DIR LD_PRELOAD="$SW_LIB") ;;
    # Active mode: unbound sockets bind implicitly to interface 11
    # (127.0.0.11); servers here bind 127.0.0.1 (interface 1) explicitly.
    sw-active) PFX=(env SOCKET_WRAPPER_DIR="$3" SOCKET_WRAPPER_DEFAULT_IFACE=11
      LD_PRELOAD="$SW_LIB") ;;
    *)
      # bench/run --lib NAME=PATH: "NAME=PATH;" entries.
      local spec specs
      IFS=';' read -r -a specs <<<"${LXWSK_BENCH_LIBS:-}"
      for spec in "${specs[@]+"${specs[@]}"}"; do
        if [ "${spec%%=*}" = "$1" ]; then
          PFX=(env LD_PRELOAD="${spec#*=}")
          return 0
        fi
      done
      die "unknown configuration $1"
      ;;
  esac
}

# CPUs for server and client: different ones when there are two, so they
# do not time-share one CPU and the scheduler does not migrate them.
pick_cpus() {
  local n
  n=$(nproc 2>/dev/null || echo 1)
  SERVER_CPU=0
  CLIENT_CPU=0
  [ "$n" -ge 2 ] && CLIENT_CPU=1
  return 0
}

check_tools() {
  local t missing=()
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] ||
    die "missing: ${missing[*]} (run scripts/setup-debian.sh)"
}

# Whether this process may create a private network namespace.
can_unshare_net() { unshare -n -- sh -c 'ip link set lo up' >/dev/null 2>&1; }
