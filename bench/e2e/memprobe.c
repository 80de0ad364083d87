/* Memory probes for bench/memory: what a preload library costs in resident
 * memory, read from /proc/self/status (VmHWM = peak RSS, VmRSS = now).
 *
 *   memprobe idle [MS]            sleep MS ms (default 100) doing nothing,
 *                                 print "vmhwm_kib=.. vmrss_kib=..
 *                                  rssanon_kib=.. rssfile_kib=.."
 *   memprobe sockets N [tcp|udp]  open N sockets (no bind, no I/O) and print
 *                                 "sockets=N rss_before_kib=.. rss_after_kib=..
 *                                  vmhwm_kib=.."
 *
 * "idle" is the smallest program there is (like /usr/bin/true, plus a
 * sleep so the library's start-up work has finished): run natively and
 * preloaded, the VmHWM difference is the library's fixed cost. For
 * "sockets", the RSS growth natively is libc's and the kernel's share that
 * shows in user memory (next to nothing: socket buffers are kernel memory);
 * preloaded minus native, divided by N, is the library's state per socket.
 * The soft fd limit is raised to the hard one (setrlimit) first; N must fit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

/* One "Name:   123 kB" line of /proc/self/status, in KiB, or -1. */
static long status_kib(const char* name) {
  FILE* f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  char line[256];
  long v = -1;
  size_t len = strlen(name);
  while (fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, name, len) == 0 && line[len] == ':') {
      v = strtol(line + len + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "idle") == 0) {
    sleep_ms(argc >= 3 ? atol(argv[2]) : 100);
    /* RssAnon/RssFile split the resident set: heap and tables versus
     * pages of the mapped library files. */
    printf("vmhwm_kib=%ld vmrss_kib=%ld rssanon_kib=%ld rssfile_kib=%ld\n",
           status_kib("VmHWM"), status_kib("VmRSS"), status_kib("RssAnon"),
           status_kib("RssFile"));
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "sockets") == 0) {
    long n = atol(argv[2]);
    int type =
        (argc >= 4 && strcmp(argv[3], "tcp") == 0) ? SOCK_STREAM : SOCK_DGRAM;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    /* One socket first, so one-time set-up (the library's first socket,
     * libc's first call) is not counted per socket. */
    if (socket(AF_INET, type, 0) < 0) {
      perror("memprobe: socket");
      return 1;
    }
    long before = status_kib("VmRSS");
    for (long i = 0; i < n; ++i) {
      if (socket(AF_INET, type, 0) < 0) {
        fprintf(stderr, "memprobe: socket %ld of %ld: %s\n", i, n,
                strerror(errno));
        return 1;
      }
    }
    long after = status_kib("VmRSS");
    printf("sockets=%ld rss_before_kib=%ld rss_after_kib=%ld vmhwm_kib=%ld\n",
           n, before, after, status_kib("VmHWM"));
    return 0;
  }
  fprintf(stderr,
          "usage: memprobe idle [MS]\n"
          "       memprobe sockets N [tcp|udp]\n");
  return 2;
}
