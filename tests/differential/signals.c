/* Signals and threads on sockets: EINTR from a signal during blocking
 * accept, connect, recv and send, with and without SA_RESTART and with
 * SO_RCVTIMEO/SO_SNDTIMEO (a socket with a timeout is never restarted);
 * a signal sent to one thread (pthread_kill); shutdown and close from
 * another thread while one is blocked in recv or accept; many threads on
 * one socket; pthread_cancel of a thread blocked in recv or accept.
 *
 * Ordering: the thread that blocks publishes "about to block" and a helper
 * waits until that thread sleeps in the kernel (/proc/self/task/TID/stat
 * state S) before it acts, so every record is fixed. Helpers record
 * silently; their results are printed after they are joined. */
#include <linux/close_range.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "difftest.h"

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static pid_t my_tid(void) { return (pid_t)syscall(SYS_gettid); }

/* The state letter of thread `tid` ('?' when unreadable). */
static char thread_state(pid_t tid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return '?';
  char buf[512];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return '?';
  buf[n] = 0;
  const char* p = strrchr(buf, ')');
  return p != NULL && p[1] == ' ' ? p[2] : '?';
}

/* A thread about to enter a blocking call sets *flag to its tid; this
 * waits for that, then for the thread to sleep in the kernel. */
static void wait_blocked(atomic_int* flag) {
  int tid = 0;
  for (int i = 0; i < 2000 && (tid = atomic_load(flag)) == 0; ++i) {
    sleep_ms(1);
  }
  for (int i = 0; i < 400; ++i) {
    if (thread_state((pid_t)tid) == 'S') break;
    sleep_ms(5);
  }
  sleep_ms(30);
}

static void about_to_block(atomic_int* flag) {
  atomic_store(flag, (int)my_tid());
}

/* SIGUSR1 counts per receiving thread: the handler compares the thread it
 * runs on with the thread that was meant to get the signal. */
static volatile sig_atomic_t g_usr1_main, g_usr1_other;
static pthread_t g_main_thread;

static void on_usr1(int sig) {
  (void)sig;
  if (pthread_equal(pthread_self(), g_main_thread)) {
    g_usr1_main++;
  } else {
    g_usr1_other++;
  }
}

static void install_usr1(int restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  g_usr1_main = 0;
  g_usr1_other = 0;
  g_main_thread = pthread_self();
}

static void note_usr1(const char* label) {
  note("%s: SIGUSR1 handled on main %d, on other %d", label, (int)g_usr1_main,
       (int)g_usr1_other);
}

static void set_timeo(int fd, int name, int sec) {
  struct timeval tv = {sec, 0};
  REC(name == SO_RCVTIMEO ? "setsockopt SO_RCVTIMEO" : "setsockopt SO_SNDTIMEO",
      setsockopt(fd, SOL_SOCKET, name, &tv, sizeof(tv)));
}

/* ---- the helper thread: signal the main thread, then maybe act ---- */

enum action { ACT_NONE, ACT_CONNECT, ACT_SEND, ACT_ACCEPT_ONE, ACT_DRAIN };

struct helper {
  atomic_int blocked;
  pthread_t target;
  int signal_it;
  enum action act;
  int fd;                       /* ACT_SEND, ACT_ACCEPT_ONE, ACT_DRAIN */
  struct sockaddr_storage addr; /* ACT_CONNECT */
  socklen_t alen;
  long drain_bytes; /* ACT_DRAIN: how many */
  /* results */
  long r1, r2;
  int e1, e2;
  uint64_t sum;
  int extra_fd;
};

static void* helper_main(void* arg) {
  struct helper* h = (struct helper*)arg;
  wait_blocked(&h->blocked);
  if (h->signal_it) pthread_kill(h->target, SIGUSR1);
  sleep_ms(100);
  switch (h->act) {
    case ACT_NONE:
      break;
    case ACT_CONNECT: {
      int c = socket(h->addr.ss_family, SOCK_STREAM, 0);
      h->r1 = connect(c, (struct sockaddr*)&h->addr, h->alen);
      h->e1 = h->r1 < 0 ? errno : 0;
      h->extra_fd = c;
      break;
    }
    case ACT_SEND:
      h->r1 = send(h->fd, "after-signal", 12, 0);
      h->e1 = h->r1 < 0 ? errno : 0;
      break;
    case ACT_ACCEPT_ONE:
      h->r1 = accept(h->fd, NULL, NULL);
      h->e1 = h->r1 < 0 ? errno : 0;
      h->extra_fd = (int)h->r1;
      break;
    case ACT_DRAIN: {
      static unsigned char buf[65536];
      long got = 0;
      h->sum = FNV_INIT;
      for (int i = 0; got < h->drain_bytes && i < 100000; ++i) {
        if ((wait_for(h->fd, POLLIN, 5000) & POLLIN) == 0) break;
        size_t want = sizeof(buf);
        if ((long)want > h->drain_bytes - got) {
          want = (size_t)(h->drain_bytes - got);
        }
        ssize_t r = recv(h->fd, buf, want, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          h->e1 = r < 0 ? errno : 0;
          break;
        }
        h->sum = fnv1a(h->sum, buf, (size_t)r);
        got += r;
      }
      h->r1 = got;
      break;
    }
  }
  return NULL;
}

static pthread_t start_helper(struct helper* h) {
  h->target = pthread_self();
  atomic_store(&h->blocked, 0);
  pthread_t t;
  pthread_create(&t, NULL, helper_main, h);
  return t;
}

static void note_helper(const char* label, const struct helper* h) {
  note("%s: helper result %ld %s", label, h->r1, st_errname(h->e1));
}

/* ---- accept ---- */

static void accept_case(int restart, int timeo) {
  install_usr1(restart);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  if (timeo) set_timeo(l, SO_RCVTIMEO, 5);
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  h.act = ACT_CONNECT;
  h.addr = la;
  h.alen = lal;
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  int a = (int)REC("accept", accept(l, NULL, NULL));
  pthread_join(t, NULL);
  note_usr1("accept");
  note_helper("connect", &h);
  if (a < 0) {
    /* The helper's connection waits in the queue: a second accept takes
     * it at once. */
    a = (int)REC("accept again", accept(l, NULL, NULL));
  }
  REC("send to helper's socket", send(a, "hello", 5, 0));
  char buf[16];
  memset(buf, 0, sizeof(buf));
  long n = REC("helper socket recv", recv(h.extra_fd, buf, sizeof(buf), 0));
  note("data '%.*s'", n > 0 ? (int)n : 0, buf);
  REC("close accepted", close(a));
  REC("close helper socket", close(h.extra_fd));
  REC("close listener", close(l));
}

