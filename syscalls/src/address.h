// sockaddr <-> SOCKADDR at the syscall boundary, with Linux's length rules
// (net/socket.c move_addr_to_kernel/move_addr_to_user, af_inet.c,
// af_inet6.c). The byte layouts match; the family values do not.
#ifndef LXWSK_SYSCALLS_SRC_ADDRESS_H_
#define LXWSK_SYSCALLS_SRC_ADDRESS_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "lx/socket_tables.h"
#include "user_memory.h"
#include "wsk/ws_types.h"

namespace lx {

enum class AddrUse { kBind, kConnect, kConnectStream, kSendTo };

// Copies the program's address in, applies Linux's length and family rules
// for a socket of `socket_family` (inet_bind, inet6_bind, tcp_v4_connect,
// tcp_v6_connect, ip6_datagram_connect, udp_sendmsg, udpv6_sendmsg), and
// rewrites it to Windows form. Returns 0 or -errno (EINVAL, EAFNOSUPPORT,
// EFAULT). For kSendTo on IPv6, an AF_UNSPEC address means "no address":
// *out then has family WS_AF_UNSPEC and the caller sends without one.
long AddressIn(const sockaddr* user, socklen_t len, AddrUse use,
               int socket_family, wsk::SOCKADDR_STORAGE* out);

// The data path's form of AddressIn(..., AddrUse::kSendTo, ...) for what
// sendto() is nearly always given: an address of exactly its family's
// length, of the socket's family, in a page already known readable. Then
// it is copied and relabelled and the result is true; otherwise nothing is
// decided (false) and the caller takes AddressIn. Only the family's bytes
// of *out are written (SockaddrLength of its family), which is all any
// reader looks at. No call on the way.
[[gnu::always_inline]] inline bool AddressInSendToFast(
    const sockaddr* user, socklen_t len, int socket_family,
    wsk::SOCKADDR_STORAGE* out) {
  // The copies write the family with the bytes around it
  // (CopyAddressWithFamily: the host adapter reads them back at once).
  sa_family_t family;
  if (socket_family == AF_INET) {
    if (len != sizeof(sockaddr_in) ||
        !tls_readable.Covers(user, sizeof(sockaddr_in))) {
      return false;
    }
    memcpy(&family, user, sizeof(family));
    if (family != AF_INET) return false;
    wsk::CopyAddressWithFamily<sizeof(sockaddr_in)>(out, user,
                                                    WsFamilyFast(AF_INET));
    return true;
  }
  if (socket_family == AF_INET6) {
    if (len != sizeof(sockaddr_in6) ||
        !tls_readable.Covers(user, sizeof(sockaddr_in6))) {
      return false;
    }
    memcpy(&family, user, sizeof(family));
    if (family != AF_INET6) return false;
    wsk::CopyAddressWithFamily<sizeof(sockaddr_in6)>(out, user,
                                                     WsFamilyFast(AF_INET6));
    return true;
  }
  return false;
}

// The same short cut for connect() and bind() (every AddrUse): an address
// of exactly its family's length (sockaddr_in, or sockaddr_in6 with its
// scope id), of the socket's own family, in a page already known readable,
// passes every one of AddressIn's length and family rules; it is copied and
// relabelled (only the family's bytes of *out are written) and the result
// is true. Anything else: false, and the caller takes AddressIn.
[[gnu::always_inline]] inline bool AddressInExact(const sockaddr* user,
                                                  socklen_t len,
                                                  int socket_family,
                                                  wsk::SOCKADDR_STORAGE* out) {
  // Constant sizes: the copies are plain moves.
  if (socket_family == AF_INET) {
    if (len != sizeof(sockaddr_in) ||
        !tls_readable.Covers(user, sizeof(sockaddr_in))) {
      return false;
    }
    memcpy(out, user, sizeof(sockaddr_in));
  } else if (socket_family == AF_INET6) {
    if (len != sizeof(sockaddr_in6) ||
        !tls_readable.Covers(user, sizeof(sockaddr_in6))) {
      return false;
    }
    memcpy(out, user, sizeof(sockaddr_in6));
  } else {
    return false;
  }
  if (out->ss_family != socket_family) return false;
  out->ss_family = WsFamilyFast(socket_family);
  return true;
}

// Only the generic step (move_addr_to_kernel): length 0..128 and a readable
// buffer. For calls whose protocol then ignores the address (TCP sendto).
long AddressCopyIn(const sockaddr* user, socklen_t len);

// Writes a Windows address back as Linux does: truncated to *user_len, with
// *user_len set to the full length. `ws_len` 0 means "no address" (stream
// recvfrom). Returns 0 or -errno.
long AddressOutSlow(const wsk::SOCKADDR* ws, socklen_t ws_len, sockaddr* user,
                    socklen_t* user_len);
// Inline for the data path: an AF_INET or AF_INET6 address into a buffer
// that holds it whole; everything else (truncation, no address, errors) is
// AddressOutSlow. The same checks in the same order either way.
[[gnu::always_inline]] inline long AddressOut(const wsk::SOCKADDR* ws,
                                              socklen_t ws_len, sockaddr* user,
                                              socklen_t* user_len) {
  // Commonest of all: the address and its length in one page known to be
  // writable (CopyOut also remembers it readable): one page check for the
  // read of *user_len and both writes.
  const uintptr_t page =
      reinterpret_cast<uintptr_t>(user_len) >> PageCache::kPageShift;
  if ((ws_len == sizeof(sockaddr_in) || ws_len == sizeof(sockaddr_in6)) &&
      page == (reinterpret_cast<uintptr_t>(user_len) + sizeof(socklen_t) - 1) >>
                  PageCache::kPageShift &&
      page == reinterpret_cast<uintptr_t>(user) >> PageCache::kPageShift &&
      page == (reinterpret_cast<uintptr_t>(user) + ws_len - 1) >>
                  PageCache::kPageShift &&
      tls_writable.Has(page)) [[likely]] {
    socklen_t cap;
    memcpy(&cap, user_len, sizeof(cap));
    if (static_cast<int>(cap) >= static_cast<int>(ws_len)) [[likely]] {
      // Constant sizes, so the copies are plain moves, reading the
      // provider's address as it wrote it (CopyAddressWithFamily).
      const auto family =
          static_cast<sa_family_t>(LinuxFamilyFast(ws->sa_family));
      if (ws_len == sizeof(sockaddr_in)) {
        wsk::CopyAddressWithFamily<sizeof(sockaddr_in)>(user, ws, family);
      } else {
        wsk::CopyAddressWithFamily<sizeof(sockaddr_in6)>(user, ws, family);
      }
      memcpy(user_len, &ws_len, sizeof(ws_len));
      return 0;
    }
  }
  socklen_t cap;
  if (CopyIn(&cap, user_len, sizeof(cap)) &&
      static_cast<int>(cap) >= static_cast<int>(ws_len)) [[likely]] {
    if (ws_len == sizeof(sockaddr_in)) {
      sockaddr_in lin;
      memcpy(&lin, ws, sizeof(lin));
      lin.sin_family = static_cast<sa_family_t>(LinuxFamilyFast(ws->sa_family));
      if (CopyOut(user, &lin, sizeof(lin)) &&
          CopyOut(user_len, &ws_len, sizeof(ws_len))) [[likely]] {
        return 0;
      }
      return -EFAULT;
    }
    if (ws_len == sizeof(sockaddr_in6)) {
      sockaddr_in6 lin;
      memcpy(&lin, ws, sizeof(lin));
      lin.sin6_family =
          static_cast<sa_family_t>(LinuxFamilyFast(ws->sa_family));
      if (CopyOut(user, &lin, sizeof(lin)) &&
          CopyOut(user_len, &ws_len, sizeof(ws_len))) [[likely]] {
        return 0;
      }
      return -EFAULT;
    }
  }
  return AddressOutSlow(ws, ws_len, user, user_len);
}

// A stream's recvfrom: no address, so Linux (move_addr_to_user with klen
// 0) reads *user_len (EFAULT), refuses a negative one (EINVAL) and writes 0
// back, never touching `user`. Inline when *user_len lies in one page
// known to be writable; AddressOutSlow otherwise.
[[gnu::always_inline]] inline long NoAddressOut(sockaddr* user,
                                                socklen_t* user_len) {
  const uintptr_t page =
      reinterpret_cast<uintptr_t>(user_len) >> PageCache::kPageShift;
  if (page == (reinterpret_cast<uintptr_t>(user_len) + sizeof(socklen_t) - 1) >>
                  PageCache::kPageShift &&
      tls_writable.Has(page)) [[likely]] {
    socklen_t cap;
    memcpy(&cap, user_len, sizeof(cap));
    if (static_cast<int>(cap) >= 0) [[likely]] {
      const socklen_t none = 0;
      memcpy(user_len, &none, sizeof(none));
      return 0;
    }
  }
  return AddressOutSlow(nullptr, 0, user, user_len);
}

// A stream's sendto: __sys_sendto copies the address in (EINVAL for a
// length over sizeof(sockaddr_storage), EFAULT) before the protocol
// ignores it. Inline when the length is in range and the bytes lie in
// pages known to be readable; AddressCopyIn otherwise (a zero length too).
[[gnu::always_inline]] inline long AddressCheckIn(const sockaddr* user,
                                                  socklen_t len) {
  if (len - 1 < sizeof(sockaddr_storage) && tls_readable.Covers(user, len))
      [[likely]] {
    return 0;
  }
  return AddressCopyIn(user, len);
}

// Reads *user_len for an address output; -EINVAL if negative, -EFAULT.
long AddressOutLength(const socklen_t* user_len, socklen_t* out);

}  // namespace lx

#endif  // LXWSK_SYSCALLS_SRC_ADDRESS_H_
