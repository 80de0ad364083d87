#!/bin/bash
# redis-server (under lxwsk, TCP only, no persistence) driven by
# redis-benchmark (under lxwsk, bounded request count, 20 parallel
# connections, pipelining too, IPv4 and IPv6) and redis-cli (under lxwsk):
# a ~1 MB value SET over IPv4 and read back over IPv4 and IPv6, compared by
# checksum; a binary value SET over IPv6 and checked inside redis.
. "$(dirname "$0")/lib.sh"
need redis-server redis-cli redis-benchmark

new_port PORT
BIND="127.0.0.1"
[ "$E2E_HAVE_V6" = 1 ] && BIND="127.0.0.1 ::1"
# shellcheck disable=SC2086
start_bg SERVER "$T/redis.log" "$LXWSK" run -- redis-server --port "$PORT" \
  --bind $BIND --unixsocket '' --save '' --appendonly no --daemonize no \
  --protected-mode no --dir "$T" --logfile '' --databases 2
wait_tcp_listen 127.0.0.1 "$PORT" "$SERVER"
[ "$E2E_HAVE_V6" = 1 ] && wait_tcp_listen ::1 "$PORT" "$SERVER"
assert_preloaded "$SERVER" "redis-server"

cli() { # HOST ARGS...
  local h=$1
  shift
  timeout 30 "$LXWSK" run -- redis-cli -h "$h" -p "$PORT" "$@"
}

[ "$(cli 127.0.0.1 PING)" = PONG ] || fail "PING over IPv4 did not answer PONG"

# Benchmark: every test must report its rate; no errors anywhere.
bench() { # NAME HOST ARGS...
  local name=$1 h=$2
  shift 2
  timeout 40 "$LXWSK" run -- redis-benchmark -h "$h" -p "$PORT" "$@" \
    >"$T/bench-$name.out" 2>"$T/bench-$name.err" ||
    fail "redis-benchmark $name failed (rc $?): $(cat "$T/bench-$name.err")"
  tr '\r' '\n' <"$T/bench-$name.out" | grep -v '^ *$' | grep 'requests per second' \
    >"$T/bench-$name.rates" || true
  local t
  for t in SET GET INCR LPUSH; do
    grep -q "^$t: .*requests per second" "$T/bench-$name.rates" ||
      fail "redis-benchmark $name: no result for $t: $(tr '\r' '\n' <"$T/bench-$name.out" | tail -5)"
  done
  if grep -qiE 'error|refused|reset' "$T/bench-$name.out" "$T/bench-$name.err"; then
    fail "redis-benchmark $name reported errors: $(grep -iE 'error|refused|reset' "$T/bench-$name.out" "$T/bench-$name.err" | head -5)"
  fi
  log "redis-benchmark $name: $(tr '\n' ';' <"$T/bench-$name.rates")"
}
bench plain 127.0.0.1 -n 20000 -c 20 -q -t set,get,incr,lpush
bench pipelined 127.0.0.1 -n 20000 -c 10 -P 16 -q -t set,get,incr,lpush
runs=2
if [ "$E2E_HAVE_V6" = 1 ]; then
  bench ipv6 ::1 -n 20000 -c 20 -q -t set,get,incr,lpush
  runs=3
fi

# The benchmark's writes are really there: the counter that INCR bumps.
ctr=$(cli 127.0.0.1 GET counter:__rand_int__)
[ "$ctr" = $((runs * 20000)) ] ||
  fail "counter:__rand_int__ is '$ctr', expected $((runs * 20000)) ($runs x 20000 INCR)"
log "ok: INCR counter is $ctr"

# A ~1 MB value (base64 text of 768 KiB random data, no newline).
random_file "$T/raw.bin" 768
base64 -w0 <"$T/raw.bin" >"$T/value.txt"
SIZE=$(stat -c %s "$T/value.txt")
[ "$(cli 127.0.0.1 -x SET bigkey <"$T/value.txt")" = OK ] || fail "SET of the 1 MB value failed"
[ "$(cli 127.0.0.1 STRLEN bigkey)" = "$SIZE" ] || fail "STRLEN bigkey is not $SIZE"
# --raw GET prints the value and one newline.
cli 127.0.0.1 --raw GET bigkey >"$T/get4.txt" || fail "GET over IPv4 failed"
[ "$(stat -c %s "$T/get4.txt")" = $((SIZE + 1)) ] || fail "GET over IPv4: $(stat -c %s "$T/get4.txt") bytes, expected $((SIZE + 1))"
truncate -s "$SIZE" "$T/get4.txt"
same_sha "$T/value.txt" "$T/get4.txt" "redis 1 MB value, GET over IPv4"
if [ "$E2E_HAVE_V6" = 1 ]; then
  cli ::1 --raw GET bigkey >"$T/get6.txt" || fail "GET over IPv6 failed"
  [ "$(stat -c %s "$T/get6.txt")" = $((SIZE + 1)) ] || fail "GET over IPv6: $(stat -c %s "$T/get6.txt") bytes, expected $((SIZE + 1))"
  truncate -s "$SIZE" "$T/get6.txt"
  same_sha "$T/value.txt" "$T/get6.txt" "redis 1 MB value, GET over IPv6"
  # SET over IPv6 too, read back over IPv4.
  [ "$(cli ::1 -x SET bigkey6 <"$T/raw.bin")" = OK ] || fail "SET over IPv6 failed"
  [ "$(cli 127.0.0.1 STRLEN bigkey6)" = "$(stat -c %s "$T/raw.bin")" ] ||
    fail "binary value SET over IPv6 has the wrong length"
  [ "$(cli 127.0.0.1 --raw EVAL "return redis.sha1hex(redis.call('GET', KEYS[1]))" 1 bigkey6)" = \
    "$(sha1sum <"$T/raw.bin" | cut -d' ' -f1)" ] ||
    fail "binary value SET over IPv6 has the wrong content (sha1 inside redis)"
  log "ok: binary 768 KiB value SET over IPv6 checked inside redis"
fi

# The server saw no client errors and is still serving.
[ "$(cli 127.0.0.1 PING)" = PONG ] || fail "PING after the tests failed"
! gone "$SERVER" || fail "redis-server died"
stop_bg "$SERVER" 10
log PASS
