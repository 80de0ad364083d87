/* Ancillary data: IP_PKTINFO, IPV6_RECVPKTINFO, SO_TIMESTAMP(NS),
 * IP_RECVTTL, IP_RECVTOS, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS on received
 * datagrams; IP_PKTINFO / IPV6_PKTINFO / IP_TTL / IP_TOS / IPV6_HOPLIMIT /
 * IPV6_TCLASS given as sendmsg control; MSG_CTRUNC with control buffers too
 * small; control messages on stream sockets. Timestamps are printed as
 * present with their level, type and length, never their value. */
#include <netinet/tcp.h>
#include <sys/uio.h>

#include "difftest.h"

static char L[192];
#define LBL(...) (snprintf(L, sizeof(L), __VA_ARGS__), L)

static int udp_receiver(int family, struct sockaddr_storage* a, socklen_t* al) {
  return make_server(LBL("%s receiver", fam_name(family)), family, SOCK_DGRAM,
                     a, al);
}

static void setopt(const char* label, int fd, int level, int name, int v) {
  REC(label, setsockopt(fd, level, name, &v, sizeof(v)));
}

/* Prints every control message: level, type, length, and the payload for
 * the ones whose value is deterministic (never a timestamp). */
static void note_cmsgs(const char* what, struct msghdr* m) {
  note("%s: flags %#x controllen %zu", what, m->msg_flags,
       (size_t)m->msg_controllen);
  int i = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(m); c != NULL && i < 16;
       c = CMSG_NXTHDR(m, c), ++i) {
    size_t len = c->cmsg_len;
    size_t data = len >= CMSG_LEN(0) ? len - CMSG_LEN(0) : 0;
    const unsigned char* d = CMSG_DATA(c);
    int ts = c->cmsg_level == SOL_SOCKET &&
             (c->cmsg_type == SCM_TIMESTAMP || c->cmsg_type == SCM_TIMESTAMPNS);
    char hex[160] = "";
    if (!ts) {
      size_t n = 0;
      for (size_t k = 0; k < data && k < 40 && n + 3 < sizeof(hex); ++k) {
        n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02x", d[k]);
      }
    } else {
      snprintf(hex, sizeof(hex), "(timestamp)");
    }
    note("%s: cmsg %d level %d type %d len %zu data %s", what, i, c->cmsg_level,
         c->cmsg_type, len, hex);
  }
}

/* recvmsg of one datagram into `cap` bytes of control space (ctl NULL when
 * cap is (size_t)-1); prints the result and the control messages. */
static long recv_with_control(const char* what, int fd, size_t cap, int flags) {
  static unsigned char ctl[1024] __attribute__((aligned(8)));
  char buf[256];
  memset(ctl, 0xAB, sizeof(ctl));
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = cap == (size_t)-1 ? NULL : ctl;
  m.msg_controllen = cap == (size_t)-1 ? 0 : cap;
  wait_for(fd, POLLIN, 2000);
  long n = REC(what, recvmsg(fd, &m, flags));
  if (n >= 0) {
    note_cmsgs(what, &m);
    if (cap != (size_t)-1 && cap < sizeof(ctl)) {
      /* Bytes past what the kernel reported must be untouched. */
      size_t used = m.msg_controllen;
      int clean = 1;
      for (size_t k = used; k < cap; ++k) clean &= ctl[k] == 0xAB;
      note("%s: tail untouched %d", what, clean);
    }
  }
  return n;
}

static long send_dgram(const char* what, int fd, const void* ctl, size_t clen,
                       const struct sockaddr_storage* to, socklen_t tl) {
  struct iovec iov = {(void*)"payload", 7};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_name = (void*)to;
  m.msg_namelen = tl;
  m.msg_control = (void*)ctl;
  m.msg_controllen = clen;
  return REC(what, sendmsg(fd, &m, 0));
}

/* ---- receive side ---- */

