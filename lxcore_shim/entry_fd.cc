// Interposed entry points: descriptor bookkeeping (close, dup, fcntl,
// close_range) and ioctl. The host owns the descriptors; the table follows.
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
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

// After the host made `newfd` a duplicate of `oldfd`: share the object.
int Duplicated(int oldfd, int newfd) {
  if (newfd < 0 || oldfd == newfd) return newfd;
  lx::LxSocket* s = Lookup(oldfd);
  // A close of oldfd racing in another thread may have taken the last
  // reference: newfd is then classified afresh on first use.
  if (s != nullptr && !lx::AddRefIfLive(s)) s = nullptr;
  uintptr_t old = lxshim::Install(newfd, s);
  lxshim::DropClosed(old);
  return newfd;
}

int FcntlCommon(int (*real)(int, int, long), int fd, int cmd, long arg) {
  if (real == nullptr) real = Real().fcntl;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      int r = real(fd, cmd, arg);
      if (r >= 0 && !lxshim::ForeignProcess()) Duplicated(fd, r);
      return r;
    }
    case F_SETFL: {
      // O_NONBLOCK is a socket mode in WSK terms (FIONBIO); the other
      // status flags stay the host's.
      if (lx::LxSocket* s = Lookup(fd)) {
        long r = lx::SetNonBlocking(*s, fd, (arg & O_NONBLOCK) != 0);
        if (r < 0) return static_cast<int>(Ret(r));
      }
      return real(fd, cmd, arg);
    }
    default:
      return real(fd, cmd, arg);
  }
}

}  // namespace

extern "C" {

static long CloseOurs(lx::LxSocket* s, int fd) {
  if (!lx::ReleaseRef(s)) {
    // Another fd still names the socket: only this descriptor goes.
    return Real().close(fd) < 0 ? -errno : 0;
  }
  return lxshim::CloseLast(s, fd);
}

int close(int fd) {
  if (fd == lxshim::TraceFd() && fd >= 0) {
    errno = EBADF;  // the trace descriptor does not exist for the program
    return -1;
  }
  if (lxshim::ForeignProcess()) return Real().close(fd);
  uintptr_t e = lxshim::Take(fd);
  if (e > lxshim::kNotOurs) {
    auto* s = reinterpret_cast<lx::LxSocket*>(e);
    LXWSK_RETURN("close", fd, CloseOurs(s, fd), "%d", fd);
  }
  return Real().close(fd);
}

int fclose(FILE* f) {
  // A socket wrapped with fdopen closes through libc's internal close.
  int fd = f != nullptr ? fileno(f) : -1;
  if (fd >= 0 && !lxshim::ForeignProcess()) {
    lxshim::DropClosed(lxshim::Take(fd));
  }
  return Real().fclose(f);
}

int dup(int fd) {
  int r = Real().dup(fd);
  if (r >= 0 && !lxshim::ForeignProcess()) Duplicated(fd, r);
  return r;
}

int dup2(int oldfd, int newfd) {
  if (oldfd == lxshim::TraceFd() && oldfd >= 0) {
    errno = EBADF;
    return -1;
  }
  lxshim::TraceFdWanted(newfd);
  int r = Real().dup2(oldfd, newfd);
  if (r >= 0 && !lxshim::ForeignProcess()) Duplicated(oldfd, r);
  return r;
}

int dup3(int oldfd, int newfd, int flags) {
  if (oldfd == lxshim::TraceFd() && oldfd >= 0) {
    errno = EBADF;
    return -1;
  }
  lxshim::TraceFdWanted(newfd);
  int r = Real().dup3(oldfd, newfd, flags);
  if (r >= 0 && !lxshim::ForeignProcess()) Duplicated(oldfd, r);
  return r;
}

static int RealCloseRange(unsigned int first, unsigned int last, int flags) {
  return Real().close_range
             ? Real().close_range(first, last, flags)
             : static_cast<int>(syscall(SYS_close_range, first, last, flags));
}

int close_range(unsigned int first, unsigned int last, int flags) {
  // The trace descriptor survives a range that covers it: two ranges around.
  const int tfd = lxshim::TraceFd();
  int r;
  if (tfd >= 0 && static_cast<unsigned>(tfd) >= first &&
      static_cast<unsigned>(tfd) <= last) {
    r = 0;
    if (static_cast<unsigned>(tfd) > first) {
      r = RealCloseRange(first, static_cast<unsigned>(tfd) - 1, flags);
    }
    if (r == 0 && static_cast<unsigned>(tfd) < last) {
      r = RealCloseRange(static_cast<unsigned>(tfd) + 1, last, flags);
    }
  } else {
    r = RealCloseRange(first, last, flags);
  }
  if (r != 0 || (flags & CLOSE_RANGE_CLOEXEC) != 0 ||
      lxshim::ForeignProcess()) {
    return r;
  }
  int hw = lxshim::g_state.high_water.load(std::memory_order_relaxed);
  for (long fd = first; fd <= hw && fd <= static_cast<long>(last); ++fd) {
    lxshim::DropClosed(lxshim::Take(static_cast<int>(fd)));
  }
  return r;
}

int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return FcntlCommon(Real().fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return FcntlCommon(Real().fcntl64, fd, cmd, arg);
}

int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (lx::LxSocket* s = Lookup(fd)) {
    LXWSK_RETURN("ioctl", fd, lx::Ioctl(*s, fd, request, arg), "%d, 0x%lx, %p",
                 fd, request, arg);
  }
  return Real().ioctl(fd, request, arg);
}

}  // extern "C"
