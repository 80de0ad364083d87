/* Probe for the preload-active test: one send() with flags 0 on a loopback
 * TCP socket. liblxwsk.so reaches the host through its own sendto with
 * MSG_NOSIGNAL added (WSK never raises signals); glibc's send() passes the
 * flags through unchanged. check_preload_active.sh looks at the sendto the
 * kernel saw. */
#include "difftest.h"

int main(void) {
  st_init();
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("conn", l, AF_INET, &la, lal, &a);
  REC("send probe", send(c, "lxwsk-probe", 11, 0));
  char buf[16];
  long n = REC("recv probe", recv_all(a, buf, 11));
  note("probe arrived: %d", n == 11 && memcmp(buf, "lxwsk-probe", 11) == 0);
  close(c);
  close(a);
  close(l);
  return n == 11 ? 0 : 1;
}
