/* Readiness: poll, select and epoll (level- and edge-triggered, EPOLLRDHUP,
 * EPOLLONESHOT, EPOLLOUT after connect) at each step of a connection's
 * life: fresh, listening (idle and with a pending connection), connected
 * idle, data and urgent data arrived, peer half-closed, both halves closed,
 * peer reset, after shutdown(SHUT_RD)/(SHUT_WR)/(SHUT_RDWR), non-blocking
 * connect in progress, completed and failed; UDP fresh, with a datagram
 * queued, with an ICMP error, after shutdown. Each step prints the exact
 * bits every interface reports. */
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>

#include "difftest.h"

static char L[256];
#define LBL(...) (snprintf(L, sizeof(L), __VA_ARGS__), L)

/* Everything each interface says about `fd` right now (no waiting):
 * poll with every input event, poll with only POLLIN/POLLOUT, select's
 * three sets, and a fresh level-triggered epoll set. */
static void ready(const char* label, int fd) {
  char b1[160], b2[160], b3[160];
  struct pollfd p = {fd,
                     POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM |
                         POLLRDBAND | POLLWRNORM | POLLWRBAND,
                     0};
  int pr = poll(&p, 1, 0);
  struct pollfd q = {fd, POLLIN | POLLOUT, 0};
  int qr = poll(&q, 1, 0);
  fd_set r, w, e;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_ZERO(&e);
  FD_SET(fd, &r);
  FD_SET(fd, &w);
  FD_SET(fd, &e);
  struct timeval tv = {0, 0};
  int sr = select(fd + 1, &r, &w, &e, &tv);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {0};
  ev.events = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP;
  ev.data.fd = fd;
  int er = -2;
  struct epoll_event out = {0};
  if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0) {
    er = epoll_wait(ep, &out, 1, 0);
  }
  if (ep >= 0) close(ep);
  note(
      "%s: poll %d %s | poll(IN|OUT) %d %s | select %d r%d w%d e%d | "
      "epoll %d %s",
      label, pr, event_bits((unsigned)p.revents, b1, sizeof(b1)), qr,
      event_bits((unsigned)q.revents, b2, sizeof(b2)), sr,
      FD_ISSET(fd, &r) != 0, FD_ISSET(fd, &w) != 0, FD_ISSET(fd, &e) != 0, er,
      event_bits(er > 0 ? out.events : 0, b3, sizeof(b3)));
}

/* Waits (bounded) until `events` shows on fd; the wait itself is not
 * recorded beyond whether it saw the event. */
static void await(const char* label, int fd, short events, int ms) {
  struct pollfd p = {fd, events, 0};
  int r = poll(&p, 1, ms);
  note("%s: %s", label, r > 0 && (p.revents & events) ? "seen" : "not seen");
}

/* The listener's accept queue length reaching `want` (TCP_INFO
 * tcpi_unacked), waited for up to 2 s; synchronisation only. */
static void wait_queue(int lfd, unsigned want) {
  double end = now_s() + 2.0;
  for (int i = 0; i < 2000 && now_s() < end; ++i) {
    struct tcp_info ti;
    socklen_t tl = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 &&
        ti.tcpi_unacked >= want) {
      return;
    }
    usleep(1000);
  }
}

/* Waits (bounded, 3 s) until at least `n` bytes are queued to read on a
 * stream socket (FIONREAD); synchronisation only, not recorded. */
static void wait_bytes(int fd, int n) {
  double end = now_s() + 3.0;
  for (int i = 0; i < 3000 && now_s() < end; ++i) {
    int q = 0;
    if (ioctl(fd, FIONREAD, &q) == 0 && q >= n) return;
    usleep(1000);
  }
}

/* ---- TCP, level-triggered, every step ---- */

