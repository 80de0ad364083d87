/* 127.0.0.1:PORT for the small benchmark programs (header-only: bench/run
 * compiles each program from its one .c file when the build has none). */
#ifndef LXWSK_BENCH_E2E_LOOPBACK_H_
#define LXWSK_BENCH_E2E_LOOPBACK_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static inline struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

#endif /* LXWSK_BENCH_E2E_LOOPBACK_H_ */
