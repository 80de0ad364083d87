/* Socket options: get after set for every option in the translation tables
 * (syscalls/tables/lx/sockopt_table.cc) and for options Linux has that the
 * tables do not list, at SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP
 * and IPPROTO_UDP, on each socket type, with edge values; Linux's value
 * rules (buffer doubling and clamps, timeval rounding, old and new timeval
 * option numbers, read-only options); bad lengths and pointers; unknown
 * options and levels. */
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/time.h>

#include "difftest.h"

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif
#ifndef SO_RCVTIMEO_OLD
#define SO_RCVTIMEO_OLD 20
#define SO_SNDTIMEO_OLD 21
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static void* volatile g_bad = (void*)1;
#define BAD (g_bad)

/* Flags for an option in the lists below. */
enum {
  F_VOLATILE = 1, /* the value read back is run-dependent: not printed */
  F_NOVALUES = 2, /* not an int option: skip the int value sweep */
};

struct opt {
  int level, name;
  const char* label;
  int flags;
};

#define O(level, name, flags) \
  { level, name, #name, flags }

/* SOL_SOCKET: the table's rows, then options the table does not list. */
static const struct opt kSol[] = {
    O(SOL_SOCKET, SO_DEBUG, 0),
    O(SOL_SOCKET, SO_REUSEADDR, 0),
    O(SOL_SOCKET, SO_TYPE, 0),
    O(SOL_SOCKET, SO_ERROR, 0),
    O(SOL_SOCKET, SO_DONTROUTE, 0),
    O(SOL_SOCKET, SO_BROADCAST, 0),
    O(SOL_SOCKET, SO_SNDBUF, 0),
    O(SOL_SOCKET, SO_RCVBUF, 0),
    O(SOL_SOCKET, SO_KEEPALIVE, 0),
    O(SOL_SOCKET, SO_OOBINLINE, 0),
    O(SOL_SOCKET, SO_LINGER, F_NOVALUES),
    O(SOL_SOCKET, SO_RCVLOWAT, 0),
    O(SOL_SOCKET, SO_SNDLOWAT, 0),
    O(SOL_SOCKET, SO_RCVTIMEO, F_NOVALUES),
    O(SOL_SOCKET, SO_SNDTIMEO, F_NOVALUES),
    O(SOL_SOCKET, SO_ACCEPTCONN, 0),
    O(SOL_SOCKET, SO_REUSEPORT, 0),
    O(SOL_SOCKET, SO_DOMAIN, 0),
    O(SOL_SOCKET, SO_PROTOCOL, 0),
    O(SOL_SOCKET, SO_PRIORITY, 0),
    O(SOL_SOCKET, SO_MARK, 0),
    O(SOL_SOCKET, SO_BINDTODEVICE, F_NOVALUES),
    O(SOL_SOCKET, SO_TIMESTAMP, 0),
    O(SOL_SOCKET, SO_TIMESTAMPNS, 0),
    O(SOL_SOCKET, SO_RCVBUFFORCE, 0),
    O(SOL_SOCKET, SO_SNDBUFFORCE, 0),
    O(SOL_SOCKET, SO_PEERNAME, F_NOVALUES | F_VOLATILE),
    O(SOL_SOCKET, SO_BUSY_POLL, 0),
    O(SOL_SOCKET, SO_COOKIE, F_VOLATILE),
    O(SOL_SOCKET, SO_ZEROCOPY, 0),
    /* not in the table */
    O(SOL_SOCKET, SO_NO_CHECK, 0),
    O(SOL_SOCKET, SO_PASSCRED, 0),
    O(SOL_SOCKET, SO_PEERCRED, F_NOVALUES),
    O(SOL_SOCKET, SO_RCVTIMEO_NEW, F_NOVALUES),
    O(SOL_SOCKET, SO_SNDTIMEO_NEW, F_NOVALUES),
    O(SOL_SOCKET, SO_TIMESTAMPING, 0),
    O(SOL_SOCKET, SO_RXQ_OVFL, 0),
    O(SOL_SOCKET, SO_PEEK_OFF, 0),
    O(SOL_SOCKET, SO_SELECT_ERR_QUEUE, 0),
    O(SOL_SOCKET, SO_LOCK_FILTER, 0),
    O(SOL_SOCKET, SO_INCOMING_CPU, F_VOLATILE),
    O(SOL_SOCKET, SO_MAX_PACING_RATE, 0),
    O(SOL_SOCKET, SO_TXREHASH, 0),
    O(SOL_SOCKET, SO_WIFI_STATUS, 0),
    O(SOL_SOCKET, SO_BINDTOIFINDEX, 0),
};

static const struct opt kIp[] = {
    O(IPPROTO_IP, IP_OPTIONS, F_NOVALUES),
    O(IPPROTO_IP, IP_HDRINCL, 0),
    O(IPPROTO_IP, IP_TOS, 0),
    O(IPPROTO_IP, IP_TTL, 0),
    O(IPPROTO_IP, IP_MULTICAST_IF, 0),
    O(IPPROTO_IP, IP_MULTICAST_TTL, 0),
    O(IPPROTO_IP, IP_MULTICAST_LOOP, 0),
    O(IPPROTO_IP, IP_ADD_MEMBERSHIP, F_NOVALUES),
    O(IPPROTO_IP, IP_DROP_MEMBERSHIP, F_NOVALUES),
    O(IPPROTO_IP, IP_PKTINFO, 0),
    O(IPPROTO_IP, IP_RECVTTL, 0),
    O(IPPROTO_IP, IP_RECVTOS, 0),
    O(IPPROTO_IP, IP_MTU_DISCOVER, 0),
    O(IPPROTO_IP, IP_MTU, 0),
    O(IPPROTO_IP, IP_RECVERR, 0),
    O(IPPROTO_IP, IP_FREEBIND, 0),
    O(IPPROTO_IP, IP_TRANSPARENT, 0),
    O(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 0),
    O(IPPROTO_IP, IP_RECVORIGDSTADDR, 0),
    O(IPPROTO_IP, IP_MINTTL, 0),
    /* not in the table */
    O(IPPROTO_IP, IP_RECVOPTS, 0),
    O(IPPROTO_IP, IP_RETOPTS, 0),
    O(IPPROTO_IP, IP_MULTICAST_ALL, 0),
    O(IPPROTO_IP, IP_NODEFRAG, 0),
    O(IPPROTO_IP, IP_CHECKSUM, 0),
    O(IPPROTO_IP, IP_PASSSEC, 0),
    O(IPPROTO_IP, IP_RECVFRAGSIZE, 0),
    O(IPPROTO_IP, IP_ROUTER_ALERT, 0),
    O(IPPROTO_IP, IP_UNICAST_IF, 0),
};

static const struct opt kIp6[] = {
    O(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 0),
    O(IPPROTO_IPV6, IPV6_MULTICAST_IF, 0),
    O(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 0),
    O(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0),
    O(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, F_NOVALUES),
    O(IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, F_NOVALUES),
    O(IPPROTO_IPV6, IPV6_DONTFRAG, 0),
    O(IPPROTO_IPV6, IPV6_RECVPKTINFO, 0),
    O(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 0),
    O(IPPROTO_IPV6, IPV6_V6ONLY, 0),
    O(IPPROTO_IPV6, IPV6_TCLASS, 0),
    O(IPPROTO_IPV6, IPV6_RECVTCLASS, 0),
    O(IPPROTO_IPV6, IPV6_MTU_DISCOVER, 0),
    O(IPPROTO_IPV6, IPV6_MTU, 0),
    O(IPPROTO_IPV6, IPV6_RECVERR, 0),
    O(IPPROTO_IPV6, IPV6_PKTINFO, F_NOVALUES),
    O(IPPROTO_IPV6, IPV6_FREEBIND, 0),
    O(IPPROTO_IPV6, IPV6_TRANSPARENT, 0),
    /* not in the table */
    O(IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, 0),
    O(IPPROTO_IPV6, IPV6_RECVPATHMTU, 0),
    O(IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, 0),
    O(IPPROTO_IPV6, IPV6_MINHOPCOUNT, 0),
    O(IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 0),
    O(IPPROTO_IPV6, IPV6_HOPLIMIT, 0),
    O(IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0),
    O(IPPROTO_IPV6, IPV6_ROUTER_ALERT, 0),
};

static const struct opt kTcp[] = {
    O(IPPROTO_TCP, TCP_NODELAY, 0),
    O(IPPROTO_TCP, TCP_MAXSEG, 0),
    O(IPPROTO_TCP, TCP_KEEPIDLE, 0),
    O(IPPROTO_TCP, TCP_KEEPINTVL, 0),
    O(IPPROTO_TCP, TCP_KEEPCNT, 0),
    O(IPPROTO_TCP, TCP_FASTOPEN, 0),
    O(IPPROTO_TCP, TCP_CORK, 0),
    O(IPPROTO_TCP, TCP_INFO, F_NOVALUES | F_VOLATILE),
    O(IPPROTO_TCP, TCP_QUICKACK, 0),
    O(IPPROTO_TCP, TCP_USER_TIMEOUT, 0),
    O(IPPROTO_TCP, TCP_CONGESTION, F_NOVALUES),
    O(IPPROTO_TCP, TCP_DEFER_ACCEPT, 0),
    O(IPPROTO_TCP, TCP_NOTSENT_LOWAT, 0),
    O(IPPROTO_TCP, TCP_SYNCNT, 0),
    O(IPPROTO_TCP, TCP_LINGER2, 0),
    O(IPPROTO_TCP, TCP_WINDOW_CLAMP, 0),
    /* not in the table */
    O(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 0),
    O(IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, 0),
    O(IPPROTO_TCP, TCP_THIN_DUPACK, 0),
    O(IPPROTO_TCP, TCP_INQ, 0),
    O(IPPROTO_TCP, TCP_TX_DELAY, 0),
    O(IPPROTO_TCP, TCP_SAVE_SYN, 0),
    O(IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, 0),
};

static const struct opt kUdp[] = {
    O(IPPROTO_UDP, UDP_CORK, 0),
    O(IPPROTO_UDP, UDP_SEGMENT, 0),
    O(IPPROTO_UDP, UDP_GRO, 0),
    /* not in the table */
    O(IPPROTO_UDP, UDP_ENCAP, 0),
    O(IPPROTO_UDP, UDP_NO_CHECK6_TX, 0),
    O(IPPROTO_UDP, UDP_NO_CHECK6_RX, 0),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* getsockopt into a 64-byte buffer with length `len`; prints the result,
 * the length back and the first int (or "set"/"0" for volatile values). */
static void get_opt(const char* tag, int fd, const struct opt* o,
                    socklen_t len) {
  unsigned char buf[64];
  memset(buf, 0x5A, sizeof(buf));
  socklen_t l = len;
  char lab[160];
  snprintf(lab, sizeof(lab), "%s get %s len %u", tag, o->label, (unsigned)len);
  long r = REC(lab, getsockopt(fd, o->level, o->name, buf, &l));
  if (r != 0) return;
  int v = 0;
  memcpy(&v, buf, sizeof(v));
  if (o->flags & F_VOLATILE) {
    note("%s: len %u (value run-dependent)", lab, (unsigned)l);
  } else if (l <= 4) {
    char hex[16] = "";
    for (socklen_t i = 0; i < l && i < 4; ++i) {
      snprintf(hex + 2 * i, 3, "%02x", buf[i]);
    }
    note("%s: len %u bytes %s", lab, (unsigned)l, hex);
  } else {
    note("%s: len %u int %d fnv %016llx", lab, (unsigned)l, v,
         (unsigned long long)fnv1a(FNV_INIT, buf, l < 64 ? l : 64));
  }
}

static const int kValues[] = {
    0, 1, -1, 2, 7, 255, 256, 65535, 1 << 20, 0x7fffffff, (int)0x80000000};

/* Every value, get after each set. */
static void sweep_values(const char* tag, int fd, const struct opt* o) {
  char lab[160];
  for (size_t i = 0; i < N(kValues); ++i) {
    int v = kValues[i];
    snprintf(lab, sizeof(lab), "%s set %s=%d", tag, o->label, v);
    REC(lab, setsockopt(fd, o->level, o->name, &v, sizeof(v)));
    get_opt(tag, fd, o, sizeof(int));
  }
}

/* Lengths and pointers, for set and get. */
static void sweep_lengths(const char* tag, int fd, const struct opt* o) {
  char lab[160];
  unsigned char buf[64];
  memset(buf, 0, sizeof(buf));
  buf[0] = 1;
  static const socklen_t kSetLens[] = {0, 1, 2, 3, 5, 8, 64};
  for (size_t i = 0; i < N(kSetLens); ++i) {
    snprintf(lab, sizeof(lab), "%s set %s len %u", tag, o->label,
             (unsigned)kSetLens[i]);
    REC(lab, setsockopt(fd, o->level, o->name, buf, kSetLens[i]));
  }
  snprintf(lab, sizeof(lab), "%s set %s NULL len 4", tag, o->label);
  REC(lab, setsockopt(fd, o->level, o->name, NULL, 4));
  snprintf(lab, sizeof(lab), "%s set %s NULL len 0", tag, o->label);
  REC(lab, setsockopt(fd, o->level, o->name, NULL, 0));
  snprintf(lab, sizeof(lab), "%s set %s bad ptr len 4", tag, o->label);
  REC(lab, setsockopt(fd, o->level, o->name, BAD, 4));
  snprintf(lab, sizeof(lab), "%s set %s bad ptr len 2", tag, o->label);
  REC(lab, setsockopt(fd, o->level, o->name, BAD, 2));
  snprintf(lab, sizeof(lab), "%s set %s len -1", tag, o->label);
  REC(lab, setsockopt(fd, o->level, o->name, buf, (socklen_t)-1));

  static const socklen_t kGetLens[] = {0, 1, 2, 3, 8, 64};
  for (size_t i = 0; i < N(kGetLens); ++i) get_opt(tag, fd, o, kGetLens[i]);
  socklen_t l = 4;
  snprintf(lab, sizeof(lab), "%s get %s NULL optval len 4", tag, o->label);
  REC(lab, getsockopt(fd, o->level, o->name, NULL, &l));
  l = 0;
  snprintf(lab, sizeof(lab), "%s get %s NULL optval len 0", tag, o->label);
  REC(lab, getsockopt(fd, o->level, o->name, NULL, &l));
  note("%s: len %u", lab, (unsigned)l);
  snprintf(lab, sizeof(lab), "%s get %s NULL optlen", tag, o->label);
  REC(lab, getsockopt(fd, o->level, o->name, buf, NULL));
  snprintf(lab, sizeof(lab), "%s get %s bad optlen", tag, o->label);
  REC(lab, getsockopt(fd, o->level, o->name, buf, BAD));
  l = 4;
  snprintf(lab, sizeof(lab), "%s get %s bad optval", tag, o->label);
  REC(lab, getsockopt(fd, o->level, o->name, BAD, &l));
  l = (socklen_t)-1;
  snprintf(lab, sizeof(lab), "%s get %s len -1", tag, o->label);
  REC(lab, getsockopt(fd, o->level, o->name, buf, &l));
}

static int new_socket(const char* tag, int family, int type) {
  char lab[64];
  snprintf(lab, sizeof(lab), "%s socket", tag);
  int fd = (int)REC(lab, socket(family, type, 0));
  if (fd < 0) die(lab);
  return fd;
}

/* Each option on a fresh socket: defaults first, then values, then
 * lengths. */
static void sweep(const char* tag, int family, int type, const struct opt* opts,
                  size_t n) {
  for (size_t i = 0; i < n; ++i) {
    int fd = new_socket(tag, family, type);
    get_opt(tag, fd, &opts[i], sizeof(int));
    get_opt(tag, fd, &opts[i], 64);
    if (!(opts[i].flags & F_NOVALUES)) sweep_values(tag, fd, &opts[i]);
    REC("close", close(fd));
    fd = new_socket(tag, family, type);
    sweep_lengths(tag, fd, &opts[i]);
    REC("close", close(fd));
  }
}

SCENARIO(sol_tcp4) { sweep("tcp4", AF_INET, SOCK_STREAM, kSol, N(kSol)); }
SCENARIO(sol_udp4) { sweep("udp4", AF_INET, SOCK_DGRAM, kSol, N(kSol)); }
SCENARIO(sol_tcp6) { sweep("tcp6", AF_INET6, SOCK_STREAM, kSol, N(kSol)); }
SCENARIO(sol_udp6) { sweep("udp6", AF_INET6, SOCK_DGRAM, kSol, N(kSol)); }
SCENARIO(ip_tcp4) { sweep("tcp4", AF_INET, SOCK_STREAM, kIp, N(kIp)); }
SCENARIO(ip_udp4) { sweep("udp4", AF_INET, SOCK_DGRAM, kIp, N(kIp)); }
SCENARIO(ip_tcp6) { sweep("tcp6", AF_INET6, SOCK_STREAM, kIp, N(kIp)); }
SCENARIO(ip_udp6) { sweep("udp6", AF_INET6, SOCK_DGRAM, kIp, N(kIp)); }
SCENARIO(ipv6_tcp6) { sweep("tcp6", AF_INET6, SOCK_STREAM, kIp6, N(kIp6)); }
SCENARIO(ipv6_udp6) { sweep("udp6", AF_INET6, SOCK_DGRAM, kIp6, N(kIp6)); }
SCENARIO(ipv6_on_v4) {
  sweep("tcp4", AF_INET, SOCK_STREAM, kIp6, N(kIp6));
  sweep("udp4", AF_INET, SOCK_DGRAM, kIp6, N(kIp6));
}
SCENARIO(tcp_tcp4) { sweep("tcp4", AF_INET, SOCK_STREAM, kTcp, N(kTcp)); }
SCENARIO(tcp_tcp6) { sweep("tcp6", AF_INET6, SOCK_STREAM, kTcp, N(kTcp)); }
SCENARIO(tcp_on_udp) {
  sweep("udp4", AF_INET, SOCK_DGRAM, kTcp, N(kTcp));
  sweep("udp6", AF_INET6, SOCK_DGRAM, kTcp, N(kTcp));
}
SCENARIO(udp_udp4) { sweep("udp4", AF_INET, SOCK_DGRAM, kUdp, N(kUdp)); }
SCENARIO(udp_udp6) { sweep("udp6", AF_INET6, SOCK_DGRAM, kUdp, N(kUdp)); }
SCENARIO(udp_on_tcp) {
  sweep("tcp4", AF_INET, SOCK_STREAM, kUdp, N(kUdp));
  sweep("tcp6", AF_INET6, SOCK_STREAM, kUdp, N(kUdp));
}

/* ---- value rules ---- */

static void get_int(const char* lab, int fd, int level, int name) {
  int v = -12345;
  socklen_t l = sizeof(v);
  if (REC(lab, getsockopt(fd, level, name, &v, &l)) == 0) {
    note("%s: %d len %u", lab, v, (unsigned)l);
  }
}

/* SO_SNDBUF/SO_RCVBUF are doubled, clamped to [min, 2*max]; the FORCE
 * variants ignore the max. */
SCENARIO(buffers) {
  static const int kSizes[] = {-1,   0,    1,     1000,   2303,    2304,
                               4607, 4608, 65536, 212992, 1 << 24, 0x7fffffff};
  static const int kFamilies[] = {AF_INET, AF_INET6};
  static const int kTypes[] = {SOCK_STREAM, SOCK_DGRAM};
  static const struct {
    int name;
    const char* label;
  } kOpts[] = {{SO_SNDBUF, "SO_SNDBUF"},
               {SO_RCVBUF, "SO_RCVBUF"},
               {SO_SNDBUFFORCE, "SO_SNDBUFFORCE"},
               {SO_RCVBUFFORCE, "SO_RCVBUFFORCE"}};
  for (size_t f = 0; f < N(kFamilies); ++f) {
    for (size_t t = 0; t < N(kTypes); ++t) {
      int fd = (int)REC("socket", socket(kFamilies[f], kTypes[t], 0));
      for (size_t o = 0; o < N(kOpts); ++o) {
        int get = kOpts[o].name == SO_SNDBUFFORCE   ? SO_SNDBUF
                  : kOpts[o].name == SO_RCVBUFFORCE ? SO_RCVBUF
                                                    : kOpts[o].name;
        for (size_t i = 0; i < N(kSizes); ++i) {
          char lab[96];
          snprintf(lab, sizeof(lab), "%s %s set %s=%d", fam_name(kFamilies[f]),
                   kTypes[t] == SOCK_STREAM ? "tcp" : "udp", kOpts[o].label,
                   kSizes[i]);
          REC(lab, setsockopt(fd, SOL_SOCKET, kOpts[o].name, &kSizes[i], 4));
          get_int(lab, fd, SOL_SOCKET, get);
        }
      }
      REC("close", close(fd));
    }
  }
}

static void get_tv(const char* lab, int fd, int name, socklen_t len) {
  struct timeval tv;
  memset(&tv, 0x5A, sizeof(tv));
  socklen_t l = len;
  if (REC(lab, getsockopt(fd, SOL_SOCKET, name, &tv, &l)) == 0) {
    if (l >= sizeof(tv)) {
      note("%s: {%lld, %lld} len %u", lab, (long long)tv.tv_sec,
           (long long)tv.tv_usec, (unsigned)l);
    } else {
      note("%s: len %u fnv %016llx", lab, (unsigned)l,
           (unsigned long long)fnv1a(FNV_INIT, &tv, l));
    }
  }
}

/* SO_RCVTIMEO/SO_SNDTIMEO: jiffy rounding, zero, negative, huge, EDOM;
 * the old and the new (64-bit) option numbers. */
SCENARIO(timeouts) {
  static const struct {
    long long sec, usec;
  } kTv[] = {{0, 0},
             {0, 1},
             {0, 999},
             {0, 1000},
             {0, 1001},
             {0, 3999},
             {0, 4000},
             {0, 4001},
             {0, 10000},
             {0, 999999},
             {1, 0},
             {1, 500000},
             {-1, 0},
             {-1, 500000},
             {0, -1},
             {0, 1000000},
             {1000, 0},
             {4294967, 0},
             {4294967, 296000},
             {4294968, 0},
             {100000000, 0},
             {9223372036854775807LL / 1000, 0},
             {9223372036854775807LL, 0},
             {2, 999999}};
  static const struct {
    int set, get;
    const char* label;
  } kOpts[] = {{SO_RCVTIMEO, SO_RCVTIMEO, "SO_RCVTIMEO"},
               {SO_SNDTIMEO, SO_SNDTIMEO, "SO_SNDTIMEO"},
               {SO_RCVTIMEO_NEW, SO_RCVTIMEO, "SO_RCVTIMEO_NEW"},
               {SO_SNDTIMEO_NEW, SO_SNDTIMEO, "SO_SNDTIMEO_NEW"},
               {SO_RCVTIMEO, SO_RCVTIMEO_NEW, "SO_RCVTIMEO/get NEW"},
               {SO_SNDTIMEO, SO_SNDTIMEO_NEW, "SO_SNDTIMEO/get NEW"}};
  int fds[2];
  fds[0] = (int)REC("tcp socket", socket(AF_INET, SOCK_STREAM, 0));
  fds[1] = (int)REC("udp6 socket", socket(AF_INET6, SOCK_DGRAM, 0));
  for (int k = 0; k < 2; ++k) {
    int fd = fds[k];
    for (size_t o = 0; o < N(kOpts); ++o) {
      char lab[128];
      snprintf(lab, sizeof(lab), "%s default", kOpts[o].label);
      get_tv(lab, fd, kOpts[o].get, sizeof(struct timeval));
      for (size_t i = 0; i < N(kTv); ++i) {
        struct timeval tv;
        tv.tv_sec = (time_t)kTv[i].sec;
        tv.tv_usec = (suseconds_t)kTv[i].usec;
        snprintf(lab, sizeof(lab), "%s set {%lld,%lld}", kOpts[o].label,
                 kTv[i].sec, kTv[i].usec);
        REC(lab, setsockopt(fd, SOL_SOCKET, kOpts[o].set, &tv, sizeof(tv)));
        get_tv(lab, fd, kOpts[o].get, sizeof(tv));
      }
      struct timeval tv = {2, 500000};
      REC("set 2.5s",
          setsockopt(fd, SOL_SOCKET, kOpts[o].set, &tv, sizeof(tv)));
      static const socklen_t kLens[] = {0, 4, 8, 12, 15, 24};
      for (size_t i = 0; i < N(kLens); ++i) {
        snprintf(lab, sizeof(lab), "%s get len %u", kOpts[o].label,
                 (unsigned)kLens[i]);
        get_tv(lab, fd, kOpts[o].get, kLens[i]);
        snprintf(lab, sizeof(lab), "%s set len %u", kOpts[o].label,
                 (unsigned)kLens[i]);
        REC(lab, setsockopt(fd, SOL_SOCKET, kOpts[o].set, &tv, kLens[i]));
      }
      snprintf(lab, sizeof(lab), "%s set bad ptr len 2", kOpts[o].label);
      REC(lab, setsockopt(fd, SOL_SOCKET, kOpts[o].set, BAD, 2));
      snprintf(lab, sizeof(lab), "%s set bad ptr len 16", kOpts[o].label);
      REC(lab, setsockopt(fd, SOL_SOCKET, kOpts[o].set, BAD, 16));
      socklen_t l = 16;
      snprintf(lab, sizeof(lab), "%s get bad ptr", kOpts[o].label);
      REC(lab, getsockopt(fd, SOL_SOCKET, kOpts[o].get, BAD, &l));
      l = 0;
      snprintf(lab, sizeof(lab), "%s get NULL len 0", kOpts[o].label);
      REC(lab, getsockopt(fd, SOL_SOCKET, kOpts[o].get, NULL, &l));
      snprintf(lab, sizeof(lab), "%s final", kOpts[o].label);
      get_tv(lab, fd, kOpts[o].get, sizeof(struct timeval));
    }
  }
  REC("close", close(fds[0]));
  REC("close", close(fds[1]));
}

/* A negative timeout means "do not wait": recv returns EAGAIN at once. */
SCENARIO(timeout_negative_behaviour) {
  struct sockaddr_storage a;
  socklen_t al;
  int u = make_server("udp", AF_INET, SOCK_DGRAM, &a, &al);
  struct timeval tv = {-1, 0};
  REC("SO_RCVTIMEO -1", setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, 16));
  REC("recv", recv(u, (char[8]){0}, 8, 0));
  get_tv("get", u, SO_RCVTIMEO, 16);
  REC("close", close(u));
}

static void get_linger(const char* lab, int fd, socklen_t len) {
  struct linger lg;
  memset(&lg, 0x5A, sizeof(lg));
  socklen_t l = len;
  if (REC(lab, getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l)) == 0) {
    note("%s: {%d, %d} len %u", lab, l >= 4 ? lg.l_onoff : -99,
         l >= 8 ? lg.l_linger : -99, (unsigned)l);
  }
}

