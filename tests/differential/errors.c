/* Errors: every errno a socket program meets in ordinary use, produced by
 * the calls that produce it on native Linux, over IPv4 and IPv6 where it
 * applies. Each scenario provokes the error deterministically (no races:
 * connections that must stay half-open are held there by a full accept
 * queue, waits are polls with generous timeouts). */
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "difftest.h"

static void* volatile g_bad = (void*)1;
#define BAD (g_bad)

static void lbl(char* out, size_t n, const char* a, int family) {
  snprintf(out, n, "%s %s", a, fam_name(family));
}

/* A loopback address with a port nothing listens on: a socket bound to it
 * (kept open, not listening) reserves the port. */
static int reserve_port(int family, int type, struct sockaddr_storage* a,
                        socklen_t* al) {
  int fd = (int)REC("reserve socket", socket(family, type, 0));
  if (fd < 0) die("reserve socket");
  *al = loopback(family, a);
  if (REC("reserve bind", bind(fd, (struct sockaddr*)a, *al)) != 0) {
    die("reserve bind");
  }
  *al = sizeof(*a);
  REC("reserve getsockname", getsockname(fd, (struct sockaddr*)a, al));
  return fd;
}

static void note_revents(const char* label, int rev) {
  note("%s: revents%s%s%s%s", label, (rev & POLLIN) ? " IN" : "",
       (rev & POLLOUT) ? " OUT" : "", (rev & POLLERR) ? " ERR" : "",
       (rev & POLLHUP) ? " HUP" : "");
}

static void so_error(const char* label, int fd) {
  int e = -1;
  socklen_t el = sizeof(e);
  REC(label, getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el));
  note("%s: %s len %u", label, e >= 0 ? st_errname(e) : "-", (unsigned)el);
}

/* ---- ECONNREFUSED ---- */

static void refused(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = reserve_port(family, SOCK_STREAM, &a, &al);
  int c = (int)REC("socket", socket(family, SOCK_STREAM, 0));
  REC("connect blocking", connect(c, (struct sockaddr*)&a, al));
  so_error("SO_ERROR after refused", c);
  REC("connect again", connect(c, (struct sockaddr*)&a, al));
  REC("send after refused", send(c, "x", 1, MSG_NOSIGNAL));
  REC("recv after refused", recv(c, (char[4]){0}, 4, MSG_DONTWAIT));
  REC("getpeername after refused",
      getpeername(c, (struct sockaddr*)&(struct sockaddr_storage){0},
                  &(socklen_t){sizeof(struct sockaddr_storage)}));
  REC("close", close(c));

  int n = (int)REC("socket nonblock",
                   socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REC("connect nonblock", connect(n, (struct sockaddr*)&a, al));
  int rev = wait_for(n, POLLOUT, 5000);
  note_revents("poll", rev);
  so_error("SO_ERROR", n);
  so_error("SO_ERROR again", n);
  REC("connect after error read", connect(n, (struct sockaddr*)&a, al));
  wait_for(n, POLLOUT, 5000);
  REC("connect after second refusal", connect(n, (struct sockaddr*)&a, al));
  REC("close nonblock", close(n));

  /* Connected UDP: the ICMP port unreachable comes back as ECONNREFUSED
   * on the next call. */
  int ur = reserve_port(family, SOCK_DGRAM, &a, &al);
  REC("close udp reserve", close(ur));
  int u = (int)REC("udp socket", socket(family, SOCK_DGRAM, 0));
  REC("udp connect", connect(u, (struct sockaddr*)&a, al));
  REC("udp send 1", send(u, "ping", 4, 0));
  rev = wait_for(u, POLLERR, 5000);
  note_revents("udp poll", rev);
  REC("udp recv", recv(u, (char[8]){0}, 8, MSG_DONTWAIT));
  REC("udp recv again", recv(u, (char[8]){0}, 8, MSG_DONTWAIT));
  REC("udp send 2", send(u, "ping", 4, 0));
  wait_for(u, POLLERR, 5000);
  REC("udp send 3", send(u, "ping", 4, 0));
  REC("udp send 4", send(u, "ping", 4, 0));
  wait_for(u, POLLERR, 5000);
  so_error("udp SO_ERROR", u);
  REC("udp recv after SO_ERROR", recv(u, (char[8]){0}, 8, MSG_DONTWAIT));
  /* An unconnected UDP socket does not report it. */
  int u2 = (int)REC("udp2 socket", socket(family, SOCK_DGRAM, 0));
  REC("udp2 sendto", sendto(u2, "ping", 4, 0, (struct sockaddr*)&a, al));
  wait_for(u2, POLLERR, 300);
  REC("udp2 recv", recv(u2, (char[8]){0}, 8, MSG_DONTWAIT));
  REC("close udp2", close(u2));
  REC("close udp", close(u));
  REC("close reserve", close(r));
}
SCENARIO(refused_v4) { refused(AF_INET); }
SCENARIO(refused_v6) { refused(AF_INET6); }

/* ---- EADDRINUSE ---- */

static void addrinuse(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int b = (int)REC("socket", socket(family, SOCK_STREAM, 0));
  REC("bind same port", bind(b, (struct sockaddr*)&a, al));
  int one = 1;
  REC("SO_REUSEADDR", setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, 4));
  REC("bind same port reuseaddr (listener without)",
      bind(b, (struct sockaddr*)&a, al));
  REC("close", close(b));

  /* Two non-listening sockets with SO_REUSEADDR share a port; only one
   * may listen. */
  struct sockaddr_storage w;
  socklen_t wl = loopback(family, &w);
  int x = (int)REC("x socket", socket(family, SOCK_STREAM, 0));
  int y = (int)REC("y socket", socket(family, SOCK_STREAM, 0));
  REC("x SO_REUSEADDR", setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, 4));
  REC("y SO_REUSEADDR", setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, 4));
  REC("x bind", bind(x, (struct sockaddr*)&w, wl));
  socklen_t xl = sizeof(w);
  REC("x getsockname", getsockname(x, (struct sockaddr*)&w, &xl));
  REC("y bind same", bind(y, (struct sockaddr*)&w, xl));
  REC("x listen", listen(x, 4));
  REC("y listen", listen(y, 4));
  REC("close x", close(x));
  REC("close y", close(y));

  /* SO_REUSEPORT on both: both may listen. */
  int p = (int)REC("p socket", socket(family, SOCK_STREAM, 0));
  int q = (int)REC("q socket", socket(family, SOCK_STREAM, 0));
  REC("p SO_REUSEPORT", setsockopt(p, SOL_SOCKET, SO_REUSEPORT, &one, 4));
  REC("q SO_REUSEPORT", setsockopt(q, SOL_SOCKET, SO_REUSEPORT, &one, 4));
  wl = loopback(family, &w);
  REC("p bind", bind(p, (struct sockaddr*)&w, wl));
  xl = sizeof(w);
  REC("p getsockname", getsockname(p, (struct sockaddr*)&w, &xl));
  REC("q bind same", bind(q, (struct sockaddr*)&w, xl));
  REC("p listen", listen(p, 4));
  REC("q listen", listen(q, 4));
  REC("close p", close(p));
  REC("close q", close(q));

  /* UDP */
  struct sockaddr_storage ua;
  socklen_t ual;
  int u = make_server("udp", family, SOCK_DGRAM, &ua, &ual);
  int u2 = (int)REC("udp2 socket", socket(family, SOCK_DGRAM, 0));
  REC("udp2 bind same", bind(u2, (struct sockaddr*)&ua, ual));
  REC("udp2 bind again other port", bind(u2, (struct sockaddr*)&w, wl));
  REC("close udp2", close(u2));
  REC("close udp", close(u));

  /* The wildcard address of the other family: a dual-stack v6 wildcard
   * conflicts with a v4 socket on the same port. */
  int v4 = (int)REC("v4 socket", socket(AF_INET, SOCK_STREAM, 0));
  struct sockaddr_in any4 = {.sin_family = AF_INET};
  any4.sin_addr.s_addr = htonl(INADDR_ANY);
  REC("v4 bind any", bind(v4, (struct sockaddr*)&any4, sizeof(any4)));
  struct sockaddr_in got4;
  socklen_t g4l = sizeof(got4);
  REC("v4 getsockname", getsockname(v4, (struct sockaddr*)&got4, &g4l));
  struct sockaddr_in6 any6 = {.sin6_family = AF_INET6};
  any6.sin6_addr = in6addr_any;
  any6.sin6_port = got4.sin_port;
  int v6 = (int)REC("v6 socket", socket(AF_INET6, SOCK_STREAM, 0));
  REC("v6 bind any same port", bind(v6, (struct sockaddr*)&any6, sizeof(any6)));
  REC("v6 IPV6_V6ONLY", setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  REC("v6only bind any same port",
      bind(v6, (struct sockaddr*)&any6, sizeof(any6)));
  REC("close v6", close(v6));
  REC("close v4", close(v4));

  /* A connection occupying the port: the listener closed, the accepted
   * socket still holds it (no SO_REUSEADDR). */
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  REC("close listener", close(l));
  int l2 = (int)REC("relisten socket", socket(family, SOCK_STREAM, 0));
  REC("rebind while accepted alive", bind(l2, (struct sockaddr*)&a, al));
  REC("relisten SO_REUSEADDR",
      setsockopt(l2, SOL_SOCKET, SO_REUSEADDR, &one, 4));
  REC("rebind reuseaddr while accepted alive",
      bind(l2, (struct sockaddr*)&a, al));
  REC("relisten listen", listen(l2, 4));
  REC("close relisten", close(l2));
  REC("close c", close(c));
  REC("close acc", close(acc));
}
SCENARIO(addrinuse_v4) { addrinuse(AF_INET); }
SCENARIO(addrinuse_v6) { addrinuse(AF_INET6); }

/* ---- EADDRNOTAVAIL (bind only: no packet leaves for these addresses) ---- */

