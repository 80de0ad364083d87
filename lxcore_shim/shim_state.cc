#include "shim_state.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/single_threaded.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "real_libc.h"
#include "trace.h"

namespace lxshim {

ShimState g_state;
std::atomic<uintptr_t> g_table[kMaxTableSize];
thread_local constinit bool t_busy __attribute__((tls_model("initial-exec"))) =
    false;

namespace {

long RawGetpid() { return syscall(SYS_getpid); }

void AfterForkInChild() {
  g_state.pid = static_cast<pid_t>(RawGetpid());
  ResetHazardsAfterFork();
}

void FreeRetired(uintptr_t v) {
  lx::CloseSocket(reinterpret_cast<lx::LxSocket*>(v),
                  wsk::kHandleAlreadyClosed);
}

void InitOnce() {
  ResolveRealLibc();
  const char* off = getenv("LXWSK_DISABLE");
  g_state.disabled = off != nullptr && off[0] == '1';
  g_state.pid = static_cast<pid_t>(RawGetpid());
  if (g_state.disabled) return;
  rlimit rl{};
  uint64_t n = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    n = rl.rlim_max == RLIM_INFINITY ? kMaxTableSize : rl.rlim_max;
    if (n < rl.rlim_cur) n = rl.rlim_cur;
  }
  if (n > kMaxTableSize) n = kMaxTableSize;
  if (n < 1024) n = 1024;
  InitHazards();
  // Register with the WSK provider now, not lazily after a fork.
  lx::DefaultBinding();
  TraceInit();
  pthread_atfork(nullptr, nullptr, AfterForkInChild);
  g_state.size = static_cast<uint32_t>(n);
  g_state.fast_size = g_trace_on ? 0 : g_state.size;
}

}  // namespace

bool EnsureInit() {
  int st = g_state.init_state.load(std::memory_order_acquire);
  if (st == 2) [[likely]]
    return !g_state.disabled && g_state.size != 0;
  int expected = 0;
  if (g_state.init_state.compare_exchange_strong(expected, 1)) {
    Busy busy;
    InitOnce();
    g_state.init_state.store(2, std::memory_order_release);
    return !g_state.disabled && g_state.size != 0;
  }
  return false;  // another thread is initialising: pass through meanwhile
}

long Fail(long r) {
  errno = static_cast<int>(-r);
  return -1;
}

}  // namespace lxshim

// Set by the vfork and clone interposers (entry_process.cc), never cleared.
// On other architectures, where there are none, it starts set. `used` and
// `externally_visible`: those interposers are asm, which link-time
// optimisation cannot see.
extern "C" {
[[gnu::visibility("hidden"), gnu::used,
  gnu::externally_visible]] unsigned char lxshim_shared_vm_child =
#if defined(__x86_64__)
    0;
#else
    1;
#endif
}