SCENARIO(linger) {
  static const struct linger kL[] = {{0, 0},
                                     {1, 0},
                                     {1, 1},
                                     {0, 5},
                                     {1, 5},
                                     {2, 7},
                                     {-1, 3},
                                     {1, -1},
                                     {1, 65535},
                                     {1, 65536},
                                     {1, 100000},
                                     {1, 0x7fffffff},
                                     {1, (int)0x80000000},
                                     {0, 70000},
                                     {1, 36893488}};
  static const int kFamilies[] = {AF_INET, AF_INET6};
  static const int kTypes[] = {SOCK_STREAM, SOCK_DGRAM};
  for (size_t f = 0; f < N(kFamilies); ++f) {
    for (size_t t = 0; t < N(kTypes); ++t) {
      int fd = (int)REC("socket", socket(kFamilies[f], kTypes[t], 0));
      get_linger("default", fd, sizeof(struct linger));
      for (size_t i = 0; i < N(kL); ++i) {
        char lab[96];
        snprintf(lab, sizeof(lab), "set {%d,%d}", kL[i].l_onoff,
                 kL[i].l_linger);
        REC(lab, setsockopt(fd, SOL_SOCKET, SO_LINGER, &kL[i], sizeof(kL[i])));
        get_linger(lab, fd, sizeof(struct linger));
      }
      static const socklen_t kLens[] = {0, 2, 4, 6, 8, 12};
      struct linger on = {1, 9};
      for (size_t i = 0; i < N(kLens); ++i) {
        char lab[64];
        snprintf(lab, sizeof(lab), "set len %u", (unsigned)kLens[i]);
        REC(lab, setsockopt(fd, SOL_SOCKET, SO_LINGER, &on, kLens[i]));
        snprintf(lab, sizeof(lab), "get len %u", (unsigned)kLens[i]);
        get_linger(lab, fd, kLens[i]);
      }
      REC("set bad ptr len 2", setsockopt(fd, SOL_SOCKET, SO_LINGER, BAD, 2));
      REC("set bad ptr len 8", setsockopt(fd, SOL_SOCKET, SO_LINGER, BAD, 8));
      socklen_t l = 8;
      REC("get bad ptr", getsockopt(fd, SOL_SOCKET, SO_LINGER, BAD, &l));
      REC("close", close(fd));
    }
  }
}