SCENARIO(accept_eintr) { accept_case(0, 0); }
SCENARIO(accept_restart) { accept_case(1, 0); }
SCENARIO(accept_rcvtimeo_restart_eintr) { accept_case(1, 1); }

/* ---- connect ----
 * A connect blocks while the listener's accept queue is full (backlog 0
 * holds one connection; the next SYN is dropped and retransmitted after
 * 1 s). */
static void connect_case(int restart, int timeo) {
  install_usr1(restart);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = (int)REC("listener socket", socket(AF_INET, SOCK_STREAM, 0));
  struct sockaddr_storage ss;
  socklen_t n = loopback(AF_INET, &ss);
  REC("bind", bind(l, (struct sockaddr*)&ss, n));
  REC("listen backlog 0", listen(l, 0));
  lal = sizeof(la);
  REC("getsockname", getsockname(l, (struct sockaddr*)&la, &lal));
  int c1 = (int)REC("first client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("first connect", connect(c1, (struct sockaddr*)&la, lal));
  note("listener readable: %d", (wait_for(l, POLLIN, 2000) & POLLIN) != 0);
  int c2 = (int)REC("second client socket", socket(AF_INET, SOCK_STREAM, 0));
  if (timeo) set_timeo(c2, SO_SNDTIMEO, 10);
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  h.act = ACT_ACCEPT_ONE; /* drains the queue: the SYN retransmit gets in */
  h.fd = l;
  h.extra_fd = -1;
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  REC("blocking connect", connect(c2, (struct sockaddr*)&la, lal));
  pthread_join(t, NULL);
  note_usr1("connect");
  if (h.act == ACT_ACCEPT_ONE) note_helper("helper accept", &h);
  REC("connect again", connect(c2, (struct sockaddr*)&la, lal));
  if (h.extra_fd >= 0) REC("close helper accepted", close(h.extra_fd));
  REC("close first client", close(c1));
  REC("close second client", close(c2));
  REC("close listener", close(l));
}

SCENARIO(connect_eintr) { connect_case(0, 0); }
SCENARIO(connect_restart) { connect_case(1, 0); }
SCENARIO(connect_sndtimeo_restart_eintr) { connect_case(1, 1); }

/* ---- recv ---- */

static void recv_case(int restart, int timeo, int family) {
  install_usr1(restart);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", family, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, family, &la, lal, &a);
  if (timeo) set_timeo(c, SO_RCVTIMEO, 5);
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  h.act = ACT_SEND;
  h.fd = a;
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  char buf[64];
  memset(buf, 0, sizeof(buf));
  long n = REC("recv", recv(c, buf, sizeof(buf), 0));
  pthread_join(t, NULL);
  note_usr1("recv");
  note_helper("helper send", &h);
  note("data '%.*s'", n > 0 ? (int)n : 0, buf);
  if (n < 0) {
    memset(buf, 0, sizeof(buf));
    n = REC("recv again", recv(c, buf, sizeof(buf), 0));
    note("data '%.*s'", n > 0 ? (int)n : 0, buf);
  }
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

SCENARIO(recv_eintr) { recv_case(0, 0, AF_INET); }
SCENARIO(recv_restart) { recv_case(1, 0, AF_INET); }
SCENARIO(recv_rcvtimeo_restart_eintr) { recv_case(1, 1, AF_INET); }
SCENARIO(recv_eintr_v6) { recv_case(0, 0, AF_INET6); }
SCENARIO(recv_restart_v6) { recv_case(1, 0, AF_INET6); }

/* UDP: recvfrom and recvmsg. */
static void udp_recv_case(int restart, int timeo, int use_msg) {
  install_usr1(restart);
  struct sockaddr_storage ua;
  socklen_t ual;
  int u = make_server("udp", AF_INET, SOCK_DGRAM, &ua, &ual);
  int s = (int)REC("udp sender socket", socket(AF_INET, SOCK_DGRAM, 0));
  REC("udp sender connect", connect(s, (struct sockaddr*)&ua, ual));
  if (timeo) set_timeo(u, SO_RCVTIMEO, 5);
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  h.act = ACT_SEND;
  h.fd = s;
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  char buf[64];
  memset(buf, 0, sizeof(buf));
  struct sockaddr_storage from;
  socklen_t froml = sizeof(from);
  long n;
  if (use_msg) {
    struct iovec iov = {buf, sizeof(buf)};
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_name = &from;
    m.msg_namelen = sizeof(from);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    n = REC("recvmsg", recvmsg(u, &m, 0));
    froml = m.msg_namelen;
  } else {
    n = REC("recvfrom",
            recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr*)&from, &froml));
  }
  pthread_join(t, NULL);
  note_usr1("udp recv");
  note_helper("helper send", &h);
  note("data '%.*s' fromlen %u", n > 0 ? (int)n : 0, buf,
       n > 0 ? (unsigned)froml : 0u);
  if (n < 0) {
    n = REC("recv again", recv(u, buf, sizeof(buf), 0));
    note("data '%.*s'", n > 0 ? (int)n : 0, buf);
  }
  REC("close udp", close(u));
  REC("close udp sender", close(s));
}

SCENARIO(udp_recvfrom_eintr) { udp_recv_case(0, 0, 0); }
SCENARIO(udp_recvfrom_restart) { udp_recv_case(1, 0, 0); }
SCENARIO(udp_recvmsg_rcvtimeo_restart_eintr) { udp_recv_case(1, 1, 1); }
SCENARIO(udp_recvmsg_restart) { udp_recv_case(1, 0, 1); }

/* ---- send blocked on a full buffer ---- */

/* Fills c's send path (peer not reading) until a non-blocking send says
 * EAGAIN in three rounds running; returns the bytes queued. */
static long fill_until_full(int c, uint64_t* sum) {
  static unsigned char chunk[4096];
  long total = 0;
  int quiet = 0;
  for (int round = 0; round < 50 && quiet < 3; ++round) {
    long before = total;
    for (int i = 0; i < 100000; ++i) {
      fill_pattern(chunk, sizeof(chunk), (size_t)total, 3);
      ssize_t r = send(c, chunk, sizeof(chunk), MSG_DONTWAIT);
      if (r <= 0) break;
      *sum = fnv1a(*sum, chunk, (size_t)r);
      total += r;
    }
    quiet = total == before ? quiet + 1 : 0;
    sleep_ms(20);
  }
  return total;
}

