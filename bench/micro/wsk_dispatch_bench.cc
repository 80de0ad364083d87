// WSK layer: one request through the provider's dispatch table with an IRP
// completed inline, over a host stack that does nothing. This is the cost
// the model adds per call (virtual dispatch, handle selection, IRP
// completion), separated from the syscalls layer above and the kernel below.
#include <cstdint>

#include "benchmark/benchmark.h"
#include "harness.h"
#include "wsk/irp.h"
#include "wsk/wsk.h"

namespace {

using bench::GetHarness;

// A socket's dispatch, as a client reads it from WSK_SOCKET::Dispatch.
wsk::WskProviderConnectionDispatch* Connection(wsk::PWSK_SOCKET s) {
  return static_cast<wsk::WskProviderConnectionDispatch*>(
      const_cast<void*>(s->Dispatch));
}
wsk::WskProviderDatagramDispatch* Datagram(wsk::PWSK_SOCKET s) {
  return static_cast<wsk::WskProviderDatagramDispatch*>(
      const_cast<void*>(s->Dispatch));
}

// The IRP handling the shim does on every call: reuse a stack IRP with the
// requestor handle, dispatch, read IoStatus.
void BM_IrpReuseOnly(benchmark::State& state) {
  wsk::IRP irp;
  for (auto _ : state) {
    wsk::IoReuseIrp(&irp, 5);
    wsk::IoCompleteRequest(&irp, wsk::STATUS_SUCCESS, 1);
    benchmark::DoNotOptimize(irp.IoStatus);
  }
}
BENCHMARK(BM_IrpReuseOnly);

void BM_WskSend_Stream(benchmark::State& state) {
  wsk::PWSK_SOCKET s = GetHarness().NewWskSocket(
      wsk::WS_AF_INET, wsk::WS_SOCK_STREAM, wsk::WS_IPPROTO_TCP,
      wsk::WSK_FLAG_STREAM_SOCKET);
  char byte = 'x';
  wsk::MDL mdl{nullptr, &byte, 1, 0};
  wsk::WSK_BUF buf{&mdl, 0, 1};
  wsk::IRP irp;
  auto* d = Connection(s);
  for (auto _ : state) {
    wsk::IoReuseIrp(&irp, 5);
    wsk::NTSTATUS st = d->WskSend(s, &buf, 0, &irp);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(irp.IoStatus.Information);
  }
}
BENCHMARK(BM_WskSend_Stream);

void BM_WskReceive_Stream(benchmark::State& state) {
  wsk::PWSK_SOCKET s = GetHarness().NewWskSocket(
      wsk::WS_AF_INET, wsk::WS_SOCK_STREAM, wsk::WS_IPPROTO_TCP,
      wsk::WSK_FLAG_STREAM_SOCKET);
  char byte;
  wsk::MDL mdl{nullptr, &byte, 1, 0};
  wsk::WSK_BUF buf{&mdl, 0, 1};
  wsk::IRP irp;
  auto* d = Connection(s);
  for (auto _ : state) {
    wsk::IoReuseIrp(&irp, 5);
    wsk::NTSTATUS st = d->WskReceive(s, &buf, 0, &irp);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(irp.IoStatus.Information);
  }
}
BENCHMARK(BM_WskReceive_Stream);

// Connected datagram socket: no remote address, as send() on connected UDP.
void BM_WskSendTo_Datagram(benchmark::State& state) {
  wsk::PWSK_SOCKET s = GetHarness().NewWskSocket(
      wsk::WS_AF_INET, wsk::WS_SOCK_DGRAM, wsk::WS_IPPROTO_UDP,
      wsk::WSK_FLAG_DATAGRAM_SOCKET);
  char byte = 'x';
  wsk::MDL mdl{nullptr, &byte, 1, 0};
  wsk::WSK_BUF buf{&mdl, 0, 1};
  wsk::IRP irp;
  auto* d = Datagram(s);
  for (auto _ : state) {
    wsk::IoReuseIrp(&irp, 5);
    wsk::NTSTATUS st = d->WskSendTo(s, &buf, 0, nullptr, 0, nullptr, &irp);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(irp.IoStatus.Information);
  }
}
BENCHMARK(BM_WskSendTo_Datagram);

void BM_WskReceiveFrom_Datagram(benchmark::State& state) {
  wsk::PWSK_SOCKET s = GetHarness().NewWskSocket(
      wsk::WS_AF_INET, wsk::WS_SOCK_DGRAM, wsk::WS_IPPROTO_UDP,
      wsk::WSK_FLAG_DATAGRAM_SOCKET);
  char byte;
  wsk::MDL mdl{nullptr, &byte, 1, 0};
  wsk::WSK_BUF buf{&mdl, 0, 1};
  wsk::SOCKADDR_STORAGE from;
  wsk::IRP irp;
  auto* d = Datagram(s);
  for (auto _ : state) {
    wsk::IoReuseIrp(&irp, 5);
    wsk::NTSTATUS st =
        d->WskReceiveFrom(s, &buf, 0, reinterpret_cast<wsk::PSOCKADDR>(&from),
                          nullptr, nullptr, nullptr, &irp);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(irp.IoStatus.Information);
  }
}
BENCHMARK(BM_WskReceiveFrom_Datagram);

// Socket creation and close through the provider (not on the data path;
// here for scale: it allocates).
void BM_WskSocketClose(benchmark::State& state) {
  auto& h = GetHarness();
  wsk::IRP irp;
  for (auto _ : state) {
    wsk::PWSK_SOCKET s =
        h.NewWskSocket(wsk::WS_AF_INET, wsk::WS_SOCK_STREAM,
                       wsk::WS_IPPROTO_TCP, wsk::WSK_FLAG_STREAM_SOCKET);
    wsk::IoReuseIrp(&irp);
    Connection(s)->WskCloseSocket(s, &irp);
    benchmark::DoNotOptimize(irp.IoStatus.Status);
  }
}
BENCHMARK(BM_WskSocketClose);

}  // namespace

BENCHMARK_MAIN();
