// The data path: send/recv and friends. No allocation, no lock: a WSK_BUF
// over MDLs on the stack, an IRP on the stack, one dispatch call, one table
// lookup for the errno.
#include <netinet/in.h>
#include <signal.h>
#include <time.h>

#include <climits>
#include <cstring>
#include <new>
#include <vector>

#include "address.h"
#include "common.h"
#include "lx/cmsg_table.h"
#include "lx/socket_tables.h"
#include "signals.h"
#include "user_memory.h"

namespace lx {
namespace {

constexpr int kIovMax = 1024;  // UIO_MAXIOV
constexpr int kInlineMdls = 16;
constexpr size_t kMaxRw = 0x7FFFF000;  // MAX_RW_COUNT
// Past this a sendmsg control buffer is ENOBUFS (Linux: optmem_max, 128 KiB
// by default since 6.9, 20 KiB before).
constexpr size_t kMaxControl = 1 << 20;

// EPIPE: WSK reports a broken connection as a status; Linux also raises
// SIGPIPE at the sending thread unless MSG_NOSIGNAL, from stream protocols
// only (sk_stream_error). The datagram category's sends never come here;
// the four-argument path does, for every category, and a datagram socket
// reaches it only while data_refuse says nothing (not shut down for
// sending here: docs/semantics.md names the cases left).
[[gnu::noinline, gnu::cold]] long SendFailed(long r, int flags) {
  if (r == -EPIPE && (flags & MSG_NOSIGNAL) == 0) RaiseSigpipe();
  return r;
}

// Control messages cross WSK in Windows form. A received message is
// requested into this much room (Windows form), whatever the program's
// buffer: Linux's truncation rules are applied when it is copied out.
constexpr size_t kWsControl = 1024;
// sendmsg control up to this size is converted on the stack.
constexpr size_t kStackControl = 1024;

// The received control messages (Windows form, full) into the program's
// buffer as Linux's put_cmsg writes them: a message that does not fit is
// cut to the room left (its cmsg_len says so) and sets MSG_CTRUNC; with
// less room than a header, or no buffer, nothing is written and MSG_CTRUNC
// is set. Padding is never written. Returns the bytes used.
size_t PutLinuxCmsgs(const unsigned char* ws, size_t ws_len, void* user,
                     size_t cap, bool* ctrunc) {
  char* out = static_cast<char*>(user);
  size_t left = cap;
  ForEachCmsg(ws, ws_len,
              [&](int level, int type, const unsigned char* data, size_t len) {
                // Converted layouts are a few bytes; the rest is copied
                // from where it is (small stack: signal handlers call this).
                alignas(8) unsigned char lin[32];
                int l, t;
                const unsigned char* src = data;
                size_t n = len;
                if (!CmsgLinuxName(static_cast<uint32_t>(level),
                                   static_cast<uint32_t>(type), &l, &t) &&
                    len + 8 <= sizeof(lin)) {
                  n = CmsgDataToLinux(static_cast<uint32_t>(level),
                                      static_cast<uint32_t>(type), data, len,
                                      /*for_send=*/false, &l, &t, lin);
                  src = lin;
                }
                if (out == nullptr || left < sizeof(cmsghdr)) {
                  *ctrunc = true;
                  return true;
                }
                size_t cmlen = CMSG_LEN(n);
                if (left < cmlen) {
                  *ctrunc = true;
                  cmlen = left;
                }
                cmsghdr h{};
                h.cmsg_len = cmlen;
                h.cmsg_level = l;
                h.cmsg_type = t;
                if (!CopyOut(out, &h, sizeof(h)) ||
                    !CopyOut(out + sizeof(h), src, cmlen - sizeof(h))) {
                  return false;  // put_cmsg's EFAULT ends the copying
                }
                size_t adv = CMSG_SPACE(n) < left ? CMSG_SPACE(n) : left;
                out += adv;
                left -= adv;
                return true;
              });
  return cap - left;
}

// Windows-form control for a receive, then the Linux form into the
// program's buffer; ORs MSG_CTRUNC into *msg_flags when cut.
struct ReceiveControl {
  // A provider that writes no control leaves an empty first header behind.
  ReceiveControl() { memset(ws, 0, kCmsgHeader); }
  alignas(8) unsigned char ws[kWsControl];
  wsk::ULONG length = kWsControl;
  void Deliver(Ancillary* control, int* msg_flags, wsk::ULONG ws_flags) {
    bool ctrunc = (ws_flags & wsk::WS_MSG_CTRUNC) != 0;
    control->length =
        PutLinuxCmsgs(ws, length, control->data, control->length, &ctrunc);
    if (ctrunc && msg_flags != nullptr) *msg_flags |= MSG_CTRUNC;
  }
};

// A send's IRP, which also keeps the Linux flags for the rare failure
// path: kept in the frame, not in a register saved across the call.
struct SendIrp : DataIrp {
  SendIrp(int fd, int linux_flags) : DataIrp(fd), flags(linux_flags) {}
  int flags;
};

// A datagram receive's IRP, which also keeps where the source address
// goes, for the same reason.
struct ReceiveFromIrp : DataIrp {
  ReceiveFromIrp(int fd, sockaddr* addr, socklen_t* addr_len)
      : DataIrp(fd), from(addr), from_len(addr_len) {}
  sockaddr* from;
  socklen_t* from_len;
};

[[gnu::always_inline]] inline long StreamSend(LxSocket& s, int fd,
                                              wsk::WSK_BUF* buf, int flags,
                                              const sockaddr* to,
                                              socklen_t to_len,
                                              const Ancillary* control) {
  // __sys_sendto copies any address in before the protocol ignores it, so
  // a bad one still fails (EFAULT, EINVAL).
  if (to != nullptr) [[unlikely]] {
    if (long r = AddressCheckIn(to, to_len); r < 0) return r;
  }
  SendIrp irp(fd, flags);
  wsk::NTSTATUS st;
  if (control != nullptr) [[unlikely]] {
    // WskSend carries no control: the lxwsk extension does.
    st = s.connection()->WskLxSendMessage(
        s.wsk, buf, WskSendFlags(flags),
        static_cast<wsk::ULONG>(control->length),
        static_cast<const wsk::CMSGHDR*>(control->data), &irp);
  } else {
    st = s.send_entry(s.dispatch, s.wsk, buf, WskSendFlags(flags), &irp);
  }
  long r = DataResult(st, irp);
  if (r >= 0) [[likely]]
    return r;
  return SendFailed(r, irp.flags);
}

// A datagram send's request: the address form (WskLxSendTo, which with a
// null address is the connected form's request) unless there is control
// data, which only the long form WskSendTo carries (in Windows form already:
// SendMsg converted it).
[[gnu::always_inline]] inline wsk::NTSTATUS DatagramSendRequest(
    LxSocket& s, wsk::WSK_BUF* buf, int flags, const wsk::SOCKADDR* remote,
    const Ancillary* control, wsk::PIRP irp) {
  if (control == nullptr) [[likely]] {
    return s.send_to_entry(s.dispatch, s.wsk, buf, WskSendFlags(flags), remote,
                           irp);
  }
  return s.datagram_send(s.dispatch, s.wsk, buf, WskSendFlags(flags), remote,
                         static_cast<wsk::ULONG>(control->length),
                         static_cast<const wsk::CMSGHDR*>(control->data), irp);
}

// The general form of a datagram send: every address rule (AddressIn), the
// implicit bind and the deferred error. DatagramSend below handles the
// common case without a call before the dispatch and hands everything else
// to this.
[[gnu::noinline]] long DatagramSendGeneral(LxSocket& s, int fd,
                                           wsk::WSK_BUF* buf, int flags,
                                           const sockaddr* to, socklen_t to_len,
                                           const Ancillary* control) {
  wsk::SOCKADDR_STORAGE ws;
  const wsk::SOCKADDR* remote = nullptr;
  if (to != nullptr) {
    if (long r = AddressIn(to, to_len, AddrUse::kSendTo, s.family, &ws);
        r < 0) {
      return DatagramAddressRefused(s, fd, r, to_len, /*connect=*/false);
    }
    if (ws.ss_family != wsk::WS_AF_UNSPEC) {
      remote = reinterpret_cast<const wsk::SOCKADDR*>(&ws);
    }
  }
  if (long r = EnsureBound(s, fd); r < 0) return r;
  // An error recvmmsg left is reported by the next send too, after the
  // address checks (sock_alloc_send_pskb reads sk_err); when another
  // thread took it first, the send goes on. udp_sendmsg refuses MSG_OOB
  // and more than 0xFFFF bytes before that, and a MSG_PROBE send never
  // allocates (ip_make_skb): those leave the error where it is.
  if ((flags & (MSG_OOB | kMsgProbe)) == 0 && buf->Length <= 0xFFFF) {
    if (int e = s.TakeDeferredErrorIfAny(); e != 0) return -e;
  }
  StackIrp irp(fd);
  // The same request as DatagramSend makes.
  DatagramSendRequest(s, buf, flags, remote, control, &irp);
  return Result(irp);  // EPIPE (after SHUT_WR) raises no SIGPIPE
}

[[gnu::always_inline]] inline long DatagramSend(LxSocket& s, int fd,
                                                wsk::WSK_BUF* buf, int flags,
                                                const sockaddr* to,
                                                socklen_t to_len,
                                                const Ancillary* control) {
  wsk::SOCKADDR_STORAGE ws;
  const wsk::SOCKADDR* remote = nullptr;
  if (to != nullptr) {
    if (!AddressInSendToFast(to, to_len, s.family, &ws)) [[unlikely]] {
      return DatagramSendGeneral(s, fd, buf, flags, to, to_len, control);
    }
    remote = reinterpret_cast<const wsk::SOCKADDR*>(&ws);
  }
  // Unbound, an error left for the next call, shut down for sending: the
  // general form (one test for all three, as on the four-argument path).
  if (s.data_refuse.load(std::memory_order_relaxed) != 0) [[unlikely]] {
    return DatagramSendGeneral(s, fd, buf, flags, to, to_len, control);
  }
  DataIrp irp(fd);
  const wsk::NTSTATUS st =
      DatagramSendRequest(s, buf, flags, remote, control, &irp);
  return DataResult(st, irp);  // EPIPE (after SHUT_WR) raises no SIGPIPE
}

[[gnu::always_inline]] inline long StreamRecv(
    LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags, sockaddr* from,
    socklen_t* from_len, int* msg_flags, Ancillary* control) {
  DataIrp irp(fd);
  if (control != nullptr) [[unlikely]] {
    // recvmsg: WskReceive returns no control; the lxwsk extension does
    // (SO_TIMESTAMP, TCP_INQ, ...).
    ReceiveControl rc;
    wsk::ULONG ws_flags = 0;
    const wsk::NTSTATUS st = s.connection()->WskLxReceiveMessage(
        s.wsk, buf, WskReceiveFlags(flags), &rc.length,
        reinterpret_cast<wsk::CMSGHDR*>(rc.ws), &ws_flags, &irp);
    long r = DataResult(st, irp);
    if (r >= 0) {
      if (from != nullptr) {
        if (long ar = NoAddressOut(from, from_len); ar < 0) return ar;
      }
      if (msg_flags != nullptr) *msg_flags = flags & MSG_OOB;
      rc.Deliver(control, msg_flags, ws_flags);
    }
    return r;
  }
  const wsk::NTSTATUS st =
      s.receive_entry(s.dispatch, s.wsk, buf, WskReceiveFlags(flags), &irp);
  long r = DataResult(st, irp);
  if (r >= 0) {
    // A stream has no source address: Linux reports length 0, after the
    // usual checks of *addrlen (move_addr_to_user with klen 0).
    if (from != nullptr) {
      if (long ar = NoAddressOut(from, from_len); ar < 0) return ar;
    }
    if (msg_flags != nullptr) *msg_flags = flags & MSG_OOB;
  }
  return r;
}

// A datagram receive after the deferred-error check.
[[gnu::always_inline]] inline long DatagramReceive(
    LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags, sockaddr* from,
    socklen_t* from_len, int* msg_flags, Ancillary* control) {
  // Linux receives first and copies the address after: a bad address
  // length still consumes the datagram (net/socket.c __sys_recvfrom).
  wsk::SOCKADDR_STORAGE ws;
  wsk::PSOCKADDR remote = nullptr;
  if (from != nullptr) {
    remote = reinterpret_cast<wsk::PSOCKADDR>(&ws);
    ws.ss_family = wsk::WS_AF_UNSPEC;
  }
  wsk::ULONG ws_flags = 0;
  ReceiveControl* rc = nullptr;
  alignas(ReceiveControl) unsigned char rc_storage[sizeof(ReceiveControl)];
  if (control != nullptr) rc = new (rc_storage) ReceiveControl;
  ReceiveFromIrp irp(fd, from, from_len);
  wsk::NTSTATUS st;
  if (rc == nullptr && msg_flags == nullptr) [[likely]] {
    st = s.receive_from_entry(s.dispatch, s.wsk, buf, WskReceiveFlags(flags),
                              remote, &irp);
  } else {
    st = s.datagram_receive(
        s.dispatch, s.wsk, buf, WskReceiveFlags(flags), remote,
        rc ? &rc->length : nullptr,
        rc ? reinterpret_cast<wsk::CMSGHDR*>(rc->ws) : nullptr,
        msg_flags ? &ws_flags : nullptr, &irp);
  }
  long r = DataResult(st, irp);
  if (r >= 0) {
    // The address's destination from the frame (`remote` is null exactly
    // when it is), and the result from the IRP (r >= 0 is its
    // Information): nothing is kept in registers across the request.
    if (irp.from != nullptr) {
      long ar = DatagramAddressOut(ws, irp.from, irp.from_len);
      if (ar < 0) return ar;
    }
    if (msg_flags != nullptr) {
      *msg_flags = LinuxResultFlags(ws_flags & ~wsk::WS_MSG_CTRUNC);
    }
    if (rc != nullptr) rc->Deliver(control, msg_flags, ws_flags);
    return static_cast<long>(irp.IoStatus.Information);
  }
  return r;
}

// The error a recvmmsg left for this call; when another thread took it
// first, the receive (out of line: the fast path keeps no value across a
// call for this).
[[gnu::noinline, gnu::cold]] long DatagramReceiveAfterError(
    LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags, sockaddr* from,
    socklen_t* from_len, int* msg_flags, Ancillary* control) {
  if (int e = s.TakeDeferredError(); e != 0) return -e;
  return DatagramReceive(s, fd, buf, flags, from, from_len, msg_flags, control);
}

[[gnu::always_inline]] inline long DatagramRecv(
    LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags, sockaddr* from,
    socklen_t* from_len, int* msg_flags, Ancillary* control) {
  // __skb_recv_udp reports a pending socket error before any datagram.
  if (s.HasDeferredError()) [[unlikely]] {
    return DatagramReceiveAfterError(s, fd, buf, flags, from, from_len,
                                     msg_flags, control);
  }
  return DatagramReceive(s, fd, buf, flags, from, from_len, msg_flags, control);
}

[[gnu::noinline, gnu::cold]] long DatagramRecvNoAddress(LxSocket& s, int fd,
                                                        wsk::WSK_BUF* buf,
                                                        int flags) {
  return DatagramRecv(s, fd, buf, flags, nullptr, nullptr, nullptr, nullptr);
}

// MDLs for an iovec array, on the stack when few (like the kernel's
// UIO_FASTIOV) and in a per-thread buffer otherwise.
class MdlChain {
 public:
  // Returns 0 or -errno (EINVAL for a bad count or length, EFAULT).
  long Build(const iovec* user_iov, size_t count) {
    if (count > static_cast<size_t>(kIovMax)) return -EINVAL;
    wsk::MDL* mdls = inline_;
    if (count > static_cast<size_t>(kInlineMdls)) {
      thread_local std::vector<wsk::MDL> big;
      if (big.size() < static_cast<size_t>(kIovMax)) big.resize(kIovMax);
      mdls = big.data();
    }
    buf_.Mdl = count > 0 ? mdls : nullptr;
    buf_.Offset = 0;
    size_t total = 0;
    iovec chunk[kInlineMdls];
    for (size_t i = 0; i < count; i += kInlineMdls) {
      size_t n = count - i < kInlineMdls ? count - i : kInlineMdls;
      if (!CopyIn(chunk, user_iov + i, n * sizeof(iovec))) return -EFAULT;
      for (size_t j = 0; j < n; ++j) {
        // import_iovec: a negative length is EINVAL; the total is clamped.
        if (static_cast<ssize_t>(chunk[j].iov_len) < 0) return -EINVAL;
        size_t len = chunk[j].iov_len;
        if (len > kMaxRw - total) len = kMaxRw - total;
        total += len;
        wsk::MDL& m = mdls[i + j];
        m.Next = i + j + 1 < count ? &mdls[i + j + 1] : nullptr;
        m.StartVa = chunk[j].iov_base;
        m.ByteOffset = 0;
        m.ByteCount = static_cast<wsk::ULONG>(len);
      }
    }
    buf_.Length = total;
    return 0;
  }
  wsk::WSK_BUF* buf() { return &buf_; }

