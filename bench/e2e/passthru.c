/* The floor of any interposer, for comparison only: a preload library
 * whose sendto/recvfrom forward to glibc's and do nothing else. Run it in
 * the sw-pass slot of bench/run, which preloads whatever SW_LIB names:
 *
 *   SW_LIB=build/bench/e2e/libpassthru.so bench/run --benches udp_lat \
 *     --configs native,lxwsk,sw-pass --rounds 8
 *
 * With PASSTHRU_BURN=N in the environment, each call also runs N
 * iterations of an empty loop (3 instructions each, no memory touched but
 * the loop bound): what that many cheap, cache-resident instructions cost
 * the round trip, the yardstick for an interposer's own instructions
 * (docs/performance.md, "UDP latency"). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

static ssize_t (*real_sendto)(int, const void*, size_t, int,
                              const struct sockaddr*, socklen_t);
static ssize_t (*real_recvfrom)(int, void*, size_t, int, struct sockaddr*,
                                socklen_t*);
static long burn_loops;

__attribute__((constructor)) static void init(void) {
  real_sendto = dlsym(RTLD_NEXT, "sendto");
  real_recvfrom = dlsym(RTLD_NEXT, "recvfrom");
  const char* n = getenv("PASSTHRU_BURN");
  burn_loops = n != NULL ? strtol(n, NULL, 10) : 0;
  if (burn_loops < 0 || burn_loops > 100000) burn_loops = 0;
}

static inline void burn(void) {
  for (long i = 0; i < burn_loops; i++) __asm__ volatile("" ::: "memory");
}

ssize_t sendto(int fd, const void* buf, size_t len, int flags,
               const struct sockaddr* to, socklen_t to_len) {
  burn();
  return real_sendto(fd, buf, len, flags, to, to_len);
}

ssize_t recvfrom(int fd, void* buf, size_t len, int flags,
                 struct sockaddr* from, socklen_t* from_len) {
  ssize_t r = real_recvfrom(fd, buf, len, flags, from, from_len);
  burn();
  return r;
}
