#include "signals.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lx {

void RaiseSigpipe() {
  const int saved = errno;
  // raise() would be tgkill: si_code SI_TKILL. A process may queue any
  // si_code to itself with rt_tgsigqueueinfo (the kernel refuses si_code
  // >= 0 only towards other processes), so the handler sees what it sees
  // natively.
  siginfo_t info;
  memset(&info, 0, sizeof(info));
  info.si_signo = SIGPIPE;
  info.si_code = SI_USER;
  const pid_t pid = static_cast<pid_t>(syscall(SYS_getpid));
  info.si_pid = pid;
  info.si_uid = static_cast<uid_t>(syscall(SYS_getuid));
  if (syscall(SYS_rt_tgsigqueueinfo, pid, syscall(SYS_gettid), SIGPIPE,
              &info) != 0) {
    raise(SIGPIPE);  // e.g. a seccomp filter without rt_tgsigqueueinfo
  }
  errno = saved;
}

}  // namespace lx
