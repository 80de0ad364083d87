#!/usr/bin/env bash
# The sequence diagrams of docs/wsl1-design.md, generated from real traces:
# runs the scenarios in tools/testdata/ under `lxwsk run --trace` (JSON
# lines) and turns each trace into a Mermaid diagram with
# `lxwsk trace mermaid`, which leaves out everything that changes from run
# to run (times, pids, ports, descriptor numbers, pointers).
#
#   tools/wsl1_design_diagrams.sh BUILD_BIN_DIR            print the blocks
#   tools/wsl1_design_diagrams.sh BUILD_BIN_DIR --update   rewrite them in
#                                                          docs/wsl1-design.md
#
# Each block is printed between <!-- BEGIN name --> and <!-- END name -->;
# tools/test_trace_tools.sh fails when the doc's blocks differ.
set -eu
if [ $# -lt 1 ] || [ ! -x "$1/lxwsk" ]; then
  echo "usage: $0 BUILD_BIN_DIR [--update]" >&2
  exit 2
fi
lxwsk=$(cd "$1" && pwd)/lxwsk
here=$(cd "$(dirname "$0")" && pwd)
doc=$here/../docs/wsl1-design.md
data=$here/testdata
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# JSON lines: --trace-format=json where `lxwsk run` has it, else the
# library's own switch.
json=()
if "$lxwsk" run --help | grep -q -- '--trace-format'; then
  json=(--trace-format=json)
fi
traced() {  # TRACE PROGRAM [ARGS...]
  local trace=$1
  shift
  LXWSK_TRACE_FORMAT=json timeout 60 "$lxwsk" run --trace="$trace" "${json[@]}" -- "$@"
}

# A server and a client, each its own process, appending to one trace. The
# server's first call is traced before it publishes its port, so it is
# always the first process in the file.
pair() {  # SCRIPT TRACE
  local script=$1 trace=$2 server rc=0
  traced "$trace" python3 "$data/$script" server "$tmp/$script.port" &
  server=$!
  traced "$trace" python3 "$data/$script" client "$tmp/$script.port" || rc=$?
  wait "$server" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "$0: scenario $script failed (status $rc)" >&2
    exit 1
  fi
}

block() {  # NAME TRACE [MERMAID OPTIONS...]
  local name=$1 trace=$2
  shift 2
  echo "<!-- BEGIN $name -->"
  echo '```mermaid'
  "$lxwsk" trace mermaid "$trace" "$@"
  echo '```'
  echo "<!-- END $name -->"
}

pair tcp_pair.py "$tmp/tcp.jsonl"
pair udp_pair.py "$tmp/udp.jsonl"
traced "$tmp/nonblocking.jsonl" python3 "$data/nonblocking_errors.py"

{
  block tcp-lifecycle "$tmp/tcp.jsonl" --process-names=server,client
  block udp-exchange "$tmp/udp.jsonl" --process-names=server,client
  block nonblocking-and-errors "$tmp/nonblocking.jsonl"
} >"$tmp/blocks.md"

if [ "${2:-}" != "--update" ]; then
  cat "$tmp/blocks.md"
  exit 0
fi
python3 - "$doc" "$tmp/blocks.md" <<'EOF'
import re, sys
doc_path, blocks_path = sys.argv[1], sys.argv[2]
doc = open(doc_path).read()
blocks = open(blocks_path).read()
pat = re.compile(r"<!-- BEGIN (\S+) -->\n.*?<!-- END \1 -->\n", re.S)
new = {m.group(1): m.group(0) for m in pat.finditer(blocks)}
missing = [n for n in new if f"<!-- BEGIN {n} -->" not in doc]
if missing:
    sys.exit(f"{doc_path}: no place for block(s) {', '.join(missing)}")
doc = pat.sub(lambda m: new.get(m.group(1), m.group(0)), doc)
open(doc_path, "w").write(doc)
print(f"updated {len(new)} diagrams in {doc_path}")
EOF
