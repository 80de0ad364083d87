// The shim's process state: the fd -> Linux socket object table, the
// configuration, and the per-thread reentrancy guard.
//
// Contexts: Lookup is async-signal-safe and lock-free (one atomic load); it
// may run before main (it initialises on demand) and after fork. The table
// is an array of atomics indexed by fd, its size in use set once from the
// hard RLIMIT_NOFILE (capped at kMaxTableSize); unused entries cost nothing.
// Each entry is 0 (not yet classified), kNotOurs (checked: not an
// AF_INET/AF_INET6 socket) or an lx::LxSocket* with one reference. An
// object returned by Lookup is in the calling thread's hazard slots
// (hazard.h): a close() in another thread does not free it under the call.
#ifndef LXWSK_SHIM_SHIM_STATE_H_
#define LXWSK_SHIM_SHIM_STATE_H_

#include <sys/types.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "hazard.h"
#include "lx/syscalls.h"

extern "C" [[gnu::visibility("hidden")]] unsigned char lxshim_shared_vm_child;

namespace lxshim {

inline constexpr uintptr_t kNotOurs = 1;
inline constexpr uint32_t kMaxTableSize = 1u << 20;

// The fd table, in the library's zero-filled data (8 MiB of address space;
// pages never touched cost no memory, like the lazy mapping it replaced).
// At a fixed place, its address is a constant of the code: the data path's
// lookup is one load after each context switch, not two dependent ones
// (the table pointer, then the entry).
[[gnu::visibility("hidden")]] extern std::atomic<uintptr_t>
    g_table[kMaxTableSize];

struct ShimState {
  uint32_t size = 0;  // entries in use; 0 until initialised: lookups miss
  // FastLookup's bound: `size`, or 0 when tracing is on (set once at
  // initialisation), so the fast path checks one bound, not also the flag.
  uint32_t fast_size = 0;
  std::atomic<int> high_water{-1};
  std::atomic<int> init_state{0};  // 0 none, 1 running, 2 done
  bool disabled = false;
  pid_t pid = 0;
};

extern ShimState g_state;
// Set while the shim itself runs code that may call back into libc (and so
// into an interposed function): those nested calls go straight to libc.
// constinit: no dynamic initialiser, so no TLS wrapper call on every access.
extern thread_local constinit bool t_busy
    __attribute__((tls_model("initial-exec")));

// Initialises once; false while another thread initialises or when the
// shim is disabled (LXWSK_DISABLE=1): the caller passes through.
bool EnsureInit();

// Slow path of Lookup: classify an fd the table has never seen (adopts an
// inherited AF_INET/AF_INET6 socket).
lx::LxSocket* Classify(int fd);

inline lx::LxSocket* Lookup(int fd) {
  if (static_cast<unsigned>(fd) >= g_state.size || t_busy) [[unlikely]] {
    return nullptr;
  }
  uintptr_t v = g_table[fd].load(std::memory_order_acquire);
  if (v > kNotOurs) [[likely]] {
    v = Protect(&g_table[fd], v, kNotOurs);
    return v > kNotOurs ? reinterpret_cast<lx::LxSocket*>(v) : nullptr;
  }
  if (v == kNotOurs) return nullptr;
  return Classify(fd);
}

// The data path's lookup: the socket object when `fd` is a socket of ours
// that the table already knows and that is the object the thread's last
// lookup protected (its current hazard slot), tracing is off and the
// thread is not inside the shim; null for everything else (unclassified or
// foreign fds, another socket than last time, nested calls, tracing), which
// the entry point hands to its general form, whose Lookup protects the
// object. No call on the way, so the fast entry points need almost no frame.
//
// While the thread is inside the shim (Busy), t_hazard_current is
// kNoCurrent, so the one compare also covers t_busy. Callers test the result
// against null; after a match the compiler knows it is not null, so that
// test costs nothing.
inline lx::LxSocket* FastLookup(int fd) {
  const unsigned i = static_cast<unsigned>(fd);
  if (i >= g_state.fast_size) [[unlikely]] {
    return nullptr;
  }
  const uintptr_t v = g_table[i].load(std::memory_order_acquire);
  // t_hazard_current is never 0 or kNotOurs: one compare covers both.
  if (v != t_hazard_current) [[unlikely]] {
    return nullptr;
  }
  if (v <= kNotOurs) __builtin_unreachable();
  return reinterpret_cast<lx::LxSocket*>(v);
}

// Installs a socket object for `fd` (creation, accept, dup); returns the
// object that was there (stale entry), or 0/kNotOurs.
uintptr_t Install(int fd, lx::LxSocket* s);
// Clears the entry for `fd`, returning what it held.
uintptr_t Take(int fd);
// Drops a reference to an object whose fd the host already closed.
void DropClosed(uintptr_t entry);
// The last reference to `s` went with `fd` (or wsk::kHandleAlreadyClosed):
// closes the socket, freeing the object now or, while another thread's
// call still uses it, once that call is over (the host fd closes now).
// Returns close's result (0 or -errno).
long CloseLast(lx::LxSocket* s, int fd);

// True in a vfork child or a clone, where the table belongs to another
// process: descriptor bookkeeping then passes through untouched. A getpid
// system call, made only once the process has called vfork or clone
// (lxshim_shared_vm_child, entry_process.cc).
bool ForeignProcess();

// Sets errno from -errno and returns -1 (out of line: a tail call).
[[gnu::noinline, gnu::cold]] long Fail(long r);

// A Linux result (value or -errno) as the libc convention.
inline long Ret(long r) {
  if (r < 0) [[unlikely]]
    return Fail(r);
  return r;
}

// RAII for t_busy; also keeps the program's errno, which the shim's own
// bookkeeping calls must not change. While busy, t_hazard_current is
// kNoCurrent (FastLookup then misses); the outermost Busy re-reads it from
// the thread's hazard record on the way out.
struct Busy {
  Busy() : saved_errno(errno), was_busy(t_busy) {
    t_hazard_current = kNoCurrent;
    t_busy = true;
  }
  ~Busy() {
    t_busy = was_busy;
    if (!was_busy) RefreshHazardCurrent();
    errno = saved_errno;
  }
  int saved_errno;
  bool was_busy;
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;
};

}  // namespace lxshim

#endif  // LXWSK_SHIM_SHIM_STATE_H_
