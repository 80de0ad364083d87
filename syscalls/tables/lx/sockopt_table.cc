#include "lx/sockopt_table.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "lx/status_table.h"
#include "wsk/wsk.h"

namespace lx {
namespace {

using namespace wsk;  // NOLINT: rows read best with bare WS_ names.
using K = OptKind;

#define LX(level, name, note) \
  { level, name, WskLxLevel(level), name, K::kLinuxOnly, #name, note }
#define SOL(name, ws, kind, note) \
  { SOL_SOCKET, name, WS_SOL_SOCKET, ws, kind, #name, note }
#define IPO(name, ws, kind, note) \
  { IPPROTO_IP, name, WS_IPPROTO_IP, ws, kind, #name, note }
#define IP6(name, ws, kind, note) \
  { IPPROTO_IPV6, name, WS_IPPROTO_IPV6, ws, kind, #name, note }
#define TCPO(name, ws, kind, note) \
  { IPPROTO_TCP, name, WS_IPPROTO_TCP, ws, kind, #name, note }

constexpr SockoptRow kRows[] = {
    SOL(SO_DEBUG, WS_SO_DEBUG, K::kSame, "the only SO_ value both share"),
    SOL(SO_REUSEADDR, WS_SO_REUSEADDR, K::kSame,
        "Windows semantics allow port stealing; the host keeps Linux's"),
    SOL(SO_TYPE, WS_SO_TYPE, K::kSame, "read-only; same type numbers"),
    SOL(SO_ERROR, WS_SO_ERROR, K::kErrno, "read-only; WSA code <-> errno"),
    SOL(SO_DONTROUTE, WS_SO_DONTROUTE, K::kSame,
        "Windows TCP/IP ignores it; the host honours it"),
    SOL(SO_BROADCAST, WS_SO_BROADCAST, K::kSame, ""),
    SOL(SO_SNDBUF, WS_SO_SNDBUF, K::kSame, "Linux doubles the value set"),
    SOL(SO_RCVBUF, WS_SO_RCVBUF, K::kSame, "Linux doubles the value set"),
    SOL(SO_KEEPALIVE, WS_SO_KEEPALIVE, K::kSame, ""),
    SOL(SO_OOBINLINE, WS_SO_OOBINLINE, K::kSame, ""),
    SOL(SO_LINGER, WS_SO_LINGER, K::kLinger,
        "8-byte {int,int} vs 4-byte {u_short,u_short}; seconds"),
    SOL(SO_RCVLOWAT, WS_SO_RCVLOWAT, K::kSame,
        "Windows TCP/IP refuses it (WSAEINVAL); the host honours it"),
    SOL(SO_SNDLOWAT, WS_SO_SNDLOWAT, K::kSame, ""),
    SOL(SO_RCVTIMEO, WS_SO_RCVTIMEO, K::kTimeval,
        "struct timeval vs DWORD ms (rounded up to 1 ms)"),
    SOL(SO_SNDTIMEO, WS_SO_SNDTIMEO, K::kTimeval,
        "struct timeval vs DWORD ms (rounded up to 1 ms)"),
    SOL(SO_ACCEPTCONN, WS_SO_ACCEPTCONN, K::kSame, "read-only"),
    LX(SOL_SOCKET, SO_REUSEPORT, "no Windows equivalent"),
    LX(SOL_SOCKET, SO_DOMAIN, "read-only; Windows uses SO_PROTOCOL_INFO"),
    LX(SOL_SOCKET, SO_PROTOCOL, "read-only; Windows uses SO_PROTOCOL_INFO"),
    LX(SOL_SOCKET, SO_PRIORITY, ""),
    LX(SOL_SOCKET, SO_MARK, ""),
    LX(SOL_SOCKET, SO_BINDTODEVICE, ""),
    LX(SOL_SOCKET, SO_TIMESTAMP, "Windows SO_TIMESTAMP differs in meaning"),
    LX(SOL_SOCKET, SO_TIMESTAMPNS, ""),
    LX(SOL_SOCKET, SO_RCVBUFFORCE, ""),
    LX(SOL_SOCKET, SO_SNDBUFFORCE, ""),
    LX(SOL_SOCKET, SO_PEERNAME, ""),
    LX(SOL_SOCKET, SO_BUSY_POLL, ""),
    LX(SOL_SOCKET, SO_COOKIE, ""),
    LX(SOL_SOCKET, SO_ZEROCOPY, ""),
    IPO(IP_OPTIONS, WS_IP_OPTIONS, K::kSame, ""),
    IPO(IP_HDRINCL, WS_IP_HDRINCL, K::kSame, ""),
    IPO(IP_TOS, WS_IP_TOS, K::kSame, ""),
    IPO(IP_TTL, WS_IP_TTL, K::kSame, ""),
    IPO(IP_MULTICAST_IF, WS_IP_MULTICAST_IF, K::kSame,
        "Linux also accepts ip_mreqn; the host decides"),
    IPO(IP_MULTICAST_TTL, WS_IP_MULTICAST_TTL, K::kSame, ""),
    IPO(IP_MULTICAST_LOOP, WS_IP_MULTICAST_LOOP, K::kSame, ""),
    IPO(IP_ADD_MEMBERSHIP, WS_IP_ADD_MEMBERSHIP, K::kSame, "ip_mreq"),
    IPO(IP_DROP_MEMBERSHIP, WS_IP_DROP_MEMBERSHIP, K::kSame, "ip_mreq"),
    IPO(IP_PKTINFO, WS_IP_PKTINFO, K::kSame,
        "enables the cmsg; in_pktinfo layouts differ"),
    IPO(IP_RECVTTL, WS_IP_RECVTTL, K::kSame, ""),
    IPO(IP_RECVTOS, WS_IP_RECVTOS, K::kSame, ""),
    IPO(IP_MTU_DISCOVER, WS_IP_MTU_DISCOVER, K::kPmtuDisc,
        "IP_PMTUDISC_DO and _DONT are swapped"),
    IPO(IP_MTU, WS_IP_MTU, K::kSame, ""),
    IPO(IP_RECVERR, WS_IP_RECVERR, K::kSame, "no MSG_ERRQUEUE on Windows"),
    LX(IPPROTO_IP, IP_FREEBIND, ""),
    LX(IPPROTO_IP, IP_TRANSPARENT, ""),
    LX(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, ""),
    LX(IPPROTO_IP, IP_RECVORIGDSTADDR, ""),
    LX(IPPROTO_IP, IP_MINTTL, ""),
    IP6(IPV6_UNICAST_HOPS, WS_IPV6_UNICAST_HOPS, K::kSame, ""),
    IP6(IPV6_MULTICAST_IF, WS_IPV6_MULTICAST_IF, K::kSame, ""),
    IP6(IPV6_MULTICAST_HOPS, WS_IPV6_MULTICAST_HOPS, K::kSame, ""),
    IP6(IPV6_MULTICAST_LOOP, WS_IPV6_MULTICAST_LOOP, K::kSame, ""),
    IP6(IPV6_ADD_MEMBERSHIP, WS_IPV6_ADD_MEMBERSHIP, K::kSame, ""),
    IP6(IPV6_DROP_MEMBERSHIP, WS_IPV6_DROP_MEMBERSHIP, K::kSame, ""),
    IP6(IPV6_DONTFRAG, WS_IPV6_DONTFRAG, K::kSame, ""),
    IP6(IPV6_RECVPKTINFO, WS_IPV6_PKTINFO, K::kSame,
        "RFC 3542 enable flag; Windows enables with IPV6_PKTINFO"),
    IP6(IPV6_RECVHOPLIMIT, WS_IPV6_HOPLIMIT, K::kSame, ""),
    IP6(IPV6_V6ONLY, WS_IPV6_V6ONLY, K::kSame,
        "Windows defaults to TRUE, Linux to net.ipv6.bindv6only (0)"),
    IP6(IPV6_TCLASS, WS_IPV6_TCLASS, K::kSame, ""),
    IP6(IPV6_RECVTCLASS, WS_IPV6_RECVTCLASS, K::kSame, ""),
    IP6(IPV6_MTU_DISCOVER, WS_IPV6_MTU_DISCOVER, K::kPmtuDisc, ""),
    IP6(IPV6_MTU, WS_IPV6_MTU, K::kSame, ""),
    IP6(IPV6_RECVERR, WS_IPV6_RECVERR, K::kSame, ""),
    LX(IPPROTO_IPV6, IPV6_PKTINFO, "sticky pktinfo (RFC 3542)"),
    LX(IPPROTO_IPV6, IPV6_FREEBIND, ""),
    LX(IPPROTO_IPV6, IPV6_TRANSPARENT, ""),
    TCPO(TCP_NODELAY, WS_TCP_NODELAY, K::kSame, "same number"),
    TCPO(TCP_MAXSEG, WS_TCP_MAXSEG, K::kSame, ""),
    TCPO(TCP_KEEPIDLE, WS_TCP_KEEPALIVE, K::kSame, "seconds, Win10 1709+"),
    TCPO(TCP_KEEPINTVL, WS_TCP_KEEPINTVL, K::kSame, "seconds"),
    TCPO(TCP_KEEPCNT, WS_TCP_KEEPCNT, K::kSame, ""),
    LX(IPPROTO_TCP, TCP_FASTOPEN, "Windows TCP_FASTOPEN is a bool"),
    LX(IPPROTO_TCP, TCP_CORK, ""),
    LX(IPPROTO_TCP, TCP_INFO, "Windows has SIO_TCP_INFO, another struct"),
    LX(IPPROTO_TCP, TCP_QUICKACK, ""),
    LX(IPPROTO_TCP, TCP_USER_TIMEOUT, "nearest: TCP_MAXRTMS"),
    LX(IPPROTO_TCP, TCP_CONGESTION, ""),
    LX(IPPROTO_TCP, TCP_DEFER_ACCEPT, ""),
    LX(IPPROTO_TCP, TCP_NOTSENT_LOWAT, ""),
    LX(IPPROTO_TCP, TCP_SYNCNT, ""),
    LX(IPPROTO_TCP, TCP_LINGER2, ""),
    LX(IPPROTO_TCP, TCP_WINDOW_CLAMP, ""),
    LX(IPPROTO_UDP, UDP_CORK, ""),
    LX(IPPROTO_UDP, UDP_SEGMENT, "Windows: UDP_SEND_MSG_SIZE"),
    LX(IPPROTO_UDP, UDP_GRO, "Windows: UDP_RECV_MAX_COALESCED_SIZE"),
};
#undef LX
#undef SOL
#undef IPO
#undef IP6
#undef TCPO

// Windows IP_PMTUDISC: NOT_SET 0, DO 1, DONT 2, PROBE 3. Linux values with
// no Windows counterpart (INTERFACE 4, OMIT 5, or invalid) travel as
// themselves: outside 0..3 on both sides, so the mapping stays a bijection
// and the host still sees, and judges, the original.
constexpr int kPmtuLinuxToWs[4] = {2, 0, 1, 3};  // DONT, WANT, DO, PROBE
constexpr int kPmtuWsToLinux[4] = {1, 2, 0, 3};

}  // namespace

std::span<const SockoptRow> SockoptRows() { return kRows; }

const char* OptKindName(OptKind kind) {
  static constexpr const char* kNames[] = {
      "same layout",         "timeval <-> ms",  "linger 8 <-> 4 bytes",
      "errno <-> WSA error", "PMTUDISC values", "Linux only (tunnelled)"};
  return kNames[static_cast<int>(kind)];
}

const char* LinuxLevelName(int level) {
  switch (level) {
    case SOL_SOCKET:
      return "SOL_SOCKET";
    case IPPROTO_IP:
      return "IPPROTO_IP";
    case IPPROTO_IPV6:
      return "IPPROTO_IPV6";
    case IPPROTO_TCP:
      return "IPPROTO_TCP";
    case IPPROTO_UDP:
      return "IPPROTO_UDP";
    default:
      return "?";
  }
}

SockoptRow FindLinuxSockopt(int level, int name) {
  for (const SockoptRow& r : kRows) {
    if (r.linux_level == level && r.linux_name == name) return r;
  }
  // The tunnel tag leaves 16 bits for the level. No Linux protocol knows a
  // level beyond them, and every protocol treats all unknown levels alike,
  // so those travel as one unknown level the host judges the same way.
  const int tunnelled =
      (level >= 0 && level <= 0xFFFF) ? level : kLxUnknownLevel;
  return {level,
          name,
          WskLxLevel(tunnelled),
          static_cast<uint32_t>(name),
          K::kLinuxOnly,
          "(not in table)",
          ""};
}

const SockoptRow* FindWsSockopt(uint32_t ws_level, uint32_t ws_name) {
  for (const SockoptRow& r : kRows) {
    if (r.ws_level == ws_level && r.ws_name == ws_name) return &r;
  }
  return nullptr;
}

size_t WsValueSize(OptKind kind) {
  switch (kind) {
    case K::kTimeval:
    case K::kErrno:
    case K::kPmtuDisc:
      return sizeof(uint32_t);
    case K::kLinger:
      return sizeof(LINGER);
    default:
      return 0;
  }
}

size_t LinuxValueSize(OptKind kind) {
  switch (kind) {
    case K::kTimeval:
      return sizeof(struct timeval);
    case K::kLinger:
      return sizeof(struct linger);
    case K::kErrno:
    case K::kPmtuDisc:
      return sizeof(int);
    default:
      return 0;
  }
}

int LinuxToWsValue(OptKind kind, const void* in, size_t in_len, void* out,
                   size_t out_cap) {
  switch (kind) {
    case K::kTimeval: {
      // net/core/sock.c sock_set_timeout: short value EINVAL, bad usec EDOM.
      // Windows' DWORD milliseconds (0 = no timeout) cannot say "do not
      // wait" (negative seconds on Linux) nor anything from 2^32 - 1 ms on:
      // those are -ERANGE, with the saturated DWORD written.
      struct timeval tv;
      if (in_len < sizeof(tv)) return -EINVAL;
      memcpy(&tv, in, sizeof(tv));
      if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) return -EDOM;
      uint32_t v = kWsTimeoutSaturated;
      int r = sizeof(v);
      if (tv.tv_sec < 0 || tv.tv_sec > 4294967) {
        r = -ERANGE;
      } else {
        uint64_t ms = static_cast<uint64_t>(tv.tv_sec) * 1000 +
                      (static_cast<uint64_t>(tv.tv_usec) + 999) / 1000;
        if (ms >= kWsTimeoutSaturated) {
          r = -ERANGE;
        } else {
          v = static_cast<uint32_t>(ms);
        }
      }
      memcpy(out, &v, sizeof(v));
      return r;
    }
    case K::kLinger: {
      // Windows' u_short seconds hold 0..65534 exactly; anything else is
      // -ERANGE with 65535 written.
      struct linger l;
      if (in_len < sizeof(l)) return -EINVAL;
      memcpy(&l, in, sizeof(l));
      const bool fits = l.l_linger >= 0 && l.l_linger < kWsLingerSaturated;
      LINGER w{static_cast<USHORT>(l.l_onoff != 0),
               static_cast<USHORT>(fits ? l.l_linger : kWsLingerSaturated)};
      memcpy(out, &w, sizeof(w));
      return fits ? static_cast<int>(sizeof(w)) : -ERANGE;
    }
    case K::kErrno:
    case K::kPmtuDisc: {
      int v = 0;
      if (in_len >= sizeof(int)) {
        memcpy(&v, in, sizeof(int));
      } else if (in_len >= 1) {
        v = *static_cast<const unsigned char*>(in);
      } else {
        return -EINVAL;
      }
      uint32_t w;
      if (kind == K::kErrno) {
        w = static_cast<uint32_t>(WsaFromErrno(v));
      } else {
        w = (v >= 0 && v < 4) ? static_cast<uint32_t>(kPmtuLinuxToWs[v])
                              : static_cast<uint32_t>(v);
      }
      memcpy(out, &w, sizeof(w));
      return sizeof(w);
    }
    default: {
      size_t n = in_len < out_cap ? in_len : out_cap;
      memcpy(out, in, n);
      return static_cast<int>(n);
    }
  }
}

bool WsValueSaturated(OptKind kind, const void* ws, size_t len) {
  if (kind == K::kTimeval && len >= sizeof(uint32_t)) {
    uint32_t ms;
    memcpy(&ms, ws, sizeof(ms));
    return ms == kWsTimeoutSaturated;
  }
  if (kind == K::kLinger && len >= sizeof(LINGER)) {
    LINGER w;
    memcpy(&w, ws, sizeof(w));
    return w.l_linger == kWsLingerSaturated;
  }
  return false;
}

int WsToLinuxValue(OptKind kind, const void* in, size_t in_len, void* out,
                   size_t out_cap) {
  switch (kind) {
    case K::kTimeval: {
      uint32_t ms = 0;
      memcpy(&ms, in, in_len < sizeof(ms) ? in_len : sizeof(ms));
      struct timeval tv;
      tv.tv_sec = ms / 1000;
      tv.tv_usec = static_cast<suseconds_t>(ms % 1000) * 1000;
      memcpy(out, &tv, sizeof(tv));
      return sizeof(tv);
    }
    case K::kLinger: {
      LINGER w{};
      memcpy(&w, in, in_len < sizeof(w) ? in_len : sizeof(w));
      struct linger l {
        w.l_onoff, w.l_linger
      };
      memcpy(out, &l, sizeof(l));
      return sizeof(l);
    }
    case K::kErrno:
    case K::kPmtuDisc: {
      uint32_t w = 0;
      memcpy(&w, in, in_len < sizeof(w) ? in_len : sizeof(w));
      int v;
      if (kind == K::kErrno) {
        v = ErrnoFromWsa(static_cast<int>(w));
      } else {
        v = w < 4 ? kPmtuWsToLinux[w] : static_cast<int>(w);
      }
      memcpy(out, &v, sizeof(v));
      return sizeof(v);
    }
    default: {
      size_t n = in_len < out_cap ? in_len : out_cap;
      memcpy(out, in, n);
      return static_cast<int>(n);
    }
  }
}

}  // namespace lx
