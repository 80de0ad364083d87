/* Scenario tcp_basic: TCP over 127.0.0.1 and ::1 — setup, bulk transfer with
 * a checksum, MSG_PEEK/MSG_DONTWAIT, non-blocking connect, refused and
 * in-use addresses, socket options, receive timeout, EPIPE/SIGPIPE, FIONREAD
 * and O_NONBLOCK through fcntl. */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "difftest.h"

#define BULK (1024 * 1024)

static volatile sig_atomic_t g_sigpipes;
static volatile size_t g_len = 64;
static void on_sigpipe(int sig) {
  (void)sig;
  g_sigpipes++;
}

struct bulk_sender {
  int fd;
  long sent;
  long last_ret;
  int last_errno;
  int shut;
  uint64_t sum;
};

static void* bulk_send(void* arg) {
  struct bulk_sender* b = (struct bulk_sender*)arg;
  static unsigned char chunk[65536];
  b->sum = FNV_INIT;
  size_t off = 0;
  while (off < BULK) {
    size_t n = BULK - off < 50000 ? BULK - off : 50000; /* odd chunking */
    fill_pattern(chunk, n, off, 1);
    size_t put = 0;
    for (int i = 0; put < n && i < 100000; ++i) {
      ssize_t r = send(b->fd, chunk + put, n - put, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        b->last_ret = r;
        b->last_errno = errno;
        return NULL;
      }
      put += (size_t)r;
    }
    b->sum = fnv1a(b->sum, chunk, n);
    off += n;
    b->sent = (long)off;
  }
  b->shut = shutdown(b->fd, SHUT_WR);
  return NULL;
}

static void sockopt_int(const char* label, int fd, int level, int name) {
  int v = -1;
  socklen_t l = sizeof(v);
  if (REC(label, getsockopt(fd, level, name, &v, &l)) == 0) {
    note("%s: len %u value %d", label, (unsigned)l, v);
  }
}

