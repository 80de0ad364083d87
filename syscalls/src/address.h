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
// length, of the socket's family, that this thread's last AddressIn read
// whole (tls_address_in: sendto() in a loop passes the same one) or that
// lies in pages known readable (tls_readable). Then it
// is copied and relabelled and the result is true; otherwise nothing is
// decided (false) and the caller takes AddressIn. Only the family's bytes
// of *out are written (SockaddrLength of its family), which is all any
// reader looks at. No call on the way.
[[gnu::always_inline]] inline bool AddressInSendToFast(
    const sockaddr* user, socklen_t len, int socket_family,
    wsk::SOCKADDR_STORAGE* out) {
  // The copies write the family with the bytes around it
  // (CopyAddressWithFamily: the host adapter reads them back at once).
  sa_family_t family;
  if (user != tls_address_in.user || len > tls_address_in.room) [[unlikely]] {
    // Another address than last time (a server answering several peers
    // from an array): inline still when its bytes lie in pages known
    // readable.
    if (len == 0 || len > sizeof(sockaddr_in6) ||
        !tls_readable.Covers(user, len)) {
      return false;
    }
    RememberAddressIn(user, len);  // the next call's two compares
  }
  if (socket_family == AF_INET) [[likely]] {
    if (len != sizeof(sockaddr_in)) return false;
    memcpy(&family, user, sizeof(family));
    if (family != AF_INET) return false;
    wsk::CopyAddressWithFamily<sizeof(sockaddr_in)>(out, user,
                                                    WsFamilyFast(AF_INET));
    return true;
  }
  if (socket_family == AF_INET6) {
    if (len != sizeof(sockaddr_in6)) return false;
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
// The same for an IP address, out of line: what AddressOutIp does not do
// inline (another buffer than tls_address_out's, truncation, errors).
long AddressOutGeneral(const wsk::SOCKADDR* ws, socklen_t ws_len,
                       sockaddr* user, socklen_t* user_len);

// Inline for the data path: an AF_INET (kLength 16) or AF_INET6 (28)
// address, whose family the caller has checked, into the buffer this
// thread filled last when it holds the address whole; everything else
// (another buffer, truncation, errors) is AddressOutGeneral. The same
// checks in the same order either way.
template <socklen_t kLength>
[[gnu::always_inline]] inline long AddressOutIp(const wsk::SOCKADDR* ws,
                                                sockaddr* user,
                                                socklen_t* user_len) {
  static_assert(kLength == sizeof(sockaddr_in) ||
                kLength == sizeof(sockaddr_in6));
  // The memo by name (why: RememberAddressOut, user_memory.h).
  if (user != tls_address_out.user || user_len != tls_address_out.user_len ||
      kLength > tls_address_out.room) [[unlikely]] {
    return AddressOutGeneral(ws, kLength, user, user_len);
  }
  socklen_t cap;
  memcpy(&cap, user_len, sizeof(cap));
  if (static_cast<int>(cap) < static_cast<int>(kLength)) [[unlikely]] {
    return AddressOutGeneral(ws, kLength, user, user_len);
  }
  // Constant sizes, so the copies are plain moves, reading the provider's
  // address as it wrote it (CopyAddressWithFamily).
  constexpr int kFamily = kLength == sizeof(sockaddr_in) ? AF_INET : AF_INET6;
  wsk::CopyAddressWithFamily<kLength>(user, ws, kFamily);
  const socklen_t full = kLength;
  memcpy(user_len, &full, sizeof(full));
  return 0;
}

// Writes `ws` (`ws_len` bytes, 0 for no address) back as Linux does (see
// AddressOutSlow); inline for an IP address of its family's length.
[[gnu::always_inline]] inline long AddressOut(const wsk::SOCKADDR* ws,
                                              socklen_t ws_len, sockaddr* user,
                                              socklen_t* user_len) {
  if (ws_len == sizeof(sockaddr_in) && ws->sa_family == wsk::WS_AF_INET) {
    return AddressOutIp<sizeof(sockaddr_in)>(ws, user, user_len);
  }
  if (ws_len == sizeof(sockaddr_in6) && ws->sa_family == wsk::WS_AF_INET6) {
    return AddressOutIp<sizeof(sockaddr_in6)>(ws, user, user_len);
  }
  return AddressOutGeneral(ws, ws_len, user, user_len);
}

// A received datagram's source (family WS_AF_UNSPEC when there is none).
[[gnu::always_inline]] inline long DatagramAddressOut(
    const wsk::SOCKADDR_STORAGE& ws, sockaddr* user, socklen_t* user_len) {
  const auto* a = reinterpret_cast<const wsk::SOCKADDR*>(&ws);
  if (ws.ss_family == wsk::WS_AF_INET) [[likely]] {
    return AddressOutIp<sizeof(sockaddr_in)>(a, user, user_len);
  }
  if (ws.ss_family == wsk::WS_AF_INET6) {
    return AddressOutIp<sizeof(sockaddr_in6)>(a, user, user_len);
  }
  return AddressOutGeneral(a, wsk::SockaddrLength(ws.ss_family), user,
                           user_len);
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