/* Read-only options: values on each socket type and state; set refused. */
SCENARIO(readonly) {
  static const struct opt kRo[] = {
      O(SOL_SOCKET, SO_TYPE, 0),     O(SOL_SOCKET, SO_DOMAIN, 0),
      O(SOL_SOCKET, SO_PROTOCOL, 0), O(SOL_SOCKET, SO_ACCEPTCONN, 0),
      O(SOL_SOCKET, SO_ERROR, 0),
  };
  struct sockaddr_storage a;
  socklen_t al;
  int l4 = make_server("tcp4", AF_INET, SOCK_STREAM, &a, &al);
  int acc;
  int c4 = make_pair("pair4", l4, AF_INET, &a, al, &acc);
  int l6 = make_server("tcp6", AF_INET6, SOCK_STREAM, &a, &al);
  int u4 = (int)REC("udp4", socket(AF_INET, SOCK_DGRAM, 0));
  int u6 = (int)REC("udp6", socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP));
  int t6 = (int)REC("tcp6 fresh",
                    socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP));
  const int fds[] = {l4, c4, acc, l6, u4, u6, t6};
  const char* names[] = {"listener4", "client4", "accepted4", "listener6",
                         "udp4",      "udp6",    "tcp6"};
  for (size_t f = 0; f < N(fds); ++f) {
    for (size_t i = 0; i < N(kRo); ++i) {
      char lab[96];
      snprintf(lab, sizeof(lab), "%s %s", names[f], kRo[i].label);
      get_int(lab, fds[f], kRo[i].level, kRo[i].name);
      int v = 1;
      snprintf(lab, sizeof(lab), "%s set %s", names[f], kRo[i].label);
      REC(lab, setsockopt(fds[f], kRo[i].level, kRo[i].name, &v, 4));
    }
  }
  for (size_t f = 0; f < N(fds); ++f) REC("close", close(fds[f]));
}

