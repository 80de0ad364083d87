/* EPIPE and SIGPIPE: a send after the peer closed gets EPIPE and raises
 * SIGPIPE, unless MSG_NOSIGNAL; write() and sendmsg() too; and a default
 * SIGPIPE disposition kills the process (exit status 141 in the record). */
#include <sys/uio.h>

#include "difftest.h"

/* A connected pair whose peer has closed and been told so (RST sent by a
 * first send). */
static int dead_peer_socket(int family) {
  struct sockaddr_storage a;
  socklen_t al;
  int l = make_server("server", family, SOCK_STREAM, &a, &al);
  int acc;
  int c = make_pair("pair", l, family, &a, al, &acc);
  REC("close accepted", close(acc));
  REC("close listener", close(l));
  /* The first send after the peer's FIN succeeds and draws an RST. */
  REC("first send", send(c, "x", 1, MSG_NOSIGNAL));
  wait_for(c, POLLERR | POLLHUP, 2000);
  return c;
}

static void epipe_family(int family) {
  st_count_signal(SIGPIPE, 0);
  int c = dead_peer_socket(family);
  REC("send nosignal", send(c, "x", 1, MSG_NOSIGNAL));
  note_signals("after send nosignal");
  REC("send", send(c, "x", 1, 0));
  note_signals("after send");
  REC("write", write(c, "x", 1));
  note_signals("after write");
  struct iovec iov = {(void*)"x", 1};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  REC("sendmsg nosignal", sendmsg(c, &m, MSG_NOSIGNAL));
  REC("sendmsg", sendmsg(c, &m, 0));
  note_signals("after sendmsg");
  REC("close", close(c));
}

SCENARIO(epipe_v4) { epipe_family(AF_INET); }
SCENARIO(epipe_v6) { epipe_family(AF_INET6); }

/* Default disposition: the send kills the process with SIGPIPE. */
SCENARIO(sigpipe_kills) {
  int c = dead_peer_socket(AF_INET);
  REC("send", send(c, "x", 1, 0));
  note("not reached");
}

DIFFTEST_MAIN()
