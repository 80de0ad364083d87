#!/usr/bin/env bash
# ctest bench_quick_smoke: bench/run --quick into a temporary directory,
# with one extra configuration through --lib (libpassthru.so, which only
# forwards), then check that the JSON parses and holds every configuration
# bench/run could run here, each with at least one figure; and that a bad
# --lib is refused with a one-line error before anything runs. No timing
# is asserted: this only keeps the benchmarks from rotting.
#
#   quick_smoke.sh BENCH_RUN BUILD_DIR
set -euo pipefail
run=${1:?usage: quick_smoke.sh BENCH_RUN BUILD_DIR}
build=${2:?usage: quick_smoke.sh BENCH_RUN BUILD_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lxwsk-bench-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if err=$("$run" --quick --build "$build" --out "$tmp/bad.json" --lib "bad name=/nonexistent" 2>&1); then
  echo "bench_quick_smoke: --lib with a bad name was accepted"
  exit 1
fi
case $err in
  *"--lib: NAME=PATH"*) ;;
  *) echo "bench_quick_smoke: unexpected --lib error: $err"; exit 1 ;;
esac
if err=$("$run" --quick --build "$build" --out "$tmp/bad.json" --lib "x=$tmp/nonexistent.so" 2>&1); then
  echo "bench_quick_smoke: --lib with a missing file was accepted"
  exit 1
fi
case $err in
  *"--lib: no such file"*) ;;
  *) echo "bench_quick_smoke: unexpected --lib error: $err"; exit 1 ;;
esac
# A file that is not a library: ld.so would only warn and run natively.
echo "not a library" >"$tmp/not_a_library.so"
if err=$("$run" --quick --build "$build" --out "$tmp/bad.json" --lib "x=$tmp/not_a_library.so" 2>&1); then
  echo "bench_quick_smoke: --lib with a file that does not preload was accepted"
  exit 1
fi
case $err in
  *"does not preload"*) ;;
  *) echo "bench_quick_smoke: unexpected --lib error: $err"; exit 1 ;;
esac
[ ! -e "$tmp/bad.json" ] || { echo "bench_quick_smoke: a refused --lib still ran"; exit 1; }

"$run" --quick --build "$build" --out "$tmp/results.json" \
  --lib "passthru=$build/bench/e2e/libpassthru.so"

python3 - "$tmp/results.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
expected = ["native", "lxwsk", "lxwsk-trace", "sw-pass", "sw-active", "passthru"]
# bench/run leaves a configuration out only with a note saying why (e.g.
# `lxwsk run` without --trace); anything else missing is a failure.
skipped = [c for c in expected if any(n.startswith(c + " skipped") for n in doc["notes"])]
problems = []
for cfg in expected:
    if cfg in skipped:
        continue
    if cfg not in doc["configs"]:
        problems.append("configuration %s missing" % cfg)
        continue
    measured = [m for m, v in doc["metrics"].items() if v["configs"].get(cfg)]
    if not measured:
        problems.append("configuration %s has no figures" % cfg)
for cfg in ("native", "lxwsk", "passthru"):
    # These must run every benchmark: a failure there is a regression (for
    # passthru, of --lib's plumbing: it only forwards to glibc).
    fails = doc["not_applicable"].get(cfg)
    if fails:
        problems.append("%s failed: %s" % (cfg, fails))
for m, v in doc["metrics"].items():
    e = v["configs"].get("native")
    if e is None or not e["median"] > 0:
        problems.append("no native figure for %s" % m)
if problems:
    print("bench_quick_smoke: " + "; ".join(problems))
    sys.exit(1)
print("bench_quick_smoke: ok: %d metrics x %s (skipped: %s)"
      % (len(doc["metrics"]), ",".join(doc["configs"]), ",".join(skipped) or "none"))
EOF