/* SO_ERROR carries each pending error once. */
SCENARIO(so_error_values) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = (int)REC("reserve", socket(AF_INET6, SOCK_STREAM, 0));
  al = loopback(AF_INET6, &a);
  REC("reserve bind", bind(r, (struct sockaddr*)&a, al));
  al = sizeof(a);
  REC("reserve getsockname", getsockname(r, (struct sockaddr*)&a, &al));
  int c =
      (int)REC("nb socket", socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REC("connect", connect(c, (struct sockaddr*)&a, al));
  wait_for(c, POLLOUT, 3000);
  int e = -1;
  socklen_t el = 2;
  REC("SO_ERROR len 2", getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &el));
  note("SO_ERROR len 2: %d len %u", e & 0xffff, (unsigned)el);
  get_int("SO_ERROR after", c, SOL_SOCKET, SO_ERROR);
  REC("close", close(c));
  REC("close reserve", close(r));
}

/* Unknown options and unknown levels, including levels that look like
 * Windows ones or like lxwsk's tunnel tag. */
SCENARIO(unknown) {
  static const int kLevels[] = {
      SOL_SOCKET,  IPPROTO_IP,   IPPROTO_IPV6, IPPROTO_TCP,
      IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_RAW,  12345,
      -1,          0xFFFF,       0x10001,      0x10006,
      0x4C580001,  0x4C580006,   0x4C580000,   0x7fffffff};
  static const int kNames[] = {-1, 0,   9999, 0x7fffffff, 1,
                               2,  200, 208,  211,        212};
  static const int kFamilies[] = {AF_INET, AF_INET6};
  static const int kTypes[] = {SOCK_STREAM, SOCK_DGRAM};
  for (size_t f = 0; f < N(kFamilies); ++f) {
    for (size_t t = 0; t < N(kTypes); ++t) {
      int fd = (int)REC("socket", socket(kFamilies[f], kTypes[t], 0));
      for (size_t i = 0; i < N(kLevels); ++i) {
        for (size_t j = 0; j < N(kNames); ++j) {
          char lab[96];
          int v = 1;
          snprintf(lab, sizeof(lab), "level %d name %d set", kLevels[i],
                   kNames[j]);
          REC(lab, setsockopt(fd, kLevels[i], kNames[j], &v, 4));
          snprintf(lab, sizeof(lab), "level %d name %d get", kLevels[i],
                   kNames[j]);
          get_int(lab, fd, kLevels[i], kNames[j]);
          snprintf(lab, sizeof(lab), "level %d name %d get bad optlen",
                   kLevels[i], kNames[j]);
          REC(lab, getsockopt(fd, kLevels[i], kNames[j], &v, BAD));
          snprintf(lab, sizeof(lab), "level %d name %d get NULL optlen",
                   kLevels[i], kNames[j]);
          REC(lab, getsockopt(fd, kLevels[i], kNames[j], &v, NULL));
        }
      }
      REC("close", close(fd));
    }
  }
}

