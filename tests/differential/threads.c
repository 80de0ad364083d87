/* Scenario threads: 8 threads, each with its own TCP connection, exchange
 * 256 KB (lock-step echo, checksummed both ways); then 4 threads send
 * concurrently on ONE UDP socket to a receiver that counts datagrams.
 * Threads record silently; main prints after joining, in thread order. */
#include <pthread.h>

#include "difftest.h"

#define NTCP 8
#define TCP_BYTES (256 * 1024)
#define CHUNK (16 * 1024)
#define NUDP 4
#define UDP_PER_THREAD 50

static struct sockaddr_storage g_la;
static socklen_t g_lal;

struct tcp_job {
  int id;
  int fd; /* server side: the accepted socket */
  long sent, echoed;
  uint64_t sum_sent, sum_echoed;
  int err;        /* first errno seen, 0 if none */
  long srv_bytes; /* server side: bytes echoed */
  int srv_err;
};

static void* echo_server(void* arg) {
  struct tcp_job* j = (struct tcp_job*)arg;
  unsigned char buf[CHUNK];
  for (int i = 0; i < 100000; ++i) {
    ssize_t r = recv(j->fd, buf, sizeof(buf), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) j->srv_err = errno;
    if (r <= 0) break;
    if (send_all(j->fd, buf, (size_t)r) != r) {
      j->srv_err = errno;
      break;
    }
    j->srv_bytes += r;
  }
  close(j->fd);
  return NULL;
}

static void* tcp_client(void* arg) {
  struct tcp_job* j = (struct tcp_job*)arg;
  int c = socket(g_la.ss_family, SOCK_STREAM, 0);
  if (c < 0 || connect(c, (struct sockaddr*)&g_la, g_lal) != 0) {
    j->err = errno;
    if (c >= 0) close(c);
    return NULL;
  }
  /* Tell the server which job this is. */
  unsigned char id = (unsigned char)j->id;
  if (send_all(c, &id, 1) != 1) j->err = errno;
  unsigned char out[CHUNK], in[CHUNK];
  j->sum_sent = FNV_INIT;
  j->sum_echoed = FNV_INIT;
  for (long off = 0; off < TCP_BYTES && j->err == 0; off += CHUNK) {
    fill_pattern(out, CHUNK, (size_t)off, (unsigned)j->id);
    ssize_t w = send_all(c, out, CHUNK);
    if (w != CHUNK) {
      j->err = errno ? errno : EIO;
      break;
    }
    j->sent += w;
    j->sum_sent = fnv1a(j->sum_sent, out, CHUNK);
    ssize_t r = recv_all(c, in, CHUNK);
    if (r != CHUNK) {
      j->err = r < 0 ? errno : EPIPE;
      break;
    }
    j->echoed += r;
    j->sum_echoed = fnv1a(j->sum_echoed, in, CHUNK);
  }
  shutdown(c, SHUT_WR);
  unsigned char tail;
  if (recv(c, &tail, 1, 0) != 0 && j->err == 0) j->err = EPROTO;
  close(c);
  return NULL;
}

/* ---- UDP ---- */

static int g_udp_send;
static struct sockaddr_storage g_ua;
static socklen_t g_ual;

struct udp_job {
  int id;
  int ok, failed, err;
};

static void* udp_sender(void* arg) {
  struct udp_job* j = (struct udp_job*)arg;
  unsigned char d[64];
  for (int i = 0; i < UDP_PER_THREAD; ++i) {
    fill_pattern(d, sizeof(d), (size_t)i * 64, (unsigned)j->id);
    d[0] = (unsigned char)j->id;
    d[1] = (unsigned char)i;
    ssize_t r =
        sendto(g_udp_send, d, sizeof(d), 0, (struct sockaddr*)&g_ua, g_ual);
    if (r == (ssize_t)sizeof(d)) {
      j->ok++;
    } else {
      j->failed++;
      j->err = errno;
    }
  }
  return NULL;
}

struct udp_rx {
  int fd;
  int count[NUDP];
  int total, bad, dups;
  unsigned char seen[NUDP][UDP_PER_THREAD];
};

