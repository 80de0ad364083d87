// The WSK provider: the provider dispatch and every category's socket
// dispatch, implemented over a HostStack.
//
// One concrete class overrides the five category tables: a function such as
// WskBind with the same signature in several tables is one override, and a
// socket's WSK_SOCKET::Dispatch points at the sub-object of its category.
// Requests on WSK_FLAG_LX_INLINE sockets complete in the calling thread; on
// other sockets a request that would block pends and completes on the host
// stack's I/O thread (Boost.Asio), like an IRP completed by tcpip.sys.
#ifndef LXWSK_WSK_PROVIDER_H_
#define LXWSK_WSK_PROVIDER_H_

#include <atomic>
#include <cstdint>

#include "wsk/host_stack.h"
#include "wsk/wsk.h"

namespace wsk {

class Provider;

}  // namespace wsk

// Provider-defined client object (opaque to clients, as in WSK).
struct wsk::WSK_CLIENT {
  Provider* provider;
  std::atomic<int> open_sockets{0};
};

namespace wsk {

struct AsyncSocketState;

// A provider socket. WSK_SOCKET comes first so PWSK_SOCKET converts back.
struct ModelSocket {
  WSK_SOCKET wsk;
  WSK_CLIENT* client;
  // The provider the socket belongs to. The stream data path's fast forms
  // reach their general forms through it, not through `this`, so they keep
  // no register for `this`.
  Provider* provider;
  HostHandle handle;
  ULONG category;
  ADDRESS_FAMILY family;
  USHORT type;
  ULONG protocol;
  bool inline_mode;
  // 0 when the data path's fast form applies: an inline socket over the
  // POSIX host (else kRefuseGeneral) that, for a datagram socket, is bound
  // (else kRefuseUnbound, so WskSendTo's bind-first rule is checked in the
  // general form only). A word, not bools: the fast path ORs it with the
  // request's flags and tests them all at once.
  static constexpr ULONG kRefuseGeneral = 1;
  static constexpr ULONG kRefuseUnbound = 2;
  std::atomic<ULONG> fast_refuse{kRefuseGeneral};
  std::atomic<bool> bound{false};
  void MarkBound() {
    bound.store(true);
    fast_refuse.fetch_and(~kRefuseUnbound, std::memory_order_relaxed);
  }
  std::atomic<bool> listening{false};
  int backlog = 4096;
  // Client event interface (async sockets only).
  void* context = nullptr;
  const void* client_dispatch = nullptr;
  std::atomic<ULONG> event_mask{0};
  std::atomic<bool> receive_paused{false};
  AsyncSocketState* async = nullptr;

  // `new ModelSocket` takes a block from the provider's lookaside list
  // (wsk/lookaside.h: no lock, no heap call until its arena is full) and
  // yields nullptr when none is left; `delete` gives the block back.
  static void* operator new(size_t size) noexcept;
  static void operator delete(void* p) noexcept;
};

inline ModelSocket* ToModel(PWSK_SOCKET s) {
  return reinterpret_cast<ModelSocket*>(s);
}

// The datagram table's data-path entries, defined in a base of their own:
// the datagram table is not Provider's primary base, so overriders in
// Provider would be reached through this-adjusting thunks; here the table's
// entries are the functions themselves. Their general forms are Provider's.
class ProviderDatagramData : public WskProviderDatagramDispatch {
 public:
  [[gnu::hot]] NTSTATUS WskSendTo(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                  ULONG Flags, const SOCKADDR* RemoteAddress,
                                  ULONG ControlInfoLength,
                                  const CMSGHDR* ControlInfo, PIRP Irp) final;
  [[gnu::hot]] NTSTATUS WskReceiveFrom(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                       ULONG Flags, PSOCKADDR RemoteAddress,
                                       ULONG* ControlLength,
                                       CMSGHDR* ControlInfo,
                                       ULONG* ControlFlags, PIRP Irp) final;
  // The lxwsk extensions: WskSendTo's and WskReceiveFrom's fast forms
  // without control (connected: no address either), which those reach too.
  [[gnu::hot]] NTSTATUS WskLxSend(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                  ULONG Flags, PIRP Irp) final;
  [[gnu::hot]] NTSTATUS WskLxReceive(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                     ULONG Flags, PIRP Irp) final;
  [[gnu::hot]] NTSTATUS WskLxSendTo(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                    ULONG Flags, const SOCKADDR* RemoteAddress,
                                    PIRP Irp) final;
  [[gnu::hot]] NTSTATUS WskLxReceiveFrom(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                         ULONG Flags, PSOCKADDR RemoteAddress,
                                         PIRP Irp) final;