SCENARIO(addrnotavail) {
  int t = (int)REC("tcp4 socket", socket(AF_INET, SOCK_STREAM, 0));
  struct sockaddr_in a4 = {.sin_family = AF_INET};
  inet_pton(AF_INET, "192.0.2.1", &a4.sin_addr);
  REC("bind 192.0.2.1", bind(t, (struct sockaddr*)&a4, sizeof(a4)));
  int one = 1;
  REC("IP_FREEBIND", setsockopt(t, IPPROTO_IP, IP_FREEBIND, &one, 4));
  REC("bind 192.0.2.1 freebind", bind(t, (struct sockaddr*)&a4, sizeof(a4)));
  REC("close tcp4", close(t));
  int u = (int)REC("udp4 socket", socket(AF_INET, SOCK_DGRAM, 0));
  REC("udp bind 192.0.2.1", bind(u, (struct sockaddr*)&a4, sizeof(a4)));
  inet_pton(AF_INET, "224.0.0.1", &a4.sin_addr);
  REC("udp bind multicast 224.0.0.1",
      bind(u, (struct sockaddr*)&a4, sizeof(a4)));
  inet_pton(AF_INET, "255.255.255.255", &a4.sin_addr);
  REC("udp bind broadcast", bind(u, (struct sockaddr*)&a4, sizeof(a4)));
  REC("close udp4", close(u));

  int t6 = (int)REC("tcp6 socket", socket(AF_INET6, SOCK_STREAM, 0));
  struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
  inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
  REC("bind 2001:db8::1", bind(t6, (struct sockaddr*)&a6, sizeof(a6)));
  inet_pton(AF_INET6, "::ffff:192.0.2.1", &a6.sin6_addr);
  REC("bind v4-mapped 192.0.2.1", bind(t6, (struct sockaddr*)&a6, sizeof(a6)));
  inet_pton(AF_INET6, "fe80::1", &a6.sin6_addr);
  REC("bind link-local no scope", bind(t6, (struct sockaddr*)&a6, sizeof(a6)));
  a6.sin6_scope_id = 999;
  REC("bind link-local bad scope", bind(t6, (struct sockaddr*)&a6, sizeof(a6)));
  a6.sin6_scope_id = 0;
  REC("IPV6_V6ONLY", setsockopt(t6, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6.sin6_addr);
  REC("v6only bind v4-mapped loopback",
      bind(t6, (struct sockaddr*)&a6, sizeof(a6)));
  REC("close tcp6", close(t6));

  /* connect to port 0 */
  int c = (int)REC("tcp4 socket c", socket(AF_INET, SOCK_STREAM, 0));
  struct sockaddr_storage lo;
  socklen_t lol = loopback(AF_INET, &lo);
  REC("connect port 0", connect(c, (struct sockaddr*)&lo, lol));
  REC("close c", close(c));
  int c6 = (int)REC("tcp6 socket c", socket(AF_INET6, SOCK_STREAM, 0));
  lol = loopback(AF_INET6, &lo);
  REC("connect6 port 0", connect(c6, (struct sockaddr*)&lo, lol));
  REC("close c6", close(c6));
  int u6 = (int)REC("udp6 socket", socket(AF_INET6, SOCK_DGRAM, 0));
  REC("udp6 sendto port 0", sendto(u6, "x", 1, 0, (struct sockaddr*)&lo, lol));
  REC("close udp6", close(u6));
  int u4 = (int)REC("udp4 socket", socket(AF_INET, SOCK_DGRAM, 0));
  lol = loopback(AF_INET, &lo);
  REC("udp4 sendto port 0", sendto(u4, "x", 1, 0, (struct sockaddr*)&lo, lol));
  REC("close udp4 b", close(u4));
}

/* ---- EINPROGRESS, EALREADY, EISCONN ---- */

/* The listener's accept queue is full (backlog 0 holds one connection), so
 * the next client's SYN is dropped and its connect stays in progress until
 * the SYN is retransmitted after the queue drains. */
static void inprogress(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = (int)REC("listener socket", socket(family, SOCK_STREAM, 0));
  al = loopback(family, &a);
  REC("listener bind", bind(l, (struct sockaddr*)&a, al));
  REC("listen backlog 0", listen(l, 0));
  al = sizeof(a);
  REC("listener getsockname", getsockname(l, (struct sockaddr*)&a, &al));
  int c1 = (int)REC("c1 socket", socket(family, SOCK_STREAM, 0));
  REC("c1 connect (fills the queue)", connect(c1, (struct sockaddr*)&a, al));
  wait_for(l, POLLIN, 2000);

  int c = (int)REC("c socket nonblock",
                   socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REC("connect", connect(c, (struct sockaddr*)&a, al));
  REC("connect again", connect(c, (struct sockaddr*)&a, al));
  REC("connect third", connect(c, (struct sockaddr*)&a, al));
  REC("connect in progress len 2", connect(c, (struct sockaddr*)&a, 2));
  REC("connect in progress AF_UNIX",
      connect(
          c, (struct sockaddr*)&(struct sockaddr_storage){.ss_family = AF_UNIX},
          sizeof(struct sockaddr_storage)));
  REC("send while connecting", send(c, "x", 1, MSG_NOSIGNAL));
  REC("recv while connecting", recv(c, (char[4]){0}, 4, 0));
  struct sockaddr_storage p;
  socklen_t pl = sizeof(p);
  REC("getpeername while connecting",
      getpeername(c, (struct sockaddr*)&p, &pl));
  REC("listen while connecting", listen(c, 1));
  so_error("SO_ERROR while connecting", c);
  note_revents("poll while connecting", wait_for(c, POLLOUT, 0));
  /* A blocking client with a send timeout: connect gives up with
   * EINPROGRESS when the timeout expires. */
  int bt = (int)REC("bt socket", socket(family, SOCK_STREAM, 0));
  struct timeval tv = {0, 200000};
  REC("bt SO_SNDTIMEO",
      setsockopt(bt, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
  REC("bt connect (times out)", connect(bt, (struct sockaddr*)&a, al));
  REC("bt connect again", connect(bt, (struct sockaddr*)&a, al));

  REC("close bt (still connecting)", close(bt));

  int a1 = (int)REC("accept c1", accept(l, NULL, NULL));
  int rev = wait_for(c, POLLOUT, 8000);
  note_revents("poll after accept", rev);
  so_error("SO_ERROR connected", c);
  REC("connect after completion", connect(c, (struct sockaddr*)&a, al));
  REC("connect once more", connect(c, (struct sockaddr*)&a, al));
  REC("connect once more len 2", connect(c, (struct sockaddr*)&a, 2));
  REC("connect once more len 0", connect(c, (struct sockaddr*)&a, 0));
  REC("c1 connect again", connect(c1, (struct sockaddr*)&a, al));
  REC("bind connected", bind(c, (struct sockaddr*)&a, al));
  REC("listen connected", listen(c, 1));
  int a2 = (int)REC("accept c", accept(l, NULL, NULL));
  REC("accepted connect", connect(a2, (struct sockaddr*)&a, al));
  REC("accepted connect len 2", connect(a2, (struct sockaddr*)&a, 2));
  REC("accepted connect AF_UNIX",
      connect(
          a2,
          (struct sockaddr*)&(struct sockaddr_storage){.ss_family = AF_UNIX},
          sizeof(struct sockaddr_storage)));
  REC("accepted listen", listen(a2, 1));
  REC("accepted bind", bind(a2, (struct sockaddr*)&a, al));
  REC("connect listener", connect(l, (struct sockaddr*)&a, al));
  REC("close a2", close(a2));
  REC("close a1", close(a1));
  REC("close c", close(c));
  REC("close c1", close(c1));
  REC("close l", close(l));

  /* UDP: connect twice is fine; AF_UNSPEC dissolves. */
  int u = (int)REC("udp socket", socket(family, SOCK_DGRAM, 0));
  REC("udp connect", connect(u, (struct sockaddr*)&a, al));
  REC("udp connect again", connect(u, (struct sockaddr*)&a, al));
  struct sockaddr un = {.sa_family = AF_UNSPEC};
  REC("udp connect AF_UNSPEC", connect(u, &un, sizeof(un)));
  REC("udp getpeername after unspec",
      getpeername(u, (struct sockaddr*)&p, &pl));
  REC("close udp", close(u));
}
SCENARIO(inprogress_v4) { inprogress(AF_INET); }
SCENARIO(inprogress_v6) { inprogress(AF_INET6); }

/* ---- ENOTCONN, EDESTADDRREQ, EPIPE on never-connected sockets ---- */

static void notconn(int family) {
  st_count_signal(SIGPIPE, 0);
  char b[8];
  struct sockaddr_storage p;
  socklen_t pl = sizeof(p);
  int t = (int)REC("tcp socket", socket(family, SOCK_STREAM, 0));
  REC("tcp recv", recv(t, b, sizeof(b), 0));
  REC("tcp recv DONTWAIT", recv(t, b, sizeof(b), MSG_DONTWAIT));
  REC("tcp read", read(t, b, sizeof(b)));
  REC("tcp send", send(t, "x", 1, 0));
  note_signals("after tcp send");
  REC("tcp send NOSIGNAL", send(t, "x", 1, MSG_NOSIGNAL));
  REC("tcp write", write(t, "x", 1));
  note_signals("after tcp write");
  REC("tcp getpeername", getpeername(t, (struct sockaddr*)&p, &pl));
  REC("tcp shutdown RD", shutdown(t, SHUT_RD));
  REC("tcp shutdown WR", shutdown(t, SHUT_WR));
  REC("tcp shutdown RDWR", shutdown(t, SHUT_RDWR));
  struct msghdr m = {0};
  struct iovec iov = {b, sizeof(b)};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  REC("tcp recvmsg", recvmsg(t, &m, 0));
  REC("tcp sendmsg NOSIGNAL", sendmsg(t, &m, MSG_NOSIGNAL));
  REC("tcp recv OOB", recv(t, b, sizeof(b), MSG_OOB));
  REC("tcp send OOB", send(t, "x", 1, MSG_OOB | MSG_NOSIGNAL));
  int v = -1;
  REC("tcp SIOCATMARK", ioctl(t, SIOCATMARK, &v));
  note("SIOCATMARK: %d", v);
  REC("tcp FIONREAD", ioctl(t, FIONREAD, &v));
  note("FIONREAD: %d", v);
  REC("tcp SIOCOUTQ", ioctl(t, SIOCOUTQ, &v));
  note("SIOCOUTQ: %d", v);

  /* A listening socket is not connected either. */
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  REC("listener recv", recv(l, b, sizeof(b), MSG_DONTWAIT));
  REC("listener send NOSIGNAL", send(l, "x", 1, MSG_NOSIGNAL));
  REC("listener getpeername", getpeername(l, (struct sockaddr*)&p, &pl));
  REC("listener FIONREAD", ioctl(l, FIONREAD, &v));
  REC("listener shutdown WR", shutdown(l, SHUT_WR));
  REC("listener shutdown RDWR", shutdown(l, SHUT_RDWR));
  REC("listener accept after shutdown", accept(l, NULL, NULL));
  REC("close listener", close(l));

  int u = (int)REC("udp socket", socket(family, SOCK_DGRAM, 0));
  REC("udp send", send(u, "x", 1, 0));
  REC("udp write", write(u, "x", 1));
  REC("udp sendto NULL addr", sendto(u, "x", 1, 0, NULL, 0));
  m.msg_name = NULL;
  m.msg_namelen = 0;
  REC("udp sendmsg no name", sendmsg(u, &m, 0));
  REC("udp recv DONTWAIT", recv(u, b, sizeof(b), MSG_DONTWAIT));
  REC("udp getpeername", getpeername(u, (struct sockaddr*)&p, &pl));
  REC("udp shutdown RD", shutdown(u, SHUT_RD));
  REC("udp recv after shutdown RD", recv(u, b, sizeof(b), MSG_DONTWAIT));
  REC("udp shutdown WR", shutdown(u, SHUT_WR));
  REC("udp send after shutdown WR",
      sendto(u, "x", 1, MSG_NOSIGNAL, (struct sockaddr*)&a, al));
  note_signals("after udp");
  REC("close udp", close(u));
  REC("close tcp", close(t));
}
SCENARIO(notconn_v4) { notconn(AF_INET); }
SCENARIO(notconn_v6) { notconn(AF_INET6); }

/* ---- EAGAIN / EWOULDBLOCK ---- */

static void eagain(int family) {
  char b[64];
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  REC("listener O_NONBLOCK", fcntl(l, F_SETFL, O_NONBLOCK));
  REC("accept nonblock empty", accept(l, NULL, NULL));
  REC("accept4 nonblock empty", accept4(l, NULL, NULL, SOCK_CLOEXEC));
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  REC("recv DONTWAIT empty", recv(c, b, sizeof(b), MSG_DONTWAIT));
  REC("recvfrom DONTWAIT empty",
      recvfrom(c, b, sizeof(b), MSG_DONTWAIT, NULL, NULL));
  struct iovec iov = {b, sizeof(b)};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  REC("recvmsg DONTWAIT empty", recvmsg(c, &m, MSG_DONTWAIT));
  int one = 1;
  REC("FIONBIO on", ioctl(c, FIONBIO, &one));
  REC("recv nonblock empty", recv(c, b, sizeof(b), 0));
  REC("read nonblock empty", read(c, b, sizeof(b)));
  REC("readv nonblock empty", readv(c, &iov, 1));
  REC("recv OOB none", recv(c, b, sizeof(b), MSG_OOB));
  REC("recv PEEK nonblock empty", recv(c, b, sizeof(b), MSG_PEEK));

  /* Fill: the peer never reads. A small send buffer keeps this short. */
  int sz = 4096;
  REC("SO_SNDBUF 4096", setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, 4));
  REC("peer SO_RCVBUF 4096", setsockopt(acc, SOL_SOCKET, SO_RCVBUF, &sz, 4));
  static char chunk[16384];
  memset(chunk, 'z', sizeof(chunk));
  int reached = 0;
  int err = 0;
  for (int i = 0; i < 4000; ++i) {
    ssize_t r = send(c, chunk, sizeof(chunk), MSG_NOSIGNAL);
    if (r < 0) {
      err = errno;
      reached = 1;
      break;
    }
  }
  note("fill: stopped %s with %s", reached ? "yes" : "no", st_errname(err));
  REC("send full", send(c, "x", 1, MSG_NOSIGNAL));
  REC("write full", write(c, "x", 1));
  REC("sendmsg full", sendmsg(c, &m, MSG_NOSIGNAL));
  REC("send full DONTWAIT", send(c, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
  note("EAGAIN == EWOULDBLOCK: %d", EAGAIN == EWOULDBLOCK);
  REC("close c", close(c));
  REC("close acc", close(acc));
  REC("close l", close(l));

  int u = make_server("udp", family, SOCK_DGRAM, &a, &al);
  REC("udp recv DONTWAIT", recv(u, b, sizeof(b), MSG_DONTWAIT));
  REC("udp O_NONBLOCK", fcntl(u, F_SETFL, O_NONBLOCK));
  REC("udp recvfrom nonblock", recvfrom(u, b, sizeof(b), 0, NULL, NULL));
  struct mmsghdr mm = {0};
  mm.msg_hdr.msg_iov = &iov;
  mm.msg_hdr.msg_iovlen = 1;
  REC("udp recvmmsg nonblock", recvmmsg(u, &mm, 1, 0, NULL));
  REC("close udp", close(u));
}
SCENARIO(eagain_v4) { eagain(AF_INET); }
SCENARIO(eagain_v6) { eagain(AF_INET6); }

/* ---- ETIMEDOUT-like: SO_RCVTIMEO / SO_SNDTIMEO give EAGAIN ---- */

static void timeouts(int family) {
  char b[64];
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  struct timeval tv = {0, 100000};
  REC("listener SO_RCVTIMEO",
      setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
  REC("accept times out", accept(l, NULL, NULL));
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  REC("SO_RCVTIMEO", setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
  REC("recv times out", recv(c, b, sizeof(b), 0));
  REC("read times out", read(c, b, sizeof(b)));
  struct iovec iov = {b, sizeof(b)};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  REC("recvmsg times out", recvmsg(c, &m, 0));
  REC("peer send", send(acc, "abc", 3, 0));
  long n = REC("recv with data", recv(c, b, sizeof(b), MSG_WAITALL));
  note("recv with data: %ld bytes", n);

  int sz = 4096;
  REC("SO_SNDBUF", setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, 4));
  REC("peer SO_RCVBUF", setsockopt(acc, SOL_SOCKET, SO_RCVBUF, &sz, 4));
  REC("SO_SNDTIMEO", setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
  static char chunk[8192];
  /* Blocking sends until one times out with nothing sent (a partial send
   * on timeout returns the count, so its number is not recorded). */
  int eagain = 0;
  for (int i = 0; i < 2000 && !eagain; ++i) {
    ssize_t r = send(c, chunk, sizeof(chunk), MSG_NOSIGNAL);
    if (r < 0 && errno == EAGAIN) eagain = 1;
  }
  note("send timeout: EAGAIN %d", eagain);
  REC("send after timeout", send(c, "x", 1, MSG_NOSIGNAL));
  REC("close c", close(c));
  REC("close acc", close(acc));
  REC("close l", close(l));

  int u = make_server("udp", family, SOCK_DGRAM, &a, &al);
  REC("udp SO_RCVTIMEO",
      setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
  REC("udp recvfrom times out", recvfrom(u, b, sizeof(b), 0, NULL, NULL));
  struct mmsghdr mm = {0};
  mm.msg_hdr.msg_iov = &iov;
  mm.msg_hdr.msg_iovlen = 1;
  REC("udp recvmmsg times out", recvmmsg(u, &mm, 1, 0, NULL));
  REC("close udp", close(u));
}
SCENARIO(timeouts_v4) { timeouts(AF_INET); }
SCENARIO(timeouts_v6) { timeouts(AF_INET6); }

/* ---- ETIMEDOUT via TCP_USER_TIMEOUT ----
 * The peer stops reading: both windows fill, the sender's zero-window
 * probes go unanswered with an open window, and TCP_USER_TIMEOUT aborts
 * the connection with ETIMEDOUT. */
static void user_timeout(int family) {
  st_count_signal(SIGPIPE, 0);
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  int ms = 600;
  REC("TCP_USER_TIMEOUT", setsockopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, 4));
  int got = 0;
  socklen_t gl = sizeof(got);
  REC("get TCP_USER_TIMEOUT",
      getsockopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT, &got, &gl));
  note("TCP_USER_TIMEOUT: %d", got);
  int sz = 4096;
  REC("peer SO_RCVBUF", setsockopt(acc, SOL_SOCKET, SO_RCVBUF, &sz, 4));
  REC("O_NONBLOCK", fcntl(c, F_SETFL, O_NONBLOCK));
  static char chunk[16384];
  int full = 0;
  for (int i = 0; i < 4000 && !full; ++i) {
    ssize_t r = send(c, chunk, sizeof(chunk), MSG_NOSIGNAL);
    if (r < 0 && errno == EAGAIN) full = 1;
  }
  note("filled: %d", full);
  /* Wait for the abort: POLLERR within a few seconds. */
  int rev = 0;
  double t0 = now_s();
  while (now_s() - t0 < 10.0 && !(rev & POLLERR)) rev = wait_for(c, 0, 500);
  note("aborted: %s", (rev & POLLERR) ? "yes" : "no");
  note_revents("poll", rev & (POLLERR | POLLHUP));
  REC("send after abort", send(c, "x", 1, MSG_NOSIGNAL));
  REC("send again", send(c, "x", 1, 0));
  note_signals("after sends");
  REC("recv after abort", recv(c, (char[4]){0}, 4, 0));
  so_error("SO_ERROR", c);
  REC("close c", close(c));
  REC("close acc", close(acc));
  REC("close l", close(l));
}
SCENARIO(user_timeout_v4) { user_timeout(AF_INET); }
SCENARIO(user_timeout_v6) { user_timeout(AF_INET6); }

/* ---- ECONNRESET ---- */

static void reset(int family) {
  st_count_signal(SIGPIPE, 0);
  char b[64];
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  struct linger lg = {1, 0};

  /* 1: peer aborts (linger 0); recv sees ECONNRESET once, then EOF. */
  int acc;
  int c = make_pair("p1", l, family, &a, al, &acc);
  REC("peer linger 0", setsockopt(acc, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC("peer close", close(acc));
  note_revents("poll",
               wait_for(c, POLLIN, 5000) & (POLLIN | POLLERR | POLLHUP));
  REC("recv", recv(c, b, sizeof(b), 0));
  REC("recv again", recv(c, b, sizeof(b), 0));
  REC("send", send(c, "x", 1, 0));
  note_signals("p1 after send");
  struct sockaddr_storage p;
  socklen_t pl = sizeof(p);
  REC("getpeername", getpeername(c, (struct sockaddr*)&p, &pl));
  REC("shutdown", shutdown(c, SHUT_RDWR));
  REC("close", close(c));

  /* 2: SO_ERROR reads and clears the error first. */
  c = make_pair("p2", l, family, &a, al, &acc);
  REC("peer linger 0", setsockopt(acc, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC("peer close", close(acc));
  wait_for(c, POLLIN, 5000);
  so_error("SO_ERROR", c);
  REC("recv after SO_ERROR", recv(c, b, sizeof(b), 0));
  REC("close", close(c));

  /* 3: send first: EPIPE? No: the pending error comes out of send. */
  c = make_pair("p3", l, family, &a, al, &acc);
  REC("peer linger 0", setsockopt(acc, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC("peer close", close(acc));
  wait_for(c, POLLIN, 5000);
  REC("send", send(c, "x", 1, 0));
  REC("send again", send(c, "x", 1, MSG_NOSIGNAL));
  note_signals("p3 after send");
  REC("recv", recv(c, b, sizeof(b), 0));
  REC("close", close(c));

  /* 4: peer closes with unread data: RST. */
  c = make_pair("p4", l, family, &a, al, &acc);
  REC("send to peer", send(c, "unread", 6, 0));
  wait_for(acc, POLLIN, 5000);
  REC("peer close with unread data", close(acc));
  wait_for(c, POLLIN, 5000);
  REC("recv", recv(c, b, sizeof(b), 0));
  REC("recv again", recv(c, b, sizeof(b), 0));
  REC("close", close(c));

  /* 5: reset while still in the accept queue: accept returns it, and the
   * accepted socket reports the reset. */
  int c5 = (int)REC("p5 socket", socket(family, SOCK_STREAM, 0));
  REC("p5 connect", connect(c5, (struct sockaddr*)&a, al));
  REC("p5 linger 0", setsockopt(c5, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC("p5 close", close(c5));
  usleep(100000);
  int a5 = (int)REC("p5 accept", accept(l, NULL, NULL));
  if (a5 >= 0) {
    REC("p5 recv", recv(a5, b, sizeof(b), 0));
    REC("p5 recv again", recv(a5, b, sizeof(b), 0));
    pl = sizeof(p);
    REC("p5 getpeername", getpeername(a5, (struct sockaddr*)&p, &pl));
    REC("p5 close accepted", close(a5));
  }

  /* 6: SHUT_RD on the peer then data arrives: Linux keeps accepting. */
  c = make_pair("p6", l, family, &a, al, &acc);
  REC("peer shutdown RD", shutdown(acc, SHUT_RD));
  REC("send after peer SHUT_RD", send(c, "abc", 3, 0));
  wait_for(acc, POLLIN, 2000);
  long n =
      REC("peer recv after SHUT_RD", recv(acc, b, sizeof(b), MSG_DONTWAIT));
  note("peer recv after SHUT_RD: %ld", n);
  REC("close", close(c));
  REC("close peer", close(acc));
  note_signals("end of reset");
  REC("close l", close(l));
}
SCENARIO(reset_v4) { reset(AF_INET); }
SCENARIO(reset_v6) { reset(AF_INET6); }

/* ---- socket(): EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EINVAL ---- */

SCENARIO(socket_args) {
  static const struct {
    const char* name;
    int family, type, proto;
  } k[] = {
      {"inet stream 0", AF_INET, SOCK_STREAM, 0},
      {"inet stream tcp", AF_INET, SOCK_STREAM, IPPROTO_TCP},
      {"inet stream udp", AF_INET, SOCK_STREAM, IPPROTO_UDP},
      {"inet stream sctp-ish 132", AF_INET, SOCK_STREAM, 132},
      {"inet stream 200", AF_INET, SOCK_STREAM, 200},
      {"inet stream -1", AF_INET, SOCK_STREAM, -1},
      {"inet stream 256", AF_INET, SOCK_STREAM, 256},
      {"inet dgram 0", AF_INET, SOCK_DGRAM, 0},
      {"inet dgram udp", AF_INET, SOCK_DGRAM, IPPROTO_UDP},
      {"inet dgram tcp", AF_INET, SOCK_DGRAM, IPPROTO_TCP},
      {"inet dgram 200", AF_INET, SOCK_DGRAM, 200},
      {"inet seqpacket 0", AF_INET, SOCK_SEQPACKET, 0},
      {"inet rdm 0", AF_INET, SOCK_RDM, 0},
      {"inet type 7", AF_INET, 7, 0},
      {"inet type 11", AF_INET, 11, 0},
      {"inet type 0", AF_INET, 0, 0},
      {"inet type -1", AF_INET, -1, 0},
      {"inet stream|NONBLOCK|CLOEXEC", AF_INET,
       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0},
      {"inet stream|0x100", AF_INET, SOCK_STREAM | 0x100, 0},
      {"inet6 stream 0", AF_INET6, SOCK_STREAM, 0},
      {"inet6 stream udp", AF_INET6, SOCK_STREAM, IPPROTO_UDP},
      {"inet6 dgram tcp", AF_INET6, SOCK_DGRAM, IPPROTO_TCP},
      {"inet6 dgram 200", AF_INET6, SOCK_DGRAM, 200},
      {"inet6 seqpacket 0", AF_INET6, SOCK_SEQPACKET, 0},
      {"inet6 rdm 0", AF_INET6, SOCK_RDM, 0},
      {"inet6 type 0", AF_INET6, 0, 0},
      {"family -1", -1, SOCK_STREAM, 0},
      {"family 46 (AF_MAX)", 46, SOCK_STREAM, 0},
      {"family 255", 255, SOCK_STREAM, 0},
      {"family AF_UNSPEC", AF_UNSPEC, SOCK_STREAM, 0},
      {"family AF_IPX (4)", 4, SOCK_DGRAM, 0},
      {"family AF_APPLETALK (5)", 5, SOCK_DGRAM, 0},
  };
  for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); ++i) {
    int fd = (int)REC(k[i].name, socket(k[i].family, k[i].type, k[i].proto));
    if (fd >= 0) {
      int v = -1;
      socklen_t vl = sizeof(v);
      getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &vl);
      note("%s: protocol %d", k[i].name, v);
      close(fd);
    }
  }
  int sv[2];
  REC("socketpair inet stream", socketpair(AF_INET, SOCK_STREAM, 0, sv));
  REC("socketpair inet6 dgram", socketpair(AF_INET6, SOCK_DGRAM, 0, sv));
}

/* ---- EAFNOSUPPORT and EINVAL from addresses, per call ---- */

static void addr_errors(int family) {
  char l[96];
  int other = family == AF_INET ? AF_INET6 : AF_INET;
  struct sockaddr_storage mine, theirs, a;
  socklen_t ml = loopback(family, &mine);
  socklen_t tl = loopback(other, &theirs);
  socklen_t al;
  int srv = make_server("server", family, SOCK_STREAM, &a, &al);
  struct sockaddr_storage uns;
  memset(&uns, 0, sizeof(uns));
  uns.ss_family = AF_UNIX;
  struct sockaddr_storage unspec = mine;
  unspec.ss_family = AF_UNSPEC;

  int t = (int)REC("tcp socket", socket(family, SOCK_STREAM, 0));
  lbl(l, sizeof(l), "bind other family", family);
  REC(l, bind(t, (struct sockaddr*)&theirs, tl > ml ? tl : ml));
  REC("bind AF_UNIX", bind(t, (struct sockaddr*)&uns, ml));
  REC("bind AF_UNSPEC loopback", bind(t, (struct sockaddr*)&unspec, ml));
  REC("connect other family",
      connect(t, (struct sockaddr*)&theirs, tl > ml ? tl : ml));
  REC("connect AF_UNIX", connect(t, (struct sockaddr*)&uns, ml));
  REC("connect short len", connect(t, (struct sockaddr*)&a, al - 1));
  REC("connect len 2", connect(t, (struct sockaddr*)&a, 2));
  REC("bind short len", bind(t, (struct sockaddr*)&mine, ml - 1));
  REC("bind len 0", bind(t, (struct sockaddr*)&mine, 0));
  REC("bind ok", bind(t, (struct sockaddr*)&mine, ml));
  REC("bind twice", bind(t, (struct sockaddr*)&mine, ml));
  REC("listen", listen(t, 1));
  REC("bind after listen", bind(t, (struct sockaddr*)&mine, ml));
  REC("close tcp", close(t));

  int u = (int)REC("udp socket", socket(family, SOCK_DGRAM, 0));
  REC("udp sendto other family",
      sendto(u, "x", 1, 0, (struct sockaddr*)&theirs, tl > ml ? tl : ml));
  REC("udp sendto AF_UNIX", sendto(u, "x", 1, 0, (struct sockaddr*)&uns, ml));
  REC("udp sendto short len",
      sendto(u, "x", 1, 0, (struct sockaddr*)&a, al - 1));
  REC("udp connect other family",
      connect(u, (struct sockaddr*)&theirs, tl > ml ? tl : ml));
  REC("udp connect AF_UNIX", connect(u, (struct sockaddr*)&uns, ml));
  REC("udp connect AF_UNSPEC short", connect(u, (struct sockaddr*)&unspec, 1));
  REC("udp connect len 0", connect(u, (struct sockaddr*)&a, 0));
  struct iovec iov = {(void*)"x", 1};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_name = &theirs;
  m.msg_namelen = tl > ml ? tl : ml;
  REC("udp sendmsg other family", sendmsg(u, &m, 0));
  m.msg_name = &a;
  m.msg_namelen = al - 1;
  REC("udp sendmsg short name", sendmsg(u, &m, 0));
  m.msg_name = BAD;
  m.msg_namelen = al;
  REC("udp sendmsg bad name", sendmsg(u, &m, 0));
  REC("close udp", close(u));
  REC("close server", close(srv));
}
SCENARIO(addr_errors_v4) { addr_errors(AF_INET); }
SCENARIO(addr_errors_v6) { addr_errors(AF_INET6); }

/* ---- EOPNOTSUPP, EINVAL from operations that do not apply ---- */

static void opnotsupp(int family) {
  char b[16];
  struct sockaddr_storage a;
  socklen_t al;
  int u = make_server("udp", family, SOCK_DGRAM, &a, &al);
  REC("udp listen", listen(u, 1));
  REC("udp accept", accept(u, NULL, NULL));
  REC("udp accept4", accept4(u, NULL, NULL, SOCK_NONBLOCK));
  REC("udp recv OOB", recv(u, b, sizeof(b), MSG_OOB | MSG_DONTWAIT));
  REC("udp sendto OOB", sendto(u, "x", 1, MSG_OOB, (struct sockaddr*)&a, al));
  REC("udp recv ERRQUEUE empty", recv(u, b, sizeof(b), MSG_ERRQUEUE));
  int v = -1;
  REC("udp SIOCATMARK", ioctl(u, SIOCATMARK, &v));
  REC("udp FIONREAD empty", ioctl(u, FIONREAD, &v));
  note("udp FIONREAD: %d", v);
  REC("udp shutdown 3", shutdown(u, 3));
  REC("udp shutdown -1", shutdown(u, -1));

  int l = make_server("tcp", family, SOCK_STREAM, &a, &al);
  REC("tcp listen again", listen(l, 5));
  REC("tcp listen -1 backlog", listen(l, -1));
  REC("accept4 bad flags", accept4(l, NULL, NULL, 0x40));
  REC("accept4 O_NONBLOCK-ish flag 1", accept4(l, NULL, NULL, 1));
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  REC("recv OOB none", recv(c, b, sizeof(b), MSG_OOB | MSG_DONTWAIT));
  REC("send OOB", send(acc, "!", 1, MSG_OOB));
  wait_for(c, POLLPRI, 2000);
  REC("recv OOB", recv(c, b, sizeof(b), MSG_OOB));
  note("oob byte %c", b[0]);
  REC("recv OOB twice", recv(c, b, sizeof(b), MSG_OOB | MSG_DONTWAIT));
  REC("recv OOB PEEK",
      recv(c, b, sizeof(b), MSG_OOB | MSG_PEEK | MSG_DONTWAIT));
  int on = 1;
  REC("SO_OOBINLINE", setsockopt(c, SOL_SOCKET, SO_OOBINLINE, &on, 4));
  REC("send OOB 2", send(acc, "?", 1, MSG_OOB));
  wait_for(c, POLLIN, 2000);
  REC("recv OOB inline", recv(c, b, sizeof(b), MSG_OOB | MSG_DONTWAIT));
  REC("recv ERRQUEUE tcp", recv(c, b, sizeof(b), MSG_ERRQUEUE));
  REC("tcp shutdown 3", shutdown(c, 3));
  REC("sendto with addr connected",
      sendto(c, "x", 1, MSG_NOSIGNAL, (struct sockaddr*)&a, al));
  REC("listen accepted", listen(acc, 1));
  REC("accept on accepted", accept(acc, NULL, NULL));
  REC("send MSG_FASTOPEN connected",
      send(c, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL));
  REC("close c", close(c));
  REC("close acc", close(acc));
  REC("close l", close(l));
  REC("close u", close(u));
}
SCENARIO(opnotsupp_v4) { opnotsupp(AF_INET); }
SCENARIO(opnotsupp_v6) { opnotsupp(AF_INET6); }

/* ---- EBADF and ENOTSOCK in every socket call ---- */

static void every_call(const char* what, int fd) {
  char l[128];
  char b[16];
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  struct sockaddr_storage lo;
  socklen_t lol = loopback(AF_INET, &lo);
  struct iovec iov = {b, sizeof(b)};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  struct mmsghdr mm = {0};
  mm.msg_hdr = m;
  int v = 1;
  socklen_t vl = sizeof(v);
#define CALL(name, call)                         \
  do {                                           \
    snprintf(l, sizeof(l), "%s %s", what, name); \
    REC(l, call);                                \
  } while (0)
  CALL("bind", bind(fd, (struct sockaddr*)&lo, lol));
  CALL("connect", connect(fd, (struct sockaddr*)&lo, lol));
  CALL("listen", listen(fd, 1));
  CALL("accept", accept(fd, NULL, NULL));
  CALL("accept4", accept4(fd, NULL, NULL, SOCK_CLOEXEC));
  CALL("getsockname", getsockname(fd, (struct sockaddr*)&ss, &sl));
  CALL("getpeername", getpeername(fd, (struct sockaddr*)&ss, &sl));
  CALL("send", send(fd, "x", 1, MSG_DONTWAIT));
  CALL("sendto", sendto(fd, "x", 1, MSG_DONTWAIT, (struct sockaddr*)&lo, lol));
  CALL("sendmsg", sendmsg(fd, &m, MSG_DONTWAIT));
  CALL("sendmmsg", sendmmsg(fd, &mm, 1, MSG_DONTWAIT));
  CALL("recv", recv(fd, b, sizeof(b), MSG_DONTWAIT));
  CALL("recvfrom", recvfrom(fd, b, sizeof(b), MSG_DONTWAIT, NULL, NULL));
  CALL("recvmsg", recvmsg(fd, &m, MSG_DONTWAIT));
  CALL("recvmmsg", recvmmsg(fd, &mm, 1, MSG_DONTWAIT, NULL));
  CALL("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl));
  CALL("setsockopt", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, 4));
  CALL("getsockopt bad level", getsockopt(fd, 12345, 1, &v, &vl));
  CALL("shutdown", shutdown(fd, SHUT_RDWR));
  CALL("shutdown bad how", shutdown(fd, 9));
  CALL("ioctl FIONREAD", ioctl(fd, FIONREAD, &v));
  CALL("ioctl SIOCATMARK", ioctl(fd, SIOCATMARK, &v));
#undef CALL
}

SCENARIO(badf_notsock) {
  int s = (int)REC("socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("close", close(s));
  every_call("closed", s);
  every_call("fd -1", -1);
  every_call("fd 4096", 4096);
  int p[2];
  REC("pipe", pipe2(p, O_NONBLOCK));
  every_call("pipe", p[0]);
  int f = (int)REC("open /dev/null", open("/dev/null", O_RDWR));
  every_call("devnull", f);
  int d = (int)REC("open dir", open("/", O_RDONLY | O_DIRECTORY));
  every_call("dir", d);
  int o = (int)REC("open O_PATH", open("/dev/null", O_PATH));
  every_call("opath", o);
  REC("close opath", close(o));
  REC("close dir", close(d));
  REC("close devnull", close(f));
  REC("close pipe r", close(p[0]));
  REC("close pipe w", close(p[1]));
  int sv[2];
  REC("socketpair unix", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  int v = 1;
  REC("unix setsockopt TCP_NODELAY",
      setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &v, 4));
  REC("unix ioctl SIOCATMARK", ioctl(sv[0], SIOCATMARK, &v));
  REC("close sv0", close(sv[0]));
  REC("close sv1", close(sv[1]));
}

/* ---- EFAULT in the IPv6 calls and the *mmsg calls ---- */

SCENARIO(efault_v6) {
  signal(SIGPIPE, SIG_IGN);
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", AF_INET6, SOCK_STREAM, &a, &al);
  int t = (int)REC("socket", socket(AF_INET6, SOCK_STREAM, 0));
  REC("bind bad addr", bind(t, BAD, sizeof(struct sockaddr_in6)));
  REC("connect bad addr", connect(t, BAD, sizeof(struct sockaddr_in6)));
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  REC("getsockname bad len ptr", getsockname(t, (struct sockaddr*)&ss, BAD));
  REC("getsockname bad addr", getsockname(t, BAD, &sl));
  REC("connect", connect(t, (struct sockaddr*)&a, al));
  sl = sizeof(ss);
  REC("getpeername bad addr", getpeername(t, BAD, &sl));
  REC("getpeername bad len ptr", getpeername(t, (struct sockaddr*)&ss, BAD));
  sl = 4;
  REC("getpeername short", getpeername(t, (struct sockaddr*)&ss, &sl));
  note("getpeername short: len %u family %d", (unsigned)sl, ss.ss_family);
  int acc = (int)REC("accept", accept(l, NULL, NULL));
  REC("send bad buf", send(t, BAD, 4, 0));
  REC("sendmmsg bad vec", sendmmsg(t, BAD, 1, 0));
  REC("recvmmsg bad vec", recvmmsg(acc, BAD, 1, MSG_DONTWAIT, NULL));
  REC("send data", send(t, "data", 4, 0));
  wait_for(acc, POLLIN, 2000);
  char b[16];
  struct iovec iov = {b, sizeof(b)};
  struct mmsghdr mm = {0};
  mm.msg_hdr.msg_iov = &iov;
  mm.msg_hdr.msg_iovlen = 1;
  REC("recvmmsg bad timeout", recvmmsg(acc, &mm, 1, MSG_DONTWAIT, BAD));
  REC("recvmmsg", recvmmsg(acc, &mm, 1, MSG_DONTWAIT, NULL));
  note("recvmmsg: len %u", mm.msg_len);
  int c2 = (int)REC("c2 socket", socket(AF_INET6, SOCK_STREAM, 0));
  REC("c2 connect", connect(c2, (struct sockaddr*)&a, al));
  sl = sizeof(ss);
  REC("accept bad addr", accept(l, BAD, &sl));
  REC("close c2", close(c2));
  int u = (int)REC("udp socket", socket(AF_INET6, SOCK_DGRAM, 0));
  REC("udp sendto bad addr",
      sendto(u, "x", 1, 0, BAD, sizeof(struct sockaddr_in6)));
  REC("close udp", close(u));
  REC("close acc", close(acc));
  REC("close t", close(t));
  REC("close l", close(l));
}

/* ---- EMSGSIZE ---- */

static void msgsize(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = make_server("rcv", family, SOCK_DGRAM, &a, &al);
  int big = 4 << 20;
  REC("rcv SO_RCVBUF", setsockopt(r, SOL_SOCKET, SO_RCVBUF, &big, 4));
  int u = (int)REC("socket", socket(family, SOCK_DGRAM, 0));
  REC("SO_SNDBUF", setsockopt(u, SOL_SOCKET, SO_SNDBUF, &big, 4));
  static char buf[70000];
  size_t max = family == AF_INET ? 65507 : 65527;
  static const long deltas[] = {-1, 0, 1, 2, 100};
  for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); ++i) {
    char l[64];
    snprintf(l, sizeof(l), "sendto max%+ld", deltas[i]);
    REC(l, sendto(u, buf, max + deltas[i], 0, (struct sockaddr*)&a, al));
  }
  REC("sendto 70000", sendto(u, buf, sizeof(buf), 0, (struct sockaddr*)&a, al));
  struct iovec iov[2] = {{buf, 40000}, {buf, 40000}};
  struct msghdr m = {0};
  m.msg_name = &a;
  m.msg_namelen = al;
  m.msg_iov = iov;
  m.msg_iovlen = 2;
  REC("sendmsg 2x40000", sendmsg(u, &m, 0));
  REC("connect", connect(u, (struct sockaddr*)&a, al));
  REC("send max+1 connected", send(u, buf, max + 1, 0));
  REC("write max+1 connected", write(u, buf, max + 1));
  int pmtu = IP_PMTUDISC_DO;
  if (family == AF_INET) {
    REC("IP_MTU_DISCOVER DO",
        setsockopt(u, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, 4));
  } else {
    REC("IPV6_MTU_DISCOVER DO",
        setsockopt(u, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, 4));
  }
  int mtu = 0;
  socklen_t ml = sizeof(mtu);
  REC("get MTU", getsockopt(u, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                            family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &ml));
  note("MTU %d", mtu);
  REC("send max with DF", send(u, buf, max, 0));
  REC("send max+1 with DF", send(u, buf, max + 1, 0));
  int n = 0;
  for (int i = 0; i < 20; ++i) {
    char rb[70000 / 64];
    ssize_t got = recv(r, rb, sizeof(rb), MSG_DONTWAIT | MSG_TRUNC);
    if (got < 0) break;
    note("datagram %d: %zd", n++, got);
  }
  REC("close", close(u));
  REC("close rcv", close(r));
}
SCENARIO(msgsize_v4) { msgsize(AF_INET); }
SCENARIO(msgsize_v6) { msgsize(AF_INET6); }

/* ---- ENOBUFS: more IPv4 multicast memberships than igmp_max_memberships
 * (20), and ENODEV/EADDRNOTAVAIL neighbours from the same options ---- */

SCENARIO(enobufs_memberships) {
  int u = (int)REC("socket", socket(AF_INET, SOCK_DGRAM, 0));
  int joined = 0;
  for (int i = 0; i < 25; ++i) {
    struct ip_mreqn mr;
    memset(&mr, 0, sizeof(mr));
    char g[32];
    snprintf(g, sizeof(g), "239.1.2.%d", i + 1);
    inet_pton(AF_INET, g, &mr.imr_multiaddr);
    mr.imr_address.s_addr = htonl(INADDR_LOOPBACK);
    char l[64];
    snprintf(l, sizeof(l), "join %s", g);
    if (REC(l, setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr))) ==
        0) {
      ++joined;
    }
  }
  note("joined %d", joined);
  struct ip_mreq m1;
  inet_pton(AF_INET, "239.1.2.1", &m1.imr_multiaddr);
  m1.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
  REC("join twice",
      setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m1, sizeof(m1)));
  REC("drop", setsockopt(u, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m1, sizeof(m1)));
  REC("drop twice",
      setsockopt(u, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m1, sizeof(m1)));
  inet_pton(AF_INET, "10.0.0.1", &m1.imr_multiaddr);
  REC("join unicast group",
      setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m1, sizeof(m1)));
  inet_pton(AF_INET, "239.9.9.9", &m1.imr_multiaddr);
  inet_pton(AF_INET, "192.0.2.1", &m1.imr_interface);
  REC("join via non-local interface",
      setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m1, sizeof(m1)));
  REC("join short", setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m1, 4));
  REC("close", close(u));

  int u6 = (int)REC("socket6", socket(AF_INET6, SOCK_DGRAM, 0));
  struct ipv6_mreq m6;
  memset(&m6, 0, sizeof(m6));
  inet_pton(AF_INET6, "ff15::1", &m6.ipv6mr_multiaddr);
  m6.ipv6mr_interface = if_nametoindex("lo");
  REC("join6 lo",
      setsockopt(u6, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m6, sizeof(m6)));
  REC("join6 twice",
      setsockopt(u6, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m6, sizeof(m6)));
  REC("drop6",
      setsockopt(u6, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &m6, sizeof(m6)));
  REC("drop6 twice",
      setsockopt(u6, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &m6, sizeof(m6)));
  m6.ipv6mr_interface = 999;
  REC("join6 bad ifindex",
      setsockopt(u6, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m6, sizeof(m6)));
  inet_pton(AF_INET6, "2001:db8::1", &m6.ipv6mr_multiaddr);
  REC("join6 unicast",
      setsockopt(u6, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m6, sizeof(m6)));
  REC("close6", close(u6));
}

/* ---- ioctl: results and errors on each kind of socket ---- */

static void ioctls(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  int v = -1;
  REC("listener FIONREAD", ioctl(l, FIONREAD, &v));
  REC("listener SIOCOUTQ", ioctl(l, SIOCOUTQ, &v));
  REC("listener SIOCATMARK", ioctl(l, SIOCATMARK, &v));
  REC("send 5", send(acc, "hello", 5, 0));
  wait_for(c, POLLIN, 2000);
  v = -1;
  REC("FIONREAD", ioctl(c, FIONREAD, &v));
  note("FIONREAD: %d", v);
  v = -1;
  REC("SIOCINQ", ioctl(c, SIOCINQ, &v));
  note("SIOCINQ: %d", v);
  REC("send OOB", send(acc, "!", 1, MSG_OOB));
  wait_for(c, POLLPRI, 2000);
  v = -1;
  REC("SIOCATMARK before mark", ioctl(c, SIOCATMARK, &v));
  note("SIOCATMARK: %d", v);
  char b[16];
  REC("recv up to mark", recv(c, b, sizeof(b), 0));
  v = -1;
  REC("SIOCATMARK at mark", ioctl(c, SIOCATMARK, &v));
  note("SIOCATMARK: %d", v);
  REC("recv OOB", recv(c, b, 1, MSG_OOB));
  v = -1;
  REC("SIOCOUTQ", ioctl(c, SIOCOUTQ, &v));
  note("SIOCOUTQ: %d", v);
  int on = 1, off = 0;
  REC("FIONBIO on", ioctl(c, FIONBIO, &on));
  REC("recv nonblock", recv(c, b, sizeof(b), 0));
  note("F_GETFL O_NONBLOCK: %d", (fcntl(c, F_GETFL) & O_NONBLOCK) != 0);
  REC("FIONBIO off", ioctl(c, FIONBIO, &off));
  note("F_GETFL O_NONBLOCK: %d", (fcntl(c, F_GETFL) & O_NONBLOCK) != 0);
  REC("FIOCLEX", ioctl(c, FIOCLEX));
  note("FD_CLOEXEC: %d", (fcntl(c, F_GETFD) & FD_CLOEXEC) != 0);
  REC("FIONCLEX", ioctl(c, FIONCLEX));
  note("FD_CLOEXEC: %d", (fcntl(c, F_GETFD) & FD_CLOEXEC) != 0);
  REC("FIOASYNC off", ioctl(c, FIOASYNC, &off));
  REC("SIOCGSTAMP no packet", ioctl(c, SIOCGSTAMP, b));
  REC("unknown ioctl 0x89ff", ioctl(c, 0x89ff, &v));
  REC("unknown ioctl 0x1234", ioctl(c, 0x1234, &v));
  REC("TCGETS on socket", ioctl(c, 0x5401, b));
  REC("SIOCATMARK bad arg", ioctl(c, SIOCATMARK, BAD));
  REC("SIOCOUTQ bad arg", ioctl(c, SIOCOUTQ, BAD));
  REC("FIONBIO bad arg", ioctl(c, FIONBIO, BAD));
  {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    REC("SIOCGIFINDEX lo", ioctl(c, SIOCGIFINDEX, &ifr));
    note("SIOCGIFINDEX: %d", ifr.ifr_ifindex);
    REC("SIOCGIFFLAGS lo", ioctl(c, SIOCGIFFLAGS, &ifr));
    note("SIOCGIFFLAGS: up %d loopback %d", (ifr.ifr_flags & IFF_UP) != 0,
         (ifr.ifr_flags & IFF_LOOPBACK) != 0);
    REC("SIOCGIFMTU lo", ioctl(c, SIOCGIFMTU, &ifr));
    note("SIOCGIFMTU: %d", ifr.ifr_mtu);
    strcpy(ifr.ifr_name, "nosuch0");
    REC("SIOCGIFINDEX nosuch", ioctl(c, SIOCGIFINDEX, &ifr));
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_ifindex = 999;
    REC("SIOCGIFNAME 999", ioctl(c, SIOCGIFNAME, &ifr));
    REC("SIOCGIFINDEX bad arg", ioctl(c, SIOCGIFINDEX, BAD));
  }
  REC("close c", close(c));
  REC("close acc", close(acc));
  REC("close l", close(l));

  int u = make_server("udp", family, SOCK_DGRAM, &a, &al);
  int s2 = (int)REC("udp sender", socket(family, SOCK_DGRAM, 0));
  v = -1;
  REC("udp FIONREAD empty", ioctl(u, FIONREAD, &v));
  note("udp FIONREAD: %d", v);
  REC("sendto 7", sendto(s2, "datagra", 7, 0, (struct sockaddr*)&a, al));
  REC("sendto 3", sendto(s2, "abc", 3, 0, (struct sockaddr*)&a, al));
  wait_for(u, POLLIN, 2000);
  usleep(20000);
  v = -1;
  REC("udp FIONREAD", ioctl(u, FIONREAD, &v));
  note("udp FIONREAD (next datagram): %d", v);
  v = -1;
  REC("udp SIOCOUTQ", ioctl(u, SIOCOUTQ, &v));
  note("udp SIOCOUTQ: %d", v);
  REC("udp SIOCATMARK", ioctl(u, SIOCATMARK, &v));
  REC("udp SIOCGSTAMP before recv", ioctl(u, SIOCGSTAMP, b));
  REC("recv", recv(u, b, sizeof(b), 0));
  struct timeval tv;
  REC("udp SIOCGSTAMP after recv", ioctl(u, SIOCGSTAMP, &tv));
  REC("close sender", close(s2));
  REC("close udp", close(u));
}
SCENARIO(ioctls_v4) { ioctls(AF_INET); }
SCENARIO(ioctls_v6) { ioctls(AF_INET6); }

/* ---- every MSG_ flag bit on send and recv: accepted, ignored or refused
 * as natively ---- */

static void msg_flags(int family, int type) {
  st_count_signal(SIGPIPE, 0);
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, type, &a, &al);
  int c, p;
  if (type == SOCK_STREAM) {
    c = make_pair("pair", l, family, &a, al, &p);
  } else {
    c = (int)REC("client", socket(family, SOCK_DGRAM, 0));
    REC("client connect", connect(c, (struct sockaddr*)&a, al));
    p = l;
  }
  char b[64];
  for (int bit = 0; bit < 32; ++bit) {
    unsigned flag = 1u << bit;
    /* Flags that would block or change the stream in ways the record
     * cannot follow deterministically. */
    if (flag == MSG_WAITALL || flag == MSG_OOB || flag == MSG_MORE ||
        flag == MSG_FASTOPEN || flag == MSG_ZEROCOPY)
      continue;
    char lab[64];
    snprintf(lab, sizeof(lab), "send flag 0x%x", flag);
    long r =
        REC(lab, send(c, "x", 1, (int)(flag | MSG_DONTWAIT | MSG_NOSIGNAL)));
    if (r == 1) wait_for(p, POLLIN, 2000);
    snprintf(lab, sizeof(lab), "recv flag 0x%x", flag);
    long n = REC(lab, recv(p, b, sizeof(b), (int)(flag | MSG_DONTWAIT)));
    if (n > 0 && (flag & (MSG_PEEK | MSG_ERRQUEUE)) == 0) {
      note("%s: %ld byte(s)", lab, n);
    }
    /* Drain anything a PEEK or a failed recv left. */
    while (recv(p, b, sizeof(b), MSG_DONTWAIT) > 0) {
    }
  }
  note_signals("flags");
  if (type == SOCK_STREAM) REC("close peer", close(p));
  REC("close c", close(c));
  REC("close l", close(l));
}
SCENARIO(msg_flags_tcp4) { msg_flags(AF_INET, SOCK_STREAM); }
SCENARIO(msg_flags_tcp6) { msg_flags(AF_INET6, SOCK_STREAM); }
SCENARIO(msg_flags_udp4) { msg_flags(AF_INET, SOCK_DGRAM); }
SCENARIO(msg_flags_udp6) { msg_flags(AF_INET6, SOCK_DGRAM); }

/* ---- the same 4-tuple twice: EADDRNOTAVAIL from connect ---- */

static void fourtuple(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int one = 1;
  int x = (int)REC("x socket", socket(family, SOCK_STREAM, 0));
  int y = (int)REC("y socket", socket(family, SOCK_STREAM, 0));
  REC("x SO_REUSEADDR", setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, 4));
  REC("y SO_REUSEADDR", setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, 4));
  struct sockaddr_storage w;
  socklen_t wl = loopback(family, &w);
  REC("x bind", bind(x, (struct sockaddr*)&w, wl));
  wl = sizeof(w);
  REC("x getsockname", getsockname(x, (struct sockaddr*)&w, &wl));
  REC("y bind same", bind(y, (struct sockaddr*)&w, wl));
  REC("x connect", connect(x, (struct sockaddr*)&a, al));
  REC("y connect same 4-tuple", connect(y, (struct sockaddr*)&a, al));
  REC("y connect again", connect(y, (struct sockaddr*)&a, al));
  int ax = (int)REC("accept x", accept(l, NULL, NULL));
  REC("close ax", close(ax));
  REC("close x", close(x));
  REC("close y", close(y));
  REC("close l", close(l));
}
SCENARIO(fourtuple_v4) { fourtuple(AF_INET); }
SCENARIO(fourtuple_v6) { fourtuple(AF_INET6); }

/* ---- sendmmsg/recvmmsg: partial success, errors after some messages ---- */

/* Three datagrams sent, then a recvmmsg whose second iovec array is bad:
 * it returns the first and leaves the error for the next call. */
static void leave_recvmmsg_error(int u, int r, struct mmsghdr* m,
                                 struct mmsghdr* rm, struct iovec* second,
                                 const char* send_label,
                                 const char* recv_label) {
  REC(send_label, sendmmsg(u, m, 3, 0));
  wait_for(r, POLLIN, 2000);
  usleep(20000);
  rm[1].msg_hdr.msg_iov = BAD;
  REC(recv_label, recvmmsg(r, rm, 4, MSG_DONTWAIT, NULL));
  rm[1].msg_hdr.msg_iov = second;
}

static void mmsg_errors(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = make_server("rcv", family, SOCK_DGRAM, &a, &al);
  int u = (int)REC("socket", socket(family, SOCK_DGRAM, 0));
  char d0[] = "zero", d1[] = "one", d2[] = "two";
  struct iovec iov[3] = {{d0, 4}, {d1, 3}, {d2, 3}};
  struct mmsghdr m[3];
  memset(m, 0, sizeof(m));
  for (int i = 0; i < 3; ++i) {
    m[i].msg_hdr.msg_name = &a;
    m[i].msg_hdr.msg_namelen = al;
    m[i].msg_hdr.msg_iov = &iov[i];
    m[i].msg_hdr.msg_iovlen = 1;
  }
  m[1].msg_hdr.msg_name = BAD;
  REC("sendmmsg bad second name", sendmmsg(u, m, 3, 0));
  note("msg_len: %u %u %u", m[0].msg_len, m[1].msg_len, m[2].msg_len);
  REC("sendmmsg from the bad one", sendmmsg(u, &m[1], 2, 0));
  m[1].msg_hdr.msg_name = &a;
  m[1].msg_hdr.msg_namelen = 3;
  REC("sendmmsg short second name", sendmmsg(u, m, 3, 0));
  m[1].msg_hdr.msg_namelen = al;
  REC("sendmmsg vlen 0", sendmmsg(u, m, 0, 0));
  REC("sendmmsg all", sendmmsg(u, m, 3, 0));
  note("msg_len: %u %u %u", m[0].msg_len, m[1].msg_len, m[2].msg_len);
  wait_for(r, POLLIN, 2000);
  usleep(20000);

  char b[4][16];
  struct iovec riov[4];
  struct mmsghdr rm[4];
  memset(rm, 0, sizeof(rm));
  for (int i = 0; i < 4; ++i) {
    riov[i].iov_base = b[i];
    riov[i].iov_len = sizeof(b[i]);
    rm[i].msg_hdr.msg_iov = &riov[i];
    rm[i].msg_hdr.msg_iovlen = 1;
  }
  /* Datagrams waiting: zero (first sendmmsg), zero (third), zero, one,
   * two (last). The second receive fails copying its iovec array: the
   * first datagram is returned and the error is left for the next call. */
  rm[1].msg_hdr.msg_iov = BAD;
  REC("recvmmsg bad second iov", recvmmsg(r, rm, 4, MSG_DONTWAIT, NULL));
  note("first: %u '%.*s'", rm[0].msg_len, (int)rm[0].msg_len, b[0]);
  rm[1].msg_hdr.msg_iov = &riov[1];
  REC("recvmmsg after", recvmmsg(r, rm, 4, MSG_DONTWAIT, NULL));
  for (int i = 0; i < 4; ++i) {
    note("msg %d: %u '%.*s'", i, rm[i].msg_len, (int)rm[i].msg_len, b[i]);
  }
  REC("recvmmsg rest", recvmmsg(r, rm, 4, MSG_DONTWAIT, NULL));
  for (int i = 0; i < 4; ++i) {
    note("msg %d: %u '%.*s'", i, rm[i].msg_len, (int)rm[i].msg_len, b[i]);
  }
  REC("recvmmsg empty", recvmmsg(r, rm, 4, MSG_DONTWAIT, NULL));
  /* The error left for the next call, read through SO_ERROR instead. */
  leave_recvmmsg_error(u, r, m, rm, &riov[1], "sendmmsg all again",
                       "recvmmsg bad second iov again");
  int e = -1;
  socklen_t el = sizeof(e);
  REC("SO_ERROR", getsockopt(r, SOL_SOCKET, SO_ERROR, &e, &el));
  note("SO_ERROR: %s", st_errname(e));
  REC("recvmmsg after SO_ERROR", recvmmsg(r, rm, 4, MSG_DONTWAIT, NULL));
  /* A timeout is checked only between datagrams: with one waiting and a
   * non-blocking call it does not matter. */
  struct timespec ts = {0, 50000000};
  REC("sendto for timeout", sendto(u, "t", 1, 0, (struct sockaddr*)&a, al));
  wait_for(r, POLLIN, 2000);
  REC("recvmmsg with timeout", recvmmsg(r, rm, 4, MSG_DONTWAIT, &ts));
  ts.tv_nsec = 2000000000L;
  REC("recvmmsg bad timeout", recvmmsg(r, rm, 4, MSG_DONTWAIT, &ts));
  REC("sendto one", sendto(u, "x", 1, 0, (struct sockaddr*)&a, al));
  wait_for(r, POLLIN, 2000);
  REC("recvmmsg WAITFORONE", recvmmsg(r, rm, 4, MSG_WAITFORONE, NULL));
  /* The error left for the next call, met by a send (sock_alloc_send_pskb
   * reports sk_err), with an address and then connected. */
  for (int connected = 0; connected < 2; ++connected) {
    leave_recvmmsg_error(u, r, m, rm, &riov[1], "sendmmsg for a send",
                         "recvmmsg leaves an error");
    struct sockaddr_storage ua;
    socklen_t ual = sizeof(ua);
    REC("getsockname sender", getsockname(u, (struct sockaddr*)&ua, &ual));
    if (connected) {
      REC("connect receiver", connect(r, (struct sockaddr*)&ua, ual));
      REC("send meets it", send(r, "s", 1, 0));
      REC("send after it", send(r, "s", 1, 0));
    } else {
      REC("sendto meets it", sendto(r, "s", 1, 0, (struct sockaddr*)&ua, ual));
      REC("sendto after it", sendto(r, "s", 1, 0, (struct sockaddr*)&ua, ual));
    }
    REC("recvmmsg the rest", recvmmsg(r, rm, 4, MSG_DONTWAIT, NULL));
    wait_for(u, POLLIN, 2000);
    REC("sender drains", recvmmsg(u, rm, 4, MSG_DONTWAIT, NULL));
  }
  REC("close", close(u));
  REC("close rcv", close(r));
}
SCENARIO(mmsg_errors_v4) { mmsg_errors(AF_INET); }
SCENARIO(mmsg_errors_v6) { mmsg_errors(AF_INET6); }

/* ---- IPv6 specifics: v4-mapped addresses and IPV6_V6ONLY, scope ids,
 * flow info ---- */

SCENARIO(v6_specific) {
  struct sockaddr_storage a4;
  socklen_t a4l;
  int l4 = make_server("v4 server", AF_INET, SOCK_STREAM, &a4, &a4l);
  struct sockaddr_in6 m = {.sin6_family = AF_INET6};
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
  m.sin6_port = ((struct sockaddr_in*)&a4)->sin_port;
  int one = 1;

  int c = (int)REC("tcp6 socket", socket(AF_INET6, SOCK_STREAM, 0));
  REC("connect v4-mapped", connect(c, (struct sockaddr*)&m, sizeof(m)));
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  REC("getsockname", getsockname(c, (struct sockaddr*)&ss, &sl));
  note_addr("getsockname", &ss, sl);
  sl = sizeof(ss);
  REC("getpeername", getpeername(c, (struct sockaddr*)&ss, &sl));
  note_addr("getpeername", &ss, sl);
  int v = -1;
  socklen_t vl = sizeof(v);
  REC("IP_TTL on mapped", getsockopt(c, IPPROTO_IP, IP_TTL, &v, &vl));
  note("IP_TTL: %d", v);
  REC("IPV6_V6ONLY after connect",
      setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  int a = (int)REC("accept", accept(l4, NULL, NULL));
  REC("close accepted", close(a));
  REC("close c", close(c));

  int c6 = (int)REC("v6only socket", socket(AF_INET6, SOCK_STREAM, 0));
  REC("IPV6_V6ONLY", setsockopt(c6, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  REC("v6only connect v4-mapped", connect(c6, (struct sockaddr*)&m, sizeof(m)));
  REC("close v6only", close(c6));

  int u = (int)REC("udp6 socket", socket(AF_INET6, SOCK_DGRAM, 0));
  REC("udp6 IPV6_V6ONLY", setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  REC("udp6 v6only sendto v4-mapped",
      sendto(u, "x", 1, 0, (struct sockaddr*)&m, sizeof(m)));
  REC("udp6 v6only connect v4-mapped",
      connect(u, (struct sockaddr*)&m, sizeof(m)));
  REC("close udp6", close(u));

  /* Bound first, then IPV6_V6ONLY: EINVAL. */
  int b = (int)REC("bound socket", socket(AF_INET6, SOCK_STREAM, 0));
  struct sockaddr_storage lo6;
  socklen_t lo6l = loopback(AF_INET6, &lo6);
  REC("bind ::1", bind(b, (struct sockaddr*)&lo6, lo6l));
  REC("IPV6_V6ONLY after bind",
      setsockopt(b, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  REC("close bound", close(b));

  /* Scope ids and flow info on ::1. */
  int s1 = (int)REC("scope socket", socket(AF_INET6, SOCK_DGRAM, 0));
  struct sockaddr_in6* l6 = (struct sockaddr_in6*)&lo6;
  l6->sin6_scope_id = 999;
  REC("bind ::1 scope 999", bind(s1, (struct sockaddr*)&lo6, lo6l));
  sl = sizeof(ss);
  REC("getsockname", getsockname(s1, (struct sockaddr*)&ss, &sl));
  note("scope id %u", ((struct sockaddr_in6*)&ss)->sin6_scope_id);
  REC("close scope", close(s1));
  int s2 = (int)REC("flow socket", socket(AF_INET6, SOCK_DGRAM, 0));
  l6->sin6_scope_id = 0;
  l6->sin6_flowinfo = htonl(0x12345);
  REC("bind ::1 flowinfo", bind(s2, (struct sockaddr*)&lo6, lo6l));
  sl = sizeof(ss);
  REC("getsockname", getsockname(s2, (struct sockaddr*)&ss, &sl));
  note("flowinfo %x", ntohl(((struct sockaddr_in6*)&ss)->sin6_flowinfo));
  l6->sin6_flowinfo = 0;
  REC("connect self", connect(s2, (struct sockaddr*)&ss, sl));
  sl = sizeof(ss);
  REC("getpeername", getpeername(s2, (struct sockaddr*)&ss, &sl));
  note("peer flowinfo %x scope %u",
       ntohl(((struct sockaddr_in6*)&ss)->sin6_flowinfo),
       ((struct sockaddr_in6*)&ss)->sin6_scope_id);
  REC("close flow", close(s2));
  REC("close v4 server", close(l4));
}

/* ---- EACCES: the loopback broadcast address without SO_BROADCAST ---- */

SCENARIO(broadcast) {
  struct sockaddr_storage r;
  socklen_t rl;
  int rcv = make_server("rcv", AF_INET, SOCK_DGRAM, &r, &rl);
  struct sockaddr_in b = *(struct sockaddr_in*)&r;
  inet_pton(AF_INET, "127.255.255.255", &b.sin_addr);
  int u = (int)REC("socket", socket(AF_INET, SOCK_DGRAM, 0));
  REC("sendto broadcast",
      sendto(u, "x", 1, 0, (struct sockaddr*)&b, sizeof(b)));
  REC("connect broadcast", connect(u, (struct sockaddr*)&b, sizeof(b)));
  int one = 1;
  REC("SO_BROADCAST", setsockopt(u, SOL_SOCKET, SO_BROADCAST, &one, 4));
  REC("sendto broadcast allowed",
      sendto(u, "y", 1, 0, (struct sockaddr*)&b, sizeof(b)));
  REC("connect broadcast allowed", connect(u, (struct sockaddr*)&b, sizeof(b)));
  REC("send connected broadcast", send(u, "z", 1, 0));
  int zero = 0;
  REC("SO_BROADCAST off", setsockopt(u, SOL_SOCKET, SO_BROADCAST, &zero, 4));
  REC("send connected broadcast after off", send(u, "w", 1, 0));
  int t = (int)REC("tcp socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("tcp connect broadcast", connect(t, (struct sockaddr*)&b, sizeof(b)));
  struct sockaddr_in any = {.sin_family = AF_INET};
  inet_pton(AF_INET, "224.0.0.1", &any.sin_addr);
  any.sin_port = b.sin_port;
  int t2 = (int)REC("tcp socket 2", socket(AF_INET, SOCK_STREAM, 0));
  REC("tcp connect multicast",
      connect(t2, (struct sockaddr*)&any, sizeof(any)));
  REC("close tcp 2", close(t2));
  REC("close tcp", close(t));
  REC("close", close(u));
  REC("close rcv", close(rcv));
}

/* ---- a socket's second life: listen, bind and connect after a refused
 * connect and after connect(AF_UNSPEC) ---- */

static void second_life(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = reserve_port(family, SOCK_STREAM, &a, &al);
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  struct sockaddr_storage refused;
  socklen_t rl = sizeof(refused);
  REC("reserve getsockname", getsockname(r, (struct sockaddr*)&refused, &rl));
  struct sockaddr_storage lo;
  socklen_t lol = loopback(family, &lo);

  int c = (int)REC("c socket", socket(family, SOCK_STREAM, 0));
  REC("c connect refused", connect(c, (struct sockaddr*)&refused, rl));
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  REC("c getsockname", getsockname(c, (struct sockaddr*)&ss, &sl));
  note_addr("c getsockname", &ss, sl);
  REC("c bind after refused", bind(c, (struct sockaddr*)&lo, lol));
  REC("c listen after refused", listen(c, 4));
  int v = -1;
  socklen_t vl = sizeof(v);
  REC("c SO_ACCEPTCONN", getsockopt(c, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
  note("c SO_ACCEPTCONN: %d", v);
  REC("c connect while listening", connect(c, (struct sockaddr*)&a, al));
  REC("close c", close(c));

  int d = (int)REC("d socket", socket(family, SOCK_STREAM, 0));
  REC("d connect", connect(d, (struct sockaddr*)&a, al));
  int ad = (int)REC("accept d", accept(l, NULL, NULL));
  struct sockaddr un = {.sa_family = AF_UNSPEC};
  REC("d connect AF_UNSPEC", connect(d, &un, sizeof(un)));
  sl = sizeof(ss);
  REC("d getpeername after unspec", getpeername(d, (struct sockaddr*)&ss, &sl));
  REC("d send after unspec", send(d, "x", 1, MSG_NOSIGNAL));
  REC("d recv after unspec", recv(d, (char[4]){0}, 4, MSG_DONTWAIT));
  REC("d connect again", connect(d, (struct sockaddr*)&a, al));
  int ad2 = (int)REC("accept d again", accept(l, NULL, NULL));
  REC("d send", send(d, "hi", 2, 0));
  wait_for(ad2, POLLIN, 2000);
  REC("accepted recv", recv(ad2, (char[4]){0}, 4, MSG_DONTWAIT));
  REC("d connect AF_UNSPEC 2", connect(d, &un, sizeof(un)));
  REC("d listen after unspec", listen(d, 4));
  vl = sizeof(v);
  REC("d SO_ACCEPTCONN", getsockopt(d, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
  note("d SO_ACCEPTCONN: %d", v);
  REC("close ad2", close(ad2));
  REC("close ad", close(ad));
  REC("close d", close(d));

  /* An accepted socket after connect(AF_UNSPEC): connects again, and after
   * a second AF_UNSPEC, listens (on its listener's port, beside it). */
  int e = (int)REC("e socket", socket(family, SOCK_STREAM, 0));
  REC("e connect", connect(e, (struct sockaddr*)&a, al));
  int ae = (int)REC("accept e", accept(l, NULL, NULL));
  REC("accepted listen while connected", listen(ae, 4));
  REC("accepted connect AF_UNSPEC", connect(ae, &un, sizeof(un)));
  sl = sizeof(ss);
  REC("accepted getpeername after unspec",
      getpeername(ae, (struct sockaddr*)&ss, &sl));
  REC("accepted connect after unspec", connect(ae, (struct sockaddr*)&a, al));
  int ae2 = (int)REC("accept from accepted", accept(l, NULL, NULL));
  REC("accepted send", send(ae, "ok", 2, 0));
  wait_for(ae2, POLLIN, 2000);
  REC("recv from accepted", recv(ae2, (char[4]){0}, 4, MSG_DONTWAIT));
  REC("close ae2", close(ae2));
  REC("accepted connect AF_UNSPEC again", connect(ae, &un, sizeof(un)));
  REC("accepted listen after unspec", listen(ae, 4));
  vl = sizeof(v);
  REC("accepted SO_ACCEPTCONN",
      getsockopt(ae, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
  note("accepted SO_ACCEPTCONN: %d", v);
  REC("accepted connect while listening",
      connect(ae, (struct sockaddr*)&a, al));
  REC("accepted O_NONBLOCK", fcntl(ae, F_SETFL, O_NONBLOCK));
  REC("accepted accept nonblock", accept(ae, NULL, NULL));
  sl = sizeof(ss);
  REC("accepted getsockname", getsockname(ae, (struct sockaddr*)&ss, &sl));
  note_addr("accepted getsockname", &ss, sl);
  REC("close ae", close(ae));
  REC("close e", close(e));
  REC("close l", close(l));
  REC("close r", close(r));
}
SCENARIO(second_life_v4) { second_life(AF_INET); }
SCENARIO(second_life_v6) { second_life(AF_INET6); }

/* ---- shutdown() in every state, and what send/recv/poll say after ---- */

static void after_shutdown(const char* tag, int fd, int peer) {
  char lab[96];
  char b[16];
  snprintf(lab, sizeof(lab), "%s send", tag);
  REC(lab, send(fd, "s", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
  if (peer >= 0) {
    wait_for(peer, POLLIN, 300);
    while (recv(peer, b, sizeof(b), MSG_DONTWAIT) > 0) {
    }
  }
  snprintf(lab, sizeof(lab), "%s recv", tag);
  REC(lab, recv(fd, b, sizeof(b), MSG_DONTWAIT));
  struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
  poll(&p, 1, 0);
  note("%s poll:%s%s%s%s%s", tag, (p.revents & POLLIN) ? " IN" : "",
       (p.revents & POLLOUT) ? " OUT" : "", (p.revents & POLLERR) ? " ERR" : "",
       (p.revents & POLLHUP) ? " HUP" : "",
       (p.revents & POLLRDHUP) ? " RDHUP" : "");
}

static void shutdown_states(int family) {
  static const int kHow[] = {SHUT_RD, SHUT_WR, SHUT_RDWR};
  static const char* kHowName[] = {"RD", "WR", "RDWR"};
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  for (int h = 0; h < 3; ++h) {
    char tag[64];
    int acc;
    int c = make_pair("pair", l, family, &a, al, &acc);
    snprintf(tag, sizeof(tag), "tcp shutdown %s", kHowName[h]);
    REC(tag, shutdown(c, kHow[h]));
    wait_for(acc, POLLIN, 300);
    after_shutdown(tag, c, acc);
    snprintf(tag, sizeof(tag), "peer of %s", kHowName[h]);
    after_shutdown(tag, acc, c);
    snprintf(tag, sizeof(tag), "tcp shutdown %s again", kHowName[h]);
    REC(tag, shutdown(c, kHow[h]));
    REC("shutdown RDWR after", shutdown(c, SHUT_RDWR));
    REC("peer shutdown RDWR", shutdown(acc, SHUT_RDWR));
    wait_for(c, POLLIN, 300);
    after_shutdown("both shut", c, -1);
    REC("close", close(c));
    REC("close peer", close(acc));
  }
  struct sockaddr_storage u;
  socklen_t ul;
  int r = make_server("udp", family, SOCK_DGRAM, &u, &ul);
  for (int h = 0; h < 3; ++h) {
    char tag[64];
    int c = (int)REC("udp socket", socket(family, SOCK_DGRAM, 0));
    REC("udp connect", connect(c, (struct sockaddr*)&u, ul));
    snprintf(tag, sizeof(tag), "udp shutdown %s", kHowName[h]);
    REC(tag, shutdown(c, kHow[h]));
    after_shutdown(tag, c, r);
    REC("close", close(c));
  }
  REC("close udp", close(r));
  REC("close l", close(l));
}
SCENARIO(shutdown_states_v4) { shutdown_states(AF_INET); }
SCENARIO(shutdown_states_v6) { shutdown_states(AF_INET6); }

DIFFTEST_MAIN()
