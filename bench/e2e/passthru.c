/* The floor of any interposer, for comparison only: a preload library
 * whose sendto/recvfrom forward to glibc's and do nothing else. Run it in
 * the sw-pass slot of bench/run, which preloads whatever SW_LIB names:
 *
 *   SW_LIB=build/bench/e2e/libpassthru.so bench/run --benches udp_lat \
 *     --configs native,lxwsk,sw-pass --rounds 8
 *
 * (docs/performance.md, "UDP latency"). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

static ssize_t (*real_sendto)(int, const void*, size_t, int,
                              const struct sockaddr*, socklen_t);
static ssize_t (*real_recvfrom)(int, void*, size_t, int, struct sockaddr*,
                                socklen_t*);

__attribute__((constructor)) static void init(void) {
  real_sendto = dlsym(RTLD_NEXT, "sendto");
  real_recvfrom = dlsym(RTLD_NEXT, "recvfrom");
}

ssize_t sendto(int fd, const void* buf, size_t len, int flags,
               const struct sockaddr* to, socklen_t to_len) {
  return real_sendto(fd, buf, len, flags, to, to_len);
}

ssize_t recvfrom(int fd, void* buf, size_t len, int flags,
                 struct sockaddr* from, socklen_t* from_len) {
  return real_recvfrom(fd, buf, len, flags, from, from_len);
}
