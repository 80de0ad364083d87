#include "pending.h"

#include <memory>
#include <vector>

namespace wsk {
namespace {

struct ParkedOp {
  HostStack* host;
  HostHandle handle;
  HostWait what;
  PIRP irp;
  Attempt retry;
};

void CancelParked(void*, PIRP irp) {
  // The parked op is freed by its wait callback, which will find the cancel
  // routine gone.
  IoCompleteRequest(irp, STATUS_CANCELLED, 0);
}

void Arm(ParkedOp* op);

void OnReady(ParkedOp* op, NTSTATUS wait_status) {
  // Take ownership of the IRP before touching the host: a cancel that won
  // the race already completed it.
  if (IoSetCancelRoutine(op->irp, nullptr) == nullptr) {
    delete op;
    return;
  }
  if (!NT_SUCCESS(wait_status)) {
    IoCompleteRequest(op->irp, STATUS_CANCELLED, 0);
    delete op;
    return;
  }
  HostResult r = op->retry();
  if (r.status == STATUS_DEVICE_NOT_READY) {
    IoSetCancelRoutine(op->irp, CancelParked);
    // A cancel requested while we held the IRP found no routine to call.
    if (op->irp->Cancel.load(std::memory_order_acquire) &&
        IoSetCancelRoutine(op->irp, nullptr) != nullptr) {
      IoCompleteRequest(op->irp, STATUS_CANCELLED, 0);
      delete op;
      return;
    }
    Arm(op);
    return;
  }
  IoCompleteRequest(op->irp, r.status, r.information);
  delete op;
}

void Arm(ParkedOp* op) {
  op->host->AsyncWait(op->handle, op->what,
                      [op](NTSTATUS st) { OnReady(op, st); });
}

}  // namespace

NTSTATUS PendOrComplete(HostStack& host, const ModelSocket* s, PIRP irp,
                        HostWait what, bool dont_wait, HostResult first,
                        Attempt retry) {
  if (s->inline_mode || dont_wait || first.status != STATUS_DEVICE_NOT_READY) {
    return CompleteNow(irp, first.status, first.information);
  }
  irp->PendingReturned = true;
  auto* op = new ParkedOp{&host, irp->RequestorHandle >= 0
                                     ? irp->RequestorHandle
                                     : s->handle,
                          what, irp, std::move(retry)};
  irp->DriverContext = op;
  IoSetCancelRoutine(irp, CancelParked);
  if (irp->Cancel.load(std::memory_order_acquire) &&
      IoSetCancelRoutine(irp, nullptr) != nullptr) {
    delete op;
    IoCompleteRequest(irp, STATUS_CANCELLED, 0);
    return STATUS_PENDING;
  }
  Arm(op);
  return STATUS_PENDING;
}

// ---- Event callbacks ----
// Receive indications peek at the host's receive queue, so the host buffer
// plays the transport's buffer: bytes the client accepts are then consumed;
// STATUS_DATA_NOT_ACCEPTED leaves them for a later WskReceive.

namespace {
constexpr size_t kIndicationBytes = 64 * 1024;

void AcceptReady(Provider* p, ModelSocket* s, NTSTATUS st) {
  if (!NT_SUCCESS(st) || (s->event_mask.load() & WSK_EVENT_ACCEPT) == 0) {
    return;
  }
  const auto* stream_dispatch =
      static_cast<const WSK_CLIENT_STREAM_DISPATCH*>(s->client_dispatch);
  const WSK_CLIENT_LISTEN_DISPATCH* listen =
      s->category == WSK_FLAG_STREAM_SOCKET
          ? (stream_dispatch ? stream_dispatch->Listen : nullptr)
          : static_cast<const WSK_CLIENT_LISTEN_DISPATCH*>(s->client_dispatch);
  for (int i = 0; i < 64; ++i) {  // bounded batch, then yield the thread
    IRP irp;
    IoReuseIrp(&irp);
    SOCKADDR_IN6 remote{}, local{};
    // Accept inline on this thread; a would-block ends the batch.
    HostResult r = p->host().Accept(s->handle, reinterpret_cast<PSOCKADDR>(&remote),
                                    WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC);
    if (!NT_SUCCESS(r.status)) break;
    auto nh = static_cast<HostHandle>(r.information);
    p->host().GetLocalAddress(nh, reinterpret_cast<PSOCKADDR>(&local));
    IRP adopt;
    IoReuseIrp(&adopt);
    p->WskLxAdoptSocket(s->client, nh, s->family, s->type, s->protocol,
                        WSK_FLAG_CONNECTION_SOCKET, &adopt);
    auto* a = reinterpret_cast<ModelSocket*>(adopt.IoStatus.Information);
    void* ctx = nullptr;
    const void* disp = nullptr;
    NTSTATUS verdict = STATUS_REQUEST_NOT_ACCEPTED;
    if (listen != nullptr && listen->WskAcceptEvent != nullptr) {
      verdict = listen->WskAcceptEvent(
          s->context, 0, reinterpret_cast<PSOCKADDR>(&local),
          reinterpret_cast<PSOCKADDR>(&remote), &a->wsk, &ctx, &disp);
    }
    if (verdict != STATUS_SUCCESS) {
      IRP close;
      IoReuseIrp(&close);
      p->WskCloseSocket(&a->wsk, &close);
      continue;
    }
    a->context = ctx;
    a->client_dispatch = disp;
    // Connection events enabled on the listener carry over to sockets
    // accepted through WskAcceptEvent (MS Learn).
    ULONG carry = s->event_mask.load() &
                  (WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG);
    if (carry != 0) {
      WSK_EVENT_CALLBACK_CONTROL ctl{&NPI_WSK_INTERFACE_ID, carry};
      p->WskControlSocket(&a->wsk, WskSetOption, SO_WSK_EVENT_CALLBACK,
                          WS_SOL_SOCKET, sizeof(ctl), &ctl, 0, nullptr,
                          nullptr, nullptr);
    }
  }
  ArmAcceptEvent(*p, s);
}

void ReceiveReady(Provider* p, ModelSocket* s, NTSTATUS st) {
  const ULONG mask = s->event_mask.load();
  if (!NT_SUCCESS(st) ||
      (mask & (WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT)) == 0) {
    return;
  }
  const auto* d =
      static_cast<const WSK_CLIENT_CONNECTION_DISPATCH*>(s->client_dispatch);
  std::vector<char> data(kIndicationBytes);
  MDL mdl{nullptr, data.data(), 0, static_cast<ULONG>(data.size())};
  WSK_BUF buf{&mdl, 0, data.size()};
  HostResult r = p->host().Receive(s->handle, buf,
                                   WSK_FLAG_LX_PEEK | WSK_FLAG_LX_DONTWAIT,
                                   nullptr, nullptr, nullptr, nullptr);
  if (r.status == STATUS_DEVICE_NOT_READY) {
    ArmReceiveEvent(*p, s);
    return;
  }
  if (!NT_SUCCESS(r.status) || r.information == 0) {
    // EOF is a graceful disconnect; an error is abortive.
    if ((mask & WSK_EVENT_DISCONNECT) != 0 && d && d->WskDisconnectEvent) {
      d->WskDisconnectEvent(s->context,
                            NT_SUCCESS(r.status) ? 0 : WSK_FLAG_ABORTIVE);
    }
    return;
  }
  if ((mask & WSK_EVENT_RECEIVE) == 0 || d == nullptr ||
      d->WskReceiveEvent == nullptr) {
    return;
  }
  mdl.ByteCount = static_cast<ULONG>(r.information);
  WSK_DATA_INDICATION ind{nullptr, {&mdl, 0, r.information}};
  SIZE_T accepted = 0;
  NTSTATUS verdict = d->WskReceiveEvent(s->context, WSK_FLAG_ENTIRE_MESSAGE,
                                        &ind, r.information, &accepted);
  if (verdict == STATUS_SUCCESS) {
    if (accepted == 0) accepted = r.information;
    // Consume what the client took (it already has the bytes).
    MDL sink{nullptr, data.data(), 0, static_cast<ULONG>(accepted)};
    WSK_BUF sb{&sink, 0, accepted};
    p->host().Receive(s->handle, sb, WSK_FLAG_LX_DONTWAIT, nullptr, nullptr,
                      nullptr, nullptr);
    ArmReceiveEvent(*p, s);
  }
  // STATUS_DATA_NOT_ACCEPTED: indications stop until the client receives.
}

void ReceiveFromReady(Provider* p, ModelSocket* s, NTSTATUS st) {
  if (!NT_SUCCESS(st) ||
      (s->event_mask.load() & WSK_EVENT_RECEIVE_FROM) == 0) {
    return;
  }
  const auto* d =
      static_cast<const WSK_CLIENT_DATAGRAM_DISPATCH*>(s->client_dispatch);
  std::vector<char> data(kIndicationBytes);
  MDL mdl{nullptr, data.data(), 0, static_cast<ULONG>(data.size())};
  WSK_BUF buf{&mdl, 0, data.size()};
  SOCKADDR_IN6 from{};
  HostResult r = p->host().Receive(s->handle, buf, WSK_FLAG_LX_DONTWAIT,
                                   reinterpret_cast<PSOCKADDR>(&from), nullptr,
                                   nullptr, nullptr);
  if (NT_SUCCESS(r.status) && d != nullptr && d->WskReceiveFromEvent) {
    mdl.ByteCount = static_cast<ULONG>(r.information);
    WSK_DATAGRAM_INDICATION ind{nullptr, {&mdl, 0, r.information}, nullptr, 0,
                                reinterpret_cast<PSOCKADDR>(&from)};
    d->WskReceiveFromEvent(s->context, 0, &ind);
  }
  ArmReceiveFromEvent(*p, s);
}

}  // namespace

void ArmAcceptEvent(Provider& p, ModelSocket* s) {
  Provider* pp = &p;
  p.host().AsyncWait(s->handle, HostWait::kReadable,
                     [pp, s](NTSTATUS st) { AcceptReady(pp, s, st); });
}

void ArmReceiveEvent(Provider& p, ModelSocket* s) {
  Provider* pp = &p;
  p.host().AsyncWait(s->handle, HostWait::kReadable,
                     [pp, s](NTSTATUS st) { ReceiveReady(pp, s, st); });
}

void ArmReceiveFromEvent(Provider& p, ModelSocket* s) {
  Provider* pp = &p;
  p.host().AsyncWait(s->handle, HostWait::kReadable,
                     [pp, s](NTSTATUS st) { ReceiveFromReady(pp, s, st); });
}

}  // namespace wsk
