/* Shared helpers for the differential scenarios (tests/differential).
 *
 * Every scenario prints a canonical record on stdout: one line per call,
 * "label = return [ERRNO]", plus "label: key value" lines for data (sizes,
 * checksums, flags) and the signals delivered. Nothing run-dependent is
 * printed (no ephemeral ports, no timings); fd numbers are printed because
 * they must match native. run_diff.sh runs each scenario natively and
 * under `lxwsk run` and compares the two records.
 *
 * A program holds many scenarios:
 *
 *   SCENARIO(connect_refused) { ...REC("connect", connect(...)); ... }
 *   DIFFTEST_MAIN()
 *
 * CMakeLists.txt finds every line starting "SCENARIO(" and registers one
 * ctest test per scenario ("diff.PROGRAM.SCENARIO"), run as
 * `PROGRAM SCENARIO`, each in its own network namespace where possible.
 */
#ifndef LXWSK_TESTS_DIFFERENTIAL_DIFFTEST_H_
#define LXWSK_TESTS_DIFFERENTIAL_DIFFTEST_H_

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- records ---- */

static inline const char* st_errname(int e) {
  if (e == 0) return "0";
  const char* n = strerrorname_np(e);
  return n != NULL ? n : "E?";
}

/* Records one call. errno is read on entry, before anything can change it:
 * pass the call itself as `r`, e.g. REC("bind", bind(...)). */
static inline long st_rec(const char* label, long r) {
  int e = errno;
  if (r < 0) {
    printf("%s = %ld %s\n", label, r, st_errname(e));
  } else {
    printf("%s = %ld\n", label, r);
  }
  errno = e;
  return r;
}
#define REC(label, call) st_rec((label), (long)(call))

/* A free-form data line. */
static inline void note(const char* fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline void note(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

/* Aborts the scenario: something the scenario relies on failed in a way
 * that makes the rest meaningless. Still part of the record. */
static inline void die(const char* what) {
  int e = errno;
  printf("FATAL %s: %s\n", what, st_errname(e));
  fflush(stdout);
  _exit(2);
}

/* ---- data ---- */

static inline uint64_t fnv1a(uint64_t h, const void* p, size_t n) {
  const unsigned char* c = (const unsigned char*)p;
  for (size_t i = 0; i < n; ++i) {
    h ^= c[i];
    h *= 1099511628211ull;
  }
  return h;
}
#define FNV_INIT 14695981039346656037ull

/* Deterministic pattern: byte i of stream `seed`. */
static inline void fill_pattern(unsigned char* p, size_t n, size_t offset,
                                unsigned seed) {
  for (size_t i = 0; i < n; ++i) {
    size_t k = offset + i;
    p[i] = (unsigned char)((k * 131u + (k >> 8) * 7u + seed * 29u) & 0xFF);
  }
}

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- addresses (loopback only) ---- */

static inline socklen_t loopback(int family, struct sockaddr_storage* ss) {
  memset(ss, 0, sizeof(*ss));
  if (family == AF_INET) {
    struct sockaddr_in* a = (struct sockaddr_in*)ss;
    a->sin_family = AF_INET;
    a->sin_port = 0;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof(*a);
  }
  struct sockaddr_in6* a = (struct sockaddr_in6*)ss;
  a->sin6_family = AF_INET6;
  a->sin6_port = 0;
  a->sin6_addr = in6addr_loopback;
  return sizeof(*a);
}

static inline int port_of(const struct sockaddr_storage* ss) {
  if (ss->ss_family == AF_INET) {
    return ntohs(((const struct sockaddr_in*)ss)->sin_port);
  }
  if (ss->ss_family == AF_INET6) {
    return ntohs(((const struct sockaddr_in6*)ss)->sin6_port);
  }
  return -1;
}

/* The address part of a sockaddr, without the port. */
static inline const char* host_of(const struct sockaddr_storage* ss, char* buf,
                                  size_t n) {
  if (ss->ss_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in*)ss)->sin_addr, buf,
              (socklen_t)n);
  } else if (ss->ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6*)ss)->sin6_addr, buf,
              (socklen_t)n);
  } else {
    snprintf(buf, n, "family%d", (int)ss->ss_family);
  }
  return buf;
}

static inline const char* fam_name(int f) {
  return f == AF_INET ? "v4" : f == AF_INET6 ? "v6" : "?";
}