 private:
  wsk::MDL inline_[kInlineMdls];
  wsk::WSK_BUF buf_;
};

}  // namespace

extern const CategoryOps kStreamOps;
extern const CategoryOps kDatagramOps;
const CategoryOps kStreamOps = {StreamSend, StreamRecv};
const CategoryOps kDatagramOps = {DatagramSend, DatagramRecv};

long SendToClamped(LxSocket& s, int fd, const void* buf, int flags,
                   const sockaddr* to, socklen_t to_len);
long RecvFromClamped(LxSocket& s, int fd, void* buf, int flags, sockaddr* from,
                     socklen_t* from_len);

// SendTo and RecvFrom are inlined into the shim's entry points (LTO); GCC
// warns that an external always_inline function may not always be.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wattributes"
[[gnu::always_inline]] long SendTo(LxSocket& s, int fd, const void* buf,
                                   size_t len, int flags, const sockaddr* to,
                                   socklen_t to_len) {
  if (len > kMaxRw) [[unlikely]]
    return SendToClamped(s, fd, buf, flags, to, to_len);
  wsk::MDL mdl;
  wsk::MmInitializeSingleMdl(&mdl, const_cast<void*>(buf), len);
  wsk::WSK_BUF wb{&mdl, 0, len};
  // Without an address, and unless the socket needs its category's
  // handling first, every category's request is its four-argument entry
  // (WskSend, or WskLxSend on a datagram socket): one test, where choosing
  // the category would be one too.
  if (to == nullptr && s.data_refuse.load(std::memory_order_relaxed) == 0)
      [[likely]] {
    SendIrp irp(fd, flags);
    const wsk::NTSTATUS st =
        s.send_entry(s.dispatch, s.wsk, &wb, WskSendFlags(flags), &irp);
    long r = DataResult(st, irp);
    if (r >= 0) [[likely]]
      return r;
    return SendFailed(r, irp.flags);
  }
  // The category's operation (s.ops, chosen by category at creation),
  // called directly so the compiler can inline it: one compare. [[likely]]
  // lays the datagram form in line: an address is a datagram's.
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) [[likely]] {
    return DatagramSend(s, fd, &wb, flags, to, to_len, nullptr);
  }
  return StreamSend(s, fd, &wb, flags, to, to_len, nullptr);
}

