#!/bin/bash
# Forking server with concurrent clients: one socat TCP-LISTEN,fork server
# (under lxwsk) and 8 socat clients (under lxwsk) at the same time, each
# echoing its own 1 MB random file; every client must get its own data back.
. "$(dirname "$0")/lib.sh"
need socat

N=8
new_port PORT
start_bg SERVER "$T/server.log" "$LXWSK" run -- socat -d \
  "TCP4-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork,backlog=32" EXEC:cat
wait_tcp_listen 127.0.0.1 "$PORT" "$SERVER"
assert_preloaded "$SERVER" "socat forking server"

for ((i = 0; i < N; i++)); do
  random_file "$T/in-$i.bin" 1024
done

# All clients connect first and only then get their data (a FIFO gate,
# opened read-write so that no open blocks; each read is bounded), so that
# the N connections are provably open at the same time.
mkfifo "$T/gate"
pids=()
for ((i = 0; i < N; i++)); do
  { read -r -t 30 _ <>"$T/gate"; cat "$T/in-$i.bin"; } |
    timeout 45 "$LXWSK" run -- socat -t 30 -T 50 - "TCP4:127.0.0.1:$PORT" \
      >"$T/out-$i.bin" 2>"$T/client-$i.err" &
  pids+=($!)
done

established() {
  ss -Htn state established "( dport = :$PORT )" 2>/dev/null | wc -l
}
all_connected() { [ "$(established)" -ge "$N" ]; }
wait_until 200 0.05 all_connected ||
  fail "only $(established) of $N clients connected after 10 s"
log "ok: $N client connections established at once"
# Each connection has its own forked server child (and a cat below it):
# all of them under the preload.
all_forked() { [ "$(children_of "$SERVER" | wc -l)" -ge "$N" ]; }
wait_until 100 0.05 all_forked ||
  fail "the server has only $(children_of "$SERVER" | wc -l) children for $N connections"
for c in $(children_of "$SERVER"); do
  assert_preloaded "$c" "socat server child"
done
# Open the gate: one line for each client.
exec 9<>"$T/gate"
for ((i = 0; i < N; i++)); do echo go >&9; done
exec 9>&-

failed=0
wait_pids 50 "${pids[@]}" || failed=$?
for ((i = 0; i < N; i++)); do
  [ -s "$T/client-$i.err" ] && log "client $i stderr: $(cat "$T/client-$i.err")"
done
[ "$failed" = 0 ] || fail "$failed of $N clients failed"
for ((i = 0; i < N; i++)); do
  same_sha "$T/in-$i.bin" "$T/out-$i.bin" "concurrent client $i"
done
! gone "$SERVER" || fail "socat server died"
stop_bg "$SERVER" 10
log PASS
