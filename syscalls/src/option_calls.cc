// getsockopt/setsockopt, ioctl and fcntl(O_NONBLOCK), through
// WskControlSocket with the shared option and ioctl tables.
#include <netinet/in.h>

#include <cstring>

#include "common.h"
#include "lx/ioctl_table.h"
#include "lx/sockopt_table.h"
#include "user_memory.h"

namespace lx {

long GetSockOpt(LxSocket& s, int fd, int level, int name, void* value,
                socklen_t* len) {
  socklen_t ulen;
  if (!CopyIn(&ulen, len, sizeof(ulen))) return -EFAULT;
  if (static_cast<int>(ulen) < 0) return -EINVAL;
  const SockoptRow row = FindLinuxSockopt(level, name);
  if (row.kind == OptKind::kSame || row.kind == OptKind::kLinuxOnly) {
    // Same layout: the provider writes straight into the program's buffer
    // with the program's length; the host applies Linux's truncation rules.
    long r = Control(s, fd, wsk::WskGetOption, row.ws_name, row.ws_level, 0,
                     nullptr, ulen, value);
    if (r < 0) return r;
    socklen_t out = static_cast<socklen_t>(r);
    if (!CopyOut(len, &out, sizeof(out))) return -EFAULT;
    return 0;
  }
  alignas(8) char ws[16];
  long r = Control(s, fd, wsk::WskGetOption, row.ws_name, row.ws_level, 0,
                   nullptr, WsValueSize(row.kind), ws);
  if (r < 0) return r;
  alignas(8) char lin[32];
  int lv =
      WsToLinuxValue(row.kind, ws, static_cast<size_t>(r), lin, sizeof(lin));
  // sock_getsockopt: copy min(len, value size) and report that length.
  socklen_t out =
      ulen < static_cast<socklen_t>(lv) ? ulen : static_cast<socklen_t>(lv);
  if (!CopyOut(value, lin, out) || !CopyOut(len, &out, sizeof(out))) {
    return -EFAULT;
  }
  return 0;
}

long SetSockOpt(LxSocket& s, int fd, int level, int name, const void* value,
                socklen_t len) {
  if (static_cast<int>(len) < 0) return -EINVAL;
  const SockoptRow row = FindLinuxSockopt(level, name);
  if (row.kind == OptKind::kSame || row.kind == OptKind::kLinuxOnly) {
    long r = Control(s, fd, wsk::WskSetOption, row.ws_name, row.ws_level, len,
                     value, 0, nullptr);
    return r < 0 ? r : 0;
  }
  alignas(8) char lin[32] = {};
  size_t want = LinuxValueSize(row.kind);
  size_t n = len < want ? len : want;
  if (!CopyIn(lin, value, n)) return -EFAULT;
  alignas(8) char ws[16];
  int wn = LinuxToWsValue(row.kind, lin, len, ws, sizeof(ws));
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
