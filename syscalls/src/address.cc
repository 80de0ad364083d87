#include "address.h"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "lx/socket_tables.h"
#include "user_memory.h"

namespace lx {

long AddressIn(const sockaddr* user, socklen_t len, AddrUse use,
               int socket_family, wsk::SOCKADDR_STORAGE* out) {
  // move_addr_to_kernel: 0 <= len <= sizeof(sockaddr_storage).
  if (static_cast<int>(len) < 0 || len > sizeof(sockaddr_storage)) {
    return -EINVAL;
  }
  memset(out, 0, sizeof(*out));
  if (!CopyIn(out, user, len)) return -EFAULT;
  if (len != 0) RememberAddressIn(user, len);
  if (len < sizeof(sa_family_t)) return -EINVAL;
  sa_family_t family;
  memcpy(&family, out, sizeof(family));
  constexpr socklen_t kIn4 = sizeof(sockaddr_in);
  constexpr socklen_t kIn6 = 24;  // SIN6_LEN_RFC2133: no scope id needed
  const bool connect =
      use == AddrUse::kConnect || use == AddrUse::kConnectStream;
  if (connect && family == AF_UNSPEC) {
    // __inet_stream_connect / datagram connect: AF_UNSPEC disconnects,
    // whatever the length.
    out->ss_family = wsk::WS_AF_UNSPEC;
    return 0;
  }
  if (socket_family == AF_INET) {
    // The length is checked against the socket's family first, then the
    // address's family. AF_UNSPEC counts as AF_INET for bind (only with
    // INADDR_ANY) and for sendto.
    if (len < kIn4) return -EINVAL;
    if (family == AF_UNSPEC && use != AddrUse::kConnect &&
        use != AddrUse::kConnectStream) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(out);
      if (use == AddrUse::kBind && in->sin_addr.s_addr != htonl(INADDR_ANY)) {
        return -EAFNOSUPPORT;
      }
      family = AF_INET;
    } else if (family != AF_INET && family != AF_UNSPEC) {
      return -EAFNOSUPPORT;
    }
  } else {
    switch (use) {
      case AddrUse::kConnectStream:
        // tcp_v6_connect: short is EINVAL, another family EAFNOSUPPORT.
        if (family == AF_UNSPEC) break;
        [[fallthrough]];
      case AddrUse::kBind:
        if (len < kIn6) return -EINVAL;
        if (family != AF_INET6) return -EAFNOSUPPORT;
        break;
      case AddrUse::kConnect:
        // ip6_datagram_connect takes an IPv4 address (v4-mapped use).
        if (family == AF_INET) {
          if (len < kIn4) return -EINVAL;
          break;
        }
        if (family == AF_UNSPEC) break;
        if (len < kIn6) return -EINVAL;
        if (family != AF_INET6) return -EAFNOSUPPORT;
        break;
      case AddrUse::kSendTo:
        if (family == AF_INET) {
          if (len < kIn4) return -EINVAL;
          break;
        }
        if (family == AF_UNSPEC) break;
        if (family != AF_INET6) return -EINVAL;
        if (len < kIn6) return -EINVAL;
        break;
    }
  }
  if (family == AF_UNSPEC) {
    out->ss_family = wsk::WS_AF_UNSPEC;
    return 0;
  }
  out->ss_family = WsFamily(family);
  return 0;
}

long AddressCopyIn(const sockaddr* user, socklen_t len) {
  if (static_cast<int>(len) < 0 || len > sizeof(sockaddr_storage)) {
    return -EINVAL;
  }
  sockaddr_storage ss;
  return CopyIn(&ss, user, len) ? 0 : -EFAULT;
}

long AddressOutLength(const socklen_t* user_len, socklen_t* out) {
  if (!CopyIn(out, user_len, sizeof(*out))) return -EFAULT;
  if (static_cast<int>(*out) < 0) return -EINVAL;
  return 0;
}

long AddressOutSlow(const wsk::SOCKADDR* ws, socklen_t ws_len, sockaddr* user,
                    socklen_t* user_len) {
  socklen_t cap;
  if (long r = AddressOutLength(user_len, &cap); r < 0) return r;
  sockaddr_storage lin;
  if (ws_len > 0) {
    memcpy(&lin, ws, ws_len);
    lin.ss_family = static_cast<sa_family_t>(LinuxFamily(ws->sa_family));
    socklen_t n = cap < ws_len ? cap : ws_len;
    if (n > 0 && !CopyOut(user, &lin, n)) return -EFAULT;
  }
  if (!CopyOut(user_len, &ws_len, sizeof(ws_len))) return -EFAULT;
  return 0;
}

long AddressOutGeneral(const wsk::SOCKADDR* ws, socklen_t ws_len,
                       sockaddr* user, socklen_t* user_len) {
  socklen_t cap;
  if ((ws_len == sizeof(sockaddr_in) || ws_len == sizeof(sockaddr_in6)) &&
      CopyIn(&cap, user_len, sizeof(cap)) &&
      static_cast<int>(cap) >= static_cast<int>(ws_len)) {
    // An IP address that fits: written whole, and the buffer remembered
    // for AddressOut's inline form.
    sockaddr_in6 lin;
    memcpy(&lin, ws, ws_len);
    lin.sin6_family = static_cast<sa_family_t>(LinuxFamilyFast(ws->sa_family));
    if (!CopyOut(user, &lin, ws_len) ||
        !CopyOut(user_len, &ws_len, sizeof(ws_len))) {
      return -EFAULT;
    }
    RememberAddressOut(user, user_len, ws_len);
    return 0;
  }
  return AddressOutSlow(ws, ws_len, user, user_len);
}

}  // namespace lx
