/* Data transfer: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, MSG_TRUNC, MSG_OOB
 * with SIOCATMARK and SO_OOBINLINE, zero-length sends and datagrams,
 * oversized datagrams (truncation, EMSGSIZE), scatter/gather with 1 to
 * IOV_MAX+1 iovecs, sendmmsg/recvmmsg partial results, FIONREAD / SIOCINQ /
 * SIOCOUTQ, and read/write/readv/writev on sockets; TCP and UDP, IPv4 and
 * IPv6. Ancillary data is in ancillary.c. */
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "difftest.h"

static char L[192];
#define LBL(...) (snprintf(L, sizeof(L), __VA_ARGS__), L)

/* A connected TCP pair over loopback of `family`; *srv is the accepted end.
 * The listener is closed. */
static int tcp_pair(int family, int* srv) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server(LBL("%s server", fam_name(family)), family, SOCK_STREAM,
                      &a, &al);
  int c = make_pair(fam_name(family), l, family, &a, al, srv);
  REC("close listener", close(l));
  int one = 1;
  /* No Nagle: each send is a segment of its own, at once. */
  REC("TCP_NODELAY",
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
  REC("TCP_NODELAY srv",
      setsockopt(*srv, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
  return c;
}

/* A bound UDP receiver and a sender connected to it. */
static int udp_pair(int family, int* rcv) {
  struct sockaddr_storage a;
  socklen_t al;
  *rcv = make_server(LBL("%s receiver", fam_name(family)), family, SOCK_DGRAM,
                     &a, &al);
  int s = (int)REC("sender socket", socket(family, SOCK_DGRAM, 0));
  if (REC("sender connect", connect(s, (struct sockaddr*)&a, al)) != 0) {
    die("connect");
  }
  return s;
}

/* Waits (bounded) until `fd` has at least `want` bytes readable (SIOCINQ). */
static int wait_inq(int fd, int want) {
  int v = -1;
  double end = now_s() + 3;
  for (int i = 0; i < 3000 && now_s() < end; ++i) {
    if (ioctl(fd, SIOCINQ, &v) == 0 && v >= want) return v;
    wait_for(fd, POLLIN, 1);
  }
  return v;
}

/* Waits (bounded) until the send queue of `fd` is empty (SIOCOUTQ). */
static int wait_outq_empty(int fd) {
  int v = -1;
  double end = now_s() + 3;
  for (int i = 0; i < 3000 && now_s() < end; ++i) {
    if (ioctl(fd, SIOCOUTQ, &v) == 0 && v == 0) return v;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return v;
}

static void note_queues(const char* what, int fd) {
  int a = -1, b = -1;
  long ra = REC(LBL("%s FIONREAD", what), ioctl(fd, FIONREAD, &a));
  long rb = REC(LBL("%s SIOCINQ", what), ioctl(fd, SIOCINQ, &b));
  note("%s: FIONREAD %d SIOCINQ %d", what, ra == 0 ? a : -1, rb == 0 ? b : -1);
}

static void note_data(const char* what, const void* p, long n) {
  note("%s: %ld bytes checksum %016llx", what, n,
       (unsigned long long)fnv1a(FNV_INIT, p, n > 0 ? (size_t)n : 0));
}

/* ---- MSG_PEEK ---- */

static void peek_tcp(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  char buf[64];
  REC("send", send(c, "hello world", 11, 0));
  wait_inq(srv, 11);
  note_queues("after send", srv);
  long n = REC("peek 5", recv(srv, buf, 5, MSG_PEEK));
  note_data("peek 5", buf, n);
  n = REC("peek 64", recv(srv, buf, sizeof(buf), MSG_PEEK));
  note_data("peek 64", buf, n);
  note_queues("after peeks", srv);
  n = REC("read 3", read(srv, buf, 3));
  note_data("read 3", buf, n);
  n = REC("peek again", recv(srv, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
  note_data("peek again", buf, n);
  note_queues("after read 3", srv);
  n = REC("recv rest", recv(srv, buf, sizeof(buf), 0));
  note_data("recv rest", buf, n);
  REC("peek empty", recv(srv, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
  REC("shutdown wr", shutdown(c, SHUT_WR));
  wait_for(srv, POLLIN, 2000);
  REC("peek at eof", recv(srv, buf, sizeof(buf), MSG_PEEK));
  REC("recv at eof", recv(srv, buf, sizeof(buf), 0));
  REC("close", close(c));
  REC("close srv", close(srv));
}

SCENARIO(peek_tcp_v4) { peek_tcp(AF_INET); }
SCENARIO(peek_tcp_v6) { peek_tcp(AF_INET6); }

/* ---- sendto/recvfrom with addresses on a connected stream ----
 * (sockperf's TCP calls). Linux copies a sendto address in (EINVAL past
 * sizeof(sockaddr_storage), EFAULT) and then ignores it; a recvfrom reads
 * *addrlen (EINVAL when negative), writes 0 back and leaves the address
 * buffer alone. Each call twice, so a page the first call learned is
 * readable or writable is used by the second. */

static void stream_addresses(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  struct sockaddr_storage peer, from;
  socklen_t peer_len = sizeof(peer);
  REC("getpeername", getpeername(c, (struct sockaddr*)&peer, &peer_len));
  char buf[64];
  for (int round = 0; round < 2; ++round) {
    REC(LBL("sendto peer %d", round),
        sendto(c, "abc", 3, MSG_NOSIGNAL, (struct sockaddr*)&peer, peer_len));
    REC(LBL("sendto len 0 %d", round),
        sendto(c, "d", 1, 0, (struct sockaddr*)&peer, 0));
    REC(LBL("sendto len 128 %d", round),
        sendto(c, "e", 1, 0, (struct sockaddr*)&peer, sizeof(peer)));
    REC(LBL("sendto len 129 %d", round),
        sendto(c, "x", 1, 0, (struct sockaddr*)&peer, sizeof(peer) + 1));
    REC(LBL("sendto len -1 %d", round),
        sendto(c, "x", 1, 0, (struct sockaddr*)&peer, (socklen_t)-1));
    REC(LBL("sendto bad addr %d", round),
        sendto(c, "x", 1, 0, (struct sockaddr*)8, sizeof(struct sockaddr_in)));
  }
  wait_inq(srv, 10);
  for (int round = 0; round < 2; ++round) {
    memset(&from, 0xAB, sizeof(from));
    socklen_t len = sizeof(from);
    long n =
        REC(LBL("recvfrom 2 %d", round),
            recvfrom(srv, buf, 2, MSG_NOSIGNAL, (struct sockaddr*)&from, &len));
    note_data(LBL("recvfrom 2 %d", round), buf, n);
    note("recvfrom %d: len %u, address untouched %d", round, (unsigned)len,
         ((unsigned char*)&from)[0] == 0xAB);
    len = (socklen_t)-1;
    n = REC(LBL("recvfrom len -1 %d", round),
            recvfrom(srv, buf, 1, 0, (struct sockaddr*)&from, &len));
    note("recvfrom len -1 %d: len %d", round, (int)len);
    len = 0;
    n = REC(LBL("recvfrom len 0 %d", round),
            recvfrom(srv, buf, 1, 0, (struct sockaddr*)&from, &len));
    note_data(LBL("recvfrom len 0 %d", round), buf, n);
    note("recvfrom len 0 %d: len %u", round, (unsigned)len);
  }
  long n = REC("recv rest", recv(srv, buf, sizeof(buf), MSG_DONTWAIT));
  note_data("recv rest", buf, n);
  REC("close", close(c));
  REC("close srv", close(srv));
}
SCENARIO(stream_addresses_v4) { stream_addresses(AF_INET); }
SCENARIO(stream_addresses_v6) { stream_addresses(AF_INET6); }

static void peek_udp(int family) {
  int r;
  int s = udp_pair(family, &r);
  unsigned char out[200], in[256];
  fill_pattern(out, sizeof(out), 0, 3);
  REC("send 100", send(s, out, 100, 0));
  REC("send 50", send(s, out + 100, 50, 0));
  wait_for(r, POLLIN, 2000);
  note_queues("two queued", r);
  long n = REC("peek 10", recv(r, in, 10, MSG_PEEK));
  note_data("peek 10", in, n);
  n = REC("peek 10 trunc", recv(r, in, 10, MSG_PEEK | MSG_TRUNC));
  struct iovec iov = {in, 10};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  n = REC("recvmsg peek 10", recvmsg(r, &m, MSG_PEEK));
  note("recvmsg peek 10: flags %#x", m.msg_flags);
  n = REC("peek all", recv(r, in, sizeof(in), MSG_PEEK));
  note_data("peek all", in, n);
  n = REC("recv first", recv(r, in, sizeof(in), 0));
  note_data("recv first", in, n);
  note_queues("one queued", r);
  n = REC("peek second", recv(r, in, sizeof(in), MSG_PEEK));
  note_data("peek second", in, n);
  n = REC("read second", read(r, in, sizeof(in)));
  note_data("read second", in, n);
  REC("peek empty", recv(r, in, sizeof(in), MSG_PEEK | MSG_DONTWAIT));
  note_queues("empty", r);
  REC("close", close(s));
  REC("close r", close(r));
}

SCENARIO(peek_udp_v4) { peek_udp(AF_INET); }
SCENARIO(peek_udp_v6) { peek_udp(AF_INET6); }

/* ---- MSG_WAITALL ---- */

struct delayed_send {
  int fd;
  int pipe_rd;
  size_t len;
  int close_after;
};

/* Waits for a token on the pipe, then sends (and maybe closes). Prints
 * nothing: the record stays in the main thread. */
static void* delayed_sender(void* p) {
  struct delayed_send* d = p;
  char t;
  if (read(d->pipe_rd, &t, 1) != 1) return NULL;
  unsigned char buf[4096];
  fill_pattern(buf, d->len, 0, 9);
  send_all(d->fd, buf, d->len);
  if (d->close_after) close(d->fd);
  return NULL;
}

static void waitall(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  unsigned char in[4096];
  int pp[2];
  if (pipe(pp) != 0) die("pipe");

  /* The rest arrives while recv waits: one call returns all 20 bytes. */
  REC("send 10", send(c, "0123456789", 10, 0));
  struct delayed_send d = {c, pp[0], 10, 0};
  pthread_t t;
  pthread_create(&t, NULL, delayed_sender, &d);
  REC("token", write(pp[1], "x", 1));
  long n = REC("recv WAITALL 20", recv(srv, in, 20, MSG_WAITALL));
  note_data("recv WAITALL 20", in, n);
  pthread_join(t, NULL);

  /* Data already there: WAITALL returns at once. */
  REC("send 30", send(c, "abcdefghijklmnopqrstuvwxyz0123", 30, 0));
  wait_inq(srv, 30);
  n = REC("recv WAITALL 30", recv(srv, in, 30, MSG_WAITALL));
  note_data("recv WAITALL 30", in, n);

  /* With SO_RCVTIMEO: the timeout ends the wait with what arrived. */
  struct timeval tv = {0, 200000};
  REC("SO_RCVTIMEO", setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
  REC("send 5", send(c, "abcde", 5, 0));
  wait_inq(srv, 5);
  n = REC("recv WAITALL 20 timeout", recv(srv, in, 20, MSG_WAITALL));
  note_data("recv WAITALL 20 timeout", in, n);
  REC("recv WAITALL nothing timeout", recv(srv, in, 20, MSG_WAITALL));
  /* MSG_DONTWAIT wins over MSG_WAITALL. */
  REC("send 3", send(c, "xyz", 3, 0));
  wait_inq(srv, 3);
  n = REC("recv WAITALL|DONTWAIT",
          recv(srv, in, 20, MSG_WAITALL | MSG_DONTWAIT));
  note_data("recv WAITALL|DONTWAIT", in, n);
  tv.tv_usec = 0;
  REC("SO_RCVTIMEO off",
      setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));

  /* Ended by the peer's close: the bytes that came, then EOF. */
  struct delayed_send d2 = {c, pp[0], 7, 1};
  pthread_create(&t, NULL, delayed_sender, &d2);
  REC("token", write(pp[1], "x", 1));
  n = REC("recv WAITALL 100 peer closes", recv(srv, in, 100, MSG_WAITALL));
  note_data("recv WAITALL 100 peer closes", in, n);
  pthread_join(t, NULL);
  REC("recv WAITALL at eof", recv(srv, in, 100, MSG_WAITALL));

  /* recvmsg with MSG_WAITALL over several iovecs. */
  REC("close srv", close(srv));
  c = tcp_pair(family, &srv);
  REC("send 8", send(c, "ABCDEFGH", 8, 0));
  struct delayed_send d3 = {c, pp[0], 24, 0};
  pthread_create(&t, NULL, delayed_sender, &d3);
  REC("token", write(pp[1], "x", 1));
  struct iovec iov[3] = {{in, 10}, {in + 10, 10}, {in + 20, 12}};
  struct msghdr m = {0};
  m.msg_iov = iov;
  m.msg_iovlen = 3;
  n = REC("recvmsg WAITALL 32", recvmsg(srv, &m, MSG_WAITALL));
  note_data("recvmsg WAITALL 32", in, n);
  note("recvmsg WAITALL 32: flags %#x", m.msg_flags);
  pthread_join(t, NULL);
  REC("close c", close(c));
  REC("close srv", close(srv));
  close(pp[0]);
  close(pp[1]);
}

SCENARIO(waitall_v4) { waitall(AF_INET); }
SCENARIO(waitall_v6) { waitall(AF_INET6); }

/* UDP: MSG_WAITALL is meaningless; one datagram per call. */
SCENARIO(waitall_udp) {
  int r;
  int s = udp_pair(AF_INET, &r);
  unsigned char in[64];
  REC("send 4", send(s, "abcd", 4, 0));
  REC("send 4", send(s, "efgh", 4, 0));
  wait_for(r, POLLIN, 2000);
  long n = REC("recv WAITALL 64", recv(r, in, sizeof(in), MSG_WAITALL));
  note_data("recv WAITALL 64", in, n);
  n = REC("recv WAITALL 64", recv(r, in, sizeof(in), MSG_WAITALL));
  note_data("recv WAITALL 64", in, n);
  REC("close", close(s));
  REC("close r", close(r));
}

/* ---- MSG_DONTWAIT ---- */

static void dontwait(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  char buf[16];
  REC("tcp recv DONTWAIT empty", recv(srv, buf, sizeof(buf), MSG_DONTWAIT));
  REC("tcp recvfrom DONTWAIT empty",
      recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL));
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  REC("tcp recvmsg DONTWAIT empty", recvmsg(srv, &m, MSG_DONTWAIT));
  int fl = fcntl(srv, F_GETFL);
  note("still blocking: %d", (fl & O_NONBLOCK) == 0);
  /* Fill the send side: DONTWAIT sends end with EAGAIN (the amount that
   * fits depends on buffer autotuning; only the end is recorded). */
  int sz = 16384;
  REC("SO_SNDBUF", setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)));
  REC("SO_RCVBUF", setsockopt(srv, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)));
  static unsigned char big[65536];
  long last = 0;
  int err = 0;
  for (int i = 0; i < 10000; ++i) {
    last = send(c, big, sizeof(big), MSG_DONTWAIT);
    if (last < 0) {
      err = errno;
      break;
    }
  }
  note("send DONTWAIT until full: last %d %s", last < 0 ? -1 : 0,
       st_errname(err));
  note("still blocking: %d", (fcntl(c, F_GETFL) & O_NONBLOCK) == 0);
  REC("close c", close(c));
  REC("close srv", close(srv));

  int r;
  int s = udp_pair(family, &r);
  REC("udp recv DONTWAIT empty", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
  REC("udp recvmsg DONTWAIT empty", recvmsg(r, &m, MSG_DONTWAIT));
  REC("udp send DONTWAIT", send(s, "abc", 3, MSG_DONTWAIT));
  wait_for(r, POLLIN, 2000);
  long n = REC("udp recv DONTWAIT", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
  note_data("udp recv DONTWAIT", buf, n);
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(dontwait_v4) { dontwait(AF_INET); }
SCENARIO(dontwait_v6) { dontwait(AF_INET6); }

/* ---- MSG_TRUNC ---- */

static void trunc_udp(int family) {
  int r;
  int s = udp_pair(family, &r);
  unsigned char out[3000], in[4096];
  fill_pattern(out, sizeof(out), 0, 5);
  REC("send 3000", send(s, out, 3000, 0));
  wait_for(r, POLLIN, 2000);
  long n = REC("recv 100 MSG_TRUNC", recv(r, in, 100, MSG_TRUNC));
  note_data("recv 100 MSG_TRUNC", in, n > 100 ? 100 : n);
  REC("send 3000", send(s, out, 3000, 0));
  wait_for(r, POLLIN, 2000);
  REC("recv NULL 0 MSG_TRUNC|PEEK", recv(r, NULL, 0, MSG_TRUNC | MSG_PEEK));
  struct iovec iov = {in, 100};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  n = REC("recvmsg 100", recvmsg(r, &m, 0));
  note("recvmsg 100: flags %#x", m.msg_flags);
  note_data("recvmsg 100", in, n);
  REC("send 3000", send(s, out, 3000, 0));
  wait_for(r, POLLIN, 2000);
  m.msg_flags = 0;
  n = REC("recvmsg 100 MSG_TRUNC", recvmsg(r, &m, MSG_TRUNC));
  note("recvmsg 100 MSG_TRUNC: flags %#x", m.msg_flags);
  REC("send 50", send(s, out, 50, 0));
  wait_for(r, POLLIN, 2000);
  iov.iov_len = 50;
  m.msg_flags = 0;
  n = REC("recvmsg exact 50", recvmsg(r, &m, 0));
  note("recvmsg exact 50: flags %#x", m.msg_flags);
  /* recv with a zero-length buffer consumes the datagram. */
  REC("send 20", send(s, out, 20, 0));
  wait_for(r, POLLIN, 2000);
  REC("recv 0 bytes", recv(r, in, 0, 0));
  REC("recv after", recv(r, in, sizeof(in), MSG_DONTWAIT));
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(trunc_udp_v4) { trunc_udp(AF_INET); }
SCENARIO(trunc_udp_v6) { trunc_udp(AF_INET6); }

static void trunc_tcp(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  unsigned char out[100], in[128];
  fill_pattern(out, sizeof(out), 0, 2);
  REC("send 100", send(c, out, 100, 0));
  wait_inq(srv, 100);
  /* TCP MSG_TRUNC: the bytes are discarded, not copied. */
  REC("recv NULL 10 MSG_TRUNC", recv(srv, NULL, 10, MSG_TRUNC));
  note_queues("after discard", srv);
  memset(in, 0, sizeof(in));
  REC("recv 20 MSG_TRUNC", recv(srv, in, 20, MSG_TRUNC));
  note_data("buffer untouched", in, 20);
  struct iovec iov = {in, 30};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  long n = REC("recvmsg 30", recvmsg(srv, &m, 0));
  note("recvmsg 30: flags %#x", m.msg_flags);
  note_data("recvmsg 30", in, n);
  n = REC("recv rest", recv(srv, in, sizeof(in), 0));
  note_data("recv rest", in, n);
  REC("close c", close(c));
  REC("close srv", close(srv));
}

SCENARIO(trunc_tcp_v4) { trunc_tcp(AF_INET); }
SCENARIO(trunc_tcp_v6) { trunc_tcp(AF_INET6); }

/* ---- out-of-band data ---- */

static void oob(int family) {
  st_count_signal(SIGURG, 1);
  int srv;
  int c = tcp_pair(family, &srv);
  REC("F_SETOWN", fcntl(srv, F_SETOWN, getpid()));
  char buf[64];
  int mark = -1;
  REC("SIOCATMARK empty", ioctl(srv, SIOCATMARK, &mark));
  note("mark %d", mark);
  REC("recv OOB none", recv(srv, buf, 1, MSG_OOB | MSG_DONTWAIT));
  REC("send abc", send(c, "abc", 3, 0));
  REC("send OOB !", send(c, "!", 1, MSG_OOB));
  REC("send def", send(c, "def", 3, 0));
  note("poll POLLPRI: %#x", wait_for(srv, POLLPRI, 2000) & (POLLIN | POLLPRI));
  wait_inq(srv, 6);
  note_signals("after OOB");
  REC("SIOCATMARK before", ioctl(srv, SIOCATMARK, &mark));
  note("mark %d", mark);
  note_queues("with OOB", srv);
  long n = REC("recv 64", recv(srv, buf, sizeof(buf), 0));
  note_data("recv 64 (stops at mark)", buf, n);
  REC("SIOCATMARK at", ioctl(srv, SIOCATMARK, &mark));
  note("mark %d", mark);
  n = REC("recv OOB peek", recv(srv, buf, 1, MSG_OOB | MSG_PEEK));
  note_data("recv OOB peek", buf, n);
  n = REC("recv OOB", recv(srv, buf, sizeof(buf), MSG_OOB));
  note_data("recv OOB", buf, n);
  REC("recv OOB again", recv(srv, buf, sizeof(buf), MSG_OOB));
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  n = REC("recvmsg rest", recvmsg(srv, &m, 0));
  note("recvmsg rest: flags %#x", m.msg_flags);
  note_data("recvmsg rest", buf, n);
  REC("SIOCATMARK after", ioctl(srv, SIOCATMARK, &mark));
  note("mark %d", mark);

  /* SO_OOBINLINE: the urgent byte stays in the stream. */
  int one = 1;
  REC("SO_OOBINLINE",
      setsockopt(srv, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)));
  REC("send xy", send(c, "xy", 2, 0));
  REC("send OOB #", send(c, "#", 1, MSG_OOB));
  REC("send z", send(c, "z", 1, 0));
  wait_for(srv, POLLPRI, 2000);
  wait_inq(srv, 4);
  note_signals("after inline OOB");
  REC("recv OOB inline", recv(srv, buf, 1, MSG_OOB));
  REC("SIOCATMARK inline", ioctl(srv, SIOCATMARK, &mark));
  note("mark %d", mark);
  n = REC("recv inline 64", recv(srv, buf, sizeof(buf), 0));
  note_data("recv inline 64", buf, n);
  REC("SIOCATMARK inline at", ioctl(srv, SIOCATMARK, &mark));
  note("mark %d", mark);
  n = REC("recv inline rest", recv(srv, buf, sizeof(buf), 0));
  note_data("recv inline rest", buf, n);
  /* MSG_OOB on UDP. */
  int r;
  int s = udp_pair(family, &r);
  REC("udp send OOB", send(s, "u", 1, MSG_OOB));
  REC("udp recv OOB", recv(r, buf, 1, MSG_OOB | MSG_DONTWAIT));
  REC("SIOCATMARK udp", ioctl(r, SIOCATMARK, &mark));
  REC("close s", close(s));
  REC("close r", close(r));
  REC("close c", close(c));
  REC("close srv", close(srv));
}

SCENARIO(oob_v4) { oob(AF_INET); }
SCENARIO(oob_v6) { oob(AF_INET6); }

/* ---- zero-length sends and datagrams ---- */

static void zero_length(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  char buf[16];
  REC("tcp send 0", send(c, buf, 0, 0));
  REC("tcp send NULL 0", send(c, NULL, 0, 0));
  REC("tcp write 0", write(c, buf, 0));
  struct iovec iov0 = {buf, 0};
  REC("tcp writev 1x0", writev(c, &iov0, 1));
  REC("tcp writev 0", writev(c, NULL, 0));
  struct msghdr m = {0};
  REC("tcp sendmsg no iov", sendmsg(c, &m, 0));
  note("tcp readable after zero sends: %#x", wait_for(srv, POLLIN, 100));
  REC("tcp recv 0 DONTWAIT", recv(srv, buf, 0, MSG_DONTWAIT));
  REC("tcp read 0", read(srv, buf, 0));
  REC("close c", close(c));
  REC("close srv", close(srv));

  int r;
  int s = udp_pair(family, &r);
  REC("udp send 0", send(s, buf, 0, 0));
  wait_for(r, POLLIN, 2000);
  note_queues("zero datagram queued", r);
  note("poll: %#x", wait_for(r, POLLIN, 0));
  REC("udp read 0", read(r, buf, 0));
  note("poll after read 0: %#x", wait_for(r, POLLIN, 0));
  struct sockaddr_storage from;
  socklen_t fl = sizeof(from);
  REC("udp recvfrom",
      recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr*)&from, &fl));
  note_addr("udp recvfrom", &from, fl);
  REC("udp send NULL 0", send(s, NULL, 0, 0));
  REC("udp sendmsg no iov", sendmsg(s, &m, 0));
  REC("udp writev 0", writev(s, NULL, 0));
  REC("udp send 3", send(s, "abc", 3, 0));
  wait_for(r, POLLIN, 2000);
  REC("udp recv 1", recv(r, buf, sizeof(buf), 0));
  struct iovec iov = {buf, sizeof(buf)};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  REC("udp recvmsg 2", recvmsg(r, &m, 0));
  note("recvmsg: flags %#x", m.msg_flags);
  REC("udp readv 3", readv(r, &iov, 1));
  REC("udp recv 4", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
  REC("udp recv empty", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(zero_length_v4) { zero_length(AF_INET); }
SCENARIO(zero_length_v6) { zero_length(AF_INET6); }

/* ---- datagrams larger than the buffer and than the maximum ---- */

static void big_datagrams(int family) {
  int r;
  int s = udp_pair(family, &r);
  int sz = 1 << 20;
  REC("SO_RCVBUF", setsockopt(r, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)));
  static unsigned char out[70000], in[70000];
  fill_pattern(out, sizeof(out), 0, 11);
  const int max = family == AF_INET ? 65507 : 65527;
  long n = REC("send max", send(s, out, (size_t)max, 0));
  REC("send max+1", send(s, out, (size_t)max + 1, 0));
  REC("send 65536", send(s, out, 65536, 0));
  REC("send 70000", send(s, out, sizeof(out), 0));
  wait_for(r, POLLIN, 2000);
  note_queues("max queued", r);
  n = REC("recv max", recv(r, in, sizeof(in), 0));
  note_data("recv max", in, n);
  REC("send max", send(s, out, (size_t)max, 0));
  wait_for(r, POLLIN, 2000);
  struct iovec iov = {in, 1000};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  n = REC("recvmsg 1000 of max", recvmsg(r, &m, 0));
  note("recvmsg 1000 of max: flags %#x", m.msg_flags);
  note_data("recvmsg 1000 of max", in, n);
  struct sockaddr_storage ra;
  socklen_t ral = sizeof(ra);
  getsockname(r, (struct sockaddr*)&ra, &ral);
  int u = (int)REC("unconnected socket", socket(family, SOCK_DGRAM, 0));
  REC("sendto max+1",
      sendto(u, out, (size_t)max + 1, 0, (struct sockaddr*)&ra, ral));
  struct iovec two[2] = {{out, 40000}, {out, 40000}};
  m.msg_iov = two;
  m.msg_iovlen = 2;
  m.msg_name = &ra;
  m.msg_namelen = ral;
  REC("sendmsg 80000", sendmsg(u, &m, 0));
  REC("close u", close(u));
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(big_datagram_v4) { big_datagrams(AF_INET); }
SCENARIO(big_datagram_v6) { big_datagrams(AF_INET6); }

/* ---- scatter/gather ---- */

static struct iovec g_iov[1100];
static unsigned char g_out[1100 * 3], g_in[1100 * 3];

static void setup_iov(unsigned char* base, int n) {
  for (int i = 0; i < n; ++i) {
    g_iov[i].iov_base = base + 3 * i;
    g_iov[i].iov_len = 3;
  }
}

static void iov_tcp(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  static const int counts[] = {1, 16, 17, 64, 1024, 1025};
  fill_pattern(g_out, sizeof(g_out), 0, 13);
  for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); ++k) {
    int n = counts[k];
    setup_iov(g_out, n);
    long w = REC(LBL("writev %d", n), writev(c, g_iov, n));
    if (w > 0) wait_inq(srv, (int)w);
    memset(g_in, 0, sizeof(g_in));
    setup_iov(g_in, n);
    long rd = REC(LBL("readv %d", n), readv(srv, g_iov, n));
    if (rd < 0 && w > 0) rd = recv_all(srv, g_in, (size_t)w);
    note_data(LBL("readv %d", n), g_in, rd);
    setup_iov(g_out, n);
    struct msghdr m = {0};
    m.msg_iov = g_iov;
    m.msg_iovlen = (size_t)n;
    w = REC(LBL("sendmsg %d", n), sendmsg(c, &m, 0));
    if (w > 0) wait_inq(srv, (int)w);
    memset(g_in, 0, sizeof(g_in));
    setup_iov(g_in, n);
    rd = REC(LBL("recvmsg %d", n), recvmsg(srv, &m, MSG_WAITALL));
    if (rd < 0 && w > 0) rd = recv_all(srv, g_in, (size_t)w);
    note_data(LBL("recvmsg %d", n), g_in, rd);
  }
  volatile int neg = -1;
  REC("writev -1", writev(c, g_iov, neg));
  REC("readv -1", readv(srv, g_iov, neg));
  /* A bad iovec pointer and a bad base. */
  struct iovec* volatile bad_iov = (struct iovec*)8;
  REC("writev bad iov", writev(c, bad_iov, 2));
  struct iovec bad = {(void*)8, 10};
  REC("writev bad base", writev(c, &bad, 1));
  REC("close c", close(c));
  REC("close srv", close(srv));
}

SCENARIO(iov_tcp_v4) { iov_tcp(AF_INET); }
SCENARIO(iov_tcp_v6) { iov_tcp(AF_INET6); }

static void iov_udp(int family) {
  int r;
  int s = udp_pair(family, &r);
  static const int counts[] = {1, 16, 17, 64, 1024, 1025};
  fill_pattern(g_out, sizeof(g_out), 0, 17);
  for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); ++k) {
    int n = counts[k];
    setup_iov(g_out, n);
    long w = REC(LBL("writev %d", n), writev(s, g_iov, n));
    if (w >= 0) wait_for(r, POLLIN, 2000);
    memset(g_in, 0, sizeof(g_in));
    setup_iov(g_in, n);
    long rd = REC(LBL("readv %d", n), readv(r, g_iov, n));
    if (rd < 0 && w >= 0) rd = recv(r, g_in, sizeof(g_in), 0);
    note_data(LBL("readv %d", n), g_in, rd);
    setup_iov(g_out, n);
    struct msghdr m = {0};
    m.msg_iov = g_iov;
    m.msg_iovlen = (size_t)n;
    w = REC(LBL("sendmsg %d", n), sendmsg(s, &m, 0));
    if (w >= 0) wait_for(r, POLLIN, 2000);
    memset(g_in, 0, sizeof(g_in));
    /* Receive into half as many iovecs: truncation. */
    setup_iov(g_in, n);
    m.msg_iovlen = (size_t)(n > 1 ? n / 2 : 1);
    rd = REC(LBL("recvmsg %d/2", n), recvmsg(r, &m, w >= 0 ? 0 : MSG_DONTWAIT));
    note("recvmsg %d/2: flags %#x", n, m.msg_flags);
    note_data(LBL("recvmsg %d/2", n), g_in, rd);
  }
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(iov_udp_v4) { iov_udp(AF_INET); }
SCENARIO(iov_udp_v6) { iov_udp(AF_INET6); }

/* ---- sendmmsg / recvmmsg ---- */

static void mmsg(int family) {
  int r;
  int s = udp_pair(family, &r);
  char data[8][16];
  struct iovec iov[8];
  struct mmsghdr mm[8];
  memset(mm, 0, sizeof(mm));
  for (int i = 0; i < 8; ++i) {
    snprintf(data[i], sizeof(data[i]), "dgram-%d", i);
    iov[i].iov_base = data[i];
    iov[i].iov_len = strlen(data[i]) + (size_t)i;
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  REC("sendmmsg 4", sendmmsg(s, mm, 4, 0));
  for (int i = 0; i < 4; ++i) note("sent %d: len %u", i, mm[i].msg_len);
  wait_for(r, POLLIN, 2000);

  char in[8][32];
  struct iovec riov[8];
  struct mmsghdr rm[8];
#define RESET_RM()                      \
  do {                                  \
    memset(rm, 0, sizeof(rm));          \
    memset(in, 0, sizeof(in));          \
    for (int i = 0; i < 8; ++i) {       \
      riov[i].iov_base = in[i];         \
      riov[i].iov_len = sizeof(in[i]);  \
      rm[i].msg_hdr.msg_iov = &riov[i]; \
      rm[i].msg_hdr.msg_iovlen = 1;     \
      rm[i].msg_len = 0xdead;           \
    }                                   \
  } while (0)
  RESET_RM();
  /* vlen larger than what is there, non-blocking: what is there. */
  REC("recvmmsg 8 DONTWAIT", recvmmsg(r, rm, 8, MSG_DONTWAIT, NULL));
  for (int i = 0; i < 8; ++i) {
    note("got %d: len %u flags %#x %.*s", i, rm[i].msg_len,
         rm[i].msg_hdr.msg_flags, (int)(rm[i].msg_len < 32 ? rm[i].msg_len : 0),
         in[i]);
  }
  RESET_RM();
  REC("recvmmsg empty DONTWAIT", recvmmsg(r, rm, 8, MSG_DONTWAIT, NULL));
  /* MSG_WAITFORONE: blocks for the first only. */
  REC("sendmmsg 2", sendmmsg(s, mm, 2, 0));
  wait_for(r, POLLIN, 2000);
  REC("recvmmsg 8 WAITFORONE", recvmmsg(r, rm, 8, MSG_WAITFORONE, NULL));
  for (int i = 0; i < 3; ++i) note("got %d: len %u", i, rm[i].msg_len);
  /* A zero timeout expires after the first datagram. */
  REC("sendmmsg 3", sendmmsg(s, mm, 3, 0));
  wait_for(r, POLLIN, 2000);
  RESET_RM();
  struct timespec ts = {0, 0};
  REC("recvmmsg 8 timeout 0", recvmmsg(r, rm, 8, 0, &ts));
  RESET_RM();
  REC("recvmmsg rest DONTWAIT", recvmmsg(r, rm, 8, MSG_DONTWAIT, NULL));
  /* Blocking with SO_RCVTIMEO: returns what came before the wait timed
   * out. */
  struct timeval tv = {0, 200000};
  REC("SO_RCVTIMEO", setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
  REC("sendmmsg 2", sendmmsg(s, mm, 2, 0));
  wait_for(r, POLLIN, 2000);
  RESET_RM();
  REC("recvmmsg 4 RCVTIMEO", recvmmsg(r, rm, 4, 0, NULL));
  RESET_RM();
  REC("recvmmsg empty RCVTIMEO", recvmmsg(r, rm, 4, 0, NULL));
  ts.tv_nsec = 1000000000;
  REC("recvmmsg bad timeout", recvmmsg(r, rm, 4, MSG_DONTWAIT, &ts));
  REC("recvmmsg vlen 0", recvmmsg(r, rm, 0, MSG_DONTWAIT, NULL));
  REC("sendmmsg vlen 0", sendmmsg(s, mm, 0, 0));

  /* An error mid-batch: sendmmsg returns the count sent before it. */
  struct mmsghdr bad[3];
  memcpy(bad, mm, sizeof(bad));
  bad[1].msg_hdr.msg_iov = (struct iovec*)8;
  REC("sendmmsg error at 2nd", sendmmsg(s, bad, 3, 0));
  REC("sendmmsg error at 1st", sendmmsg(s, bad + 1, 2, 0));
  wait_for(r, POLLIN, 2000);
  RESET_RM();
  REC("recvmmsg after partial", recvmmsg(r, rm, 8, MSG_DONTWAIT, NULL));
  /* Unconnected sender: the second message has no address. */
  int u = (int)REC("unconnected", socket(family, SOCK_DGRAM, 0));
  struct sockaddr_storage ra;
  socklen_t ral = sizeof(ra);
  getsockname(r, (struct sockaddr*)&ra, &ral);
  struct mmsghdr um[3];
  memcpy(um, mm, sizeof(um));
  um[0].msg_hdr.msg_name = &ra;
  um[0].msg_hdr.msg_namelen = ral;
  um[2].msg_hdr.msg_name = &ra;
  um[2].msg_hdr.msg_namelen = ral;
  REC("sendmmsg no address at 2nd", sendmmsg(u, um, 3, 0));
  wait_for(r, POLLIN, 2000);
  RESET_RM();
  REC("recvmmsg 8 DONTWAIT", recvmmsg(r, rm, 8, MSG_DONTWAIT, NULL));
  REC("close u", close(u));
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(mmsg_v4) { mmsg(AF_INET); }
SCENARIO(mmsg_v6) { mmsg(AF_INET6); }

/* ---- other flag combinations ---- */

static void flags_misc(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  char buf[64];
  /* MSG_PEEK|MSG_WAITALL waits until the whole length can be peeked. */
  int pp[2];
  if (pipe(pp) != 0) die("pipe");
  REC("send 4", send(c, "abcd", 4, 0));
  struct delayed_send d = {c, pp[0], 6, 0};
  pthread_t t;
  pthread_create(&t, NULL, delayed_sender, &d);
  REC("token", write(pp[1], "x", 1));
  long n = REC("peek WAITALL 10", recv(srv, buf, 10, MSG_PEEK | MSG_WAITALL));
  note_data("peek WAITALL 10", buf, n);
  pthread_join(t, NULL);
  n = REC("recv 10", recv(srv, buf, 10, 0));
  note_data("recv 10", buf, n);
  REC("tcp MSG_ERRQUEUE", recv(srv, buf, sizeof(buf), MSG_ERRQUEUE));
  REC("tcp MSG_CMSG_CLOEXEC",
      recv(srv, buf, sizeof(buf), MSG_CMSG_CLOEXEC | MSG_DONTWAIT));
  /* MSG_MORE then a plain send: one segment's worth, all delivered. */
  REC("tcp send MORE", send(c, "12", 2, MSG_MORE));
  REC("tcp send", send(c, "34", 2, 0));
  wait_inq(srv, 4);
  n = REC("tcp recv", recv(srv, buf, sizeof(buf), 0));
  note_data("tcp recv", buf, n);
  REC("close c", close(c));
  REC("close srv", close(srv));
  close(pp[0]);
  close(pp[1]);

  int r;
  int s = udp_pair(family, &r);
  /* UDP MSG_MORE corks: two sends, one datagram. */
  REC("udp send MORE", send(s, "ab", 2, MSG_MORE));
  REC("udp send", send(s, "cd", 2, 0));
  wait_for(r, POLLIN, 2000);
  n = REC("udp recv", recv(r, buf, sizeof(buf), 0));
  note_data("udp recv corked", buf, n);
  REC("udp send CONFIRM", send(s, "e", 1, MSG_CONFIRM));
  REC("udp send DONTROUTE", send(s, "f", 1, MSG_DONTROUTE));
  wait_for(r, POLLIN, 2000);
  /* recvmmsg with MSG_PEEK sees the same datagram each time. */
  char in[3][8];
  struct iovec iov[3];
  struct mmsghdr mm[3];
  memset(mm, 0, sizeof(mm));
  for (int i = 0; i < 3; ++i) {
    iov[i].iov_base = in[i];
    iov[i].iov_len = sizeof(in[i]);
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  REC("recvmmsg PEEK", recvmmsg(r, mm, 3, MSG_PEEK | MSG_DONTWAIT, NULL));
  for (int i = 0; i < 3; ++i)
    note("peeked %d: len %u %c", i, mm[i].msg_len, in[i][0]);
  /* No iovec: the datagram is consumed, MSG_TRUNC. */
  struct msghdr m = {0};
  n = REC("recvmsg no iov", recvmsg(r, &m, 0));
  note("recvmsg no iov: flags %#x", m.msg_flags);
  n = REC("recv", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
  note_data("recv", buf, n);
  m.msg_iov = NULL;
  m.msg_iovlen = 1;
  REC("sendmsg iov NULL", sendmsg(s, &m, 0));
  REC("recvmsg iov NULL", recvmsg(r, &m, MSG_DONTWAIT));
  REC("udp MSG_ERRQUEUE", recv(r, buf, sizeof(buf), MSG_ERRQUEUE));
  REC("udp recv OOB|PEEK",
      recv(r, buf, sizeof(buf), MSG_OOB | MSG_PEEK | MSG_DONTWAIT));
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(flags_misc_v4) { flags_misc(AF_INET); }
SCENARIO(flags_misc_v6) { flags_misc(AF_INET6); }

/* ---- FIONREAD / SIOCINQ / SIOCOUTQ ---- */

static void queues_tcp(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int v = -1;
  REC("listener SIOCINQ", ioctl(l, SIOCINQ, &v));
  REC("listener SIOCOUTQ", ioctl(l, SIOCOUTQ, &v));
  REC("listener FIONREAD", ioctl(l, FIONREAD, &v));
  int fresh = (int)REC("fresh socket", socket(family, SOCK_STREAM, 0));
  v = -1;
  REC("fresh SIOCINQ", ioctl(fresh, SIOCINQ, &v));
  REC("fresh SIOCOUTQ", ioctl(fresh, SIOCOUTQ, &v));
  note("fresh SIOCOUTQ %d", v);
  REC("close fresh", close(fresh));
  int srv;
  int c = make_pair("pair", l, family, &a, al, &srv);
  note_queues("empty", srv);
  v = -1;
  REC("SIOCOUTQ idle", ioctl(c, SIOCOUTQ, &v));
  note("SIOCOUTQ idle %d", v);
  REC("SIOCOUTQNSD idle", ioctl(c, SIOCOUTQNSD, &v));
  note("SIOCOUTQNSD idle %d", v);
  unsigned char out[5000];
  fill_pattern(out, sizeof(out), 0, 1);
  REC("send 1000", send(c, out, 1000, 0));
  wait_inq(srv, 1000);
  note_queues("1000 queued", srv);
  note("SIOCOUTQ after ack %d", wait_outq_empty(c));
  REC("send 4000", send(c, out + 1000, 4000, 0));
  wait_inq(srv, 5000);
  note_queues("5000 queued", srv);
  unsigned char in[5000];
  long n = REC("recv 1500", recv(srv, in, 1500, 0));
  note_queues("after recv 1500", srv);
  n = REC("recv rest", recv_all(srv, in, 3500));
  note_data("recv rest", in, n);
  note_queues("drained", srv);
  REC("shutdown wr", shutdown(c, SHUT_WR));
  wait_for(srv, POLLIN, 2000);
  note_queues("at eof", srv);
  REC("close c", close(c));
  REC("close srv", close(srv));
  REC("close l", close(l));
}

SCENARIO(queues_tcp_v4) { queues_tcp(AF_INET); }
SCENARIO(queues_tcp_v6) { queues_tcp(AF_INET6); }

static void queues_udp(int family) {
  int r;
  int s = udp_pair(family, &r);
  note_queues("empty", r);
  int v = -1;
  REC("SIOCOUTQ fresh", ioctl(s, SIOCOUTQ, &v));
  note("SIOCOUTQ fresh %d", v);
  unsigned char out[300];
  fill_pattern(out, sizeof(out), 0, 4);
  REC("send 100", send(s, out, 100, 0));
  REC("send 200", send(s, out, 200, 0));
  wait_for(r, POLLIN, 2000);
  note_queues("100+200 queued", r);
  note("SIOCOUTQ after delivery %d", wait_outq_empty(s));
  unsigned char in[300];
  REC("recv", recv(r, in, sizeof(in), 0));
  note_queues("200 queued", r);
  REC("recv", recv(r, in, sizeof(in), 0));
  note_queues("drained", r);
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(queues_udp_v4) { queues_udp(AF_INET); }
SCENARIO(queues_udp_v6) { queues_udp(AF_INET6); }

/* ---- read/write/readv/writev ---- */

static void rw_calls(int family) {
  int srv;
  int c = tcp_pair(family, &srv);
  unsigned char out[1000], in[1000];
  fill_pattern(out, sizeof(out), 0, 8);
  REC("write 300", write(c, out, 300));
  struct iovec w[3] = {{out + 300, 100}, {out + 400, 0}, {out + 400, 200}};
  REC("writev 3", writev(c, w, 3));
  wait_inq(srv, 600);
  long n = REC("read 250", read(srv, in, 250));
  struct iovec rv[2] = {{in + 250, 50}, {in + 300, 500}};
  n = REC("readv 2", readv(srv, rv, 2));
  note_data("read+readv", in, 250 + (n > 0 ? n : 0));
  REC("read DONTWAIT-less empty nonblock", fcntl(srv, F_SETFL, O_NONBLOCK));
  REC("read empty", read(srv, in, sizeof(in)));
  REC("readv empty", readv(srv, rv, 2));
  REC("shutdown", shutdown(c, SHUT_WR));
  wait_for(srv, POLLIN, 2000);
  REC("read eof", read(srv, in, sizeof(in)));
  REC("readv eof", readv(srv, rv, 2));
  REC("write after shutdown", send(c, out, 1, MSG_NOSIGNAL));
  REC("close c", close(c));
  REC("close srv", close(srv));

  int r;
  int s = udp_pair(family, &r);
  REC("udp write 100", write(s, out, 100));
  REC("udp writev 3", writev(s, w, 3));
  wait_for(r, POLLIN, 2000);
  n = REC("udp read 1000", read(r, in, sizeof(in)));
  note_data("udp read", in, n);
  wait_for(r, POLLIN, 2000);
  n = REC("udp readv", readv(r, rv, 2));
  note_data("udp readv", in + 250, n);
  int u = (int)REC("unconnected", socket(family, SOCK_DGRAM, 0));
  REC("udp write unconnected", write(u, out, 1));
  REC("udp read unconnected nonblock", recv(u, in, 1, MSG_DONTWAIT));
  REC("close u", close(u));
  REC("close s", close(s));
  REC("close r", close(r));
}

SCENARIO(rw_v4) { rw_calls(AF_INET); }
SCENARIO(rw_v6) { rw_calls(AF_INET6); }

DIFFTEST_MAIN()