/* Prints a sockaddr as "family host port=<set|0>" (never the number). */
static inline void note_addr(const char* label,
                             const struct sockaddr_storage* ss, socklen_t len) {
  char h[INET6_ADDRSTRLEN + 16];
  note("%s: len %u family %d host %s port %s", label, (unsigned)len,
       (int)ss->ss_family, host_of(ss, h, sizeof(h)),
       port_of(ss) > 0    ? "set"
       : port_of(ss) == 0 ? "0"
                          : "-");
}

/* A bound (and, for streams, listening) loopback socket; *addr receives its
 * address as getsockname reports it. Every call is recorded. */
static inline int make_server(const char* tag, int family, int type,
                              struct sockaddr_storage* addr, socklen_t* alen) {
  char l[192];
  snprintf(l, sizeof(l), "%s socket", tag);
  int fd = (int)REC(l, socket(family, type, 0));
  if (fd < 0) die(l);
  struct sockaddr_storage ss;
  socklen_t n = loopback(family, &ss);
  snprintf(l, sizeof(l), "%s bind", tag);
  if (REC(l, bind(fd, (struct sockaddr*)&ss, n)) != 0) die(l);
  if ((type & 0xF) == SOCK_STREAM) {
    snprintf(l, sizeof(l), "%s listen", tag);
    if (REC(l, listen(fd, 16)) != 0) die(l);
  }
  *alen = sizeof(*addr);
  snprintf(l, sizeof(l), "%s getsockname", tag);
  if (REC(l, getsockname(fd, (struct sockaddr*)addr, alen)) != 0) die(l);
  note_addr(l, addr, *alen);
  return fd;
}

/* client connect + server accept; returns the client fd, *acc the accepted
 * one. */
static inline int make_pair(const char* tag, int lfd, int family,
                            const struct sockaddr_storage* addr, socklen_t alen,
                            int* acc) {
  char l[192];
  snprintf(l, sizeof(l), "%s client socket", tag);
  int c = (int)REC(l, socket(family, SOCK_STREAM, 0));
  if (c < 0) die(l);
  snprintf(l, sizeof(l), "%s connect", tag);
  if (REC(l, connect(c, (const struct sockaddr*)addr, alen)) != 0) die(l);
  snprintf(l, sizeof(l), "%s accept", tag);
  *acc = (int)REC(l, accept(lfd, NULL, NULL));
  if (*acc < 0) die(l);
  return c;
}

