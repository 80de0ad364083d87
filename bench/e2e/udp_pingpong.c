/* Connected-UDP ping-pong over loopback: the round trip of send() and
 * recv() without addresses, the four-argument calls bench/instructions
 * counts (sockperf, bench/run's udp_lat, makes sendto/recvfrom with an
 * address on every call instead).
 *
 *   udp_pingpong server PORT      binds 127.0.0.1:PORT; learns the client
 *                                 from its first datagram, connect()s to
 *                                 it, then echoes with recv/send until a
 *                                 1-byte "q" or 10 s without a datagram
 *   udp_pingpong client PORT SECONDS [SIZE]
 *                                 connect()s, 0.4 s of warm-up round trips
 *                                 (not recorded, as sockperf), then SECONDS
 *                                 of back-to-back round trips of SIZE bytes
 *                                 (default 14, sockperf's); prints
 *                                 "round_trips=N p50_us=X p99_us=Y"
 *
 * Each datagram carries a sequence number and the client checks every echo
 * (a lost, duplicated or altered datagram fails the run: exit 1). Bounded:
 * the client stops at SECONDS or after kMaxSamples round trips, its recv
 * times out after 2 s, and the server's after 10 s. 127.0.0.1 only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

enum { kMaxSize = 1024, kMaxSamples = 4 << 20 };

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* 0, or -1: a lost datagram would then hang instead of failing. */
static int receive_timeout(int fd, int seconds) {
  struct timeval tv = {seconds, 0};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
    perror("udp_pingpong: SO_RCVTIMEO");
    return -1;
  }
  return 0;
}

static int server(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    perror("udp_pingpong: socket");
    return 1;
  }
  struct sockaddr_in a = loopback(port);
  if (bind(fd, (struct sockaddr*)&a, sizeof(a)) < 0) {
    perror("udp_pingpong: bind");
    return 1;
  }
  if (receive_timeout(fd, 10) < 0) return 1;
  char buf[kMaxSize];
  struct sockaddr_in peer;
  socklen_t peer_len = sizeof(peer);
  ssize_t n =
      recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr*)&peer, &peer_len);
  if (n < 0 || connect(fd, (struct sockaddr*)&peer, peer_len) < 0) {
    perror("udp_pingpong: first datagram");
    return 1;
  }
  long echoes = 0;
  while (!(n == 1 && buf[0] == 'q')) {
    if (send(fd, buf, (size_t)n, 0) != n) {
      perror("udp_pingpong: send");
      return 1;
    }
    ++echoes;
    n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      perror("udp_pingpong: recv");
      return 1;
    }
  }
  printf("echoes=%ld\n", echoes);
  return 0;
}

static int compare_u32(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
  return (x > y) - (x < y);
}

/* One round trip of `size` bytes carrying `seq`; its time in ns, or -1. */
static int64_t round_trip(int fd, char* out, char* in, size_t size,
                          uint64_t seq) {
  memcpy(out, &seq, sizeof(seq));
  uint64_t t0 = now_ns();
  if (send(fd, out, size, 0) != (ssize_t)size) {
    perror("udp_pingpong: send");
    return -1;
  }
  ssize_t n = recv(fd, in, kMaxSize, 0);
  uint64_t t1 = now_ns();
  if (n != (ssize_t)size || memcmp(in, out, size) != 0) {
    if (n < 0) perror("udp_pingpong: recv");
    fprintf(stderr, "udp_pingpong: round trip %llu: bad echo (%zd bytes)\n",
            (unsigned long long)seq, n);
    return -1;
  }
  return (int64_t)(t1 - t0);
}

static int client(int port, double seconds, size_t size) {
  if (size < sizeof(uint64_t) || size > kMaxSize) {
    fprintf(stderr, "udp_pingpong: SIZE must be 8..%d\n", kMaxSize);
    return 1;
  }
  if (!(seconds > 0 && seconds <= 3600)) {
    fprintf(stderr, "udp_pingpong: SECONDS must be in (0, 3600]\n");
    return 1;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = loopback(port);
  if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof(a)) < 0) {
    perror("udp_pingpong: socket/connect");
    return 1;
  }
  if (receive_timeout(fd, 2) < 0) return 1;
  uint32_t* samples = malloc(sizeof(uint32_t) * kMaxSamples);
  if (samples == NULL) {
    perror("udp_pingpong: malloc");
    return 1;
  }
  char out[kMaxSize], in[kMaxSize];
  memset(out, 'x', sizeof(out));
  uint64_t seq = 0;
  uint64_t end = now_ns() + 400000000u;
  while (now_ns() < end) {
    if (round_trip(fd, out, in, size, ++seq) < 0) return 1;
  }
  long count = 0;
  end = now_ns() + (uint64_t)(seconds * 1e9);
  while (count < kMaxSamples && now_ns() < end) {
    int64_t ns = round_trip(fd, out, in, size, ++seq);
    if (ns < 0) return 1;
    samples[count++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
  }
  for (int i = 0; i < 3; ++i) send(fd, "q", 1, 0);
  if (count == 0) {
    fprintf(stderr, "udp_pingpong: no round trips\n");
    return 1;
  }
  qsort(samples, (size_t)count, sizeof(uint32_t), compare_u32);
  printf("round_trips=%ld p50_us=%.3f p99_us=%.3f\n", count,
         samples[count / 2] / 1e3, samples[count * 99 / 100] / 1e3);
  free(samples);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "server") == 0) {
    return server(atoi(argv[2]));
  }
  if (argc >= 4 && strcmp(argv[1], "client") == 0) {
    return client(atoi(argv[2]), atof(argv[3]),
                  argc >= 5 ? (size_t)atoi(argv[4]) : 14);
  }
  fprintf(stderr,
          "usage: udp_pingpong server PORT | client PORT SECONDS [SIZE]\n");
  return 2;
}
