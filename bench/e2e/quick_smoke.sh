#!/usr/bin/env bash
# ctest bench_quick_smoke: bench/run --quick into a temporary directory,
# then check that the JSON parses and holds every configuration bench/run
# could run here, each with at least one figure. No timing is asserted:
# this only keeps the benchmarks from rotting.
#
#   quick_smoke.sh BENCH_RUN BUILD_DIR
set -euo pipefail
run=${1:?usage: quick_smoke.sh BENCH_RUN BUILD_DIR}
build=${2:?usage: quick_smoke.sh BENCH_RUN BUILD_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lxwsk-bench-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$run" --quick --build "$build" --out "$tmp/results.json"

python3 - "$tmp/results.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
expected = ["native", "lxwsk", "lxwsk-trace", "sw-pass", "sw-active"]
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
for cfg in ("native", "lxwsk"):
    # These two must run every benchmark: a failure there is a regression.
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
