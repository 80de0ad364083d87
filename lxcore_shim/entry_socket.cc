// Interposed entry points: socket creation and connection setup. Each is a
// few lines: find the Linux socket object, call the syscalls layer, turn
// -errno into errno. Calls on fds that are not ours go to libc unchanged.
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real_libc.h"
#include "shim_state.h"

using lxshim::Lookup;
using lxshim::Real;
using lxshim::Ret;

namespace {

long NewSocketFd(long fd, lx::LxSocket* s) {
  if (fd >= 0) lxshim::DropClosed(lxshim::Install(static_cast<int>(fd), s));
  return fd;
}

}  // namespace

extern "C" {

int socket(int domain, int type, int protocol) {
  if (!lx::UsesWsk(domain) || !lxshim::EnsureInit() || lxshim::t_busy) {
    return Real().socket ? Real().socket(domain, type, protocol)
                         : static_cast<int>(Ret(
                               syscall(SYS_socket, domain, type, protocol)));
  }
  lx::LxSocket* s = nullptr;
  long r;
  {
    lxshim::Busy busy;
    r = lx::Socket(lx::DefaultBinding(), domain, type, protocol, &s);
  }
  return static_cast<int>(Ret(NewSocketFd(r, s)));
}

int bind(int fd, const sockaddr* addr, socklen_t len) {
  if (lx::LxSocket* s = Lookup(fd))
    return static_cast<int>(Ret(lx::Bind(*s, fd, addr, len)));
  return Real().bind(fd, addr, len);
}

int listen(int fd, int backlog) {
  if (lx::LxSocket* s = Lookup(fd))
    return static_cast<int>(Ret(lx::Listen(*s, fd, backlog)));
  return Real().listen(fd, backlog);
}

int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  lx::LxSocket* s = Lookup(fd);
  if (s == nullptr) return Real().accept4(fd, addr, len, flags);
  lx::LxSocket* a = nullptr;
  long r;
  {
    lxshim::Busy busy;
    r = lx::Accept4(lx::DefaultBinding(), *s, fd, addr, len, flags, &a);
  }
  return static_cast<int>(Ret(NewSocketFd(r, a)));
}

int accept(int fd, sockaddr* addr, socklen_t* len) {
  if (Lookup(fd) == nullptr) return Real().accept(fd, addr, len);
  return accept4(fd, addr, len, 0);
}

int connect(int fd, const sockaddr* addr, socklen_t len) {
  if (lx::LxSocket* s = Lookup(fd))
    return static_cast<int>(Ret(lx::Connect(*s, fd, addr, len)));
  return Real().connect(fd, addr, len);
}

int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  if (lx::LxSocket* s = Lookup(fd))
    return static_cast<int>(Ret(lx::GetSockName(*s, fd, addr, len)));
  return Real().getsockname(fd, addr, len);
}

int getpeername(int fd, sockaddr* addr, socklen_t* len) {
  if (lx::LxSocket* s = Lookup(fd))
    return static_cast<int>(Ret(lx::GetPeerName(*s, fd, addr, len)));
  return Real().getpeername(fd, addr, len);
}

int shutdown(int fd, int how) {
  if (lx::LxSocket* s = Lookup(fd))
    return static_cast<int>(Ret(lx::Shutdown(*s, fd, how)));
  return Real().shutdown(fd, how);
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    return static_cast<int>(
        Ret(lx::GetSockOpt(*s, fd, level, name, value, len)));
  }
  return Real().getsockopt(fd, level, name, value, len);
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  if (lx::LxSocket* s = Lookup(fd)) {
    return static_cast<int>(
        Ret(lx::SetSockOpt(*s, fd, level, name, value, len)));
  }
  return Real().setsockopt(fd, level, name, value, len);
}

}  // extern "C"
