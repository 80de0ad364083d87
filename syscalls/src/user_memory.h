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

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace lx {

// Pages known to be readable / writable by this thread (see above).
struct PageCache {
  static constexpr int kSlots = 4;
  static constexpr uintptr_t kPageShift = 12;
  uintptr_t pages[kSlots] = {~uintptr_t{0}, ~uintptr_t{0}, ~uintptr_t{0},
                             ~uintptr_t{0}};
  unsigned next = 0;

  [[gnu::always_inline]] bool Has(uintptr_t page) const {
    return pages[0] == page || pages[1] == page || pages[2] == page ||
           pages[3] == page;
  }
  // True when every page of [p, p + n) is known; n > 0.
  [[gnu::always_inline]] bool Covers(const void* p, size_t n) const {
    uintptr_t first = reinterpret_cast<uintptr_t>(p) >> kPageShift;
    uintptr_t last = (reinterpret_cast<uintptr_t>(p) + n - 1) >> kPageShift;
    return Has(first) && (last == first || Has(last));
  }
  void Add(uintptr_t page) { pages[next++ % kSlots] = page; }
};

extern thread_local constinit PageCache tls_readable
    __attribute__((tls_model("initial-exec")));
extern thread_local constinit PageCache tls_writable
    __attribute__((tls_model("initial-exec")));

// The last address buffer an address was written to in full by this
// thread (AddressOut): recvfrom() in a loop passes the same `from` and
// `from_len` every time, and then two compares replace the page checks.
// Set only after the checks or the copies succeeded, so it is the page
// caches' knowledge, with their trade (see above).
struct AddressOutMemo {
  void* user = nullptr;
  void* user_len = nullptr;
  uint32_t room = 0;  // bytes of *user known writable
};
extern thread_local constinit AddressOutMemo tls_address_out
    __attribute__((tls_model("initial-exec")));

// The same for the last address buffer read in full (AddressIn):
// sendto() in a loop passes the same address every time.
struct AddressInMemo {
  const void* user = nullptr;
  uint32_t room = 0;  // bytes of *user known readable
};
extern thread_local constinit AddressInMemo tls_address_in
    __attribute__((tls_model("initial-exec")));

// Memo updates, ordered for signal handlers: a handler interrupting one
// (and using the memo itself) sees no buffer, or the whole new entry,
// never a new buffer with the old room. The compiler keeps the order
// (atomic_signal_fence); one thread writes its own memo, so the CPU does.
// The memos are named directly, never through a reference: GCC's UBSan
// (12) takes a reference bound to an initial-exec TLS object for null.
inline void RememberAddressOut(void* user, void* user_len, uint32_t room) {
  tls_address_out.user = nullptr;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tls_address_out.user_len = user_len;
  tls_address_out.room = room;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tls_address_out.user = user;
}
inline void RememberAddressIn(const void* user, uint32_t room) {
  tls_address_in.user = nullptr;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tls_address_in.room = room;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tls_address_in.user = user;
}

// The first touch of a page (and n == 0, null, ...): out of line.
bool CopyInSlow(void* dst, const void* user_src, size_t n);
bool CopyOutSlow(void* user_dst, const void* src, size_t n);

// Both return true on success, false for EFAULT. Inline: a known page
// costs a few compares and the copy (a constant size is a plain move).
[[gnu::always_inline]] inline bool CopyIn(void* dst, const void* user_src,
                                          size_t n) {
  if (n != 0 && tls_readable.Covers(user_src, n)) [[likely]] {
    memcpy(dst, user_src, n);
    return true;
  }
  return CopyInSlow(dst, user_src, n);
}
[[gnu::always_inline]] inline bool CopyOut(void* user_dst, const void* src,
                                           size_t n) {
  if (n != 0 && tls_writable.Covers(user_dst, n)) [[likely]] {
    memcpy(user_dst, src, n);
    return true;
  }
  return CopyOutSlow(user_dst, src, n);
}

}  // namespace lx

#endif  // LXWSK_SYSCALLS_SRC_USER_MEMORY_H_
