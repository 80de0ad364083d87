// Linux socket syscall semantics expressed on WSK: what lxcore.sys did.
//
// One function per syscall. Each takes Linux ABI arguments and returns the
// Linux result: a value >= 0, or -errno. Each speaks only WSK below it (the
// dispatch tables of wsk/wsk.h, Windows representation, NTSTATUS), so a test
// can put a gmock provider under any of them. Checks run in Linux's order;
// where WSK and Linux differ, the code says which behaviour it restores.
//
// Contexts: callable from any thread, after fork, and from signal handlers
// for the data calls (send/recv family, which allocate nothing and take no
// lock). Creation and close take no lock either: the LxSocket and the
// provider's socket object come from lock-free lookaside lists
// (wsk/lookaside.h), which fall back to malloc only when a list's arena
// is full (and map the arena with mmap on first use).
#ifndef LXWSK_SYSCALLS_SYSCALLS_H_
#define LXWSK_SYSCALLS_SYSCALLS_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>

#include "wsk/wsk.h"

namespace lx {

struct LxSocket;

// Per-category data operations: a table per category instead of a branch
// on the category at every call.
// Ancillary data of sendmsg/recvmsg. Send: the control messages already in
// Windows form (SendMsg converts them). Receive: the program's buffer, in
// Linux form (data may be null); the category asks WSK for Windows-form
// control and writes Linux's form into it, as put_cmsg would.
struct Ancillary {
  void* data;
  size_t length;  // in: capacity; out (recv): bytes written
};
struct CategoryOps {
  long (*send)(LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags,
               const sockaddr* to, socklen_t to_len, const Ancillary* control);
  long (*recv)(LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags,
               sockaddr* from, socklen_t* from_len, int* msg_flags,
               Ancillary* control);
};

// A socket's data-path entries in its dispatch table: the table's own
// functions, called with the table (the C++ dispatch object, `dispatch`)
// first. The object's type differs by category; the ABI passes it alike.
using DataEntry = wsk::NTSTATUS (*)(const void* table, wsk::PWSK_SOCKET,
                                    wsk::PWSK_BUF, wsk::ULONG, wsk::PIRP);
using SendToEntry = wsk::NTSTATUS (*)(const void* table, wsk::PWSK_SOCKET,
                                      wsk::PWSK_BUF, wsk::ULONG,
                                      const wsk::SOCKADDR*, wsk::PIRP);
using ReceiveFromEntry = wsk::NTSTATUS (*)(const void* table, wsk::PWSK_SOCKET,
                                           wsk::PWSK_BUF, wsk::ULONG,
                                           wsk::PSOCKADDR, wsk::PIRP);
using DatagramSendEntry = wsk::NTSTATUS (*)(const void* table, wsk::PWSK_SOCKET,
                                            wsk::PWSK_BUF, wsk::ULONG,
                                            const wsk::SOCKADDR*, wsk::ULONG,
                                            const wsk::CMSGHDR*, wsk::PIRP);
using DatagramReceiveEntry = wsk::NTSTATUS (*)(const void* table,
                                               wsk::PWSK_SOCKET, wsk::PWSK_BUF,
                                               wsk::ULONG, wsk::PSOCKADDR,
                                               wsk::ULONG*, wsk::CMSGHDR*,
                                               wsk::ULONG*, wsk::PIRP);

// The Linux socket object behind one or more fds (dup shares it).
struct LxSocket {
  std::atomic<int> refs{1};
  // 0 when a request without an address goes straight to send_entry/
  // receive_entry; otherwise the category's own form handles it first:
  // kRefuseUnbound, a datagram socket not yet bound (the autobind before
  // WSK's bind-first rule); kRefuseDeferredError, an error recvmmsg left;
  // kRefuseSendShutdown, a datagram socket shut down for sending (its EPIPE
  // raises no SIGPIPE, which only the category's form knows). One word, so
  // the data path makes one test whatever the category (in the padding
  // after `refs`).
  static constexpr uint32_t kRefuseUnbound = 1;
  static constexpr uint32_t kRefuseDeferredError = 2;
  static constexpr uint32_t kRefuseSendShutdown = 4;
  std::atomic<uint32_t> data_refuse{0};
  const CategoryOps* ops;
  wsk::PWSK_SOCKET wsk;
  const void* dispatch;  // WSK_SOCKET::Dispatch of `category`
  // The entries are read from `dispatch` whenever it is set (SetDispatch),
  // as a C WSK client keeps the PFN_WSK_SEND it reads from the table: a
  // request is then one indirect call with one load, where a C++ virtual
  // call loads the object, its table and the entry.
  // send/recv without an address, every category: WskSend/WskReceive
  // (connection and stream tables), WskLxSend/WskLxReceive (datagram).
  DataEntry send_entry = nullptr;
  DataEntry receive_entry = nullptr;
  // Datagram sockets: with an address and without control,
  // WskLxSendTo/WskLxReceiveFrom; with control (sendmsg, recvmsg), the
  // long forms WskSendTo/WskReceiveFrom.
  SendToEntry send_to_entry = nullptr;
  ReceiveFromEntry receive_from_entry = nullptr;
  DatagramSendEntry datagram_send = nullptr;
  DatagramReceiveEntry datagram_receive = nullptr;
  uint32_t category;  // WSK_FLAG_*_SOCKET
  int family;         // Linux values
  int type;
  int protocol;
  std::atomic<bool> bound{false};
  // An error do_recvmmsg leaves for the next call after receiving some
  // datagrams (the kernel stores it in sk_err, which WSK cannot set).
  std::atomic<int> deferred_error{0};