 private:
  Provider& provider();  // the Provider this is a base of
};

// The stream (and so connection) table is the primary base: the TCP data
// path's WskSend/WskReceive then need no this-adjusting thunk.
class Provider final : public WskProviderStreamDispatch,
                       public WskProviderDispatch,
                       public WskProviderListenDispatch,
                       public ProviderDatagramData {
 public:
  explicit Provider(HostStack& host)
      : host_(host), posix_host_(host.IsPosixHost()) {}

  HostStack& host() { return host_; }
  const void* DispatchFor(ULONG category) const;

  // WskProviderDispatch
  NTSTATUS WskSocket(PWSK_CLIENT Client, ADDRESS_FAMILY AddressFamily,
                     USHORT SocketType, ULONG Protocol, ULONG Flags,
                     void* SocketContext, const void* Dispatch,
                     void* OwningProcess, void* OwningThread,
                     void* SecurityDescriptor, PIRP Irp) override;
  NTSTATUS WskSocketConnect(PWSK_CLIENT Client, USHORT SocketType,
                            ULONG Protocol, const SOCKADDR* LocalAddress,
                            const SOCKADDR* RemoteAddress, ULONG Flags,
                            void* SocketContext,
                            const WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
                            void* OwningProcess, void* OwningThread,
                            void* SecurityDescriptor, PIRP Irp) override;
  NTSTATUS WskControlClient(PWSK_CLIENT Client, ULONG ControlCode,
                            SIZE_T InputSize, const void* InputBuffer,
                            SIZE_T OutputSize, void* OutputBuffer,
                            SIZE_T* OutputSizeReturned, PIRP Irp) override;
  NTSTATUS WskLxAdoptSocket(PWSK_CLIENT Client, int HostHandle,
                            ADDRESS_FAMILY AddressFamily, USHORT SocketType,
                            ULONG Protocol, ULONG Flags, PIRP Irp) override;

  // Socket dispatch (all categories).
  NTSTATUS WskControlSocket(PWSK_SOCKET Socket,
                            WSK_CONTROL_SOCKET_TYPE RequestType,
                            ULONG ControlCode, ULONG Level, SIZE_T InputSize,
                            const void* InputBuffer, SIZE_T OutputSize,
                            void* OutputBuffer, SIZE_T* OutputSizeReturned,
                            PIRP Irp) override;
  NTSTATUS WskCloseSocket(PWSK_SOCKET Socket, PIRP Irp) override;
  NTSTATUS WskBind(PWSK_SOCKET Socket, const SOCKADDR* LocalAddress,
                   ULONG Flags, PIRP Irp) override;
  NTSTATUS WskListen(PWSK_SOCKET Socket, PIRP Irp) override;
  NTSTATUS WskAccept(PWSK_SOCKET ListenSocket, ULONG Flags,
                     void* AcceptSocketContext,
                     const WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
                     PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress,
                     PIRP Irp) override;
  NTSTATUS WskConnect(PWSK_SOCKET Socket, const SOCKADDR* RemoteAddress,
                      ULONG Flags, PIRP Irp) override;
  NTSTATUS WskGetLocalAddress(PWSK_SOCKET Socket, PSOCKADDR LocalAddress,
                              PIRP Irp) override;
  NTSTATUS WskGetRemoteAddress(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress,
                               PIRP Irp) override;
  [[gnu::hot]] NTSTATUS WskSend(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                ULONG Flags, PIRP Irp) override;
  [[gnu::hot]] NTSTATUS WskReceive(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                   ULONG Flags, PIRP Irp) override;
  NTSTATUS WskDisconnect(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                         PIRP Irp) override;
  NTSTATUS WskLxSendMessage(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                            ULONG ControlInfoLength, const CMSGHDR* ControlInfo,
                            PIRP Irp) override;
  NTSTATUS WskLxReceiveMessage(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                               ULONG* ControlLength, CMSGHDR* ControlInfo,
                               ULONG* ControlFlags, PIRP Irp) override;
  // WskSendTo and WskReceiveFrom: ProviderDatagramData's.

 private:
  friend struct AsyncSocketState;
  friend class ProviderDatagramData;
  // From the provider's lookaside list (wsk/lookaside.h); nullptr only
  // when that and the heap are exhausted.
  ModelSocket* NewSocket(WSK_CLIENT* client, HostHandle h, ULONG category,
                         ADDRESS_FAMILY family, USHORT type, ULONG protocol,
                         bool inline_mode);
  void FreeSocket(ModelSocket* s);
  NTSTATUS EnableEvents(ModelSocket* s, ULONG mask);
  NTSTATUS AcceptOnce(ModelSocket* s, ULONG lx_flags, void* context,
                      const WSK_CLIENT_CONNECTION_DISPATCH* dispatch,
                      PSOCKADDR local, PSOCKADDR remote, PIRP irp);

  // Requests on sockets that may pend (not WSK_FLAG_LX_INLINE): the first
  // attempt, then the pending machinery. Out of line so the inline path
  // stays short.
  [[gnu::noinline, gnu::cold]] NTSTATUS PendSend(ModelSocket* s,
                                                 PWSK_BUF Buffer, ULONG Flags,
                                                 PIRP Irp);
  [[gnu::noinline, gnu::cold]] NTSTATUS PendReceive(ModelSocket* s,
                                                    PWSK_BUF Buffer,
                                                    ULONG Flags, PIRP Irp);
  [[gnu::noinline, gnu::cold]] NTSTATUS PendSendTo(
      ModelSocket* s, PWSK_BUF Buffer, ULONG Flags,
      const SOCKADDR* RemoteAddress, ULONG ControlInfoLength,
      const CMSGHDR* ControlInfo, PIRP Irp);
  [[gnu::noinline, gnu::cold]] NTSTATUS PendReceiveFrom(
      ModelSocket* s, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
      ULONG* ControlLength, CMSGHDR* ControlInfo, ULONG* ControlFlags,
      PIRP Irp);

  // The fast forms of a multi-threaded process (glibc's sendto/recvfrom,
  // which are cancellation points); what they refuse goes on to *Inline.
  [[gnu::noinline]] NTSTATUS WskSendToMulti(ModelSocket* s, PWSK_BUF Buffer,
                                            ULONG Flags,
                                            const SOCKADDR* RemoteAddress,
                                            PIRP Irp);
  [[gnu::noinline]] NTSTATUS WskSendMulti(ModelSocket* s, PWSK_BUF Buffer,
                                          ULONG Flags, PIRP Irp);
  [[gnu::noinline]] NTSTATUS WskReceiveMulti(ModelSocket* s, PWSK_BUF Buffer,
                                             ULONG Flags, PIRP Irp);
  [[gnu::noinline]] NTSTATUS WskReceiveFromMulti(ModelSocket* s,
                                                 PWSK_BUF Buffer, ULONG Flags,
                                                 PSOCKADDR RemoteAddress,
                                                 PIRP Irp);
  [[gnu::noinline]] NTSTATUS WskReceiveFromAddressMulti(ModelSocket* s,
                                                        PWSK_BUF Buffer,
                                                        ULONG Flags,
                                                        PSOCKADDR RemoteAddress,
                                                        PIRP Irp);
  // Requests other than the POSIX host's fast form (pending sockets go on
  // to Pend*).
  [[gnu::noinline]] NTSTATUS WskSendInline(ModelSocket* s, PWSK_BUF Buffer,
                                           ULONG Flags, PIRP Irp);
  [[gnu::noinline]] NTSTATUS WskReceiveInline(ModelSocket* s, PWSK_BUF Buffer,
                                              ULONG Flags, PIRP Irp);
  [[gnu::noinline]] NTSTATUS WskSendToInline(ModelSocket* s, PWSK_BUF Buffer,
                                             ULONG Flags,
                                             const SOCKADDR* RemoteAddress,
                                             ULONG ControlInfoLength,
                                             const CMSGHDR* ControlInfo,
                                             PIRP Irp);
  // WskReceiveFrom's general form without control data.
  [[gnu::noinline]] NTSTATUS WskReceiveFromAddressGeneral(
      ModelSocket* s, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
      PIRP Irp);
  [[gnu::noinline]] NTSTATUS WskReceiveFromInline(
      ModelSocket* s, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
      ULONG* ControlLength, CMSGHDR* ControlInfo, ULONG* ControlFlags,
      PIRP Irp);

  // The host's data path: PosixHostStack's directly (inline) when that is
  // the host, through the HostStack interface otherwise.
  HostResult HostSend(HostHandle h, const WSK_BUF& b, ULONG flags,
                      const SOCKADDR* remote, const CMSGHDR* control,
                      ULONG control_length);
  HostResult HostReceive(HostHandle h, const WSK_BUF& b, ULONG flags,
                         PSOCKADDR remote, CMSGHDR* control,
                         ULONG* control_length, ULONG* out_flags);

  HostStack& host_;
  const bool posix_host_;
};

// Completes `irp` and returns `status`, the WSK convention for a request
// that finished before the call returned.
inline NTSTATUS CompleteNow(PIRP irp, NTSTATUS status, uintptr_t info) {
  IoCompleteRequest(irp, status, info);
  return status;
}

// The process's default provider over PosixHostStack().
Provider& DefaultProvider();

}  // namespace wsk

#endif  // LXWSK_WSK_PROVIDER_H_