[[gnu::always_inline]] long RecvFrom(LxSocket& s, int fd, void* buf, size_t len,
                                     int flags, sockaddr* from,
                                     socklen_t* from_len) {
  if (len > kMaxRw) [[unlikely]]
    return RecvFromClamped(s, fd, buf, flags, from, from_len);
  wsk::MDL mdl;
  wsk::MmInitializeSingleMdl(&mdl, buf, len);
  wsk::WSK_BUF wb{&mdl, 0, len};
  // As SendTo: WskReceive, or WskLxReceive on a datagram socket.
  if (from == nullptr && s.data_refuse.load(std::memory_order_relaxed) == 0)
      [[likely]] {
    DataIrp irp(fd);
    const wsk::NTSTATUS st =
        s.receive_entry(s.dispatch, s.wsk, &wb, WskReceiveFlags(flags), &irp);
    return DataResult(st, irp);
  }
  if (s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) [[likely]] {
    // Without an address this is the rare socket data_refuse stopped: out
    // of line, so recv() carries no address code.
    if (from == nullptr) return DatagramRecvNoAddress(s, fd, &wb, flags);
    return DatagramRecv(s, fd, &wb, flags, from, from_len, nullptr, nullptr);
  }
  return StreamRecv(s, fd, &wb, flags, from, from_len, nullptr, nullptr);
}
// A length past MAX_RW_COUNT is clamped (rw_verify_area), out of line so
// the common case pays one compare.
[[gnu::noinline, gnu::cold]] long SendToClamped(LxSocket& s, int fd,
                                                const void* buf, int flags,
                                                const sockaddr* to,
                                                socklen_t to_len) {
  return SendTo(s, fd, buf, kMaxRw, flags, to, to_len);
}
[[gnu::noinline, gnu::cold]] long RecvFromClamped(LxSocket& s, int fd,
                                                  void* buf, int flags,
                                                  sockaddr* from,
                                                  socklen_t* from_len) {
  return RecvFrom(s, fd, buf, kMaxRw, flags, from, from_len);
}

