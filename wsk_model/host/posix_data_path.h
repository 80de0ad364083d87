// The host adapter's data path (PosixHostStack Send/Receive), inline so the
// provider can call it directly when its HostStack is the POSIX one
// (HostStack::IsPosixHost): the provider's WskSend/WskReceive/WskSendTo/
// WskReceiveFrom then make the system call themselves, with no virtual call
// and no msghdr. Single-buffer requests without control data take the fast
// form (sendto/recvfrom, with the address if there is one); everything else
// goes to the general out-of-line form. Same results either way.
//
// Async-signal-safe; no allocation, no lock. The system calls are
// cancellation points as libc's are (BlockingSyscall: one load in a
// single-threaded process, glibc's own function otherwise;
// docs/semantics.md).
#ifndef LXWSK_WSK_HOST_POSIX_DATA_PATH_H_
#define LXWSK_WSK_HOST_POSIX_DATA_PATH_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "lx/socket_tables.h"
#include "lx/status_table.h"
#include "raw_syscall.h"
#include "wsk/host_stack.h"

namespace wsk::host {

// The general forms (scatter/gather, control data, unusual families).
HostResult PosixSendSlow(HostHandle h, const WSK_BUF& b, ULONG flags,
                         const SOCKADDR* remote, const CMSGHDR* control,
                         ULONG control_length);
HostResult PosixReceiveSlow(HostHandle h, const WSK_BUF& b, ULONG flags,
                            PSOCKADDR remote, CMSGHDR* control,
                            ULONG* control_length, ULONG* out_flags);

// Linux sockaddr -> Windows SOCKADDR for any family; returns its length.
ULONG PosixAddressFromLinux(const sockaddr_storage& in, socklen_t len,
                            PSOCKADDR out);

[[gnu::cold, gnu::noinline]] inline HostResult PosixFailure(long r) {
  return {lx::StatusFromErrno(static_cast<int>(-r)), 0};
}

inline HostResult PosixResult(long r) {
  if (r >= 0) [[likely]]
    return {STATUS_SUCCESS, static_cast<uintptr_t>(r)};
  return PosixFailure(r);
}

// The start of a single-MDL buffer (the fast forms take no null MDL).
inline char* SingleBuffer(const WSK_BUF& b) {
  return static_cast<char*>(MmGetMdlVirtualAddress(b.Mdl)) + b.Offset;
}

// Which processes a fast form is for. kSingle: the form applies only in a
// single-threaded process, where a blocking call needs no switch to
// asynchronous cancellation, so the call is a plain RawSyscall and the
// provider's hot path makes no function call and saves no registers.
// kKnownSingle: kSingle's, where the caller has tested
// __libc_single_threaded already (and sent a multi-threaded process to a
// kMulti form). kMulti: the call is glibc's own (MultiThreadedSyscall),
// whatever the thread count. kAny: either, decided per call
// (BlockingSyscall).
enum class Threads { kAny, kSingle, kKnownSingle, kMulti };

// glibc's own blocking socket calls: the definitions that come after the
// preloaded library's (dlsym RTLD_NEXT), resolved once when the library
// is loaded (posix_host_stack.cc; until then, or where one is not found,
// functions that make the system call with AsyncCancelSyscall). In a
// multi-threaded process the host adapter calls them: glibc makes them
// cancellation points with its internal switch, which costs about half
// of the two pthread_setcanceltype calls AsyncCancelSyscall needs
// (callgrind: 46 instructions per call), and is what the program would
// get natively. They never re-enter the shim (RTLD_NEXT skips it), are
// async-signal-safe, and touch errno only on failure, where the result is
// an error the program is told about anyway.
struct LibcDataCalls {
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  ssize_t (*recvmsg)(int, msghdr*, int);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  int (*connect)(int, const sockaddr*, socklen_t);
};
extern LibcDataCalls g_libc_data_calls;
// What g_libc_data_calls holds before the library's constructor runs.
extern const LibcDataCalls kLibcDataCallsBeforeLoad;

// A multi-threaded process's blocking call n (a constant: one call).
[[gnu::always_inline]] inline long MultiThreadedSyscall(long n, long a, long b,
                                                        long c, long d, long e,
                                                        long f) {
  const LibcDataCalls& g = g_libc_data_calls;
  const int fd = static_cast<int>(a);
  long r;
  if (n == SYS_sendto) {
    r = g.sendto(fd, reinterpret_cast<const void*>(b), static_cast<size_t>(c),
                 static_cast<int>(d), reinterpret_cast<const sockaddr*>(e),
                 static_cast<socklen_t>(f));
  } else if (n == SYS_recvfrom) {
    r = g.recvfrom(fd, reinterpret_cast<void*>(b), static_cast<size_t>(c),
                   static_cast<int>(d), reinterpret_cast<sockaddr*>(e),
                   reinterpret_cast<socklen_t*>(f));
  } else if (n == SYS_sendmsg) {
    r = g.sendmsg(fd, reinterpret_cast<const msghdr*>(b), static_cast<int>(c));
  } else if (n == SYS_recvmsg) {
    r = g.recvmsg(fd, reinterpret_cast<msghdr*>(b), static_cast<int>(c));
  } else if (n == SYS_accept4) {
    r = g.accept4(fd, reinterpret_cast<sockaddr*>(b),
                  reinterpret_cast<socklen_t*>(c), static_cast<int>(d));
  } else if (n == SYS_connect) {
    r = g.connect(fd, reinterpret_cast<const sockaddr*>(b),
                  static_cast<socklen_t>(c));
  } else {  // no glibc function here for this call
    return AsyncCancelSyscall(n, a, b, c, d, e, f);
  }
  if (r < 0) [[unlikely]]
    return -errno;
  return r;
}

// A blocking call for any process: a raw system call in a single-threaded
// one (nothing can cancel it from outside, and pthread_cancel of itself
// marks the process multi-threaded, as glibc's SYSCALL_CANCEL assumes),
// glibc's own function otherwise.
[[gnu::always_inline]] inline long BlockingSyscall(long n, long a = 0,
                                                   long b = 0, long c = 0,
                                                   long d = 0, long e = 0,
                                                   long f = 0) {
  if (__libc_single_threaded) [[likely]] {
    return RawSyscall(n, a, b, c, d, e, f);
  }
  return MultiThreadedSyscall(n, a, b, c, d, e, f);
}

template <Threads kThreads>
[[gnu::always_inline]] inline long FastSyscall(long n, long a, long b, long c,
                                               long d, long e, long f) {
  if constexpr (kThreads == Threads::kSingle ||
                kThreads == Threads::kKnownSingle) {
    return RawSyscall(n, a, b, c, d, e, f);
  } else if constexpr (kThreads == Threads::kMulti) {
    return MultiThreadedSyscall(n, a, b, c, d, e, f);
  } else {
    return BlockingSyscall(n, a, b, c, d, e, f);
  }
}
// sendto/recvfrom with no address: the kernel ignores the address length.
template <Threads kThreads>
[[gnu::always_inline]] inline long FastSyscallNoAddress(long n, long a, long b,
                                                        long c, long d) {
  if constexpr (kThreads == Threads::kSingle ||
                kThreads == Threads::kKnownSingle) {
    return RawSyscall5(n, a, b, c, d, 0);
  } else {
    return FastSyscall<kThreads>(n, a, b, c, d, 0, 0);
  }
}

// The fast forms' refusal test: true when any of `word` (32-bit values
// ORed together) and *next (the MDL's Next) is nonzero, or, given the
// request's IRP (a caller that completes it itself), the IRP has a
// completion routine (the general form runs it) or a requestor handle that
// is negative (none: the general form uses the socket's) or 2^24 or more
// (its high byte is tested, which spares a test of its own; such a handle
// just takes the general form). On x86-64 the memory words join the OR as
// operands, which GCC will not do on its own.
[[gnu::always_inline]] inline bool AnySet(ULONG word, const MDL* const* next,
                                          const IRP* irp) {
  static_assert(sizeof(irp->RequestorHandle) == 4);
#if defined(__x86_64__)
  if (irp != nullptr) {
    uintptr_t acc = word;
    bool set;
    asm("orb %[handle_high], %b[acc]\n\t"
        "or %[next], %[acc]\n\t"
        "or %[routine], %[acc]"
        : [acc] "+q"(acc), "=@ccnz"(set)
        : [next] "m"(*next), [routine] "m"(irp->CompletionRoutine),
          [handle_high] "m"(reinterpret_cast<const unsigned char*>(
              &irp->RequestorHandle)[3]));
    return set;
  }
#endif
  return (uintptr_t{word} | reinterpret_cast<uintptr_t>(*next)) != 0 ||
         (irp != nullptr &&
          (irp->CompletionRoutine != nullptr ||
           (static_cast<uint32_t>(irp->RequestorHandle) >> 24) != 0));
}

// The fast forms, for the provider's inline path: false when the request
// needs the general form (then nothing was done); otherwise the system call
// was made and *r is its raw result (bytes, or -errno: PosixResult turns it
// into a status). The provider passes its IRP (AnySet: no completion routine
// to run, a requestor handle) and that handle as `h`.
template <Threads kThreads = Threads::kAny>
[[gnu::always_inline]] inline bool PosixSendFast(HostHandle h, const WSK_BUF& b,
                                                 ULONG flags,
                                                 const SOCKADDR* remote,
                                                 const CMSGHDR* control,
                                                 long* r, ULONG refuse = 0,
                                                 const IRP* irp = nullptr) {
  // An address first: the same bytes with the Linux family value (the
  // family table's hot rows), or the general form for other families.
  // Deciding that before anything else keeps few values live in the
  // addressed form (its caller's general form needs them all until then).
  sockaddr_in6 to;
  long to_len = 0;
  if (remote != nullptr) {
    // [[likely]]: the commoner family's copy laid out in line (the other
    // one costs a jump).
    if (remote->sa_family == WS_AF_INET) [[likely]] {
      CopyAddressWithFamily<sizeof(sockaddr_in)>(
          &to, remote, static_cast<uint16_t>(lx::LinuxFamilyFast(WS_AF_INET)));
      to_len = sizeof(sockaddr_in);
    } else if (remote->sa_family == WS_AF_INET6) {
      CopyAddressWithFamily<sizeof(sockaddr_in6)>(
          &to, remote, static_cast<uint16_t>(lx::LinuxFamilyFast(WS_AF_INET6)));
      to_len = sizeof(sockaddr_in6);
    } else {
      return false;
    }
  }
  const MDL* m = b.Mdl;
  // WSK flags other than none go through the flag table (general form);
  // so do no MDL, a chain, control data and a nonzero `refuse` (the
  // caller's own reasons). One OR and one test for most of them (the two
  // 32-bit values first: their OR needs no widening).
  if (m == nullptr || control != nullptr ||
      AnySet(flags | refuse, &m->Next, irp) ||
      (kThreads == Threads::kSingle && !__libc_single_threaded)) [[unlikely]] {
    return false;
  }
  // WSK never raises signals: MSG_NOSIGNAL always.
  constexpr long kFlags = MSG_NOSIGNAL;
  const long p = reinterpret_cast<long>(SingleBuffer(b));
  const long len = static_cast<long>(b.Length);
  if (remote == nullptr) [[likely]] {
    *r = FastSyscallNoAddress<kThreads>(SYS_sendto, h, p, len, kFlags);
  } else {
    *r = FastSyscall<kThreads>(SYS_sendto, h, p, len, kFlags,
                               reinterpret_cast<long>(&to), to_len);
  }
  return true;
}

template <Threads kThreads = Threads::kAny>
[[gnu::always_inline]] inline bool PosixReceiveFast(
    HostHandle h, const WSK_BUF& b, ULONG flags, PSOCKADDR remote,
    CMSGHDR* control, ULONG* out_flags, long* r, ULONG refuse = 0,
    const IRP* irp = nullptr) {
  const MDL* m = b.Mdl;
  if (m == nullptr ||
      (reinterpret_cast<uintptr_t>(control) |
       reinterpret_cast<uintptr_t>(out_flags)) != 0 ||
      AnySet(flags | refuse, &m->Next, irp) ||
      (kThreads == Threads::kSingle && !__libc_single_threaded)) [[unlikely]] {
    return false;
  }
  const long p = reinterpret_cast<long>(SingleBuffer(b));
  const long len = static_cast<long>(b.Length);
  if (remote == nullptr) [[likely]] {
    *r = FastSyscallNoAddress<kThreads>(SYS_recvfrom, h, p, len, 0);
    return true;
  }
  // The host writes a Linux address; the caller gets it in Windows form
  // (WS_AF_UNSPEC when there is none). AF_INET/AF_INET6 sockets report
  // only those two families; anything else keeps the family's value out
  // of the way (WS_AF_UNSPEC), as the general form does.
  // Room for the two families it passes on (the kernel truncates longer
  // addresses and reports their length, which the tests below refuse).
  sockaddr_in6 ss;
  socklen_t ss_len = sizeof(ss);
  *r = FastSyscall<kThreads>(SYS_recvfrom, h, p, len, 0,
                             reinterpret_cast<long>(&ss),
                             reinterpret_cast<long>(&ss_len));
  if (*r >= 0) [[likely]] {
    // The address goes on with its family written with the bytes around
    // it (CopyAddressWithFamily: the syscalls layer reads them at once).
    if (ss.sin6_family == AF_INET && ss_len == sizeof(sockaddr_in)) [[likely]] {
      CopyAddressWithFamily<sizeof(sockaddr_in)>(remote, &ss,
                                                 lx::WsFamilyFast(AF_INET));
    } else if (ss.sin6_family == AF_INET6 && ss_len == sizeof(sockaddr_in6)) {
      CopyAddressWithFamily<sizeof(sockaddr_in6)>(remote, &ss,
                                                  lx::WsFamilyFast(AF_INET6));
    } else {
      remote->sa_family = WS_AF_UNSPEC;
    }
  }
  return true;
}

// The HostStack calls (PosixHostStack's Send and Receive).
[[gnu::always_inline]] inline HostResult PosixSend(
    HostHandle h, const WSK_BUF& b, ULONG flags, const SOCKADDR* remote,
    const CMSGHDR* control, ULONG control_length) {
  long r;
  if (PosixSendFast(h, b, flags, remote, control, &r)) [[likely]] {
    return PosixResult(r);
  }
  return PosixSendSlow(h, b, flags, remote, control, control_length);
}

[[gnu::always_inline]] inline HostResult PosixReceive(
    HostHandle h, const WSK_BUF& b, ULONG flags, PSOCKADDR remote,
    CMSGHDR* control, ULONG* control_length, ULONG* out_flags) {
  long r;
  if (PosixReceiveFast(h, b, flags, remote, control, out_flags, &r))
      [[likely]] {
    // The fast form takes no control buffer: none was received.
    if (control_length != nullptr) *control_length = 0;
    return PosixResult(r);
  }
  return PosixReceiveSlow(h, b, flags, remote, control, control_length,
                          out_flags);
}

}  // namespace wsk::host

#endif  // LXWSK_WSK_HOST_POSIX_DATA_PATH_H_