static void recv_options_v4(void) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = udp_receiver(AF_INET, &a, &al);
  int s = (int)REC("sender", socket(AF_INET, SOCK_DGRAM, 0));
  send_dgram("send plain", s, NULL, 0, &a, al);
  recv_with_control("no options", r, 1024, 0);
  setopt("IP_PKTINFO", r, IPPROTO_IP, IP_PKTINFO, 1);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("pktinfo", r, 1024, 0);
  setopt("IP_RECVTTL", r, IPPROTO_IP, IP_RECVTTL, 1);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("pktinfo+ttl", r, 1024, 0);
  setopt("IP_RECVTOS", r, IPPROTO_IP, IP_RECVTOS, 1);
  setopt("sender IP_TOS", s, IPPROTO_IP, IP_TOS, 0x28);
  setopt("sender IP_TTL", s, IPPROTO_IP, IP_TTL, 33);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("pktinfo+ttl+tos", r, 1024, 0);
  setopt("SO_TIMESTAMP", r, SOL_SOCKET, SO_TIMESTAMP, 1);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("all+timestamp", r, 1024, 0);
  /* Peek keeps the datagram and its control data. */
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("peek", r, 1024, MSG_PEEK);
  recv_with_control("after peek", r, 1024, 0);
  setopt("SO_TIMESTAMP off", r, SOL_SOCKET, SO_TIMESTAMP, 0);
  setopt("SO_TIMESTAMPNS", r, SOL_SOCKET, SO_TIMESTAMPNS, 1);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("timestampns", r, 1024, 0);
  int v = -1;
  socklen_t vl = sizeof(v);
  REC("get IP_PKTINFO", getsockopt(r, IPPROTO_IP, IP_PKTINFO, &v, &vl));
  note("IP_PKTINFO %d", v);
  vl = sizeof(v);
  REC("get IP_RECVTOS", getsockopt(r, IPPROTO_IP, IP_RECVTOS, &v, &vl));
  note("IP_RECVTOS %d", v);
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(recv_options_v4) { recv_options_v4(); }