#pragma GCC diagnostic pop

long Read(LxSocket& s, int fd, void* buf, size_t len) {
  // sock_read_iter: a zero-length read returns 0 without touching the
  // socket (a zero-length recv would consume a datagram).
  if (len == 0) return 0;
  return RecvFrom(s, fd, buf, len, 0, nullptr, nullptr);
}

long Write(LxSocket& s, int fd, const void* buf, size_t len) {
  return SendTo(s, fd, buf, len, 0, nullptr, 0);
}

long Readv(LxSocket& s, int fd, const iovec* iov, int iovcnt) {
  if (iovcnt < 0) return -EINVAL;
  MdlChain chain;
  if (long r = chain.Build(iov, static_cast<size_t>(iovcnt)); r < 0) return r;
  if (chain.buf()->Length == 0) return 0;
  return s.ops->recv(s, fd, chain.buf(), 0, nullptr, nullptr, nullptr, nullptr);
}

long Writev(LxSocket& s, int fd, const iovec* iov, int iovcnt) {
  if (iovcnt < 0) return -EINVAL;
  MdlChain chain;
  if (long r = chain.Build(iov, static_cast<size_t>(iovcnt)); r < 0) return r;
  // do_iter_write: a zero total writes nothing (no empty datagram).
  if (chain.buf()->Length == 0) return 0;
  return s.ops->send(s, fd, chain.buf(), 0, nullptr, 0, nullptr);
}

