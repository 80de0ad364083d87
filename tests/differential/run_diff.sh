#!/usr/bin/env bash
# Differential runner for the scenarios in tests/differential.
#
#   run_diff.sh [--tool=LXWSK] LIBRARY PROGRAM [SCENARIO ARGS...]
#
# Runs PROGRAM twice: natively (LD_PRELOAD cleared) and with LIBRARY
# preloaded (LD_PRELOAD=LIBRARY, or `LXWSK run --library=LIBRARY --` with
# --tool). Each run's stdout plus its exit status is the record; the test
# passes when both records are identical and the native run finished
# (exit 0, or death by a signal other than the time limit's SIGKILL).
# On a difference both records are printed side by side (diff -y).
#
# DIFFTEST_MODE=native|preload tells the program which run it is in; the
# program checks /proc/self/maps and exits 3 if liblxwsk.so is (not) mapped,
# so a preload that silently failed to load cannot pass as "identical".
set -u

tool=""
if [[ $# -gt 0 && $1 == --tool=* ]]; then
  tool=${1#--tool=}
  shift
fi
if [[ $# -lt 2 ]]; then
  echo "usage: $0 [--tool=LXWSK] LIBRARY PROGRAM [ARGS...]" >&2
  exit 2
fi
lib=$1
shift
if [[ ! -f $lib ]]; then
  echo "run_diff: library not found: $lib" >&2
  exit 2
fi

per_run_timeout=${DIFFTEST_RUN_TIMEOUT:-25}
netns=()
if unshare -n -- sh -c 'ip link set lo up' 2>/dev/null; then
  # shellcheck disable=SC2016
  netns=(unshare -n -- sh -c 'ip link set lo up && exec "$@"' netns)
else
  echo "run_diff: no network namespace (unshare -n failed); using the host loopback" >&2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/lxwsk-shim.XXXXXX")
trap 'rm -rf "$work"' EXIT

run() {  # run NAME CMD...
  local name=$1
  shift
  # Only 0, 1 and 2 open, as in a fresh process: descriptors inherited from
  # the test runner would shift the fd numbers the records contain.
  (
    for p in /proc/$BASHPID/fd/*; do
      n=${p##*/}
      if [[ $n -gt 2 ]]; then eval "exec $n>&-" 2>/dev/null; fi
    done
    exec timeout --signal=KILL "$per_run_timeout" "${netns[@]}" "$@"
  ) >"$work/$name.out" 2>"$work/$name.err" </dev/null
  local rc=$?
  echo "exit status $rc" >>"$work/$name.out"
  return $rc
}

run native env -u LD_PRELOAD -u LXWSK_DISABLE DIFFTEST_MODE=native "$@"
native_rc=$?
if [[ -n $tool ]]; then
  run preload env -u LD_PRELOAD -u LXWSK_DISABLE DIFFTEST_MODE=preload \
    "$tool" run --library="$lib" -- "$@"
else
  run preload env -u LXWSK_DISABLE DIFFTEST_MODE=preload LD_PRELOAD="$lib" "$@"
fi
preload_rc=$?

name=$(basename "$1")${2:+ $2}
show_stderr() {
  for r in native preload; do
    if [[ -s $work/$r.err ]]; then
      echo "---- $r stderr ----"
      head -c 4000 "$work/$r.err"
    fi
  done
}

# The native run must finish: exit 0, or die by a signal the scenario
# provokes (SIGPIPE...). 2 is a FATAL line, 3 a preload mismatch, 137 the
# runner's time limit and 142 the scenario's own alarm(20): the scenario
# or the environment is broken (a scenario that hangs in both runs must
# not pass as "identical").
native_ok=0
if [[ $native_rc -eq 0 ]] ||
  { [[ $native_rc -gt 128 && $native_rc -ne 137 && $native_rc -ne 142 ]]; }; then
  native_ok=1
fi
if [[ $native_ok -ne 1 ]]; then
  echo "FAIL $name: the native run exited $native_rc (scenario or environment problem)"
  echo "---- native record ----"
  cat "$work/native.out"
  show_stderr
  exit 1
fi

if cmp -s "$work/native.out" "$work/preload.out"; then
  echo "PASS $name: native and preload records are identical ($(wc -l <"$work/native.out") lines)"
  cat "$work/native.out"
  exit 0
fi

echo "FAIL $name: records differ (native rc $native_rc, preload rc $preload_rc)"
echo "---- differing lines (native | preload) ----"
diff -y --suppress-common-lines -W 200 "$work/native.out" "$work/preload.out"
echo "---- full records side by side (native | preload) ----"
diff -y -W 200 "$work/native.out" "$work/preload.out"
show_stderr
exit 1
