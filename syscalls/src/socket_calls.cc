// Socket creation, setup and teardown.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstring>

#include "address.h"
#include "common.h"
#include "lx/socket_tables.h"
#include "user_memory.h"
#include "wsk/lookaside.h"

namespace lx {

extern const CategoryOps kStreamOps;
extern const CategoryOps kDatagramOps;

wsk::WskProviderBasicDispatch* LxSocket::basic() const {
  switch (category) {
    case wsk::WSK_FLAG_DATAGRAM_SOCKET:
      return datagram();
    default:
      return connection();
  }
}

bool UsesWsk(int family) { return family == AF_INET || family == AF_INET6; }

long Control(LxSocket& s, int fd, wsk::WSK_CONTROL_SOCKET_TYPE type,
             uint32_t code, uint32_t level, size_t in_size, const void* in,
             size_t out_size, void* out) {
  StackIrp irp(fd);
  size_t returned = 0;
  s.basic()->WskControlSocket(s.wsk, type, code, level, in_size, in, out_size,
                              out, &returned, &irp);
  return Result(irp);
}

long EnsureBoundSlow(LxSocket& s, int fd) {
  StackIrp irp(fd);
  // Datagram and connection tables both carry WskBind.
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
    s.datagram()->WskBind(s.wsk, nullptr, wsk::WSK_FLAG_LX_IMPLICIT_BIND, &irp);
  } else {
    s.connection()->WskBind(s.wsk, nullptr, wsk::WSK_FLAG_LX_IMPLICIT_BIND,
                            &irp);
  }
  long r = Result(irp);
  if (r >= 0) s.MarkBound();
  return r;
}

long DatagramAddressRefused(LxSocket& s, int fd, long err, socklen_t len,
                            bool connect) {
  // Errors found while copying the address in (move_addr_to_kernel) and
  // connect's "shorter than a family" come before the autobind.
  if (err == -EFAULT || static_cast<int>(len) < 0 ||
      len > sizeof(sockaddr_storage) ||
      (connect && len < sizeof(sa_family_t))) {
    return err;
  }
  // Only UDP (and UDP-Lite) autobinds; raw and ping sockets have their
  // number from creation.
  if (s.type != SOCK_DGRAM || (s.protocol != 0 && s.protocol != IPPROTO_UDP &&
                               s.protocol != IPPROTO_UDPLITE)) {
    return err;
  }
  // The wildcard address with port 0 locks neither address nor port
  // (inet_bind_sk), exactly like an autobind. On a socket that already has
  // a port the bind fails (EINVAL) and changes nothing, as Linux's autobind
  // does nothing then.
  wsk::SOCKADDR_STORAGE any{};
  any.ss_family = WsFamily(s.family);
  StackIrp irp(fd);
  s.datagram()->WskBind(s.wsk, reinterpret_cast<const wsk::SOCKADDR*>(&any), 0,
                        &irp);
  if (Result(irp) >= 0) s.MarkBound();
  return err;
}

const WskBinding& DefaultBinding() {
  static const WskBinding binding = [] {
    static const wsk::WSK_CLIENT_DISPATCH dispatch{wsk::MAKE_WSK_VERSION(1, 0),
                                                   0, nullptr};
    static const wsk::WSK_CLIENT_NPI npi{nullptr, &dispatch};
    static wsk::WSK_REGISTRATION registration;
    WskBinding b;
    wsk::WSK_PROVIDER_NPI provider{};
    if (wsk::NT_SUCCESS(wsk::WskRegister(&npi, &registration)) &&
        wsk::NT_SUCCESS(wsk::WskCaptureProviderNPI(
            &registration, wsk::WSK_NO_WAIT, &provider))) {
      b.provider = provider.Dispatch;
      b.client = provider.Client;
    }
    return b;
  }();
  return binding;
}

namespace {

// The Linux socket objects come from a lookaside list, as lxcore.sys's did:
// no heap call per socket, no lock (wsk/lookaside.h), so creation and close
// take no lock a fork or a signal could leave held. Constant-initialised:
// usable before main.
constinit wsk::Lookaside<LxSocket, 16384> g_lx_sockets;

}  // namespace

