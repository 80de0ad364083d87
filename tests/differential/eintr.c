/* Scenario eintr: a blocking recv interrupted by a SIGALRM handler installed
 * without SA_RESTART fails with EINTR; with SA_RESTART it continues and
 * returns the data sent after the signal; with SO_RCVTIMEO set it fails with
 * EINTR even under SA_RESTART (socket(7)). Also accept and recvfrom/readv.
 *
 * The signals come from a helper thread (pthread_kill), so the alarm(20)
 * safety net keeps its meaning: a SIGALRM that was not sent by the helper
 * (si_code != SI_TKILL) ends the program. */
#include <pthread.h>
#include <sys/uio.h>

#include "difftest.h"

static volatile sig_atomic_t g_hits;

static void on_alarm(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  if (si->si_code != SI_TKILL) {
    static const char msg[] = "FATAL safety alarm\n";
    ssize_t w = write(1, msg, sizeof(msg) - 1);
    (void)w;
    _exit(124);
  }
  g_hits++;
}

static void install(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_alarm;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
}

struct plan {
  pthread_t target;
  int delay_ms; /* before the signal */
  int data_fd;  /* -1: no data; else send "after-signal" after the signal */
  int data_delay_ms;
};

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static void* helper(void* arg) {
  struct plan* p = (struct plan*)arg;
  sleep_ms(p->delay_ms);
  pthread_kill(p->target, SIGALRM);
  if (p->data_fd >= 0) {
    sleep_ms(p->data_delay_ms);
    send(p->data_fd, "after-signal", 12, 0);
  }
  return NULL;
}

static pthread_t start(struct plan* p) {
  pthread_t t;
  p->target = pthread_self();
  pthread_create(&t, NULL, helper, p);
  return t;
}

int main(void) {
  st_init();
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("conn", l, AF_INET, &la, lal, &a);
  char buf[64];
  long n;

  /* 1. No SA_RESTART: EINTR. */
  install(0);
  g_hits = 0;
  struct plan p1 = {0, 200, -1, 0};
  pthread_t t = start(&p1);
  REC("recv no SA_RESTART", recv(c, buf, sizeof(buf), 0));
  pthread_join(t, NULL);
  note("handler runs: %d", (int)g_hits);

  /* 2. SA_RESTART: the call continues and returns the later data. */
  install(SA_RESTART);
  g_hits = 0;
  struct plan p2 = {0, 200, a, 200};
  t = start(&p2);
  memset(buf, 0, sizeof(buf));
  n = REC("recv SA_RESTART", recv(c, buf, sizeof(buf), 0));
  pthread_join(t, NULL);
  note("data '%.*s', handler runs: %d", n > 0 ? (int)n : 0, buf, (int)g_hits);

  /* Same for read, readv and recvfrom. */
  g_hits = 0;
  struct plan p3 = {0, 150, a, 150};
  t = start(&p3);
  memset(buf, 0, sizeof(buf));
  n = REC("read SA_RESTART", read(c, buf, sizeof(buf)));
  pthread_join(t, NULL);
  note("data '%.*s', handler runs: %d", n > 0 ? (int)n : 0, buf, (int)g_hits);
  g_hits = 0;
  struct plan p4 = {0, 150, a, 150};
  t = start(&p4);
  memset(buf, 0, sizeof(buf));
  struct iovec iov[2] = {{buf, 5}, {buf + 5, sizeof(buf) - 5}};
  n = REC("readv SA_RESTART", readv(c, iov, 2));
  pthread_join(t, NULL);
  note("data '%.*s', handler runs: %d", n > 0 ? (int)n : 0, buf, (int)g_hits);

  install(0);
  g_hits = 0;
  struct plan p5 = {0, 150, -1, 0};
  t = start(&p5);
  REC("readv no SA_RESTART", readv(c, iov, 2));
  pthread_join(t, NULL);
  note("handler runs: %d", (int)g_hits);
  g_hits = 0;
  struct plan p6 = {0, 150, -1, 0};
  t = start(&p6);
  REC("recvfrom no SA_RESTART", recvfrom(c, buf, sizeof(buf), 0, NULL, NULL));
  pthread_join(t, NULL);
  note("handler runs: %d", (int)g_hits);

  /* 3. SA_RESTART but SO_RCVTIMEO set: never restarted, EINTR. */
  install(SA_RESTART);
  struct timeval tv = {5, 0};
  REC("set SO_RCVTIMEO 5s",
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
  g_hits = 0;
  struct plan p7 = {0, 200, -1, 0};
  t = start(&p7);
  REC("recv SA_RESTART + SO_RCVTIMEO", recv(c, buf, sizeof(buf), 0));
  pthread_join(t, NULL);
  note("handler runs: %d", (int)g_hits);
  tv.tv_sec = 0;
  REC("clear SO_RCVTIMEO",
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));

  /* 4. accept: EINTR without SA_RESTART; restarted with it. */
  install(0);
  g_hits = 0;
  struct plan p8 = {0, 150, -1, 0};
  t = start(&p8);
  REC("accept no SA_RESTART", accept(l, NULL, NULL));
  pthread_join(t, NULL);
  note("handler runs: %d", (int)g_hits);
  /* Nothing about fd 0 may have changed (run_diff.sh gives /dev/null). */
  if (!isatty(0)) {
    REC("read stdin after interrupted accept", read(0, buf, 1));
  }

  /* 5. UDP recvfrom with SA_RESTART: continues. */
  install(SA_RESTART);
  {
    struct sockaddr_storage ua;
    socklen_t ual;
    int u = make_server("udp", AF_INET, SOCK_DGRAM, &ua, &ual);
    int us = (int)REC("udp sender", socket(AF_INET, SOCK_DGRAM, 0));
    REC("udp connect", connect(us, (struct sockaddr*)&ua, ual));
    g_hits = 0;
    struct plan p9 = {0, 150, us, 150};
    t = start(&p9);
    struct sockaddr_storage from;
    socklen_t froml = sizeof(from);
    memset(buf, 0, sizeof(buf));
    n = REC("udp recvfrom SA_RESTART",
            recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr*)&from, &froml));
    pthread_join(t, NULL);
    note("data '%.*s', handler runs: %d, fromlen %u", n > 0 ? (int)n : 0, buf,
         (int)g_hits, (unsigned)froml);
    install(0);
    g_hits = 0;
    struct plan p10 = {0, 150, -1, 0};
    t = start(&p10);
    REC("udp recv no SA_RESTART", recv(u, buf, sizeof(buf), 0));
    pthread_join(t, NULL);
    note("handler runs: %d", (int)g_hits);
    REC("close udp", close(u));
    REC("close udp sender", close(us));
  }

  signal(SIGALRM, SIG_DFL);
  alarm(20);
  REC("close c", close(c));
  REC("close a", close(a));
  REC("close l", close(l));
  note("done");
  return 0;
}
