#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs every test: unit,
# differential (native vs preload), end-to-end and example tests; then the unit tests again in
# a separate AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/build.sh build
ctest --test-dir build -j"$(nproc)" --output-on-failure --timeout 300
scripts/build.sh build-asan -DLXWSK_SANITIZE=ON -DLXWSK_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan -L "unit|example" -j"$(nproc)" --output-on-failure --timeout 300