/* Reads exactly n bytes (or until EOF/error); returns the count read. */
static inline ssize_t recv_all(int fd, void* buf, size_t n) {
  size_t got = 0;
  for (int i = 0; got < n && i < (1 << 20); ++i) {
    ssize_t r = recv(fd, (char*)buf + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return got > 0 ? (ssize_t)got : r;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

static inline ssize_t send_all(int fd, const void* buf, size_t n) {
  size_t put = 0;
  for (int i = 0; put < n && i < (1 << 20); ++i) {
    ssize_t r = send(fd, (const char*)buf + put, n - put, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return put > 0 ? (ssize_t)put : r;
    put += (size_t)r;
  }
  return (ssize_t)put;
}

/* Waits up to `ms` for `events`; returns revents (0 on timeout). */
static inline int wait_for(int fd, short events, int ms) {
  struct pollfd p = {fd, events, 0};
  int r = poll(&p, 1, ms);
  return r > 0 ? p.revents : 0;
}

/* "IN|OUT|RDHUP" for the bits of a poll revents or epoll events word
 * (poll's and epoll's bits share values). */
static inline const char* event_bits(unsigned r, char* buf, size_t n) {
  static const struct {
    unsigned bit;
    const char* name;
  } k[] = {
      {EPOLLIN, "IN"},         {EPOLLPRI, "PRI"},       {EPOLLOUT, "OUT"},
      {EPOLLERR, "ERR"},       {EPOLLHUP, "HUP"},       {POLLNVAL, "NVAL"},
      {EPOLLRDNORM, "RDNORM"}, {EPOLLRDBAND, "RDBAND"}, {EPOLLWRNORM, "WRNORM"},
      {EPOLLWRBAND, "WRBAND"}, {EPOLLMSG, "MSG"},       {EPOLLRDHUP, "RDHUP"}};
  size_t o = 0;
  buf[0] = 0;
  for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); ++i) {
    if ((r & k[i].bit) == 0) continue;
    o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? "|" : "", k[i].name);
    r &= ~k[i].bit;
  }
  if (r != 0) o += (size_t)snprintf(buf + o, n - o, "%s0x%x", o ? "|" : "", r);
  if (o == 0) snprintf(buf, n, "0");
  return buf;
}

/* ---- process setup ---- */

/* Checks that liblxwsk.so is (or is not) mapped, as run_diff.sh says it
 * should be (DIFFTEST_MODE=native|preload). Reports on stderr only, so the
 * record stays identical; exit 3 on mismatch. */
static inline void st_check_mode(void) {
  const char* mode = getenv("DIFFTEST_MODE");
  if (mode == NULL) return;
  int mapped = 0;
  FILE* f = fopen("/proc/self/maps", "re");
  if (f != NULL) {
    char line[512];
    while (fgets(line, sizeof(line), f) != NULL) {
      if (strstr(line, "liblxwsk") != NULL) mapped = 1;
    }
    fclose(f);
  }
  int want = strcmp(mode, "preload") == 0;
  if (mapped != want) {
    fprintf(stderr, "difftest: DIFFTEST_MODE=%s but liblxwsk.so is %smapped\n",
            mode, mapped ? "" : "not ");
    _exit(3);
  }
}

static inline void st_init(void) {
  /* Line-buffered: a fork never duplicates a pending record. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm(20);
  st_check_mode();
}

/* Open descriptors of this process (by probing /proc/self/fd; opens none). */
static inline int count_fds(void) {
  int n = 0;
  char path[64];
  for (int fd = 0; fd < 1024; ++fd) {
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (access(path, F_OK) == 0) ++n;
  }
  return n;
}

/* ---- signals ---- */

/* Signals a scenario asked to count (st_count_signal); printed at the end
 * of the scenario and by note_signals(). */
static volatile sig_atomic_t st_sig_count[65];
static int st_sig_counted[65];

static void st_count_handler(int sig) {
  if (sig > 0 && sig < 65) st_sig_count[sig]++;
}

/* Counts deliveries of `sig` instead of its default action. restart: 1 for
 * SA_RESTART. */
static inline void st_count_signal(int sig, int restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = st_count_handler;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
  st_sig_counted[sig] = 1;
}

/* "label: signals SIGPIPE=1 SIGURG=0" for every counted signal. */
static inline void note_signals(const char* label) {
  char buf[512];
  size_t n = (size_t)snprintf(buf, sizeof(buf), "%s: signals", label);
  for (int s = 1; s < 65 && n < sizeof(buf); ++s) {
    if (!st_sig_counted[s]) continue;
    const char* name = sigabbrev_np(s);
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, " SIG%s=%d",
                          name != NULL ? name : "?", (int)st_sig_count[s]);
  }
  note("%s", buf);
}

/* ---- scenarios ---- */

typedef void (*st_scenario_fn)(void);
struct st_scenario {
  const char* name;
  st_scenario_fn fn;
};
static struct st_scenario st_scenarios[256];
static int st_nscenarios;
static int st_argc;
static char** st_argv;

static inline void st_register(const char* name, st_scenario_fn fn) {
  if (st_nscenarios < (int)(sizeof(st_scenarios) / sizeof(st_scenarios[0]))) {
    st_scenarios[st_nscenarios].name = name;
    st_scenarios[st_nscenarios].fn = fn;
    ++st_nscenarios;
  }
}

/* Defines and registers scenario `name`; the body follows. Keep
 * "SCENARIO(" at the start of the line: CMake reads the names from there. */
#define SCENARIO(name)                                                \
  static void sc_##name(void);                                        \
  __attribute__((constructor)) static void sc_register_##name(void) { \
    st_register(#name, sc_##name);                                    \
  }                                                                   \
  static void sc_##name(void)

/* `PROGRAM SCENARIO [ARGS...]` runs one scenario; `PROGRAM --list` lists
 * them. st_argc/st_argv keep the whole command line (for re-exec). */
static inline int st_main(int argc, char** argv) {
  st_argc = argc;
  st_argv = argv;
  if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
    for (int i = 0; i < st_nscenarios; ++i) puts(st_scenarios[i].name);
    return 0;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCENARIO | --list\n", argv[0]);
    return 2;
  }
  for (int i = 0; i < st_nscenarios; ++i) {
    if (strcmp(st_scenarios[i].name, argv[1]) != 0) continue;
    st_init();
    note("scenario %s", argv[1]);
    st_scenarios[i].fn();
    note_signals("end");
    note("done");
    return 0;
  }
  fprintf(stderr, "%s: no scenario %s\n", argv[0], argv[1]);
  return 2;
}

#define DIFFTEST_MAIN() \
  int main(int argc, char** argv) { return st_main(argc, argv); }

#endif /* LXWSK_TESTS_DIFFERENTIAL_DIFFTEST_H_ */