long SendMsg(LxSocket& s, int fd, const msghdr* user_msg, int flags) {
  msghdr msg;
  if (!CopyIn(&msg, user_msg, sizeof(msg))) return -EFAULT;
  // ___sys_sendmsg: too many iovecs is EMSGSIZE, not EINVAL.
  if (msg.msg_iovlen > static_cast<size_t>(kIovMax)) return -EMSGSIZE;
  MdlChain chain;
  if (long r = chain.Build(msg.msg_iov, msg.msg_iovlen); r < 0) return r;
  // __copy_msghdr clamps an overlong name to sizeof(sockaddr_storage).
  if (msg.msg_namelen > sizeof(sockaddr_storage)) {
    msg.msg_namelen = sizeof(sockaddr_storage);
  }
  const sockaddr* to = msg.msg_namelen > 0
                           ? static_cast<const sockaddr*>(msg.msg_name)
                           : nullptr;
  if (msg.msg_controllen == 0) [[likely]] {
    return s.ops->send(s, fd, chain.buf(), flags, to, msg.msg_namelen, nullptr);
  }
  // ____sys_sendmsg: an oversized control length is ENOBUFS, an unreadable
  // one EFAULT; then the control messages cross WSK in Windows form.
  if (msg.msg_controllen > INT_MAX) return -ENOBUFS;
  const size_t len = msg.msg_controllen;
  alignas(8) unsigned char lin_stack[kStackControl];
  // Windows form is never longer than Linux form on the way out (in_pktinfo
  // shrinks, a TOS byte becomes an INT within the same CMSG_SPACE).
  alignas(8) unsigned char ws_stack[kStackControl + 16];
  unsigned char* lin = lin_stack;
  unsigned char* ws = ws_stack;
  const size_t ws_cap = len + 16;
  if (len > kStackControl) [[unlikely]] {
    // Linux itself allocates past its 128-byte stack buffer (sock_kmalloc,
    // bounded by optmem_max).
    if (len > kMaxControl) return -ENOBUFS;
    thread_local std::vector<unsigned char> big_lin, big_ws;
    if (big_lin.size() < len) big_lin.resize(len);
    if (big_ws.size() < ws_cap) big_ws.resize(ws_cap);
    lin = big_lin.data();
    ws = big_ws.data();
  }
  if (!CopyIn(lin, msg.msg_control, len)) return -EFAULT;
  Ancillary control{
      ws, CmsgBufferToWs(lin, len, /*for_send=*/true, ws, ws_cap, nullptr)};
  return s.ops->send(s, fd, chain.buf(), flags, to, msg.msg_namelen, &control);
}