  void MarkBound() {
    bound.store(true, std::memory_order_relaxed);
    data_refuse.fetch_and(~kRefuseUnbound);
  }
  // The flag goes up after the error and down before it is taken, so a
  // pending error always has it up. A take racing a set may leave it up
  // with no error (0 taken): HasDeferredError's callers then take, get 0
  // and go on, and the take has put the flag down.
  void SetDeferredError(int err) {
    deferred_error.store(err);
    data_refuse.fetch_or(kRefuseDeferredError);
  }
  bool HasDeferredError() const {
    return (data_refuse.load(std::memory_order_relaxed) &
            kRefuseDeferredError) != 0;
  }
  int TakeDeferredError() {
    data_refuse.fetch_and(~kRefuseDeferredError);
    return deferred_error.exchange(0);
  }
  // The pending error, taken, or 0 (none, or another thread took it).
  int TakeDeferredErrorIfAny() {
    return HasDeferredError() ? TakeDeferredError() : 0;
  }

  // `new LxSocket` takes a block from the syscalls layer's lookaside list
  // (wsk/lookaside.h: no lock, no heap call until its arena is full) and
  // yields nullptr when none is left; `delete` gives the block back.
  static void* operator new(size_t size) noexcept;
  static void operator delete(void* p) noexcept;

