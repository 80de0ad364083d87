/* Connection life: non-blocking connect, refused and repeated connects,
 * implicit bind at listen, accept on the wrong sockets and accept4 flags,
 * backlog overflow, half-close, abortive close (SO_LINGER 0, unread data),
 * TIME_WAIT and SO_REUSEADDR/SO_REUSEPORT with Linux's rules, port 0,
 * IPv4-mapped peers on a dual-stack socket, connected and unconnected UDP,
 * ICMP port unreachable, and getsockname/getpeername in each state. Every
 * scenario runs over IPv4 and IPv6 where that applies. */
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "difftest.h"

static char L[256];
#define LBL(...) (snprintf(L, sizeof(L), __VA_ARGS__), L)

/* Waits (bounded) for any of `events`, then records the full revents. */
static void note_wait(const char* label, int fd, short events, int ms) {
  char b[128];
  struct pollfd p = {fd, events, 0};
  int r = poll(&p, 1, ms);
  note("%s: poll %d revents %s", label, r,
       event_bits((unsigned)p.revents, b, sizeof(b)));
}

/* Records the current readiness (timeout 0). */
static void note_now(const char* label, int fd) {
  char b[128];
  struct pollfd p = {fd, POLLIN | POLLOUT | POLLPRI | POLLRDHUP, 0};
  int r = poll(&p, 1, 0);
  note("%s: poll %d revents %s", label, r,
       event_bits((unsigned)p.revents, b, sizeof(b)));
}

static void so_error(const char* label, int fd) {
  int v = -1;
  socklen_t l = sizeof(v);
  if (REC(label, getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &l)) == 0) {
    note("%s: len %u value %s", label, (unsigned)l, st_errname(v));
  }
}

static void sockname(const char* label, int fd) {
  struct sockaddr_storage ss;
  memset(&ss, 0xAA, sizeof(ss));
  socklen_t n = sizeof(ss);
  if (REC(label, getsockname(fd, (struct sockaddr*)&ss, &n)) == 0) {
    note_addr(label, &ss, n);
  }
}

static void peername(const char* label, int fd) {
  struct sockaddr_storage ss;
  memset(&ss, 0xAA, sizeof(ss));
  socklen_t n = sizeof(ss);
  if (REC(label, getpeername(fd, (struct sockaddr*)&ss, &n)) == 0) {
    note_addr(label, &ss, n);
  }
}

/* A loopback address with no listener: a socket bound to it (not listening)
 * keeps the port taken, so a SYN there draws an RST. *holder is that
 * socket. */
static socklen_t closed_port(int family, int type, struct sockaddr_storage* a,
                             int* holder) {
  *holder = socket(family, type, 0);
  socklen_t n = loopback(family, a);
  if (*holder < 0 || bind(*holder, (struct sockaddr*)a, n) != 0) die("holder");
  socklen_t gl = sizeof(*a);
  if (getsockname(*holder, (struct sockaddr*)a, &gl) != 0) die("holder name");
  return gl;
}

/* The listener's accept queue length (TCP_INFO tcpi_unacked on a listening
 * socket), waited for up to 2 s. Synchronisation only: not recorded. */
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

static void fd_flags(const char* label, int fd) {
  int fl = fcntl(fd, F_GETFL);
  int fdf = fcntl(fd, F_GETFD);
  note("%s: nonblock %d cloexec %d", label, (fl & O_NONBLOCK) != 0,
       (fdf & FD_CLOEXEC) != 0);
}

/* ---- non-blocking connect ---- */