/* Options with structured values. */
SCENARIO(structured) {
  int t = (int)REC("tcp4", socket(AF_INET, SOCK_STREAM, 0));
  int u = (int)REC("udp4", socket(AF_INET, SOCK_DGRAM, 0));
  int t6 = (int)REC("tcp6", socket(AF_INET6, SOCK_STREAM, 0));
  int u6 = (int)REC("udp6", socket(AF_INET6, SOCK_DGRAM, 0));
  char name[32];
  socklen_t nl;

  REC("BINDTODEVICE lo", setsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
  nl = sizeof(name);
  memset(name, 0, sizeof(name));
  REC("get BINDTODEVICE",
      getsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, name, &nl));
  note("BINDTODEVICE: '%s' len %u", name, (unsigned)nl);
  nl = 1;
  REC("get BINDTODEVICE len 1",
      getsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, name, &nl));
  REC("BINDTODEVICE nosuch",
      setsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, "nosuch0", 8));
  REC("BINDTODEVICE empty", setsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, "", 1));
  REC("BINDTODEVICE len 0",
      setsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, "lo", 0));
  REC("BINDTODEVICE 20 chars",
      setsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, "lolololololololololo", 20));
  nl = sizeof(name);
  REC("get BINDTODEVICE unbound",
      getsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, name, &nl));
  note("BINDTODEVICE unbound: len %u", (unsigned)nl);

  REC("TCP_CONGESTION reno",
      setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
  nl = sizeof(name);
  memset(name, 0, sizeof(name));
  REC("get TCP_CONGESTION",
      getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, name, &nl));
  note("TCP_CONGESTION: '%s' len %u", name, (unsigned)nl);
  REC("TCP_CONGESTION nosuch",
      setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, "nosuchcc", 8));
  nl = 3;
  REC("get TCP_CONGESTION len 3",
      getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, name, &nl));
  note("TCP_CONGESTION len 3: len %u", (unsigned)nl);

  struct tcp_info ti;
  nl = sizeof(ti);
  REC("TCP_INFO", getsockopt(t, IPPROTO_TCP, TCP_INFO, &ti, &nl));
  note("TCP_INFO: state %u len %s", ti.tcpi_state,
       nl >= 100 ? ">=100" : "short");
  nl = 1;
  REC("TCP_INFO len 1", getsockopt(t, IPPROTO_TCP, TCP_INFO, &ti, &nl));
  note("TCP_INFO len 1: %u state %u", (unsigned)nl, ti.tcpi_state);
  REC("set TCP_INFO", setsockopt(t, IPPROTO_TCP, TCP_INFO, &ti, 8));

  struct sockaddr_storage ss;
  nl = sizeof(ss);
  REC("SO_PEERNAME unconnected",
      getsockopt(t, SOL_SOCKET, SO_PEERNAME, &ss, &nl));
  struct ucred cr;
  nl = sizeof(cr);
  REC("SO_PEERCRED inet", getsockopt(t, SOL_SOCKET, SO_PEERCRED, &cr, &nl));
  note("SO_PEERCRED: len %u pid %d", (unsigned)nl, cr.pid);

  unsigned char opts[40];
  memset(opts, 1, sizeof(opts)); /* IPOPT_NOOP */
  REC("IP_OPTIONS 4 NOPs", setsockopt(t, IPPROTO_IP, IP_OPTIONS, opts, 4));
  nl = sizeof(opts);
  REC("get IP_OPTIONS", getsockopt(t, IPPROTO_IP, IP_OPTIONS, opts, &nl));
  note("IP_OPTIONS: len %u", (unsigned)nl);
  REC("IP_OPTIONS 41 bytes", setsockopt(t, IPPROTO_IP, IP_OPTIONS, opts, 41));
  memset(opts, 0xff, sizeof(opts));
  REC("IP_OPTIONS garbage", setsockopt(t, IPPROTO_IP, IP_OPTIONS, opts, 8));
  REC("IP_OPTIONS empty", setsockopt(t, IPPROTO_IP, IP_OPTIONS, opts, 0));

  struct in_addr ifa = {htonl(INADDR_LOOPBACK)};
  REC("IP_MULTICAST_IF in_addr",
      setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)));
  nl = sizeof(ifa);
  memset(&ifa, 0, sizeof(ifa));
  REC("get IP_MULTICAST_IF",
      getsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &ifa, &nl));
  note("IP_MULTICAST_IF: %08x len %u", ntohl(ifa.s_addr), (unsigned)nl);
  struct ip_mreqn mrn;
  memset(&mrn, 0, sizeof(mrn));
  mrn.imr_address.s_addr = htonl(INADDR_LOOPBACK);
  REC("IP_MULTICAST_IF mreqn",
      setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &mrn, sizeof(mrn)));
  mrn.imr_ifindex = 999;
  REC("IP_MULTICAST_IF mreqn bad ifindex",
      setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &mrn, sizeof(mrn)));
  inet_pton(AF_INET, "192.0.2.1", &ifa);
  REC("IP_MULTICAST_IF non-local",
      setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)));

  struct in6_pktinfo pi;
  memset(&pi, 0, sizeof(pi));
  pi.ipi6_addr = in6addr_loopback;
  REC("IPV6_PKTINFO sticky",
      setsockopt(u6, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi)));
  nl = sizeof(pi);
  memset(&pi, 0x5A, sizeof(pi));
  REC("get IPV6_PKTINFO", getsockopt(u6, IPPROTO_IPV6, IPV6_PKTINFO, &pi, &nl));
  note("IPV6_PKTINFO: len %u", (unsigned)nl);
  REC("IPV6_PKTINFO short", setsockopt(u6, IPPROTO_IPV6, IPV6_PKTINFO, &pi, 4));
  pi.ipi6_ifindex = 999;
  REC("IPV6_PKTINFO bad ifindex",
      setsockopt(u6, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi)));
  REC("IPV6_V6ONLY on tcp6",
      setsockopt(t6, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, 4));
  get_int("IPV6_V6ONLY", t6, IPPROTO_IPV6, IPV6_V6ONLY);
  REC("listen tcp6", listen(t6, 1));
  REC("IPV6_V6ONLY after listen (bound)",
      setsockopt(t6, IPPROTO_IPV6, IPV6_V6ONLY, &(int){0}, 4));
  get_int("IPV6_V6ONLY after", t6, IPPROTO_IPV6, IPV6_V6ONLY);
  REC("close", close(t));
  REC("close", close(u));
  REC("close", close(t6));
  REC("close", close(u6));
}

