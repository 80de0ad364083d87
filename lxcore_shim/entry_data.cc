// Interposed entry points: the data path. No allocation, no lock, no
// branch beyond the table lookup and the result's sign. The four fast entry
// points are [[gnu::hot]], as are the provider's data-path entries: GCC
// puts them all in .text.hot, a few pages together rather than spread
// over the library.
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "real_libc.h"
#include "shim_state.h"
#include "trace.h"

using lxshim::FastLookup;
using lxshim::Lookup;
using lxshim::Real;
using lxshim::Ret;

namespace {
const char* Flags(int flags) {
  thread_local char buf[128];
  lxshim::FlagsStr(flags, buf, sizeof(buf));
  return buf;
}
}  // namespace

extern "C" {

[[gnu::noinline, gnu::cold]] static ssize_t send_general(int fd,
                                                         const void* buf,
                                                         size_t len,
                                                         int flags) {
  if (lx::LxSocket* s = Lookup(fd)) [[likely]] {
    LXWSK_RETURN("send", fd, lx::SendTo(*s, fd, buf, len, flags, nullptr, 0),
                 "%d, %p, %zu, %s", fd, buf, len, Flags(flags));
  }
  LXWSK_PASS("send", fd, Real().send(fd, buf, len, flags), "%d, %p, %zu, %s",
             fd, buf, len, Flags(flags));
}

[[gnu::hot]] ssize_t send(int fd, const void* buf, size_t len, int flags) {
  lx::LxSocket* s = FastLookup(fd);
  if (s != nullptr) [[likely]]
    return Ret(lx::SendTo(*s, fd, buf, len, flags, nullptr, 0));
  return send_general(fd, buf, len, flags);
}

[[gnu::noinline, gnu::cold]] static ssize_t sendto_general(
    int fd, const void* buf, size_t len, int flags, const sockaddr* to,
    socklen_t to_len) {
  if (lx::LxSocket* s = Lookup(fd)) [[likely]] {
    LXWSK_RETURN("sendto", fd, lx::SendTo(*s, fd, buf, len, flags, to, to_len),
                 "%d, %p, %zu, %s, %p, %u", fd, buf, len, Flags(flags),
                 static_cast<const void*>(to), to_len);
  }
  LXWSK_PASS("sendto", fd, Real().sendto(fd, buf, len, flags, to, to_len),
             "%d, %p, %zu, %s, %p, %u", fd, buf, len, Flags(flags),
             static_cast<const void*>(to), to_len);
}

[[gnu::hot]] ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                            const sockaddr* to, socklen_t to_len) {
  lx::LxSocket* s = FastLookup(fd);
  if (s != nullptr) [[likely]]
    return Ret(lx::SendTo(*s, fd, buf, len, flags, to, to_len));
  return sendto_general(fd, buf, len, flags, to, to_len);
}

ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("sendmsg", fd, lx::SendMsg(*s, fd, msg, flags), "%d, %p, %s",
                 fd, static_cast<const void*>(msg), Flags(flags));
  }
  LXWSK_PASS("sendmsg", fd, Real().sendmsg(fd, msg, flags), "%d, %p, %s", fd,
             static_cast<const void*>(msg), Flags(flags));
}

int sendmmsg(int fd, mmsghdr* msgs, unsigned int n, int flags) {
  if (lx::LxSocket* s = Lookup(fd)) {
    if (lxshim::g_trace_on) [[unlikely]] {
      lxshim::TraceCall t("sendmmsg", fd, "%d, %p, %u, %s", fd,
                          static_cast<void*>(msgs), n, Flags(flags));
      return static_cast<int>(Ret(t.End(lx::SendMmsg(*s, fd, msgs, n, flags))));
    }
    return static_cast<int>(Ret(lx::SendMmsg(*s, fd, msgs, n, flags)));
  }
  LXWSK_PASS("sendmmsg", fd, Real().sendmmsg(fd, msgs, n, flags),
             "%d, %p, %u, %s", fd, static_cast<void*>(msgs), n, Flags(flags));
}

[[gnu::noinline, gnu::cold]] static ssize_t recv_general(int fd, void* buf,
                                                         size_t len,
                                                         int flags) {
  if (lx::LxSocket* s = Lookup(fd)) [[likely]] {
    LXWSK_RETURN("recv", fd,
                 lx::RecvFrom(*s, fd, buf, len, flags, nullptr, nullptr),
                 "%d, %p, %zu, %s", fd, buf, len, Flags(flags));
  }
  LXWSK_PASS("recv", fd, Real().recv(fd, buf, len, flags), "%d, %p, %zu, %s",
             fd, buf, len, Flags(flags));
}

