// Raw Linux system calls, bypassing libc so that an LD_PRELOAD shim above
// is never re-entered and errno is never touched. Returns -errno on failure.
// Async-signal-safe; usable before main and after fork.
#ifndef LXWSK_WSK_HOST_RAW_SYSCALL_H_
#define LXWSK_WSK_HOST_RAW_SYSCALL_H_

#include <pthread.h>
#include <sys/single_threaded.h>
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
// A five-argument call: r9 is neither set nor clobbered, so a caller with
// one more value live across the call keeps it in a register instead of
// saving one (sendto/recvfrom with a null address: the kernel reads the
// address length only with an address).
inline long RawSyscall5(long n, long a, long b, long c, long d, long e) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
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
inline long RawSyscall5(long n, long a, long b, long c, long d, long e) {
  return RawSyscall(n, a, b, c, d, e, 0);
}
#endif

// A system call that may block (accept4, connect, the send and receive
// family), made a pthread cancellation point the way glibc makes its own
// wrappers one: the thread switches to asynchronous cancellation for the
// duration of the call (nptl's LIBC_CANCEL_ASYNC), so a cancel already
// pending acts at the switch and one that arrives while the thread sleeps
// in the kernel (pthread_cancel then sends SIGCANCEL) unwinds it from
// there. Per-thread atomics only, no lock. The host adapter calls glibc's
// own functions instead once it has them (posix_data_path.h,
// BlockingSyscall); this is what stands in for them until then.
inline long AsyncCancelSyscall(long n, long a, long b, long c, long d, long e,
                               long f) {
  int old = PTHREAD_CANCEL_DEFERRED;
  pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
  long r = RawSyscall(n, a, b, c, d, e, f);
  if (old != PTHREAD_CANCEL_ASYNCHRONOUS) {
    pthread_setcanceltype(old, nullptr);
  }
  return r;
}

}  // namespace wsk::host

#endif  // LXWSK_WSK_HOST_RAW_SYSCALL_H_
