// Shared set-up for the dispatch and syscalls benchmarks: a real
// wsk::Provider over the do-nothing FakeHostStack, attached through the
// WSK registration calls exactly as lx::DefaultBinding attaches the shim
// (WskRegister with an explicit provider, then WskCaptureProviderNPI).
#ifndef LXWSK_BENCH_MICRO_HARNESS_H_
#define LXWSK_BENCH_MICRO_HARNESS_H_

#include <cstdio>
#include <cstdlib>

#include "fake_host_stack.h"
#include "lx/syscalls.h"
#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace bench {

struct Harness {
  wsk::test::FakeHostStack host;
  wsk::Provider provider{host};
  wsk::WSK_CLIENT_DISPATCH client_dispatch{wsk::MAKE_WSK_VERSION(1, 0), 0,
                                           nullptr};
  wsk::WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
  wsk::WSK_REGISTRATION registration{};
  wsk::WSK_PROVIDER_NPI provider_npi{};

  Harness() {
    if (wsk::WskRegister(&npi, &registration, &provider) !=
            wsk::STATUS_SUCCESS ||
        wsk::WskCaptureProviderNPI(&registration, wsk::WSK_NO_WAIT,
                                   &provider_npi) != wsk::STATUS_SUCCESS) {
      std::fprintf(stderr, "bench: WSK registration failed\n");
      std::abort();
    }
  }
  // Not deregistered: WskDeregister waits for every socket to close, and
  // the benchmarks' sockets live as long as the process.
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  lx::WskBinding binding() const {
    return lx::WskBinding{provider_npi.Dispatch, provider_npi.Client};
  }

  // A provider socket made through WskSocket, inline as the shim makes them.
  wsk::PWSK_SOCKET NewWskSocket(wsk::ADDRESS_FAMILY family, wsk::USHORT type,
                                wsk::ULONG protocol, wsk::ULONG category) {
    wsk::IRP irp;
    wsk::IoReuseIrp(&irp);
    provider_npi.Dispatch->WskSocket(
        provider_npi.Client, family, type, protocol,
        category | wsk::WSK_FLAG_LX_INLINE, nullptr, nullptr, nullptr, nullptr,
        nullptr, &irp);
    if (irp.IoStatus.Status != wsk::STATUS_SUCCESS) {
      std::fprintf(stderr, "bench: WskSocket failed: 0x%08X\n",
                   static_cast<unsigned>(irp.IoStatus.Status));
      std::abort();
    }
    return reinterpret_cast<wsk::PWSK_SOCKET>(irp.IoStatus.Information);
  }

  // An lx::LxSocket made through lx::Socket, as the shim's socket() does.
  // Returns the (fake) fd; *out receives the object.
  long NewLxSocket(int domain, int type, int protocol, lx::LxSocket** out) {
    long fd = lx::Socket(binding(), domain, type, protocol, out);
    if (fd < 0) {
      std::fprintf(stderr, "bench: lx::Socket failed: %ld\n", fd);
      std::abort();
    }
    return fd;
  }
};

// One per process: the provider must outlive every socket.
inline Harness& GetHarness() {
  static Harness* h = new Harness;
  return *h;
}

}  // namespace bench

#endif  // LXWSK_BENCH_MICRO_HARNESS_H_