static void recv_options_v6(void) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = udp_receiver(AF_INET6, &a, &al);
  int s = (int)REC("sender", socket(AF_INET6, SOCK_DGRAM, 0));
  setopt("IPV6_RECVPKTINFO", r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("pktinfo", r, 1024, 0);
  setopt("IPV6_RECVHOPLIMIT", r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  setopt("sender IPV6_UNICAST_HOPS", s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 17);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("pktinfo+hoplimit", r, 1024, 0);
  setopt("IPV6_RECVTCLASS", r, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
  setopt("sender IPV6_TCLASS", s, IPPROTO_IPV6, IPV6_TCLASS, 0x48);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("pktinfo+hoplimit+tclass", r, 1024, 0);
  setopt("SO_TIMESTAMP", r, SOL_SOCKET, SO_TIMESTAMP, 1);
  send_dgram("send", s, NULL, 0, &a, al);
  recv_with_control("all+timestamp", r, 1024, 0);
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(recv_options_v6) { recv_options_v6(); }

/* A v6 socket receiving from a v4-mapped peer gets IPv4 control data for
 * IP_ options and IPv6 for IPV6_ ones. */
SCENARIO(recv_options_v4mapped) {
  int r = (int)REC("v6 receiver", socket(AF_INET6, SOCK_DGRAM, 0));
  struct sockaddr_in6 any = {0};
  any.sin6_family = AF_INET6;
  any.sin6_addr = in6addr_any;
  REC("bind [::]", bind(r, (struct sockaddr*)&any, sizeof(any)));
  struct sockaddr_in6 me;
  socklen_t ml = sizeof(me);
  REC("getsockname", getsockname(r, (struct sockaddr*)&me, &ml));
  setopt("IP_PKTINFO", r, IPPROTO_IP, IP_PKTINFO, 1);
  setopt("IPV6_RECVPKTINFO", r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
  setopt("IP_RECVTTL", r, IPPROTO_IP, IP_RECVTTL, 1);
  int s = (int)REC("v4 sender", socket(AF_INET, SOCK_DGRAM, 0));
  struct sockaddr_storage to;
  socklen_t tl = loopback(AF_INET, &to);
  ((struct sockaddr_in*)&to)->sin_port = me.sin6_port;
  send_dgram("send v4", s, NULL, 0, &to, tl);
  recv_with_control("from v4", r, 1024, 0);
  REC("close s", close(s));
  REC("close r", close(r));
}

/* ---- MSG_CTRUNC ---- */

static void ctrunc(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = udp_receiver(family, &a, &al);
  int s = (int)REC("sender", socket(family, SOCK_DGRAM, 0));
  if (family == AF_INET) {
    setopt("IP_PKTINFO", r, IPPROTO_IP, IP_PKTINFO, 1);
    setopt("IP_RECVTTL", r, IPPROTO_IP, IP_RECVTTL, 1);
  } else {
    setopt("IPV6_RECVPKTINFO", r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    setopt("IPV6_RECVHOPLIMIT", r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  }
  static const size_t caps[] = {(size_t)-1, 0,  8,  15, 16, 17, 20, 24,
                                28,         31, 32, 40, 48, 49, 56, 64};
  for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); ++k) {
    send_dgram("send", s, NULL, 0, &a, al);
    if (caps[k] == (size_t)-1) {
      recv_with_control("control NULL", r, caps[k], 0);
    } else {
      recv_with_control(LBL("control %zu", caps[k]), r, caps[k], 0);
    }
  }
  /* recv() and recvfrom() carry no control: nothing to truncate. */
  send_dgram("send", s, NULL, 0, &a, al);
  char buf[64];
  wait_for(r, POLLIN, 2000);
  REC("recv", recv(r, buf, sizeof(buf), 0));
  /* Control NULL with a length: EFAULT-free, CTRUNC as with NULL. */
  send_dgram("send", s, NULL, 0, &a, al);
  wait_for(r, POLLIN, 2000);
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_controllen = 64;
  long n = REC("recvmsg control NULL len 64", recvmsg(r, &m, 0));
  if (n >= 0) note("flags %#x controllen %zu", m.msg_flags, m.msg_controllen);
  /* An unwritable control buffer: the datagram is still received. */
  send_dgram("send", s, NULL, 0, &a, al);
  wait_for(r, POLLIN, 2000);
  void* volatile bad = (void*)8;
  m.msg_control = bad;
  m.msg_controllen = 64;
  m.msg_flags = 0;
  n = REC("recvmsg control bad pointer", recvmsg(r, &m, 0));
  if (n >= 0) note("flags %#x controllen %zu", m.msg_flags, m.msg_controllen);
  REC("recv after", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(ctrunc_v4) { ctrunc(AF_INET); }
SCENARIO(ctrunc_v6) { ctrunc(AF_INET6); }

/* ---- send side ---- */

union ctlbuf {
  struct cmsghdr align;
  unsigned char b[256];
};

static size_t put_cmsg(union ctlbuf* c, size_t off, int level, int type,
                       const void* data, size_t len) {
  struct cmsghdr* h = (struct cmsghdr*)(c->b + off);
  h->cmsg_level = level;
  h->cmsg_type = type;
  h->cmsg_len = CMSG_LEN(len);
  memcpy(CMSG_DATA(h), data, len);
  return off + CMSG_SPACE(len);
}

SCENARIO(send_control_v4) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = udp_receiver(AF_INET, &a, &al);
  setopt("IP_PKTINFO", r, IPPROTO_IP, IP_PKTINFO, 1);
  setopt("IP_RECVTTL", r, IPPROTO_IP, IP_RECVTTL, 1);
  setopt("IP_RECVTOS", r, IPPROTO_IP, IP_RECVTOS, 1);
  int s = (int)REC("sender", socket(AF_INET, SOCK_DGRAM, 0));
  union ctlbuf c;
  memset(&c, 0, sizeof(c));
  struct in_pktinfo pi = {0};
  pi.ipi_spec_dst.s_addr = htonl(INADDR_LOOPBACK);
  size_t n = put_cmsg(&c, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
  send_dgram("sendmsg IP_PKTINFO", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, 0);
  /* A source address that is not local. */
  pi.ipi_spec_dst.s_addr = htonl(0x0A000001);
  n = put_cmsg(&c, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
  send_dgram("sendmsg IP_PKTINFO 10.0.0.1", s, &c, n, &a, al);
  /* Interface index of lo. */
  pi.ipi_spec_dst.s_addr = 0;
  pi.ipi_ifindex = 1;
  n = put_cmsg(&c, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
  send_dgram("sendmsg IP_PKTINFO ifindex 1", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, 0);
  pi.ipi_ifindex = 999;
  n = put_cmsg(&c, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
  send_dgram("sendmsg IP_PKTINFO ifindex 999", s, &c, n, &a, al);
  pi.ipi_ifindex = 0;
  /* Wrong length: EINVAL. */
  n = put_cmsg(&c, 0, IPPROTO_IP, IP_PKTINFO, &pi, 8);
  send_dgram("sendmsg IP_PKTINFO short", s, &c, n, &a, al);
  /* IP_TTL and IP_TOS per datagram. */
  int ttl = 7, tos = 0x10;
  n = put_cmsg(&c, 0, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
  n = put_cmsg(&c, n, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
  send_dgram("sendmsg IP_TTL+IP_TOS", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, 0);
  unsigned char tos1 = 0x20;
  n = put_cmsg(&c, 0, IPPROTO_IP, IP_TOS, &tos1, 1);
  send_dgram("sendmsg IP_TOS 1 byte", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, 0);
  ttl = 300;
  n = put_cmsg(&c, 0, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
  send_dgram("sendmsg IP_TTL 300", s, &c, n, &a, al);
  /* Unknown IP type, unknown level, SOL_SOCKET junk. */
  n = put_cmsg(&c, 0, IPPROTO_IP, 99, &ttl, sizeof(ttl));
  send_dgram("sendmsg IPPROTO_IP 99", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, MSG_DONTWAIT);
  n = put_cmsg(&c, 0, 1234, 1, &ttl, sizeof(ttl));
  send_dgram("sendmsg level 1234", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, MSG_DONTWAIT);
  n = put_cmsg(&c, 0, SOL_SOCKET, 77, &ttl, sizeof(ttl));
  send_dgram("sendmsg SOL_SOCKET 77", s, &c, n, &a, al);
  /* Malformed headers. */
  struct cmsghdr* h = (struct cmsghdr*)c.b;
  h->cmsg_len = 4;
  send_dgram("sendmsg cmsg_len 4", s, &c, 16, &a, al);
  h->cmsg_len = 200;
  send_dgram("sendmsg cmsg_len past end", s, &c, 32, &a, al);
  send_dgram("sendmsg controllen 8", s, &c, 8, &a, al);
  send_dgram("sendmsg bad control pointer", s, (void*)8, 32, &a, al);
  recv_with_control("drain", r, 1024, MSG_DONTWAIT);
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(send_control_v6) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = udp_receiver(AF_INET6, &a, &al);
  setopt("IPV6_RECVPKTINFO", r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
  setopt("IPV6_RECVHOPLIMIT", r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  setopt("IPV6_RECVTCLASS", r, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
  int s = (int)REC("sender", socket(AF_INET6, SOCK_DGRAM, 0));
  union ctlbuf c;
  memset(&c, 0, sizeof(c));
  struct in6_pktinfo pi = {0};
  pi.ipi6_addr = in6addr_loopback;
  size_t n = put_cmsg(&c, 0, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
  send_dgram("sendmsg IPV6_PKTINFO", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, 0);
  pi.ipi6_addr.s6_addr[0] = 0x20;
  pi.ipi6_addr.s6_addr[1] = 0x01;
  n = put_cmsg(&c, 0, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
  send_dgram("sendmsg IPV6_PKTINFO 2001::1", s, &c, n, &a, al);
  memset(&pi, 0, sizeof(pi));
  pi.ipi6_ifindex = 1;
  n = put_cmsg(&c, 0, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
  send_dgram("sendmsg IPV6_PKTINFO ifindex 1", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, 0);
  n = put_cmsg(&c, 0, IPPROTO_IPV6, IPV6_PKTINFO, &pi, 16);
  send_dgram("sendmsg IPV6_PKTINFO short", s, &c, n, &a, al);
  int hl = 9, tc = 0x20;
  n = put_cmsg(&c, 0, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, sizeof(hl));
  n = put_cmsg(&c, n, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof(tc));
  send_dgram("sendmsg IPV6_HOPLIMIT+IPV6_TCLASS", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, 0);
  hl = 256;
  n = put_cmsg(&c, 0, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, sizeof(hl));
  send_dgram("sendmsg IPV6_HOPLIMIT 256", s, &c, n, &a, al);
  /* IPv4 control on an IPv6 socket. */
  int ttl = 5;
  n = put_cmsg(&c, 0, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
  send_dgram("sendmsg IP_TTL on v6", s, &c, n, &a, al);
  recv_with_control("got", r, 1024, MSG_DONTWAIT);
  REC("close s", close(s));
  REC("close r", close(r));
}

/* IP_PKTINFO where the destination is not the local address: a broadcast
 * to 127.255.255.255 received by a socket bound to 0.0.0.0 (ipi_addr is
 * the broadcast address, ipi_spec_dst the local one), and a unicast to
 * another loopback address. */
SCENARIO(pktinfo_broadcast_v4) {
  int r = (int)REC("receiver", socket(AF_INET, SOCK_DGRAM, 0));
  struct sockaddr_in any = {0};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_ANY);
  REC("bind 0.0.0.0", bind(r, (struct sockaddr*)&any, sizeof(any)));
  struct sockaddr_in me;
  socklen_t ml = sizeof(me);
  REC("getsockname", getsockname(r, (struct sockaddr*)&me, &ml));
  setopt("IP_PKTINFO", r, IPPROTO_IP, IP_PKTINFO, 1);
  int s = (int)REC("sender", socket(AF_INET, SOCK_DGRAM, 0));
  setopt("SO_BROADCAST", s, SOL_SOCKET, SO_BROADCAST, 1);
  struct sockaddr_storage to;
  socklen_t tl = loopback(AF_INET, &to);
  struct sockaddr_in* t4 = (struct sockaddr_in*)&to;
  t4->sin_port = me.sin_port;
  t4->sin_addr.s_addr = htonl(0x7FFFFFFF);
  send_dgram("send 127.255.255.255", s, NULL, 0, &to, tl);
  recv_with_control("broadcast", r, 1024, 0);
  t4->sin_addr.s_addr = htonl(0x7F000005);
  send_dgram("send 127.0.0.5", s, NULL, 0, &to, tl);
  recv_with_control("127.0.0.5", r, 1024, 0);
  /* Sending from a chosen local address with IP_PKTINFO's ipi_spec_dst. */
  union ctlbuf c;
  memset(&c, 0, sizeof(c));
  struct in_pktinfo pi = {0};
  pi.ipi_spec_dst.s_addr = htonl(0x7F000007);
  pi.ipi_addr.s_addr = htonl(0x7F000009);
  size_t n = put_cmsg(&c, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
  t4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  send_dgram("sendmsg from 127.0.0.7", s, &c, n, &to, tl);
  wait_for(r, POLLIN, 2000);
  struct sockaddr_in from;
  socklen_t fl = sizeof(from);
  char buf[32];
  REC("recvfrom",
      recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr*)&from, &fl));
  char h[32];
  note("source %s", inet_ntop(AF_INET, &from.sin_addr, h, sizeof(h)));
  REC("close s", close(s));
  REC("close r", close(r));
}

/* IP_RECVERR: an ICMP port unreachable lands on the error queue; its
 * control message (sock_extended_err + offender address) has no Windows
 * form and crosses WSK tunnelled. */
static void recverr(int family) {
  int lvl = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
  int s = (int)REC("socket", socket(family, SOCK_DGRAM, 0));
  setopt("RECVERR", s, lvl, family == AF_INET ? IP_RECVERR : IPV6_RECVERR, 1);
  /* A port nobody listens on: bind a socket, note its port, close it. */
  struct sockaddr_storage a;
  socklen_t al;
  int tmp = udp_receiver(family, &a, &al);
  REC("close tmp", close(tmp));
  REC("connect", connect(s, (struct sockaddr*)&a, al));
  REC("send", send(s, "ping", 4, 0));
  note("poll: %#x", wait_for(s, POLLERR, 2000) & POLLERR);
  char buf[64];
  static unsigned char ctl[512] __attribute__((aligned(8)));
  struct sockaddr_storage from;
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr m = {0};
  m.msg_name = &from;
  m.msg_namelen = sizeof(from);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof(ctl);
  long n = REC("recvmsg MSG_ERRQUEUE", recvmsg(s, &m, MSG_ERRQUEUE));
  if (n >= 0) {
    note("payload %.*s namelen %u", (int)n, buf, (unsigned)m.msg_namelen);
    note_addr("errqueue name", &from, m.msg_namelen);
    note_cmsgs("errqueue", &m);
  }
  REC("recvmsg MSG_ERRQUEUE empty", recvmsg(s, &m, MSG_ERRQUEUE));
  int err = -1;
  socklen_t el = sizeof(err);
  REC("SO_ERROR", getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el));
  note("SO_ERROR %s", st_errname(err));
  REC("recv", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
  REC("close", close(s));
}

SCENARIO(recverr_v4) { recverr(AF_INET); }
SCENARIO(recverr_v6) { recverr(AF_INET6); }

/* ---- stream sockets ---- */

/* TCP stamps a segment only when receive timestamps are enabled
 * system-wide at the time it arrives (a static key switched on through a
 * work queue once a socket asks). A UDP socket with SO_TIMESTAMP, kept
 * open, switches it on; this waits (bounded, unrecorded) until a TCP
 * segment carries a stamp, so the record does not depend on that race. */
static int timestamps_warm_up(int family) {
  int keep = socket(AF_INET, SOCK_DGRAM, 0);
  int one = 1;
  setsockopt(keep, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one));
  struct sockaddr_storage a;
  socklen_t al = loopback(family, &a);
  int l = socket(family, SOCK_STREAM, 0);
  bind(l, (struct sockaddr*)&a, al);
  listen(l, 1);
  al = sizeof(a);
  getsockname(l, (struct sockaddr*)&a, &al);
  int c = socket(family, SOCK_STREAM, 0);
  connect(c, (struct sockaddr*)&a, al);
  int srv = accept(l, NULL, NULL);
  setsockopt(srv, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one));
  double end = now_s() + 5;
  for (int i = 0; i < 500 && now_s() < end; ++i) {
    send(c, "w", 1, 0);
    wait_for(srv, POLLIN, 1000);
    char b;
    unsigned char ctl[64] __attribute__((aligned(8)));
    struct iovec iov = {&b, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof(ctl);
    if (recvmsg(srv, &m, 0) == 1 && m.msg_controllen > 0) break;
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  close(c);
  close(srv);
  close(l);
  return keep;
}

static void stream_control(int family) {
  int keep = timestamps_warm_up(family);
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int srv;
  int c = make_pair("pair", l, family, &a, al, &srv);
  int one = 1;
  REC("TCP_NODELAY",
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
  union ctlbuf cb;
  memset(&cb, 0, sizeof(cb));
  int v = 1;
  /* IP-level control on TCP is ignored; SOL_SOCKET junk is EINVAL. */
  size_t n =
      put_cmsg(&cb, 0, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
               family == AF_INET ? IP_TTL : IPV6_HOPLIMIT, &v, sizeof(v));
  send_dgram("tcp sendmsg IP control", c, &cb, n, NULL, 0);
  n = put_cmsg(&cb, 0, SOL_SOCKET, 77, &v, sizeof(v));
  send_dgram("tcp sendmsg SOL_SOCKET 77", c, &cb, n, NULL, 0);
  n = put_cmsg(&cb, 0, SOL_SOCKET, SCM_RIGHTS, &v, sizeof(v));
  send_dgram("tcp sendmsg SCM_RIGHTS", c, &cb, n, NULL, 0);
  struct cmsghdr* h = (struct cmsghdr*)cb.b;
  h->cmsg_len = 4;
  send_dgram("tcp sendmsg cmsg_len 4", c, &cb, 16, NULL, 0);
  recv_with_control("tcp recvmsg no options", srv, 1024, 0);
  /* Receive options of datagrams give nothing on TCP. */
  if (family == AF_INET) {
    setopt("IP_PKTINFO", srv, IPPROTO_IP, IP_PKTINFO, 1);
    setopt("IP_RECVTTL", srv, IPPROTO_IP, IP_RECVTTL, 1);
  } else {
    setopt("IPV6_RECVPKTINFO", srv, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
  }
  send_dgram("tcp send", c, NULL, 0, NULL, 0);
  recv_with_control("tcp recvmsg IP options", srv, 1024, 0);
  /* SO_TIMESTAMP does work on TCP. */
  setopt("SO_TIMESTAMP", srv, SOL_SOCKET, SO_TIMESTAMP, 1);
  send_dgram("tcp send", c, NULL, 0, NULL, 0);
  recv_with_control("tcp recvmsg SO_TIMESTAMP", srv, 1024, 0);
  send_dgram("tcp send", c, NULL, 0, NULL, 0);
  recv_with_control("tcp recvmsg SO_TIMESTAMP control 8", srv, 8, 0);
  send_dgram("tcp send", c, NULL, 0, NULL, 0);
  recv_with_control("tcp recvmsg SO_TIMESTAMP control NULL", srv, (size_t)-1,
                    0);
  setopt("SO_TIMESTAMPNS", srv, SOL_SOCKET, SO_TIMESTAMPNS, 1);
  send_dgram("tcp send", c, NULL, 0, NULL, 0);
  recv_with_control("tcp recvmsg SO_TIMESTAMPNS", srv, 1024, 0);
  setopt("TCP_INQ", srv, IPPROTO_TCP, TCP_INQ, 1);
  send_dgram("tcp send", c, NULL, 0, NULL, 0);
  recv_with_control("tcp recvmsg TCP_INQ", srv, 1024, 0);
  REC("close c", close(c));
  REC("close srv", close(srv));
  REC("close l", close(l));
  close(keep);
}

SCENARIO(stream_control_v4) { stream_control(AF_INET); }
SCENARIO(stream_control_v6) { stream_control(AF_INET6); }

/* recvmmsg with control data per message. */
SCENARIO(recvmmsg_control) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = udp_receiver(AF_INET, &a, &al);
  setopt("IP_PKTINFO", r, IPPROTO_IP, IP_PKTINFO, 1);
  int s = (int)REC("sender", socket(AF_INET, SOCK_DGRAM, 0));
  for (int i = 0; i < 3; ++i) send_dgram("send", s, NULL, 0, &a, al);
  wait_for(r, POLLIN, 2000);
  union ctlbuf ctl[3];
  char buf[3][16];
  struct iovec iov[3];
  struct mmsghdr mm[3];
  memset(mm, 0, sizeof(mm));
  for (int i = 0; i < 3; ++i) {
    iov[i].iov_base = buf[i];
    iov[i].iov_len = sizeof(buf[i]);
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
    mm[i].msg_hdr.msg_control = &ctl[i];
    mm[i].msg_hdr.msg_controllen = i == 1 ? 16 : sizeof(ctl[i]);
  }
  REC("recvmmsg 3", recvmmsg(r, mm, 3, MSG_DONTWAIT, NULL));
  for (int i = 0; i < 3; ++i) {
    note_cmsgs(LBL("msg %d", i), &mm[i].msg_hdr);
  }
  REC("close s", close(s));
  REC("close r", close(r));
}

DIFFTEST_MAIN()
