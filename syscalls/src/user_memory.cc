#include "user_memory.h"

#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace lx {

thread_local constinit PageCache tls_readable
    __attribute__((tls_model("initial-exec")));
thread_local constinit PageCache tls_writable
    __attribute__((tls_model("initial-exec")));
thread_local constinit AddressOutMemo tls_address_out
    __attribute__((tls_model("initial-exec")));
thread_local constinit AddressInMemo tls_address_in
    __attribute__((tls_model("initial-exec")));

namespace {

constexpr uintptr_t kPageShift = PageCache::kPageShift;

void Remember(PageCache& c, const void* p, size_t n) {
  uintptr_t first = reinterpret_cast<uintptr_t>(p) >> kPageShift;
  uintptr_t last = (reinterpret_cast<uintptr_t>(p) + n - 1) >> kPageShift;
  if (last - first > 1) return;  // only small structures are remembered
  c.Add(first);
  if (last != first) c.Add(last);
}

// The kernel checks the remote (user) range and fails with EFAULT instead of
// delivering SIGSEGV. Returns -1 when the call itself is not allowed here
// (seccomp), so the caller falls back to a plain copy.
long VmCopy(bool write, void* local, const void* remote, size_t n) {
  iovec l{local, n};
  iovec r{const_cast<void*>(remote), n};
  int saved = errno;
  // syscall() is variadic and reads every argument as a long: an int
  // leaves the upper half of a stack slot undefined (the flags, seventh,
  // go on the stack; with -maccumulate-outgoing-args they were garbage).
  long rc = syscall(write ? SYS_process_vm_writev : SYS_process_vm_readv,
                    static_cast<long>(getpid()), &l, 1L, &r, 1L, 0L);
  int err = errno;
  errno = saved;
  if (rc == static_cast<long>(n)) return 1;
  if (rc >= 0 || err == EFAULT) return 0;
  return -1;
}

}  // namespace

bool CopyInSlow(void* dst, const void* src, size_t n) {
  if (n == 0) return true;
  if (src == nullptr) return false;
  long r = VmCopy(false, dst, src, n);
  if (r == 0) return false;
  if (r < 0) memcpy(dst, src, n);
  Remember(tls_readable, src, n);
  return true;
}

bool CopyOutSlow(void* dst, const void* src, size_t n) {
  if (n == 0) return true;
  if (dst == nullptr) return false;
  long r = VmCopy(true, const_cast<void*>(src), dst, n);
  if (r == 0) return false;
  if (r < 0) memcpy(dst, src, n);
  Remember(tls_writable, dst, n);
  Remember(tls_readable, dst, n);
  return true;
}

}  // namespace lx
