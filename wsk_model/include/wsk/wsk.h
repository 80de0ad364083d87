// The Winsock Kernel API as a C++ library: client registration, the provider
// dispatch and one dispatch table per socket category.
//
// Shapes follow the WDK's wsk.h (shared/reference/wsk-api.md): the same
// functions, parameters and member order, with each C table of function
// pointers mirrored by an abstract class so that gmock can stand in for any
// of them. WSK_SOCKET::Dispatch points at the table of the socket's category;
// a client casts it, as a driver does. Everything crossing this header is in
// Windows representation: WS_* constants, SOCKADDR layouts, NTSTATUS.
//
// Contexts: dispatch functions may be called from any thread; with the
// WSK_FLAG_LX_INLINE socket flag they complete in the calling thread.
#ifndef LXWSK_WSK_WSK_H_
#define LXWSK_WSK_WSK_H_

#include <cstdint>

#include "wsk/irp.h"
#include "wsk/ntstatus.h"
#include "wsk/ws_types.h"

namespace wsk {

constexpr USHORT MAKE_WSK_VERSION(USHORT major, USHORT minor) {
  return static_cast<USHORT>((major << 8) | (minor & 0xFF));
}
inline constexpr ULONG WSK_NO_WAIT = 0;
inline constexpr ULONG WSK_INFINITE_WAIT = 0xFFFFFFFF;

// Socket categories (WskSocket Flags).
inline constexpr ULONG WSK_FLAG_BASIC_SOCKET = 0x0;
inline constexpr ULONG WSK_FLAG_LISTEN_SOCKET = 0x1;
inline constexpr ULONG WSK_FLAG_CONNECTION_SOCKET = 0x2;
inline constexpr ULONG WSK_FLAG_DATAGRAM_SOCKET = 0x4;
inline constexpr ULONG WSK_FLAG_STREAM_SOCKET = 0x8;
inline constexpr ULONG WSK_SOCKET_CATEGORY_MASK = 0xF;

// Per-function flags (several share a value, as in wsk.h).
inline constexpr ULONG WSK_FLAG_ABORTIVE = 0x1;  // WskDisconnect
inline constexpr ULONG WSK_FLAG_OOB = 0x1;       // WskSend
inline constexpr ULONG WSK_FLAG_NODELAY = 0x2;   // WskSend
inline constexpr ULONG WSK_FLAG_WAITALL = 0x2;   // WskReceive
inline constexpr ULONG WSK_FLAG_RELEASE_ASAP = 0x2;
inline constexpr ULONG WSK_FLAG_DRAIN = 0x4;  // WskReceive
inline constexpr ULONG WSK_FLAG_ENTIRE_MESSAGE = 0x4;
inline constexpr ULONG WSK_FLAG_AT_DISPATCH_LEVEL = 0x8;

// lxwsk extensions. WSK reserves the Flags words of these calls; Linux asks
// for things WSK cannot express (per-call non-blocking, peek, ...). They
// travel in the high half of Flags so the WSK bits stay as documented and
// every extension is visible by name in traces and docs/semantics.md.
inline constexpr ULONG WSK_FLAG_LX_MASK = 0xFFFF0000;
// WskSocket: complete every request in the calling thread; a request that
// cannot finish either blocks in the host (blocking socket) or completes
// with STATUS_DEVICE_NOT_READY, as AFD does for a non-blocking socket.
inline constexpr ULONG WSK_FLAG_LX_INLINE = 0x00010000;
// WskSocket / WskAccept: the new socket starts non-blocking / close-on-exec.
inline constexpr ULONG WSK_FLAG_LX_NONBLOCK = 0x00020000;
inline constexpr ULONG WSK_FLAG_LX_CLOEXEC = 0x00040000;
// WskBind: the implicit bind Linux performs at connect/listen/sendto; the
// host chooses address and port when the socket is used, as Linux does.
inline constexpr ULONG WSK_FLAG_LX_IMPLICIT_BIND = 0x00010000;
// WskSend / WskSendTo / WskReceive / WskReceiveFrom modifiers.
inline constexpr ULONG WSK_FLAG_LX_DONTWAIT = 0x00010000;
inline constexpr ULONG WSK_FLAG_LX_PEEK = 0x00020000;
inline constexpr ULONG WSK_FLAG_LX_TRUNC = 0x00040000;
inline constexpr ULONG WSK_FLAG_LX_OOB = 0x00080000;  // receive side
inline constexpr ULONG WSK_FLAG_LX_MORE = 0x00100000;
inline constexpr ULONG WSK_FLAG_LX_DONTROUTE = 0x00200000;
inline constexpr ULONG WSK_FLAG_LX_EOR = 0x00400000;
inline constexpr ULONG WSK_FLAG_LX_CONFIRM = 0x00800000;
inline constexpr ULONG WSK_FLAG_LX_ERRQUEUE = 0x01000000;
inline constexpr ULONG WSK_FLAG_LX_CMSG_CLOEXEC = 0x02000000;
inline constexpr ULONG WSK_FLAG_LX_FASTOPEN = 0x04000000;
inline constexpr ULONG WSK_FLAG_LX_ZEROCOPY = 0x08000000;
inline constexpr ULONG WSK_FLAG_LX_PROBE = 0x10000000;  // send: probe only
// WskDisconnect: also stop receiving (Linux SHUT_RD has no WSK call).
inline constexpr ULONG WSK_FLAG_LX_SHUT_RD = 0x00010000;
inline constexpr ULONG WSK_FLAG_LX_NO_SHUT_WR = 0x00020000;

// Event callback enabling (SO_WSK_EVENT_CALLBACK).
inline constexpr ULONG WSK_EVENT_SEND_BACKLOG = 0x00000010;
inline constexpr ULONG WSK_EVENT_RECEIVE = 0x00000040;
inline constexpr ULONG WSK_EVENT_DISCONNECT = 0x00000080;
inline constexpr ULONG WSK_EVENT_RECEIVE_FROM = 0x00000100;
inline constexpr ULONG WSK_EVENT_ACCEPT = 0x00000200;
inline constexpr ULONG WSK_EVENT_DISABLE = 0x80000000;

inline constexpr ULONG WSK_SO_BASE = 0x4000;
inline constexpr ULONG SO_WSK_SECURITY = WSK_SO_BASE + 1;
inline constexpr ULONG SO_WSK_EVENT_CALLBACK = WSK_SO_BASE + 2;

struct NPIID {  // a GUID
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
};
extern const NPIID NPI_WSK_INTERFACE_ID;
struct WSK_EVENT_CALLBACK_CONTROL {
  const NPIID* NpiId;
  ULONG EventMask;
};

// WSK ioctls (IOC_WSK = 0x0F000000) and lxwsk's own, numbered from 0x40 in
// the same class so they cannot collide with Microsoft's.
inline constexpr ULONG SIO_WSK_SET_REMOTE_ADDRESS = 0x8F000001;
inline constexpr ULONG SIO_WSK_QUERY_IDEAL_SEND_BACKLOG = 0x4F000003;
inline constexpr ULONG SIO_WSK_QUERY_RECEIVE_BACKLOG = 0x4F000004;
// Linux-only socket options travel through WskControlSocket with the Linux
// level tagged by this prefix, so the provider hands them to the host
// untouched (SO_REUSEPORT, TCP_CORK, ...: no Windows equivalent exists).
inline constexpr ULONG WSK_LX_LEVEL_TAG = 0x4C580000;  // "LX"
constexpr ULONG WskLxLevel(int linux_level) {
  return WSK_LX_LEVEL_TAG | static_cast<ULONG>(linux_level);
}
// Linux-only ioctls, likewise tagged (SIOCOUTQ, interface ioctls, ...).
// Input: {unsigned long request; void* argument}.
inline constexpr ULONG SIO_LXWSK_HOST_IOCTL = 0xCF000040;
// shutdown() on a datagram socket (WSK's datagram table has no disconnect).
// Input: ULONG WskDisconnect flags.
inline constexpr ULONG SIO_LXWSK_SHUTDOWN = 0x8F000041;
// A connection socket (from WskAccept) becomes an undecided stream-category
// socket, which can listen (WSK's connection table has no WskListen). Linux
// lets an accepted TCP socket listen once connect(AF_UNSPEC) disconnected
// it; whether it may is the transport's answer to the listen. No buffers.
inline constexpr ULONG SIO_LXWSK_STREAM_CATEGORY = 0x8F000042;
// WskGetOption, WS_SOL_SOCKET: the host handle (fd) behind a socket, which
// a Linux fd table needs and a Windows client never asks for.
inline constexpr ULONG SO_LXWSK_HOST_HANDLE = WSK_SO_BASE + 0x41;
// WskSetOption, WS_SOL_SOCKET: the backlog WskListen uses (Linux listen()
// takes one; WSK has none).
inline constexpr ULONG SO_LXWSK_LISTEN_BACKLOG = WSK_SO_BASE + 0x40;
// Control message types at WS_SOL_SOCKET for what Windows has no control
// message for: a receive timestamp as Linux SO_TIMESTAMP / SO_TIMESTAMPNS
// give it (Windows SO_TIMESTAMP 0x300A is a QPC tick count, another
// meaning). Data: {int64 seconds; int64 microseconds} and {int64 seconds;
// int64 nanoseconds}.
inline constexpr ULONG SO_LXWSK_TIMESTAMP = WSK_SO_BASE + 0x42;
inline constexpr ULONG SO_LXWSK_TIMESTAMPNS = WSK_SO_BASE + 0x43;
// Control messages with no Windows equivalent (TCP_INQ, IP_RECVERR's
// extended errors, levels Windows lacks, malformed ones) travel with the
// level tagged by WskLxLevel(linux_level) and the Linux type and bytes, as
// options do; a level outside 0..0xFFFE travels as WskLxLevel(0xFFFF), a
// level no protocol reads.

enum WSK_CONTROL_SOCKET_TYPE { WskSetOption = 0, WskGetOption, WskIoctl };

struct WSK_SOCKET {
  const void* Dispatch;
  // lxwsk extension: the host handle of a WSK_FLAG_LX_INLINE socket (the
  // descriptor the program names), published by the provider when it
  // creates, accepts or adopts the socket, so that the client reads it
  // without a WskGetOption(SO_LXWSK_HOST_HANDLE) request. -1 when not
  // published (a pending-capable socket, whose handle is the provider's,
  // or a filter's socket): the client then asks with SO_LXWSK_HOST_HANDLE.
  int LxHostHandle = -1;
};
using PWSK_SOCKET = WSK_SOCKET*;
struct WSK_CLIENT;  // provider-defined, opaque to clients
using PWSK_CLIENT = WSK_CLIENT*;

// ---- Client event callbacks (C function tables, as a driver supplies) ----
using PFN_WSK_ACCEPT_EVENT = NTSTATUS (*)(void* SocketContext, ULONG Flags,
                                          PSOCKADDR LocalAddress,
                                          PSOCKADDR RemoteAddress,
                                          PWSK_SOCKET AcceptSocket,
                                          void** AcceptSocketContext,
                                          const void** AcceptSocketDispatch);
struct WSK_CLIENT_LISTEN_DISPATCH {
  PFN_WSK_ACCEPT_EVENT WskAcceptEvent;
  void* WskInspectEvent;  // conditional accept: not modelled
  void* WskAbortEvent;
};
using PFN_WSK_RECEIVE_EVENT = NTSTATUS (*)(void* SocketContext, ULONG Flags,
                                           WSK_DATA_INDICATION* DataIndication,
                                           SIZE_T BytesIndicated,
                                           SIZE_T* BytesAccepted);
using PFN_WSK_DISCONNECT_EVENT = NTSTATUS (*)(void* SocketContext, ULONG Flags);
using PFN_WSK_SEND_BACKLOG_EVENT = NTSTATUS (*)(void* SocketContext,
                                                SIZE_T IdealBacklogSize);
struct WSK_CLIENT_CONNECTION_DISPATCH {
  PFN_WSK_RECEIVE_EVENT WskReceiveEvent;
  PFN_WSK_DISCONNECT_EVENT WskDisconnectEvent;
  PFN_WSK_SEND_BACKLOG_EVENT WskSendBacklogEvent;
};
using PFN_WSK_RECEIVE_FROM_EVENT = NTSTATUS (*)(
    void* SocketContext, ULONG Flags, WSK_DATAGRAM_INDICATION* Indication);
struct WSK_CLIENT_DATAGRAM_DISPATCH {
  PFN_WSK_RECEIVE_FROM_EVENT WskReceiveFromEvent;
};
struct WSK_CLIENT_STREAM_DISPATCH {
  const WSK_CLIENT_LISTEN_DISPATCH* Listen;
  const WSK_CLIENT_CONNECTION_DISPATCH* Connect;
};

// ---- Provider dispatch tables, one abstract class per category ----
class WskProviderBasicDispatch {
 public:
  virtual ~WskProviderBasicDispatch() = default;
  virtual NTSTATUS WskControlSocket(PWSK_SOCKET Socket,
                                    WSK_CONTROL_SOCKET_TYPE RequestType,
                                    ULONG ControlCode, ULONG Level,
                                    SIZE_T InputSize, const void* InputBuffer,
                                    SIZE_T OutputSize, void* OutputBuffer,
                                    SIZE_T* OutputSizeReturned, PIRP Irp) = 0;
  virtual NTSTATUS WskCloseSocket(PWSK_SOCKET Socket, PIRP Irp) = 0;
};

class WskProviderListenDispatch : public WskProviderBasicDispatch {
 public:
  virtual NTSTATUS WskBind(PWSK_SOCKET Socket, const SOCKADDR* LocalAddress,
                           ULONG Flags, PIRP Irp) = 0;
  virtual NTSTATUS WskAccept(PWSK_SOCKET ListenSocket, ULONG Flags,
                             void* AcceptSocketContext,
                             const WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
                             PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress,
                             PIRP Irp) = 0;
  virtual NTSTATUS WskGetLocalAddress(PWSK_SOCKET Socket,
                                      PSOCKADDR LocalAddress, PIRP Irp) = 0;
};

class WskProviderDatagramDispatch : public WskProviderBasicDispatch {
 public:
  virtual NTSTATUS WskBind(PWSK_SOCKET Socket, const SOCKADDR* LocalAddress,
                           ULONG Flags, PIRP Irp) = 0;
  virtual NTSTATUS WskSendTo(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                             const SOCKADDR* RemoteAddress,
                             ULONG ControlInfoLength,
                             const CMSGHDR* ControlInfo, PIRP Irp) = 0;
  // ControlLength is in/out; ControlFlags receives WS_MSG_TRUNC/CTRUNC/...
  virtual NTSTATUS WskReceiveFrom(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                  ULONG Flags, PSOCKADDR RemoteAddress,
                                  ULONG* ControlLength, CMSGHDR* ControlInfo,
                                  ULONG* ControlFlags, PIRP Irp) = 0;
  virtual NTSTATUS WskGetLocalAddress(PWSK_SOCKET Socket,
                                      PSOCKADDR LocalAddress, PIRP Irp) = 0;
  // lxwsk extension: WSK's datagram table has no remote-address query;
  // Linux getpeername on a connected UDP socket needs one.
  virtual NTSTATUS WskGetRemoteAddress(PWSK_SOCKET Socket,
                                       PSOCKADDR RemoteAddress, PIRP Irp) = 0;
  // lxwsk extensions: WskSendTo with no remote address (the one connect
  // fixed) and no control, and WskReceiveFrom with no address, control or
  // result flags, in the connection table's WskSend/WskReceive shape. They
  // are the requests of send()/recv() on a connected UDP socket; with four
  // arguments they travel in registers, where the long forms' last ones go
  // through the stack. A table that does not override them serves them
  // with its long forms, so they mean exactly those requests.
  virtual NTSTATUS WskLxSend(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                             PIRP Irp) {
    return WskSendTo(Socket, Buffer, Flags, nullptr, 0, nullptr, Irp);
  }
  virtual NTSTATUS WskLxReceive(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                ULONG Flags, PIRP Irp) {
    return WskReceiveFrom(Socket, Buffer, Flags, nullptr, nullptr, nullptr,
                          nullptr, Irp);
  }
  // The same for sendto()/recvfrom() with an address (the unconnected UDP
  // pattern): WskSendTo without control, WskReceiveFrom without control or
  // result flags, five arguments. A null address makes them the connected
  // forms.
  virtual NTSTATUS WskLxSendTo(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                               const SOCKADDR* RemoteAddress, PIRP Irp) {
    return WskSendTo(Socket, Buffer, Flags, RemoteAddress, 0, nullptr, Irp);
  }
  virtual NTSTATUS WskLxReceiveFrom(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                    ULONG Flags, PSOCKADDR RemoteAddress,
                                    PIRP Irp) {
    return WskReceiveFrom(Socket, Buffer, Flags, RemoteAddress, nullptr,
                          nullptr, nullptr, Irp);
  }
};

class WskProviderConnectionDispatch : public WskProviderBasicDispatch {
 public:
  virtual NTSTATUS WskBind(PWSK_SOCKET Socket, const SOCKADDR* LocalAddress,
                           ULONG Flags, PIRP Irp) = 0;
  virtual NTSTATUS WskConnect(PWSK_SOCKET Socket, const SOCKADDR* RemoteAddress,
                              ULONG Flags, PIRP Irp) = 0;
  virtual NTSTATUS WskGetLocalAddress(PWSK_SOCKET Socket,
                                      PSOCKADDR LocalAddress, PIRP Irp) = 0;
  virtual NTSTATUS WskGetRemoteAddress(PWSK_SOCKET Socket,
                                       PSOCKADDR RemoteAddress, PIRP Irp) = 0;
  virtual NTSTATUS WskSend(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                           PIRP Irp) = 0;
  virtual NTSTATUS WskReceive(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                              PIRP Irp) = 0;
  virtual NTSTATUS WskDisconnect(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                 ULONG Flags, PIRP Irp) = 0;
  // lxwsk extensions: WskSend / WskReceive with control messages (Windows
  // form, as WskSendTo / WskReceiveFrom take them). WSK's connection table
  // carries none; Linux stream sockets take SOL_SOCKET control on send and
  // give SO_TIMESTAMP*, TCP_INQ, ... on receive. ControlLength is in/out;
  // ControlFlags receives WS_MSG_CTRUNC and the other result flags.
  virtual NTSTATUS WskLxSendMessage(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                    ULONG Flags, ULONG ControlInfoLength,
                                    const CMSGHDR* ControlInfo, PIRP Irp) = 0;
  virtual NTSTATUS WskLxReceiveMessage(PWSK_SOCKET Socket, PWSK_BUF Buffer,
                                       ULONG Flags, ULONG* ControlLength,
                                       CMSGHDR* ControlInfo,
                                       ULONG* ControlFlags, PIRP Irp) = 0;
};

// Undecided listen-or-connect (WSK_FLAG_STREAM_SOCKET, Windows 10 1703+).
class WskProviderStreamDispatch : public WskProviderConnectionDispatch {
 public:
  virtual NTSTATUS WskListen(PWSK_SOCKET Socket, PIRP Irp) = 0;
  virtual NTSTATUS WskAccept(PWSK_SOCKET ListenSocket, ULONG Flags,
                             void* AcceptSocketContext,
                             const WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
                             PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress,
                             PIRP Irp) = 0;
};

// WSK_PROVIDER_DISPATCH: client-level functions.
class WskProviderDispatch {
 public:
  virtual ~WskProviderDispatch() = default;
  USHORT Version = MAKE_WSK_VERSION(1, 0);
  // On success Irp->IoStatus.Information is the new PWSK_SOCKET.
  virtual NTSTATUS WskSocket(PWSK_CLIENT Client, ADDRESS_FAMILY AddressFamily,
                             USHORT SocketType, ULONG Protocol, ULONG Flags,
                             void* SocketContext, const void* Dispatch,
                             void* OwningProcess, void* OwningThread,
                             void* SecurityDescriptor, PIRP Irp) = 0;
  virtual NTSTATUS WskSocketConnect(
      PWSK_CLIENT Client, USHORT SocketType, ULONG Protocol,
      const SOCKADDR* LocalAddress, const SOCKADDR* RemoteAddress, ULONG Flags,
      void* SocketContext, const WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
      void* OwningProcess, void* OwningThread, void* SecurityDescriptor,
      PIRP Irp) = 0;
  virtual NTSTATUS WskControlClient(PWSK_CLIENT Client, ULONG ControlCode,
                                    SIZE_T InputSize, const void* InputBuffer,
                                    SIZE_T OutputSize, void* OutputBuffer,
                                    SIZE_T* OutputSizeReturned, PIRP Irp) = 0;
  // lxwsk extension: wrap a host socket the client did not create through
  // WskSocket (inherited across exec): the Windows kernel never has such a
  // thing; a Linux fd table does. Category is chosen by the client.
  virtual NTSTATUS WskLxAdoptSocket(PWSK_CLIENT Client, int HostHandle,
                                    ADDRESS_FAMILY AddressFamily,
                                    USHORT SocketType, ULONG Protocol,
                                    ULONG Flags, PIRP Irp) = 0;
};

// ---- Registration (NMR attach) ----
using PFN_WSK_CLIENT_EVENT = NTSTATUS (*)(void* ClientContext, ULONG EventType,
                                          void* Information,
                                          SIZE_T InformationLength);
struct WSK_CLIENT_DISPATCH {
  USHORT Version;
  USHORT Reserved;
  PFN_WSK_CLIENT_EVENT WskClientEvent;
};
struct WSK_CLIENT_NPI {
  void* ClientContext;
  const WSK_CLIENT_DISPATCH* Dispatch;
};
// Owned by the client; must stay allocated until WskDeregister returns.
struct WSK_REGISTRATION {
  uint64_t ReservedRegistrationState;
  void* ReservedRegistrationContext;
};
struct WSK_PROVIDER_NPI {
  PWSK_CLIENT Client;
  WskProviderDispatch* Dispatch;
};

class Provider;

// Attaches to the process's provider (created on first use over the host
// stack), or to `provider` when given (tests, fault injection).
NTSTATUS WskRegister(const WSK_CLIENT_NPI* WskClientNpi,
                     WSK_REGISTRATION* WskRegistration,
                     Provider* provider = nullptr);
NTSTATUS WskCaptureProviderNPI(WSK_REGISTRATION* WskRegistration,
                               ULONG WaitTimeout,
                               WSK_PROVIDER_NPI* WskProviderNpi);
void WskReleaseProviderNPI(WSK_REGISTRATION* WskRegistration);
// Blocks until every captured NPI is released and every socket is closed.
void WskDeregister(WSK_REGISTRATION* WskRegistration);

}  // namespace wsk

#endif  // LXWSK_WSK_WSK_H_
