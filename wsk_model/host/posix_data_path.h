// The host adapter's data path (PosixHostStack Send/Receive), inline so the
// provider can call it directly when its HostStack is the POSIX one
// (HostStack::IsPosixHost): the provider's WskSend/WskReceive/WskSendTo/
// WskReceiveFrom then make the system call themselves, with no virtual call
// and no msghdr. Single-buffer requests without control data take the fast
// form (sendto/recvfrom, with the address if there is one); everything else
// goes to the general out-of-line form. Same results either way.
//
// Async-signal-safe; no allocation, no lock.
#ifndef LXWSK_WSK_HOST_POSIX_DATA_PATH_H_
#define LXWSK_WSK_HOST_POSIX_DATA_PATH_H_

#include <netinet/in.h>
#include <sys/socket.h>

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

// The start of a single-MDL buffer, or null for no MDL.
inline char* SingleBuffer(const WSK_BUF& b) {
  const MDL* m = b.Mdl;
  return m ? static_cast<char*>(MmGetMdlVirtualAddress(m)) + b.Offset : nullptr;
}

[[gnu::always_inline]] inline HostResult PosixSend(HostHandle h, const WSK_BUF& b, ULONG flags,
                            const SOCKADDR* remote, const CMSGHDR* control,
                            ULONG control_length) {
  const MDL* m = b.Mdl;
  if (control != nullptr || (m != nullptr && m->Next != nullptr)) [[unlikely]] {
    return PosixSendSlow(h, b, flags, remote, control, control_length);
  }
  // WSK never raises signals: MSG_NOSIGNAL always.
  const long lflags = lx::LinuxSendFlags(flags) | MSG_NOSIGNAL;
  const long p = reinterpret_cast<long>(SingleBuffer(b));
  const long len = static_cast<long>(b.Length);
  if (remote == nullptr) [[likely]] {
    return PosixResult(RawSyscall(SYS_sendto, h, p, len, lflags, 0, 0));
  }
  // Same bytes, Linux family value (the family table's hot rows).
  if (remote->sa_family == WS_AF_INET) {
    sockaddr_in sin;
    memcpy(&sin, remote, sizeof(sin));
    sin.sin_family = static_cast<sa_family_t>(lx::LinuxFamilyFast(WS_AF_INET));
    return PosixResult(RawSyscall(SYS_sendto, h, p, len, lflags,
                                  reinterpret_cast<long>(&sin), sizeof(sin)));
  }
  if (remote->sa_family == WS_AF_INET6) {
    sockaddr_in6 sin6;
    memcpy(&sin6, remote, sizeof(sin6));
    sin6.sin6_family =
        static_cast<sa_family_t>(lx::LinuxFamilyFast(WS_AF_INET6));
    return PosixResult(RawSyscall(SYS_sendto, h, p, len, lflags,
                                  reinterpret_cast<long>(&sin6), sizeof(sin6)));
  }
  return PosixSendSlow(h, b, flags, remote, control, control_length);
}

[[gnu::always_inline]] inline HostResult PosixReceive(HostHandle h, const WSK_BUF& b, ULONG flags,
                               PSOCKADDR remote, CMSGHDR* control,
                               ULONG* control_length, ULONG* out_flags) {
  const MDL* m = b.Mdl;
  if (control != nullptr || out_flags != nullptr ||
      (m != nullptr && m->Next != nullptr)) [[unlikely]] {
    return PosixReceiveSlow(h, b, flags, remote, control, control_length,
                            out_flags);
  }
  const long lflags = lx::LinuxReceiveFlags(flags);
  const long p = reinterpret_cast<long>(SingleBuffer(b));
  const long len = static_cast<long>(b.Length);
  if (remote == nullptr) [[likely]] {
    return PosixResult(RawSyscall(SYS_recvfrom, h, p, len, lflags, 0, 0));
  }
  // The host writes a Linux address; the caller gets it in Windows form
  // (WS_AF_UNSPEC when there is none). AF_INET/AF_INET6 sockets only ever
  // report those two families, so nothing else needs the general form.
  sockaddr_storage ss;
  socklen_t ss_len = sizeof(ss);
  long r =
      RawSyscall(SYS_recvfrom, h, p, len, lflags, reinterpret_cast<long>(&ss),
                 reinterpret_cast<long>(&ss_len));
  if (r < 0) [[unlikely]]
    return PosixFailure(r);
  if (ss_len == 0) {
    remote->sa_family = WS_AF_UNSPEC;
  } else if (const uint16_t fam = lx::WsFamilyFast(ss.ss_family);
             fam == WS_AF_INET) {
    memcpy(remote, &ss, sizeof(SOCKADDR_IN));
    remote->sa_family = fam;
  } else if (fam == WS_AF_INET6) {
    memcpy(remote, &ss, sizeof(SOCKADDR_IN6));
    remote->sa_family = fam;
  } else {
    PosixAddressFromLinux(ss, ss_len, remote);
  }
  return {STATUS_SUCCESS, static_cast<uintptr_t>(r)};
}

}  // namespace wsk::host

#endif  // LXWSK_WSK_HOST_POSIX_DATA_PATH_H_
