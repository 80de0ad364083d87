#!/usr/bin/env bash
# The lxwsk command's contract: help, version, exit status passed through,
# one-line errors with conventional statuses, tables and explain.
set -u
lxwsk=$1
fail=0
check() {  # $1 description, $2 expected status, rest: command
  local desc=$1 want=$2
  shift 2
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL: $desc: status $rc, want $want; output: $out"
    fail=1
  else
    echo "ok: $desc"
  fi
  LAST_OUT=$out
}
one_line() {
  if [ "$(printf '%s\n' "$LAST_OUT" | wc -l)" != 1 ]; then
    echo "FAIL: $1: error is not one line: $LAST_OUT"
    fail=1
  fi
}
check "--help" 0 "$lxwsk" --help
check "--version" 0 "$lxwsk" --version
printf '%s' "$LAST_OUT" | grep -q '^lxwsk [0-9]' || { echo "FAIL: version text"; fail=1; }
check "no command" 2 "$lxwsk"
check "unknown command" 2 "$lxwsk" frobnicate
one_line "unknown command"
check "exit status passes through" 7 "$lxwsk" run -- sh -c 'exit 7'
check "signal death passes through as 128+n" 143 "$lxwsk" run -- sh -c 'kill -TERM $$'
check "program not found" 127 "$lxwsk" run -- /nonexistent/prog
one_line "program not found"
check "program not in PATH" 127 "$lxwsk" run -- lxwsk-no-such-program
one_line "program not in PATH"
check "program not executable" 126 "$lxwsk" run -- /etc/hostname
one_line "program not executable"
check "library missing" 127 env LXWSK_LIBRARY=/nonexistent/liblxwsk.so "$lxwsk" run -- true
one_line "library missing"
check "no program" 2 "$lxwsk" run --
check "preload is set" 0 "$lxwsk" run -- sh -c 'case "$LD_PRELOAD" in */liblxwsk.so*) exit 0;; *) exit 1;; esac'
check "tables json" 0 sh -c "\"$lxwsk\" tables --format=json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d[\"status\"]) > 20 and len(d[\"sockopts\"]) > 40'"
check "unknown table" 2 "$lxwsk" tables nope
check "explain errno" 0 "$lxwsk" explain ECONNREFUSED
printf '%s' "$LAST_OUT" | grep -q STATUS_CONNECTION_REFUSED || { echo "FAIL: explain ECONNREFUSED lacks STATUS_CONNECTION_REFUSED"; fail=1; }
check "explain status value" 0 "$lxwsk" explain 0xC0000236
printf '%s' "$LAST_OUT" | grep -q ECONNREFUSED || { echo "FAIL: explain 0xC0000236"; fail=1; }
check "explain option" 0 "$lxwsk" explain SO_REUSEADDR
check "explain unknown" 1 "$lxwsk" explain NO_SUCH_THING
exit $fail
