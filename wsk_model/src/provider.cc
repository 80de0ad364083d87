// Provider dispatch and socket dispatch. Each function follows its MS Learn
// contract (shared/reference/wsk-api.md): the IRP is always completed; the
// return value is STATUS_PENDING or the status the IRP completed with.
#include "wsk/provider.h"

#include <cstring>

#include "pending.h"
#include "posix_data_path.h"
#include "wsk/lookaside.h"

namespace wsk {
namespace {

constexpr bool IsConnectionLike(ULONG c) {
  return c == WSK_FLAG_CONNECTION_SOCKET || c == WSK_FLAG_STREAM_SOCKET;
}

inline HostHandle HandleFor(const ModelSocket* s, PIRP irp) {
  return irp->RequestorHandle >= 0 ? irp->RequestorHandle : s->handle;
}

[[gnu::noinline, gnu::cold]] NTSTATUS CompleteHostError(PIRP irp, long r) {
  HostResult hr = host::PosixResult(r);
  return CompleteNow(irp, hr.status, hr.information);
}

// CompleteNow(irp, status, 0) out of line, for rare outcomes on the fast
// paths (a tail call there).
[[gnu::noinline, gnu::cold]] NTSTATUS CompleteCold(PIRP irp, NTSTATUS status) {
  return CompleteNow(irp, status, 0);
}

// For a request that succeeded: the routine may free the IRP, so the
// status returned is the one stored, not read back.
[[gnu::noinline, gnu::cold]] NTSTATUS RunCompletion(PIRP irp) {
  irp->CompletionRoutine(nullptr, irp, irp->CompletionContext);
  return STATUS_SUCCESS;
}

// Completes `irp` from a fast-form host result (bytes, or -errno): what
// CompleteNow(irp, PosixResult(r)) does, with its rare cases as tail calls.
[[gnu::always_inline]] inline NTSTATUS CompleteRaw(PIRP irp, long r) {
  if (r < 0) [[unlikely]]
    return CompleteHostError(irp, r);
  irp->IoStatus.Status = STATUS_SUCCESS;
  irp->IoStatus.Information = static_cast<uintptr_t>(r);
  if (irp->CompletionRoutine != nullptr) [[unlikely]]
    return RunCompletion(irp);  // STATUS_SUCCESS
  return STATUS_SUCCESS;
}

// CompleteRaw for an IRP the refusal test found without a routine.
[[gnu::always_inline]] inline NTSTATUS CompleteRawNoRoutine(PIRP irp, long r) {
  if (r < 0) [[unlikely]]
    return CompleteHostError(irp, r);
  irp->IoStatus.Status = STATUS_SUCCESS;
  irp->IoStatus.Information = static_cast<uintptr_t>(r);
  return STATUS_SUCCESS;
}

}  // namespace

const void* Provider::DispatchFor(ULONG category) const {
  switch (category) {
    case WSK_FLAG_BASIC_SOCKET:
      return static_cast<const WskProviderBasicDispatch*>(
          static_cast<const WskProviderListenDispatch*>(this));
    case WSK_FLAG_LISTEN_SOCKET:
      return static_cast<const WskProviderListenDispatch*>(this);
    case WSK_FLAG_DATAGRAM_SOCKET:
      return static_cast<const WskProviderDatagramDispatch*>(this);
    case WSK_FLAG_CONNECTION_SOCKET:
      return static_cast<const WskProviderConnectionDispatch*>(
          static_cast<const WskProviderStreamDispatch*>(this));
    case WSK_FLAG_STREAM_SOCKET:
      return static_cast<const WskProviderStreamDispatch*>(this);
    default:
      return nullptr;
  }
}

namespace {
// The provider's socket objects come from a lookaside list (no heap call per
// socket; lock-free, see wsk/lookaside.h). Constant-initialised: usable
// before main and from any thread.
constinit Lookaside<ModelSocket, 16384> g_model_sockets;
}  // namespace

void* ModelSocket::operator new(size_t size) noexcept {
  // A larger (derived) object: the heap, which Free recognises.
  return size <= sizeof(ModelSocket) ? g_model_sockets.Allocate()
                                     : malloc(size);
}
void ModelSocket::operator delete(void* p) noexcept { g_model_sockets.Free(p); }

ModelSocket* Provider::NewSocket(WSK_CLIENT* client, HostHandle h,
                                 ULONG category, ADDRESS_FAMILY family,
                                 USHORT type, ULONG protocol,
                                 bool inline_mode) {
  auto* s = new ModelSocket;
  if (s == nullptr) [[unlikely]]
    return nullptr;
  s->wsk.Dispatch = DispatchFor(category);
  s->wsk.LxHostHandle = inline_mode ? h : -1;
  s->client = client;
  s->provider = this;
  s->handle = h;
  s->category = category;
  s->family = family;
  s->type = type;
  s->protocol = protocol;
  s->inline_mode = inline_mode;
  s->fast_refuse.store(
      (inline_mode && posix_host_ ? 0 : ModelSocket::kRefuseGeneral) |
          (category == WSK_FLAG_DATAGRAM_SOCKET ? ModelSocket::kRefuseUnbound
                                                : 0),
      std::memory_order_relaxed);
  if (client != nullptr) client->open_sockets.fetch_add(1);
  return s;
}

void Provider::FreeSocket(ModelSocket* s) {
  if (s->client != nullptr) s->client->open_sockets.fetch_sub(1);
  delete s;
}

NTSTATUS Provider::WskSocket(PWSK_CLIENT Client, ADDRESS_FAMILY AddressFamily,
                             USHORT SocketType, ULONG Protocol, ULONG Flags,
                             void* SocketContext, const void* Dispatch,
                             void* /*OwningProcess*/, void* /*OwningThread*/,
                             void* /*SecurityDescriptor*/, PIRP Irp) {
  const ULONG category = Flags & WSK_SOCKET_CATEGORY_MASK;
  if (DispatchFor(category) == nullptr ||
      (Flags & ~(WSK_SOCKET_CATEGORY_MASK | WSK_FLAG_LX_INLINE |
                 WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC)) != 0) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  if (AddressFamily != WS_AF_INET && AddressFamily != WS_AF_INET6) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER_2, 0);
  }
  const bool stream_category = category == WSK_FLAG_LISTEN_SOCKET ||
                               category == WSK_FLAG_CONNECTION_SOCKET ||
                               category == WSK_FLAG_STREAM_SOCKET;
  if (stream_category && SocketType != WS_SOCK_STREAM) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER_3, 0);
  }
  const bool inline_mode = (Flags & WSK_FLAG_LX_INLINE) != 0;
  // Pending requests need a non-blocking host handle.
  ULONG host_flags = Flags & (WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC);
  if (!inline_mode) host_flags |= WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC;
  HostResult r = host_.Socket(AddressFamily, SocketType, Protocol, host_flags);
  if (!NT_SUCCESS(r.status)) return CompleteNow(Irp, r.status, 0);
  ModelSocket* s =
      NewSocket(Client, static_cast<HostHandle>(r.information), category,
                AddressFamily, SocketType, Protocol, inline_mode);
  if (s == nullptr) [[unlikely]] {
    host_.Close(static_cast<HostHandle>(r.information));
    return CompleteNow(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  }
  s->context = SocketContext;
  s->client_dispatch = Dispatch;
  return CompleteNow(Irp, STATUS_SUCCESS, reinterpret_cast<uintptr_t>(s));
}

