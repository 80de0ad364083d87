// Copying to and from the program's memory without crashing on a bad
// pointer: the kernel answers EFAULT, so must we.
//
// The first touch of a page goes through process_vm_readv/writev, which
// fails with EFAULT instead of faulting; pages that succeeded are remembered
// per thread (4 entries each way), so the buffers a program reuses cost two
// compares afterwards. A page unmapped after it was remembered is not
// noticed (the program would then fault where Linux says EFAULT): a
// deliberate trade for a data path without extra system calls.
// Async-signal-safe; no allocation, no lock.
#ifndef LXWSK_SYSCALLS_SRC_USER_MEMORY_H_
#define LXWSK_SYSCALLS_SRC_USER_MEMORY_H_

#include <cstddef>

namespace lx {

// Both return true on success, false for EFAULT.
bool CopyIn(void* dst, const void* user_src, size_t n);
bool CopyOut(void* user_dst, const void* src, size_t n);

}  // namespace lx

#endif  // LXWSK_SYSCALLS_SRC_USER_MEMORY_H_