[[gnu::hot]] ssize_t recv(int fd, void* buf, size_t len, int flags) {
  lx::LxSocket* s = FastLookup(fd);
  if (s != nullptr) [[likely]]
    return Ret(lx::RecvFrom(*s, fd, buf, len, flags, nullptr, nullptr));
  return recv_general(fd, buf, len, flags);
}

[[gnu::noinline, gnu::cold]] static ssize_t recvfrom_general(
    int fd, void* buf, size_t len, int flags, sockaddr* from,
    socklen_t* from_len) {
  if (lx::LxSocket* s = Lookup(fd)) [[likely]] {
    LXWSK_RETURN("recvfrom", fd,
                 lx::RecvFrom(*s, fd, buf, len, flags, from, from_len),
                 "%d, %p, %zu, %s, %p, %p", fd, buf, len, Flags(flags),
                 static_cast<void*>(from), static_cast<void*>(from_len));
  }
  LXWSK_PASS("recvfrom", fd,
             Real().recvfrom(fd, buf, len, flags, from, from_len),
             "%d, %p, %zu, %s, %p, %p", fd, buf, len, Flags(flags),
             static_cast<void*>(from), static_cast<void*>(from_len));
}

[[gnu::hot]] ssize_t recvfrom(int fd, void* buf, size_t len, int flags,
                              sockaddr* from, socklen_t* from_len) {
  lx::LxSocket* s = FastLookup(fd);
  if (s != nullptr) [[likely]]
    return Ret(lx::RecvFrom(*s, fd, buf, len, flags, from, from_len));
  return recvfrom_general(fd, buf, len, flags, from, from_len);
}

ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("recvmsg", fd, lx::RecvMsg(*s, fd, msg, flags), "%d, %p, %s",
                 fd, static_cast<void*>(msg), Flags(flags));
  }
  LXWSK_PASS("recvmsg", fd, Real().recvmsg(fd, msg, flags), "%d, %p, %s", fd,
             static_cast<void*>(msg), Flags(flags));
}

int recvmmsg(int fd, mmsghdr* msgs, unsigned int n, int flags,
             timespec* timeout) {
  if (lx::LxSocket* s = Lookup(fd)) {
    if (lxshim::g_trace_on) [[unlikely]] {
      lxshim::TraceCall t("recvmmsg", fd, "%d, %p, %u, %s", fd,
                          static_cast<void*>(msgs), n, Flags(flags));
      return static_cast<int>(
          Ret(t.End(lx::RecvMmsg(*s, fd, msgs, n, flags, timeout))));
    }
    return static_cast<int>(Ret(lx::RecvMmsg(*s, fd, msgs, n, flags, timeout)));
  }
  LXWSK_PASS("recvmmsg", fd, Real().recvmmsg(fd, msgs, n, flags, timeout),
             "%d, %p, %u, %s", fd, static_cast<void*>(msgs), n, Flags(flags));
}

ssize_t read(int fd, void* buf, size_t len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("read", fd, lx::Read(*s, fd, buf, len), "%d, %p, %zu", fd, buf,
                 len);
  }
  return Real().read(fd, buf, len);
}

ssize_t write(int fd, const void* buf, size_t len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("write", fd, lx::Write(*s, fd, buf, len), "%d, %p, %zu", fd,
                 buf, len);
  }
  return Real().write(fd, buf, len);
}

ssize_t readv(int fd, const iovec* iov, int iovcnt) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("readv", fd, lx::Readv(*s, fd, iov, iovcnt), "%d, %p, %d", fd,
                 static_cast<const void*>(iov), iovcnt);
  }
  return Real().readv(fd, iov, iovcnt);
}

ssize_t writev(int fd, const iovec* iov, int iovcnt) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("writev", fd, lx::Writev(*s, fd, iov, iovcnt), "%d, %p, %d",
                 fd, static_cast<const void*>(iov), iovcnt);
  }
  return Real().writev(fd, iov, iovcnt);
}

// Fortified entry points (_FORTIFY_SOURCE): the buffer-size check first,
// exactly as glibc's, then the plain call.
[[noreturn]] void __chk_fail(void);

ssize_t __read_chk(int fd, void* buf, size_t len, size_t buflen) {
  if (len > buflen) __chk_fail();
  return read(fd, buf, len);
}

ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags) {
  if (len > buflen) __chk_fail();
  return recv(fd, buf, len, flags);
}

ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags,
                       sockaddr* from, socklen_t* from_len) {
  if (len > buflen) __chk_fail();
  return recvfrom(fd, buf, len, flags, from, from_len);
}

}  // extern "C"