NTSTATUS Provider::WskSocketConnect(
    PWSK_CLIENT Client, USHORT SocketType, ULONG Protocol,
    const SOCKADDR* LocalAddress, const SOCKADDR* RemoteAddress, ULONG Flags,
    void* SocketContext, const WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
    void* OwningProcess, void* OwningThread, void* SecurityDescriptor,
    PIRP Irp) {
  if (LocalAddress == nullptr || RemoteAddress == nullptr || Flags != 0 ||
      LocalAddress->sa_family != RemoteAddress->sa_family) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  // Create, bind and connect, each step a request of its own; the final
  // status is the caller's. A failed step closes the socket again.
  IRP step;
  IoReuseIrp(&step);
  NTSTATUS st =
      WskSocket(Client, LocalAddress->sa_family, SocketType, Protocol,
                WSK_FLAG_CONNECTION_SOCKET, SocketContext, Dispatch,
                OwningProcess, OwningThread, SecurityDescriptor, &step);
  if (!NT_SUCCESS(st)) return CompleteNow(Irp, st, 0);
  auto* sock = reinterpret_cast<PWSK_SOCKET>(step.IoStatus.Information);
  IoReuseIrp(&step);
  st = WskBind(sock, LocalAddress, 0, &step);
  if (NT_SUCCESS(st)) {
    ModelSocket* s = ToModel(sock);
    // Connect completes the caller's IRP; on success it carries the socket.
    HostHandle h = s->handle;
    NTSTATUS first = host_.Connect(h, RemoteAddress);
    HostResult r{first, 0};
    if (first == STATUS_DEVICE_NOT_READY) r.status = STATUS_DEVICE_NOT_READY;
    HostStack* host = &host_;
    Provider* self = this;
    auto retry = [host, self, h, sock]() -> HostResult {
      NTSTATUS res = host->ConnectResult(h);
      if (NT_SUCCESS(res)) return {res, reinterpret_cast<uintptr_t>(sock)};
      if (res != STATUS_DEVICE_NOT_READY) CloseInBackground(*self, sock);
      return {res, 0};
    };
    if (NT_SUCCESS(first)) r.information = reinterpret_cast<uintptr_t>(sock);
    if (!NT_SUCCESS(first) && first != STATUS_DEVICE_NOT_READY) {
      CloseInBackground(*this, sock);
      return CompleteNow(Irp, first, 0);
    }
    return PendOrComplete(host_, s, Irp, HostWait::kWritable, false, r, retry);
  }
  CloseInBackground(*this, sock);
  return CompleteNow(Irp, st, 0);
}

NTSTATUS Provider::WskControlClient(PWSK_CLIENT, ULONG ControlCode, SIZE_T,
                                    const void*, SIZE_T OutputSize,
                                    void* OutputBuffer,
                                    SIZE_T* OutputSizeReturned, PIRP Irp) {
  // WSK_TRANSPORT_LIST_QUERY (2): IPv4/IPv6 TCP and UDP transports.
  constexpr ULONG kTransportListQuery = 2;
  if (ControlCode != kTransportListQuery || Irp != nullptr) {
    if (Irp != nullptr) return CompleteNow(Irp, STATUS_NOT_SUPPORTED, 0);
    return STATUS_NOT_SUPPORTED;
  }
  struct WSK_TRANSPORT {
    USHORT Version;
    USHORT SocketType;
    ULONG Protocol;
    ADDRESS_FAMILY AddressFamily;
    uint8_t ProviderId[16];
  };
  const WSK_TRANSPORT list[] = {
      {MAKE_WSK_VERSION(1, 0), WS_SOCK_STREAM, WS_IPPROTO_TCP, WS_AF_INET, {}},
      {MAKE_WSK_VERSION(1, 0), WS_SOCK_DGRAM, WS_IPPROTO_UDP, WS_AF_INET, {}},
      {MAKE_WSK_VERSION(1, 0), WS_SOCK_STREAM, WS_IPPROTO_TCP, WS_AF_INET6, {}},
      {MAKE_WSK_VERSION(1, 0), WS_SOCK_DGRAM, WS_IPPROTO_UDP, WS_AF_INET6, {}},
  };
  if (OutputSizeReturned != nullptr) *OutputSizeReturned = sizeof(list);
  if (OutputSize < sizeof(list) || OutputBuffer == nullptr) {
    return STATUS_BUFFER_TOO_SMALL;
  }
  memcpy(OutputBuffer, list, sizeof(list));
  return STATUS_SUCCESS;
}

