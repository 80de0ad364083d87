// Translation layer: the Linux <-> Windows tables (syscalls/tables/) and the
// address rewrite at the syscall boundary. These run on every call that
// carries an option, flags, an address or an error, so they are measured
// alone here, without any WSK dispatch around them.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "address.h"  // syscalls/src: AddressIn (private to the syscalls layer)
#include "benchmark/benchmark.h"
#include "lx/socket_tables.h"
#include "lx/sockopt_table.h"
#include "lx/status_table.h"
#include "wsk/ntstatus.h"

namespace {

// ---- Socket options: (level, name) lookup ----

// A common option that has a Windows row (SO_RCVBUF -> WS_SO_RCVBUF).
void BM_FindLinuxSockopt_SoRcvbuf(benchmark::State& state) {
  int level = SOL_SOCKET, name = SO_RCVBUF;
  for (auto _ : state) {
    benchmark::DoNotOptimize(level);
    benchmark::DoNotOptimize(name);
    lx::SockoptRow row = lx::FindLinuxSockopt(level, name);
    benchmark::DoNotOptimize(row);
  }
}
BENCHMARK(BM_FindLinuxSockopt_SoRcvbuf);

void BM_FindLinuxSockopt_TcpNodelay(benchmark::State& state) {
  int level = IPPROTO_TCP, name = TCP_NODELAY;
  for (auto _ : state) {
    benchmark::DoNotOptimize(level);
    benchmark::DoNotOptimize(name);
    lx::SockoptRow row = lx::FindLinuxSockopt(level, name);
    benchmark::DoNotOptimize(row);
  }
}
BENCHMARK(BM_FindLinuxSockopt_TcpNodelay);

// An option with no row: the synthetic kLinuxOnly (tunnelled) answer.
void BM_FindLinuxSockopt_Unknown(benchmark::State& state) {
  int level = IPPROTO_TCP, name = 9999;
  for (auto _ : state) {
    benchmark::DoNotOptimize(level);
    benchmark::DoNotOptimize(name);
    lx::SockoptRow row = lx::FindLinuxSockopt(level, name);
    benchmark::DoNotOptimize(row);
  }
}
BENCHMARK(BM_FindLinuxSockopt_Unknown);

// ---- Socket options: value layout conversion (setsockopt direction) ----

void BM_LinuxToWsValue_Int(benchmark::State& state) {
  int in = 65536;
  unsigned char out[64];
  for (auto _ : state) {
    benchmark::DoNotOptimize(in);
    int n = lx::LinuxToWsValue(lx::OptKind::kSame, &in, sizeof(in), out,
                               sizeof(out));
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_LinuxToWsValue_Int);

// struct timeval -> DWORD milliseconds (SO_RCVTIMEO/SO_SNDTIMEO).
void BM_LinuxToWsValue_Timeval(benchmark::State& state) {
  timeval in{2, 500000};
  unsigned char out[64];
  for (auto _ : state) {
    benchmark::DoNotOptimize(in);
    int n = lx::LinuxToWsValue(lx::OptKind::kTimeval, &in, sizeof(in), out,
                               sizeof(out));
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_LinuxToWsValue_Timeval);

// struct linger {int,int} -> LINGER {u_short,u_short}.
void BM_LinuxToWsValue_Linger(benchmark::State& state) {
  linger in{1, 5};
  unsigned char out[64];
  for (auto _ : state) {
    benchmark::DoNotOptimize(in);
    int n = lx::LinuxToWsValue(lx::OptKind::kLinger, &in, sizeof(in), out,
                               sizeof(out));
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_LinuxToWsValue_Linger);

// ---- MSG_* flags (every send) ----

// The common case: no flags, which the inline wrapper short-cuts.
void BM_WskSendFlags_None(benchmark::State& state) {
  int flags = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(flags);
    benchmark::DoNotOptimize(lx::WskSendFlags(flags));
  }
}
BENCHMARK(BM_WskSendFlags_None);

// Flags present: the byte-wise table lookup (MSG_NOSIGNAL is what most
// servers pass on every send).
void BM_WskSendFlags_Nosignal(benchmark::State& state) {
  int flags = MSG_NOSIGNAL;
  for (auto _ : state) {
    benchmark::DoNotOptimize(flags);
    benchmark::DoNotOptimize(lx::WskSendFlags(flags));
  }
}
BENCHMARK(BM_WskSendFlags_Nosignal);

void BM_WskSendFlags_Several(benchmark::State& state) {
  int flags = MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE;
  for (auto _ : state) {
    benchmark::DoNotOptimize(flags);
    benchmark::DoNotOptimize(lx::WskSendFlags(flags));
  }
}
BENCHMARK(BM_WskSendFlags_Several);

void BM_WskReceiveFlags_Peek(benchmark::State& state) {
  int flags = MSG_PEEK | MSG_DONTWAIT;
  for (auto _ : state) {
    benchmark::DoNotOptimize(flags);
    benchmark::DoNotOptimize(lx::WskReceiveFlags(flags));
  }
}
BENCHMARK(BM_WskReceiveFlags_Peek);

// ---- NTSTATUS -> errno (every failing call; success is short-cut above) ----

void BM_ErrnoFromStatus(benchmark::State& state) {
  // A mix the data path actually sees: would-block, reset, refused, pipe.
  const wsk::NTSTATUS statuses[] = {
      wsk::STATUS_DEVICE_NOT_READY, wsk::STATUS_CONNECTION_RESET,
      wsk::STATUS_CONNECTION_REFUSED, wsk::STATUS_PIPE_DISCONNECTED};
  size_t i = 0;
  for (auto _ : state) {
    wsk::NTSTATUS st = statuses[i++ & 3];
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(lx::ErrnoFromStatus(st));
  }
}
BENCHMARK(BM_ErrnoFromStatus);

// The reverse direction, as the host adapter runs it on every host error.
void BM_StatusFromErrno(benchmark::State& state) {
  const int errs[] = {EAGAIN, ECONNRESET, ECONNREFUSED, EPIPE};
  size_t i = 0;
  for (auto _ : state) {
    int e = errs[i++ & 3];
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(lx::StatusFromErrno(e));
  }
}
BENCHMARK(BM_StatusFromErrno);

// ---- Addresses: Linux sockaddr -> Windows SOCKADDR (connect/sendto/bind) --

void BM_AddressIn_Inet(benchmark::State& state) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(8080);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  wsk::SOCKADDR_STORAGE out;
  for (auto _ : state) {
    long r = lx::AddressIn(reinterpret_cast<const sockaddr*>(&a), sizeof(a),
                           lx::AddrUse::kSendTo, AF_INET, &out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_AddressIn_Inet);

void BM_AddressIn_Inet6(benchmark::State& state) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(8080);
  a.sin6_addr = in6addr_loopback;
  wsk::SOCKADDR_STORAGE out;
  for (auto _ : state) {
    long r = lx::AddressIn(reinterpret_cast<const sockaddr*>(&a), sizeof(a),
                           lx::AddrUse::kConnectStream, AF_INET6, &out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_AddressIn_Inet6);

// Windows -> Linux on the way out (recvfrom, getsockname).
void BM_AddressOut_Inet(benchmark::State& state) {
  wsk::SOCKADDR_IN ws{};
  ws.sin_family = wsk::WS_AF_INET;
  ws.sin_port = htons(8080);
  ws.sin_addr = {{127, 0, 0, 1}};
  sockaddr_in out;
  for (auto _ : state) {
    socklen_t len = sizeof(out);
    long r =
        lx::AddressOut(reinterpret_cast<const wsk::SOCKADDR*>(&ws), sizeof(ws),
                       reinterpret_cast<sockaddr*>(&out), &len);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_AddressOut_Inet);

}  // namespace

BENCHMARK_MAIN();
