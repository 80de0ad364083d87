#include "trace_format.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "lx/socket_tables.h"

namespace lxshim {

const char* FamilyStr(int family) {
  switch (family) {
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_UNIX:
      return "AF_UNIX";
    case AF_NETLINK:
      return "AF_NETLINK";
    case AF_PACKET:
      return "AF_PACKET";
    case AF_UNSPEC:
      return "AF_UNSPEC";
    default:
      return "AF_?";
  }
}

void TypeStr(int type, char* out, size_t cap) {
  static const char* kTypes[] = {"0",        "SOCK_STREAM", "SOCK_DGRAM",
                                 "SOCK_RAW", "SOCK_RDM",    "SOCK_SEQPACKET"};
  int base = type & 0xF;
  int n = base < 6 ? snprintf(out, cap, "%s", kTypes[base])
                   : snprintf(out, cap, "%d", base);
  size_t len = n > 0 ? static_cast<size_t>(n) : 0;
  if ((type & SOCK_NONBLOCK) && len < cap) {
    len +=
        static_cast<size_t>(snprintf(out + len, cap - len, "|SOCK_NONBLOCK"));
  }
  if ((type & SOCK_CLOEXEC) && len < cap) {
    snprintf(out + len, cap - len, "|SOCK_CLOEXEC");
  }
}

void FlagsStr(int flags, char* out, size_t cap) {
  if (flags == 0 && cap >= 4) {  // the common case, as the loop writes it
    memcpy(out, "0x0", 4);
    return;
  }
  size_t len = 0;
  out[0] = '\0';
  int rest = flags;
  for (const lx::MsgFlagRow& r : lx::MsgFlagRows()) {
    if ((flags & r.linux_flag) == 0) continue;
    int n = snprintf(out + len, cap - len, "%s%s", len ? "|" : "", r.name);
    if (n > 0 && static_cast<size_t>(n) < cap - len)
      len += static_cast<size_t>(n);
    rest &= ~r.linux_flag;
  }
  if (rest != 0 || len == 0) {
    snprintf(out + len, cap - len, "%s0x%x", len ? "|" : "", rest);
  }
}

void SockaddrStr(const void* addr, unsigned len, char* out, size_t cap) {
  sockaddr_storage ss{};
  if (addr == nullptr) {
    snprintf(out, cap, "NULL");
    return;
  }
  size_t n = len < sizeof(ss) ? len : sizeof(ss);
  // The program's pointer may be bad: read it as the kernel would.
  iovec local{&ss, n};
  iovec remote{const_cast<void*>(addr), n};
  if (syscall(SYS_process_vm_readv, static_cast<long>(getpid()), &local, 1L,
              &remote, 1L, 0L) != static_cast<long>(n)) {
    snprintf(out, cap, "%p", addr);
    return;
  }
  char host[64] = "?";
  if (ss.ss_family == AF_INET && n >= sizeof(sockaddr_in)) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    snprintf(out, cap, "{AF_INET(2), %s:%u}", host, ntohs(in->sin_port));
  } else if (ss.ss_family == AF_INET6 && n >= 24) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    snprintf(out, cap, "{AF_INET6(10), [%s]:%u}", host, ntohs(in6->sin6_port));
  } else {
    snprintf(out, cap, "{%s(%u), len %u}", FamilyStr(ss.ss_family),
             ss.ss_family, len);
  }
}

}  // namespace lxshim