long RecvMsg(LxSocket& s, int fd, msghdr* user_msg, int flags) {
  msghdr msg;
  if (!CopyIn(&msg, user_msg, sizeof(msg))) return -EFAULT;
  if (msg.msg_iovlen > static_cast<size_t>(kIovMax)) return -EMSGSIZE;
  MdlChain chain;
  if (long r = chain.Build(msg.msg_iov, msg.msg_iovlen); r < 0) return r;
  socklen_t namelen = msg.msg_namelen;
  sockaddr* from =
      msg.msg_name != nullptr ? static_cast<sockaddr*>(msg.msg_name) : nullptr;
  int out_flags = 0;
  // Always asked for: with no buffer (or too small a one) Linux still says
  // MSG_CTRUNC when there was control data.
  Ancillary control{msg.msg_control, msg.msg_controllen};
  long r = s.ops->recv(s, fd, chain.buf(), flags, from,
                       from ? &namelen : nullptr, &out_flags, &control);
  if (r < 0) return r;
  // msg_namelen is written only when there is a name buffer (Linux leaves
  // it alone otherwise).
  msg.msg_namelen = namelen;
  msg.msg_controllen = control.length;
  msg.msg_flags = out_flags;
  if ((from != nullptr && !CopyOut(&user_msg->msg_namelen, &msg.msg_namelen,
                                   sizeof(msg.msg_namelen))) ||
      !CopyOut(&user_msg->msg_controllen, &msg.msg_controllen,
               sizeof(msg.msg_controllen)) ||
      !CopyOut(&user_msg->msg_flags, &msg.msg_flags, sizeof(msg.msg_flags))) {
    return -EFAULT;
  }
  return r;
}