void* LxSocket::operator new(size_t size) noexcept {
  // A larger (derived) object: the heap, which Free recognises.
  return size <= sizeof(LxSocket) ? g_lx_sockets.Allocate() : malloc(size);
}
void LxSocket::operator delete(void* p) noexcept { g_lx_sockets.Free(p); }

namespace {

// The function a dispatch object's table holds for `method`: GCC's bound
// member function extraction
// (gcc.gnu.org/onlinedocs/gcc/Bound-member-functions.html), whose object
// parameter Entry declares as `const void*` (one entry type serves every
// category's table; the ABI passes the pointer alike); other compilers get
// a function that makes the virtual call.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpmf-conversions"
#pragma GCC diagnostic ignored "-Wcast-function-type"
template <typename Entry, auto kMethod, typename Table>
Entry EntryOf(Table* table) {
  return (Entry)(table->*kMethod);
}
#pragma GCC diagnostic pop
#else
template <auto kMethod, typename Table, typename... Args>
wsk::NTSTATUS CallEntry(const void* table, Args... args) {
  return (static_cast<Table*>(const_cast<void*>(table))->*kMethod)(args...);
}
template <auto kMethod, typename Table, typename... Args>
auto EntryFor(wsk::NTSTATUS (*)(const void*, Args...)) {
  return &CallEntry<kMethod, Table, Args...>;
}
template <typename Entry, auto kMethod, typename Table>
Entry EntryOf(Table*) {
  return EntryFor<kMethod, Table>(Entry{});
}
#endif

}  // namespace

void SetDispatch(LxSocket& s) {
  s.dispatch = s.wsk->Dispatch;
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
    using Table = wsk::WskProviderDatagramDispatch;
    s.send_entry = EntryOf<DataEntry, &Table::WskLxSend>(s.datagram());
    s.receive_entry = EntryOf<DataEntry, &Table::WskLxReceive>(s.datagram());
    s.send_to_entry = EntryOf<SendToEntry, &Table::WskLxSendTo>(s.datagram());
    s.receive_from_entry =
        EntryOf<ReceiveFromEntry, &Table::WskLxReceiveFrom>(s.datagram());
    s.datagram_send =
        EntryOf<DatagramSendEntry, &Table::WskSendTo>(s.datagram());
    s.datagram_receive =
        EntryOf<DatagramReceiveEntry, &Table::WskReceiveFrom>(s.datagram());
  } else {
    using Table = wsk::WskProviderConnectionDispatch;
    s.send_entry = EntryOf<DataEntry, &Table::WskSend>(s.connection());
    s.receive_entry = EntryOf<DataEntry, &Table::WskReceive>(s.connection());
  }
}

namespace {

// nullptr only when the lookaside list and the heap are exhausted.
LxSocket* NewLxSocket(wsk::PWSK_SOCKET ws, uint32_t category, int family,
                      int type, int protocol) {
  auto* s = new LxSocket;
  if (s == nullptr) [[unlikely]]
    return nullptr;
  s->wsk = ws;
  s->category = category;
  if (category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
    s->data_refuse.store(LxSocket::kRefuseUnbound, std::memory_order_relaxed);
  }
  SetDispatch(*s);
  s->ops =
      category == wsk::WSK_FLAG_DATAGRAM_SOCKET ? &kDatagramOps : &kStreamOps;
  s->family = family;
  s->type = type;
  s->protocol = protocol;
  return s;
}

long HostHandle(LxSocket& s) {
  // The provider publishes an inline socket's host handle in its
  // WSK_SOCKET (lxwsk extension); otherwise (a tracing filter's socket,
  // test providers) the SO_LXWSK_HOST_HANDLE query asks for it.
  if (s.wsk->LxHostHandle >= 0) [[likely]]
    return s.wsk->LxHostHandle;
  int h = -1;
  long r = Control(s, wsk::kNoRequestorHandle, wsk::WskGetOption,
                   wsk::SO_LXWSK_HOST_HANDLE, wsk::WS_SOL_SOCKET, 0, nullptr,
                   sizeof(h), &h);
  return r < 0 ? r : h;
}

void DiscardNew(LxSocket* s) {
  StackIrp irp(wsk::kNoRequestorHandle);
  s->basic()->WskCloseSocket(s->wsk, &irp);
  delete s;
}

// The WSK socket of a new object the lookaside list could not hold (nor
// the heap): closed again, its host handle with it unless `handle` is
// wsk::kHandleAlreadyClosed. Returns -ENOMEM.
long DiscardWsk(wsk::PWSK_SOCKET ws, uint32_t category, int handle) {
  LxSocket tmp;
  tmp.wsk = ws;
  tmp.dispatch = ws->Dispatch;
  tmp.category = category;
  StackIrp irp(handle);
  tmp.basic()->WskCloseSocket(ws, &irp);
  return -ENOMEM;
}

}  // namespace

