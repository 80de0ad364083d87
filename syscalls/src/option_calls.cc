// getsockopt/setsockopt, ioctl and fcntl(O_NONBLOCK), through
// WskControlSocket with the shared option and ioctl tables.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "common.h"
#include "lx/ioctl_table.h"
#include "lx/sockopt_table.h"
#include "user_memory.h"

namespace lx {

namespace {

// Which of this socket's protocol handlers sees `level`: SOL_SOCKET and
// IPPROTO_IP always, IPPROTO_IPV6 on AF_INET6, IPPROTO_TCP on stream and
// IPPROTO_UDP on datagram sockets. Other levels get the protocol's "not
// mine" error, which the host gives: converted kinds are tunnelled as Linux
// bytes for them, so that no conversion rule runs first.
bool LevelReachesProtocol(const LxSocket& s, int level) {
  switch (level) {
    case SOL_SOCKET:
    case IPPROTO_IP:
      return true;
    case IPPROTO_IPV6:
      return s.family == AF_INET6;
    case IPPROTO_TCP:
      return s.type == SOCK_STREAM;
    case IPPROTO_UDP:
      return s.type == SOCK_DGRAM;
    default:
      return false;
  }
}

// getsockopt: the error the protocol answers before it reads *optlen, or 0.
// tcp/udp hand foreign levels to ip_getsockopt (IPv4: not SOL_IP is
// EOPNOTSUPP) or ipv6_getsockopt (SOL_IP goes on to the IPv4 code, others
// ENOPROTOOPT); the multicast-routing names answer EOPNOTSUPP on every
// socket but a raw IGMP/ICMPv6 one.
int ErrorBeforeOptlen(const LxSocket& s, int level, int name) {
  // linux/mroute.h, linux/mroute6.h: MRT_BASE 200 .. MRT_MAX (MRT_FLUSH).
  constexpr int kMrtBase = 200, kMrtMax = 212, kMrt6Max = 212;
  if (level == SOL_SOCKET) return 0;
  if (level == IPPROTO_TCP && s.type == SOCK_STREAM) return 0;
  if (level == IPPROTO_UDP && s.type == SOCK_DGRAM) return 0;
  if (s.family == AF_INET6 && level != IPPROTO_IP) {
    if (level != IPPROTO_IPV6) return ENOPROTOOPT;
    return name >= kMrtBase && name <= kMrt6Max ? EOPNOTSUPP : 0;
  }
  if (level != IPPROTO_IP) return EOPNOTSUPP;
  return name >= kMrtBase && name <= kMrtMax ? EOPNOTSUPP : 0;
}

SockoptRow TunnelRow(int level, int name) {
  return {level,
          name,
          wsk::WskLxLevel(level),
          static_cast<uint32_t>(name),
          OptKind::kLinuxOnly,
          "",
          ""};
}

// Same layout: the provider writes straight into the program's buffer with
// the program's length (a negative one included); the host applies Linux's
// rules.
long GetRaw(LxSocket& s, int fd, const SockoptRow& row, void* value,
            socklen_t ulen, socklen_t* len) {
  long r = Control(s, fd, wsk::WskGetOption, row.ws_name, row.ws_level, 0,
                   nullptr, ulen, value);
  if (r < 0) return r;
  socklen_t out = static_cast<socklen_t>(r);
  if (!CopyOut(len, &out, sizeof(out))) return -EFAULT;
  return 0;
}

}  // namespace

long GetSockOpt(LxSocket& s, int fd, int level, int name, void* value,
                socklen_t* len) {
  socklen_t ulen;
  if (!CopyIn(&ulen, len, sizeof(ulen))) {
    int e = ErrorBeforeOptlen(s, level, name);
    return -(e != 0 ? e : EFAULT);
  }
  SockoptRow row = FindLinuxSockopt(level, name);
  if (row.kind != OptKind::kSame && row.kind != OptKind::kLinuxOnly &&
      !LevelReachesProtocol(s, level)) {
    row = TunnelRow(level, name);
  }
  if (row.kind == OptKind::kSame || row.kind == OptKind::kLinuxOnly) {
    return GetRaw(s, fd, row, value, ulen, len);
  }
  const bool ipv6_level = level == IPPROTO_IPV6;
  if (static_cast<int>(ulen) < 0) {
    // do_ipv6_getsockopt takes min(unsigned len, sizeof(int)); the socket
    // and IPv4 levels refuse a negative length.
    if (!ipv6_level) return -EINVAL;
    ulen = sizeof(int);
  }
  alignas(8) char lin[32];
  int lv;
  const int deferred =
      row.kind == OptKind::kErrno ? s.TakeDeferredErrorIfAny() : 0;
  alignas(8) char ws[16];
  long r = 0;
  if (deferred == 0) {
    r = Control(s, fd, wsk::WskGetOption, row.ws_name, row.ws_level, 0, nullptr,
                WsValueSize(row.kind), ws);
    if (r < 0) return r;
  }
  if (deferred != 0) {
    // SO_ERROR reads (and clears) the error do_recvmmsg left.
    memcpy(lin, &deferred, sizeof(deferred));
    lv = sizeof(deferred);
  } else if (WsValueSaturated(row.kind, ws, static_cast<size_t>(r))) {
    // The host's value has no Windows form: read it in Linux form.
    long t = Control(s, fd, wsk::WskGetOption, row.linux_name,
                     wsk::WskLxLevel(level), 0, nullptr,
                     LinuxValueSize(row.kind), lin);
    if (t < 0) return t;
    lv = static_cast<int>(t);
  } else {
    lv = WsToLinuxValue(row.kind, ws, static_cast<size_t>(r), lin, sizeof(lin));
  }
  // sock_getsockopt: copy min(len, value size) and report that length.
  socklen_t out =
      ulen < static_cast<socklen_t>(lv) ? ulen : static_cast<socklen_t>(lv);
  if (level == IPPROTO_IP && out > 0 && out < sizeof(int)) {
    // do_ip_getsockopt: a short buffer gets one byte when the value is one.
    int v;
    memcpy(&v, lin, sizeof(v));
    if (v >= 0 && v <= 255) {
      lin[0] = static_cast<char>(v);
      out = 1;
    }
  }
  if (!CopyOut(value, lin, out) || !CopyOut(len, &out, sizeof(out))) {
    return -EFAULT;
  }
  return 0;
}

long SetSockOpt(LxSocket& s, int fd, int level, int name, const void* value,
                socklen_t len) {
  if (static_cast<int>(len) < 0) return -EINVAL;
  SockoptRow row = FindLinuxSockopt(level, name);
  if (row.kind != OptKind::kSame && row.kind != OptKind::kLinuxOnly &&
      !LevelReachesProtocol(s, level)) {
    row = TunnelRow(level, name);
  }
  if (row.kind == OptKind::kSame || row.kind == OptKind::kLinuxOnly) {
    long r = Control(s, fd, wsk::WskSetOption, row.ws_name, row.ws_level, len,
                     value, 0, nullptr);
    return r < 0 ? r : 0;
  }
  alignas(8) char lin[32] = {};
  size_t want = LinuxValueSize(row.kind);
  size_t n = len < want ? len : want;
  if (level == SOL_SOCKET) {
    // sk_setsockopt: shorter than an int is EINVAL before anything is read.
    if (len < sizeof(int)) return -EINVAL;
  } else if (level == IPPROTO_IPV6) {
    // do_ipv6_setsockopt: a NULL value reads as 0, a short one as 0 and
    // then EINVAL for IPV6_MTU_DISCOVER.
    if (len < sizeof(int)) return -EINVAL;
    if (value == nullptr) n = 0;
  } else if (len == 0) {
    // do_ip_setsockopt: an empty value is 0.
    n = 0;
    len = sizeof(int);
  }
  if (n > 0 && !CopyIn(lin, value, n)) return -EFAULT;
  alignas(8) char ws[16];
  int wn = LinuxToWsValue(row.kind, lin, len, ws, sizeof(ws));
  if (wn == -ERANGE) {
    // No Windows form: the Linux value goes to the host as it is.
    long r = Control(s, fd, wsk::WskSetOption, row.linux_name,
                     wsk::WskLxLevel(level), want, lin, 0, nullptr);
    return r < 0 ? r : 0;
  }
  if (wn < 0) return wn;
  long r = Control(s, fd, wsk::WskSetOption, row.ws_name, row.ws_level,
                   static_cast<size_t>(wn), ws, 0, nullptr);
  return r < 0 ? r : 0;
}

long Ioctl(LxSocket& s, int fd, unsigned long request, void* arg) {
  const IoctlRow* row = FindLinuxIoctl(request);
  if (row == nullptr) {
    // Interface and other Linux-only ioctls go to the host untouched.
    struct {
      unsigned long request;
      void* argument;
    } tunnel{request, arg};
    return Control(s, fd, wsk::WskIoctl, wsk::SIO_LXWSK_HOST_IOCTL, 0,
                   sizeof(tunnel), &tunnel, 0, nullptr);
  }
  int v = 0;
  if (!row->writes_result) {
    if (!CopyIn(&v, arg, sizeof(v))) return -EFAULT;
    long r = Control(s, fd, wsk::WskIoctl, row->ws_code, 0, sizeof(v), &v, 0,
                     nullptr);
    return r < 0 ? r : 0;
  }
  long r =
      Control(s, fd, wsk::WskIoctl, row->ws_code, 0, 0, nullptr, sizeof(v), &v);
  if (r < 0) return r;
  if (!CopyOut(arg, &v, sizeof(v))) return -EFAULT;
  return 0;
}

long SetNonBlocking(LxSocket& s, int fd, bool on) {
  uint32_t v = on ? 1 : 0;
  long r = Control(s, fd, wsk::WskIoctl, wsk::WS_FIONBIO, 0, sizeof(v), &v, 0,
                   nullptr);
  return r < 0 ? r : 0;
}

}  // namespace lx
