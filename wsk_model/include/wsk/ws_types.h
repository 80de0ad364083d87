// Windows socket constants and address layouts as WSK sees them.
//
// Names carry wine's WS_ prefix because the Linux headers define the same
// names as macros with other values (SOL_SOCKET is 1 on Linux, 0xFFFF here).
// Values: shared/reference/constants-linux-windows.md (mingw-w64 v10 headers,
// cross-checked with wine). Constants only: usable in any context.
#ifndef LXWSK_WSK_WS_TYPES_H_
#define LXWSK_WSK_WS_TYPES_H_

#include <cstddef>
#include <cstdint>

namespace wsk {

using USHORT = uint16_t;
using ULONG = uint32_t;
using SIZE_T = size_t;
using ADDRESS_FAMILY = uint16_t;

// Address families (ws2def.h).
inline constexpr ADDRESS_FAMILY WS_AF_UNSPEC = 0;
inline constexpr ADDRESS_FAMILY WS_AF_INET = 2;
inline constexpr ADDRESS_FAMILY WS_AF_INET6 = 23;

// Socket types carry no flags on Windows.
inline constexpr USHORT WS_SOCK_STREAM = 1;
inline constexpr USHORT WS_SOCK_DGRAM = 2;
inline constexpr USHORT WS_SOCK_RAW = 3;
inline constexpr USHORT WS_SOCK_RDM = 4;
inline constexpr USHORT WS_SOCK_SEQPACKET = 5;

inline constexpr ULONG WS_IPPROTO_IP = 0;
inline constexpr ULONG WS_IPPROTO_ICMP = 1;
inline constexpr ULONG WS_IPPROTO_TCP = 6;
inline constexpr ULONG WS_IPPROTO_UDP = 17;
inline constexpr ULONG WS_IPPROTO_IPV6 = 41;
inline constexpr ULONG WS_IPPROTO_ICMPV6 = 58;
inline constexpr ULONG WS_IPPROTO_RAW = 255;

// Option levels.
inline constexpr ULONG WS_SOL_SOCKET = 0xFFFF;

// SOL_SOCKET options (winsock2.h / ws2def.h).
inline constexpr ULONG WS_SO_DEBUG = 0x0001;
inline constexpr ULONG WS_SO_ACCEPTCONN = 0x0002;
inline constexpr ULONG WS_SO_REUSEADDR = 0x0004;
inline constexpr ULONG WS_SO_KEEPALIVE = 0x0008;
inline constexpr ULONG WS_SO_DONTROUTE = 0x0010;
inline constexpr ULONG WS_SO_BROADCAST = 0x0020;
inline constexpr ULONG WS_SO_LINGER = 0x0080;
inline constexpr ULONG WS_SO_OOBINLINE = 0x0100;
inline constexpr ULONG WS_SO_SNDBUF = 0x1001;
inline constexpr ULONG WS_SO_RCVBUF = 0x1002;
inline constexpr ULONG WS_SO_SNDLOWAT = 0x1003;
inline constexpr ULONG WS_SO_RCVLOWAT = 0x1004;
inline constexpr ULONG WS_SO_SNDTIMEO = 0x1005;
inline constexpr ULONG WS_SO_RCVTIMEO = 0x1006;
inline constexpr ULONG WS_SO_ERROR = 0x1007;
inline constexpr ULONG WS_SO_TYPE = 0x1008;
inline constexpr ULONG WS_SO_CONDITIONAL_ACCEPT = 0x3002;
inline constexpr ULONG WS_SO_TIMESTAMP = 0x300A;
inline constexpr ULONG WS_SO_EXCLUSIVEADDRUSE = 0xFFFFFFFB;  // ~SO_REUSEADDR

// IPPROTO_IP options.
inline constexpr ULONG WS_IP_OPTIONS = 1;
inline constexpr ULONG WS_IP_HDRINCL = 2;
inline constexpr ULONG WS_IP_TOS = 3;
inline constexpr ULONG WS_IP_TTL = 4;
inline constexpr ULONG WS_IP_MULTICAST_IF = 9;
inline constexpr ULONG WS_IP_MULTICAST_TTL = 10;
inline constexpr ULONG WS_IP_MULTICAST_LOOP = 11;
inline constexpr ULONG WS_IP_ADD_MEMBERSHIP = 12;
inline constexpr ULONG WS_IP_DROP_MEMBERSHIP = 13;
inline constexpr ULONG WS_IP_PKTINFO = 19;
// ws2ipdef.h: IP_HOPLIMIT 21 "Receive packet hop limit" shares its value
// with IP_RECVTTL, as IPV6_HOPLIMIT names both the IPv6 option and its
// control message: the control message carrying a received TTL (an INT).
inline constexpr ULONG WS_IP_HOPLIMIT = 21;
inline constexpr ULONG WS_IP_RECVTTL = 21;
inline constexpr ULONG WS_IP_RECVTOS = 40;
inline constexpr ULONG WS_IP_MTU_DISCOVER = 71;
inline constexpr ULONG WS_IP_MTU = 73;
inline constexpr ULONG WS_IP_RECVERR = 75;

// IPPROTO_IPV6 options.
inline constexpr ULONG WS_IPV6_UNICAST_HOPS = 4;
inline constexpr ULONG WS_IPV6_MULTICAST_IF = 9;
inline constexpr ULONG WS_IPV6_MULTICAST_HOPS = 10;
inline constexpr ULONG WS_IPV6_MULTICAST_LOOP = 11;
inline constexpr ULONG WS_IPV6_ADD_MEMBERSHIP = 12;
inline constexpr ULONG WS_IPV6_DROP_MEMBERSHIP = 13;
inline constexpr ULONG WS_IPV6_DONTFRAG = 14;
inline constexpr ULONG WS_IPV6_PKTINFO = 19;
inline constexpr ULONG WS_IPV6_HOPLIMIT = 21;
inline constexpr ULONG WS_IPV6_V6ONLY = 27;
inline constexpr ULONG WS_IPV6_TCLASS = 39;
inline constexpr ULONG WS_IPV6_RECVTCLASS = 40;
inline constexpr ULONG WS_IPV6_MTU_DISCOVER = 71;
inline constexpr ULONG WS_IPV6_MTU = 72;
inline constexpr ULONG WS_IPV6_RECVERR = 75;

// IPPROTO_TCP options.
inline constexpr ULONG WS_TCP_NODELAY = 1;
inline constexpr ULONG WS_TCP_KEEPALIVE = 3;  // = TCP_KEEPIDLE, seconds
inline constexpr ULONG WS_TCP_MAXSEG = 4;
inline constexpr ULONG WS_TCP_FASTOPEN = 15;
inline constexpr ULONG WS_TCP_KEEPCNT = 16;
inline constexpr ULONG WS_TCP_KEEPINTVL = 17;

// Winsock ioctls: BSD-style codes on a 4-byte u_long (winsock2.h).
inline constexpr ULONG WS_FIONREAD = 0x4004667F;
inline constexpr ULONG WS_FIONBIO = 0x8004667E;
inline constexpr ULONG WS_SIOCATMARK = 0x40047307;

// Receive-side message flags returned by WskReceiveFrom (ws2def.h).
inline constexpr ULONG WS_MSG_OOB = 0x1;
inline constexpr ULONG WS_MSG_PEEK = 0x2;
inline constexpr ULONG WS_MSG_DONTROUTE = 0x4;
inline constexpr ULONG WS_MSG_WAITALL = 0x8;
inline constexpr ULONG WS_MSG_TRUNC = 0x100;
inline constexpr ULONG WS_MSG_CTRUNC = 0x200;
inline constexpr ULONG WS_MSG_BCAST = 0x400;
inline constexpr ULONG WS_MSG_MCAST = 0x800;

// IN_PKTINFO (ws2ipdef.h): {IN_ADDR ipi_addr; ULONG ipi_ifindex}, 8 bytes
// (Linux in_pktinfo is {ifindex, spec_dst, addr}, 12). IN6_PKTINFO is
// {IN6_ADDR ipi6_addr; ULONG ipi6_ifindex}, 20 bytes, as on Linux.
struct IN_PKTINFO_WS {
  uint8_t ipi_addr[4];
  ULONG ipi_ifindex;
};
static_assert(sizeof(IN_PKTINFO_WS) == 8);

// Address layouts (ws2def.h / ws2ipdef.h). Byte layout matches Linux; only
// the family values differ (AF_INET6 is 23 here, 10 on Linux).
struct SOCKADDR {
  ADDRESS_FAMILY sa_family;
  char sa_data[14];
};
struct IN_ADDR {
  uint8_t s_b[4];
};
struct SOCKADDR_IN {
  ADDRESS_FAMILY sin_family;
  uint16_t sin_port;  // network byte order
  IN_ADDR sin_addr;
  char sin_zero[8];
};
struct IN6_ADDR {
  uint8_t u_Byte[16];
};
struct SOCKADDR_IN6 {
  ADDRESS_FAMILY sin6_family;
  uint16_t sin6_port;
  ULONG sin6_flowinfo;
  IN6_ADDR sin6_addr;
  ULONG sin6_scope_id;
};
struct alignas(8) SOCKADDR_STORAGE {
  ADDRESS_FAMILY ss_family;
  char ss_pad[126];
};
static_assert(sizeof(SOCKADDR_IN) == 16);
static_assert(sizeof(SOCKADDR_IN6) == 28);
static_assert(sizeof(SOCKADDR_STORAGE) == 128);
using PSOCKADDR = SOCKADDR*;

// Winsock LINGER: two u_shorts (4 bytes; Linux's struct linger is 8).
struct LINGER {
  USHORT l_onoff;
  USHORT l_linger;
};

// Length of a SOCKADDR of the given family, 0 when not an IP family.
constexpr ULONG SockaddrLength(ADDRESS_FAMILY family) {
  return family == WS_AF_INET    ? sizeof(SOCKADDR_IN)
         : family == WS_AF_INET6 ? sizeof(SOCKADDR_IN6)
                                 : 0;
}

// Copies an IP address of kLength bytes (16: SOCKADDR_IN, 28:
// SOCKADDR_IN6; Linux's sockaddr_in/_in6 have the same layouts) from src
// to dst with its family replaced, writing the first 16 bytes as one
// store. Why: a datagram's address is copied from hop to hop (program,
// syscalls layer, host adapter, and back), and the obvious copy-then-
// relabel leaves a 2-byte store inside a 16-byte one, so the next hop's
// 16-byte load of it cannot be forwarded from the store buffer and waits
// for both to retire (a dozen cycles or more on x86, each hop). The tail of
// an IPv6 address is always copied as 8 + 4 bytes, so each load here reads
// what exactly one store of the previous hop wrote.
template <size_t kLength>
[[gnu::always_inline]] inline void CopyAddressWithFamily(void* dst,
                                                         const void* src,
                                                         uint16_t family) {
  static_assert(kLength == 16 || kLength == 28);
  using Head = uint16_t __attribute__((vector_size(16), may_alias));
  Head head;
  __builtin_memcpy(&head, src, sizeof(head));
  head[0] = family;
  __builtin_memcpy(dst, &head, sizeof(head));
  if constexpr (kLength == 28) {
    // Inlined where a caller's other branch holds an IPv4 object, GCC's
    // -Warray-bounds sees these copies in the branch that cannot run there.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
    uint64_t mid;
    uint32_t tail;
    __builtin_memcpy(&mid, static_cast<const char*>(src) + 16, sizeof(mid));
    __builtin_memcpy(&tail, static_cast<const char*>(src) + 24, sizeof(tail));
    __builtin_memcpy(static_cast<char*>(dst) + 16, &mid, sizeof(mid));
    __builtin_memcpy(static_cast<char*>(dst) + 24, &tail, sizeof(tail));
#pragma GCC diagnostic pop
  }
}

}  // namespace wsk

#endif  // LXWSK_WSK_WS_TYPES_H_
