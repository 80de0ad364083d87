#!/bin/bash
# close() makes no getpid system call until the process has called vfork
# or clone (lxcore_shim/entry_process.cc), and makes one afterwards (the
# check that keeps a child sharing the parent's memory from changing the
# parent's fd table). close_probe opens and closes 200 sockets under
# strace; the parent's socket must survive a vfork or clone child's close.
. "$(dirname "$0")/lib.sh"
PROBE=${CLOSE_PROBE:?CLOSE_PROBE is the close_probe binary}
command -v strace >/dev/null || skip "strace is not installed"
N=200

getpids() { # MODE: prints the number of getpid calls of the parent
  local mode=$1 out="$T/strace-$1"
  LD_PRELOAD="$LXWSK_LIB" timeout 30 strace -qq -e trace=getpid -o "$out" \
    "$PROBE" "$mode" "$N" >"$T/out-$mode" 2>"$T/err-$mode" ||
    fail "close_probe $mode: $(cat "$T/err-$mode")"
  grep -qx "ok $mode $N" "$T/out-$mode" || fail "close_probe $mode: $(cat "$T/out-$mode")"
  grep -c 'getpid()' "$out" || true
}

# strace must work here (ptrace may be denied in some containers).
strace -qq -e trace=getpid -o /dev/null true 2>/dev/null || skip "strace cannot trace here"

plain=$(getpids plain)
log "plain: $plain getpid calls for $N closes"
# Start-up makes one (the shim's own pid), and the syscalls layer's user
# memory check one per first-touched page (process_vm_readv names the pid).
[ "$plain" -le 10 ] || fail "plain: $plain getpid calls for $N closes (at most 10 expected)"
for mode in vfork clone; do
  got=$(getpids "$mode")
  log "$mode: $got getpid calls for $N closes"
  [ "$got" -ge "$N" ] || fail "$mode: only $got getpid calls for $N closes after the child"
done
log "PASS"
