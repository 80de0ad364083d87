#!/bin/bash
# socat TCP echo over IPv4 and IPv6: the server (under lxwsk) forks a `cat`
# for each connection; the client (under lxwsk) sends a 5 MB random file,
# half-closes (shutdown SHUT_WR on stdin EOF) and reads the echo back until
# the server closes.
. "$(dirname "$0")/lib.sh"
need socat

random_file "$T/in.bin" $((5 * 1024))

echo_test() { # 4|6
  local v=$1 port addr listen connect pid
  new_port port
  if [ "$v" = 4 ]; then
    addr=127.0.0.1
    listen="TCP4-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork"
    connect="TCP4:127.0.0.1:$port"
  else
    addr=::1
    listen="TCP6-LISTEN:$port,bind=[::1],reuseaddr,fork"
    connect="TCP6:[::1]:$port"
  fi
  start_bg pid "$T/server-v$v.log" "$LXWSK" run -- socat -d "$listen" EXEC:cat
  wait_tcp_listen "$addr" "$port" "$pid"
  assert_preloaded "$pid" "socat TCP server (IPv$v)"

  # Twice on the same server: the fork-per-connection path is exercised
  # and the listener survives the first connection.
  local round
  for round in 1 2; do
    timeout 60 "$LXWSK" run -- socat -t 30 -T 50 - "$connect" \
      <"$T/in.bin" >"$T/out-v$v-$round.bin" 2>"$T/client-v$v-$round.err" ||
      fail "socat client IPv$v round $round failed (rc $?): $(cat "$T/client-v$v-$round.err")"
    same_sha "$T/in.bin" "$T/out-v$v-$round.bin" "TCP echo IPv$v round $round"
  done
  ! gone "$pid" || fail "socat server IPv$v died"
  stop_bg "$pid" 10
}

echo_test 4
if [ "$E2E_HAVE_V6" = 1 ]; then echo_test 6; else log "no ::1 here: IPv6 part skipped"; fi
log PASS
