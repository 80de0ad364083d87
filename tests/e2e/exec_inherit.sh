#!/bin/bash
# Exec with inherited sockets: a Python parent (under lxwsk) listens, accepts
# a first connection and reads its header line, clears CLOEXEC on both
# sockets and execs `python3 exec_child.py LISTEN_FD CONN_FD` (same process,
# LD_PRELOAD inherited). The child adopts the descriptors, echoes the rest
# of the first connection (data that was queued before the exec) and then
# accepts and echoes two more. Clients are socat under lxwsk; IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || skip "$PY is not installed"
need socat

random_file "$T/data0.bin" 1024
random_file "$T/data1.bin" 2048
random_file "$T/data2.bin" 512
printf 'HEADER for the parent\n' >"$T/header"
cat "$T/header" "$T/data0.bin" >"$T/in0.bin"

inherit_test() { # 4|6
  local v=$1 port addr connect pid state
  new_port port
  state="$T/state-v$v"
  mkdir -p "$state"
  if [ "$v" = 4 ]; then addr=127.0.0.1; connect="TCP4:127.0.0.1:$port"
  else addr=::1; connect="TCP6:[::1]:$port"; fi

  start_bg pid "$T/server-v$v.log" "$LXWSK" run -- "$PY" "$E2E_DIR/exec_parent.py" \
    "$v" "$port" "$E2E_DIR/exec_child.py" "$state"
  wait_tcp_listen "$addr" "$port" "$pid"
  assert_preloaded "$pid" "parent (IPv$v, before exec)"

  # Connection 0: accepted by the parent, served by the child after exec.
  timeout 40 "$LXWSK" run -- socat -t 30 -T 35 - "$connect" \
    <"$T/in0.bin" >"$T/out0-v$v.bin" 2>"$T/client0-v$v.err" &
  local c0=$!
  wait_file "$state/ready" 15
  grep -qx "pid $pid" "$state/parent.txt" || fail "parent.txt: $(cat "$state/parent.txt")"
  grep -qx "header b'HEADER for the parent\\\\n'" "$state/parent.txt" ||
    fail "the parent read a wrong header: $(grep header "$state/parent.txt")"
  # The same process, now running the child script, still preloaded.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'exec_child.py' ||
    fail "pid $pid does not run exec_child.py: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
  assert_preloaded "$pid" "child (IPv$v, after exec)"
  local fam=AF_INET
  [ "$v" = 6 ] && fam=AF_INET6
  local want
  for want in "pid $pid" "listener $fam SOCK_STREAM" "listener_sockname_same True" \
    "listener_acceptconn 1" "conn $fam SOCK_STREAM" "conn_sockname_same True" \
    "preloaded yes" "ld_preload True"; do
    grep -qxF "$want" "$state/ready" ||
      fail "child state lacks '$want': $(tr '\n' ';' <"$state/ready")"
  done
  log "ok: child adopted the inherited listener and connection ($(tr '\n' ';' <"$state/ready"))"

  wait_pids 40 "$c0" || fail "client 0 (IPv$v) failed: $(cat "$T/client0-v$v.err")"
  same_sha "$T/data0.bin" "$T/out0-v$v.bin" "IPv$v connection accepted before exec, echoed after"

  local i
  for i in 1 2; do
    timeout 40 "$LXWSK" run -- socat -t 30 -T 35 - "$connect" \
      <"$T/data$i.bin" >"$T/out$i-v$v.bin" 2>"$T/client$i-v$v.err" ||
      fail "client $i (IPv$v) failed: $(cat "$T/client$i-v$v.err")"
    same_sha "$T/data$i.bin" "$T/out$i-v$v.bin" "IPv$v connection $i accepted by the child"
  done

  # The child ends by itself after its connections, with status 0.
  wait_until 100 0.1 gone "$pid" || fail "the child did not exit after its connections"
  forget_bg "$pid"
  wait "$pid"
  local rc=$?
  [ "$rc" = 0 ] || fail "the child exited with $rc"
  log "ok: IPv$v child exited 0"
}

inherit_test 4
if [ "$E2E_HAVE_V6" = 1 ]; then inherit_test 6; else log "no ::1 here: IPv6 part skipped"; fi
log PASS
