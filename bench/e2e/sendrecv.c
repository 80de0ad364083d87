/* The program bench/instructions runs under valgrind --tool=callgrind:
 * N one-byte send() calls, then N one-byte recv() calls, over a loopback
 * TCP connection or a connected UDP pair, with callgrind's counters dumped
 * after each phase, so sends and recvs are counted separately.
 *
 *   sendrecv tcp|udp|udp-addr|tcp-addr N [--sockets K] [--threads T]
 *
 * udp-addr: the unconnected-UDP pattern (what sockperf and most UDP
 * servers do): sendto() with a destination address, recvfrom() asking for
 * the source address, so the address translation is in every call.
 * tcp-addr: the same calls on a connected TCP pair, as sockperf's TCP mode
 * makes them (Linux checks and then ignores the address; recvfrom reports
 * a length of 0).
 *
 * Phases (callgrind client requests; no-ops when not under callgrind):
 *   set-up  ... CALLGRIND_ZERO_STATS
 *   N x send(fd, &byte, 1, 0)         CALLGRIND_DUMP_STATS_AT("send")
 *   N x recv(fd, &byte, 1, 0)         CALLGRIND_DUMP_STATS_AT("recv")
 * A phase's dump still holds a constant (the client requests, the first
 * call's lazy symbol binding, thread hand-over); bench/instructions removes
 * it by running two values of N and dividing the difference by the
 * difference in calls.
 *
 * --sockets K opens K extra, unbound UDP sockets first, so the per-call
 * cost can be checked against the number of open sockets. When the fd
 * limit is too small the program raises RLIMIT_NOFILE (setrlimit) and
 * re-executes itself once, so that a preloaded library, which sizes its fd
 * table when it starts, sees the raised limit as it would for a program
 * started with it. (Run valgrind with --trace-children=yes for that.)
 *
 * --threads T runs T threads, each with its own socket pair, all doing
 * their phase at once (callgrind serialises them; counts are summed).
 *
 * 127.0.0.1 only; bounded by N; receive and send time out after 10 s so a
 * lost datagram fails the run instead of hanging it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "loopback.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_ZERO_STATS
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(x)
#endif

enum { kMaxThreads = 64 };

static void die(const char* what) {
  fprintf(stderr, "sendrecv: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int bound_socket(int type) {
  int s = socket(AF_INET, type, 0);
  if (s < 0) die("socket");
  struct sockaddr_in a = loopback(0);
  if (bind(s, (struct sockaddr*)&a, sizeof(a)) < 0) die("bind");
  return s;
}

static struct sockaddr_in name_of(int s) {
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  if (getsockname(s, (struct sockaddr*)&a, &len) < 0) die("getsockname");
  return a;
}

/* Room for every byte of a phase queued at once: set-up only, never in a
 * measured phase. FORCE needs CAP_NET_ADMIN; without it the plain option
 * is capped by net.core.[rw]mem_max, and the 10 s timeout reports a loss. */
static void tune(int s) {
  int big = 8 << 20;
  if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0) {
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
  }
  if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0) {
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
  }
  struct timeval tv = {10, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* tx sends, rx receives. */
static void make_pair(int tcp, int* tx, int* rx) {
  if (tcp) {
    int ls = bound_socket(SOCK_STREAM);
    if (listen(ls, 1) < 0) die("listen");
    struct sockaddr_in a = name_of(ls);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0) die("socket");
    if (connect(c, (struct sockaddr*)&a, sizeof(a)) < 0) die("connect");
    int s = accept(ls, NULL, NULL);
    if (s < 0) die("accept");
    close(ls);
    /* Each 1-byte send goes out at once, as in a ping-pong. */
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *tx = c;
    *rx = s;
  } else {
    int a = bound_socket(SOCK_DGRAM), b = bound_socket(SOCK_DGRAM);
    struct sockaddr_in an = name_of(a), bn = name_of(b);
    if (connect(a, (struct sockaddr*)&bn, sizeof(bn)) < 0) die("connect");
    if (connect(b, (struct sockaddr*)&an, sizeof(an)) < 0) die("connect");
    *tx = a;
    *rx = b;
  }
  tune(*tx);
  tune(*rx);
}

/* Unconnected UDP pair for udp-addr: rx's address is the destination. */
static void make_unconnected_pair(int* tx, int* rx, struct sockaddr_in* to) {
  *tx = bound_socket(SOCK_DGRAM);
  *rx = bound_socket(SOCK_DGRAM);
  *to = name_of(*rx);
  tune(*tx);
  tune(*rx);
}

/* The measured loops: nothing but the call and its check. */
static void send_phase(int fd, long n, const struct sockaddr_in* to) {
  char byte = 'x';
  if (to != NULL) {
    for (long i = 0; i < n; ++i) {
      if (sendto(fd, &byte, 1, 0, (const struct sockaddr*)to, sizeof(*to)) != 1)
        die("sendto");
    }
    return;
  }
  for (long i = 0; i < n; ++i) {
    if (send(fd, &byte, 1, 0) != 1) die("send");
  }
}
static void recv_phase(int fd, long n, int with_address) {
  char byte;
  if (with_address) {
    struct sockaddr_in from;
    for (long i = 0; i < n; ++i) {
      socklen_t len = sizeof(from);
      if (recvfrom(fd, &byte, 1, 0, (struct sockaddr*)&from, &len) != 1)
        die("recvfrom (datagram lost or timeout)");
    }
    return;
  }
  for (long i = 0; i < n; ++i) {
    if (recv(fd, &byte, 1, 0) != 1) die("recv (datagram lost or timeout)");
  }
}