static void* udp_receiver(void* arg) {
  struct udp_rx* rx = (struct udp_rx*)arg;
  unsigned char d[128];
  for (int i = 0; rx->total < NUDP * UDP_PER_THREAD && i < 100000; ++i) {
    if ((wait_for(rx->fd, POLLIN, 5000) & POLLIN) == 0) break;
    ssize_t r = recv(rx->fd, d, sizeof(d), MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (r != 64 || d[0] >= NUDP || d[1] >= UDP_PER_THREAD) {
      rx->bad++;
      if (r <= 0) break;
      continue;
    }
    unsigned char want[64];
    fill_pattern(want, sizeof(want), (size_t)d[1] * 64, d[0]);
    if (memcmp(want + 2, d + 2, 62) != 0) rx->bad++;
    if (rx->seen[d[0]][d[1]]++) rx->dups++;
    rx->count[d[0]]++;
    rx->total++;
  }
  return NULL;
}

int main(void) {
  st_init();
  signal(SIGPIPE, SIG_IGN);

  /* ---- TCP ---- */
  int l = make_server("tcp listener", AF_INET, SOCK_STREAM, &g_la, &g_lal);
  struct tcp_job jobs[NTCP];
  struct tcp_job srv[NTCP];
  memset(jobs, 0, sizeof(jobs));
  memset(srv, 0, sizeof(srv));
  pthread_t ct[NTCP], st[NTCP];
  int nst = 0;
  for (int i = 0; i < NTCP; ++i) {
    jobs[i].id = i;
    pthread_create(&ct[i], NULL, tcp_client, &jobs[i]);
  }
  int accept_err = 0;
  for (int i = 0; i < NTCP; ++i) {
    int a = accept(l, NULL, NULL);
    if (a < 0) {
      accept_err = errno;
      break;
    }
    unsigned char id = 0xFF;
    if (recv_all(a, &id, 1) != 1 || id >= NTCP) {
      accept_err = EPROTO;
      close(a);
      break;
    }
    srv[id].id = id;
    srv[id].fd = a;
    pthread_create(&st[nst++], NULL, echo_server, &srv[id]);
  }
  for (int i = 0; i < NTCP; ++i) pthread_join(ct[i], NULL);
  for (int i = 0; i < nst; ++i) pthread_join(st[i], NULL);
  note("tcp accepted %d, accept error %s", nst, st_errname(accept_err));
  for (int i = 0; i < NTCP; ++i) {
    note(
        "tcp %d: sent %ld echoed %ld err %s sums match %d sent-sum %016llx "
        "server echoed %ld err %s",
        i, jobs[i].sent, jobs[i].echoed, st_errname(jobs[i].err),
        jobs[i].sum_sent == jobs[i].sum_echoed,
        (unsigned long long)jobs[i].sum_sent, srv[i].srv_bytes,
        st_errname(srv[i].srv_err));
  }
  REC("close tcp listener", close(l));

  /* ---- UDP: four senders, one socket ---- */
  struct udp_rx rx;
  memset(&rx, 0, sizeof(rx));
  rx.fd = make_server("udp receiver", AF_INET, SOCK_DGRAM, &g_ua, &g_ual);
  int big = 1 << 20;
  REC("udp SO_RCVBUF",
      setsockopt(rx.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)));
  g_udp_send = (int)REC("udp sender socket", socket(AF_INET, SOCK_DGRAM, 0));
  struct sockaddr_storage me;
  socklen_t mel = loopback(AF_INET, &me);
  REC("udp sender bind", bind(g_udp_send, (struct sockaddr*)&me, mel));
  pthread_t rt;
  pthread_create(&rt, NULL, udp_receiver, &rx);
  struct udp_job uj[NUDP];
  pthread_t ut[NUDP];
  memset(uj, 0, sizeof(uj));
  for (int i = 0; i < NUDP; ++i) {
    uj[i].id = i;
    pthread_create(&ut[i], NULL, udp_sender, &uj[i]);
  }
  for (int i = 0; i < NUDP; ++i) pthread_join(ut[i], NULL);
  pthread_join(rt, NULL);
  for (int i = 0; i < NUDP; ++i) {
    note("udp sender %d: ok %d failed %d err %s; received %d", i, uj[i].ok,
         uj[i].failed, st_errname(uj[i].err), rx.count[i]);
  }
  note("udp received total %d bad %d duplicates %d", rx.total, rx.bad, rx.dups);
  REC("close udp sender", close(g_udp_send));
  REC("close udp receiver", close(rx.fd));
  note("done");
  return 0;
}