long Socket(const WskBinding& b, int domain, int type, int protocol,
            LxSocket** out) {
  // net/socket.c __sys_socket: flag bits first, then the type range.
  constexpr int kTypeMask = 0xF;  // SOCK_TYPE_MASK (kernel-internal)
  const int flags = type & ~kTypeMask;
  const int base_type = type & kTypeMask;
  if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
  if (base_type < 0 || base_type >= 11 /* SOCK_MAX */) return -EINVAL;
  if (b.provider == nullptr) return -EAFNOSUPPORT;
  // A Linux socket does not know yet whether it will listen or connect;
  // WSK wants a category now. SOCK_STREAM takes the stream category
  // (undecided, Windows 10 1703+), which commits at WskListen/WskConnect.
  const uint32_t category = base_type == SOCK_STREAM
                                ? wsk::WSK_FLAG_STREAM_SOCKET
                                : wsk::WSK_FLAG_DATAGRAM_SOCKET;
  uint32_t wflags = category | wsk::WSK_FLAG_LX_INLINE;
  if (flags & SOCK_NONBLOCK) wflags |= wsk::WSK_FLAG_LX_NONBLOCK;
  if (flags & SOCK_CLOEXEC) wflags |= wsk::WSK_FLAG_LX_CLOEXEC;
  StackIrp irp(wsk::kNoRequestorHandle);
  b.provider->WskSocket(b.client, WsFamily(domain),
                        static_cast<wsk::USHORT>(base_type),
                        static_cast<wsk::ULONG>(protocol), wflags, nullptr,
                        nullptr, nullptr, nullptr, nullptr, &irp);
  long r = Result(irp);
  if (r < 0) return r;
  auto* ws = reinterpret_cast<wsk::PWSK_SOCKET>(irp.IoStatus.Information);
  LxSocket* s = NewLxSocket(ws, category, domain, base_type, protocol);
  if (s == nullptr) [[unlikely]]
    return DiscardWsk(ws, category, wsk::kNoRequestorHandle);
  long fd = HostHandle(*s);
  if (fd < 0) {
    DiscardNew(s);
    return fd;
  }
  *out = s;
  return fd;
}

long Adopt(const WskBinding& b, int fd, int family, int type, int protocol,
           LxSocket** out) {
  if (!UsesWsk(family)) return -EAFNOSUPPORT;
  if (b.provider == nullptr) return -EAFNOSUPPORT;
  const uint32_t category = type == SOCK_STREAM ? wsk::WSK_FLAG_STREAM_SOCKET
                                                : wsk::WSK_FLAG_DATAGRAM_SOCKET;
  StackIrp irp(fd);
  b.provider->WskLxAdoptSocket(b.client, fd, WsFamily(family),
                               static_cast<wsk::USHORT>(type),
                               static_cast<wsk::ULONG>(protocol),
                               category | wsk::WSK_FLAG_LX_INLINE, &irp);
  long r = Result(irp);
  if (r < 0) return r;
  LxSocket* s =
      NewLxSocket(reinterpret_cast<wsk::PWSK_SOCKET>(irp.IoStatus.Information),
                  category, family, type, protocol);
  if (s == nullptr) [[unlikely]] {
    // Only the model's object goes; the inherited host fd stays open.
    return DiscardWsk(
        reinterpret_cast<wsk::PWSK_SOCKET>(irp.IoStatus.Information), category,
        wsk::kHandleAlreadyClosed);
  }
  // Not marked bound: an inherited socket may never have been bound (the
  // provider knows from the host whether it was). The first connect, listen
  // or send-to issues the implicit WskBind, which costs nothing and keeps
  // WSK's "bind first" rule either way.
  *out = s;
  return 0;
}

