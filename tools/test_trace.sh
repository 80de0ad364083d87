#!/usr/bin/env bash
# lxwsk run --trace: file safety, one-line errors, every layer shown for a
# real client/server pair, and whole lines from many threads and processes.
set -u
lxwsk=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# 1. The file: created 0600, never through a symlink, bad paths refused
#    before the program starts, with one line.
"$lxwsk" run --trace="$tmp/t1" -- true || bad "traced true failed"
[ "$(stat -c %a "$tmp/t1")" = 600 ] && ok "trace file mode 0600" || bad "mode $(stat -c %a "$tmp/t1")"
ln -s "$tmp/target" "$tmp/link"
out=$("$lxwsk" run --trace="$tmp/link" -- true 2>&1); rc=$?
[ $rc = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [ ! -e "$tmp/target" ] \
  && ok "symlink refused: $out" || bad "symlink: rc=$rc out=$out"
out=$("$lxwsk" run --trace=/nonexistent/dir/t -- true 2>&1); rc=$?
[ $rc = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && ok "bad path: $out" || bad "bad path: rc=$rc"

# 2. A real server and client, each traced: connect, accept, send, recv and
#    close appear with the WSK calls they became.
mkdir "$tmp/www" && head -c 200000 /dev/urandom >"$tmp/www/f"
port=$((30000 + RANDOM % 20000))
(cd "$tmp/www" && exec "$lxwsk" run --trace="$tmp/server.trace" -- \
   python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
pids+=($!)
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
  sleep 0.1
done
"$lxwsk" run --trace="$tmp/client.trace" -- curl -s -o "$tmp/got" "http://127.0.0.1:$port/f"
cmp -s "$tmp/got" "$tmp/www/f" && ok "traced transfer intact" || bad "transfer differs"
# A full disk: every trace write fails (ENOSPC from /dev/full); the program
# neither blocks nor fails, and its data is intact.
timeout 30 "$lxwsk" run --trace=/dev/full -- curl -s -o "$tmp/got_full" "http://127.0.0.1:$port/f"
rc=$?
[ $rc = 0 ] && cmp -s "$tmp/got_full" "$tmp/www/f" \
  && ok "trace to a full disk: program unaffected" || bad "trace to /dev/full: rc=$rc"
expect() {  # file, description, extended regex
  if grep -Eq "$3" "$1"; then ok "$2"; else bad "$2: no line matching $3 in $1"; fi
}
expect "$tmp/client.trace" "client connect" 'connect\([0-9]+, \{AF_INET\(2\), 127\.0\.0\.1:[0-9]+\}, 16\) \| WskBind\(NULL, flags=0x10000 LX_IMPLICIT_BIND\) -> STATUS_SUCCESS .* \| WskConnect\(AF_INET\(2\) 127\.0\.0\.1:[0-9]+\) -> STATUS_(SUCCESS|DEVICE_NOT_READY) '
expect "$tmp/client.trace" "client send" '(send|sendto|write|writev|sendmsg)\([0-9]+, .*\| WskSend\(WSK_BUF\{len=[0-9]+\}, flags=0x[0-9A-F]+\) -> STATUS_SUCCESS \(0x00000000\) info=[0-9]+ = [0-9]+ <'
expect "$tmp/client.trace" "client recv" '(recv|recvfrom|read|readv|recvmsg)\([0-9]+, .*\| WskReceive\(WSK_BUF\{len=[0-9]+\}, flags=0x[0-9A-F]+\) -> STATUS_SUCCESS'
expect "$tmp/client.trace" "client close" 'close\([0-9]+\) \| WskCloseSocket\(handle=[0-9]+\) -> STATUS_SUCCESS \(0x00000000\) info=0 = 0 <'
expect "$tmp/server.trace" "server accept" 'accept4?\([0-9]+, .*\| WskAccept\(flags=0x[0-9A-F]+, remote=AF_INET\(2\) 127\.0\.0\.1:[0-9]+\) -> STATUS_SUCCESS \(0x00000000\) socket=0x[0-9a-f]+'
expect "$tmp/server.trace" "server socket" 'socket\(AF_INET, SOCK_STREAM.*\) \| WskSocket\(AF_INET\(2\), type=1, proto=[0-9]+, STREAM\|LX_INLINE\)'
expect "$tmp/server.trace" "server send" 'WskSend\(WSK_BUF\{len=[0-9]+\}'

# 3. Threads and processes with --trace=stderr: the program's stdout is
#    untouched, and every stderr line is one whole trace line.
python3 "$here/trace_workload.py" >"$tmp/native.out" 2>"$tmp/native.err"
"$lxwsk" run --trace=stderr -- python3 "$here/trace_workload.py" >"$tmp/traced.out" 2>"$tmp/traced.err"
cmp -s "$tmp/native.out" "$tmp/traced.out" && ok "stdout unchanged by tracing" || bad "stdout differs"
line='^[0-9]+\.[0-9]{6} \[[0-9]+:[0-9]+\] [a-z0-9_]+\(.*\)( \| .*)? = (-?[0-9]+|-1 E[A-Z0-9]+ \(.*\)) <[0-9.]+us>$'
total=$(wc -l <"$tmp/traced.err")
good=$(grep -Ec "$line" "$tmp/traced.err")
[ "$total" -gt 100 ] && [ "$total" = "$good" ] && ok "$total whole lines from threads" \
  || { bad "$good of $total lines well formed"; grep -Evn "$line" "$tmp/traced.err" | head -3; }
[ "$(grep -Eo '^[0-9.]+ \[[0-9]+:' "$tmp/traced.err" | cut -d'[' -f2 | sort -u | wc -l)" -ge 2 ] \
  && ok "lines from both sides of fork" || bad "only one pid traced"
[ "$(grep -Eo '^[0-9.]+ \[[0-9]+:[0-9]+\]' "$tmp/traced.err" | sort -u -t: -k2 | wc -l)" -ge 8 ] \
  && ok "lines from many threads" || bad "too few threads traced"
expect "$tmp/traced.err" "traced after closerange" 'sendto\([0-9]+, .*\| WskSendTo\(WSK_BUF\{len=16\}'
expect "$tmp/traced.err" "pass-through marked" 'socket\(AF_UNIX, .*\[pass-through: not a WSK family\]'
expect "$tmp/traced.err" "pass-through calls marked" 'send\([0-9]+, .*\| \[pass-through: not a WSK socket\] = 4 <'
expect "$tmp/traced.err" "socketpair traced" 'socketpair\(AF_UNIX, SOCK_STREAM.*\[pass-through'

# 3b. The same workload as JSON lines: every line one object, with the WSK
#     calls nested in it.
"$lxwsk" run --trace="$tmp/w.json" --trace-format=json -- \
  python3 "$here/trace_workload.py" >/dev/null 2>&1
python3 - "$tmp/w.json" <<'PY' && ok "JSON lines from threads parse" || bad "JSON lines"
import json, sys
n = wsk = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert {"ts_ns", "pid", "tid", "call", "args", "wsk", "ret"} <= d.keys(), d
    for w in d["wsk"]:
        assert w["fn"].startswith("Wsk") and w["ntstatus"].startswith("0x"), w
        wsk += 1
    n += 1
assert n > 100 and wsk >= n // 2, (n, wsk)
PY

# 4. Filters.
"$lxwsk" run --trace="$tmp/only" --trace-calls=connect -- curl -s -o /dev/null "http://127.0.0.1:$port/f"
[ -s "$tmp/only" ] && ! grep -Evq '\] connect\(' "$tmp/only" && ok "call filter" || bad "call filter"
exit $fail
