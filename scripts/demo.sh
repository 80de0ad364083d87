#!/usr/bin/env bash
# The main job: a real web server and a real client, both under `lxwsk run`.
# Sets up a fresh Debian 12 machine, builds, then serves a 20 MB file with
# Python's http.server and fetches it with curl over IPv4 and IPv6, both
# processes running with liblxwsk.so; prints the checksums side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/build.sh build
lxwsk=$PWD/build/bin/lxwsk
tmp=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
head -c 20000000 /dev/urandom >"$tmp/file.bin"
port=$((20000 + RANDOM % 20000))
echo "== server: lxwsk run -- python3 -m http.server --bind :: $port"
(cd "$tmp" && exec "$lxwsk" run -- python3 -m http.server --bind :: "$port" >/dev/null 2>&1) &
server=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
  sleep 0.1
done
grep -q liblxwsk.so "/proc/$server/maps" && echo "   (liblxwsk.so is loaded in the server)"
want=$(sha256sum <"$tmp/file.bin" | cut -d' ' -f1)
for host in 127.0.0.1 '[::1]'; do
  echo "== client: lxwsk run -- curl http://$host:$port/file.bin"
  got=$("$lxwsk" run -- curl -sS -g "http://$host:$port/file.bin" | sha256sum | cut -d' ' -f1)
  echo "   sent     $want"
  echo "   received $got"
  [ "$got" = "$want" ] || { echo "MISMATCH"; exit 1; }
done
echo "== connection refused, as natively:"
"$lxwsk" run -- curl -sS "http://127.0.0.1:1/" || true
echo "demo ok"