void AddRef(LxSocket* s) { s->refs.fetch_add(1, std::memory_order_relaxed); }

bool AddRefIfLive(LxSocket* s) {
  int n = s->refs.load(std::memory_order_relaxed);
  while (n > 0) {
    if (s->refs.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

bool ReleaseRef(LxSocket* s) {
  return s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

long CloseSocket(LxSocket* s, int fd) {
  StackIrp irp(fd);
  s->basic()->WskCloseSocket(s->wsk, &irp);
  delete s;
  return Result(irp);
}

long Bind(LxSocket& s, int fd, const sockaddr* addr, socklen_t len) {
  wsk::SOCKADDR_STORAGE ws;
  if (!AddressInExact(addr, len, s.family, &ws)) {
    if (long r = AddressIn(addr, len, AddrUse::kBind, s.family, &ws); r < 0)
      return r;
  }
  StackIrp irp(fd);
  const auto* a = reinterpret_cast<const wsk::SOCKADDR*>(&ws);
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
    s.datagram()->WskBind(s.wsk, a, 0, &irp);
  } else {
    s.connection()->WskBind(s.wsk, a, 0, &irp);
  }
  long r = Result(irp);
  if (r >= 0) s.MarkBound();
  return r;
}

long Listen(LxSocket& s, int fd, int backlog) {
  // inet_listen: only an unconnected SOCK_STREAM socket can listen.
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) return -EOPNOTSUPP;
  if (s.category == wsk::WSK_FLAG_CONNECTION_SOCKET) {
    // An accepted socket is a WSK connection socket, which cannot listen;
    // a Linux one can once connect(AF_UNSPEC) has disconnected it. Make it
    // an undecided stream socket and let the transport judge the listen
    // (still connected: EINVAL, as inet_listen says).
    if (long r = Control(s, fd, wsk::WskIoctl, wsk::SIO_LXWSK_STREAM_CATEGORY,
                         0, 0, nullptr, 0, nullptr);
        r < 0) {
      return r;
    }
    s.category = wsk::WSK_FLAG_STREAM_SOCKET;
    SetDispatch(s);
  }
  if (s.category != wsk::WSK_FLAG_STREAM_SOCKET) return -EINVAL;
  if (long r = EnsureBound(s, fd); r < 0) return r;
  if (long r =
          Control(s, fd, wsk::WskSetOption, wsk::SO_LXWSK_LISTEN_BACKLOG,
                  wsk::WS_SOL_SOCKET, sizeof(backlog), &backlog, 0, nullptr);
      r < 0) {
    return r;
  }
  StackIrp irp(fd);
  s.stream()->WskListen(s.wsk, &irp);
  return Result(irp);
}

long Accept4(const WskBinding& /*b*/, LxSocket& s, int fd, sockaddr* addr,
             socklen_t* addrlen, int flags, LxSocket** out) {
  if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) return -EOPNOTSUPP;
  // An accepted (connection-category) socket has no WskAccept: Linux says
  // EINVAL for accept on a socket that is not listening.
  if (s.category != wsk::WSK_FLAG_STREAM_SOCKET) return -EINVAL;
  uint32_t wflags = 0;
  if (flags & SOCK_NONBLOCK) wflags |= wsk::WSK_FLAG_LX_NONBLOCK;
  if (flags & SOCK_CLOEXEC) wflags |= wsk::WSK_FLAG_LX_CLOEXEC;
  // The peer's address only when the caller asked for it (accept(fd, NULL,
  // NULL), the common server form, clears nothing).
  wsk::SOCKADDR_STORAGE remote;
  if (addr != nullptr) memset(&remote, 0, sizeof(remote));
  StackIrp irp(fd);
  s.stream()->WskAccept(
      s.wsk, wflags, nullptr, nullptr, nullptr,
      addr ? reinterpret_cast<wsk::PSOCKADDR>(&remote) : nullptr, &irp);
  long r = Result(irp);
  if (r < 0) return r;
  auto* ws = reinterpret_cast<wsk::PWSK_SOCKET>(irp.IoStatus.Information);
  LxSocket* a = NewLxSocket(ws, wsk::WSK_FLAG_CONNECTION_SOCKET, s.family,
                            s.type, s.protocol);
  if (a == nullptr) [[unlikely]]
    return DiscardWsk(ws, wsk::WSK_FLAG_CONNECTION_SOCKET,
                      wsk::kNoRequestorHandle);
  a->MarkBound();
  long nfd = HostHandle(*a);
  if (nfd < 0) {
    DiscardNew(a);
    return nfd;
  }
  if (addr != nullptr) {
    // Linux copies the peer address after accepting; a bad buffer loses the
    // connection and reports EFAULT (net/socket.c do_accept).
    long ar = AddressOut(reinterpret_cast<wsk::SOCKADDR*>(&remote),
                         wsk::SockaddrLength(remote.ss_family), addr, addrlen);
    if (ar < 0) {
      CloseSocket(a, static_cast<int>(nfd));
      return ar;
    }
  }
  *out = a;
  return nfd;
}

// __inet_stream_connect checks the socket's state before the protocol
// (tcp_v4_connect, tcp_v6_connect) looks at the address: a connected or
// listening socket says EISCONN, one whose connect is in progress EALREADY,
// whatever the address's family and length, as long as the length passed
// move_addr_to_kernel and holds a family. WSK has no state query; the
// remote address (connected), SO_ACCEPTCONN (listening) and the state byte
// of the tunnelled Linux TCP_INFO (SYN_SENT, SYN_RECV) tell. Returns the
// errno, or 0 when the address error stands.
static int StateErrorBeforeAddress(LxSocket& s, int fd) {
  wsk::SOCKADDR_STORAGE remote{};
  StackIrp irp(fd);
  s.connection()->WskGetRemoteAddress(
      s.wsk, reinterpret_cast<wsk::PSOCKADDR>(&remote), &irp);
  if (irp.IoStatus.Status == wsk::STATUS_SUCCESS) return EISCONN;
  if (s.category != wsk::WSK_FLAG_STREAM_SOCKET) return 0;
  uint32_t listening = 0;
  long r =
      Control(s, fd, wsk::WskGetOption, wsk::WS_SO_ACCEPTCONN,
              wsk::WS_SOL_SOCKET, 0, nullptr, sizeof(listening), &listening);
  if (r >= 0 && listening != 0) return EISCONN;
  // struct tcp_info starts with tcpi_state; TCP_SYN_SENT 2, TCP_SYN_RECV 3.
  // (A blocking socket would wait for the connect first; it answers at once.)
  unsigned char info[8] = {};
  r = Control(s, fd, wsk::WskGetOption, TCP_INFO, wsk::WskLxLevel(IPPROTO_TCP),
              0, nullptr, sizeof(info), info);
  if (r >= 1 && (info[0] == 2 || info[0] == 3)) return EALREADY;
  return 0;
}

long Connect(LxSocket& s, int fd, const sockaddr* addr, socklen_t len) {
  wsk::SOCKADDR_STORAGE ws;
  const bool datagram = s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET;
  if (!AddressInExact(addr, len, s.family, &ws)) [[unlikely]] {
    if (long r = AddressIn(
            addr, len, datagram ? AddrUse::kConnect : AddrUse::kConnectStream,
            s.family, &ws);
        r < 0) {
      if (datagram) {
        return DatagramAddressRefused(s, fd, r, len, /*connect=*/true);
      }
      if ((r == -EINVAL || r == -EAFNOSUPPORT) && len >= sizeof(sa_family_t) &&
          len <= sizeof(sockaddr_storage)) {
        if (int e = StateErrorBeforeAddress(s, fd); e != 0) return -e;
      }
      return r;
    }
  }
  const auto* a = reinterpret_cast<const wsk::SOCKADDR*>(&ws);
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
    // A connected UDP socket is a datagram socket with a fixed remote
    // address: SIO_WSK_SET_REMOTE_ADDRESS. AF_UNSPEC dissolves it.
    if (ws.ss_family != wsk::WS_AF_UNSPEC) {
      if (long r = EnsureBound(s, fd); r < 0) return r;
    }
    size_t n = ws.ss_family == wsk::WS_AF_UNSPEC
                   ? sizeof(wsk::SOCKADDR)
                   : wsk::SockaddrLength(ws.ss_family);
    long r = Control(s, fd, wsk::WskIoctl, wsk::SIO_WSK_SET_REMOTE_ADDRESS, 0,
                     n == 0 ? sizeof(wsk::SOCKADDR) : n, a, 0, nullptr);
    return r < 0 ? r : 0;
  }
  StackIrp irp(fd);
  if (ws.ss_family == wsk::WS_AF_UNSPEC) {
    // connect(AF_UNSPEC) on TCP is tcp_disconnect(): an abortive disconnect.
    s.connection()->WskDisconnect(s.wsk, nullptr, wsk::WSK_FLAG_ABORTIVE, &irp);
    return Result(irp);
  }
  if (long r = EnsureBound(s, fd); r < 0) return r;
  s.connection()->WskConnect(s.wsk, a, 0, &irp);
  // WSK has no non-blocking connect: AFD completes it with "would block"
  // and the connection goes on. Linux says EINPROGRESS.
  if (irp.IoStatus.Status == wsk::STATUS_DEVICE_NOT_READY) return -EINPROGRESS;
  return Result(irp);
}