  // WSK hands out const tables; C++ dispatch objects are called non-const.
  wsk::WskProviderBasicDispatch* basic() const;
  wsk::WskProviderStreamDispatch* stream() const {
    return static_cast<wsk::WskProviderStreamDispatch*>(
        const_cast<void*>(dispatch));
  }
  wsk::WskProviderConnectionDispatch* connection() const {
    return static_cast<wsk::WskProviderConnectionDispatch*>(
        const_cast<void*>(dispatch));
  }
  wsk::WskProviderDatagramDispatch* datagram() const {
    return static_cast<wsk::WskProviderDatagramDispatch*>(
        const_cast<void*>(dispatch));
  }
};

// Sets s.dispatch from s.wsk->Dispatch (for s.category) and reads the
// data-path entries from it.
void SetDispatch(LxSocket& s);

// The syscalls layer as a WSK client: its captured provider NPI.
struct WskBinding {
  wsk::WskProviderDispatch* provider = nullptr;
  wsk::PWSK_CLIENT client = nullptr;
};
// Registers with the process's provider on first use.
const WskBinding& DefaultBinding();

// True when `family` goes through WSK (AF_INET, AF_INET6); other families
// pass through to the host untouched, as in WSL1.
bool UsesWsk(int family);

// ---- Creation and lifetime ----
// Returns the new fd; *out receives the object (one reference).
long Socket(const WskBinding& b, int domain, int type, int protocol,
            LxSocket** out);
// Wraps a socket fd the shim did not create (inherited across exec), whose
// family, type and protocol the caller read from the host. Returns 0, or
// -EAFNOSUPPORT when the family does not use WSK.
long Adopt(const WskBinding& b, int fd, int family, int type, int protocol,
           LxSocket** out);
long Accept4(const WskBinding& b, LxSocket& s, int fd, sockaddr* addr,
             socklen_t* addrlen, int flags, LxSocket** out);
// References: one per fd naming the socket (dup shares the object).
void AddRef(LxSocket* s);
// AddRef unless the count already reached 0 (a close in another thread
// took the last reference; the object only waits to be freed).
bool AddRefIfLive(LxSocket* s);
// Drops one reference; true when it was the last (then call CloseSocket).
bool ReleaseRef(LxSocket* s);
// WskCloseSocket on the last reference, closing `fd` with it (or nothing,
// with wsk::kHandleAlreadyClosed), and frees `s`. Returns close's result.
long CloseSocket(LxSocket* s, int fd);

// ---- Connection setup ----
long Bind(LxSocket& s, int fd, const sockaddr* addr, socklen_t len);
// An accepted socket that connect(AF_UNSPEC) made unconnected again
// becomes a stream-category socket first (SIO_LXWSK_STREAM_CATEGORY).
long Listen(LxSocket& s, int fd, int backlog);
long Connect(LxSocket& s, int fd, const sockaddr* addr, socklen_t len);
long GetSockName(LxSocket& s, int fd, sockaddr* addr, socklen_t* len);
long GetPeerName(LxSocket& s, int fd, sockaddr* addr, socklen_t* len);
long Shutdown(LxSocket& s, int fd, int how);

// ---- Data ----
long SendTo(LxSocket& s, int fd, const void* buf, size_t len, int flags,
            const sockaddr* to, socklen_t to_len);
long RecvFrom(LxSocket& s, int fd, void* buf, size_t len, int flags,
              sockaddr* from, socklen_t* from_len);
long SendMsg(LxSocket& s, int fd, const msghdr* msg, int flags);
long RecvMsg(LxSocket& s, int fd, msghdr* msg, int flags);
long SendMmsg(LxSocket& s, int fd, mmsghdr* msgs, unsigned int n, int flags);
long RecvMmsg(LxSocket& s, int fd, mmsghdr* msgs, unsigned int n, int flags,
              timespec* timeout);
long Read(LxSocket& s, int fd, void* buf, size_t len);
long Write(LxSocket& s, int fd, const void* buf, size_t len);
long Readv(LxSocket& s, int fd, const iovec* iov, int iovcnt);
long Writev(LxSocket& s, int fd, const iovec* iov, int iovcnt);

// ---- Control ----
long GetSockOpt(LxSocket& s, int fd, int level, int name, void* value,
                socklen_t* len);
long SetSockOpt(LxSocket& s, int fd, int level, int name, const void* value,
                socklen_t len);
long Ioctl(LxSocket& s, int fd, unsigned long request, void* arg);
// fcntl(F_SETFL) on O_NONBLOCK: the FIONBIO control request.
long SetNonBlocking(LxSocket& s, int fd, bool on);

}  // namespace lx

#endif  // LXWSK_SYSCALLS_SYSCALLS_H_
