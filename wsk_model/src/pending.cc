#include "pending.h"

#include <memory>
#include <mutex>
#include <vector>

namespace wsk {
namespace {

// A request parked until its host handle is ready. Two parties may touch
// it: the wait callback and the IRP's cancel routine. Its state, under `mu`,
// decides who completes the IRP; neither touches the IRP after the other
// completed it (the client may already be reusing it). Each party holds a
// reference; the cancel side's reference is dropped by whoever takes the
// cancel routine out of the IRP.
struct ParkedOp {
  enum class State { kParked, kRunning, kCancelled };
  HostStack* host;
  HostHandle handle;
  HostWait what;
  PIRP irp;
  Attempt retry;
  std::mutex mu;
  State state = State::kParked;
  int refs = 2;  // the wait and the cancel routine

  void Unref() {
    bool last;
    {
      std::lock_guard<std::mutex> lock(mu);
      last = --refs == 0;
    }
    if (last) delete this;
  }
};

void CancelParked(void*, PIRP irp) {
  auto* op = static_cast<ParkedOp*>(irp->DriverContext);
  bool complete = false;
  {
    std::lock_guard<std::mutex> lock(op->mu);
    if (op->state == ParkedOp::State::kParked) {
      op->state = ParkedOp::State::kCancelled;
      complete = true;
    }
  }
  if (complete) IoCompleteRequest(irp, STATUS_CANCELLED, 0);
  op->Unref();
}

void Arm(ParkedOp* op);

// Installs the cancel routine again for a request that goes on waiting.
// Returns false when a cancel arrived meanwhile (the request is then done).
bool Repark(ParkedOp* op) {
  {
    std::lock_guard<std::mutex> lock(op->mu);
    op->state = ParkedOp::State::kParked;
    ++op->refs;
  }
  IoSetCancelRoutine(op->irp, CancelParked);
  if (op->irp->Cancel.load(std::memory_order_acquire) &&
      IoSetCancelRoutine(op->irp, nullptr) != nullptr) {
    // The cancel routine will not run: complete here.
    {
      std::lock_guard<std::mutex> lock(op->mu);
      op->state = ParkedOp::State::kCancelled;
      --op->refs;
    }
    IoCompleteRequest(op->irp, STATUS_CANCELLED, 0);
    return false;
  }
  return true;
}

void OnReady(ParkedOp* op, NTSTATUS wait_status) {
  bool mine = false;
  {
    std::lock_guard<std::mutex> lock(op->mu);
    // Parked: the IRP is still ours to look at. Take the cancel routine
    // out; if IoCancelIrp already took it, that routine completes the IRP.
    if (op->state == ParkedOp::State::kParked &&
        IoSetCancelRoutine(op->irp, nullptr) != nullptr) {
      --op->refs;  // the cancel routine will never run
      op->state = ParkedOp::State::kRunning;
      mine = true;
    }
  }
  if (!mine) {
    op->Unref();
    return;
  }
  PIRP irp = op->irp;
  if (!NT_SUCCESS(wait_status)) {
    IoCompleteRequest(irp, STATUS_CANCELLED, 0);
    op->Unref();
    return;
  }
  HostResult r = op->retry();
  if (r.status == STATUS_DEVICE_NOT_READY) {
    if (Repark(op)) {
      Arm(op);
    } else {
      op->Unref();
    }
    return;
  }
  IoCompleteRequest(irp, r.status, r.information);
  op->Unref();
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
  auto* op = new ParkedOp{
      &host, irp->RequestorHandle >= 0 ? irp->RequestorHandle : s->handle, what,
      irp, std::move(retry)};
  irp->DriverContext = op;
  {
    std::lock_guard<std::mutex> lock(op->mu);
    --op->refs;  // Repark adds the cancel side's reference back
  }
  if (Repark(op)) {
    Arm(op);
  } else {
    op->Unref();
  }
  return STATUS_PENDING;
}

void CloseInBackground(Provider& p, PWSK_SOCKET socket) {
  // The close may pend: its IRP must outlive this call.
  PIRP irp = IoAllocateIrp();
  IoSetCompletionRoutine(
      irp,
      [](void*, PIRP done, void*) -> NTSTATUS {
        IoFreeIrp(done);
        return STATUS_MORE_PROCESSING_REQUIRED;
      },
      nullptr);
  p.WskCloseSocket(socket, irp);
}

const WSK_CLIENT_CONNECTION_DISPATCH* ConnectionEvents(const ModelSocket* s) {
  if (s->client_dispatch == nullptr) return nullptr;
  if (s->category == WSK_FLAG_STREAM_SOCKET) {
    return static_cast<const WSK_CLIENT_STREAM_DISPATCH*>(s->client_dispatch)
        ->Connect;
  }
  return static_cast<const WSK_CLIENT_CONNECTION_DISPATCH*>(s->client_dispatch);
}

// ---- Event callbacks ----
// Receive indications peek at the host's receive queue, so the host buffer
// plays the transport's buffer: bytes the client accepts are then consumed;
// a partial acceptance or STATUS_DATA_NOT_ACCEPTED stops indications until
// the client's next WskReceive completes (MS Learn PFN_WSK_RECEIVE_EVENT).

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
    SOCKADDR_IN6 remote{}, local{};
    HostResult r =
        p->host().Accept(s->handle, reinterpret_cast<PSOCKADDR>(&remote),
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
      CloseInBackground(*p, &a->wsk);  // "the provider closes it"
      continue;
    }
    a->context = ctx;
    a->client_dispatch = disp;
    // Connection events enabled on the listener carry over to sockets
    // accepted through WskAcceptEvent (MS Learn).
    ULONG carry =
        s->event_mask.load() &
        (WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG);
    if (carry != 0) {
      WSK_EVENT_CALLBACK_CONTROL ctl{&NPI_WSK_INTERFACE_ID, carry};
      p->WskControlSocket(&a->wsk, WskSetOption, SO_WSK_EVENT_CALLBACK,
                          WS_SOL_SOCKET, sizeof(ctl), &ctl, 0, nullptr, nullptr,
                          nullptr);
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
  const WSK_CLIENT_CONNECTION_DISPATCH* d = ConnectionEvents(s);
  std::vector<char> data(kIndicationBytes);
  MDL mdl{nullptr, data.data(), static_cast<ULONG>(data.size()), 0};
  WSK_BUF buf{&mdl, 0, data.size()};
  HostResult r =
      p->host().Receive(s->handle, buf, WSK_FLAG_LX_PEEK | WSK_FLAG_LX_DONTWAIT,
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
  if (verdict != STATUS_SUCCESS) {
    s->receive_paused.store(true);  // STATUS_DATA_NOT_ACCEPTED
    return;
  }
  if (accepted == 0) accepted = r.information;
  if (accepted > r.information) accepted = r.information;
  // Consume what the client took (it already has the bytes).
  MDL sink{nullptr, data.data(), static_cast<ULONG>(accepted), 0};
  WSK_BUF sb{&sink, 0, accepted};
  p->host().Receive(s->handle, sb, WSK_FLAG_LX_DONTWAIT, nullptr, nullptr,
                    nullptr, nullptr);
  if (accepted < r.information) {
    s->receive_paused.store(true);  // partial: wait for a WskReceive
    return;
  }
  ArmReceiveEvent(*p, s);
}

void ReceiveFromReady(Provider* p, ModelSocket* s, NTSTATUS st) {
  if (!NT_SUCCESS(st) || (s->event_mask.load() & WSK_EVENT_RECEIVE_FROM) == 0) {
    return;
  }
  const auto* d =
      static_cast<const WSK_CLIENT_DATAGRAM_DISPATCH*>(s->client_dispatch);
  std::vector<char> data(kIndicationBytes);
  MDL mdl{nullptr, data.data(), static_cast<ULONG>(data.size()), 0};
  WSK_BUF buf{&mdl, 0, data.size()};
  SOCKADDR_IN6 from{};
  HostResult r = p->host().Receive(s->handle, buf, WSK_FLAG_LX_DONTWAIT,
                                   reinterpret_cast<PSOCKADDR>(&from), nullptr,
                                   nullptr, nullptr);
  if (NT_SUCCESS(r.status) && d != nullptr && d->WskReceiveFromEvent) {
    mdl.ByteCount = static_cast<ULONG>(r.information);
    WSK_DATAGRAM_INDICATION ind{nullptr,
                                {&mdl, 0, r.information},
                                nullptr,
                                0,
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

void ResumeIndications(Provider& p, ModelSocket* s) {
  if (s->receive_paused.exchange(false) &&
      (s->event_mask.load() & (WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT)) !=
          0) {
    ArmReceiveEvent(p, s);
  }
}

}  // namespace wsk
