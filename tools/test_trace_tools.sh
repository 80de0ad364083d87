#!/usr/bin/env bash
# lxwsk trace mermaid|perfetto|stats on real traces: a TCP client/server
# pair and a UDP exchange (tools/testdata/) run under `lxwsk run --trace`
# as JSON lines. Checks that the Perfetto output is valid trace-event JSON
# with every WSK slice nested in its Linux call's slice, that the statistics
# have a section per process with the right counters, that diagrams are
# deterministic and show the WSK calls, the one-line errors, and that the
# diagrams in docs/wsl1-design.md are what the code produces today.
#
#   tools/test_trace_tools.sh BUILD_BIN_DIR
set -u
if [ $# -lt 1 ] || [ ! -x "$1/lxwsk" ]; then
  echo "usage: $0 BUILD_BIN_DIR" >&2
  exit 2
fi
bin=$(cd "$1" && pwd)
lxwsk=$bin/lxwsk
here=$(cd "$(dirname "$0")" && pwd)
data=$here/testdata
doc=$here/../docs/wsl1-design.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
  echo "FAIL: $*"
  fail=1
}
ok() { echo "ok: $*"; }

json=()
if "$lxwsk" run --help | grep -q -- '--trace-format'; then
  json=(--trace-format=json)
fi
traced() {  # TRACE PROGRAM [ARGS...]
  local trace=$1
  shift
  LXWSK_TRACE_FORMAT=json timeout 60 "$lxwsk" run --trace="$trace" "${json[@]}" -- "$@"
}
pair() {  # SCRIPT TRACE: server and client appending to one trace
  local script=$1 trace=$2 server rc=0
  rm -f "$tmp/port"
  traced "$trace" python3 "$data/$script" server "$tmp/port" &
  server=$!
  if ! traced "$trace" python3 "$data/$script" client "$tmp/port"; then
    rc=1
    kill "$server" 2>/dev/null
  fi
  wait "$server" || rc=1
  [ $rc = 0 ] && ok "traced $script -> $(basename "$trace") ($(wc -l <"$trace") lines)" ||
    bad "scenario $script failed"
}
# run DESCRIPTION WANT_STATUS COMMAND...: checks the status; for a failure,
# that stderr is one line "lxwsk: ...". Output in $tmp/out, $tmp/err.
run() {
  local desc=$1 want=$2 rc
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" != "$want" ]; then
    bad "$desc: status $rc, want $want: $(head -c 300 "$tmp/err")"
    return 1
  fi
  if [ "$want" != 0 ] && { [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q '^lxwsk: ' "$tmp/err"; }; then
    bad "$desc: error is not one 'lxwsk: ' line: $(cat "$tmp/err")"
    return 1
  fi
  if [ -n "${ERR_SHOWN:-}" ] && [ -s "$tmp/err" ]; then
    ok "$desc: $(cat "$tmp/err")"
  else
    ok "$desc"
  fi
}

# ---- 1. real traces ----
pair tcp_pair.py "$tmp/tcp1.jsonl"
pair tcp_pair.py "$tmp/tcp2.jsonl"
pair udp_pair.py "$tmp/udp1.jsonl"
pair udp_pair.py "$tmp/udp2.jsonl"
traced "$tmp/nb.jsonl" python3 "$data/nonblocking_errors.py" || bad "nonblocking_errors.py failed"

# Facts about a trace, for the checks below: "server_pid client_pid
# client_fd accepted_fd port..." (the server is the process that listens).
facts() {
  python3 - "$1" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
server = next(r["pid"] for r in recs if r["call"] in ("listen", "bind"))
client = next(r["pid"] for r in recs if r["pid"] != server)
cfd = next((r["fd"] for r in recs if r["pid"] == client and r["call"] in ("connect", "sendto")), -1)
afd = next((r["ret"] for r in recs if r["call"] in ("accept", "accept4")), -1)
ports = set()
for r in recs:
    for w in r["wsk"]:
        t = w["text"]
        for part in t.replace("]", " ").split():
            if ":" in part and part.rsplit(":", 1)[1].rstrip(",)").isdigit():
                p = int(part.rsplit(":", 1)[1].rstrip(",)"))
                if p:
                    ports.add(p)
print(server, client, cfd, afd, *sorted(ports))
EOF
}
read -r tcp_server tcp_client tcp_cfd tcp_afd tcp_ports <<<"$(facts "$tmp/tcp1.jsonl")"
read -r udp_server udp_client udp_cfd _ _ <<<"$(facts "$tmp/udp1.jsonl")"

# ---- 2. perfetto ----
check_perfetto() {  # JSONL PERFETTO
  python3 - "$1" "$2" <<'EOF'
import json, sys
from decimal import Decimal
src = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
doc = json.load(open(sys.argv[2]), parse_float=Decimal)
assert isinstance(doc, dict) and isinstance(doc.get("traceEvents"), list), "no traceEvents list"
ev = doc["traceEvents"]
meta = [e for e in ev if e.get("ph") == "M"]
slices = [e for e in ev if e.get("ph") == "X"]
assert len(meta) + len(slices) == len(ev), "events other than M and X"
procs = {e["pid"] for e in meta if e["name"] == "process_name" and e["args"]["name"]}
threads = {(e["pid"], e["tid"]) for e in meta if e["name"] == "thread_name" and e["args"]["name"]}
assert procs == {r["pid"] for r in src}, f"process_name for {procs}"
assert threads == {(r["pid"], r["tid"]) for r in src}, f"thread_name for {threads}"
for e in slices:
    for k in ("name", "cat", "ts", "dur", "pid", "tid"):
        assert k in e, f"slice without {k}: {e}"
    assert e["dur"] >= 0, e
linux = [e for e in slices if e["cat"].startswith("linux")]
wsk = [e for e in slices if e["cat"] == "wsk"]
assert len(linux) == len(src), f"{len(linux)} Linux slices for {len(src)} calls"
assert len(wsk) == sum(len(r["wsk"]) for r in src), "WSK slice count"
assert wsk, "no WSK slices"
# Each WSK slice follows its Linux call's slice and lies inside it.
parent = None
for e in slices:
    if e["cat"].startswith("linux"):
        parent = e
        continue
    p = parent
    assert p is not None and (p["pid"], p["tid"]) == (e["pid"], e["tid"]), f"{e} has no parent"
    assert e["ts"] >= p["ts"] and e["ts"] + e["dur"] <= p["ts"] + p["dur"], \
        f"{e['name']} [{e['ts']}, +{e['dur']}] outside {p['name']} [{p['ts']}, +{p['dur']}]"
# Times are mono_ns in microseconds.
r0, e0 = src[0], linux[0]
assert e0["ts"] == Decimal(r0["mono_ns"]) / 1000 and e0["dur"] == Decimal(r0["dur_ns"]) / 1000, "ts/dur units"
print(f"{len(linux)} Linux slices, {len(wsk)} nested WSK slices, {len(meta)} metadata events")
EOF
}
for t in tcp1 udp1 nb; do
  if "$lxwsk" trace perfetto "$tmp/$t.jsonl" "$tmp/$t.perfetto.json" 2>"$tmp/err" &&
    msg=$(check_perfetto "$tmp/$t.jsonl" "$tmp/$t.perfetto.json" 2>&1); then
    ok "perfetto $t: $msg"
  else
    bad "perfetto $t: $(cat "$tmp/err") $msg"
  fi
done
[ "$(stat -c %a "$tmp/tcp1.perfetto.json")" = 600 ] && ok "perfetto output mode 0600" ||
  bad "perfetto output mode $(stat -c %a "$tmp/tcp1.perfetto.json")"
"$lxwsk" trace perfetto - "$tmp/stdin.perfetto.json" <"$tmp/tcp1.jsonl" &&
  cmp -s "$tmp/stdin.perfetto.json" "$tmp/tcp1.perfetto.json" && ok "perfetto reads stdin" ||
  bad "perfetto from stdin differs"

# ---- 3. stats ----
# section PID FILE: that process's section of a stats output.
section() { awk -v h="== pid $1 ==" '$0 == h {on = 1; next} /^== pid / {on = 0} on' "$2"; }
has() {  # DESCRIPTION TEXT EXTENDED-REGEX
  if printf '%s\n' "$2" | grep -Eq "$3"; then ok "$1"; else bad "$1: no line matching '$3'"; fi
}
run "stats to a file" 0 "$lxwsk" trace stats "$tmp/tcp1.jsonl" "$tmp/tcp1.stats"
[ "$(grep -c '^== pid [0-9]* ==$' "$tmp/tcp1.stats")" = 2 ] && ok "stats: a section per process" ||
  bad "stats: sections: $(grep '^== ' "$tmp/tcp1.stats")"
c=$(section "$tcp_client" "$tmp/tcp1.stats")
s=$(section "$tcp_server" "$tmp/tcp1.stats")
has "stats client: connect 1" "$c" '^connect +1 +0 '
has "stats client: socket 1" "$c" '^socket +1 +0 '
has "stats client: bytes sent" "$c" '^bytes sent +4 in 1 calls$'
has "stats client: WskConnect 1" "$c" '^WskConnect +1 '
has "stats client: implicit WskBind 1" "$c" '^WskBind +1 '
has "stats client: bytes received" "$c" '^bytes received +4 in 1 calls$'
has "stats client: all STATUS_SUCCESS" "$c" '^STATUS_SUCCESS \(0x00000000\) +7$'
has "stats server: accept4 1" "$s" '^accept4 +1 +0 '
has "stats server: listen 1" "$s" '^listen +1 +0 '
has "stats server: WskAccept 1" "$s" '^WskAccept +1 '
has "stats server: recv 2 (data, EOF)" "$s" '^recv +2 +0 '
has "stats server: bytes received" "$s" '^bytes received +4 in 2 calls$'
has "stats server: latency columns" "$s" '^Linux call +calls +errors +p50 us +p99 us$'
printf '%s\n' "$c" | grep -q '^accept4 ' && bad "stats: accept4 in the client's section"
run "stats to stdout" 0 "$lxwsk" trace stats "$tmp/nb.jsonl"
nb=$(cat "$tmp/out")
has "stats: one process" "$nb" '^lxwsk statistics: [0-9]+ Linux calls in 1 process$'
has "stats errno EINPROGRESS" "$nb" '^EINPROGRESS +1$'
has "stats errno EAGAIN" "$nb" '^EAGAIN +1$'
has "stats errno ECONNREFUSED" "$nb" '^ECONNREFUSED +1$'
has "stats NTSTATUS would-block" "$nb" '^STATUS_DEVICE_NOT_READY \(0xC00000A3\) +2$'
has "stats NTSTATUS refused" "$nb" '^STATUS_CONNECTION_REFUSED \(0xC0000236\) +1$'
has "stats connect errors" "$nb" '^connect +2 +2 '
run "stats to stderr" 0 "$lxwsk" trace stats "$tmp/udp1.jsonl" stderr
[ ! -s "$tmp/out" ] && grep -q "^== pid $udp_client ==" "$tmp/err" && ok "stats on stderr" || bad "stats on stderr"
has "stats udp client: sendto+send" "$(section "$udp_client" "$tmp/err")" '^bytes sent +6 in 2 calls$'

# ---- 4. mermaid ----
run "mermaid tcp run 1" 0 "$lxwsk" trace mermaid "$tmp/tcp1.jsonl" && cp "$tmp/out" "$tmp/tcp1.mmd"
run "mermaid tcp run 2" 0 "$lxwsk" trace mermaid "$tmp/tcp2.jsonl" && cp "$tmp/out" "$tmp/tcp2.mmd"
cmp -s "$tmp/tcp1.mmd" "$tmp/tcp2.mmd" && ok "mermaid: two TCP runs give the same diagram" ||
  { bad "mermaid: TCP diagrams differ"; diff "$tmp/tcp1.mmd" "$tmp/tcp2.mmd" | head -10; }
for w in WskSocket WskListen WskAccept WskBind WskConnect WskSend WskReceive WskCloseSocket \
  'participant H as host stack' 'W-->>S: STATUS_SUCCESS' 'S-->>P: 4' PORT_A PORT_B; do
  grep -qF -- "$w" "$tmp/tcp1.mmd" || bad "mermaid tcp: no '$w'"
done
head -1 "$tmp/tcp1.mmd" | grep -qx sequenceDiagram && ok "mermaid tcp: the WSK calls are there" ||
  bad "mermaid: first line not sequenceDiagram"
canonical=1
for v in "$tcp_server" "$tcp_client" $tcp_ports; do
  grep -qw -- "$v" "$tmp/tcp1.mmd" && { bad "mermaid: run-specific value $v in the diagram"; canonical=0; }
done
grep -Eq '0x[0-9a-f]{9,}' "$tmp/tcp1.mmd" && { bad "mermaid: a pointer in the diagram"; canonical=0; }
grep -q '[#;]' "$tmp/tcp1.mmd" && { bad "mermaid: '#' or ';' would break the Mermaid parser"; canonical=0; }
[ $canonical = 1 ] && ok "mermaid: no pids, ports or pointers"
run "mermaid udp run 1" 0 "$lxwsk" trace mermaid "$tmp/udp1.jsonl" && cp "$tmp/out" "$tmp/udp1.mmd"
run "mermaid udp run 2" 0 "$lxwsk" trace mermaid "$tmp/udp2.jsonl" && cp "$tmp/out" "$tmp/udp2.mmd"
cmp -s "$tmp/udp1.mmd" "$tmp/udp2.mmd" && ok "mermaid: two UDP runs give the same diagram" ||
  { bad "mermaid: UDP diagrams differ"; diff "$tmp/udp1.mmd" "$tmp/udp2.mmd" | head -10; }
for w in WskSendTo WskReceiveFrom SIO_WSK_SET_REMOTE_ADDRESS DATAGRAM; do
  grep -qF -- "$w" "$tmp/udp1.mmd" || bad "mermaid udp: no '$w'"
done
# One connection: the client's socket, and the server's accepted one.
run "mermaid --pid --fd (client)" 0 "$lxwsk" trace mermaid "$tmp/tcp1.jsonl" --pid="$tcp_client" --fd="$tcp_cfd"
grep -q 'P->>S: socket(' "$tmp/out" && grep -q WskConnect "$tmp/out" && grep -q 'P->>S: close(fd1)' "$tmp/out" &&
  ! grep -qE 'accept|listen|Note over' "$tmp/out" && ok "client connection only" ||
  { bad "client connection filter"; cat "$tmp/out"; }
run "mermaid --pid --fd (server)" 0 "$lxwsk" trace mermaid "$tmp/tcp1.jsonl" --pid="$tcp_server" --fd="$tcp_afd"
grep -q WskAccept "$tmp/out" && grep -q WskReceive "$tmp/out" && ! grep -qE 'listen|WskConnect|setsockopt' "$tmp/out" &&
  ok "accepted connection only" || { bad "server connection filter"; cat "$tmp/out"; }
run "mermaid --process-names" 0 "$lxwsk" trace mermaid "$tmp/tcp1.jsonl" --process-names=server,client
[ "$(grep -c 'Note over P,H' "$tmp/out")" = 2 ] && grep -q 'Note over P,H: client' "$tmp/out" &&
  ok "processes labelled" || bad "process labels"
ERR_SHOWN=1 run "mermaid: no such pid" 1 "$lxwsk" trace mermaid "$tmp/tcp1.jsonl" --pid=999999999

# ---- 5. errors ----
ERR_SHOWN=1
run "mermaid: missing file" 1 "$lxwsk" trace mermaid "$tmp/nonexistent"
run "perfetto: missing file" 1 "$lxwsk" trace perfetto "$tmp/nonexistent" "$tmp/p.json"
run "stats: missing file" 1 "$lxwsk" trace stats "$tmp/nonexistent"
run "stats: a directory" 1 "$lxwsk" trace stats "$tmp"
{ head -2 "$tmp/tcp1.jsonl"; echo '{"ts_ns":1,"mono_ns":2,'; tail -1 "$tmp/tcp1.jsonl"; } >"$tmp/broken.jsonl"
run "perfetto: malformed line" 1 "$lxwsk" trace perfetto "$tmp/broken.jsonl" "$tmp/broken.json" &&
  { grep -q 'broken.jsonl:3: malformed' "$tmp/err" && [ ! -e "$tmp/broken.json" ] &&
    ok "names line 3, writes nothing" || bad "malformed: $(cat "$tmp/err")"; }
run "stats: malformed line" 1 "$lxwsk" trace stats "$tmp/broken.jsonl"
[ ! -s "$tmp/out" ] || bad "stats wrote output for a malformed trace"
run "mermaid: malformed line" 1 "$lxwsk" trace mermaid "$tmp/broken.jsonl"
{ cat "$tmp/tcp1.jsonl"; printf '{"ts_ns":1795507501673396779,"mono'; } >"$tmp/tail.jsonl"
unset ERR_SHOWN
run "stats: a last line still being written is left out" 0 "$lxwsk" trace stats "$tmp/tail.jsonl"
cmp -s "$tmp/out" "$tmp/tcp1.stats" || bad "stats of a trace with a partial last line differ"
ERR_SHOWN=1
sed '2s/"pid":[0-9]*/"pid":"x"/' "$tmp/tcp1.jsonl" >"$tmp/badtype.jsonl"
run "stats: mistyped key" 1 "$lxwsk" trace stats "$tmp/badtype.jsonl" &&
  { grep -q ':2: .*"pid" is not a number' "$tmp/err" || bad "mistyped: $(cat "$tmp/err")"; }
sed '1s/,"call":"[a-z0-9]*"//' "$tmp/tcp1.jsonl" >"$tmp/nokey.jsonl"
run "stats: missing key" 1 "$lxwsk" trace stats "$tmp/nokey.jsonl"
env -u LXWSK_TRACE_FORMAT "$lxwsk" run --trace="$tmp/text.trace" -- \
  python3 -c 'import socket; socket.socket().close()'
run "stats: a text-format trace" 1 "$lxwsk" trace stats "$tmp/text.trace" &&
  { grep -q 'text-format' "$tmp/err" || bad "text-format not recognised"; }
: >"$tmp/empty.jsonl"
run "perfetto: empty trace" 0 "$lxwsk" trace perfetto "$tmp/empty.jsonl" "$tmp/empty.json"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["traceEvents"] == []' "$tmp/empty.json" &&
  ok "empty trace: valid, no events" || bad "empty perfetto output"
run "stats: empty trace" 0 "$lxwsk" trace stats "$tmp/empty.jsonl"
grep -q 'no calls traced' "$tmp/out" || bad "stats of an empty trace: $(cat "$tmp/out")"
run "mermaid: empty trace" 1 "$lxwsk" trace mermaid "$tmp/empty.jsonl"
ln -s "$tmp/target" "$tmp/link.json"
run "perfetto: output through a symlink refused" 1 "$lxwsk" trace perfetto "$tmp/tcp1.jsonl" "$tmp/link.json"
[ -e "$tmp/target" ] && bad "wrote through a symlink"
run "no subcommand" 2 "$lxwsk" trace
run "unknown subcommand" 2 "$lxwsk" trace frobnicate
run "perfetto: one argument" 2 "$lxwsk" trace perfetto "$tmp/tcp1.jsonl"
run "mermaid: bad --pid" 2 "$lxwsk" trace mermaid "$tmp/tcp1.jsonl" --pid=abc
run "mermaid: unknown option" 2 "$lxwsk" trace mermaid "$tmp/tcp1.jsonl" --bogus
unset ERR_SHOWN
run "trace --help" 0 "$lxwsk" trace --help
grep -q 'mermaid FILE' "$tmp/out" || bad "trace --help text"

# ---- 6. lxwsk run's own outputs, where run has them ----
if "$lxwsk" run --help | grep -q perfetto; then
  "$lxwsk" run --trace="$tmp/run.perfetto.json" --trace-format=perfetto -- \
    python3 "$data/nonblocking_errors.py" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(e.get("cat")=="wsk" for e in d["traceEvents"])' \
      "$tmp/run.perfetto.json" && ok "run --trace-format=perfetto" || bad "run --trace-format=perfetto"
fi
if "$lxwsk" run --help | grep -q -- '--stats'; then
  "$lxwsk" run --stats="$tmp/run.stats" -- python3 "$data/nonblocking_errors.py" &&
    grep -q '^== pid [0-9]* ==$' "$tmp/run.stats" && grep -Eq '^ECONNREFUSED +1$' "$tmp/run.stats" &&
    ok "run --stats" || bad "run --stats: $(head -5 "$tmp/run.stats" 2>&1)"
fi

# ---- 7. the diagrams in docs/wsl1-design.md ----
if "$here/wsl1_design_diagrams.sh" "$bin" >"$tmp/blocks.md" 2>"$tmp/err"; then
  if python3 - "$doc" "$tmp/blocks.md" <<'EOF'; then
import re, sys, difflib
pat = re.compile(r"<!-- BEGIN (\S+) -->\n(.*?)<!-- END \1 -->", re.S)
doc = dict(pat.findall(open(sys.argv[1]).read()))
gen = dict(pat.findall(open(sys.argv[2]).read()))
status = 0
for name, text in gen.items():
    if name not in doc:
        print(f"docs/wsl1-design.md has no block {name}")
        status = 1
    elif doc[name] != text:
        print(f"docs/wsl1-design.md: diagram {name} is out of date "
              "(regenerate: tools/wsl1_design_diagrams.sh BUILD/bin --update):")
        sys.stdout.writelines(list(difflib.unified_diff(
            doc[name].splitlines(True), text.splitlines(True), "doc", "now"))[:30])
        status = 1
sys.exit(status)
EOF
    ok "docs/wsl1-design.md diagrams match the code"
  else
    bad "docs/wsl1-design.md diagrams differ"
  fi
else
  bad "wsl1_design_diagrams.sh failed: $(cat "$tmp/err")"
fi

exit $fail