namespace lxshim {

bool ForeignProcess() {
  // No child sharing this memory was ever made (entry_process.cc): this is
  // the process that owns the table, and no system call is needed.
  if (__atomic_load_n(&lxshim_shared_vm_child, __ATOMIC_RELAXED) == 0) {
    return false;
  }
  return RawGetpid() != g_state.pid;
}

uintptr_t Install(int fd, lx::LxSocket* s) {
  if (static_cast<unsigned>(fd) >= g_state.size) return 0;
  int hw = g_state.high_water.load(std::memory_order_relaxed);
  while (fd > hw && !g_state.high_water.compare_exchange_weak(hw, fd)) {
  }
  return g_table[fd].exchange(reinterpret_cast<uintptr_t>(s),
                              std::memory_order_acq_rel);
}

uintptr_t Take(int fd) {
  if (static_cast<unsigned>(fd) >= g_state.size) return 0;
  return g_table[fd].exchange(0, std::memory_order_acq_rel);
}

void DropClosed(uintptr_t entry) {
  if (entry <= kNotOurs) return;
  auto* s = reinterpret_cast<lx::LxSocket*>(entry);
  if (lx::ReleaseRef(s)) CloseLast(s, wsk::kHandleAlreadyClosed);
}

long CloseLast(lx::LxSocket* s, int fd) {
  Busy busy;
  long r;
  const uintptr_t v = reinterpret_cast<uintptr_t>(s);
  // Only other threads' slots are looked at: a single-threaded process has
  // none and skips the scan.
  const bool threaded = !__libc_single_threaded;
  // This thread is in close(), not using the object: its own slots let go
  // (a signal handler closing the socket its interrupted thread is using
  // is not covered). Only a scan looks at them, so a single-threaded
  // process leaves them: the lookaside list hands the block out again
  // (last freed first), and the next socket's first lookup then finds its
  // address already in the slot, which saves publishing it (ProtectSlow).
  // Should threads start later, a slot still naming the block only makes
  // the close of an object at that address retire it rather than free it
  // at once, as for any object the thread looked up lately.
  if (threaded) DropOwnHazard(v);
  if (!threaded || !Hazarded(v)) [[likely]] {
    r = lx::CloseSocket(s, fd);
  } else {
    // Another thread's call is using the object (a recv or accept blocked
    // in the host, or one between its lookup and the host call). Linux
    // closes the descriptor now and keeps the socket until that call
    // returns: so does this. The WSK socket is closed, without its host
    // handle, once no thread holds the object.
    r = 0;
    if (fd >= 0 && Real().close(fd) < 0) r = -errno;
    // A full retire list leaks the object rather than free it under a user.
    (void)Retire(v);
  }
  DrainRetired(FreeRetired);
  return r;
}

lx::LxSocket* Classify(int fd) {
  if (!EnsureInit()) return nullptr;
  Busy busy;
  int family = 0;
  socklen_t len = sizeof(family);
  if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &family, &len) != 0) {
    // ENOTSOCK: remember; EBADF: not open, nothing to remember.
    if (errno == ENOTSOCK) {
      uintptr_t expected = 0;
      g_table[fd].compare_exchange_strong(expected, kNotOurs);
    }
    return nullptr;
  }
  if (!lx::UsesWsk(family)) {
    uintptr_t expected = 0;
    g_table[fd].compare_exchange_strong(expected, kNotOurs);
    return nullptr;
  }
  int type = 0, protocol = 0;
  len = sizeof(type);
  syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &len);
  len = sizeof(protocol);
  syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len);
  lx::LxSocket* s = nullptr;
  if (lx::Adopt(Binding(), fd, family, type, protocol, &s) < 0) {
    return nullptr;
  }
  uintptr_t expected = 0;
  const uintptr_t v = reinterpret_cast<uintptr_t>(s);
  if (!g_table[fd].compare_exchange_strong(expected, v)) {
    // Another thread adopted it first; ours was never visible.
    lx::ReleaseRef(s);
    lx::CloseSocket(s, wsk::kHandleAlreadyClosed);
    if (expected <= kNotOurs) return nullptr;
    expected = Protect(&g_table[fd], expected, kNotOurs);
    return expected > kNotOurs ? reinterpret_cast<lx::LxSocket*>(expected)
                               : nullptr;
  }
  int hw = g_state.high_water.load(std::memory_order_relaxed);
  while (fd > hw && !g_state.high_water.compare_exchange_weak(hw, fd)) {
  }
  const uintptr_t p = Protect(&g_table[fd], v, kNotOurs);
  return p > kNotOurs ? reinterpret_cast<lx::LxSocket*>(p) : nullptr;
}

// Runs before main; another library's constructor may already have
// initialised us through a socket call.
__attribute__((constructor)) void LxwskConstructor() { EnsureInit(); }

}  // namespace lxshim

// The budget for shim state per open socket (fd table entry, Linux socket
// object, WSK socket object), before allocator overhead.
#include "wsk/provider.h"
static_assert(sizeof(std::atomic<uintptr_t>) + sizeof(lx::LxSocket) +
                      sizeof(wsk::ModelSocket) <=
                  512,
              "per-socket shim state over 512 bytes");
