#!/bin/bash
# Differential run of py_sockets.py (socket module workout: threaded TCP
# server and clients over v4 and v6, UDP, non-blocking connect + select,
# error cases, dup/fromfd, fork): natively and under lxwsk, in the same
# network namespace; the two records must be identical, the native one
# clean, and the lxwsk run must really have the library mapped.
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || skip "$PY is not installed"
export E2E_HAVE_V6

PROG="$E2E_DIR/py_sockets.py"

timeout 35 "$PY" "$PROG" --maps-report "$T/maps-native.txt" \
  >"$T/native.txt" 2>"$T/native.err"
rc_native=$?
timeout 35 "$LXWSK" run -- "$PY" "$PROG" --maps-report "$T/maps-lxwsk.txt" \
  >"$T/lxwsk.txt" 2>"$T/lxwsk.err"
rc_lxwsk=$?

log "native: exit $rc_native, $(wc -l <"$T/native.txt") lines; lxwsk: exit $rc_lxwsk, $(wc -l <"$T/lxwsk.txt") lines"
# The reference run itself must be clean, or the comparison means nothing.
if [ "$rc_native" != 0 ] || grep -q '^!!' "$T/native.txt"; then
  grep '^!!' "$T/native.txt" >&2
  cat "$T/native.err" >&2
  fail "the native run failed (exit $rc_native): a problem of the test or the host"
fi
grep -qx 'end: ok' "$T/native.txt" || fail "the native record is incomplete"
grep -qx 'preloaded: no' "$T/maps-native.txt" || fail "native run: $(cat "$T/maps-native.txt")"
grep -qx 'preloaded: yes' "$T/maps-lxwsk.txt" ||
  fail "lxwsk run: liblxwsk.so not mapped or switched off ($(cat "$T/maps-lxwsk.txt" 2>/dev/null))"
log "ok: the lxwsk run had liblxwsk.so mapped, the native one did not"

if ! diff -u "$T/native.txt" "$T/lxwsk.txt" >"$T/record.diff"; then
  echo "----- native vs lxwsk record (diff -u) -----" >&2
  head -n 80 "$T/record.diff" >&2
  [ -s "$T/lxwsk.err" ] && { echo "----- lxwsk run stderr -----" >&2; tail -n 30 "$T/lxwsk.err" >&2; }
  fail "the record under lxwsk differs from the native one (exit $rc_lxwsk)"
fi
[ "$rc_lxwsk" = 0 ] || fail "lxwsk run exited $rc_lxwsk with an identical record"
log "ok: identical records ($(grep -c '^section:' "$T/native.txt") sections, $(wc -l <"$T/native.txt") lines)"
log PASS
