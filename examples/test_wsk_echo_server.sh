#!/usr/bin/env bash
# End-to-end test of the WSK echo server with a real client (socat):
# 4 concurrent clients over IPv4, then 2 over IPv6, each echoing 2 MB of
# random data checked by sha256. The server exits by itself after serving
# them (--connections), so a hang or a lost close fails the test.
set -euo pipefail
server=$1
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

head -c 2000000 /dev/urandom >"$tmp/data"
want=$(sha256sum <"$tmp/data" | cut -d' ' -f1)

run_round() {  # $1 = family flag, $2 = host, $3 = clients
  # A fresh file: the previous round's port must not be read again.
  rm -f "$tmp/server.out"
  timeout 60 "$server" $1 --connections="$3" >"$tmp/server.out" 2>&1 &
  local spid=$!
  pids+=("$spid")
  local port=""
  for _ in $(seq 100); do
    # The background job may not have created server.out yet.
    port=$(awk '/listening on/{print $3}' "$tmp/server.out" 2>/dev/null || true)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "server did not start"; cat "$tmp/server.out"; exit 1; }
  local cpids=()
  for i in $(seq "$3"); do
    timeout 30 socat -t 5 - "TCP:$2:$port" <"$tmp/data" >"$tmp/out.$i" &
    cpids+=($!)
  done
  for p in "${cpids[@]}"; do wait "$p"; done
  for i in $(seq "$3"); do
    got=$(sha256sum <"$tmp/out.$i" | cut -d' ' -f1)
    [ "$got" = "$want" ] || { echo "client $i: checksum mismatch"; exit 1; }
  done
  wait "$spid" || { echo "server exited with $?"; cat "$tmp/server.out"; exit 1; }
  echo "ok: $3 clients over $2"
}

run_round "" 127.0.0.1 4
run_round --ipv6 "[::1]" 2
