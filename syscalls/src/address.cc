#include "address.h"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "lx/socket_tables.h"
#include "user_memory.h"

namespace lx {

long AddressIn(const sockaddr* user, socklen_t len, AddrUse use,
               wsk::SOCKADDR_STORAGE* out) {
  // move_addr_to_kernel: 0 <= len <= sizeof(sockaddr_storage).
  if (static_cast<int>(len) < 0 || len > sizeof(sockaddr_storage)) {
    return -EINVAL;
  }
  memset(out, 0, sizeof(*out));
  if (!CopyIn(out, user, len)) return -EFAULT;
  if (len < sizeof(sa_family_t)) return -EINVAL;
  sa_family_t family;
  memcpy(&family, out, sizeof(family));
  // Per-family minimum lengths: sizeof(sockaddr_in) for IPv4 and
  // SIN6_LEN_RFC2133 (24, no scope id) for IPv6 (inet_bind, inet6_bind,
  // tcp_v4_connect, tcp_v6_connect, udp sendmsg).
  if (family == AF_INET && len < sizeof(sockaddr_in)) return -EINVAL;
  if (family == AF_INET6 && len < 24) return -EINVAL;
  if (family == AF_UNSPEC && use == AddrUse::kBind) {
    // inet_bind accepts AF_UNSPEC with INADDR_ANY as AF_INET; anything else
    // is EAFNOSUPPORT. The host judges: hand it the same bytes.
    if (len < sizeof(sockaddr_in)) return -EINVAL;
  }
  uint16_t ws = WsFamily(family);
  // A family WSK does not know travels as an invalid family the host
  // refuses with its own errno (EAFNOSUPPORT, EINVAL).
  out->ss_family = ws == 0xFFFF ? 0xFFFF : ws;
  return 0;
}

long AddressOutLength(const socklen_t* user_len, socklen_t* out) {
  if (!CopyIn(out, user_len, sizeof(*out))) return -EFAULT;
  if (static_cast<int>(*out) < 0) return -EINVAL;
  return 0;
}

long AddressOut(const wsk::SOCKADDR* ws, socklen_t ws_len, sockaddr* user,
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

}  // namespace lx