NTSTATUS Provider::WskLxAdoptSocket(PWSK_CLIENT Client, int HostHandle,
                                    ADDRESS_FAMILY AddressFamily,
                                    USHORT SocketType, ULONG Protocol,
                                    ULONG Flags, PIRP Irp) {
  const ULONG category = Flags & WSK_SOCKET_CATEGORY_MASK;
  if (DispatchFor(category) == nullptr || HostHandle < 0) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  ModelSocket* s =
      NewSocket(Client, HostHandle, category, AddressFamily, SocketType,
                Protocol, (Flags & WSK_FLAG_LX_INLINE) != 0);
  if (s == nullptr) [[unlikely]] {
    return CompleteNow(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  }
  // The host knows whether the inherited socket was bound.
  SOCKADDR_IN6 local{};
  HostResult r =
      host_.GetLocalAddress(HostHandle, reinterpret_cast<PSOCKADDR>(&local));
  if (NT_SUCCESS(r.status) && local.sin6_port != 0) s->MarkBound();
  return CompleteNow(Irp, STATUS_SUCCESS, reinterpret_cast<uintptr_t>(s));
}

NTSTATUS Provider::WskControlSocket(PWSK_SOCKET Socket,
                                    WSK_CONTROL_SOCKET_TYPE RequestType,
                                    ULONG ControlCode, ULONG Level,
                                    SIZE_T InputSize, const void* InputBuffer,
                                    SIZE_T OutputSize, void* OutputBuffer,
                                    SIZE_T* OutputSizeReturned, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  // The host-handle query every new preloaded socket makes (socket(),
  // accept()): answered before anything else is looked at.
  if (RequestType == WskGetOption && ControlCode == SO_LXWSK_HOST_HANDLE &&
      Level == WS_SOL_SOCKET && Irp != nullptr && OutputSize >= sizeof(int) &&
      OutputBuffer != nullptr) {
    memcpy(OutputBuffer, &s->handle, sizeof(int));
    if (OutputSizeReturned != nullptr) *OutputSizeReturned = sizeof(int);
    return CompleteNow(Irp, STATUS_SUCCESS, sizeof(int));
  }
  HostHandle h = Irp != nullptr ? HandleFor(s, Irp) : s->handle;
  HostResult r{STATUS_SUCCESS, 0};
  if (RequestType == WskSetOption && Level == WS_SOL_SOCKET &&
      ControlCode == SO_WSK_EVENT_CALLBACK) {
    // Enabling takes no IRP (MS Learn "SO_WSK_EVENT_CALLBACK").
    // Enabling takes no IRP; disabling may take one, completed once no
    // callback is in flight (ours run on the I/O thread and re-check the
    // mask, so that is at once).
    const auto* ctl =
        static_cast<const WSK_EVENT_CALLBACK_CONTROL*>(InputBuffer);
    NTSTATUS st = STATUS_INVALID_PARAMETER;
    if (InputSize >= sizeof(WSK_EVENT_CALLBACK_CONTROL) &&
        InputBuffer != nullptr &&
        (Irp == nullptr || (ctl->EventMask & WSK_EVENT_DISABLE) != 0)) {
      st = EnableEvents(s, ctl->EventMask);
    }
    return Irp ? CompleteNow(Irp, st, 0) : st;
  }
  if (RequestType == WskSetOption && Level == WS_SOL_SOCKET &&
      ControlCode == SO_LXWSK_LISTEN_BACKLOG) {
    if (InputSize < sizeof(int) || InputBuffer == nullptr) {
      r.status = STATUS_INVALID_PARAMETER;
    } else {
      memcpy(&s->backlog, InputBuffer, sizeof(int));
    }
  } else if (RequestType == WskGetOption && Level == WS_SOL_SOCKET &&
             ControlCode == SO_LXWSK_HOST_HANDLE) {
    if (OutputSize < sizeof(int) || OutputBuffer == nullptr) {
      r.status = STATUS_BUFFER_TOO_SMALL;
    } else {
      memcpy(OutputBuffer, &s->handle, sizeof(int));
      r.information = sizeof(int);
    }
  } else if (RequestType == WskSetOption) {
    r = host_.SetOption(h, Level, ControlCode, InputBuffer, InputSize);
  } else if (RequestType == WskGetOption) {
    r = host_.GetOption(h, Level, ControlCode, OutputBuffer, OutputSize);
  } else if (RequestType == WskIoctl) {
    switch (ControlCode) {
      case SIO_WSK_SET_REMOTE_ADDRESS:
        if (s->category != WSK_FLAG_DATAGRAM_SOCKET || InputBuffer == nullptr) {
          r.status = STATUS_INVALID_PARAMETER;
        } else {
          r.status =
              host_.Connect(h, static_cast<const SOCKADDR*>(InputBuffer));
        }
        break;
      case SIO_LXWSK_SHUTDOWN: {
        ULONG flags = 0;
        if (InputBuffer == nullptr || InputSize < sizeof(flags)) {
          r.status = STATUS_INVALID_PARAMETER;
        } else {
          memcpy(&flags, InputBuffer, sizeof(flags));
          r.status = host_.Disconnect(h, flags);
        }
        break;
      }
      case SIO_LXWSK_STREAM_CATEGORY:
        if (!IsConnectionLike(s->category)) {
          r.status = STATUS_INVALID_PARAMETER;
        } else {
          s->category = WSK_FLAG_STREAM_SOCKET;
          s->wsk.Dispatch = DispatchFor(WSK_FLAG_STREAM_SOCKET);
        }
        break;
      case SIO_WSK_QUERY_IDEAL_SEND_BACKLOG:
        r = host_.GetOption(h, WS_SOL_SOCKET, WS_SO_SNDBUF, OutputBuffer,
                            OutputSize);
        break;
      case SIO_WSK_QUERY_RECEIVE_BACKLOG:
        r = host_.Ioctl(h, WS_FIONREAD, nullptr, 0, OutputBuffer, OutputSize);
        break;
      case WS_FIONBIO:
        // A pending-capable socket's host handle must stay non-blocking;
        // WSK clients have no blocking mode to switch.
        if (!s->inline_mode) break;
        [[fallthrough]];
      default:
        r = host_.Ioctl(h, ControlCode, InputBuffer, InputSize, OutputBuffer,
                        OutputSize);
    }
  } else {
    r.status = STATUS_INVALID_PARAMETER;
  }
  if (OutputSizeReturned != nullptr) *OutputSizeReturned = r.information;
  if (Irp == nullptr) return r.status;
  return CompleteNow(Irp, r.status, r.information);
}

NTSTATUS Provider::WskCloseSocket(PWSK_SOCKET Socket, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  NTSTATUS st = STATUS_SUCCESS;
  if (s->inline_mode) {
    if (Irp->RequestorHandle != kHandleAlreadyClosed) {
      st = host_.Close(HandleFor(s, Irp));
    }
    FreeSocket(s);
    return CompleteNow(Irp, st, 0);
  }
  // Cancel everything parked on the handle; the cancelled requests complete
  // on the I/O thread before the socket goes (AsyncWait runs in order).
  s->event_mask.store(0);
  HostHandle h = s->handle;
  host_.CancelWaits(h);
  Irp->PendingReturned = true;
  HostStack* host = &host_;
  // Two hops: the cancellations queued by CancelWaits run between them.
  host_.Post([this, host, s, h, Irp] {
    host->Post([this, host, s, h, Irp] {
      NTSTATUS cst = host->Close(h);
      FreeSocket(s);
      IoCompleteRequest(Irp, cst, 0);
    });
  });
  return STATUS_PENDING;
}

NTSTATUS Provider::WskBind(PWSK_SOCKET Socket, const SOCKADDR* LocalAddress,
                           ULONG Flags, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if ((Flags & WSK_FLAG_LX_IMPLICIT_BIND) != 0) {
    s->MarkBound();
    return CompleteNow(Irp, STATUS_SUCCESS, 0);
  }
  if (LocalAddress == nullptr || Flags != 0) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  NTSTATUS st = host_.Bind(HandleFor(s, Irp), LocalAddress);
  if (NT_SUCCESS(st)) {
    s->MarkBound();
    // "For a listening socket, WskBind also starts listening" (MS Learn).
    if (s->category == WSK_FLAG_LISTEN_SOCKET) {
      st = host_.Listen(HandleFor(s, Irp), s->backlog);
      if (NT_SUCCESS(st)) s->listening = true;
    }
  }
  return CompleteNow(Irp, st, 0);
}

NTSTATUS Provider::WskListen(PWSK_SOCKET Socket, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if (s->category != WSK_FLAG_STREAM_SOCKET) {
    return CompleteNow(Irp, STATUS_NOT_SUPPORTED, 0);
  }
  if (!s->bound) return CompleteNow(Irp, STATUS_INVALID_DEVICE_STATE, 0);
  NTSTATUS st = host_.Listen(HandleFor(s, Irp), s->backlog);
  if (NT_SUCCESS(st)) {
    s->listening = true;
    if (!s->inline_mode && (s->event_mask.load() & WSK_EVENT_ACCEPT) != 0) {
      ArmAcceptEvent(*this, s);
    }
  }
  return CompleteNow(Irp, st, 0);
}

NTSTATUS Provider::AcceptOnce(ModelSocket* s, ULONG lx_flags, void* context,
                              const WSK_CLIENT_CONNECTION_DISPATCH* dispatch,
                              PSOCKADDR local, PSOCKADDR remote, PIRP irp) {
  HostHandle h = HandleFor(s, irp);
  if (!s->inline_mode) lx_flags |= WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC;
  auto attempt = [this, s, h, lx_flags, context, dispatch, local,
                  remote]() -> HostResult {
    HostResult r = host_.Accept(h, remote, lx_flags);
    if (!NT_SUCCESS(r.status)) return r;
    auto nh = static_cast<HostHandle>(r.information);
    if (local != nullptr) host_.GetLocalAddress(nh, local);
    ModelSocket* a = NewSocket(s->client, nh, WSK_FLAG_CONNECTION_SOCKET,
                               s->family, s->type, s->protocol, s->inline_mode);
    if (a == nullptr) [[unlikely]] {
      host_.Close(nh);
      return {STATUS_INSUFFICIENT_RESOURCES, 0};
    }
    // An accepted socket has its local address already (the listener's):
    // it is bound, so a later WskConnect reaches the transport (which says
    // "already connected") instead of failing the bind-first rule.
    a->MarkBound();
    a->context = context;
    a->client_dispatch = dispatch;
    return {STATUS_SUCCESS, reinterpret_cast<uintptr_t>(a)};
  };
  HostResult first = attempt();
  // An inline socket never parks a request: complete it here, without
  // wrapping the retry in a std::function (whose captures would need a
  // heap block per accept).
  if (s->inline_mode) return CompleteNow(irp, first.status, first.information);
  return PendOrComplete(host_, s, irp, HostWait::kReadable, false, first,
                        attempt);
}

NTSTATUS Provider::WskAccept(PWSK_SOCKET ListenSocket, ULONG Flags,
                             void* AcceptSocketContext,
                             const WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
                             PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress,
                             PIRP Irp) {
  ModelSocket* s = ToModel(ListenSocket);
  if ((Flags & ~WSK_FLAG_LX_MASK) != 0 ||
      (s->category != WSK_FLAG_LISTEN_SOCKET &&
       s->category != WSK_FLAG_STREAM_SOCKET)) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  return AcceptOnce(s, Flags & (WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC),
                    AcceptSocketContext, Dispatch, LocalAddress, RemoteAddress,
                    Irp);
}

NTSTATUS Provider::WskConnect(PWSK_SOCKET Socket, const SOCKADDR* RemoteAddress,
                              ULONG Flags, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if (RemoteAddress == nullptr || Flags != 0 ||
      !IsConnectionLike(s->category)) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  // "The socket must be bound before WskConnect" (wine: INVALID_DEVICE_STATE).
  if (!s->bound) return CompleteNow(Irp, STATUS_INVALID_DEVICE_STATE, 0);
  HostHandle h = HandleFor(s, Irp);
  HostResult first{host_.Connect(h, RemoteAddress), 0};
  // Inline: complete now, as PendOrComplete would, without building its
  // std::function.
  if (s->inline_mode) return CompleteNow(Irp, first.status, 0);
  HostStack* host = &host_;
  return PendOrComplete(host_, s, Irp, HostWait::kWritable, false, first,
                        [host, h]() -> HostResult {
                          return {host->ConnectResult(h), 0};
                        });
}

NTSTATUS Provider::WskGetLocalAddress(PWSK_SOCKET Socket,
                                      PSOCKADDR LocalAddress, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  HostResult r = host_.GetLocalAddress(HandleFor(s, Irp), LocalAddress);
  return CompleteNow(Irp, r.status, r.information);
}

NTSTATUS Provider::WskGetRemoteAddress(PWSK_SOCKET Socket,
                                       PSOCKADDR RemoteAddress, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  HostResult r = host_.GetRemoteAddress(HandleFor(s, Irp), RemoteAddress);
  return CompleteNow(Irp, r.status, r.information);
}

inline HostResult Provider::HostSend(HostHandle h, const WSK_BUF& b,
                                     ULONG flags, const SOCKADDR* remote,
                                     const CMSGHDR* control,
                                     ULONG control_length) {
  if (posix_host_) [[likely]] {
    return host::PosixSend(h, b, flags, remote, control, control_length);
  }
  return host_.Send(h, b, flags, remote, control, control_length);
}

inline HostResult Provider::HostReceive(HostHandle h, const WSK_BUF& b,
                                        ULONG flags, PSOCKADDR remote,
                                        CMSGHDR* control, ULONG* control_length,
                                        ULONG* out_flags) {
  if (posix_host_) [[likely]] {
    return host::PosixReceive(h, b, flags, remote, control, control_length,
                              out_flags);
  }
  return host_.Receive(h, b, flags, remote, control, control_length, out_flags);
}

// Inline sockets (the preload path): one host attempt, the IRP completed
// before returning. The socket is read before the host call: another
// thread may close it while this one is blocked in the host (Linux allows
// that). fast_refuse == 0 (an inline socket over the POSIX host) selects
// the fast form. With the POSIX host the common request is its fast form, and
// every other case leaves through a tail call (WskSendInline and friends,
// CompleteRaw's error and completion-routine cases), so the hot path
// saves no registers.
NTSTATUS Provider::WskSend(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                           PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if (!__libc_single_threaded) [[unlikely]] {
    return s->provider->WskSendMulti(s, Buffer, Flags, Irp);
  }
  long r;
  if (host::PosixSendFast<host::Threads::kKnownSingle>(
          Irp->RequestorHandle, *Buffer, Flags, nullptr, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return s->provider->WskSendInline(s, Buffer, Flags, Irp);
}

// A multi-threaded process's fast forms: the single-threaded one's
// conditions, with glibc's own call (a cancellation point, as natively).
NTSTATUS Provider::WskSendMulti(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                                PIRP Irp) {
  long r;
  if (host::PosixSendFast<host::Threads::kMulti>(
          Irp->RequestorHandle, *Buffer, Flags, nullptr, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return WskSendInline(s, Buffer, Flags, Irp);
}

NTSTATUS Provider::WskSendInline(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                                 PIRP Irp) {
  // The fast form without the IRP's conditions (a completion routine to
  // run, no requestor handle of its own), with glibc's call: the requests
  // the forms before this one refused for those reasons alone.
  long fast;
  if (host::PosixSendFast<host::Threads::kMulti>(
          HandleFor(s, Irp), *Buffer, Flags, nullptr, nullptr, &fast,
          s->fast_refuse.load(std::memory_order_relaxed))) {
    return CompleteRaw(Irp, fast);
  }
  if (!s->inline_mode) return PendSend(s, Buffer, Flags, Irp);
  HostResult r =
      HostSend(HandleFor(s, Irp), *Buffer, Flags, nullptr, nullptr, 0);
  return CompleteNow(Irp, r.status, r.information);
}

NTSTATUS Provider::PendSend(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                            PIRP Irp) {
  HostHandle h = HandleFor(s, Irp);
  WSK_BUF buf = *Buffer;
  HostResult first = host_.Send(h, buf, Flags, nullptr, nullptr, 0);
  HostStack* host = &host_;
  return PendOrComplete(host_, s, Irp, HostWait::kWritable,
                        (Flags & WSK_FLAG_LX_DONTWAIT) != 0, first,
                        [host, h, buf, Flags]() {
                          return host->Send(h, buf, Flags, nullptr, nullptr, 0);
                        });
}

NTSTATUS Provider::WskReceive(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                              PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if (!__libc_single_threaded) [[unlikely]] {
    return s->provider->WskReceiveMulti(s, Buffer, Flags, Irp);
  }
  long r;
  if (host::PosixReceiveFast<host::Threads::kKnownSingle>(
          Irp->RequestorHandle, *Buffer, Flags, nullptr, nullptr, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return s->provider->WskReceiveInline(s, Buffer, Flags, Irp);
}

NTSTATUS Provider::WskReceiveMulti(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                                   PIRP Irp) {
  long r;
  if (host::PosixReceiveFast<host::Threads::kMulti>(
          Irp->RequestorHandle, *Buffer, Flags, nullptr, nullptr, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return WskReceiveInline(s, Buffer, Flags, Irp);
}

NTSTATUS Provider::WskReceiveInline(ModelSocket* s, PWSK_BUF Buffer,
                                    ULONG Flags, PIRP Irp) {
  // The fast form without the IRP's conditions (a completion routine to
  // run, no requestor handle of its own), with glibc's call: the requests
  // the forms before this one refused for those reasons alone.
  long fast;
  if (host::PosixReceiveFast<host::Threads::kMulti>(
          HandleFor(s, Irp), *Buffer, Flags, nullptr, nullptr, nullptr, &fast,
          s->fast_refuse.load(std::memory_order_relaxed))) {
    return CompleteRaw(Irp, fast);
  }
  if (!s->inline_mode) return PendReceive(s, Buffer, Flags, Irp);
  HostResult r = HostReceive(HandleFor(s, Irp), *Buffer, Flags, nullptr,
                             nullptr, nullptr, nullptr);
  return CompleteNow(Irp, r.status, r.information);
}

NTSTATUS Provider::PendReceive(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                               PIRP Irp) {
  HostHandle h = HandleFor(s, Irp);
  WSK_BUF buf = *Buffer;
  HostResult first =
      host_.Receive(h, buf, Flags, nullptr, nullptr, nullptr, nullptr);
  HostStack* host = &host_;
  if (first.status != STATUS_DEVICE_NOT_READY) ResumeIndications(*this, s);
  return PendOrComplete(
      host_, s, Irp, HostWait::kReadable, (Flags & WSK_FLAG_LX_DONTWAIT) != 0,
      first, [this, host, s, h, buf, Flags]() {
        HostResult r =
            host->Receive(h, buf, Flags, nullptr, nullptr, nullptr, nullptr);
        if (r.status != STATUS_DEVICE_NOT_READY) ResumeIndications(*this, s);
        return r;
      });
}

NTSTATUS Provider::WskDisconnect(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                 ULONG Flags, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  HostHandle h = HandleFor(s, Irp);
  if (Buffer != nullptr && (Flags & WSK_FLAG_ABORTIVE) != 0) {
    return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  if (Buffer != nullptr && Buffer->Length > 0) {
    // Final data goes out before the FIN. A short write on a non-blocking
    // handle is reported as the request's result.
    HostResult r = host_.Send(h, *Buffer, 0, nullptr, nullptr, 0);
    if (!NT_SUCCESS(r.status)) return CompleteNow(Irp, r.status, 0);
  }
  return CompleteNow(Irp, host_.Disconnect(h, Flags), 0);
}

// lxwsk extensions: a connection's send and receive with control messages
// (Windows form; the host adapter converts). The pending paths are the
// datagram ones without an address.
NTSTATUS Provider::WskLxSendMessage(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                    ULONG Flags, ULONG ControlInfoLength,
                                    const CMSGHDR* ControlInfo, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if (!s->inline_mode) {
    return PendSendTo(s, Buffer, Flags, nullptr, ControlInfoLength, ControlInfo,
                      Irp);
  }
  HostResult r = HostSend(HandleFor(s, Irp), *Buffer, Flags, nullptr,
                          ControlInfo, ControlInfoLength);
  return CompleteNow(Irp, r.status, r.information);
}

NTSTATUS Provider::WskLxReceiveMessage(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                       ULONG Flags, ULONG* ControlLength,
                                       CMSGHDR* ControlInfo,
                                       ULONG* ControlFlags, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if (!s->inline_mode) {
    return PendReceiveFrom(s, Buffer, Flags, nullptr, ControlLength,
                           ControlInfo, ControlFlags, Irp);
  }
  HostResult r = HostReceive(HandleFor(s, Irp), *Buffer, Flags, nullptr,
                             ControlInfo, ControlLength, ControlFlags);
  return CompleteNow(Irp, r.status, r.information);
}

Provider& ProviderDatagramData::provider() {
  return static_cast<Provider&>(*this);
}

NTSTATUS ProviderDatagramData::WskSendTo(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                         ULONG Flags,
                                         const SOCKADDR* RemoteAddress,
                                         ULONG ControlInfoLength,
                                         const CMSGHDR* ControlInfo, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  // The bind-first rule is checked in WskSendToInline: an unbound socket's
  // fast_refuse sends it there.
  // With an address alone, a form of its own; with control data, the
  // general form: their extra live values would otherwise cost the
  // connected form saved registers.
  if ((reinterpret_cast<uintptr_t>(RemoteAddress) |
       reinterpret_cast<uintptr_t>(ControlInfo)) != 0) {
    if ((reinterpret_cast<uintptr_t>(ControlInfo) | ControlInfoLength) != 0) {
      return provider().WskSendToInline(s, Buffer, Flags, RemoteAddress,
                                        ControlInfoLength, ControlInfo, Irp);
    }
    return WskLxSendTo(Socket, Buffer, Flags, RemoteAddress, Irp);
  }
  return WskLxSend(Socket, Buffer, Flags, Irp);
}

// WskSendTo without an address or control: WskSend's fast form (the
// datagram fast_refuse adds the bind-first rule); the refused requests go
// on to WskSendTo's multi-threaded and general forms.
NTSTATUS ProviderDatagramData::WskLxSend(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                         ULONG Flags, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if (!__libc_single_threaded) [[unlikely]] {
    return s->provider->WskSendToMulti(s, Buffer, Flags, nullptr, Irp);
  }
  long r;
  if (host::PosixSendFast<host::Threads::kKnownSingle>(
          Irp->RequestorHandle, *Buffer, Flags, nullptr, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return s->provider->WskSendToInline(s, Buffer, Flags, nullptr, 0, nullptr,
                                      Irp);
}

// WskSendTo with an address and no control.
NTSTATUS ProviderDatagramData::WskLxSendTo(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                           ULONG Flags,
                                           const SOCKADDR* RemoteAddress,
                                           PIRP Irp) {
  if (RemoteAddress == nullptr) [[unlikely]] {
    return WskLxSend(Socket, Buffer, Flags, Irp);
  }
  ModelSocket* s = ToModel(Socket);
  long r;
  if (host::PosixSendFast<host::Threads::kSingle>(
          Irp->RequestorHandle, *Buffer, Flags, RemoteAddress, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return provider().WskSendToMulti(s, Buffer, Flags, RemoteAddress, Irp);
}

// The refused forms of WskSendTo without control data: first the
// multi-threaded process's fast form (glibc's sendto), then the general
// form. WskLxSend comes here for a multi-threaded process from its first
// test; WskLxSendTo only from its fast form's refusal (a test of its
// own ahead of it cost the single-threaded form register moves).
NTSTATUS Provider::WskSendToMulti(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                                  const SOCKADDR* RemoteAddress, PIRP Irp) {
  long r;
  if (!__libc_single_threaded &&
      host::PosixSendFast<host::Threads::kMulti>(
          Irp->RequestorHandle, *Buffer, Flags, RemoteAddress, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return WskSendToInline(s, Buffer, Flags, RemoteAddress, 0, nullptr, Irp);
}

NTSTATUS Provider::WskSendToInline(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                                   const SOCKADDR* RemoteAddress,
                                   ULONG ControlInfoLength,
                                   const CMSGHDR* ControlInfo, PIRP Irp) {
  // The fast form without the IRP's conditions (a completion routine to
  // run, no requestor handle of its own), with glibc's call: the requests
  // the forms before this one refused for those reasons alone. An unbound
  // socket (fast_refuse) always comes on to the bind-first rule below.
  long fast;
  if (host::PosixSendFast<host::Threads::kMulti>(
          HandleFor(s, Irp), *Buffer, Flags, RemoteAddress, ControlInfo, &fast,
          s->fast_refuse.load(std::memory_order_relaxed))) {
    return CompleteRaw(Irp, fast);
  }
  // "A datagram socket must be bound before WskSendTo."
  if (!s->bound.load(std::memory_order_relaxed)) {
    return CompleteCold(Irp, STATUS_INVALID_DEVICE_STATE);
  }
  if (!s->inline_mode) {
    return PendSendTo(s, Buffer, Flags, RemoteAddress, ControlInfoLength,
                      ControlInfo, Irp);
  }
  HostResult r = HostSend(HandleFor(s, Irp), *Buffer, Flags, RemoteAddress,
                          ControlInfo, ControlInfoLength);
  return CompleteNow(Irp, r.status, r.information);
}

NTSTATUS Provider::PendSendTo(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                              const SOCKADDR* RemoteAddress,
                              ULONG ControlInfoLength,
                              const CMSGHDR* ControlInfo, PIRP Irp) {
  HostHandle h = HandleFor(s, Irp);
  WSK_BUF buf = *Buffer;
  HostResult first =
      host_.Send(h, buf, Flags, RemoteAddress, ControlInfo, ControlInfoLength);
  HostStack* host = &host_;
  return PendOrComplete(
      host_, s, Irp, HostWait::kWritable, (Flags & WSK_FLAG_LX_DONTWAIT) != 0,
      first,
      [host, h, buf, Flags, RemoteAddress, ControlInfo, ControlInfoLength]() {
        return host->Send(h, buf, Flags, RemoteAddress, ControlInfo,
                          ControlInfoLength);
      });
}

NTSTATUS ProviderDatagramData::WskReceiveFrom(
    PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
    ULONG* ControlLength, CMSGHDR* ControlInfo, ULONG* ControlFlags, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  // With control or result flags, the general form; with an address
  // alone, a form of its own (as WskSendTo). Two tests in a row: nesting
  // them needs one more register than the arguments leave free.
  if ((reinterpret_cast<uintptr_t>(ControlLength) |
       reinterpret_cast<uintptr_t>(ControlInfo) |
       reinterpret_cast<uintptr_t>(ControlFlags)) != 0) {
    return provider().WskReceiveFromInline(s, Buffer, Flags, RemoteAddress,
                                           ControlLength, ControlInfo,
                                           ControlFlags, Irp);
  }
  if (RemoteAddress != nullptr) {
    return WskLxReceiveFrom(Socket, Buffer, Flags, RemoteAddress, Irp);
  }
  return WskLxReceive(Socket, Buffer, Flags, Irp);
}

// WskReceiveFrom without an address, control or result flags: WskReceive's
// fast form; the refused requests go on to WskReceiveFrom's
// multi-threaded and general forms.
NTSTATUS ProviderDatagramData::WskLxReceive(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                            ULONG Flags, PIRP Irp) {
  ModelSocket* s = ToModel(Socket);
  if (!__libc_single_threaded) [[unlikely]] {
    return s->provider->WskReceiveFromMulti(s, Buffer, Flags, nullptr, Irp);
  }
  long r;
  if (host::PosixReceiveFast<host::Threads::kKnownSingle>(
          Irp->RequestorHandle, *Buffer, Flags, nullptr, nullptr, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return s->provider->WskReceiveFromInline(s, Buffer, Flags, nullptr, nullptr,
                                           nullptr, nullptr, Irp);
}

// WskReceiveFrom with an address and no control or result flags.
NTSTATUS ProviderDatagramData::WskLxReceiveFrom(PWSK_SOCKET Socket,
                                                PWSK_BUF Buffer, ULONG Flags,
                                                PSOCKADDR RemoteAddress,
                                                PIRP Irp) {
  if (RemoteAddress == nullptr) [[unlikely]] {
    return WskLxReceive(Socket, Buffer, Flags, Irp);
  }
  ModelSocket* s = ToModel(Socket);
  if (!__libc_single_threaded) [[unlikely]] {
    return provider().WskReceiveFromMulti(s, Buffer, Flags, RemoteAddress, Irp);
  }
  long r;
  if (host::PosixReceiveFast<host::Threads::kKnownSingle>(
          Irp->RequestorHandle, *Buffer, Flags, RemoteAddress, nullptr, nullptr,
          &r, s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return provider().WskReceiveFromAddressGeneral(s, Buffer, Flags,
                                                 RemoteAddress, Irp);
}

NTSTATUS Provider::WskReceiveFromMulti(ModelSocket* s, PWSK_BUF Buffer,
                                       ULONG Flags, PSOCKADDR RemoteAddress,
                                       PIRP Irp) {
  // With an address, a function of its own: its address buffer would
  // otherwise give this one a frame.
  if (RemoteAddress != nullptr) {
    return WskReceiveFromAddressMulti(s, Buffer, Flags, RemoteAddress, Irp);
  }
  long r;
  if (host::PosixReceiveFast<host::Threads::kMulti>(
          Irp->RequestorHandle, *Buffer, Flags, nullptr, nullptr, nullptr, &r,
          s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return WskReceiveFromAddressGeneral(s, Buffer, Flags, nullptr, Irp);
}

NTSTATUS Provider::WskReceiveFromAddressMulti(ModelSocket* s, PWSK_BUF Buffer,
                                              ULONG Flags,
                                              PSOCKADDR RemoteAddress,
                                              PIRP Irp) {
  long r;
  if (host::PosixReceiveFast<host::Threads::kMulti>(
          Irp->RequestorHandle, *Buffer, Flags, RemoteAddress, nullptr, nullptr,
          &r, s->fast_refuse.load(std::memory_order_relaxed), Irp)) [[likely]] {
    return CompleteRawNoRoutine(Irp, r);
  }
  return WskReceiveFromAddressGeneral(s, Buffer, Flags, RemoteAddress, Irp);
}

NTSTATUS Provider::WskReceiveFromAddressGeneral(ModelSocket* s, PWSK_BUF Buffer,
                                                ULONG Flags,
                                                PSOCKADDR RemoteAddress,
                                                PIRP Irp) {
  return WskReceiveFromInline(s, Buffer, Flags, RemoteAddress, nullptr, nullptr,
                              nullptr, Irp);
}

NTSTATUS Provider::WskReceiveFromInline(ModelSocket* s, PWSK_BUF Buffer,
                                        ULONG Flags, PSOCKADDR RemoteAddress,
                                        ULONG* ControlLength,
                                        CMSGHDR* ControlInfo,
                                        ULONG* ControlFlags, PIRP Irp) {
  // The fast form without the IRP's conditions (a completion routine to
  // run, no requestor handle of its own), with glibc's call: the requests
  // the forms before this one refused for those reasons alone.
  long fast;
  if (ControlLength == nullptr &&
      host::PosixReceiveFast<host::Threads::kMulti>(
          HandleFor(s, Irp), *Buffer, Flags, RemoteAddress, ControlInfo,
          ControlFlags, &fast,
          s->fast_refuse.load(std::memory_order_relaxed))) {
    return CompleteRaw(Irp, fast);
  }
  if (!s->inline_mode) {
    return PendReceiveFrom(s, Buffer, Flags, RemoteAddress, ControlLength,
                           ControlInfo, ControlFlags, Irp);
  }
  HostResult r = HostReceive(HandleFor(s, Irp), *Buffer, Flags, RemoteAddress,
                             ControlInfo, ControlLength, ControlFlags);
  return CompleteNow(Irp, r.status, r.information);
}

NTSTATUS Provider::PendReceiveFrom(ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
                                   PSOCKADDR RemoteAddress,
                                   ULONG* ControlLength, CMSGHDR* ControlInfo,
                                   ULONG* ControlFlags, PIRP Irp) {
  HostHandle h = HandleFor(s, Irp);
  WSK_BUF buf = *Buffer;
  HostResult first = host_.Receive(h, buf, Flags, RemoteAddress, ControlInfo,
                                   ControlLength, ControlFlags);
  HostStack* host = &host_;
  return PendOrComplete(host_, s, Irp, HostWait::kReadable,
                        (Flags & WSK_FLAG_LX_DONTWAIT) != 0, first,
                        [host, h, buf, Flags, RemoteAddress, ControlInfo,
                         ControlLength, ControlFlags]() {
                          return host->Receive(h, buf, Flags, RemoteAddress,
                                               ControlInfo, ControlLength,
                                               ControlFlags);
                        });
}

NTSTATUS Provider::EnableEvents(ModelSocket* s, ULONG mask) {
  if (s->inline_mode) return STATUS_NOT_SUPPORTED;
  if ((mask & WSK_EVENT_DISABLE) != 0) {
    s->event_mask.fetch_and(~(mask & ~WSK_EVENT_DISABLE));
    return STATUS_SUCCESS;
  }
  const ULONG connection_events =
      WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;
  ULONG allowed = 0;
  switch (s->category) {
    case WSK_FLAG_LISTEN_SOCKET:
    case WSK_FLAG_STREAM_SOCKET:
      allowed = WSK_EVENT_ACCEPT | connection_events;
      break;
    case WSK_FLAG_CONNECTION_SOCKET:
      allowed = connection_events;
      break;
    case WSK_FLAG_DATAGRAM_SOCKET:
      allowed = WSK_EVENT_RECEIVE_FROM;
      break;
    default:
      break;
  }
  if ((mask & ~allowed) != 0 || mask == 0) return STATUS_INVALID_PARAMETER;
  ULONG before = s->event_mask.fetch_or(mask);
  ULONG added = mask & ~before;
  if ((added & WSK_EVENT_ACCEPT) != 0 && s->listening) ArmAcceptEvent(*this, s);
  // Connection events: connection sockets, and stream sockets once they
  // are not listening (a connected stream socket is a connection).
  const bool connection_use =
      s->category == WSK_FLAG_CONNECTION_SOCKET ||
      (s->category == WSK_FLAG_STREAM_SOCKET && !s->listening.load());
  if (connection_use) {
    if ((added & (WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT)) != 0 &&
        (before & (WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT)) == 0) {
      ArmReceiveEvent(*this, s);
    }
    const WSK_CLIENT_CONNECTION_DISPATCH* d = ConnectionEvents(s);
    if ((added & WSK_EVENT_SEND_BACKLOG) != 0 && d != nullptr &&
        d->WskSendBacklogEvent != nullptr) {
      int sndbuf = 0;
      host_.GetOption(s->handle, WS_SOL_SOCKET, WS_SO_SNDBUF, &sndbuf,
                      sizeof(sndbuf));
      d->WskSendBacklogEvent(s->context, static_cast<SIZE_T>(sndbuf));
    }
  }
  if ((added & WSK_EVENT_RECEIVE_FROM) != 0) ArmReceiveFromEvent(*this, s);
  return STATUS_SUCCESS;
}

}  // namespace wsk
