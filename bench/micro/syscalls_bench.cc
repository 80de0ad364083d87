// Syscalls layer: the full Linux send/recv path as the shim calls it
// (lx::SendTo / lx::RecvFrom on an LxSocket made by lx::Socket), down
// through the real WSK provider to a host stack that does nothing. What is
// left above this in a preloaded program is the shim's entry point and fd
// table lookup; what is below is the host adapter and the kernel.
#include <netinet/in.h>
#include <sys/socket.h>

#include "benchmark/benchmark.h"
#include "harness.h"
#include "lx/syscalls.h"

namespace {

using bench::GetHarness;

struct Sock {
  lx::LxSocket* s = nullptr;
  int fd = -1;
};

Sock Make(int domain, int type, int protocol) {
  Sock k;
  k.fd =
      static_cast<int>(GetHarness().NewLxSocket(domain, type, protocol, &k.s));
  return k;
}

void BM_SendTo_Tcp(benchmark::State& state) {
  Sock k = Make(AF_INET, SOCK_STREAM, 0);
  char byte = 'x';
  const int flags = static_cast<int>(state.range(0));
  for (auto _ : state) {
    long r = lx::SendTo(*k.s, k.fd, &byte, 1, flags, nullptr, 0);
    benchmark::DoNotOptimize(r);
  }
}
// 0: plain send(); MSG_NOSIGNAL: what servers typically pass.
BENCHMARK(BM_SendTo_Tcp)->ArgName("flags")->Arg(0)->Arg(MSG_NOSIGNAL);

void BM_RecvFrom_Tcp(benchmark::State& state) {
  Sock k = Make(AF_INET, SOCK_STREAM, 0);
  char byte;
  for (auto _ : state) {
    long r = lx::RecvFrom(*k.s, k.fd, &byte, 1, 0, nullptr, nullptr);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RecvFrom_Tcp);

// UDP, connected (send() with no address): the first send binds implicitly,
// later ones see the bound flag.
void BM_SendTo_UdpConnected(benchmark::State& state) {
  Sock k = Make(AF_INET, SOCK_DGRAM, 0);
  char byte = 'x';
  for (auto _ : state) {
    long r = lx::SendTo(*k.s, k.fd, &byte, 1, 0, nullptr, 0);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SendTo_UdpConnected);

// UDP sendto() with an address: adds the sockaddr translation.
void BM_SendTo_UdpAddress(benchmark::State& state) {
  Sock k = Make(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char byte = 'x';
  for (auto _ : state) {
    long r = lx::SendTo(*k.s, k.fd, &byte, 1, 0,
                        reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SendTo_UdpAddress);

void BM_RecvFrom_Udp(benchmark::State& state) {
  Sock k = Make(AF_INET, SOCK_DGRAM, 0);
  char byte;
  for (auto _ : state) {
    long r = lx::RecvFrom(*k.s, k.fd, &byte, 1, 0, nullptr, nullptr);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RecvFrom_Udp);

// recvfrom() asking for the source address: adds the write-back.
void BM_RecvFrom_UdpAddress(benchmark::State& state) {
  Sock k = Make(AF_INET, SOCK_DGRAM, 0);
  char byte;
  sockaddr_in from;
  for (auto _ : state) {
    socklen_t len = sizeof(from);
    long r = lx::RecvFrom(*k.s, k.fd, &byte, 1, 0,
                          reinterpret_cast<sockaddr*>(&from), &len);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(from);
  }
}
BENCHMARK(BM_RecvFrom_UdpAddress);

// socket() + close() through every layer (allocates; not the data path).
void BM_SocketClose(benchmark::State& state) {
  for (auto _ : state) {
    Sock k = Make(AF_INET, SOCK_STREAM, 0);
    if (lx::ReleaseRef(k.s)) {
      long r = lx::CloseSocket(k.s, k.fd);
      benchmark::DoNotOptimize(r);
    }
  }
}
BENCHMARK(BM_SocketClose);

}  // namespace

BENCHMARK_MAIN();
