#!/bin/bash
# socat UDP echo over IPv4 and IPv6: the server (under lxwsk,
# UDP-RECVFROM,fork + EXEC:cat) answers every datagram to its sender; the
# client (under lxwsk, a connected UDP socket) sends a few datagrams of
# different sizes, one at a time, and gets each echoed back.
. "$(dirname "$0")/lib.sh"
need socat

# Datagrams: small text, binary, ~1 KB, ~6 KB (below socat's 8 KB buffer).
printf 'hello over udp\n' >"$T/d1"
printf '\x00\x01\x02\xff binary \r\n\x00' >"$T/d2"
random_file "$T/d3" 1
random_file "$T/d4" 6
cat "$T/d1" "$T/d2" "$T/d3" "$T/d4" >"$T/expected.bin"
EXPECTED_SIZE=$(stat -c %s "$T/expected.bin")

# feed OUTFILE: writes the datagrams to stdout one by one, each only after
# the echo of the previous one arrived (bounded), then waits for the last
# echo and ends (EOF) so that the client stops.
feed() {
  local out=$1 want=0 f i
  for f in "$T/d1" "$T/d2" "$T/d3" "$T/d4"; do
    cat "$f"
    want=$((want + $(stat -c %s "$f")))
    for ((i = 0; i < 100; i++)); do
      [ "$(stat -c %s "$out" 2>/dev/null || echo 0)" -ge "$want" ] && break
      sleep 0.05
    done
  done
}

udp_test() { # 4|6
  local v=$1 port addr listen connect pid
  new_port port
  if [ "$v" = 4 ]; then
    addr=127.0.0.1
    listen="UDP4-RECVFROM:$port,bind=127.0.0.1,fork"
    connect="UDP4:127.0.0.1:$port"
  else
    addr=::1
    listen="UDP6-RECVFROM:$port,bind=[::1],fork"
    connect="UDP6:[::1]:$port"
  fi
  # -T 3: each forked child (one per datagram) ends 3 s after its answer.
  start_bg pid "$T/server-v$v.log" "$LXWSK" run -- socat -d -T 3 "$listen" EXEC:cat
  wait_udp_bound "$addr" "$port" "$pid"
  assert_preloaded "$pid" "socat UDP server (IPv$v)"

  local round out
  for round in 1 2; do
    out="$T/out-v$v-$round.bin"
    : >"$out"
    # feed watches the size of $out (what the client wrote so far).
    # shellcheck disable=SC2094
    feed "$out" | timeout 30 "$LXWSK" run -- socat -t 1 -T 20 - "$connect" \
      >"$out" 2>"$T/client-v$v-$round.err" ||
      fail "socat UDP client IPv$v round $round failed (rc $?): $(cat "$T/client-v$v-$round.err")"
    [ "$(stat -c %s "$out")" = "$EXPECTED_SIZE" ] ||
      fail "UDP echo IPv$v round $round: got $(stat -c %s "$out") of $EXPECTED_SIZE bytes back"
    same_sha "$T/expected.bin" "$out" "UDP echo IPv$v round $round (4 datagrams)"
  done
  ! gone "$pid" || fail "socat UDP server IPv$v died"
  stop_bg "$pid" 10
}

udp_test 4
if [ "$E2E_HAVE_V6" = 1 ]; then udp_test 6; else log "no ::1 here: IPv6 part skipped"; fi
log PASS
