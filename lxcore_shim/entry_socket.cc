// Interposed entry points: socket creation and connection setup. Each is a
// few lines: find the Linux socket object, call the syscalls layer, turn
// -errno into errno. Calls on fds that are not ours go to libc unchanged.
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real_libc.h"
#include "shim_state.h"
#include "trace.h"

using lxshim::Lookup;
using lxshim::Real;
using lxshim::Ret;

namespace {

long NewSocketFd(long fd, lx::LxSocket* s) {
  if (fd >= 0) lxshim::DropClosed(lxshim::Install(static_cast<int>(fd), s));
  return fd;
}

long CreateSocket(int domain, int type, int protocol) {
  lx::LxSocket* s = nullptr;
  long r;
  {
    lxshim::Busy busy;
    r = lx::Socket(lxshim::Binding(), domain, type, protocol, &s);
  }
  return NewSocketFd(r, s);
}

long AcceptSocket(lx::LxSocket& s, int fd, sockaddr* addr, socklen_t* len,
                  int flags) {
  lx::LxSocket* a = nullptr;
  long r;
  {
    lxshim::Busy busy;
    r = lx::Accept4(lxshim::Binding(), s, fd, addr, len, flags, &a);
  }
  return NewSocketFd(r, a);
}

long PassThroughSocket(int domain, int type, int protocol) {
  int r = Real().socket
              ? Real().socket(domain, type, protocol)
              : static_cast<int>(syscall(SYS_socket, domain, type, protocol));
  return r < 0 ? -errno : r;
}

const char* Type(int type) {
  thread_local char buf[64];
  lxshim::TypeStr(type, buf, sizeof(buf));
  return buf;
}

const char* Addr(const void* a, socklen_t len) {
  thread_local char buf[128];
  lxshim::SockaddrStr(a, len, buf, sizeof(buf));
  return buf;
}

}  // namespace

extern "C" {

int socket(int domain, int type, int protocol) {
  if (!lx::UsesWsk(domain) || !lxshim::EnsureInit() || lxshim::t_busy) {
    if (lxshim::g_trace_on && !lxshim::t_busy) [[unlikely]] {
      lxshim::TraceCall t("socket", -1, "%s, %s, %d", lxshim::FamilyStr(domain),
                          Type(type), protocol);
      t.Note("[pass-through: not a WSK family]");
      return static_cast<int>(
          Ret(t.End(PassThroughSocket(domain, type, protocol))));
    }
    return Real().socket ? Real().socket(domain, type, protocol)
                         : static_cast<int>(Ret(
                               syscall(SYS_socket, domain, type, protocol)));
  }
  LXWSK_RETURN("socket", -1, CreateSocket(domain, type, protocol), "%s, %s, %d",
               lxshim::FamilyStr(domain), Type(type), protocol);
}

// socketpair never reaches WSK (WSL1 served it inside lxcore): always the
// host's, only traced.
int socketpair(int domain, int type, int protocol, int sv[2]) {
  LXWSK_PASS("socketpair", -1, Real().socketpair(domain, type, protocol, sv),
             "%s, %s, %d, %p", lxshim::FamilyStr(domain), Type(type), protocol,
             static_cast<void*>(sv));
}

int bind(int fd, const sockaddr* addr, socklen_t len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("bind", fd, lx::Bind(*s, fd, addr, len), "%d, %s, %u", fd,
                 Addr(addr, len), len);
  }
  LXWSK_PASS("bind", fd, Real().bind(fd, addr, len), "%d, %s, %u", fd,
             Addr(addr, len), len);
}

int listen(int fd, int backlog) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("listen", fd, lx::Listen(lxshim::Binding(), *s, fd, backlog),
                 "%d, %d", fd, backlog);
  }
  LXWSK_PASS("listen", fd, Real().listen(fd, backlog), "%d, %d", fd, backlog);
}

int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  lx::LxSocket* s = Lookup(fd);
  if (s == nullptr) {
    LXWSK_PASS("accept4", fd, Real().accept4(fd, addr, len, flags),
               "%d, %p, %p, 0x%x", fd, static_cast<void*>(addr),
               static_cast<void*>(len), flags);
  }
  LXWSK_RETURN("accept4", fd, AcceptSocket(*s, fd, addr, len, flags),
               "%d, %p, %p, 0x%x", fd, static_cast<void*>(addr),
               static_cast<void*>(len), flags);
}

int accept(int fd, sockaddr* addr, socklen_t* len) {
  lx::LxSocket* s = Lookup(fd);
  if (s == nullptr) {
    LXWSK_PASS("accept", fd, Real().accept(fd, addr, len), "%d, %p, %p", fd,
               static_cast<void*>(addr), static_cast<void*>(len));
  }
  LXWSK_RETURN("accept", fd, AcceptSocket(*s, fd, addr, len, 0), "%d, %p, %p",
               fd, static_cast<void*>(addr), static_cast<void*>(len));
}

int connect(int fd, const sockaddr* addr, socklen_t len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("connect", fd, lx::Connect(*s, fd, addr, len), "%d, %s, %u",
                 fd, Addr(addr, len), len);
  }
  LXWSK_PASS("connect", fd, Real().connect(fd, addr, len), "%d, %s, %u", fd,
             Addr(addr, len), len);
}

int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("getsockname", fd, lx::GetSockName(*s, fd, addr, len),
                 "%d, %p, %p", fd, static_cast<void*>(addr),
                 static_cast<void*>(len));
  }
  LXWSK_PASS("getsockname", fd, Real().getsockname(fd, addr, len), "%d, %p, %p",
             fd, static_cast<void*>(addr), static_cast<void*>(len));
}

int getpeername(int fd, sockaddr* addr, socklen_t* len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("getpeername", fd, lx::GetPeerName(*s, fd, addr, len),
                 "%d, %p, %p", fd, static_cast<void*>(addr),
                 static_cast<void*>(len));
  }
  LXWSK_PASS("getpeername", fd, Real().getpeername(fd, addr, len), "%d, %p, %p",
             fd, static_cast<void*>(addr), static_cast<void*>(len));
}

int shutdown(int fd, int how) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("shutdown", fd, lx::Shutdown(*s, fd, how), "%d, %d", fd, how);
  }
  LXWSK_PASS("shutdown", fd, Real().shutdown(fd, how), "%d, %d", fd, how);
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN(
        "getsockopt", fd, lx::GetSockOpt(*s, fd, level, name, value, len),
        "%d, %d, %d, %p, %p", fd, level, name, value, static_cast<void*>(len));
  }
  LXWSK_PASS("getsockopt", fd, Real().getsockopt(fd, level, name, value, len),
             "%d, %d, %d, %p, %p", fd, level, name, value,
             static_cast<void*>(len));
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("setsockopt", fd,
                 lx::SetSockOpt(*s, fd, level, name, value, len),
                 "%d, %d, %d, %p, %u", fd, level, name, value, len);
  }
  LXWSK_PASS("setsockopt", fd, Real().setsockopt(fd, level, name, value, len),
             "%d, %d, %d, %p, %u", fd, level, name, value, len);
}

}  // extern "C"
