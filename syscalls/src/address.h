// sockaddr <-> SOCKADDR at the syscall boundary, with Linux's length rules
// (net/socket.c move_addr_to_kernel/move_addr_to_user, af_inet.c,
// af_inet6.c). The byte layouts match; the family values do not.
#ifndef LXWSK_SYSCALLS_SRC_ADDRESS_H_
#define LXWSK_SYSCALLS_SRC_ADDRESS_H_

#include <sys/socket.h>

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

// Only the generic step (move_addr_to_kernel): length 0..128 and a readable
// buffer. For calls whose protocol then ignores the address (TCP sendto).
long AddressCopyIn(const sockaddr* user, socklen_t len);

// Writes a Windows address back as Linux does: truncated to *user_len, with
// *user_len set to the full length. `ws_len` 0 means "no address" (stream
// recvfrom). Returns 0 or -errno.
long AddressOut(const wsk::SOCKADDR* ws, socklen_t ws_len, sockaddr* user,
                socklen_t* user_len);

// Reads *user_len for an address output; -EINVAL if negative, -EFAULT.
long AddressOutLength(const socklen_t* user_len, socklen_t* out);

}  // namespace lx

#endif  // LXWSK_SYSCALLS_SRC_ADDRESS_H_
