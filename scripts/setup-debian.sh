#!/usr/bin/env bash
# Installs what lxwsk needs to build, test and benchmark on Debian 12.
# Idempotent; run as root (or with sudo available).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
pkgs=(
  g++ cmake ninja-build pkg-config
  libabsl-dev libboost-dev libgtest-dev libgmock-dev libbenchmark-dev
  # end-to-end tests and demo: real programs from Debian packages
  nginx-light curl socat redis-server redis-tools python3 iproute2 strace
  # benchmarks
  sockperf iperf3 libsocket-wrapper valgrind gnuplot-nox
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The packages start system services we do not want listening during tests.
for svc in nginx redis-server; do
  $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