long GetSockName(LxSocket& s, int fd, sockaddr* addr, socklen_t* len) {
  wsk::SOCKADDR_STORAGE ws{};
  StackIrp irp(fd);
  auto* a = reinterpret_cast<wsk::PSOCKADDR>(&ws);
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
    s.datagram()->WskGetLocalAddress(s.wsk, a, &irp);
  } else {
    s.connection()->WskGetLocalAddress(s.wsk, a, &irp);
  }
  long r = Result(irp);
  if (r < 0) return r;
  return AddressOut(a, static_cast<socklen_t>(r), addr, len);
}

long GetPeerName(LxSocket& s, int fd, sockaddr* addr, socklen_t* len) {
  wsk::SOCKADDR_STORAGE ws{};
  StackIrp irp(fd);
  auto* a = reinterpret_cast<wsk::PSOCKADDR>(&ws);
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
    s.datagram()->WskGetRemoteAddress(s.wsk, a, &irp);
  } else {
    s.connection()->WskGetRemoteAddress(s.wsk, a, &irp);
  }
  long r = Result(irp);
  if (r < 0) return r;
  return AddressOut(a, static_cast<socklen_t>(r), addr, len);
}

long Shutdown(LxSocket& s, int fd, int how) {
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  // WskDisconnect is SHUT_WR (graceful); Linux's receive side has no WSK
  // call, so SHUT_RD travels as an extension flag.
  static constexpr uint32_t kFlags[] = {
      wsk::WSK_FLAG_LX_SHUT_RD | wsk::WSK_FLAG_LX_NO_SHUT_WR, 0,
      wsk::WSK_FLAG_LX_SHUT_RD};
  uint32_t flags = kFlags[how];
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
    // A datagram send after this is EPIPE without SIGPIPE: sends now take
    // the category's form, which never raises it (the four-argument form
    // does not know the category). Set whatever the result: Linux shuts
    // an unconnected socket down too, while saying ENOTCONN.
    if (how != SHUT_RD) s.data_refuse.fetch_or(LxSocket::kRefuseSendShutdown);
    return Control(s, fd, wsk::WskIoctl, wsk::SIO_LXWSK_SHUTDOWN, 0,
                   sizeof(flags), &flags, 0, nullptr);
  }
  StackIrp irp(fd);
  s.connection()->WskDisconnect(s.wsk, nullptr, flags, &irp);
  return Result(irp);
}

}  // namespace lx
