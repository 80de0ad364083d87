// The data path: send/recv and friends. No allocation, no lock: a WSK_BUF
// over MDLs on the stack, an IRP on the stack, one dispatch call, one table
// lookup for the errno.
#include <netinet/in.h>
#include <signal.h>
#include <time.h>

#include <cstring>
#include <vector>

#include "address.h"
#include "common.h"
#include "lx/socket_tables.h"
#include "user_memory.h"

namespace lx {
namespace {

constexpr int kIovMax = 1024;  // UIO_MAXIOV
constexpr int kInlineMdls = 16;
constexpr size_t kMaxRw = 0x7FFFF000;  // MAX_RW_COUNT

// EPIPE: WSK reports a broken connection as a status; Linux also raises
// SIGPIPE at the sending thread unless MSG_NOSIGNAL.
long SendFailed(long r, int flags) {
  if (r == -EPIPE && (flags & MSG_NOSIGNAL) == 0) raise(SIGPIPE);
  return r;
}

// WskSend carries no control data: ancillary data on a stream socket is
// dropped (docs/semantics.md).
long StreamSend(LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags,
                const sockaddr* to, socklen_t to_len, const Ancillary*) {
  // __sys_sendto copies any address in before the protocol ignores it, so
  // a bad one still fails (EFAULT, EINVAL).
  if (to != nullptr) [[unlikely]] {
    if (long r = AddressCopyIn(to, to_len); r < 0) return r;
  }
  StackIrp irp(fd);
  s.connection()->WskSend(s.wsk, buf, WskSendFlags(flags), &irp);
  long r = Result(irp);
  return r >= 0 ? r : SendFailed(r, flags);
}

long DatagramSend(LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags,
                  const sockaddr* to, socklen_t to_len,
                  const Ancillary* control) {
  wsk::SOCKADDR_STORAGE ws;
  const wsk::SOCKADDR* remote = nullptr;
  if (to != nullptr) [[unlikely]] {
    if (long r = AddressIn(to, to_len, AddrUse::kSendTo, s.family, &ws);
        r < 0) {
      return r;
    }
    if (ws.ss_family != wsk::WS_AF_UNSPEC) {
      remote = reinterpret_cast<const wsk::SOCKADDR*>(&ws);
    }
  }
  if (long r = EnsureBound(s, fd); r < 0) [[unlikely]]
    return r;
  StackIrp irp(fd);
  // Control messages travel in Linux form (level and type values are not
  // rewritten to Windows ones yet: docs/semantics.md).
  s.datagram()->WskSendTo(
      s.wsk, buf, WskSendFlags(flags), remote,
      control ? static_cast<wsk::ULONG>(control->length) : 0,
      control ? static_cast<const wsk::CMSGHDR*>(control->data) : nullptr,
      &irp);
  long r = Result(irp);
  return r >= 0 ? r : SendFailed(r, flags);
}

long StreamRecv(LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags,
                sockaddr* from, socklen_t* from_len, int* msg_flags,
                Ancillary* control) {
  if (control != nullptr) control->length = 0;
  StackIrp irp(fd);
  s.connection()->WskReceive(s.wsk, buf, WskReceiveFlags(flags), &irp);
  long r = Result(irp);
  if (r >= 0) {
    // A stream has no source address: Linux reports length 0, after the
    // usual checks of *addrlen (move_addr_to_user with klen 0).
    if (from != nullptr) {
      if (long ar = AddressOut(nullptr, 0, from, from_len); ar < 0) return ar;
    }
    if (msg_flags != nullptr) *msg_flags = flags & MSG_OOB;
  }
  return r;
}

long DatagramRecv(LxSocket& s, int fd, wsk::WSK_BUF* buf, int flags,
                  sockaddr* from, socklen_t* from_len, int* msg_flags,
                  Ancillary* control) {
  // __skb_recv_udp reports a pending socket error before any datagram.
  if (s.deferred_error.load(std::memory_order_relaxed) != 0) [[unlikely]] {
    return -s.deferred_error.exchange(0);
  }
  // Linux receives first and copies the address after: a bad address
  // length still consumes the datagram (net/socket.c __sys_recvfrom).
  wsk::SOCKADDR_STORAGE ws;
  wsk::PSOCKADDR remote = nullptr;
  if (from != nullptr) {
    remote = reinterpret_cast<wsk::PSOCKADDR>(&ws);
    ws.ss_family = wsk::WS_AF_UNSPEC;
  }
  wsk::ULONG ws_flags = 0;
  wsk::ULONG control_len =
      control ? static_cast<wsk::ULONG>(control->length) : 0;
  StackIrp irp(fd);
  s.datagram()->WskReceiveFrom(
      s.wsk, buf, WskReceiveFlags(flags), remote,
      control ? &control_len : nullptr,
      control ? static_cast<wsk::CMSGHDR*>(control->data) : nullptr,
      msg_flags ? &ws_flags : nullptr, &irp);
  long r = Result(irp);
  if (r >= 0) {
    if (control != nullptr) control->length = control_len;
    if (remote != nullptr) {
      long ar =
          AddressOut(remote, wsk::SockaddrLength(ws.ss_family), from, from_len);
      if (ar < 0) return ar;
    }
    if (msg_flags != nullptr) *msg_flags = LinuxResultFlags(ws_flags);
  }
  return r;
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

long SendTo(LxSocket& s, int fd, const void* buf, size_t len, int flags,
            const sockaddr* to, socklen_t to_len) {
  if (len > kMaxRw) len = kMaxRw;
  wsk::MDL mdl{nullptr, const_cast<void*>(buf), 0,
               static_cast<wsk::ULONG>(len)};
  wsk::WSK_BUF wb{&mdl, 0, len};
  return s.ops->send(s, fd, &wb, flags, to, to_len, nullptr);
}

long RecvFrom(LxSocket& s, int fd, void* buf, size_t len, int flags,
              sockaddr* from, socklen_t* from_len) {
  if (len > kMaxRw) len = kMaxRw;
  wsk::MDL mdl{nullptr, buf, 0, static_cast<wsk::ULONG>(len)};
  wsk::WSK_BUF wb{&mdl, 0, len};
  return s.ops->recv(s, fd, &wb, flags, from, from_len, nullptr, nullptr);
}

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
  Ancillary control{msg.msg_control, msg.msg_controllen};
  return s.ops->send(s, fd, chain.buf(), flags, to, msg.msg_namelen,
                     msg.msg_controllen > 0 ? &control : nullptr);
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
  Ancillary control{msg.msg_control, msg.msg_controllen};
  const bool want_control =
      msg.msg_control != nullptr && msg.msg_controllen > 0;
  long r =
      s.ops->recv(s, fd, chain.buf(), flags, from, from ? &namelen : nullptr,
                  &out_flags, want_control ? &control : nullptr);
  if (r < 0) return r;
  // msg_namelen is written only when there is a name buffer (Linux leaves
  // it alone otherwise).
  msg.msg_namelen = namelen;
  msg.msg_controllen = want_control ? control.length : 0;
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
        s.deferred_error.store(static_cast<int>(-r), std::memory_order_relaxed);
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
