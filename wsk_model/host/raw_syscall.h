// Raw Linux system calls, bypassing libc so that an LD_PRELOAD shim above
// is never re-entered and errno is never touched. Returns -errno on failure.
// Async-signal-safe; usable before main and after fork.
#ifndef LXWSK_WSK_HOST_RAW_SYSCALL_H_
#define LXWSK_WSK_HOST_RAW_SYSCALL_H_

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace wsk::host {

#if defined(__x86_64__)
inline long RawSyscall(long n, long a = 0, long b = 0, long c = 0, long d = 0,
                       long e = 0, long f = 0) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#else
inline long RawSyscall(long n, long a = 0, long b = 0, long c = 0, long d = 0,
                       long e = 0, long f = 0) {
  int saved = errno;
  long r = ::syscall(n, a, b, c, d, e, f);
  if (r == -1) {
    r = -errno;
    errno = saved;
  }
  return r;
}
#endif

}  // namespace wsk::host

#endif  // LXWSK_WSK_HOST_RAW_SYSCALL_H_
