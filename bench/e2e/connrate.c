/* Connections per second over loopback TCP: connect / accept / close.
 *
 *   connrate server PORT            accept and close at once, until killed
 *   connrate client PORT COUNT [MAX_SECONDS]
 *                                   COUNT cycles of socket, connect, wait for
 *                                   the server's close (read returns 0),
 *                                   close; prints
 *                                   "connections=N seconds=S per_second=R"
 *
 * Both ends are plain blocking libc calls, so any preload library sees every
 * step. The server closes first, so TIME_WAIT lands on the server's side
 * and the client never runs out of ephemeral ports however many rounds run
 * (bench/run also gives each run a fresh network namespace). The count and
 * MAX_SECONDS bound the run; the client stops early at MAX_SECONDS and
 * reports what it did. 127.0.0.1 only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int server(int port) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) {
    perror("connrate: socket");
    return 1;
  }
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = loopback(port);
  if (bind(ls, (struct sockaddr*)&a, sizeof(a)) < 0 || listen(ls, 4096) < 0) {
    perror("connrate: bind/listen");
    return 1;
  }
  for (;;) {
    int c = accept(ls, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      perror("connrate: accept");
      return 1;
    }
    close(c);
  }
}

static int client(int port, long count, double max_seconds) {
  struct sockaddr_in a = loopback(port);
  double start = now(), deadline = start + max_seconds;
  long done = 0;
  for (; done < count; ++done) {
    /* Check the clock every 64 cycles: bounded, without a clock call per
     * connection skewing the rate. */
    if ((done & 63) == 0 && done > 0 && now() > deadline) break;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
      perror("connrate: socket");
      return 1;
    }
    if (connect(s, (struct sockaddr*)&a, sizeof(a)) < 0) {
      perror("connrate: connect");
      return 1;
    }
    char b;
    ssize_t r;
    do {
      r = read(s, &b, 1); /* 0 once the server has accepted and closed */
    } while (r < 0 && errno == EINTR);
    if (r < 0 && errno != ECONNRESET) {
      perror("connrate: read");
      return 1;
    }
    close(s);
  }
  double secs = now() - start;
  printf("connections=%ld seconds=%.6f per_second=%.1f\n", done, secs,
         secs > 0 ? (double)done / secs : 0.0);
  return done > 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]));
  if (argc >= 4 && strcmp(argv[1], "client") == 0) {
    double max_seconds = argc >= 5 ? atof(argv[4]) : 30.0;
    return client(atoi(argv[2]), atol(argv[3]), max_seconds);
  }
  fprintf(stderr,
          "usage: connrate server PORT\n"
          "       connrate client PORT COUNT [MAX_SECONDS]\n");
  return 2;
}