/* Options on a connected TCP pair: TCP_INFO state, IP_MTU, SO_PEERNAME,
 * TCP_MAXSEG and the socket state options after connect. */
static void connected(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  struct tcp_info ti;
  socklen_t nl = sizeof(ti);
  REC("TCP_INFO", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &nl));
  note("TCP_INFO: state %u", ti.tcpi_state);
  get_int("IP_MTU", c, IPPROTO_IP, IP_MTU);
  get_int("IPV6_MTU", c, IPPROTO_IPV6, IPV6_MTU);
  get_int("TCP_MAXSEG", c, IPPROTO_TCP, TCP_MAXSEG);
  get_int("accepted TCP_MAXSEG", acc, IPPROTO_TCP, TCP_MAXSEG);
  struct sockaddr_storage ss;
  nl = sizeof(ss);
  REC("SO_PEERNAME", getsockopt(c, SOL_SOCKET, SO_PEERNAME, &ss, &nl));
  note_addr("SO_PEERNAME", &ss, nl);
  nl = 4;
  REC("SO_PEERNAME short", getsockopt(c, SOL_SOCKET, SO_PEERNAME, &ss, &nl));
  get_int("SO_ERROR", c, SOL_SOCKET, SO_ERROR);
  get_int("SO_ACCEPTCONN", c, SOL_SOCKET, SO_ACCEPTCONN);
  REC("TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &(int){1}, 4));
  get_int("TCP_NODELAY", c, IPPROTO_TCP, TCP_NODELAY);
  REC("TCP_MAXSEG set connected",
      setsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &(int){500}, 4));
  get_int("TCP_MAXSEG after", c, IPPROTO_TCP, TCP_MAXSEG);
  get_int("accepted SO_KEEPALIVE", acc, SOL_SOCKET, SO_KEEPALIVE);
  get_int("accepted SO_RCVBUF inherited?", acc, SOL_SOCKET, SO_REUSEADDR);
  REC("close", close(c));
  REC("close", close(acc));
  REC("close", close(l));
}
SCENARIO(connected_v4) { connected(AF_INET); }
SCENARIO(connected_v6) { connected(AF_INET6); }