long SendMmsg(LxSocket& s, int fd, mmsghdr* msgs, unsigned int n, int flags) {
  if (n > static_cast<unsigned>(kIovMax)) n = kIovMax;
  unsigned int sent = 0;
  for (; sent < n; ++sent) {
    long r = SendMsg(s, fd, &msgs[sent].msg_hdr, flags);
    if (r < 0) return sent > 0 ? static_cast<long>(sent) : r;
    unsigned int len = static_cast<unsigned int>(r);
    if (!CopyOut(&msgs[sent].msg_len, &len, sizeof(len))) {
      return sent > 0 ? static_cast<long>(sent) : -EFAULT;
    }
  }
  return sent;
}

long RecvMmsg(LxSocket& s, int fd, mmsghdr* msgs, unsigned int n, int flags,
              timespec* timeout) {
  if (n > static_cast<unsigned>(kIovMax)) n = kIovMax;
  timespec deadline{};
  if (timeout != nullptr) {
    timespec t;
    if (!CopyIn(&t, timeout, sizeof(t))) return -EFAULT;
    if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000) {
      return -EINVAL;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += t.tv_sec;
    deadline.tv_nsec += t.tv_nsec;
    if (deadline.tv_nsec >= 1000000000) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000;
    }
  }
  unsigned int got = 0;
  for (; got < n; ++got) {
    long r = RecvMsg(s, fd, &msgs[got].msg_hdr, flags);
    if (r < 0) {
      if (got == 0) return r;
      // do_recvmmsg: an error after some datagrams is returned by the next
      // call (sk_err); "would block" is not an error here.
      if (r != -EAGAIN && s.category == wsk::WSK_FLAG_DATAGRAM_SOCKET) {
        s.SetDeferredError(static_cast<int>(-r));
      }
      return got;
    }
    unsigned int len = static_cast<unsigned int>(r);
    if (!CopyOut(&msgs[got].msg_len, &len, sizeof(len))) {
      return got > 0 ? static_cast<long>(got) : -EFAULT;
    }
    if (flags & MSG_WAITFORONE) flags |= MSG_DONTWAIT;
    if (timeout != nullptr) {
      // do_recvmmsg checks the timeout only between datagrams.
      timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec > deadline.tv_sec ||
          (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
        ++got;
        break;
      }
    }
  }
  return got;
}

}  // namespace lx
