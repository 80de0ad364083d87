// Lookaside lists: the Windows executive's per-type free lists of
// fixed-size blocks (ExInitializeLookasideListEx,
// ExAllocateFromLookasideListEx, ExFreeToLookasideListEx, kept on an
// interlocked SLIST). lxcore.sys and tcpip.sys allocate their per-socket
// objects from such lists; here the syscalls layer keeps its lx::LxSocket
// objects on one and the WSK provider its ModelSocket objects on another, so
// that creating and closing a socket costs no heap call.
//
// Lookaside<T, kCapacity>: blocks for T from one arena of kCapacity blocks,
// mapped on first use (MAP_NORESERVE: untouched blocks cost no memory). A
// block comes from the free list (last freed first, while it is still in
// the cache), else the next never-used block of the arena, else, once
// kCapacity blocks are live, from malloc; Free gives arena blocks back to
// the free list and the others to free(). Blocks are raw storage: the
// caller constructs (placement new) and destroys.
//
// The free list is an SLIST as Windows has it: its head is one 64-bit word,
// the top block's index and a sequence number that every push and pop
// changes, so a compare-and-swap cannot be fooled by a block popped and
// pushed back in between (ABA). The links live in an array of their own,
// next to the blocks, never inside a block another thread may own.
//
// Guarantees: no lock anywhere. Allocate and Free on arena blocks are a few
// atomic operations and async-signal-safe; only the first Allocate (mmap)
// and the heap fallback make a call. A fork child inherits the arena and
// the list as they were; a block another thread was taking at that moment
// is merely lost to the child (never handed out twice). The arena is never
// unmapped, so a stale read of a link in a losing compare-and-swap always
// reads mapped memory.
#ifndef LXWSK_WSK_LOOKASIDE_H_
#define LXWSK_WSK_LOOKASIDE_H_

#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace wsk {

template <typename T, uint32_t kCapacity>
class Lookaside {
 public:
  static_assert(kCapacity > 0 && kCapacity < 0xFFFFFFFFu);
  static_assert(alignof(T) <= alignof(std::max_align_t),
                "malloc's alignment must do for the heap fallback");
  // A block: T's size rounded up to its alignment (to 16 at least, as
  // malloc would, so blocks do not share their first bytes' line halves).
  static constexpr size_t kAlign = alignof(T) > 16 ? alignof(T)
                                                   : static_cast<size_t>(16);
  static constexpr size_t kBlock = (sizeof(T) + kAlign - 1) / kAlign * kAlign;

  constexpr Lookaside() = default;
  Lookaside(const Lookaside&) = delete;
  Lookaside& operator=(const Lookaside&) = delete;

  // Storage for one T; nullptr only when the arena is full and malloc
  // fails too.
  void* Allocate() {
    char* arena = Arena();
    if (arena != nullptr) [[likely]] {
      if (void* p = Pop(arena)) return p;
      uint32_t i = fresh_.load(std::memory_order_relaxed);
      while (i < kCapacity) {
        if (fresh_.compare_exchange_weak(i, i + 1, std::memory_order_relaxed)) {
          return arena + kLinksBytes + size_t{i} * kBlock;
        }
      }
    }
    return malloc(sizeof(T));
  }

  // Gives back what Allocate returned (nullptr: nothing).
  void Free(void* p) {
    if (p == nullptr) return;
    char* arena = arena_.load(std::memory_order_acquire);
    if (Contains(arena, p)) [[likely]] {
      Push(arena, static_cast<uint32_t>(
                      (static_cast<char*>(p) - arena - kLinksBytes) / kBlock));
      return;
    }
    free(p);
  }

  // True when `p` is a block of the arena (not a heap fallback).
  bool Owns(const void* p) const {
    return Contains(arena_.load(std::memory_order_acquire), p);
  }
  // Blocks on the free list (tests; racy by nature under concurrent use).
  uint32_t FreeDepth() const {
    char* arena = arena_.load(std::memory_order_acquire);
    uint32_t n = 0;
    if (arena == nullptr) return 0;
    for (uint32_t i = Top(head_.load(std::memory_order_acquire)); i != 0;
         i = Links(arena)[i - 1].load(std::memory_order_relaxed)) {
      if (++n > kCapacity) break;
    }
    return n;
  }
  // Arena blocks ever handed out (tests).
  uint32_t Used() const { return fresh_.load(std::memory_order_relaxed); }

 private:
  // The arena: kCapacity links (index + 1 of the next free block, 0 = end),
  // then the blocks.
  static constexpr size_t kLinksBytes =
      (size_t{kCapacity} * sizeof(std::atomic<uint32_t>) + kAlign - 1) /
      kAlign * kAlign;
  static constexpr size_t kArenaBytes =
      kLinksBytes + size_t{kCapacity} * kBlock;

  static uint32_t Top(uint64_t head) { return static_cast<uint32_t>(head); }
  static uint64_t Head(uint64_t old, uint32_t top) {
    return (((old >> 32) + 1) << 32) | top;
  }
  static std::atomic<uint32_t>* Links(char* arena) {
    return reinterpret_cast<std::atomic<uint32_t>*>(arena);
  }
  static bool Contains(const char* arena, const void* p) {
    const auto* c = static_cast<const char*>(p);
    return arena != nullptr && c >= arena + kLinksBytes &&
           c < arena + kArenaBytes;
  }

  char* Arena() {
    char* a = arena_.load(std::memory_order_acquire);
    if (a != nullptr) [[likely]]
      return a;
    return MapArena();
  }
  [[gnu::noinline, gnu::cold]] char* MapArena() {
    void* m = mmap(nullptr, kArenaBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return nullptr;  // the heap serves; retried later
    char* expected = nullptr;
    if (arena_.compare_exchange_strong(expected, static_cast<char*>(m),
                                       std::memory_order_acq_rel)) {
      return static_cast<char*>(m);
    }
    munmap(m, kArenaBytes);  // another thread (or a signal handler) won
    return expected;
  }

  void* Pop(char* arena) {
    uint64_t h = head_.load(std::memory_order_acquire);
    while (Top(h) != 0) {
      const uint32_t i = Top(h) - 1;
      const uint32_t next = Links(arena)[i].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(h, Head(h, next),
                                      std::memory_order_acquire,
                                      std::memory_order_acquire)) {
        return arena + kLinksBytes + size_t{i} * kBlock;
      }
    }
    return nullptr;
  }
  void Push(char* arena, uint32_t i) {
    uint64_t h = head_.load(std::memory_order_relaxed);
    do {
      Links(arena)[i].store(Top(h), std::memory_order_relaxed);
    } while (!head_.compare_exchange_weak(h, Head(h, i + 1),
                                          std::memory_order_release,
                                          std::memory_order_relaxed));
  }

  std::atomic<char*> arena_{nullptr};
  std::atomic<uint64_t> head_{0};  // sequence << 32 | (top index + 1)
  std::atomic<uint32_t> fresh_{0};
};

}  // namespace wsk

#endif  // LXWSK_WSK_LOOKASIDE_H_
