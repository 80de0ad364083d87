// A TCP echo server written against the WSK model the way a Windows driver
// author writes one against WSK (compare Microsoft's network/wsk/echosrv
// sample): register as a WSK client, capture the provider NPI, create a
// listen-category socket, bind it (which starts listening), accept with
// IRPs, and echo with receive/send IRPs whose completion routines chain the
// next request. Everything completes on the provider's I/O thread.
//
//   wsk_echo_server [--port=N] [--ipv6] [--connections=N]
//
// Prints "listening on PORT" once ready; exits after N connections closed
// (default: run until killed).
#include <arpa/inet.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "absl/synchronization/notification.h"
#include "wsk/wsk.h"

namespace {

using namespace wsk;  // NOLINT: reads like a WSK driver.

constexpr size_t kBufferSize = 16 * 1024;

struct Server {
  WSK_PROVIDER_NPI npi{};
  PWSK_SOCKET listen_socket = nullptr;
  std::atomic<int> closed{0};
  int max_connections = 0;
  absl::Notification done;
};
Server g_server;

// One accepted connection: its socket, one IRP reused for every request,
// and the buffer the IRPs' MDL describes.
struct Connection {
  PWSK_SOCKET socket = nullptr;
  PIRP irp = nullptr;
  MDL mdl{};
  WSK_BUF buf{};
  char data[kBufferSize];
};

const WskProviderConnectionDispatch* Dispatch(PWSK_SOCKET s) {
  return static_cast<const WskProviderConnectionDispatch*>(s->Dispatch);
}

void StartReceive(Connection* c);
void StartAccept(PIRP irp);

NTSTATUS OnClosed(void*, PIRP irp, void* context) {
  auto* c = static_cast<Connection*>(context);
  IoFreeIrp(irp);
  delete c;
  int n = g_server.closed.fetch_add(1) + 1;
  if (g_server.max_connections > 0 && n >= g_server.max_connections) {
    g_server.done.Notify();
  }
  return STATUS_MORE_PROCESSING_REQUIRED;
}

void Close(Connection* c) {
  IoReuseIrp(c->irp);
  IoSetCompletionRoutine(c->irp, OnClosed, c);
  const_cast<WskProviderConnectionDispatch*>(Dispatch(c->socket))
      ->WskCloseSocket(c->socket, c->irp);
}

NTSTATUS OnSent(void*, PIRP irp, void* context) {
  auto* c = static_cast<Connection*>(context);
  if (!NT_SUCCESS(irp->IoStatus.Status)) {
    Close(c);
  } else {
    StartReceive(c);
  }
  return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS OnReceived(void*, PIRP irp, void* context) {
  auto* c = static_cast<Connection*>(context);
  // A successful zero-byte receive is the peer's graceful disconnect.
  if (!NT_SUCCESS(irp->IoStatus.Status) || irp->IoStatus.Information == 0) {
    Close(c);
    return STATUS_MORE_PROCESSING_REQUIRED;
  }
  c->buf.Length = irp->IoStatus.Information;
  IoReuseIrp(c->irp);
  IoSetCompletionRoutine(c->irp, OnSent, c);
  const_cast<WskProviderConnectionDispatch*>(Dispatch(c->socket))
      ->WskSend(c->socket, &c->buf, 0, c->irp);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

void StartReceive(Connection* c) {
  c->buf = {&c->mdl, 0, kBufferSize};
  IoReuseIrp(c->irp);
  IoSetCompletionRoutine(c->irp, OnReceived, c);
  const_cast<WskProviderConnectionDispatch*>(Dispatch(c->socket))
      ->WskReceive(c->socket, &c->buf, 0, c->irp);
}

NTSTATUS OnAccepted(void*, PIRP irp, void*) {
  if (NT_SUCCESS(irp->IoStatus.Status)) {
    auto* c = new Connection;
    c->socket = reinterpret_cast<PWSK_SOCKET>(irp->IoStatus.Information);
    c->irp = IoAllocateIrp();
    c->mdl = {nullptr, c->data, static_cast<ULONG>(kBufferSize), 0};
    StartReceive(c);
  } else if (irp->IoStatus.Status == STATUS_CANCELLED) {
    IoFreeIrp(irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
  }
  StartAccept(irp);  // the same IRP accepts the next connection
  return STATUS_MORE_PROCESSING_REQUIRED;
}

void StartAccept(PIRP irp) {
  IoReuseIrp(irp);
  IoSetCompletionRoutine(irp, OnAccepted, nullptr);
  const_cast<WskProviderListenDispatch*>(
      static_cast<const WskProviderListenDispatch*>(
          g_server.listen_socket->Dispatch))
      ->WskAccept(g_server.listen_socket, 0, nullptr, nullptr, nullptr, nullptr,
                  irp);
}

// For setup steps: wait for an IRP like KeWaitForSingleObject on an event
// set by the completion routine.
NTSTATUS SignalEvent(void*, PIRP, void* context) {
  static_cast<absl::Notification*>(context)->Notify();
  return STATUS_MORE_PROCESSING_REQUIRED;
}
NTSTATUS Wait(NTSTATUS returned, PIRP irp, absl::Notification* event) {
  if (returned == STATUS_PENDING) event->WaitForNotification();
  return irp->IoStatus.Status;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  bool ipv6 = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind("--port=", 0) == 0) {
      port = atoi(argv[i] + 7);
    } else if (a == "--ipv6") {
      ipv6 = true;
    } else if (a.rfind("--connections=", 0) == 0) {
      g_server.max_connections = atoi(argv[i] + 14);
    } else {
      fprintf(stderr, "usage: %s [--port=N] [--ipv6] [--connections=N]\n",
              argv[0]);
      return 2;
    }
  }

  static const WSK_CLIENT_DISPATCH client_dispatch{MAKE_WSK_VERSION(1, 0), 0,
                                                   nullptr};
  WSK_CLIENT_NPI client_npi{nullptr, &client_dispatch};
  WSK_REGISTRATION registration{};
  if (!NT_SUCCESS(WskRegister(&client_npi, &registration)) ||
      !NT_SUCCESS(WskCaptureProviderNPI(&registration, WSK_INFINITE_WAIT,
                                        &g_server.npi))) {
    fprintf(stderr, "wsk_echo_server: WSK registration failed\n");
    return 1;
  }

  PIRP irp = IoAllocateIrp();
  absl::Notification created;
  IoSetCompletionRoutine(irp, SignalEvent, &created);
  NTSTATUS st = Wait(g_server.npi.Dispatch->WskSocket(
                         g_server.npi.Client, ipv6 ? WS_AF_INET6 : WS_AF_INET,
                         WS_SOCK_STREAM, WS_IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET,
                         nullptr, nullptr, nullptr, nullptr, nullptr, irp),
                     irp, &created);
  if (!NT_SUCCESS(st)) {
    fprintf(stderr, "wsk_echo_server: WskSocket failed: 0x%08X\n",
            static_cast<unsigned>(st));
    return 1;
  }
  g_server.listen_socket =
      reinterpret_cast<PWSK_SOCKET>(irp->IoStatus.Information);
  auto* listen = const_cast<WskProviderListenDispatch*>(
      static_cast<const WskProviderListenDispatch*>(
          g_server.listen_socket->Dispatch));

  SOCKADDR_STORAGE local{};
  if (ipv6) {
    auto* a6 = reinterpret_cast<SOCKADDR_IN6*>(&local);
    a6->sin6_family = WS_AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    a6->sin6_addr.u_Byte[15] = 1;  // ::1
  } else {
    auto* a4 = reinterpret_cast<SOCKADDR_IN*>(&local);
    a4->sin_family = WS_AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    a4->sin_addr = {{127, 0, 0, 1}};
  }
  // Binding a listen-category socket also starts listening (MS Learn).
  absl::Notification bound;
  IoReuseIrp(irp);
  IoSetCompletionRoutine(irp, SignalEvent, &bound);
  st = Wait(listen->WskBind(g_server.listen_socket,
                            reinterpret_cast<PSOCKADDR>(&local), 0, irp),
            irp, &bound);
  if (!NT_SUCCESS(st)) {
    fprintf(stderr, "wsk_echo_server: WskBind failed: 0x%08X\n",
            static_cast<unsigned>(st));
    return 1;
  }
  absl::Notification named;
  IoReuseIrp(irp);
  IoSetCompletionRoutine(irp, SignalEvent, &named);
  Wait(listen->WskGetLocalAddress(g_server.listen_socket,
                                  reinterpret_cast<PSOCKADDR>(&local), irp),
       irp, &named);
  const auto* a4 = reinterpret_cast<const SOCKADDR_IN*>(&local);
  printf("listening on %d\n", ntohs(a4->sin_port));  // same offset in IN6
  fflush(stdout);

  StartAccept(irp);
  g_server.done.WaitForNotification();

  // Closing the listening socket cancels the pending accept IRP.
  PIRP close_irp = IoAllocateIrp();
  absl::Notification closed;
  IoSetCompletionRoutine(close_irp, SignalEvent, &closed);
  Wait(listen->WskCloseSocket(g_server.listen_socket, close_irp), close_irp,
       &closed);
  IoFreeIrp(close_irp);
  WskReleaseProviderNPI(&registration);
  WskDeregister(&registration);
  return 0;
}