static void run_family(int family) {
  const char* F = fam_name(family);
  char L[128];
#define LBL(...) (snprintf(L, sizeof(L), __VA_ARGS__), L)

  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server(LBL("%s listener", F), family, SOCK_STREAM, &la, &lal);

  /* The same port again: EADDRINUSE. */
  {
    int d =
        (int)REC(LBL("%s dup-bind socket", F), socket(family, SOCK_STREAM, 0));
    REC(LBL("%s second bind same port", F),
        bind(d, (struct sockaddr*)&la, lal));
    REC(LBL("%s close dup-bind", F), close(d));
  }

  int a;
  int c = make_pair(F, l, family, &la, lal, &a);

  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  REC(LBL("%s getpeername client", F),
      getpeername(c, (struct sockaddr*)&ss, &sl));
  note_addr(L, &ss, sl);
  note("%s peer port is listener port: %d", F, port_of(&ss) == port_of(&la));
  sl = sizeof(ss);
  struct sockaddr_storage cs;
  socklen_t csl = sizeof(cs);
  REC(LBL("%s getsockname client", F),
      getsockname(c, (struct sockaddr*)&cs, &csl));
  REC(LBL("%s getpeername accepted", F),
      getpeername(a, (struct sockaddr*)&ss, &sl));
  note("%s accepted peer is client: %d", F,
       port_of(&ss) == port_of(&cs) && sl == csl);
  sl = 4;
  REC(LBL("%s getsockname truncated", F),
      getsockname(c, (struct sockaddr*)&ss, &sl));
  note("%s getsockname truncated: len %u", F, (unsigned)sl);
  {
    struct sockaddr_storage pa;
    socklen_t pal = sizeof(pa);
    int c2 = (int)REC(LBL("%s c2 socket", F), socket(family, SOCK_STREAM, 0));
    REC(LBL("%s c2 connect", F), connect(c2, (struct sockaddr*)&la, lal));
    int a2 = (int)REC(LBL("%s accept with addr", F),
                      accept(l, (struct sockaddr*)&pa, &pal));
    note_addr(L, &pa, pal);
    REC(LBL("%s close a2", F), close(a2));
    REC(LBL("%s close c2", F), close(c2));
  }

  /* Options. */
  sockopt_int(LBL("%s SO_TYPE listener", F), l, SOL_SOCKET, SO_TYPE);
  sockopt_int(LBL("%s SO_DOMAIN listener", F), l, SOL_SOCKET, SO_DOMAIN);
  sockopt_int(LBL("%s SO_PROTOCOL listener", F), l, SOL_SOCKET, SO_PROTOCOL);
  sockopt_int(LBL("%s SO_ACCEPTCONN listener", F), l, SOL_SOCKET,
              SO_ACCEPTCONN);
  sockopt_int(LBL("%s SO_ACCEPTCONN client", F), c, SOL_SOCKET, SO_ACCEPTCONN);
  sockopt_int(LBL("%s SO_TYPE accepted", F), a, SOL_SOCKET, SO_TYPE);
  sockopt_int(LBL("%s SO_DOMAIN accepted", F), a, SOL_SOCKET, SO_DOMAIN);
  sockopt_int(LBL("%s SO_ERROR client", F), c, SOL_SOCKET, SO_ERROR);
  REC(LBL("%s set TCP_NODELAY", F),
      setsockopt(c, IPPROTO_TCP, 1 /* TCP_NODELAY */, &(int){1}, sizeof(int)));
  sockopt_int(LBL("%s TCP_NODELAY", F), c, IPPROTO_TCP, 1);
  REC(LBL("%s set SO_KEEPALIVE", F),
      setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &(int){1}, sizeof(int)));
  sockopt_int(LBL("%s SO_KEEPALIVE", F), c, SOL_SOCKET, SO_KEEPALIVE);
  {
    struct linger lg = {1, 7};
    REC(LBL("%s set SO_LINGER", F),
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
    memset(&lg, 0x55, sizeof(lg));
    socklen_t ll = sizeof(lg);
    REC(LBL("%s get SO_LINGER", F),
        getsockopt(c, SOL_SOCKET, SO_LINGER, &lg, &ll));
    note("%s SO_LINGER: len %u onoff %d linger %d", F, (unsigned)ll, lg.l_onoff,
         lg.l_linger);
    lg.l_onoff = 0;
    lg.l_linger = 0;
    REC(LBL("%s clear SO_LINGER", F),
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
  }

  /* 1 MB each way is not needed: one way, with a sender thread so that
   * neither side blocks the other. */
  {
    struct bulk_sender b = {c, 0, 0, 0, -1, 0};
    pthread_t th;
    pthread_create(&th, NULL, bulk_send, &b);
    static unsigned char rbuf[70000];
    uint64_t sum = FNV_INIT;
    long got = 0;
    long last = 0;
    int reads = 0;
    for (; reads < 100000; ++reads) {
      ssize_t r = recv(a, rbuf, sizeof(rbuf), 0);
      if (r < 0 && errno == EINTR) continue;
      last = r;
      if (r <= 0) break;
      sum = fnv1a(sum, rbuf, (size_t)r);
      got += r;
    }
    pthread_join(th, NULL);
    note("%s bulk: sent %ld (err %s) shutdown %d", F, b.sent,
         st_errname(b.last_errno), b.shut);
    note("%s bulk: received %ld, final recv %ld, checksum match %d", F, got,
         last, sum == b.sum);
    note("%s bulk: checksum %016llx", F, (unsigned long long)sum);
  }
  /* c's write side is shut: a's recv saw EOF; send from a to c still works. */
  char buf[256];
  REC(LBL("%s send after SHUT_WR", F), send(c, "x", 1, MSG_NOSIGNAL));

  REC(LBL("%s send hello", F), send(a, "hello", 5, 0));
  note("%s poll POLLIN: %#x", F, wait_for(c, POLLIN, 5000));
  memset(buf, 0, sizeof(buf));
  long n = REC(LBL("%s recv MSG_PEEK", F), recv(c, buf, 3, MSG_PEEK));
  note("%s peeked '%.*s'", F, n > 0 ? (int)n : 0, buf);
  n = REC(LBL("%s recv MSG_PEEK all", F), recv(c, buf, sizeof(buf), MSG_PEEK));
  int fionread = -1;
  REC(LBL("%s FIONREAD", F), ioctl(c, FIONREAD, &fionread));
  note("%s FIONREAD: %d", F, fionread);
  memset(buf, 0, sizeof(buf));
  {
    char p1[2], p2[8];
    struct iovec iov[2] = {{p1, sizeof(p1)}, {p2, sizeof(p2)}};
    n = REC(LBL("%s readv", F), readv(c, iov, 2));
    note("%s readv data '%.2s' '%.3s'", F, p1, p2);
  }
  REC(LBL("%s recv MSG_DONTWAIT empty", F),
      recv(c, buf, sizeof(buf), MSG_DONTWAIT));
  REC(LBL("%s FIONREAD empty", F), ioctl(c, FIONREAD, &fionread));
  note("%s FIONREAD empty: %d", F, fionread);
  {
    struct iovec iov[3] = {{(void*)"ab", 2}, {(void*)"", 0}, {(void*)"cde", 3}};
    REC(LBL("%s writev", F), writev(a, iov, 3));
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    struct iovec one = {(void*)"fgh", 3};
    m.msg_iov = &one;
    m.msg_iovlen = 1;
    REC(LBL("%s sendmsg", F), sendmsg(a, &m, 0));
    REC(LBL("%s write", F), write(a, "ij", 2));
    wait_for(c, POLLIN, 5000);
    memset(buf, 0, sizeof(buf));
    n = REC(LBL("%s recv MSG_WAITALL 10", F), recv(c, buf, 10, MSG_WAITALL));
    note("%s data '%.*s'", F, n > 0 ? (int)n : 0, buf);
  }

  /* Lengths the compiler cannot see: with _FORTIFY_SOURCE these calls go
   * through __recv_chk, __recvfrom_chk and __read_chk. */
  {
    size_t want = g_len;
    REC(LBL("%s send chk-path", F), send(a, "0123456789abcdefghij", 20, 0));
    wait_for(c, POLLIN, 5000);
    memset(buf, 0, sizeof(buf));
    n = REC(LBL("%s recv runtime len", F), recv(c, buf, want / 8, 0));
    note("%s data '%.*s'", F, n > 0 ? (int)n : 0, buf);
    n = REC(LBL("%s recvfrom runtime len", F),
            recvfrom(c, buf, want / 8, 0, NULL, NULL));
    note("%s data '%.*s'", F, n > 0 ? (int)n : 0, buf);
    n = REC(LBL("%s read runtime len", F), read(c, buf, want));
    note("%s data '%.*s'", F, n > 0 ? (int)n : 0, buf);
  }

  /* Receive timeout. */
  {
    struct timeval tv = {0, 200000};
    REC(LBL("%s set SO_RCVTIMEO", F),
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    memset(&tv, 0x55, sizeof(tv));
    socklen_t tl = sizeof(tv);
    REC(LBL("%s get SO_RCVTIMEO", F),
        getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl));
    note("%s SO_RCVTIMEO: len %u sec %ld usec %ld", F, (unsigned)tl,
         (long)tv.tv_sec, (long)tv.tv_usec);
    double t0 = now_s();
    REC(LBL("%s recv times out", F), recv(c, buf, sizeof(buf), 0));
    double dt = now_s() - t0;
    note("%s recv waited >= 150 ms: %d, < 5 s: %d", F, dt >= 0.15, dt < 5.0);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    REC(LBL("%s clear SO_RCVTIMEO", F),
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    tl = sizeof(tv);
    REC(LBL("%s get SO_RCVTIMEO cleared", F),
        getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl));
    note("%s SO_RCVTIMEO cleared: sec %ld usec %ld", F, (long)tv.tv_sec,
         (long)tv.tv_usec);
  }

  /* O_NONBLOCK through fcntl. */
  {
    int fl = (int)REC(LBL("%s F_GETFL", F), fcntl(c, F_GETFL));
    REC(LBL("%s F_SETFL O_NONBLOCK", F), fcntl(c, F_SETFL, fl | O_NONBLOCK));
    REC(LBL("%s F_GETFL after", F), fcntl(c, F_GETFL));
    REC(LBL("%s recv nonblocking empty", F), recv(c, buf, sizeof(buf), 0));
    REC(LBL("%s read nonblocking empty", F), read(c, buf, sizeof(buf)));
    REC(LBL("%s F_SETFL blocking", F), fcntl(c, F_SETFL, fl));
    REC(LBL("%s F_GETFL restored", F), fcntl(c, F_GETFL));
    int on = 1;
    REC(LBL("%s FIONBIO on", F), ioctl(c, FIONBIO, &on));
    REC(LBL("%s F_GETFL after FIONBIO", F), fcntl(c, F_GETFL));
    REC(LBL("%s recv after FIONBIO", F), recv(c, buf, sizeof(buf), 0));
    on = 0;
    REC(LBL("%s FIONBIO off", F), ioctl(c, FIONBIO, &on));
    REC(LBL("%s F_GETFL after FIONBIO off", F), fcntl(c, F_GETFL));
  }

  /* Peer closes: EOF, then EPIPE on send. */
  REC(LBL("%s close accepted", F), close(a));
  n = REC(LBL("%s recv EOF", F), recv(c, buf, sizeof(buf), 0));
  {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigpipe;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    g_sigpipes = 0;
    /* c's write side is already shut (bulk transfer): EPIPE at once. */
    REC(LBL("%s send on shut socket", F), send(c, "x", 1, 0));
    note("%s SIGPIPE count: %d", F, (int)g_sigpipes);
    REC(LBL("%s send MSG_NOSIGNAL", F), send(c, "x", 1, MSG_NOSIGNAL));
    note("%s SIGPIPE count: %d", F, (int)g_sigpipes);
  }
  REC(LBL("%s close client", F), close(c));

  /* A connection whose peer is gone (RST): EPIPE with and without signal. */
  {
    int a3;
    int c3 = make_pair(LBL("%s epipe", F), l, family, &la, lal, &a3);
    REC(LBL("%s epipe close peer", F), close(a3));
    REC(LBL("%s epipe first send", F), send(c3, "x", 1, 0));
    note("%s epipe RST seen: %d", F,
         (wait_for(c3, POLLIN, 5000) & (POLLIN | POLLHUP | POLLERR)) != 0);
    /* Give the RST time to land: poll may have woken on the FIN. */
    for (int i = 0; i < 500; ++i) {
      int e = 0;
      socklen_t el = sizeof(e);
      int st = wait_for(c3, POLLOUT, 0);
      if (st & (POLLERR | POLLHUP)) break;
      (void)e;
      (void)el;
      usleep(10000);
    }
    g_sigpipes = 0;
    REC(LBL("%s epipe send", F), send(c3, "x", 1, 0));
    note("%s SIGPIPE count: %d", F, (int)g_sigpipes);
    REC(LBL("%s epipe write", F), write(c3, "x", 1));
    note("%s SIGPIPE count: %d", F, (int)g_sigpipes);
    REC(LBL("%s epipe send MSG_NOSIGNAL", F), send(c3, "x", 1, MSG_NOSIGNAL));
    note("%s SIGPIPE count: %d", F, (int)g_sigpipes);
    {
      struct iovec iov = {(void*)"yz", 2};
      REC(LBL("%s epipe writev", F), writev(c3, &iov, 1));
      note("%s SIGPIPE count: %d", F, (int)g_sigpipes);
      struct msghdr m;
      memset(&m, 0, sizeof(m));
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      REC(LBL("%s epipe sendmsg NOSIGNAL", F), sendmsg(c3, &m, MSG_NOSIGNAL));
      note("%s SIGPIPE count: %d", F, (int)g_sigpipes);
    }
    /* SIGPIPE blocked: the signal stays pending. */
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    REC(LBL("%s epipe send blocked", F), send(c3, "x", 1, 0));
    sigpending(&pend);
    note("%s SIGPIPE pending: %d", F, sigismember(&pend, SIGPIPE));
    struct timespec zero = {0, 0};
    REC(LBL("%s sigtimedwait SIGPIPE", F), sigtimedwait(&set, NULL, &zero));
    sigpending(&pend);
    note("%s SIGPIPE pending after wait: %d", F, sigismember(&pend, SIGPIPE));
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    note("%s SIGPIPE count: %d", F, (int)g_sigpipes);
    signal(SIGPIPE, SIG_DFL);
    REC(LBL("%s epipe close", F), close(c3));
  }

  /* Non-blocking connect. */
  {
    int nb = (int)REC(LBL("%s nb socket", F),
                      socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
    REC(LBL("%s nb F_GETFL", F), fcntl(nb, F_GETFL));
    REC(LBL("%s nb connect", F), connect(nb, (struct sockaddr*)&la, lal));
    note("%s nb poll POLLOUT: %#x", F, wait_for(nb, POLLOUT, 5000));
    sockopt_int(LBL("%s nb SO_ERROR", F), nb, SOL_SOCKET, SO_ERROR);
    REC(LBL("%s nb connect again", F), connect(nb, (struct sockaddr*)&la, lal));
    int na = (int)REC(LBL("%s nb accept", F), accept(l, NULL, NULL));
    REC(LBL("%s nb send", F), send(nb, "nb", 2, 0));
    memset(buf, 0, sizeof(buf));
    n = REC(LBL("%s nb recv", F), recv(na, buf, sizeof(buf), 0));
    note("%s nb data '%.*s'", F, n > 0 ? (int)n : 0, buf);
    REC(LBL("%s nb recv empty", F), recv(nb, buf, sizeof(buf), 0));
    REC(LBL("%s nb close", F), close(nb));
    REC(LBL("%s nb close accepted", F), close(na));
  }
  /* Non-blocking accept with nothing pending. */
  {
    int nl = (int)REC(LBL("%s accept4 NONBLOCK listener flags", F),
                      fcntl(l, F_GETFL));
    REC(LBL("%s listener O_NONBLOCK", F), fcntl(l, F_SETFL, nl | O_NONBLOCK));
    REC(LBL("%s accept empty nonblocking", F), accept(l, NULL, NULL));
    REC(LBL("%s listener blocking", F), fcntl(l, F_SETFL, nl));
  }

  /* Connect to a port that is bound but not listening: refused. */
  {
    struct sockaddr_storage ba;
    socklen_t bal;
    int bound = (int)REC(LBL("%s closed-port socket", F),
                         socket(family, SOCK_STREAM, 0));
    bal = loopback(family, &ba);
    REC(LBL("%s closed-port bind", F), bind(bound, (struct sockaddr*)&ba, bal));
    bal = sizeof(ba);
    REC(LBL("%s closed-port getsockname", F),
        getsockname(bound, (struct sockaddr*)&ba, &bal));
    int r =
        (int)REC(LBL("%s refused socket", F), socket(family, SOCK_STREAM, 0));
    REC(LBL("%s connect refused", F), connect(r, (struct sockaddr*)&ba, bal));
    sockopt_int(LBL("%s SO_ERROR after refused", F), r, SOL_SOCKET, SO_ERROR);
    REC(LBL("%s close refused", F), close(r));
    int rn = (int)REC(LBL("%s refused nb socket", F),
                      socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
    REC(LBL("%s nb connect refused", F),
        connect(rn, (struct sockaddr*)&ba, bal));
    note("%s nb refused poll: %#x", F, wait_for(rn, POLLOUT, 5000));
    sockopt_int(LBL("%s nb SO_ERROR refused", F), rn, SOL_SOCKET, SO_ERROR);
    sockopt_int(LBL("%s nb SO_ERROR again", F), rn, SOL_SOCKET, SO_ERROR);
    REC(LBL("%s close refused nb", F), close(rn));
    REC(LBL("%s close closed-port", F), close(bound));
  }

  REC(LBL("%s close listener", F), close(l));
#undef LBL
}

int main(void) {
  st_init();
  run_family(AF_INET);
  run_family(AF_INET6);
  note("done");
  return 0;
}