static void send_case(int restart, int timeo) {
  install_usr1(restart);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int small = 4096;
  int c = (int)REC("client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("client SO_SNDBUF",
      setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
  REC("connect", connect(c, (struct sockaddr*)&la, lal));
  int a = (int)REC("accept", accept(l, NULL, NULL));
  REC("accepted SO_RCVBUF",
      setsockopt(a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
  if (timeo) set_timeo(c, SO_SNDTIMEO, 5);
  uint64_t sum = FNV_INIT;
  long filled = fill_until_full(c, &sum);
  note("filled: %d", filled > 0);
  REC("send MSG_DONTWAIT when full", send(c, "x", 1, MSG_DONTWAIT));
  static unsigned char big[65536];
  fill_pattern(big, sizeof(big), (size_t)filled, 3);
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  /* With SA_RESTART the send goes on: the helper drains everything. */
  h.act = restart && !timeo ? ACT_DRAIN : ACT_NONE;
  h.fd = a;
  h.drain_bytes = filled + (long)sizeof(big);
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  long r = REC("blocking send", send(c, big, sizeof(big), 0));
  pthread_join(t, NULL);
  note_usr1("send");
  if (r > 0) sum = fnv1a(sum, big, (size_t)r);
  if (h.act == ACT_DRAIN) {
    note("helper drained all: %d, checksums match: %d", h.r1 == filled + r,
         h.sum == sum);
  }
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

SCENARIO(send_full_eintr) { send_case(0, 0); }
SCENARIO(send_full_restart) { send_case(1, 0); }
SCENARIO(send_full_sndtimeo_restart_eintr) { send_case(1, 1); }

/* ---- pthread_kill: only the targeted thread is interrupted ---- */

struct blocked_recv {
  atomic_int blocked;
  int fd;
  long r;
  int e;
  char data[32];
};

static void* recv_thread(void* arg) {
  struct blocked_recv* b = (struct blocked_recv*)arg;
  about_to_block(&b->blocked);
  b->r = recv(b->fd, b->data, sizeof(b->data) - 1, 0);
  b->e = b->r < 0 ? errno : 0;
  return NULL;
}

SCENARIO(pthread_kill_one_thread) {
  install_usr1(0);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a1, a2;
  int c1 = make_pair("pair 1", l, AF_INET, &la, lal, &a1);
  int c2 = make_pair("pair 2", l, AF_INET, &la, lal, &a2);
  struct blocked_recv b1, b2;
  memset(&b1, 0, sizeof(b1));
  memset(&b2, 0, sizeof(b2));
  b1.fd = c1;
  b2.fd = c2;
  pthread_t t1, t2;
  pthread_create(&t1, NULL, recv_thread, &b1);
  pthread_create(&t2, NULL, recv_thread, &b2);
  wait_blocked(&b1.blocked);
  wait_blocked(&b2.blocked);
  REC("pthread_kill thread 1", pthread_kill(t1, SIGUSR1));
  pthread_join(t1, NULL);
  note("thread 1 recv: %ld %s", b1.r, st_errname(b1.e));
  note_usr1("after kill");
  note("thread 2 still blocked: %d", b2.r == 0 && b2.e == 0);
  REC("send to thread 2", send(a2, "for-two", 7, 0));
  pthread_join(t2, NULL);
  note("thread 2 recv: %ld %s '%.*s'", b2.r, st_errname(b2.e),
       b2.r > 0 ? (int)b2.r : 0, b2.data);
  REC("pthread_kill main", pthread_kill(pthread_self(), SIGUSR1));
  note_usr1("after kill main");
  REC("close c1", close(c1));
  REC("close c2", close(c2));
  REC("close a1", close(a1));
  REC("close a2", close(a2));
  REC("close listener", close(l));
}

/* ---- shutdown and close from another thread ---- */

static void shutdown_wakes_recv(int how) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  struct blocked_recv b;
  memset(&b, 0, sizeof(b));
  b.fd = c;
  pthread_t t;
  pthread_create(&t, NULL, recv_thread, &b);
  wait_blocked(&b.blocked);
  REC("shutdown from main", shutdown(c, how));
  pthread_join(t, NULL);
  note("blocked recv returned %ld %s", b.r, st_errname(b.e));
  char buf[16];
  REC("recv after shutdown", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
  REC("peer recv", recv(a, buf, sizeof(buf), MSG_DONTWAIT));
  REC("peer send", send(a, "late", 4, MSG_NOSIGNAL));
  REC("send after shutdown", send(c, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

SCENARIO(shutdown_rd_wakes_recv) { shutdown_wakes_recv(SHUT_RD); }
SCENARIO(shutdown_rdwr_wakes_recv) { shutdown_wakes_recv(SHUT_RDWR); }

struct blocked_accept {
  atomic_int blocked;
  int fd;
  long r;
  int e;
};

static void* accept_thread(void* arg) {
  struct blocked_accept* b = (struct blocked_accept*)arg;
  about_to_block(&b->blocked);
  b->r = accept(b->fd, NULL, NULL);
  b->e = b->r < 0 ? errno : 0;
  return NULL;
}

static void shutdown_wakes_accept(int how) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  struct blocked_accept b;
  memset(&b, 0, sizeof(b));
  b.fd = l;
  pthread_t t;
  pthread_create(&t, NULL, accept_thread, &b);
  wait_blocked(&b.blocked);
  REC("shutdown SHUT_WR on listener", shutdown(l, SHUT_WR));
  note("accept thread still blocked: %d", b.r == 0 && b.e == 0);
  REC("shutdown listener", shutdown(l, how));
  pthread_join(t, NULL);
  note("blocked accept returned %ld %s", b.r, st_errname(b.e));
  REC("accept after shutdown", accept(l, NULL, NULL));
  int c = (int)REC("client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("connect to shut listener", connect(c, (struct sockaddr*)&la, lal));
  REC("listen again", listen(l, 4));
  REC("close client", close(c));
  REC("close listener", close(l));
}

SCENARIO(shutdown_rd_wakes_accept) { shutdown_wakes_accept(SHUT_RD); }
SCENARIO(shutdown_rdwr_wakes_accept) { shutdown_wakes_accept(SHUT_RDWR); }

/* close() alone does not wake a blocked recv on Linux: the call goes on
 * and returns the data the peer sends after the close. */
SCENARIO(close_does_not_wake_recv) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  struct blocked_recv b;
  memset(&b, 0, sizeof(b));
  b.fd = c;
  pthread_t t;
  pthread_create(&t, NULL, recv_thread, &b);
  wait_blocked(&b.blocked);
  REC("close from main", close(c));
  sleep_ms(100);
  note("recv thread still blocked: %d", b.r == 0 && b.e == 0);
  REC("recv on closed fd", recv(c, b.data, 1, MSG_DONTWAIT));
  /* The number is free again. */
  int u =
      (int)REC("new socket takes the number", socket(AF_INET, SOCK_DGRAM, 0));
  note("same number: %d", u == c);
  REC("peer send", send(a, "after-close", 11, 0));
  pthread_join(t, NULL);
  note("blocked recv returned %ld %s '%.*s'", b.r, st_errname(b.e),
       b.r > 0 ? (int)b.r : 0, b.data);
  /* The connection is gone now that the last user left. */
  char buf[16];
  note("peer readable: %d", (wait_for(a, POLLIN, 2000) & POLLIN) != 0);
  REC("peer recv EOF", recv(a, buf, sizeof(buf), 0));
  REC("close udp", close(u));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* The same for accept: the blocked accept takes a connection made after
 * the listener's close. */
SCENARIO(close_does_not_wake_accept) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  struct blocked_accept b;
  memset(&b, 0, sizeof(b));
  b.fd = l;
  pthread_t t;
  pthread_create(&t, NULL, accept_thread, &b);
  wait_blocked(&b.blocked);
  REC("close listener from main", close(l));
  sleep_ms(100);
  note("accept thread still blocked: %d", b.r == 0 && b.e == 0);
  int c = (int)REC("client socket", socket(AF_INET, SOCK_STREAM, 0));
  note("client takes the listener's number: %d", c == l);
  REC("connect", connect(c, (struct sockaddr*)&la, lal));
  pthread_join(t, NULL);
  note("blocked accept returned fd %ld %s", b.r, st_errname(b.e));
  if (b.r >= 0) {
    int a = (int)b.r;
    REC("send on accepted", send(a, "hi", 2, 0));
    char buf[8];
    memset(buf, 0, sizeof(buf));
    long n = REC("client recv", recv(c, buf, sizeof(buf), 0));
    note("data '%.*s'", n > 0 ? (int)n : 0, buf);
    REC("close accepted", close(a));
  }
  int c2 = (int)REC("second client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("connect after the accept returned",
      connect(c2, (struct sockaddr*)&la, lal));
  REC("close second client", close(c2));
  REC("close client", close(c));
}

/* ---- many threads on one socket ---- */

#define NRX 8
#define RX_PER 40
static int g_udp;

struct udp_rx {
  long count;
  uint64_t sum; /* sum of per-datagram hashes: order-independent */
  int stops;
  int err;
};

static void* udp_rx_thread(void* arg) {
  struct udp_rx* r = (struct udp_rx*)arg;
  unsigned char d[256];
  for (int i = 0; i < 10000; ++i) {
    ssize_t n = recv(g_udp, d, sizeof(d), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r->err = errno;
      break;
    }
    if (n == 4 && memcmp(d, "STOP", 4) == 0) {
      r->stops++;
      break;
    }
    r->count++;
    r->sum += fnv1a(FNV_INIT, d, (size_t)n);
  }
  return NULL;
}

SCENARIO(udp_eight_receivers) {
  struct sockaddr_storage ua;
  socklen_t ual;
  g_udp = make_server("udp", AF_INET, SOCK_DGRAM, &ua, &ual);
  int big = 1 << 20;
  REC("SO_RCVBUF", setsockopt(g_udp, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)));
  int s = (int)REC("sender socket", socket(AF_INET, SOCK_DGRAM, 0));
  REC("sender connect", connect(s, (struct sockaddr*)&ua, ual));
  struct udp_rx rx[NRX];
  memset(rx, 0, sizeof(rx));
  pthread_t t[NRX];
  for (int i = 0; i < NRX; ++i)
    pthread_create(&t[i], NULL, udp_rx_thread, &rx[i]);
  uint64_t want = 0;
  long sent = 0;
  for (int i = 0; i < NRX * RX_PER; ++i) {
    unsigned char d[200];
    size_t len = 20 + (size_t)(i % 180);
    fill_pattern(d, len, (size_t)i * 7, 5);
    d[0] = (unsigned char)i;
    d[1] = (unsigned char)(i >> 8);
    if (send(s, d, len, 0) == (ssize_t)len) {
      sent++;
      want += fnv1a(FNV_INIT, d, len);
    }
    if (i % 64 == 63) sleep_ms(2);
  }
  for (int i = 0; i < NRX; ++i) send(s, "STOP", 4, 0);
  for (int i = 0; i < NRX; ++i) pthread_join(t[i], NULL);
  long total = 0, stops = 0, errs = 0;
  uint64_t got = 0;
  for (int i = 0; i < NRX; ++i) {
    total += rx[i].count;
    stops += rx[i].stops;
    got += rx[i].sum;
    if (rx[i].err) errs++;
  }
  note("sent %ld received %ld stops %ld errors %ld checksums match %d", sent,
       total, stops, errs, got == want);
  REC("close sender", close(s));
  REC("close udp", close(g_udp));
}

#define NTX 8
#define TX_PER 64
#define TX_REC 512
static int g_tcp;

static void* tcp_tx_thread(void* arg) {
  long id = (long)arg;
  unsigned char rec[TX_REC];
  long ok = 0;
  for (int i = 0; i < TX_PER; ++i) {
    fill_pattern(rec, sizeof(rec), (size_t)i * TX_REC, (unsigned)id);
    rec[0] = (unsigned char)id;
    rec[1] = (unsigned char)i;
    if (send_all(g_tcp, rec, sizeof(rec)) == (ssize_t)sizeof(rec)) ok++;
  }
  return (void*)ok;
}

SCENARIO(tcp_eight_senders) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  g_tcp = make_pair("pair", l, AF_INET, &la, lal, &a);
  pthread_t t[NTX];
  for (long i = 0; i < NTX; ++i) {
    pthread_create(&t[i], NULL, tcp_tx_thread, (void*)i);
  }
  /* The receiver takes everything and checks the byte histogram (sends of
   * one record may interleave only at record granularity or not at all; a
   * histogram does not depend on that). */
  long want = (long)NTX * TX_PER * TX_REC;
  long got = 0;
  unsigned long hist[256];
  memset(hist, 0, sizeof(hist));
  static unsigned char buf[65536];
  for (int i = 0; got < want && i < 100000; ++i) {
    if ((wait_for(a, POLLIN, 5000) & POLLIN) == 0) break;
    ssize_t r = recv(a, buf, sizeof(buf), 0);
    if (r <= 0) break;
    for (ssize_t k = 0; k < r; ++k) hist[buf[k]]++;
    got += r;
  }
  long ok = 0;
  for (int i = 0; i < NTX; ++i) {
    void* v;
    pthread_join(t[i], &v);
    ok += (long)v;
  }
  unsigned long want_hist[256];
  memset(want_hist, 0, sizeof(want_hist));
  unsigned char rec[TX_REC];
  for (int id = 0; id < NTX; ++id) {
    for (int i = 0; i < TX_PER; ++i) {
      fill_pattern(rec, sizeof(rec), (size_t)i * TX_REC, (unsigned)id);
      rec[0] = (unsigned char)id;
      rec[1] = (unsigned char)i;
      for (int k = 0; k < TX_REC; ++k) want_hist[rec[k]]++;
    }
  }
  note("records sent %ld bytes received %ld histogram matches %d", ok, got,
       memcmp(hist, want_hist, sizeof(hist)) == 0);
  REC("shutdown SHUT_WR", shutdown(g_tcp, SHUT_WR));
  REC("recv EOF", recv(a, buf, 1, 0));
  REC("close client", close(g_tcp));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* ---- pthread_cancel ---- */

static volatile int g_cleanup_ran;
static void cleanup(void* arg) {
  (void)arg;
  g_cleanup_ran++;
}

static void* cancel_recv_thread(void* arg) {
  struct blocked_recv* b = (struct blocked_recv*)arg;
  pthread_cleanup_push(cleanup, NULL);
  about_to_block(&b->blocked);
  b->r = recv(b->fd, b->data, sizeof(b->data) - 1, 0);
  b->e = b->r < 0 ? errno : 0;
  pthread_cleanup_pop(0);
  return NULL;
}

static void* cancel_accept_thread(void* arg) {
  struct blocked_accept* b = (struct blocked_accept*)arg;
  pthread_cleanup_push(cleanup, NULL);
  about_to_block(&b->blocked);
  b->r = accept(b->fd, NULL, NULL);
  b->e = b->r < 0 ? errno : 0;
  pthread_cleanup_pop(0);
  return NULL;
}

/* Joins with a time limit; on timeout `unblock` is run and the join
 * retried, so the scenario always ends. */
static void join_cancelled(pthread_t t, int unblock_fd, const char* label) {
  void* ret = NULL;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 3;
  int r = pthread_timedjoin_np(t, &ret, &ts);
  note("%s: joined in time %d", label, r == 0);
  if (r != 0) {
    if (unblock_fd >= 0) shutdown(unblock_fd, SHUT_RDWR);
    pthread_join(t, &ret);
  }
  note("%s: canceled %d cleanup ran %d", label, ret == PTHREAD_CANCELED,
       g_cleanup_ran);
}

SCENARIO(cancel_blocked_recv) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  struct blocked_recv b;
  memset(&b, 0, sizeof(b));
  b.fd = c;
  g_cleanup_ran = 0;
  pthread_t t;
  pthread_create(&t, NULL, cancel_recv_thread, &b);
  wait_blocked(&b.blocked);
  REC("pthread_cancel", pthread_cancel(t));
  join_cancelled(t, c, "recv thread");
  note("recv result recorded: %ld %s", b.r, st_errname(b.e));
  /* The socket is intact: data still flows. */
  REC("peer send", send(a, "ok", 2, 0));
  char buf[8];
  memset(buf, 0, sizeof(buf));
  long n = REC("recv after cancel", recv(c, buf, sizeof(buf), 0));
  note("data '%.*s'", n > 0 ? (int)n : 0, buf);
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

SCENARIO(cancel_blocked_accept) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  struct blocked_accept b;
  memset(&b, 0, sizeof(b));
  b.fd = l;
  g_cleanup_ran = 0;
  pthread_t t;
  pthread_create(&t, NULL, cancel_accept_thread, &b);
  wait_blocked(&b.blocked);
  REC("pthread_cancel", pthread_cancel(t));
  join_cancelled(t, l, "accept thread");
  note("accept result recorded: %ld %s", b.r, st_errname(b.e));
  int a;
  int c = make_pair("after cancel", l, AF_INET, &la, lal, &a);
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* A pending cancel acts at the call (cancellation point) even when the
 * call would not block. */
static void* pending_cancel_thread(void* arg) {
  int fd = *(int*)arg;
  int old;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
  pthread_cancel(pthread_self());
  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
  char buf[4];
  recv(fd, buf, sizeof(buf), 0); /* data is there: would not block */
  return (void*)1;
}

SCENARIO(cancel_pending_at_recv) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  REC("peer send", send(a, "abc", 3, 0));
  note("client readable: %d", (wait_for(c, POLLIN, 2000) & POLLIN) != 0);
  pthread_t t;
  pthread_create(&t, NULL, pending_cancel_thread, &c);
  void* ret = NULL;
  pthread_join(t, &ret);
  note("thread canceled at recv: %d", ret == PTHREAD_CANCELED);
  char buf[8];
  memset(buf, 0, sizeof(buf));
  long n = REC("recv", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
  note("data left '%.*s'", n > 0 ? (int)n : 0, buf);
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* ---- close racing calls in other threads ----
 * Workers call on one fd number while the main thread replaces the socket
 * behind it (dup2 over it, close, re-create). Every result is one of a
 * known set whatever the interleaving; under the preload this must never
 * touch a freed socket object (run it with an ASan build of the library to
 * see that). */
#define RACE_WORKERS 4
#define RACE_CALLS 3000
#define RACE_SWAPS 400
static int g_race_fd;
static struct sockaddr_storage g_race_to;
static socklen_t g_race_tol;
static atomic_int g_race_stop;

static void* race_worker(void* arg) {
  long unexpected = 0;
  (void)arg;
  char buf[8];
  for (int i = 0; i < RACE_CALLS; ++i) {
    long r;
    int t;
    socklen_t tl = sizeof(t);
    switch (i % 3) {
      case 0:
        r = sendto(g_race_fd, "r", 1, MSG_DONTWAIT,
                   (struct sockaddr*)&g_race_to, g_race_tol);
        if (r < 0 && errno != EBADF && errno != EAGAIN) unexpected++;
        break;
      case 1:
        r = recv(g_race_fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (r < 0 && errno != EBADF && errno != EAGAIN) unexpected++;
        break;
      default:
        r = getsockopt(g_race_fd, SOL_SOCKET, SO_TYPE, &t, &tl);
        if (r < 0 ? errno != EBADF : t != SOCK_DGRAM) unexpected++;
        break;
    }
  }
  return (void*)unexpected;
}

SCENARIO(close_race_stress) {
  int sink = make_server("sink", AF_INET, SOCK_DGRAM, &g_race_to, &g_race_tol);
  g_race_fd = (int)REC("shared socket", socket(AF_INET, SOCK_DGRAM, 0));
  atomic_store(&g_race_stop, 0);
  pthread_t t[RACE_WORKERS];
  for (int i = 0; i < RACE_WORKERS; ++i) {
    pthread_create(&t[i], NULL, race_worker, NULL);
  }
  long bad = 0;
  for (int i = 0; i < RACE_SWAPS; ++i) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    if (u < 0) {
      bad++;
      continue;
    }
    if (i % 2 == 0) {
      if (dup2(u, g_race_fd) != g_race_fd) bad++;
      close(u);
    } else {
      close(g_race_fd);
      if (dup2(u, g_race_fd) != g_race_fd) bad++;
      close(u);
    }
  }
  long unexpected = 0;
  for (int i = 0; i < RACE_WORKERS; ++i) {
    void* v;
    pthread_join(t[i], &v);
    unexpected += (long)v;
  }
  note("swaps failed %ld, unexpected worker results %ld", bad, unexpected);
  int type = 0;
  socklen_t tl = sizeof(type);
  REC("shared fd still a socket",
      getsockopt(g_race_fd, SOL_SOCKET, SO_TYPE, &type, &tl));
  note("type %d", type);
  REC("close shared", close(g_race_fd));
  REC("close sink", close(sink));
}

/* ---- a signal handler that makes socket calls while the thread is
 * blocked in accept or recv ---- */
static int g_h_fd = -1;
static volatile long g_h_send, g_h_recv, g_h_sock;
static volatile int g_h_send_e, g_h_recv_e, g_h_sock_e;

static void calling_handler(int sig) {
  (void)sig;
  int e = errno;
  char b[8];
  g_h_send = send(g_h_fd, "from-handler", 12, 0);
  g_h_send_e = g_h_send < 0 ? errno : 0;
  g_h_recv = recv(g_h_fd, b, sizeof(b), MSG_DONTWAIT);
  g_h_recv_e = g_h_recv < 0 ? errno : 0;
  g_h_sock = socket(AF_INET, SOCK_DGRAM, 0);
  g_h_sock_e = g_h_sock < 0 ? errno : 0;
  errno = e;
}

static void handler_calls_case(int in_accept) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = calling_handler;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  g_h_fd = a;
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  if (in_accept) {
    h.act = ACT_CONNECT;
    h.addr = la;
    h.alen = lal;
  } else {
    h.act = ACT_SEND;
    h.fd = a;
  }
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  char buf[64];
  memset(buf, 0, sizeof(buf));
  long r;
  if (in_accept) {
    r = REC("accept (SA_RESTART)", accept(l, NULL, NULL));
  } else {
    /* The handler's own send reaches c first: the restarted recv gets it. */
    r = REC("recv (SA_RESTART)", recv(c, buf, sizeof(buf) - 1, 0));
    note("data '%.*s'", r > 0 ? (int)r : 0, buf);
  }
  pthread_join(t, NULL);
  note("handler: send %ld %s, recv %ld %s, socket %ld %s", g_h_send,
       st_errname(g_h_send_e), g_h_recv, st_errname(g_h_recv_e), g_h_sock,
       st_errname(g_h_sock_e));
  note_helper("helper", &h);
  if (g_h_sock >= 0) {
    int t2 = -1;
    socklen_t tl = sizeof(t2);
    REC("SO_TYPE of the handler's socket",
        getsockopt((int)g_h_sock, SOL_SOCKET, SO_TYPE, &t2, &tl));
    note("type %d", t2);
    struct sockaddr_storage me;
    socklen_t mel = loopback(AF_INET, &me);
    REC("bind the handler's socket",
        bind((int)g_h_sock, (struct sockaddr*)&me, mel));
    REC("close the handler's socket", close((int)g_h_sock));
  }
  memset(buf, 0, sizeof(buf));
  long n = REC("client recv", recv(c, buf, sizeof(buf) - 1, MSG_DONTWAIT));
  note("data '%.*s'", n > 0 ? (int)n : 0, buf);
  if (in_accept && r >= 0) REC("close accepted 2", close((int)r));
  if (in_accept) REC("close helper socket", close(h.extra_fd));
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

SCENARIO(handler_calls_during_blocked_accept) { handler_calls_case(1); }
SCENARIO(handler_calls_during_blocked_recv) { handler_calls_case(0); }

/* ---- SIGPIPE goes to the sending thread ---- */
static volatile sig_atomic_t g_pipe_main, g_pipe_other;
static void on_pipe(int sig) {
  (void)sig;
  if (pthread_equal(pthread_self(), g_main_thread)) {
    g_pipe_main++;
  } else {
    g_pipe_other++;
  }
}

struct pipe_job {
  int fd;
  long r1, r2;
  int e1, e2;
};

static void* pipe_sender(void* arg) {
  struct pipe_job* j = (struct pipe_job*)arg;
  j->r1 = send(j->fd, "x", 1, 0);
  j->e1 = j->r1 < 0 ? errno : 0;
  j->r2 = write(j->fd, "y", 1);
  j->e2 = j->r2 < 0 ? errno : 0;
  return NULL;
}

SCENARIO(sigpipe_to_sending_thread) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_pipe;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPIPE, &sa, NULL);
  g_main_thread = pthread_self();
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  REC("close accepted", close(a));
  REC("first send draws RST", send(c, "x", 1, MSG_NOSIGNAL));
  note("error pending: %d",
       (wait_for(c, POLLERR | POLLHUP, 2000) & (POLLERR | POLLHUP)) != 0);
  REC("SO_ERROR read and cleared",
      getsockopt(c, SOL_SOCKET, SO_ERROR, &(int){0},
                 &(socklen_t){sizeof(int)}));
  struct pipe_job j;
  memset(&j, 0, sizeof(j));
  j.fd = c;
  pthread_t t;
  pthread_create(&t, NULL, pipe_sender, &j);
  pthread_join(t, NULL);
  note("thread send %ld %s, write %ld %s", j.r1, st_errname(j.e1), j.r2,
       st_errname(j.e2));
  note("SIGPIPE on main %d, on other %d", (int)g_pipe_main, (int)g_pipe_other);
  REC("close client", close(c));
  REC("close listener", close(l));
}

/* ---- MSG_WAITALL interrupted after part of the data: the part ---- */
SCENARIO(recv_waitall_partial_restart) {
  install_usr1(1);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  REC("peer send 5", send(a, "01234", 5, 0));
  note("readable: %d", (wait_for(c, POLLIN, 2000) & POLLIN) != 0);
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  h.act = ACT_NONE;
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  char buf[16];
  memset(buf, 0, sizeof(buf));
  long n = REC("recv MSG_WAITALL 10", recv(c, buf, 10, MSG_WAITALL));
  pthread_join(t, NULL);
  note_usr1("waitall");
  note("data '%.*s'", n > 0 ? (int)n : 0, buf);
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* ---- shutdown(SHUT_WR) from another thread while a send is blocked on a
 * full buffer: EPIPE and SIGPIPE at the blocked thread ---- */
struct send_job {
  atomic_int blocked;
  int fd;
  long r;
  int e;
};

static void* blocked_sender(void* arg) {
  struct send_job* j = (struct send_job*)arg;
  static unsigned char big[65536];
  fill_pattern(big, sizeof(big), 0, 9);
  about_to_block(&j->blocked);
  j->r = send(j->fd, big, sizeof(big), 0);
  j->e = j->r < 0 ? errno : 0;
  return NULL;
}

SCENARIO(shutdown_wr_wakes_blocked_send) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_pipe;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPIPE, &sa, NULL);
  g_main_thread = pthread_self();
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int small = 4096;
  int c = (int)REC("client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("client SO_SNDBUF",
      setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
  REC("connect", connect(c, (struct sockaddr*)&la, lal));
  int a = (int)REC("accept", accept(l, NULL, NULL));
  REC("accepted SO_RCVBUF",
      setsockopt(a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
  uint64_t sum = FNV_INIT;
  note("filled: %d", fill_until_full(c, &sum) > 0);
  struct send_job j;
  memset(&j, 0, sizeof(j));
  j.fd = c;
  pthread_t t;
  pthread_create(&t, NULL, blocked_sender, &j);
  wait_blocked(&j.blocked);
  REC("shutdown SHUT_WR from main", shutdown(c, SHUT_WR));
  pthread_join(t, NULL);
  note("blocked send returned %ld %s", j.r, st_errname(j.e));
  note("SIGPIPE on main %d, on other %d", (int)g_pipe_main, (int)g_pipe_other);
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* ---- the siginfo of SIGPIPE: the kernel sends it as send_sig(SIGPIPE,
 * current, 0): si_code SI_USER, si_pid our pid, si_uid our uid ---- */
static volatile int g_si_code = 99, g_si_pid_self, g_si_uid_self, g_si_errno;
static volatile int g_si_count;

static void on_pipe_info(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  g_si_code = si->si_code;
  g_si_pid_self = si->si_pid == getpid();
  g_si_uid_self = si->si_uid == getuid();
  g_si_errno = si->si_errno;
  g_si_count++;
}

static void note_siginfo(const char* label) {
  note("%s: SIGPIPE count %d si_code %d pid self %d uid self %d errno %d",
       label, g_si_count, g_si_code, g_si_pid_self, g_si_uid_self, g_si_errno);
  g_si_code = 99;
}

SCENARIO(sigpipe_siginfo) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_pipe_info;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPIPE, &sa, NULL);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET6, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET6, &la, lal, &a);
  REC("close accepted", close(a));
  REC("first send draws RST", send(c, "x", 1, MSG_NOSIGNAL));
  wait_for(c, POLLERR | POLLHUP, 2000);
  REC("SO_ERROR read and cleared",
      getsockopt(c, SOL_SOCKET, SO_ERROR, &(int){0},
                 &(socklen_t){sizeof(int)}));
  REC("send", send(c, "x", 1, 0));
  note_siginfo("after send");
  REC("write", write(c, "x", 1));
  note_siginfo("after write");
  /* Blocked: the signal waits, thread-directed, with the same siginfo. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  REC("block SIGPIPE", pthread_sigmask(SIG_BLOCK, &set, NULL));
  REC("sendto while blocked", sendto(c, "x", 1, 0, NULL, 0));
  sigset_t pend;
  sigpending(&pend);
  note("SIGPIPE pending: %d", sigismember(&pend, SIGPIPE));
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  struct timespec ts = {0, 0};
  REC("sigtimedwait", sigtimedwait(&set, &si, &ts));
  note("waited siginfo: code %d pid self %d uid self %d", si.si_code,
       si.si_pid == getpid(), si.si_uid == getuid());
  REC("unblock SIGPIPE", pthread_sigmask(SIG_UNBLOCK, &set, NULL));
  note_siginfo("after unblock");
  REC("close client", close(c));
  REC("close listener", close(l));
}

/* ---- sendmmsg interrupted after the first message: the count ----
 * Message 1 is empty (sent at once), message 2 waits for room in a full
 * send buffer and is interrupted (no SA_RESTART; the SA_RESTART case is a
 * known gap: tests/differential/known_gaps/). */
SCENARIO(sendmmsg_eintr_after_some) {
  install_usr1(0);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int small = 4096;
  int c = (int)REC("client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("client SO_SNDBUF",
      setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
  REC("connect", connect(c, (struct sockaddr*)&la, lal));
  int a = (int)REC("accept", accept(l, NULL, NULL));
  REC("accepted SO_RCVBUF",
      setsockopt(a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
  uint64_t sum = FNV_INIT;
  note("filled: %d", fill_until_full(c, &sum) > 0);
  struct iovec iov[3] = {{(void*)"", 0}, {(void*)"x", 1}, {(void*)"y", 1}};
  struct mmsghdr m[3];
  memset(m, 0, sizeof(m));
  for (int i = 0; i < 3; ++i) {
    m[i].msg_hdr.msg_iov = &iov[i];
    m[i].msg_hdr.msg_iovlen = 1;
  }
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  h.act = ACT_NONE;
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  long n = REC("sendmmsg 3", sendmmsg(c, m, 3, 0));
  pthread_join(t, NULL);
  note_usr1("sendmmsg");
  for (long i = 0; i < n && i < 3; ++i) {
    note("msg %ld: len %u", i, m[i].msg_len);
  }
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* dup2 over a socket another thread is blocked in recv on: the blocked call
 * keeps the old socket (and gets its data); the number now names the other
 * connection; the old peer sees EOF once the call returned. */
SCENARIO(dup2_over_blocked_recv) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a1, a2;
  int c1 = make_pair("pair 1", l, AF_INET, &la, lal, &a1);
  int c2 = make_pair("pair 2", l, AF_INET, &la, lal, &a2);
  struct blocked_recv b;
  memset(&b, 0, sizeof(b));
  b.fd = c1;
  pthread_t t;
  pthread_create(&t, NULL, recv_thread, &b);
  wait_blocked(&b.blocked);
  REC("dup2 c2 over c1", dup2(c2, c1));
  REC("send via c1 (now conn 2)", send(c1, "to-two", 6, 0));
  char buf[16];
  memset(buf, 0, sizeof(buf));
  long n = REC("a2 recv", recv_all(a2, buf, 6));
  note("a2 got '%.*s'", n > 0 ? (int)n : 0, buf);
  note("recv thread still blocked: %d", b.r == 0 && b.e == 0);
  REC("peer 1 send", send(a1, "to-old", 6, 0));
  pthread_join(t, NULL);
  note("blocked recv returned %ld %s '%.*s'", b.r, st_errname(b.e),
       b.r > 0 ? (int)b.r : 0, b.data);
  note("a1 readable: %d", (wait_for(a1, POLLIN, 2000) & POLLIN) != 0);
  REC("a1 recv EOF", recv(a1, buf, sizeof(buf), 0));
  REC("close c1", close(c1));
  REC("close c2", close(c2));
  REC("a2 recv EOF", recv(a2, buf, sizeof(buf), 0));
  REC("close a1", close(a1));
  REC("close a2", close(a2));
  REC("close listener", close(l));
}

/* close_range over a listener another thread is blocked in accept on. */
SCENARIO(close_range_under_blocked_accept) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  struct blocked_accept b;
  memset(&b, 0, sizeof(b));
  b.fd = l;
  pthread_t t;
  pthread_create(&t, NULL, accept_thread, &b);
  wait_blocked(&b.blocked);
  REC("close_range over the listener",
      close_range((unsigned)l, (unsigned)l + 10, 0));
  REC("F_GETFD listener", fcntl(l, F_GETFD));
  int c = (int)REC("client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("connect", connect(c, (struct sockaddr*)&la, lal));
  pthread_join(t, NULL);
  note("blocked accept returned fd %ld %s", b.r, st_errname(b.e));
  if (b.r >= 0) {
    REC("send on accepted", send((int)b.r, "ok", 2, 0));
    char buf[4] = {0};
    REC("client recv", recv(c, buf, sizeof(buf), 0));
    REC("close accepted", close((int)b.r));
  }
  REC("close client", close(c));
}

/* A signal handler closes the very socket its thread is blocked in recv
 * on: with SA_RESTART the restarted call finds the number closed (EBADF);
 * without, EINTR. The peer sees the connection end. */
static int g_close_in_handler_fd = -1;
static void close_handler(int sig) {
  (void)sig;
  int e = errno;
  close(g_close_in_handler_fd);
  errno = e;
}

static void handler_closes_case(int restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = close_handler;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  g_close_in_handler_fd = c;
  struct helper h;
  memset(&h, 0, sizeof(h));
  h.signal_it = 1;
  h.act = ACT_NONE;
  pthread_t t = start_helper(&h);
  about_to_block(&h.blocked);
  char buf[8];
  REC("recv", recv(c, buf, sizeof(buf), 0));
  pthread_join(t, NULL);
  REC("F_GETFD after the handler's close", fcntl(c, F_GETFD));
  note("peer readable: %d", (wait_for(a, POLLIN, 2000) & POLLIN) != 0);
  REC("peer recv EOF", recv(a, buf, sizeof(buf), 0));
  int n = (int)REC("new socket", socket(AF_INET, SOCK_DGRAM, 0));
  note("new socket takes the closed number: %d", n == c);
  REC("close new socket", close(n));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

SCENARIO(handler_closes_blocked_socket) { handler_closes_case(0); }
SCENARIO(handler_closes_blocked_socket_restart) { handler_closes_case(1); }

/* pthread_cancel of a thread blocked in send on a full buffer; and of a
 * thread that disabled cancellation around its blocked recv (not cancelled
 * in the call: it gets the data, then acts at its next cancellation
 * point). */
struct cancel_send_job {
  atomic_int blocked;
  int fd;
};

static void* cancel_send_thread(void* arg) {
  struct cancel_send_job* j = (struct cancel_send_job*)arg;
  static unsigned char big[65536];
  pthread_cleanup_push(cleanup, NULL);
  about_to_block(&j->blocked);
  send(j->fd, big, sizeof(big), 0);
  pthread_cleanup_pop(0);
  return NULL;
}

SCENARIO(cancel_blocked_send) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int small = 4096;
  int c = (int)REC("client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("client SO_SNDBUF",
      setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
  REC("connect", connect(c, (struct sockaddr*)&la, lal));
  int a = (int)REC("accept", accept(l, NULL, NULL));
  REC("accepted SO_RCVBUF",
      setsockopt(a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
  uint64_t sum = FNV_INIT;
  note("filled: %d", fill_until_full(c, &sum) > 0);
  struct cancel_send_job j;
  memset(&j, 0, sizeof(j));
  j.fd = c;
  g_cleanup_ran = 0;
  pthread_t t;
  pthread_create(&t, NULL, cancel_send_thread, &j);
  wait_blocked(&j.blocked);
  REC("pthread_cancel", pthread_cancel(t));
  join_cancelled(t, c, "send thread");
  REC("send MSG_DONTWAIT still full", send(c, "x", 1, MSG_DONTWAIT));
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

static void* disabled_cancel_recv_thread(void* arg) {
  struct blocked_recv* b = (struct blocked_recv*)arg;
  int old;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
  about_to_block(&b->blocked);
  b->r = recv(b->fd, b->data, sizeof(b->data) - 1, 0);
  b->e = b->r < 0 ? errno : 0;
  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
  pthread_testcancel();
  return (void*)1;
}

SCENARIO(cancel_disabled_during_recv) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  struct blocked_recv b;
  memset(&b, 0, sizeof(b));
  b.fd = c;
  pthread_t t;
  pthread_create(&t, NULL, disabled_cancel_recv_thread, &b);
  wait_blocked(&b.blocked);
  REC("pthread_cancel", pthread_cancel(t));
  sleep_ms(100);
  note("recv thread still blocked: %d", b.r == 0 && b.e == 0);
  REC("peer send", send(a, "late", 4, 0));
  void* ret = NULL;
  pthread_join(t, &ret);
  note("recv returned %ld %s '%.*s', then canceled %d", b.r, st_errname(b.e),
       b.r > 0 ? (int)b.r : 0, b.data, ret == PTHREAD_CANCELED);
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* fork while another thread is blocked in recv: the child (one thread)
 * uses and closes its copy; the parent's blocked call is unaffected. */
SCENARIO(fork_with_thread_blocked_in_recv) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  struct blocked_recv b;
  memset(&b, 0, sizeof(b));
  b.fd = c;
  pthread_t t;
  pthread_create(&t, NULL, recv_thread, &b);
  wait_blocked(&b.blocked);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    REC("child send on the socket", send(c, "from-child", 10, 0));
    REC("child close the socket", close(c));
    REC("child close accepted", close(a));
    REC("child close listener", close(l));
    int n = (int)REC("child new socket", socket(AF_INET, SOCK_DGRAM, 0));
    note("child new socket fd %d", n);
    fflush(stdout);
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  note("child exited %d status %d", WIFEXITED(st),
       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  char buf[16];
  memset(buf, 0, sizeof(buf));
  long n = REC("server recv child's data", recv_all(a, buf, 10));
  note("server got '%.*s'", n > 0 ? (int)n : 0, buf);
  note("recv thread still blocked: %d", b.r == 0 && b.e == 0);
  REC("server send", send(a, "to-parent", 9, 0));
  pthread_join(t, NULL);
  note("blocked recv returned %ld %s '%.*s'", b.r, st_errname(b.e),
       b.r > 0 ? (int)b.r : 0, b.data);
  REC("close client", close(c));
  REC("server recv EOF", recv(a, buf, sizeof(buf), 0));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

DIFFTEST_MAIN()