static void tcp_life(int family) {
  const char* F = fam_name(family);
  char buf[4096];
  int s = (int)REC(LBL("%s socket", F), socket(family, SOCK_STREAM, 0));
  ready(LBL("%s fresh", F), s);
  struct sockaddr_storage la;
  socklen_t lal = loopback(family, &la);
  REC(LBL("%s bind", F), bind(s, (struct sockaddr*)&la, lal));
  ready(LBL("%s bound", F), s);
  REC(LBL("%s listen", F), listen(s, 8));
  ready(LBL("%s listening idle", F), s);
  lal = sizeof(la);
  getsockname(s, (struct sockaddr*)&la, &lal);
  int c = (int)REC(LBL("%s client socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s connect", F), connect(c, (struct sockaddr*)&la, lal));
  await(LBL("%s pending", F), s, POLLIN, 3000);
  ready(LBL("%s listening with pending", F), s);
  int a = (int)REC(LBL("%s accept", F), accept(s, NULL, NULL));
  ready(LBL("%s listening after accept", F), s);
  ready(LBL("%s client idle", F), c);
  ready(LBL("%s accepted idle", F), a);

  REC(LBL("%s client send", F), send(c, "hello", 5, 0));
  await(LBL("%s data", F), a, POLLIN, 3000);
  ready(LBL("%s accepted data arrived", F), a);
  REC(LBL("%s accepted recv", F), recv(a, buf, sizeof(buf), 0));
  ready(LBL("%s accepted drained", F), a);

  REC(LBL("%s client send OOB", F), send(c, "!", 1, MSG_OOB));
  await(LBL("%s urgent", F), a, POLLPRI, 3000);
  ready(LBL("%s accepted urgent arrived", F), a);
  REC(LBL("%s accepted recv OOB", F), recv(a, buf, 1, MSG_OOB));
  ready(LBL("%s accepted urgent read", F), a);

  REC(LBL("%s client SHUT_WR", F), shutdown(c, SHUT_WR));
  ready(LBL("%s client after SHUT_WR", F), c);
  await(LBL("%s fin", F), a, POLLRDHUP, 3000);
  ready(LBL("%s accepted peer half-closed", F), a);
  REC(LBL("%s accepted recv eof", F), recv(a, buf, sizeof(buf), 0));
  ready(LBL("%s accepted after eof", F), a);
  REC(LBL("%s accepted send", F), send(a, "late", 4, 0));
  await(LBL("%s late data", F), c, POLLIN, 3000);
  ready(LBL("%s client data after SHUT_WR", F), c);
  REC(LBL("%s client recv", F), recv(c, buf, sizeof(buf), 0));
  REC(LBL("%s accepted SHUT_WR", F), shutdown(a, SHUT_WR));
  await(LBL("%s fin 2", F), c, POLLRDHUP, 3000);
  ready(LBL("%s client both closed", F), c);
  ready(LBL("%s accepted both closed", F), a);
  REC(LBL("%s close client", F), close(c));
  await(LBL("%s last ack", F), a, POLLHUP, 3000);
  ready(LBL("%s accepted after client close", F), a);
  REC(LBL("%s close accepted", F), close(a));

  /* Peer reset. */
  c = (int)REC(LBL("%s client 2 socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s client 2 connect", F), connect(c, (struct sockaddr*)&la, lal));
  a = (int)REC(LBL("%s accept 2", F), accept(s, NULL, NULL));
  struct linger lg = {1, 0};
  REC(LBL("%s accepted 2 SO_LINGER 0", F),
      setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC(LBL("%s close accepted 2", F), close(a));
  await(LBL("%s rst", F), c, POLLERR, 3000);
  ready(LBL("%s client peer reset", F), c);
  REC(LBL("%s client recv after reset", F), recv(c, buf, sizeof(buf), 0));
  ready(LBL("%s client after reading reset", F), c);
  REC(LBL("%s close client 2", F), close(c));

  /* Unread data then reset. */
  c = (int)REC(LBL("%s client 3 socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s client 3 connect", F), connect(c, (struct sockaddr*)&la, lal));
  a = (int)REC(LBL("%s accept 3", F), accept(s, NULL, NULL));
  REC(LBL("%s accepted 3 send", F), send(a, "data", 4, 0));
  await(LBL("%s data 3", F), c, POLLIN, 3000);
  REC(LBL("%s accepted 3 SO_LINGER 0", F),
      setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC(LBL("%s close accepted 3", F), close(a));
  await(LBL("%s rst 3", F), c, POLLERR, 3000);
  ready(LBL("%s client data then reset", F), c);
  REC(LBL("%s client 3 recv", F), recv(c, buf, sizeof(buf), 0));
  ready(LBL("%s client 3 after recv", F), c);
  REC(LBL("%s close client 3", F), close(c));
  REC(LBL("%s close listener", F), close(s));
}

SCENARIO(tcp_life_v4) { tcp_life(AF_INET); }
SCENARIO(tcp_life_v6) { tcp_life(AF_INET6); }

/* ---- shutdown(SHUT_RD), SHUT_WR, SHUT_RDWR on our side ---- */

static void tcp_shutdowns(int family) {
  const char* F = fam_name(family);
  char buf[256];
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);

  int a;
  int c = make_pair(LBL("%s rd", F), l, family, &la, lal, &a);
  REC(LBL("%s SHUT_RD", F), shutdown(c, SHUT_RD));
  ready(LBL("%s after SHUT_RD", F), c);
  REC(LBL("%s recv after SHUT_RD", F), recv(c, buf, sizeof(buf), MSG_DONTWAIT));
  REC(LBL("%s peer send", F), send(a, "after", 5, 0));
  wait_bytes(c, 5);
  ready(LBL("%s SHUT_RD then data", F), c);
  REC(LBL("%s recv data after SHUT_RD", F),
      recv(c, buf, sizeof(buf), MSG_DONTWAIT));
  ready(LBL("%s SHUT_RD after recv", F), c);
  REC(LBL("%s send after SHUT_RD", F), send(c, "ok", 2, 0));
  await(LBL("%s peer data", F), a, POLLIN, 3000);
  REC(LBL("%s peer recv", F), recv(a, buf, sizeof(buf), 0));
  ready(LBL("%s peer of SHUT_RD", F), a);
  REC(LBL("%s SHUT_WR after SHUT_RD", F), shutdown(c, SHUT_WR));
  ready(LBL("%s SHUT_RD then SHUT_WR", F), c);
  await(LBL("%s peer fin", F), a, POLLRDHUP, 3000);
  ready(LBL("%s peer sees FIN", F), a);
  REC(LBL("%s close rd pair a", F), close(a));
  REC(LBL("%s close rd pair c", F), close(c));

  c = make_pair(LBL("%s wr", F), l, family, &la, lal, &a);
  REC(LBL("%s SHUT_WR", F), shutdown(c, SHUT_WR));
  ready(LBL("%s after SHUT_WR", F), c);
  REC(LBL("%s send after SHUT_WR", F), send(c, "x", 1, MSG_NOSIGNAL));
  ready(LBL("%s after failed send", F), c);
  REC(LBL("%s close wr pair a", F), close(a));
  await(LBL("%s wr peer closed", F), c, POLLHUP, 3000);
  ready(LBL("%s SHUT_WR then peer close", F), c);
  REC(LBL("%s close wr pair c", F), close(c));

  c = make_pair(LBL("%s rdwr", F), l, family, &la, lal, &a);
  REC(LBL("%s peer send before", F), send(a, "queued", 6, 0));
  await(LBL("%s queued", F), c, POLLIN, 3000);
  REC(LBL("%s SHUT_RDWR", F), shutdown(c, SHUT_RDWR));
  ready(LBL("%s after SHUT_RDWR", F), c);
  REC(LBL("%s recv after SHUT_RDWR", F), recv(c, buf, sizeof(buf), 0));
  await(LBL("%s rdwr peer fin", F), a, POLLRDHUP, 3000);
  ready(LBL("%s peer of SHUT_RDWR", F), a);
  REC(LBL("%s close rdwr pair a", F), close(a));
  REC(LBL("%s close rdwr pair c", F), close(c));

  /* Unconnected and listening sockets. */
  int u = (int)REC(LBL("%s fresh socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s fresh SHUT_RD", F), shutdown(u, SHUT_RD));
  ready(LBL("%s fresh after SHUT_RD", F), u);
  REC(LBL("%s fresh SHUT_RDWR", F), shutdown(u, SHUT_RDWR));
  ready(LBL("%s fresh after SHUT_RDWR", F), u);
  REC(LBL("%s close fresh", F), close(u));
  REC(LBL("%s listener SHUT_WR", F), shutdown(l, SHUT_WR));
  ready(LBL("%s listener after SHUT_WR", F), l);
  REC(LBL("%s listener SHUT_RD", F), shutdown(l, SHUT_RD));
  ready(LBL("%s listener after SHUT_RD", F), l);
  REC(LBL("%s accept after SHUT_RD", F), accept4(l, NULL, NULL, SOCK_NONBLOCK));
  REC(LBL("%s listen again", F), listen(l, 4));
  ready(LBL("%s listening again", F), l);
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(tcp_shutdowns_v4) { tcp_shutdowns(AF_INET); }
SCENARIO(tcp_shutdowns_v6) { tcp_shutdowns(AF_INET6); }

/* ---- non-blocking connect: in progress, done, failed ---- */

static void nb_connect(int family) {
  const char* F = fam_name(family);
  /* In progress for as long as we want: the listener's queue is full. */
  int l =
      (int)REC(LBL("%s listener socket", F), socket(family, SOCK_STREAM, 0));
  struct sockaddr_storage la;
  socklen_t lal = loopback(family, &la);
  REC(LBL("%s bind", F), bind(l, (struct sockaddr*)&la, lal));
  REC(LBL("%s listen 0", F), listen(l, 0));
  lal = sizeof(la);
  getsockname(l, (struct sockaddr*)&la, &lal);
  int c1 = (int)REC(LBL("%s c1 socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s c1 connect", F), connect(c1, (struct sockaddr*)&la, lal));
  wait_queue(l, 1);
  ready(LBL("%s listener full", F), l);

  int c = (int)REC(LBL("%s socket", F),
                   socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  int ep = (int)REC(LBL("%s epoll_create1", F), epoll_create1(0));
  struct epoll_event ev = {0};
  ev.events = EPOLLOUT | EPOLLET;
  ev.data.u64 = 7;
  REC(LBL("%s connect", F), connect(c, (struct sockaddr*)&la, lal));
  REC(LBL("%s epoll_ctl ADD OUT|ET", F), epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
  ready(LBL("%s in progress", F), c);
  struct epoll_event out[4];
  REC(LBL("%s epoll_wait in progress 100ms", F), epoll_wait(ep, out, 4, 100));
  /* Make room; the SYN retransmission (about 1 s) completes it. */
  int a1 = (int)REC(LBL("%s accept c1", F), accept(l, NULL, NULL));
  memset(out, 0, sizeof(out));
  int n = (int)REC(LBL("%s epoll_wait until connected", F),
                   epoll_wait(ep, out, 4, 5000));
  char b[160];
  if (n > 0) {
    note("%s event: data %llu events %s", F,
         (unsigned long long)out[0].data.u64,
         event_bits(out[0].events, b, sizeof(b)));
  }
  REC(LBL("%s epoll_wait ET again", F), epoll_wait(ep, out, 4, 0));
  ready(LBL("%s connected", F), c);
  REC(LBL("%s close epoll", F), close(ep));
  int a2 = (int)REC(LBL("%s accept", F), accept(l, NULL, NULL));
  /* shutdown while the handshake cannot finish (e fills the queue again):
   * the connect is abandoned. */
  int e = (int)REC(LBL("%s e socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s e connect", F), connect(e, (struct sockaddr*)&la, lal));
  wait_queue(l, 1);
  int d = (int)REC(LBL("%s d socket", F),
                   socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REC(LBL("%s d connect", F), connect(d, (struct sockaddr*)&la, lal));
  ready(LBL("%s d in progress", F), d);
  REC(LBL("%s d SHUT_WR", F), shutdown(d, SHUT_WR));
  ready(LBL("%s d after SHUT_WR", F), d);
  REC(LBL("%s d SHUT_RDWR", F), shutdown(d, SHUT_RDWR));
  ready(LBL("%s d after SHUT_RDWR", F), d);
  REC(LBL("%s d connect again", F), connect(d, (struct sockaddr*)&la, lal));
  REC(LBL("%s close d", F), close(d));
  REC(LBL("%s close e", F), close(e));
  REC(LBL("%s close a1", F), close(a1));
  REC(LBL("%s close a2", F), close(a2));
  REC(LBL("%s close c1", F), close(c1));
  REC(LBL("%s close c", F), close(c));

  /* Refused: a port bound but not listening. */
  int h = (int)REC(LBL("%s holder socket", F), socket(family, SOCK_STREAM, 0));
  struct sockaddr_storage ha;
  socklen_t hal = loopback(family, &ha);
  REC(LBL("%s holder bind", F), bind(h, (struct sockaddr*)&ha, hal));
  hal = sizeof(ha);
  getsockname(h, (struct sockaddr*)&ha, &hal);
  c = (int)REC(LBL("%s refused socket", F),
               socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  ep = (int)REC(LBL("%s epoll_create1 2", F), epoll_create1(0));
  ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
  REC(LBL("%s refused connect", F), connect(c, (struct sockaddr*)&ha, hal));
  REC(LBL("%s epoll_ctl ADD", F), epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
  memset(out, 0, sizeof(out));
  n = (int)REC(LBL("%s epoll_wait refused", F), epoll_wait(ep, out, 4, 3000));
  if (n > 0)
    note("%s refused event: %s", F, event_bits(out[0].events, b, sizeof(b)));
  ready(LBL("%s refused", F), c);
  int err = -1;
  socklen_t el = sizeof(err);
  REC(LBL("%s SO_ERROR", F), getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
  note("%s SO_ERROR value %s", F, st_errname(err));
  ready(LBL("%s refused after SO_ERROR", F), c);
  REC(LBL("%s close epoll 2", F), close(ep));
  REC(LBL("%s close refused", F), close(c));
  REC(LBL("%s close holder", F), close(h));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(nb_connect_v4) { nb_connect(AF_INET); }
SCENARIO(nb_connect_v6) { nb_connect(AF_INET6); }

/* ---- epoll edge-triggered, EPOLLRDHUP, EPOLLONESHOT ---- */

static void epoll_modes(int family) {
  const char* F = fam_name(family);
  char buf[256];
  char b[160];
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair(F, l, family, &la, lal, &a);
  int ep = (int)REC(LBL("%s epoll_create1", F), epoll_create1(EPOLL_CLOEXEC));
  struct epoll_event ev = {0};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = 1;
  REC(LBL("%s ADD accepted ET", F), epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
  struct epoll_event ev2 = {0};
  ev2.events = EPOLLIN | EPOLLONESHOT;
  ev2.data.u64 = 2;
  REC(LBL("%s ADD client ONESHOT", F), epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev2));
  REC(LBL("%s ADD twice", F), epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev2));
  struct epoll_event out[4];
#define WAIT(label, ms)                                                    \
  do {                                                                     \
    memset(out, 0, sizeof(out));                                           \
    int n_ = (int)REC(LBL("%s %s", F, label), epoll_wait(ep, out, 4, ms)); \
    for (int i_ = 0; i_ < n_; ++i_) {                                      \
      note("%s %s: data %llu events %s", F, label,                         \
           (unsigned long long)out[i_].data.u64,                           \
           event_bits(out[i_].events, b, sizeof(b)));                      \
    }                                                                      \
  } while (0)
  WAIT("first wait (OUT edge)", 0);
  WAIT("second wait (no edge)", 0);
  REC(LBL("%s client send", F), send(c, "one", 3, 0));
  WAIT("after data", 3000);
  WAIT("after data again", 0);
  REC(LBL("%s client send 2", F), send(c, "two", 3, 0));
  WAIT("after more data", 3000);
  REC(LBL("%s accepted recv", F), recv(a, buf, sizeof(buf), 0));
  WAIT("after recv", 0);
  /* ONESHOT: one event, then disarmed until MOD. */
  REC(LBL("%s accepted send", F), send(a, "to-client", 9, 0));
  WAIT("oneshot fires", 3000);
  WAIT("oneshot disarmed", 0);
  REC(LBL("%s accepted send 2", F), send(a, "more", 4, 0));
  wait_bytes(c, 13);
  WAIT("oneshot still disarmed", 0);
  REC(LBL("%s MOD rearm", F), epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev2));
  WAIT("oneshot rearmed", 0);
  REC(LBL("%s client recv", F), recv(c, buf, sizeof(buf), 0));
  REC(LBL("%s MOD rearm 2", F), epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev2));
  WAIT("rearmed with nothing", 0);
  /* RDHUP: the client half-closes. */
  REC(LBL("%s client SHUT_WR", F), shutdown(c, SHUT_WR));
  WAIT("after peer SHUT_WR", 3000);
  WAIT("after peer SHUT_WR again", 0);
  REC(LBL("%s accepted recv eof", F), recv(a, buf, sizeof(buf), 0));
  /* A level-triggered MOD reports the standing state. */
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  REC(LBL("%s MOD accepted LT", F), epoll_ctl(ep, EPOLL_CTL_MOD, a, &ev));
  WAIT("level-triggered", 0);
  WAIT("level-triggered again", 0);
  /* Without EPOLLRDHUP asked for. */
  ev.events = EPOLLIN;
  REC(LBL("%s MOD accepted IN only", F), epoll_ctl(ep, EPOLL_CTL_MOD, a, &ev));
  WAIT("IN only", 0);
  REC(LBL("%s DEL accepted", F), epoll_ctl(ep, EPOLL_CTL_DEL, a, NULL));
  REC(LBL("%s DEL accepted again", F), epoll_ctl(ep, EPOLL_CTL_DEL, a, NULL));
  REC(LBL("%s MOD deleted", F), epoll_ctl(ep, EPOLL_CTL_MOD, a, &ev));
  /* Reset seen by edge-triggered epoll. */
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = 3;
  REC(LBL("%s MOD client ET", F), epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev));
  WAIT("client ET standing", 0);
  struct linger lg = {1, 0};
  setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  REC(LBL("%s close accepted (RST)", F), close(a));
  WAIT("client sees reset", 3000);
  WAIT("client after reset edge", 0);
  REC(LBL("%s client recv", F), recv(c, buf, sizeof(buf), 0));
  REC(LBL("%s close epoll", F), close(ep));
  REC(LBL("%s close client", F), close(c));
  REC(LBL("%s close listener", F), close(l));
#undef WAIT
}

SCENARIO(epoll_modes_v4) { epoll_modes(AF_INET); }
SCENARIO(epoll_modes_v6) { epoll_modes(AF_INET6); }

/* Listening socket in epoll: pending connections, edge- and
 * level-triggered, and select on several sockets at once. */
static void listener_multi(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int ep = (int)REC(LBL("%s epoll_create1", F), epoll_create1(0));
  struct epoll_event ev = {0};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.fd = l;
  REC(LBL("%s ADD listener ET", F), epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
  struct epoll_event out[4];
  REC(LBL("%s wait idle", F), epoll_wait(ep, out, 4, 0));
  int c1 = (int)REC(LBL("%s c1 socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s c1 connect", F), connect(c1, (struct sockaddr*)&la, lal));
  int n = (int)REC(LBL("%s wait c1", F), epoll_wait(ep, out, 4, 3000));
  if (n > 0)
    note("%s c1 event %#x fd-is-listener %d", F, out[0].events,
         out[0].data.fd == l);
  REC(LBL("%s wait again", F), epoll_wait(ep, out, 4, 0));
  int c2 = (int)REC(LBL("%s c2 socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s c2 connect", F), connect(c2, (struct sockaddr*)&la, lal));
  wait_queue(l, 2);
  n = (int)REC(LBL("%s wait c2", F), epoll_wait(ep, out, 4, 3000));
  if (n > 0) note("%s c2 event %#x", F, out[0].events);
  int a1 = (int)REC(LBL("%s accept 1", F), accept(l, NULL, NULL));
  REC(LBL("%s wait after accept 1 (ET)", F), epoll_wait(ep, out, 4, 0));
  ready(LBL("%s listener one left", F), l);
  int a2 = (int)REC(LBL("%s accept 2", F), accept(l, NULL, NULL));
  ready(LBL("%s listener none left", F), l);

  /* select over several sockets. */
  REC(LBL("%s c1 send", F), send(c1, "q", 1, 0));
  await(LBL("%s a1 data", F), a1, POLLIN, 3000);
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  int fds[5] = {l, c1, c2, a1, a2};
  int maxfd = 0;
  for (int i = 0; i < 5; ++i) {
    FD_SET(fds[i], &r);
    if (fds[i] > maxfd) maxfd = fds[i];
  }
  FD_SET(a2, &w);
  struct timeval tv = {0, 0};
  REC(LBL("%s select", F), select(maxfd + 1, &r, &w, NULL, &tv));
  note("%s select: r l%d c1%d c2%d a1%d a2%d w a2%d", F, FD_ISSET(l, &r) != 0,
       FD_ISSET(c1, &r) != 0, FD_ISSET(c2, &r) != 0, FD_ISSET(a1, &r) != 0,
       FD_ISSET(a2, &r) != 0, FD_ISSET(a2, &w) != 0);
  struct pollfd p[5];
  for (int i = 0; i < 5; ++i) {
    p[i].fd = fds[i];
    p[i].events = POLLIN | POLLOUT;
    p[i].revents = 0;
  }
  REC(LBL("%s poll 5", F), poll(p, 5, 0));
  char b[160];
  for (int i = 0; i < 5; ++i) {
    note("%s poll[%d]: %s", F, i,
         event_bits((unsigned)p[i].revents, b, sizeof(b)));
  }
  /* A closed fd in the set: POLLNVAL (poll), EBADF (select). */
  int dead = (int)REC(LBL("%s dead socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s close dead", F), close(dead));
  struct pollfd pd = {dead, POLLIN, 0};
  REC(LBL("%s poll closed fd", F), poll(&pd, 1, 0));
  note("%s closed fd revents %s", F,
       event_bits((unsigned)pd.revents, b, sizeof(b)));
  FD_ZERO(&r);
  FD_SET(dead, &r);
  REC(LBL("%s select closed fd", F), select(dead + 1, &r, NULL, NULL, &tv));
  REC(LBL("%s close epoll", F), close(ep));
  REC(LBL("%s close a1", F), close(a1));
  REC(LBL("%s close a2", F), close(a2));
  REC(LBL("%s close c1", F), close(c1));
  REC(LBL("%s close c2", F), close(c2));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(listener_multi_v4) { listener_multi(AF_INET); }
SCENARIO(listener_multi_v6) { listener_multi(AF_INET6); }

/* epoll follows the open file, not the fd: a registered socket closed
 * while a dup keeps it open still reports events under its old number. */
static void epoll_close_dup(int family) {
  const char* F = fam_name(family);
  char buf[16];
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair(F, l, family, &la, lal, &a);
  int ep = (int)REC(LBL("%s epoll_create1", F), epoll_create1(0));
  struct epoll_event ev = {0};
  ev.events = EPOLLIN;
  ev.data.u64 = (uint64_t)a;
  REC(LBL("%s ADD accepted", F), epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
  int d = (int)REC(LBL("%s dup accepted", F), dup(a));
  REC(LBL("%s close accepted", F), close(a));
  REC(LBL("%s client send", F), send(c, "still", 5, 0));
  struct epoll_event out[2];
  memset(out, 0, sizeof(out));
  int n = (int)REC(LBL("%s epoll_wait", F), epoll_wait(ep, out, 2, 3000));
  if (n > 0) {
    note("%s event for the closed fd number %d", F,
         out[0].data.u64 == (uint64_t)a);
  }
  REC(LBL("%s DEL closed fd", F), epoll_ctl(ep, EPOLL_CTL_DEL, a, NULL));
  REC(LBL("%s DEL dup (never added)", F),
      epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL));
  REC(LBL("%s recv on dup", F), recv(d, buf, sizeof(buf), 0));
  ready(LBL("%s dup", F), d);
  REC(LBL("%s close dup", F), close(d));
  /* Now the file is gone: no more events. */
  REC(LBL("%s client send 2", F), send(c, "gone", 4, MSG_NOSIGNAL));
  REC(LBL("%s epoll_wait after last close", F), epoll_wait(ep, out, 2, 100));
  REC(LBL("%s close epoll", F), close(ep));
  REC(LBL("%s close client", F), close(c));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(epoll_close_dup_v4) { epoll_close_dup(AF_INET); }
SCENARIO(epoll_close_dup_v6) { epoll_close_dup(AF_INET6); }

/* ---- UDP ---- */

static void udp_ready(int family) {
  const char* F = fam_name(family);
  char buf[64];
  int s = (int)REC(LBL("%s socket", F), socket(family, SOCK_DGRAM, 0));
  ready(LBL("%s fresh", F), s);
  struct sockaddr_storage sa;
  socklen_t sal = loopback(family, &sa);
  REC(LBL("%s bind", F), bind(s, (struct sockaddr*)&sa, sal));
  sal = sizeof(sa);
  getsockname(s, (struct sockaddr*)&sa, &sal);
  ready(LBL("%s bound", F), s);
  int t = (int)REC(LBL("%s sender socket", F), socket(family, SOCK_DGRAM, 0));
  REC(LBL("%s sendto", F), sendto(t, "d1", 2, 0, (struct sockaddr*)&sa, sal));
  REC(LBL("%s sendto 2", F), sendto(t, "d2", 2, 0, (struct sockaddr*)&sa, sal));
  await(LBL("%s queued", F), s, POLLIN, 3000);
  ready(LBL("%s datagrams queued", F), s);
  REC(LBL("%s recv", F), recv(s, buf, sizeof(buf), 0));
  await(LBL("%s second", F), s, POLLIN, 3000);
  ready(LBL("%s one left", F), s);
  REC(LBL("%s recv 2", F), recv(s, buf, sizeof(buf), 0));
  ready(LBL("%s drained", F), s);
  REC(LBL("%s sendto empty", F),
      sendto(t, "", 0, 0, (struct sockaddr*)&sa, sal));
  await(LBL("%s empty queued", F), s, POLLIN, 3000);
  ready(LBL("%s empty datagram queued", F), s);
  REC(LBL("%s recv empty", F), recv(s, buf, sizeof(buf), 0));

  /* Connected to a port with nothing behind it: ICMP error. */
  int h = socket(family, SOCK_DGRAM, 0);
  struct sockaddr_storage ha;
  socklen_t hal = loopback(family, &ha);
  bind(h, (struct sockaddr*)&ha, hal);
  hal = sizeof(ha);
  getsockname(h, (struct sockaddr*)&ha, &hal);
  close(h);
  REC(LBL("%s sender connect dead port", F),
      connect(t, (struct sockaddr*)&ha, hal));
  ready(LBL("%s connected", F), t);
  REC(LBL("%s send to dead port", F), send(t, "x", 1, 0));
  await(LBL("%s icmp", F), t, POLLERR, 3000);
  ready(LBL("%s ICMP error pending", F), t);
  REC(LBL("%s recv error", F), recv(t, buf, sizeof(buf), MSG_DONTWAIT));
  ready(LBL("%s error read", F), t);

  /* shutdown on UDP: ENOTCONN when unconnected, but it takes effect. */
  REC(LBL("%s unconnected SHUT_RD", F), shutdown(s, SHUT_RD));
  ready(LBL("%s unconnected after SHUT_RD", F), s);
  REC(LBL("%s recv after SHUT_RD", F), recv(s, buf, sizeof(buf), 0));
  REC(LBL("%s unconnected SHUT_WR", F), shutdown(s, SHUT_WR));
  ready(LBL("%s unconnected after SHUT_RDWR", F), s);
  REC(LBL("%s sendto after SHUT_WR", F),
      sendto(s, "x", 1, MSG_NOSIGNAL, (struct sockaddr*)&sa, sal));
  REC(LBL("%s connected SHUT_WR", F), shutdown(t, SHUT_WR));
  ready(LBL("%s connected after SHUT_WR", F), t);
  REC(LBL("%s close", F), close(s));
  REC(LBL("%s close sender", F), close(t));
}

/* epoll on UDP: edge-triggered per datagram, and EPOLLERR for an ICMP
 * error on a connected socket even when not asked for. */
static void udp_epoll(int family) {
  const char* F = fam_name(family);
  char buf[64], b[160];
  struct sockaddr_storage sa;
  socklen_t sal;
  int s = make_server(F, family, SOCK_DGRAM, &sa, &sal);
  int t = (int)REC(LBL("%s sender socket", F), socket(family, SOCK_DGRAM, 0));
  int ep = (int)REC(LBL("%s epoll_create1", F), epoll_create1(0));
  struct epoll_event ev = {0};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = 1;
  REC(LBL("%s ADD receiver ET", F), epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  struct epoll_event out[4];
#define WAIT(label, ms)                                                    \
  do {                                                                     \
    memset(out, 0, sizeof(out));                                           \
    int n_ = (int)REC(LBL("%s %s", F, label), epoll_wait(ep, out, 4, ms)); \
    for (int i_ = 0; i_ < n_; ++i_) {                                      \
      note("%s %s: data %llu events %s", F, label,                         \
           (unsigned long long)out[i_].data.u64,                           \
           event_bits(out[i_].events, b, sizeof(b)));                      \
    }                                                                      \
  } while (0)
  WAIT("idle", 0);
  REC(LBL("%s sendto 1", F), sendto(t, "a", 1, 0, (struct sockaddr*)&sa, sal));
  WAIT("first datagram", 3000);
  WAIT("no new edge", 0);
  REC(LBL("%s sendto 2", F), sendto(t, "b", 1, 0, (struct sockaddr*)&sa, sal));
  WAIT("second datagram", 3000);
  REC(LBL("%s recv 1", F), recv(s, buf, sizeof(buf), 0));
  WAIT("after one recv", 0);
  REC(LBL("%s recv 2", F), recv(s, buf, sizeof(buf), 0));
  /* The sender, connected to a port with nothing behind it. */
  int h = socket(family, SOCK_DGRAM, 0);
  struct sockaddr_storage ha;
  socklen_t hal = loopback(family, &ha);
  bind(h, (struct sockaddr*)&ha, hal);
  hal = sizeof(ha);
  getsockname(h, (struct sockaddr*)&ha, &hal);
  close(h);
  REC(LBL("%s sender connect", F), connect(t, (struct sockaddr*)&ha, hal));
  ev.events = EPOLLOUT | EPOLLET;
  ev.data.u64 = 2;
  REC(LBL("%s ADD sender OUT|ET", F), epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev));
  WAIT("sender writable", 0);
  REC(LBL("%s sender send", F), send(t, "x", 1, 0));
  WAIT("sender error", 3000);
  WAIT("sender error again", 0);
  REC(LBL("%s sender recv error", F), recv(t, buf, sizeof(buf), MSG_DONTWAIT));
  WAIT("sender after error read", 0);
#undef WAIT
  REC(LBL("%s close epoll", F), close(ep));
  REC(LBL("%s close sender", F), close(t));
  REC(LBL("%s close receiver", F), close(s));
}

SCENARIO(udp_epoll_v4) { udp_epoll(AF_INET); }
SCENARIO(udp_epoll_v6) { udp_epoll(AF_INET6); }

SCENARIO(udp_ready_v4) { udp_ready(AF_INET); }
SCENARIO(udp_ready_v6) { udp_ready(AF_INET6); }

DIFFTEST_MAIN()
