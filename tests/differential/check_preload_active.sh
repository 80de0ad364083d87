#!/usr/bin/env bash
# Proves that liblxwsk.so is really in the data path, by what the kernel
# sees: the library sends through its own sendto with MSG_NOSIGNAL added to
# every host send (PosixHostStack::Send), while glibc's send(fd, p, n, 0)
# reaches the kernel with flags 0.
#
#   check_preload_active.sh STRACE LIBRARY PROBE [LXWSK]
#
# 1. native, under strace: the probe's sendto must carry flags 0 (this
#    proves the check can tell the two apart);
# 2. LD_PRELOAD=LIBRARY: the same sendto must carry MSG_NOSIGNAL;
# 3. with LXWSK given, `LXWSK run --library=LIBRARY -- PROBE` as well.
set -u
if [[ $# -lt 3 ]]; then
  echo "usage: $0 STRACE LIBRARY PROBE [LXWSK]" >&2
  exit 2
fi
strace=$1 lib=$2 probe=$3 tool=${4:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/lxwsk-probe.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The probe's payload identifies its send among any others.
pattern='sendto\([0-9]+, "lxwsk-probe", 11, '

trace() {  # trace NAME CMD...
  local name=$1
  shift
  timeout --signal=KILL 30 "$strace" -f -qq -e trace=sendto -s 32 \
    -o "$work/$name.trace" "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null
  local rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: $name run exited $rc"
    cat "$work/$name.out" "$work/$name.err"
    [[ -f $work/$name.trace ]] && cat "$work/$name.trace"
    return 1
  fi
  grep -E "$pattern" "$work/$name.trace" >"$work/$name.lines"
  if [[ ! -s $work/$name.lines ]]; then
    echo "FAIL: $name: no sendto of the probe payload in the trace"
    cat "$work/$name.trace"
    return 1
  fi
  echo "$name: $(cat "$work/$name.lines")"
}

status=0
if trace native env -u LD_PRELOAD -u LXWSK_DISABLE DIFFTEST_MODE=native "$probe"; then
  if ! grep -qE "${pattern}0, NULL, 0\)" "$work/native.lines"; then
    echo "FAIL: native send did not reach the kernel with flags 0"
    status=1
  fi
else
  status=1
fi

if trace preload env -u LXWSK_DISABLE DIFFTEST_MODE=preload LD_PRELOAD="$lib" "$probe"; then
  if ! grep -qE "${pattern}MSG_NOSIGNAL" "$work/preload.lines"; then
    echo "FAIL: with LD_PRELOAD=$lib the send did not go through liblxwsk" \
      "(no MSG_NOSIGNAL on the host sendto)"
    status=1
  fi
else
  status=1
fi

if [[ -n $tool ]]; then
  if trace tool env -u LD_PRELOAD -u LXWSK_DISABLE DIFFTEST_MODE=preload "$tool" run \
    --library="$lib" -- "$probe"; then
    if ! grep -qE "${pattern}MSG_NOSIGNAL" "$work/tool.lines"; then
      echo "FAIL: under '$tool run' the send did not go through liblxwsk"
      status=1
    fi
  else
    status=1
  fi
fi

[[ $status -eq 0 ]] && echo "PASS: the preload is in the data path"
exit $status