/* Every SOL_SOCKET and IPPROTO_TCP option on a listening, a connected and
 * an accepted socket (the stream and connection categories): defaults,
 * then get after set on each. */
static void states(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  const int fds[] = {l, c, acc};
  const char* names[] = {"listener", "client", "accepted"};
  const struct opt* lists[] = {kSol, kTcp};
  const size_t counts[] = {N(kSol), N(kTcp)};
  for (size_t k = 0; k < 2; ++k) {
    for (size_t i = 0; i < counts[k]; ++i) {
      const struct opt* o = &lists[k][i];
      for (size_t f = 0; f < N(fds); ++f) {
        get_opt(names[f], fds[f], o, sizeof(int));
        get_opt(names[f], fds[f], o, 64);
        if (!(o->flags & F_NOVALUES)) {
          sweep_values(names[f], fds[f], o);
        }
      }
    }
  }
  REC("close", close(c));
  REC("close", close(acc));
  REC("close", close(l));
}
SCENARIO(states_v4) { states(AF_INET); }
SCENARIO(states_v6) { states(AF_INET6); }

/* SOL_SOCKET, IP, IPv6 and UDP options on a bound and a connected UDP
 * socket, and IP/IPv6 options on a connected TCP socket. */
static void states_udp(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int b = make_server("bound", family, SOCK_DGRAM, &a, &al);
  int c = (int)REC("connected socket", socket(family, SOCK_DGRAM, 0));
  REC("connect", connect(c, (struct sockaddr*)&a, al));
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int acc;
  int t = make_pair("pair", l, family, &a, al, &acc);
  const int fds[] = {b, c, t};
  const char* names[] = {"bound udp", "connected udp", "connected tcp"};
  const struct opt* lists[] = {kSol, kIp, kIp6, kUdp};
  const size_t counts[] = {N(kSol), N(kIp), N(kIp6), N(kUdp)};
  for (size_t k = 0; k < N(lists); ++k) {
    for (size_t i = 0; i < counts[k]; ++i) {
      const struct opt* o = &lists[k][i];
      for (size_t f = 0; f < N(fds); ++f) {
        get_opt(names[f], fds[f], o, sizeof(int));
        get_opt(names[f], fds[f], o, 64);
        if (!(o->flags & F_NOVALUES)) sweep_values(names[f], fds[f], o);
      }
    }
  }
  REC("close", close(t));
  REC("close", close(acc));
  REC("close", close(l));
  REC("close", close(c));
  REC("close", close(b));
}
SCENARIO(states_udp_v4) { states_udp(AF_INET); }
SCENARIO(states_udp_v6) { states_udp(AF_INET6); }

DIFFTEST_MAIN()