static void nb_connect(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int c = (int)REC(LBL("%s socket nonblock", F),
                   socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REC(LBL("%s connect", F), connect(c, (struct sockaddr*)&la, lal));
  note_wait(LBL("%s wait writable", F), c, POLLOUT, 3000);
  so_error(LBL("%s SO_ERROR", F), c);
  /* The handshake is over: the second connect reports success once, the
   * third EISCONN. */
  REC(LBL("%s connect again", F), connect(c, (struct sockaddr*)&la, lal));
  REC(LBL("%s connect third", F), connect(c, (struct sockaddr*)&la, lal));
  peername(LBL("%s getpeername", F), c);
  sockname(LBL("%s getsockname", F), c);
  int a = (int)REC(LBL("%s accept", F), accept(l, NULL, NULL));
  REC(LBL("%s send", F), send(c, "hello", 5, 0));
  char buf[16];
  note_wait(LBL("%s accepted wait", F), a, POLLIN, 3000);
  REC(LBL("%s recv", F), recv(a, buf, sizeof(buf), 0));
  REC(LBL("%s close accepted", F), close(a));
  REC(LBL("%s close client", F), close(c));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(nb_connect_v4) { nb_connect(AF_INET); }
SCENARIO(nb_connect_v6) { nb_connect(AF_INET6); }

/* A connect that stays in SYN_SENT: the listener's accept queue is full
 * (listen backlog 0 holds one), so the SYN is dropped. */
static void connect_in_progress(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l =
      (int)REC(LBL("%s listener socket", F), socket(family, SOCK_STREAM, 0));
  lal = loopback(family, &la);
  REC(LBL("%s bind", F), bind(l, (struct sockaddr*)&la, lal));
  REC(LBL("%s listen 0", F), listen(l, 0));
  lal = sizeof(la);
  REC(LBL("%s getsockname", F), getsockname(l, (struct sockaddr*)&la, &lal));
  int c1 = (int)REC(LBL("%s c1 socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s c1 connect", F), connect(c1, (struct sockaddr*)&la, lal));
  wait_queue(l, 1);
  int c2 = (int)REC(LBL("%s c2 socket", F),
                    socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REC(LBL("%s c2 connect", F), connect(c2, (struct sockaddr*)&la, lal));
  REC(LBL("%s c2 connect again", F), connect(c2, (struct sockaddr*)&la, lal));
  note_wait(LBL("%s c2 wait 200ms", F), c2, POLLOUT, 200);
  so_error(LBL("%s c2 SO_ERROR", F), c2);
  peername(LBL("%s c2 getpeername", F), c2);
  sockname(LBL("%s c2 getsockname", F), c2);
  REC(LBL("%s c2 send", F), send(c2, "x", 1, MSG_NOSIGNAL));
  char b;
  REC(LBL("%s c2 recv", F), recv(c2, &b, 1, 0));
  /* Blocking connect on the same socket: it waits for the connection
   * (SO_SNDTIMEO bounds the wait) and still says EALREADY. */
  REC(LBL("%s c2 set blocking", F), fcntl(c2, F_SETFL, 0));
  struct timeval tv = {0, 200000};
  REC(LBL("%s c2 SO_SNDTIMEO 200ms", F),
      setsockopt(c2, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
  REC(LBL("%s c2 blocking connect", F),
      connect(c2, (struct sockaddr*)&la, lal));
  /* Abort it: connect(AF_UNSPEC). */
  struct sockaddr un = {0};
  un.sa_family = AF_UNSPEC;
  REC(LBL("%s c2 connect AF_UNSPEC", F), connect(c2, &un, sizeof(un)));
  note_now(LBL("%s c2 after AF_UNSPEC", F), c2);
  peername(LBL("%s c2 getpeername after AF_UNSPEC", F), c2);
  /* A blocking connect bounded by SO_SNDTIMEO gives up with EINPROGRESS
   * and goes on in the background. */
  int c3 = (int)REC(LBL("%s c3 socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s c3 SO_SNDTIMEO 200ms", F),
      setsockopt(c3, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
  REC(LBL("%s c3 connect", F), connect(c3, (struct sockaddr*)&la, lal));
  REC(LBL("%s c3 connect again", F), connect(c3, (struct sockaddr*)&la, lal));
  note_now(LBL("%s c3 in progress", F), c3);
  REC(LBL("%s close c3", F), close(c3));
  REC(LBL("%s close c2", F), close(c2));
  REC(LBL("%s close c1", F), close(c1));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(connect_in_progress_v4) { connect_in_progress(AF_INET); }
SCENARIO(connect_in_progress_v6) { connect_in_progress(AF_INET6); }

/* ---- refused ---- */

static void connect_refused(int family) {
  const char* F = fam_name(family);
  int holder;
  struct sockaddr_storage a;
  socklen_t al = closed_port(family, SOCK_STREAM, &a, &holder);
  int c =
      (int)REC(LBL("%s blocking socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s blocking connect", F), connect(c, (struct sockaddr*)&a, al));
  so_error(LBL("%s blocking SO_ERROR", F), c);
  note_now(LBL("%s blocking after refusal", F), c);
  peername(LBL("%s blocking getpeername", F), c);
  REC(LBL("%s blocking connect again", F),
      connect(c, (struct sockaddr*)&a, al));
  REC(LBL("%s close blocking", F), close(c));

  /* Non-blocking, reading SO_ERROR: the next connect starts over. */
  c = (int)REC(LBL("%s nb socket", F),
               socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REC(LBL("%s nb connect", F), connect(c, (struct sockaddr*)&a, al));
  note_wait(LBL("%s nb wait", F), c, POLLOUT, 3000);
  so_error(LBL("%s nb SO_ERROR", F), c);
  so_error(LBL("%s nb SO_ERROR again", F), c);
  REC(LBL("%s nb connect after SO_ERROR", F),
      connect(c, (struct sockaddr*)&a, al));
  REC(LBL("%s nb connect third", F), connect(c, (struct sockaddr*)&a, al));
  note_wait(LBL("%s nb wait third", F), c, POLLOUT, 3000);
  REC(LBL("%s close nb", F), close(c));

  /* Non-blocking, not reading SO_ERROR: the next connect reports it. */
  c = (int)REC(LBL("%s nb2 socket", F),
               socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REC(LBL("%s nb2 connect", F), connect(c, (struct sockaddr*)&a, al));
  note_wait(LBL("%s nb2 wait", F), c, POLLOUT, 3000);
  REC(LBL("%s nb2 connect again", F), connect(c, (struct sockaddr*)&a, al));
  so_error(LBL("%s nb2 SO_ERROR", F), c);
  char b;
  REC(LBL("%s nb2 recv", F), recv(c, &b, 1, 0));
  REC(LBL("%s nb2 send", F), send(c, &b, 1, MSG_NOSIGNAL));
  REC(LBL("%s close nb2", F), close(c));
  REC(LBL("%s close holder", F), close(holder));
}

SCENARIO(connect_refused_v4) { connect_refused(AF_INET); }
SCENARIO(connect_refused_v6) { connect_refused(AF_INET6); }

/* ---- connect twice, blocking; AF_UNSPEC; reconnect ---- */

static void connect_twice(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int c = (int)REC(LBL("%s socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s connect", F), connect(c, (struct sockaddr*)&la, lal));
  REC(LBL("%s connect again", F), connect(c, (struct sockaddr*)&la, lal));
  int a1 = (int)REC(LBL("%s accept 1", F), accept(l, NULL, NULL));
  struct sockaddr un = {0};
  un.sa_family = AF_UNSPEC;
  REC(LBL("%s connect AF_UNSPEC", F), connect(c, &un, sizeof(un)));
  peername(LBL("%s getpeername after AF_UNSPEC", F), c);
  sockname(LBL("%s getsockname after AF_UNSPEC", F), c);
  note_wait(LBL("%s accepted sees reset", F), a1, POLLIN, 3000);
  char b;
  REC(LBL("%s accepted recv", F), recv(a1, &b, 1, 0));
  REC(LBL("%s reconnect", F), connect(c, (struct sockaddr*)&la, lal));
  int a2 = (int)REC(LBL("%s accept 2", F), accept(l, NULL, NULL));
  REC(LBL("%s send", F), send(c, "y", 1, 0));
  REC(LBL("%s accepted 2 recv", F), recv(a2, &b, 1, 0));
  /* A listening socket cannot connect; an accepted one is connected. */
  REC(LBL("%s connect on listener", F), connect(l, (struct sockaddr*)&la, lal));
  REC(LBL("%s connect on accepted", F),
      connect(a2, (struct sockaddr*)&la, lal));
  /* Wrong family on a stream socket. */
  struct sockaddr_storage other;
  socklen_t ol = loopback(family == AF_INET ? AF_INET6 : AF_INET, &other);
  int d = (int)REC(LBL("%s fresh socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s connect other family", F),
      connect(d, (struct sockaddr*)&other, ol));
  REC(LBL("%s close fresh", F), close(d));
  REC(LBL("%s close a1", F), close(a1));
  REC(LBL("%s close a2", F), close(a2));
  REC(LBL("%s close c", F), close(c));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(connect_twice_v4) { connect_twice(AF_INET); }
SCENARIO(connect_twice_v6) { connect_twice(AF_INET6); }

/* ---- listen without bind ---- */

static void listen_unbound(int family) {
  const char* F = fam_name(family);
  int l = (int)REC(LBL("%s socket", F), socket(family, SOCK_STREAM, 0));
  sockname(LBL("%s getsockname fresh", F), l);
  note_now(LBL("%s fresh", F), l);
  /* Data calls before any connection: ENOTCONN to read, EPIPE (and
   * SIGPIPE) to write, on a fresh socket and on a listening one. */
  st_count_signal(SIGPIPE, 0);
  char b1;
  REC(LBL("%s recv fresh", F), recv(l, &b1, 1, MSG_DONTWAIT));
  REC(LBL("%s send fresh", F), send(l, "x", 1, 0));
  note_signals(LBL("%s after send fresh", F));
  REC(LBL("%s write fresh", F), write(l, "x", 1));
  REC(LBL("%s listen", F), listen(l, 4));
  REC(LBL("%s recv listening", F), recv(l, &b1, 1, MSG_DONTWAIT));
  REC(LBL("%s read listening", F), read(l, &b1, 1));
  REC(LBL("%s send listening", F), send(l, "x", 1, 0));
  REC(LBL("%s send listening nosignal", F), send(l, "x", 1, MSG_NOSIGNAL));
  note_signals(LBL("%s after send listening", F));
  sockname(LBL("%s getsockname listening", F), l);
  peername(LBL("%s getpeername listening", F), l);
  note_now(LBL("%s listening", F), l);
  REC(LBL("%s listen again", F), listen(l, 8));
  struct sockaddr_storage a;
  socklen_t al = sizeof(a);
  getsockname(l, (struct sockaddr*)&a, &al);
  struct sockaddr_storage lo;
  loopback(family, &lo);
  if (family == AF_INET) {
    ((struct sockaddr_in*)&lo)->sin_port = ((struct sockaddr_in*)&a)->sin_port;
  } else {
    ((struct sockaddr_in6*)&lo)->sin6_port =
        ((struct sockaddr_in6*)&a)->sin6_port;
  }
  int c = (int)REC(LBL("%s client socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s connect", F), connect(c, (struct sockaddr*)&lo, al));
  note_wait(LBL("%s listener pending", F), l, POLLIN, 3000);
  struct sockaddr_storage pa;
  socklen_t pal = sizeof(pa);
  int acc =
      (int)REC(LBL("%s accept", F), accept(l, (struct sockaddr*)&pa, &pal));
  note_addr(LBL("%s accept peer", F), &pa, pal);
  sockname(LBL("%s accepted getsockname", F), acc);
  /* bind after listen (implicitly bound): EINVAL. */
  REC(LBL("%s bind listening", F), bind(l, (struct sockaddr*)&lo, al));
  /* A bind after an implicit bind at connect: EINVAL too. */
  REC(LBL("%s bind connected", F), bind(c, (struct sockaddr*)&lo, al));
  REC(LBL("%s close accepted", F), close(acc));
  REC(LBL("%s close client", F), close(c));
  REC(LBL("%s close listener", F), close(l));

  /* listen on UDP; listen on a connected socket; listen on accepted. */
  int u = (int)REC(LBL("%s udp socket", F), socket(family, SOCK_DGRAM, 0));
  REC(LBL("%s udp listen", F), listen(u, 1));
  REC(LBL("%s udp close", F), close(u));
  struct sockaddr_storage la;
  socklen_t lal;
  l = make_server(F, family, SOCK_STREAM, &la, &lal);
  c = make_pair(F, l, family, &la, lal, &acc);
  REC(LBL("%s listen connected", F), listen(c, 1));
  REC(LBL("%s listen accepted", F), listen(acc, 1));
  REC(LBL("%s close accepted 2", F), close(acc));
  REC(LBL("%s close client 2", F), close(c));
  REC(LBL("%s close listener 2", F), close(l));
}

SCENARIO(listen_unbound_v4) { listen_unbound(AF_INET); }
SCENARIO(listen_unbound_v6) { listen_unbound(AF_INET6); }

/* ---- accept on the wrong sockets; accept4 flags ---- */

static void accept_cases(int family) {
  const char* F = fam_name(family);
  int s = (int)REC(LBL("%s fresh socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s accept fresh", F), accept(s, NULL, NULL));
  struct sockaddr_storage ba;
  socklen_t bal = loopback(family, &ba);
  REC(LBL("%s bind", F), bind(s, (struct sockaddr*)&ba, bal));
  REC(LBL("%s accept bound", F), accept(s, NULL, NULL));
  REC(LBL("%s accept4 bound bad flags", F), accept4(s, NULL, NULL, 0x4000));
  REC(LBL("%s close bound", F), close(s));
  int u = (int)REC(LBL("%s udp socket", F), socket(family, SOCK_DGRAM, 0));
  REC(LBL("%s accept udp", F), accept(u, NULL, NULL));
  REC(LBL("%s accept4 udp bad flags", F), accept4(u, NULL, NULL, 0x4000));
  REC(LBL("%s close udp", F), close(u));

  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  REC(LBL("%s accept4 bad flags", F), accept4(l, NULL, NULL, O_APPEND));
  REC(LBL("%s accept4 bad flags 2", F), accept4(l, NULL, NULL, -1));
  REC(LBL("%s listener nonblock", F), fcntl(l, F_SETFL, O_NONBLOCK));
  REC(LBL("%s accept nothing pending", F), accept(l, NULL, NULL));
  REC(LBL("%s accept4 nothing pending", F),
      accept4(l, NULL, NULL, SOCK_NONBLOCK));

  int c[4];
  int a[4];
  static const int fl[4] = {0, SOCK_NONBLOCK, SOCK_CLOEXEC,
                            SOCK_NONBLOCK | SOCK_CLOEXEC};
  for (int i = 0; i < 4; ++i) {
    c[i] = (int)REC(LBL("%s client %d socket", F, i),
                    socket(family, SOCK_STREAM, 0));
    REC(LBL("%s client %d connect", F, i),
        connect(c[i], (struct sockaddr*)&la, lal));
    note_wait(LBL("%s listener %d", F, i), l, POLLIN, 3000);
    struct sockaddr_storage pa;
    memset(&pa, 0, sizeof(pa));
    socklen_t pal = (socklen_t)(i == 3 ? 8 : sizeof(pa)); /* truncated */
    a[i] = (int)REC(LBL("%s accept4 flags %d", F, fl[i]),
                    accept4(l, (struct sockaddr*)&pa, &pal, fl[i]));
    note("%s accept4 %d: addrlen %u family %d", fam_name(family), i,
         (unsigned)pal, (int)pa.ss_family);
    fd_flags(LBL("%s accepted %d", F, i), a[i]);
  }
  fd_flags(LBL("%s listener", F), l);
  /* Accepted sockets: accept on them is EINVAL, they are connected. */
  REC(LBL("%s accept on accepted", F), accept(a[0], NULL, NULL));
  REC(LBL("%s accept4 on accepted", F),
      accept4(a[1], NULL, NULL, SOCK_CLOEXEC));
  REC(LBL("%s accept on client", F), accept(c[0], NULL, NULL));
  REC(LBL("%s accepted 1 recv nothing", F), recv(a[1], L, 1, 0));
  for (int i = 0; i < 4; ++i) {
    REC(LBL("%s close accepted %d", F, i), close(a[i]));
    REC(LBL("%s close client %d", F, i), close(c[i]));
  }
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(accept_cases_v4) { accept_cases(AF_INET); }
SCENARIO(accept_cases_v6) { accept_cases(AF_INET6); }

/* ---- backlog overflow: listen(fd, 1) with many connects ---- */

static void queue_info(const char* label, int lfd) {
  struct tcp_info ti;
  memset(&ti, 0, sizeof(ti));
  socklen_t tl = sizeof(ti);
  if (REC(label, getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &tl)) == 0) {
    note("%s: state %u queued %u backlog %u", label, ti.tcpi_state,
         ti.tcpi_unacked, ti.tcpi_sacked);
  }
}

static void backlog_overflow(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l =
      (int)REC(LBL("%s listener socket", F), socket(family, SOCK_STREAM, 0));
  lal = loopback(family, &la);
  REC(LBL("%s bind", F), bind(l, (struct sockaddr*)&la, lal));
  REC(LBL("%s listen 1", F), listen(l, 1));
  lal = sizeof(la);
  getsockname(l, (struct sockaddr*)&la, &lal);
  queue_info(LBL("%s queue empty", F), l);
  enum { N = 6 };
  int c[N];
  /* The accept queue holds backlog + 1: two connections complete. */
  for (int i = 0; i < 2; ++i) {
    c[i] = (int)REC(LBL("%s client %d socket", F, i),
                    socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
    REC(LBL("%s client %d connect", F, i),
        connect(c[i], (struct sockaddr*)&la, lal));
    note_wait(LBL("%s client %d wait", F, i), c[i], POLLOUT, 3000);
    wait_queue(l, (unsigned)i + 1);
  }
  queue_info(LBL("%s queue full", F), l);
  /* The others' SYNs are dropped while the queue is full: they stay in
   * SYN_SENT (the first retransmission is a second away; everything up to
   * their close takes far less). */
  for (int i = 2; i < N; ++i) {
    c[i] = (int)REC(LBL("%s client %d socket", F, i),
                    socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
    REC(LBL("%s client %d connect", F, i),
        connect(c[i], (struct sockaddr*)&la, lal));
  }
  for (int i = 2; i < N; ++i) {
    note_wait(LBL("%s client %d 30ms", F, i), c[i], POLLOUT, 30);
    so_error(LBL("%s client %d SO_ERROR", F, i), c[i]);
    REC(LBL("%s client %d connect again", F, i),
        connect(c[i], (struct sockaddr*)&la, lal));
  }
  queue_info(LBL("%s queue still full", F), l);
  note_now(LBL("%s listener", F), l);
  for (int i = 2; i < N; ++i) REC(LBL("%s close client %d", F, i), close(c[i]));
  REC(LBL("%s listener nonblock", F), fcntl(l, F_SETFL, O_NONBLOCK));
  int a0 = (int)REC(LBL("%s accept 0", F), accept(l, NULL, NULL));
  int a1 = (int)REC(LBL("%s accept 1", F), accept(l, NULL, NULL));
  REC(LBL("%s accept empty", F), accept(l, NULL, NULL));
  queue_info(LBL("%s queue drained", F), l);
  /* Room again: a new connect completes at once. */
  int d =
      (int)REC(LBL("%s late client socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s late connect", F), connect(d, (struct sockaddr*)&la, lal));
  note_wait(LBL("%s listener pending", F), l, POLLIN, 3000);
  int a2 = (int)REC(LBL("%s accept late", F), accept(l, NULL, NULL));
  /* A new backlog on the same socket takes effect at once; a negative or
   * huge one is clamped to somaxconn. */
  REC(LBL("%s listen 3", F), listen(l, 3));
  queue_info(LBL("%s queue after listen 3", F), l);
  REC(LBL("%s listen -1", F), listen(l, -1));
  queue_info(LBL("%s queue after listen -1", F), l);
  REC(LBL("%s listen 1000000", F), listen(l, 1000000));
  queue_info(LBL("%s queue after listen 1000000", F), l);
  REC(LBL("%s listen 0", F), listen(l, 0));
  queue_info(LBL("%s queue after listen 0", F), l);
  REC(LBL("%s close a0", F), close(a0));
  REC(LBL("%s close a1", F), close(a1));
  REC(LBL("%s close a2", F), close(a2));
  REC(LBL("%s close late", F), close(d));
  for (int i = 0; i < 2; ++i) REC(LBL("%s close client %d", F, i), close(c[i]));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(backlog_overflow_v4) { backlog_overflow(AF_INET); }
SCENARIO(backlog_overflow_v6) { backlog_overflow(AF_INET6); }

/* ---- half-close: SHUT_WR with the peer still sending ---- */

static void half_close(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int acc;
  int c = make_pair(F, l, family, &la, lal, &acc);
  REC(LBL("%s client send", F), send(c, "request", 7, 0));
  REC(LBL("%s client shutdown SHUT_WR", F), shutdown(c, SHUT_WR));
  note_now(LBL("%s client after SHUT_WR", F), c);
  char buf[65536];
  note_wait(LBL("%s server wait", F), acc, POLLRDHUP, 3000);
  REC(LBL("%s server recv", F), recv(acc, buf, sizeof(buf), 0));
  REC(LBL("%s server recv eof", F), recv(acc, buf, sizeof(buf), 0));
  note_now(LBL("%s server after eof", F), acc);
  /* The server keeps sending: 200000 bytes the client still reads. */
  unsigned char* data = (unsigned char*)malloc(200000);
  fill_pattern(data, 200000, 0, 7);
  uint64_t sent_sum = fnv1a(FNV_INIT, data, 200000);
  uint64_t got_sum = FNV_INIT;
  size_t put = 0, got = 0;
  double end = now_s() + 10.0;
  for (int i = 0; i < 100000 && got < 200000 && now_s() < end; ++i) {
    struct pollfd p[2] = {{acc, put < 200000 ? POLLOUT : 0, 0}, {c, POLLIN, 0}};
    if (poll(p, 2, 1000) <= 0) continue;
    if (p[0].revents & POLLOUT) {
      ssize_t r = send(acc, data + put, 200000 - put, MSG_DONTWAIT);
      if (r > 0) put += (size_t)r;
    }
    if (p[1].revents & POLLIN) {
      ssize_t r = recv(c, buf, sizeof(buf), MSG_DONTWAIT);
      if (r > 0) {
        got_sum = fnv1a(got_sum, buf, (size_t)r);
        got += (size_t)r;
      }
    }
  }
  note("%s data: sent %zu received %zu same %d", F, put, got,
       sent_sum == got_sum);
  free(data);
  REC(LBL("%s client send after SHUT_WR", F), send(c, "x", 1, MSG_NOSIGNAL));
  REC(LBL("%s client shutdown SHUT_WR again", F), shutdown(c, SHUT_WR));
  REC(LBL("%s server shutdown SHUT_WR", F), shutdown(acc, SHUT_WR));
  note_wait(LBL("%s client wait eof", F), c, POLLRDHUP, 3000);
  REC(LBL("%s client recv eof", F), recv(c, buf, sizeof(buf), 0));
  note_now(LBL("%s client both shut", F), c);
  peername(LBL("%s client getpeername", F), c);
  REC(LBL("%s shutdown bad how", F), shutdown(c, 3));
  REC(LBL("%s shutdown SHUT_RDWR", F), shutdown(c, SHUT_RDWR));
  REC(LBL("%s close client", F), close(c));
  REC(LBL("%s close accepted", F), close(acc));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(half_close_v4) { half_close(AF_INET); }
SCENARIO(half_close_v6) { half_close(AF_INET6); }

/* ---- abortive closes ---- */

static void linger_zero(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int acc;
  int c = make_pair(F, l, family, &la, lal, &acc);
  struct linger lg = {1, 0};
  REC(LBL("%s set SO_LINGER {1,0}", F),
      setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  memset(&lg, 0x55, sizeof(lg));
  socklen_t ll = sizeof(lg);
  REC(LBL("%s get SO_LINGER", F),
      getsockopt(c, SOL_SOCKET, SO_LINGER, &lg, &ll));
  note("%s linger: len %u onoff %d linger %d", F, (unsigned)ll, lg.l_onoff,
       lg.l_linger);
  REC(LBL("%s client send", F), send(c, "abc", 3, 0));
  REC(LBL("%s close client", F), close(c));
  note_wait(LBL("%s peer wait", F), acc, POLLHUP | POLLERR, 3000);
  char buf[16];
  REC(LBL("%s peer recv", F), recv(acc, buf, sizeof(buf), 0));
  REC(LBL("%s peer recv again", F), recv(acc, buf, sizeof(buf), 0));
  so_error(LBL("%s peer SO_ERROR", F), acc);
  REC(LBL("%s peer send", F), send(acc, "x", 1, MSG_NOSIGNAL));
  peername(LBL("%s peer getpeername", F), acc);
  note_now(LBL("%s peer final", F), acc);
  REC(LBL("%s close peer", F), close(acc));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(linger_zero_v4) { linger_zero(AF_INET); }
SCENARIO(linger_zero_v6) { linger_zero(AF_INET6); }

static void close_unread(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int acc;
  int c = make_pair(F, l, family, &la, lal, &acc);
  REC(LBL("%s server send", F), send(acc, "unread", 6, 0));
  note_wait(LBL("%s client has data", F), c, POLLIN, 3000);
  REC(LBL("%s close client with unread data", F), close(c));
  note_wait(LBL("%s server wait", F), acc, POLLHUP | POLLERR, 3000);
  so_error(LBL("%s server SO_ERROR", F), acc);
  char buf[16];
  REC(LBL("%s server recv", F), recv(acc, buf, sizeof(buf), 0));
  REC(LBL("%s server send", F), send(acc, "x", 1, MSG_NOSIGNAL));
  REC(LBL("%s close server", F), close(acc));

  /* Unread data on the accepting side, which closes; the client had sent
   * and is reading. */
  c = make_pair(F, l, family, &la, lal, &acc);
  REC(LBL("%s client send", F), send(c, "pending", 7, 0));
  note_wait(LBL("%s accepted has data", F), acc, POLLIN, 3000);
  REC(LBL("%s close accepted with unread data", F), close(acc));
  note_wait(LBL("%s client wait", F), c, POLLHUP | POLLERR, 3000);
  REC(LBL("%s client recv", F), recv(c, buf, sizeof(buf), 0));
  REC(LBL("%s client recv again", F), recv(c, buf, sizeof(buf), 0));
  so_error(LBL("%s client SO_ERROR", F), c);
  REC(LBL("%s close client 2", F), close(c));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(close_unread_v4) { close_unread(AF_INET); }
SCENARIO(close_unread_v6) { close_unread(AF_INET6); }

/* ---- TIME_WAIT and SO_REUSEADDR, Linux rules ---- */

static int bind_to(const char* label, int family, int reuse, int reuseport,
                   const struct sockaddr_storage* a, socklen_t al) {
  char l2[300];
  snprintf(l2, sizeof(l2), "%s socket", label);
  int s = (int)REC(l2, socket(family, SOCK_STREAM, 0));
  int one = 1;
  if (reuse) {
    snprintf(l2, sizeof(l2), "%s SO_REUSEADDR", label);
    REC(l2, setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
  }
  if (reuseport) {
    snprintf(l2, sizeof(l2), "%s SO_REUSEPORT", label);
    REC(l2, setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)));
  }
  snprintf(l2, sizeof(l2), "%s bind", label);
  REC(l2, bind(s, (const struct sockaddr*)a, al));
  return s;
}

static void reuseaddr(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  /* A listener with SO_REUSEADDR (accepted sockets inherit it). */
  lal = loopback(family, &la);
  int l = bind_to(LBL("%s listener", F), family, 1, 0, &la, lal);
  REC(LBL("%s listen", F), listen(l, 4));
  lal = sizeof(la);
  getsockname(l, (struct sockaddr*)&la, &lal);
  int value = -1;
  socklen_t vl = sizeof(value);
  REC(LBL("%s get SO_REUSEADDR", F),
      getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &value, &vl));
  note("%s SO_REUSEADDR: len %u value %d", F, (unsigned)vl, value);

  /* Linux: another SO_REUSEADDR socket cannot bind the port of a
   * listening one (Windows would let it). */
  int d = bind_to(LBL("%s second while listening (reuse)", F), family, 1, 0,
                  &la, lal);
  REC(LBL("%s close second", F), close(d));
  d = bind_to(LBL("%s second while listening (no reuse)", F), family, 0, 0, &la,
              lal);
  REC(LBL("%s close second (no reuse)", F), close(d));

  /* The server closes first: its side goes to TIME_WAIT. */
  int acc;
  int c = make_pair(F, l, family, &la, lal, &acc);
  REC(LBL("%s close accepted", F), close(acc));
  char b;
  note_wait(LBL("%s client sees FIN", F), c, POLLIN, 3000);
  REC(LBL("%s client recv eof", F), recv(c, &b, 1, 0));
  REC(LBL("%s close client", F), close(c));
  REC(LBL("%s close listener", F), close(l));
  usleep(20000);

  d = bind_to(LBL("%s rebind no reuse", F), family, 0, 0, &la, lal);
  REC(LBL("%s close rebind no reuse", F), close(d));
  d = bind_to(LBL("%s rebind reuse", F), family, 1, 0, &la, lal);
  REC(LBL("%s listen rebind reuse", F), listen(d, 4));
  int c2 =
      (int)REC(LBL("%s client 2 socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s client 2 connect", F), connect(c2, (struct sockaddr*)&la, lal));
  int a2 = (int)REC(LBL("%s accept 2", F), accept(d, NULL, NULL));
  REC(LBL("%s close a2", F), close(a2));
  REC(LBL("%s close c2", F), close(c2));
  REC(LBL("%s close rebound", F), close(d));

  /* Two SO_REUSEADDR sockets, neither listening: both bind (Linux). */
  int u1 = bind_to(LBL("%s pair 1", F), family, 1, 0, &la, lal);
  int u2 = bind_to(LBL("%s pair 2", F), family, 1, 0, &la, lal);
  REC(LBL("%s pair 1 listen", F), listen(u1, 1));
  REC(LBL("%s pair 2 listen", F), listen(u2, 1));
  REC(LBL("%s close pair 1", F), close(u1));
  REC(LBL("%s close pair 2", F), close(u2));

  /* The wildcard address against a specific one. */
  struct sockaddr_storage any;
  memset(&any, 0, sizeof(any));
  socklen_t anyl;
  if (family == AF_INET) {
    struct sockaddr_in* a4 = (struct sockaddr_in*)&any;
    a4->sin_family = AF_INET;
    a4->sin_port = ((struct sockaddr_in*)&la)->sin_port;
    anyl = sizeof(*a4);
  } else {
    struct sockaddr_in6* a6 = (struct sockaddr_in6*)&any;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = ((struct sockaddr_in6*)&la)->sin6_port;
    anyl = sizeof(*a6);
  }
  int w = bind_to(LBL("%s wildcard (reuse)", F), family, 1, 0, &any, anyl);
  REC(LBL("%s wildcard listen", F), listen(w, 1));
  int sp = bind_to(LBL("%s specific (reuse)", F), family, 1, 0, &la, lal);
  REC(LBL("%s close specific", F), close(sp));
  REC(LBL("%s close wildcard", F), close(w));
}

SCENARIO(reuseaddr_v4) { reuseaddr(AF_INET); }
SCENARIO(reuseaddr_v6) { reuseaddr(AF_INET6); }

static void reuseport(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal = loopback(family, &la);
  int l1 = bind_to(LBL("%s l1", F), family, 0, 1, &la, lal);
  REC(LBL("%s l1 listen", F), listen(l1, 8));
  lal = sizeof(la);
  getsockname(l1, (struct sockaddr*)&la, &lal);
  int l2 = bind_to(LBL("%s l2", F), family, 0, 1, &la, lal);
  REC(LBL("%s l2 listen", F), listen(l2, 8));
  int l3 =
      bind_to(LBL("%s l3 without SO_REUSEPORT", F), family, 0, 0, &la, lal);
  REC(LBL("%s close l3", F), close(l3));
  int v = -1;
  socklen_t vl = sizeof(v);
  REC(LBL("%s get SO_REUSEPORT", F),
      getsockopt(l2, SOL_SOCKET, SO_REUSEPORT, &v, &vl));
  note("%s SO_REUSEPORT: len %u value %d", F, (unsigned)vl, v);
  /* Connections spread over both by hash: count the total only. */
  enum { N = 6 };
  int c[N];
  for (int i = 0; i < N; ++i) {
    c[i] = (int)REC(LBL("%s client %d socket", F, i),
                    socket(family, SOCK_STREAM, 0));
    REC(LBL("%s client %d connect", F, i),
        connect(c[i], (struct sockaddr*)&la, lal));
  }
  fcntl(l1, F_SETFL, O_NONBLOCK);
  fcntl(l2, F_SETFL, O_NONBLOCK);
  int total = 0;
  double end = now_s() + 5.0;
  for (int round = 0; round < 100 && total < N && now_s() < end; ++round) {
    struct pollfd p[2] = {{l1, POLLIN, 0}, {l2, POLLIN, 0}};
    if (poll(p, 2, 500) <= 0) continue;
    for (int k = 0; k < 2; ++k) {
      if ((p[k].revents & POLLIN) == 0) continue;
      int a = accept(p[k].fd, NULL, NULL);
      if (a >= 0) {
        ++total;
        close(a);
      }
    }
  }
  note("%s accepted over both listeners: %d", F, total);
  for (int i = 0; i < N; ++i) REC(LBL("%s close client %d", F, i), close(c[i]));
  REC(LBL("%s close l1", F), close(l1));
  /* l2 alone still serves the port. */
  int c2 =
      (int)REC(LBL("%s late client socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s late connect", F), connect(c2, (struct sockaddr*)&la, lal));
  note_wait(LBL("%s l2 pending", F), l2, POLLIN, 3000);
  int a = (int)REC(LBL("%s l2 accept", F), accept(l2, NULL, NULL));
  REC(LBL("%s close late accepted", F), close(a));
  REC(LBL("%s close late client", F), close(c2));
  REC(LBL("%s close l2", F), close(l2));
}

SCENARIO(reuseport_v4) { reuseport(AF_INET); }
SCENARIO(reuseport_v6) { reuseport(AF_INET6); }

/* ---- bind to port 0 and getsockname ---- */

static void bind_port0(int family, int type) {
  const char* F = fam_name(family);
  const char* T = type == SOCK_STREAM ? "tcp" : "udp";
  int s = (int)REC(LBL("%s %s socket", F, T), socket(family, type, 0));
  sockname(LBL("%s %s getsockname fresh", F, T), s);
  peername(LBL("%s %s getpeername fresh", F, T), s);
  struct sockaddr_storage a;
  socklen_t al = loopback(family, &a);
  REC(LBL("%s %s bind port 0", F, T), bind(s, (struct sockaddr*)&a, al));
  sockname(LBL("%s %s getsockname bound", F, T), s);
  REC(LBL("%s %s bind again", F, T), bind(s, (struct sockaddr*)&a, al));
  /* Short buffers: truncated address, full length reported. */
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  socklen_t n = 4;
  REC(LBL("%s %s getsockname len 4", F, T),
      getsockname(s, (struct sockaddr*)&ss, &n));
  note("%s %s len-4 result: len %u family %d", F, T, (unsigned)n,
       (int)ss.ss_family);
  n = 0;
  REC(LBL("%s %s getsockname len 0", F, T),
      getsockname(s, (struct sockaddr*)&ss, &n));
  note("%s %s len-0 result: len %u", F, T, (unsigned)n);
  REC(LBL("%s %s close", F, T), close(s));

  /* The wildcard address, port 0. */
  s = (int)REC(LBL("%s %s socket 2", F, T), socket(family, type, 0));
  memset(&a, 0, sizeof(a));
  a.ss_family = (sa_family_t)family;
  al = family == AF_INET ? sizeof(struct sockaddr_in)
                         : sizeof(struct sockaddr_in6);
  REC(LBL("%s %s bind wildcard", F, T), bind(s, (struct sockaddr*)&a, al));
  sockname(LBL("%s %s getsockname wildcard", F, T), s);
  REC(LBL("%s %s close 2", F, T), close(s));
}

SCENARIO(bind_port0_v4) {
  bind_port0(AF_INET, SOCK_STREAM);
  bind_port0(AF_INET, SOCK_DGRAM);
}
SCENARIO(bind_port0_v6) {
  bind_port0(AF_INET6, SOCK_STREAM);
  bind_port0(AF_INET6, SOCK_DGRAM);
}

/* ---- IPV6_V6ONLY off by default: IPv4-mapped peers ---- */

static void set_port(struct sockaddr_storage* a, int port) {
  if (a->ss_family == AF_INET) {
    ((struct sockaddr_in*)a)->sin_port = htons((uint16_t)port);
  } else {
    ((struct sockaddr_in6*)a)->sin6_port = htons((uint16_t)port);
  }
}

SCENARIO(v4mapped_tcp) {
  int l = (int)REC("v6 listener socket", socket(AF_INET6, SOCK_STREAM, 0));
  int v = -1;
  socklen_t vl = sizeof(v);
  REC("get IPV6_V6ONLY", getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl));
  note("IPV6_V6ONLY: len %u value %d", (unsigned)vl, v);
  struct sockaddr_in6 any6;
  memset(&any6, 0, sizeof(any6));
  any6.sin6_family = AF_INET6;
  REC("bind [::]:0", bind(l, (struct sockaddr*)&any6, sizeof(any6)));
  REC("listen", listen(l, 4));
  struct sockaddr_storage la;
  socklen_t lal = sizeof(la);
  REC("getsockname", getsockname(l, (struct sockaddr*)&la, &lal));
  note_addr("listener", &la, lal);
  int port = port_of(&la);

  struct sockaddr_storage v4;
  socklen_t v4l = loopback(AF_INET, &v4);
  set_port(&v4, port);
  int c = (int)REC("v4 client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("v4 client connect", connect(c, (struct sockaddr*)&v4, v4l));
  struct sockaddr_storage pa;
  socklen_t pal = sizeof(pa);
  int a = (int)REC("accept", accept(l, (struct sockaddr*)&pa, &pal));
  note_addr("accept peer", &pa, pal);
  peername("accepted getpeername", a);
  sockname("accepted getsockname", a);
  peername("v4 client getpeername", c);
  REC("v4 client send", send(c, "m", 1, 0));
  char b;
  struct sockaddr_storage fa;
  socklen_t fal = sizeof(fa);
  REC("accepted recvfrom", recvfrom(a, &b, 1, 0, (struct sockaddr*)&fa, &fal));
  note("accepted recvfrom: fromlen %u", (unsigned)fal);
  REC("close accepted", close(a));
  REC("close v4 client", close(c));

  /* A v6 client connecting to ::ffff:127.0.0.1. */
  struct sockaddr_in6 m6;
  memset(&m6, 0, sizeof(m6));
  m6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &m6.sin6_addr);
  m6.sin6_port = htons((uint16_t)port);
  c = (int)REC("v6 client socket", socket(AF_INET6, SOCK_STREAM, 0));
  REC("v6 client connect mapped",
      connect(c, (struct sockaddr*)&m6, sizeof(m6)));
  sockname("v6 client getsockname", c);
  peername("v6 client getpeername", c);
  a = (int)REC("accept 2", accept(l, NULL, NULL));
  REC("close accepted 2", close(a));
  REC("close v6 client", close(c));
  REC("close listener", close(l));

  /* IPV6_V6ONLY on: the v4 connect is refused. */
  l = (int)REC("v6only socket", socket(AF_INET6, SOCK_STREAM, 0));
  int one = 1;
  REC("set IPV6_V6ONLY", setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  REC("v6only bind", bind(l, (struct sockaddr*)&any6, sizeof(any6)));
  REC("v6only listen", listen(l, 4));
  lal = sizeof(la);
  getsockname(l, (struct sockaddr*)&la, &lal);
  set_port(&v4, port_of(&la));
  c = (int)REC("v4 client 2 socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("v4 client 2 connect", connect(c, (struct sockaddr*)&v4, v4l));
  REC("set IPV6_V6ONLY after bind",
      setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  REC("close v4 client 2", close(c));
  REC("close v6only", close(l));
  /* v4-mapped connect from a V6ONLY socket. */
  c = (int)REC("v6only client socket", socket(AF_INET6, SOCK_STREAM, 0));
  REC("v6only client set", setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, 4));
  REC("v6only client connect mapped",
      connect(c, (struct sockaddr*)&m6, sizeof(m6)));
  REC("close v6only client", close(c));
}

SCENARIO(v4mapped_udp) {
  int s = (int)REC("v6 udp socket", socket(AF_INET6, SOCK_DGRAM, 0));
  struct sockaddr_in6 any6;
  memset(&any6, 0, sizeof(any6));
  any6.sin6_family = AF_INET6;
  REC("bind [::]:0", bind(s, (struct sockaddr*)&any6, sizeof(any6)));
  struct sockaddr_storage sa;
  socklen_t sal = sizeof(sa);
  getsockname(s, (struct sockaddr*)&sa, &sal);
  int port = port_of(&sa);
  int u = (int)REC("v4 udp socket", socket(AF_INET, SOCK_DGRAM, 0));
  struct sockaddr_storage v4;
  socklen_t v4l = loopback(AF_INET, &v4);
  set_port(&v4, port);
  REC("v4 sendto", sendto(u, "dgram", 5, 0, (struct sockaddr*)&v4, v4l));
  note_wait("v6 wait", s, POLLIN, 3000);
  char buf[32];
  struct sockaddr_storage from;
  socklen_t fl = sizeof(from);
  REC("v6 recvfrom",
      recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr*)&from, &fl));
  note_addr("v6 recvfrom from", &from, fl);
  /* Reply to the mapped address. */
  REC("v6 sendto mapped",
      sendto(s, "reply", 5, 0, (struct sockaddr*)&from, fl));
  note_wait("v4 wait", u, POLLIN, 3000);
  struct sockaddr_storage from4;
  socklen_t fl4 = sizeof(from4);
  REC("v4 recvfrom",
      recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr*)&from4, &fl4));
  note_addr("v4 recvfrom from", &from4, fl4);
  /* Connect the v6 socket to the v4 peer by a plain AF_INET address. */
  struct sockaddr_storage ua;
  socklen_t ual = sizeof(ua);
  getsockname(u, (struct sockaddr*)&ua, &ual);
  REC("v6 connect AF_INET", connect(s, (struct sockaddr*)&ua, ual));
  peername("v6 getpeername", s);
  sockname("v6 getsockname", s);
  REC("v6 send", send(s, "again", 5, 0));
  note_wait("v4 wait 2", u, POLLIN, 3000);
  REC("v4 recv", recv(u, buf, sizeof(buf), 0));
  REC("close v4", close(u));
  REC("close v6", close(s));
}

/* ---- UDP: connected and unconnected ---- */

static void udp_connect(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage pa, qa;
  socklen_t pal, qal;
  int p = make_server(LBL("%s peer", F), family, SOCK_DGRAM, &pa, &pal);
  int q = make_server(LBL("%s other", F), family, SOCK_DGRAM, &qa, &qal);
  int s = (int)REC(LBL("%s socket", F), socket(family, SOCK_DGRAM, 0));
  char buf[64];
  REC(LBL("%s send unconnected", F), send(s, "x", 1, 0));
  REC(LBL("%s connect", F), connect(s, (struct sockaddr*)&pa, pal));
  peername(LBL("%s getpeername", F), s);
  sockname(LBL("%s getsockname", F), s);
  REC(LBL("%s send", F), send(s, "one", 3, 0));
  REC(LBL("%s write", F), write(s, "two", 3));
  /* sendto on a connected UDP socket: the given address wins. */
  REC(LBL("%s sendto other", F),
      sendto(s, "three", 5, 0, (struct sockaddr*)&qa, qal));
  REC(LBL("%s sendto peer", F),
      sendto(s, "four", 4, 0, (struct sockaddr*)&pa, pal));
  note_wait(LBL("%s peer wait", F), p, POLLIN, 3000);
  for (int i = 0; i < 3; ++i) {
    note_wait(LBL("%s peer wait %d", F, i), p, POLLIN, 1000);
    ssize_t r = REC(LBL("%s peer recv %d", F, i),
                    recv(p, buf, sizeof(buf), MSG_DONTWAIT));
    if (r > 0) note("%s peer got %.*s", F, (int)r, buf);
  }
  note_wait(LBL("%s other wait", F), q, POLLIN, 3000);
  ssize_t r = REC(LBL("%s other recv", F), recv(q, buf, sizeof(buf), 0));
  if (r > 0) note("%s other got %.*s", F, (int)r, buf);

  /* Datagrams from a non-peer are filtered on a connected socket. */
  struct sockaddr_storage sa;
  socklen_t sal = sizeof(sa);
  getsockname(s, (struct sockaddr*)&sa, &sal);
  REC(LBL("%s other sends to socket", F),
      sendto(q, "filtered", 8, 0, (struct sockaddr*)&sa, sal));
  REC(LBL("%s peer sends to socket", F),
      sendto(p, "accepted", 8, 0, (struct sockaddr*)&sa, sal));
  note_wait(LBL("%s socket wait", F), s, POLLIN, 3000);
  struct sockaddr_storage from;
  socklen_t fl = sizeof(from);
  r = REC(LBL("%s recvfrom", F), recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT,
                                          (struct sockaddr*)&from, &fl));
  if (r > 0) note("%s got %.*s", F, (int)r, buf);
  note_addr(LBL("%s recvfrom from", F), &from, fl);
  REC(LBL("%s recv nothing more", F), recv(s, buf, sizeof(buf), MSG_DONTWAIT));

  /* AF_UNSPEC dissolves the association; the local address stays. */
  struct sockaddr un = {0};
  un.sa_family = AF_UNSPEC;
  REC(LBL("%s connect AF_UNSPEC", F), connect(s, &un, sizeof(un)));
  peername(LBL("%s getpeername after AF_UNSPEC", F), s);
  sockname(LBL("%s getsockname after AF_UNSPEC", F), s);
  REC(LBL("%s send after AF_UNSPEC", F), send(s, "x", 1, 0));
  REC(LBL("%s connect AF_UNSPEC again", F), connect(s, &un, sizeof(un)));
  /* The port came from the connect (not bind): it was released, and the
   * next send picks a new one. */
  REC(LBL("%s sendto peer after AF_UNSPEC", F),
      sendto(s, "five", 4, 0, (struct sockaddr*)&pa, pal));
  sockname(LBL("%s getsockname after sendto", F), s);
  note_wait(LBL("%s peer wait 3", F), p, POLLIN, 3000);
  r = REC(LBL("%s peer recv 3", F), recv(p, buf, sizeof(buf), MSG_DONTWAIT));
  if (r > 0) note("%s peer got %.*s", F, (int)r, buf);
  sal = sizeof(sa);
  getsockname(s, (struct sockaddr*)&sa, &sal);
  REC(LBL("%s other sends again", F),
      sendto(q, "welcome", 7, 0, (struct sockaddr*)&sa, sal));
  note_wait(LBL("%s socket wait 2", F), s, POLLIN, 3000);
  fl = sizeof(from);
  r = REC(LBL("%s recvfrom 2", F), recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT,
                                            (struct sockaddr*)&from, &fl));
  if (r > 0) note("%s got %.*s", F, (int)r, buf);
  /* Reconnect elsewhere. */
  REC(LBL("%s connect other", F), connect(s, (struct sockaddr*)&qa, qal));
  REC(LBL("%s send to other", F), send(s, "moved", 5, 0));
  note_wait(LBL("%s other wait 2", F), q, POLLIN, 3000);
  r = REC(LBL("%s other recv 2", F), recv(q, buf, sizeof(buf), 0));
  if (r > 0) note("%s other got %.*s", F, (int)r, buf);
  REC(LBL("%s close", F), close(s));

  /* Bound to an explicit port: AF_UNSPEC keeps the port (a bind to port 0
   * does not lock it, as the first part showed). */
  int tmp;
  struct sockaddr_storage ba;
  socklen_t bal = closed_port(family, SOCK_DGRAM, &ba, &tmp);
  close(tmp);
  s = (int)REC(LBL("%s bound socket", F), socket(family, SOCK_DGRAM, 0));
  REC(LBL("%s bound bind", F), bind(s, (struct sockaddr*)&ba, bal));
  REC(LBL("%s bound connect", F), connect(s, (struct sockaddr*)&pa, pal));
  REC(LBL("%s bound connect AF_UNSPEC", F), connect(s, &un, sizeof(un)));
  sockname(LBL("%s bound getsockname after AF_UNSPEC", F), s);
  sal = sizeof(sa);
  getsockname(s, (struct sockaddr*)&sa, &sal);
  REC(LBL("%s other sends to bound", F),
      sendto(q, "kept", 4, 0, (struct sockaddr*)&sa, sal));
  note_wait(LBL("%s bound wait", F), s, POLLIN, 3000);
  r = REC(LBL("%s bound recv", F), recv(s, buf, sizeof(buf), MSG_DONTWAIT));
  if (r > 0) note("%s bound got %.*s", F, (int)r, buf);
  REC(LBL("%s close bound", F), close(s));
  REC(LBL("%s close peer", F), close(p));
  REC(LBL("%s close other", F), close(q));
}

SCENARIO(udp_connect_v4) { udp_connect(AF_INET); }
SCENARIO(udp_connect_v6) { udp_connect(AF_INET6); }

/* ICMP port unreachable: ECONNREFUSED on a connected UDP socket only. */
static void udp_refused(int family) {
  const char* F = fam_name(family);
  int holder;
  struct sockaddr_storage a;
  socklen_t al = closed_port(family, SOCK_DGRAM, &a, &holder);
  close(holder); /* nothing listens on that UDP port now */
  char buf[16];

  int s = (int)REC(LBL("%s connected socket", F),
                   socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0));
  REC(LBL("%s connect", F), connect(s, (struct sockaddr*)&a, al));
  REC(LBL("%s send", F), send(s, "ping", 4, 0));
  note_wait(LBL("%s wait error", F), s, POLLIN, 3000);
  note_now(LBL("%s readiness", F), s);
  REC(LBL("%s recv", F), recv(s, buf, sizeof(buf), 0));
  REC(LBL("%s recv again", F), recv(s, buf, sizeof(buf), 0));
  REC(LBL("%s send 2", F), send(s, "ping", 4, 0));
  note_wait(LBL("%s wait error 2", F), s, POLLIN, 3000);
  so_error(LBL("%s SO_ERROR", F), s);
  so_error(LBL("%s SO_ERROR again", F), s);
  REC(LBL("%s send 3", F), send(s, "ping", 4, 0));
  note_wait(LBL("%s wait error 3", F), s, POLLIN, 3000);
  REC(LBL("%s send after error", F), send(s, "ping", 4, 0));
  REC(LBL("%s send after error again", F), send(s, "ping", 4, 0));
  note_wait(LBL("%s wait error 4", F), s, POLLIN, 3000);
  REC(LBL("%s close connected", F), close(s));

  s = (int)REC(LBL("%s unconnected socket", F),
               socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0));
  REC(LBL("%s sendto", F), sendto(s, "ping", 4, 0, (struct sockaddr*)&a, al));
  note_wait(LBL("%s unconnected wait 300ms", F), s, POLLIN, 300);
  REC(LBL("%s unconnected recvfrom", F),
      recvfrom(s, buf, sizeof(buf), 0, NULL, NULL));
  so_error(LBL("%s unconnected SO_ERROR", F), s);
  REC(LBL("%s sendto 2", F), sendto(s, "ping", 4, 0, (struct sockaddr*)&a, al));
  REC(LBL("%s close unconnected", F), close(s));
}

SCENARIO(udp_refused_v4) { udp_refused(AF_INET); }
SCENARIO(udp_refused_v6) { udp_refused(AF_INET6); }

/* Linux binds an unbound UDP socket to an ephemeral port before it looks
 * at a connect or sendto address (inet_dgram_connect, inet_send_prepare):
 * a call refused for its address still leaves the socket bound. Errors
 * found while copying the address in (length over 128, bad pointer) and
 * connect's "shorter than a family" come first and bind nothing. */
static void udp_autobind_try(const char* what, int family, int connect_call,
                             const void* addr, socklen_t len) {
  const char* F = fam_name(family);
  int s = (int)REC(LBL("%s %s socket", F, what), socket(family, SOCK_DGRAM, 0));
  if (connect_call) {
    REC(LBL("%s %s connect", F, what),
        connect(s, (const struct sockaddr*)addr, len));
  } else {
    REC(LBL("%s %s sendto", F, what),
        sendto(s, "x", 1, 0, (const struct sockaddr*)addr, len));
  }
  sockname(LBL("%s %s getsockname", F, what), s);
  REC(LBL("%s %s close", F, what), close(s));
}

static void udp_autobind(int family) {
  struct sockaddr_storage own, other;
  socklen_t ownl = loopback(family, &own);
  socklen_t otherl = loopback(family == AF_INET ? AF_INET6 : AF_INET, &other);
  set_port(&own, 9);
  set_port(&other, 9);
  struct sockaddr_storage unixish;
  memset(&unixish, 0, sizeof(unixish));
  unixish.ss_family = AF_UNIX;
  for (int c = 0; c <= 1; ++c) {
    const char* k = c ? "connect" : "sendto";
    char w[64];
    snprintf(w, sizeof(w), "%s other family", k);
    udp_autobind_try(w, family, c, &other, otherl);
    snprintf(w, sizeof(w), "%s AF_UNIX family", k);
    udp_autobind_try(w, family, c, &unixish, sizeof(unixish));
    snprintf(w, sizeof(w), "%s short", k);
    udp_autobind_try(w, family, c, &own, ownl - 4);
    snprintf(w, sizeof(w), "%s len 1", k);
    udp_autobind_try(w, family, c, &own, 1);
    snprintf(w, sizeof(w), "%s len 0", k);
    udp_autobind_try(w, family, c, &own, 0);
    snprintf(w, sizeof(w), "%s len 129", k);
    udp_autobind_try(w, family, c, &own, 129);
    snprintf(w, sizeof(w), "%s bad pointer", k);
    udp_autobind_try(w, family, c, (const void*)8, ownl);
  }
  /* No address at all on an unconnected socket. */
  const char* F = fam_name(family);
  int s = (int)REC(LBL("%s send socket", F), socket(family, SOCK_DGRAM, 0));
  REC(LBL("%s send unconnected", F), send(s, "x", 1, 0));
  sockname(LBL("%s send unconnected getsockname", F), s);
  REC(LBL("%s send close", F), close(s));
  /* TCP binds nothing for a refused address. */
  s = (int)REC(LBL("%s tcp socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s tcp connect other family", F),
      connect(s, (struct sockaddr*)&other, otherl));
  REC(LBL("%s tcp connect short", F),
      connect(s, (struct sockaddr*)&own, ownl - 4));
  sockname(LBL("%s tcp getsockname", F), s);
  REC(LBL("%s tcp close", F), close(s));
}

SCENARIO(udp_autobind_v4) { udp_autobind(AF_INET); }
SCENARIO(udp_autobind_v6) { udp_autobind(AF_INET6); }

/* ---- getsockname/getpeername in each state ---- */

static void names(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  peername(LBL("%s listener getpeername", F), l);
  int c = (int)REC(LBL("%s client socket", F), socket(family, SOCK_STREAM, 0));
  sockname(LBL("%s client fresh getsockname", F), c);
  peername(LBL("%s client fresh getpeername", F), c);
  REC(LBL("%s connect", F), connect(c, (struct sockaddr*)&la, lal));
  sockname(LBL("%s client connected getsockname", F), c);
  peername(LBL("%s client connected getpeername", F), c);
  int a = (int)REC(LBL("%s accept", F), accept(l, NULL, NULL));
  sockname(LBL("%s accepted getsockname", F), a);
  peername(LBL("%s accepted getpeername", F), a);
  REC(LBL("%s client SHUT_WR", F), shutdown(c, SHUT_WR));
  peername(LBL("%s client after SHUT_WR getpeername", F), c);
  note_wait(LBL("%s accepted sees FIN", F), a, POLLRDHUP, 3000);
  peername(LBL("%s accepted CLOSE_WAIT getpeername", F), a);
  REC(LBL("%s close accepted", F), close(a));
  note_wait(LBL("%s client sees FIN", F), c, POLLRDHUP, 3000);
  peername(LBL("%s client TIME_WAIT getpeername", F), c);
  sockname(LBL("%s client TIME_WAIT getsockname", F), c);
  /* Reset: CLOSE, no peer. */
  int a2;
  int c2 = make_pair(F, l, family, &la, lal, &a2);
  struct linger lg = {1, 0};
  setsockopt(a2, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  REC(LBL("%s close accepted 2 (RST)", F), close(a2));
  note_wait(LBL("%s client 2 sees RST", F), c2, POLLHUP, 3000);
  peername(LBL("%s client 2 after RST getpeername", F), c2);
  sockname(LBL("%s client 2 after RST getsockname", F), c2);
  /* A bad length and a NULL length. */
  struct sockaddr_storage ss;
  socklen_t bad = (socklen_t)-1;
  REC(LBL("%s getsockname len -1", F),
      getsockname(c, (struct sockaddr*)&ss, &bad));
  REC(LBL("%s close client 2", F), close(c2));
  REC(LBL("%s close client", F), close(c));
  REC(LBL("%s close listener", F), close(l));
  /* UDP. */
  int u = (int)REC(LBL("%s udp socket", F), socket(family, SOCK_DGRAM, 0));
  sockname(LBL("%s udp fresh getsockname", F), u);
  peername(LBL("%s udp fresh getpeername", F), u);
  REC(LBL("%s udp send to self unbound", F),
      sendto(u, "x", 1, 0, (struct sockaddr*)&la, lal));
  sockname(LBL("%s udp after sendto getsockname", F), u);
  REC(LBL("%s udp connect", F), connect(u, (struct sockaddr*)&la, lal));
  peername(LBL("%s udp connected getpeername", F), u);
  REC(LBL("%s udp shutdown SHUT_WR", F), shutdown(u, SHUT_WR));
  REC(LBL("%s udp send after shutdown", F), send(u, "x", 1, MSG_NOSIGNAL));
  REC(LBL("%s close udp", F), close(u));
}

SCENARIO(names_v4) { names(AF_INET); }
SCENARIO(names_v6) { names(AF_INET6); }

/* ---- odd destinations: self, the wildcard address ---- */

static void odd_destinations(int family) {
  const char* F = fam_name(family);
  char buf[16];
  /* TCP simultaneous open with itself. */
  int s = (int)REC(LBL("%s self socket", F), socket(family, SOCK_STREAM, 0));
  struct sockaddr_storage a;
  socklen_t al = loopback(family, &a);
  REC(LBL("%s self bind", F), bind(s, (struct sockaddr*)&a, al));
  al = sizeof(a);
  getsockname(s, (struct sockaddr*)&a, &al);
  REC(LBL("%s self connect", F), connect(s, (struct sockaddr*)&a, al));
  struct sockaddr_storage me, peer;
  socklen_t mel = sizeof(me), peerl = sizeof(peer);
  getsockname(s, (struct sockaddr*)&me, &mel);
  REC(LBL("%s self getpeername", F),
      getpeername(s, (struct sockaddr*)&peer, &peerl));
  note("%s self: peer is self %d", F,
       mel == peerl && memcmp(&me, &peer, mel) == 0);
  REC(LBL("%s self send", F), send(s, "echo", 4, 0));
  note_wait(LBL("%s self wait", F), s, POLLIN, 3000);
  REC(LBL("%s self recv", F), recv(s, buf, sizeof(buf), MSG_DONTWAIT));
  REC(LBL("%s self close", F), close(s));

  /* Connecting to the wildcard address reaches the loopback listener. */
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  struct sockaddr_storage any;
  memset(&any, 0, sizeof(any));
  any.ss_family = (sa_family_t)family;
  set_port(&any, port_of(&la));
  int c = (int)REC(LBL("%s wildcard client socket", F),
                   socket(family, SOCK_STREAM, 0));
  REC(LBL("%s connect to wildcard", F),
      connect(c, (struct sockaddr*)&any, lal));
  peername(LBL("%s wildcard getpeername", F), c);
  int acc = (int)REC(LBL("%s accept", F), accept(l, NULL, NULL));
  REC(LBL("%s close accepted", F), close(acc));
  REC(LBL("%s close wildcard client", F), close(c));
  /* Port 0. */
  set_port(&any, 0);
  c = (int)REC(LBL("%s port-0 client socket", F),
               socket(family, SOCK_STREAM, 0));
  REC(LBL("%s connect to port 0", F), connect(c, (struct sockaddr*)&any, lal));
  REC(LBL("%s close port-0 client", F), close(c));
  int u = (int)REC(LBL("%s udp socket", F), socket(family, SOCK_DGRAM, 0));
  REC(LBL("%s udp connect to port 0", F),
      connect(u, (struct sockaddr*)&any, lal));
  REC(LBL("%s udp sendto port 0", F),
      sendto(u, "x", 1, 0, (struct sockaddr*)&any, lal));
  REC(LBL("%s close udp", F), close(u));
  REC(LBL("%s close listener", F), close(l));

  /* UDP: two sockets on one port with SO_REUSEADDR (Linux allows it for
   * datagram sockets), none without. */
  int one = 1;
  int u1 = (int)REC(LBL("%s udp1 socket", F), socket(family, SOCK_DGRAM, 0));
  REC(LBL("%s udp1 SO_REUSEADDR", F),
      setsockopt(u1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
  struct sockaddr_storage ua;
  socklen_t ual = loopback(family, &ua);
  REC(LBL("%s udp1 bind", F), bind(u1, (struct sockaddr*)&ua, ual));
  ual = sizeof(ua);
  getsockname(u1, (struct sockaddr*)&ua, &ual);
  int u2 = (int)REC(LBL("%s udp2 socket", F), socket(family, SOCK_DGRAM, 0));
  REC(LBL("%s udp2 bind without", F), bind(u2, (struct sockaddr*)&ua, ual));
  REC(LBL("%s udp2 SO_REUSEADDR", F),
      setsockopt(u2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
  REC(LBL("%s udp2 bind with", F), bind(u2, (struct sockaddr*)&ua, ual));
  REC(LBL("%s close udp1", F), close(u1));
  REC(LBL("%s close udp2", F), close(u2));
}

SCENARIO(odd_destinations_v4) { odd_destinations(AF_INET); }
SCENARIO(odd_destinations_v6) { odd_destinations(AF_INET6); }

/* ---- a reset in CLOSE_WAIT: SO_ERROR is EPIPE ---- */

static void reset_in_close_wait(int family) {
  const char* F = fam_name(family);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int acc;
  int c = make_pair(F, l, family, &la, lal, &acc);
  REC(LBL("%s client SHUT_WR", F), shutdown(c, SHUT_WR));
  note_wait(LBL("%s accepted sees FIN", F), acc, POLLRDHUP, 3000);
  char buf[16];
  REC(LBL("%s accepted recv eof", F), recv(acc, buf, sizeof(buf), 0));
  /* The client now resets: accepted is in CLOSE_WAIT. */
  struct linger lg = {1, 0};
  REC(LBL("%s client SO_LINGER 0", F),
      setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC(LBL("%s close client", F), close(c));
  note_wait(LBL("%s accepted sees RST", F), acc, POLLERR, 3000);
  so_error(LBL("%s accepted SO_ERROR", F), acc);
  REC(LBL("%s accepted send", F), send(acc, "x", 1, MSG_NOSIGNAL));
  REC(LBL("%s accepted recv", F), recv(acc, buf, sizeof(buf), 0));
  note_now(LBL("%s accepted final", F), acc);
  REC(LBL("%s close accepted", F), close(acc));

  /* A reset while data is unsent on our side. */
  c = make_pair(F, l, family, &la, lal, &acc);
  REC(LBL("%s client SO_LINGER 0 (2)", F),
      setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC(LBL("%s accepted send", F), send(acc, "to-reset", 8, 0));
  note_wait(LBL("%s client has data", F), c, POLLIN, 3000);
  REC(LBL("%s close client (2)", F), close(c));
  note_wait(LBL("%s accepted sees RST (2)", F), acc, POLLERR, 3000);
  REC(LBL("%s accepted send (2)", F), send(acc, "x", 1, MSG_NOSIGNAL));
  so_error(LBL("%s accepted SO_ERROR (2)", F), acc);
  REC(LBL("%s accepted send (3)", F), send(acc, "x", 1, MSG_NOSIGNAL));
  REC(LBL("%s close accepted (2)", F), close(acc));
  REC(LBL("%s close listener", F), close(l));
}

SCENARIO(reset_in_close_wait_v4) { reset_in_close_wait(AF_INET); }
SCENARIO(reset_in_close_wait_v6) { reset_in_close_wait(AF_INET6); }

/* ---- an accepted socket disconnected by connect(AF_UNSPEC) ---- */

static void accepted_reuse(int family) {
  const char* F = fam_name(family);
  char buf[16];
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair(F, l, family, &la, lal, &a);
  REC(LBL("%s listen connected accepted", F), listen(a, 4));
  REC(LBL("%s accept on accepted", F), accept4(a, NULL, NULL, SOCK_NONBLOCK));
  struct sockaddr un = {0};
  un.sa_family = AF_UNSPEC;
  REC(LBL("%s accepted connect AF_UNSPEC", F), connect(a, &un, sizeof(un)));
  note_wait(LBL("%s client sees reset", F), c, POLLERR, 3000);
  peername(LBL("%s accepted getpeername", F), a);
  sockname(LBL("%s accepted getsockname", F), a);
  REC(LBL("%s close listener", F), close(l));
  /* Unconnected again: it can listen, on the port it was accepted on. */
  REC(LBL("%s accepted listen", F), listen(a, 4));
  sockname(LBL("%s accepted listening getsockname", F), a);
  note_now(LBL("%s accepted listening", F), a);
  REC(LBL("%s accepted nonblock", F), fcntl(a, F_SETFL, O_NONBLOCK));
  REC(LBL("%s accepted accept nothing", F), accept(a, NULL, NULL));
  /* Natively the port is not reachable through it (recorded as is). */
  int d =
      (int)REC(LBL("%s new client socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s new client connect", F), connect(d, (struct sockaddr*)&la, lal));
  REC(LBL("%s accepted accept", F), accept(a, NULL, NULL));
  REC(LBL("%s listen again", F), listen(a, 8));
  REC(LBL("%s close new client", F), close(d));
  REC(LBL("%s close client", F), close(c));
  REC(LBL("%s close accepted listener", F), close(a));

  /* Reset, not disconnected: still a connected socket for listen(). */
  l = make_server(F, family, SOCK_STREAM, &la, &lal);
  int b;
  d = make_pair(F, l, family, &la, lal, &b);
  struct linger lg = {1, 0};
  REC(LBL("%s client SO_LINGER 0", F),
      setsockopt(d, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  REC(LBL("%s close client 2", F), close(d));
  note_wait(LBL("%s accepted 2 sees reset", F), b, POLLERR, 3000);
  REC(LBL("%s listen reset accepted", F), listen(b, 4));
  REC(LBL("%s close accepted 2", F), close(b));

  /* An accepted socket disconnected, then connected elsewhere. */
  int e = (int)REC(LBL("%s e socket", F), socket(family, SOCK_STREAM, 0));
  REC(LBL("%s e connect", F), connect(e, (struct sockaddr*)&la, lal));
  int f = (int)REC(LBL("%s accept f", F), accept(l, NULL, NULL));
  REC(LBL("%s f connect AF_UNSPEC", F), connect(f, &un, sizeof(un)));
  REC(LBL("%s f connect to listener", F),
      connect(f, (struct sockaddr*)&la, lal));
  int g = (int)REC(LBL("%s accept g", F), accept(l, NULL, NULL));
  peername(LBL("%s f getpeername", F), f);
  REC(LBL("%s f send", F), send(f, "re", 2, 0));
  note_wait(LBL("%s g data", F), g, POLLIN, 3000);
  REC(LBL("%s g recv", F), recv(g, buf, sizeof(buf), MSG_DONTWAIT));
  REC(LBL("%s f listen while connected", F), listen(f, 1));
  REC(LBL("%s close g", F), close(g));
  REC(LBL("%s close f", F), close(f));
  REC(LBL("%s close e", F), close(e));
  REC(LBL("%s close listener 2", F), close(l));
}

SCENARIO(accepted_reuse_v4) { accepted_reuse(AF_INET); }
SCENARIO(accepted_reuse_v6) { accepted_reuse(AF_INET6); }

/* ---- sockets inherited across exec before any bind ---- */

/* fds 3..7 after the exec: the listener, the UDP receiver, and three
 * unbound sockets (TCP to connect, UDP to send from, TCP to listen). */
static void inherited_child(void) {
  struct sockaddr_storage la, ua;
  socklen_t lal = sizeof(la), ual = sizeof(ua);
  REC("child listener getsockname",
      getsockname(3, (struct sockaddr*)&la, &lal));
  REC("child receiver getsockname",
      getsockname(4, (struct sockaddr*)&ua, &ual));
  sockname("child tcp getsockname", 5);
  REC("child tcp connect", connect(5, (struct sockaddr*)&la, lal));
  sockname("child tcp connected getsockname", 5);
  peername("child tcp getpeername", 5);
  note_wait("child listener wait", 3, POLLIN, 3000);
  int a = (int)REC("child accept", accept4(3, NULL, NULL, SOCK_NONBLOCK));
  REC("child tcp send", send(5, "inherited", 9, 0));
  char buf[32];
  note_wait("child accepted wait", a, POLLIN, 3000);
  REC("child accepted recv", recv(a, buf, sizeof(buf), MSG_DONTWAIT));
  sockname("child udp getsockname", 6);
  REC("child udp sendto", sendto(6, "dgram", 5, 0, (struct sockaddr*)&ua, ual));
  sockname("child udp after sendto getsockname", 6);
  note_wait("child receiver wait", 4, POLLIN, 3000);
  REC("child receiver recv", recv(4, buf, sizeof(buf), MSG_DONTWAIT));
  REC("child listen unbound", listen(7, 4));
  sockname("child listening getsockname", 7);
  REC("child close accepted", close(a));
  for (int fd = 3; fd <= 7; ++fd) REC("child close", close(fd));
}

SCENARIO(inherited_unbound) {
  if (st_argc >= 3 && strcmp(st_argv[2], "child") == 0) {
    inherited_child();
    return;
  }
  struct sockaddr_storage la, ua;
  socklen_t lal, ual;
  make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  make_server("receiver", AF_INET, SOCK_DGRAM, &ua, &ual);
  REC("tcp socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("udp socket", socket(AF_INET, SOCK_DGRAM, 0));
  REC("tcp socket 2", socket(AF_INET, SOCK_STREAM, 0));
  char* args[] = {st_argv[0], st_argv[1], (char*)"child", NULL};
  REC("execv", execv("/proc/self/exe", args));
}

DIFFTEST_MAIN()