struct worker {
  pthread_t thread;
  int tx, rx;
  long n;
  int addressed;         /* udp-addr */
  struct sockaddr_in to; /* udp-addr: rx's address */
};
static pthread_barrier_t g_barrier;

/* Four barrier waits per thread: start sends, sends done, start recvs,
 * recvs done. Between them the main thread dumps the counters. */
static void* worker_main(void* arg) {
  struct worker* w = arg;
  pthread_barrier_wait(&g_barrier);
  send_phase(w->tx, w->n, w->addressed ? &w->to : NULL);
  pthread_barrier_wait(&g_barrier);
  pthread_barrier_wait(&g_barrier);
  recv_phase(w->rx, w->n, w->addressed);
  pthread_barrier_wait(&g_barrier);
  return NULL;
}

/* Raises RLIMIT_NOFILE to `need` and re-executes once if it had to. */
static void ensure_fd_limit(rlim_t need, char** argv) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) die("getrlimit");
  if (rl.rlim_cur >= need && rl.rlim_max >= need) return;
  if (getenv("SENDRECV_REEXECED") != NULL) {
    fprintf(stderr, "sendrecv: fd limit still %lu after re-exec\n",
            (unsigned long)rl.rlim_cur);
    exit(1);
  }
  rl.rlim_cur = need;
  if (rl.rlim_max < need) rl.rlim_max = need; /* needs CAP_SYS_RESOURCE */
  if (setrlimit(RLIMIT_NOFILE, &rl) < 0) die("setrlimit(RLIMIT_NOFILE)");
  char self[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (len < 0) die("readlink /proc/self/exe");
  self[len] = '\0';
  setenv("SENDRECV_REEXECED", "1", 1);
  execv(self, argv);
  die("execv");
}

int main(int argc, char** argv) {
  if (argc < 3 ||
      (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "udp") != 0 &&
       strcmp(argv[1], "udp-addr") != 0 && strcmp(argv[1], "tcp-addr") != 0)) {
    fprintf(stderr,
            "usage: sendrecv tcp|udp|udp-addr|tcp-addr N [--sockets K] "
            "[--threads T]\n");
    return 2;
  }
  const int tcp_addr = strcmp(argv[1], "tcp-addr") == 0;
  const int tcp = strcmp(argv[1], "tcp") == 0 || tcp_addr;
  const int addressed = strcmp(argv[1], "udp-addr") == 0 || tcp_addr;
  const long n = atol(argv[2]);
  long extra = 0;
  int threads = 1;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--sockets") == 0)
      extra = atol(argv[i + 1]);
    else if (strcmp(argv[i], "--threads") == 0)
      threads = atoi(argv[i + 1]);
  }
  if (n <= 0 || extra < 0 || threads < 1 || threads > kMaxThreads) {
    fprintf(stderr, "sendrecv: bad arguments\n");
    return 2;
  }
  ensure_fd_limit((rlim_t)(extra + 64 + 4 * threads), argv);

  /* The extra sockets stay open for the whole run. */
  for (long i = 0; i < extra; ++i) {
    if (socket(AF_INET, SOCK_DGRAM, 0) < 0) die("socket (extra)");
  }

  struct worker w[kMaxThreads];
  for (int t = 0; t < threads; ++t) {
    if (tcp_addr) {
      make_pair(1, &w[t].tx, &w[t].rx);
      socklen_t len = sizeof(w[t].to);
      if (getpeername(w[t].tx, (struct sockaddr*)&w[t].to, &len) != 0) {
        die("getpeername");
      }
    } else if (addressed) {
      make_unconnected_pair(&w[t].tx, &w[t].rx, &w[t].to);
    } else {
      make_pair(tcp, &w[t].tx, &w[t].rx);
    }
    w[t].n = n;
    w[t].addressed = addressed;
  }

  if (threads == 1) {
    /* No threads at all: the common single-threaded program. */
    CALLGRIND_ZERO_STATS;
    send_phase(w[0].tx, n, addressed ? &w[0].to : NULL);
    CALLGRIND_DUMP_STATS_AT("send");
    recv_phase(w[0].rx, n, addressed);
    CALLGRIND_DUMP_STATS_AT("recv");
  } else {
    pthread_barrier_init(&g_barrier, NULL, (unsigned)threads + 1);
    for (int t = 0; t < threads; ++t) {
      if (pthread_create(&w[t].thread, NULL, worker_main, &w[t]) != 0) {
        die("pthread_create");
      }
    }
    CALLGRIND_ZERO_STATS;
    pthread_barrier_wait(&g_barrier); /* go: sends */
    pthread_barrier_wait(&g_barrier); /* sends done */
    CALLGRIND_DUMP_STATS_AT("send");
    pthread_barrier_wait(&g_barrier); /* go: recvs */
    pthread_barrier_wait(&g_barrier); /* recvs done */
    CALLGRIND_DUMP_STATS_AT("recv");
    for (int t = 0; t < threads; ++t) pthread_join(w[t].thread, NULL);
  }
  printf("ok proto=%s n=%ld sockets=%ld threads=%d\n", argv[1], n, extra,
         threads);
  return 0;
}
