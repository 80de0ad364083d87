/* EPIPE and SIGPIPE: a send after the peer closed gets EPIPE and raises
 * SIGPIPE, unless MSG_NOSIGNAL; write() and sendmsg() too; and a default
 * SIGPIPE disposition kills the process (exit status 141 in the record).
 * A datagram socket's EPIPE raises nothing. */
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

/* A datagram socket shut down for sending: every send is EPIPE and none
 * raises SIGPIPE (Linux signals from stream protocols only,
 * sk_stream_error); connected and with an address, before and after a
 * first datagram. */
static void udp_shutdown_family(int family) {
  st_count_signal(SIGPIPE, 0);
  struct sockaddr_storage a;
  socklen_t al;
  int r = make_server("receiver", family, SOCK_DGRAM, &a, &al);
  int s = (int)REC("socket", socket(family, SOCK_DGRAM, 0));
  REC("connect", connect(s, (struct sockaddr*)&a, al));
  REC("send before shutdown", send(s, "x", 1, 0));
  char b[4];
  REC("receive it", recv(r, b, sizeof(b), 0));
  REC("shutdown write", shutdown(s, SHUT_WR));
  REC("send", send(s, "x", 1, 0));
  note_signals("after send");
  REC("sendto", sendto(s, "x", 1, 0, (struct sockaddr*)&a, al));
  REC("write", write(s, "x", 1));
  struct iovec iov = {(void*)"x", 1};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  REC("sendmsg", sendmsg(s, &m, 0));
  REC("send nosignal", send(s, "x", 1, MSG_NOSIGNAL));
  note_signals("after all sends");
  REC("close", close(s));
  /* Unconnected and never used before its shutdown. */
  int u = (int)REC("socket 2", socket(family, SOCK_DGRAM, 0));
  REC("shutdown write 2", shutdown(u, SHUT_WR));
  REC("sendto 2", sendto(u, "x", 1, 0, (struct sockaddr*)&a, al));
  note_signals("after sendto 2");
  REC("close 2", close(u));
  REC("close receiver", close(r));
}

SCENARIO(udp_shutdown_v4) { udp_shutdown_family(AF_INET); }
SCENARIO(udp_shutdown_v6) { udp_shutdown_family(AF_INET6); }

/* The same with the default disposition: nothing kills the process. */
SCENARIO(udp_shutdown_default_disposition) {
  struct sockaddr_storage a;
  socklen_t al;
  int r = make_server("receiver", AF_INET, SOCK_DGRAM, &a, &al);
  int s = (int)REC("socket", socket(AF_INET, SOCK_DGRAM, 0));
  REC("connect", connect(s, (struct sockaddr*)&a, al));
  REC("shutdown write", shutdown(s, SHUT_WR));
  REC("send", send(s, "x", 1, 0));
  note("still here");
  REC("close", close(s));
  REC("close receiver", close(r));
}

/* Default disposition: the send kills the process with SIGPIPE. */
SCENARIO(sigpipe_kills) {
  int c = dead_peer_socket(AF_INET);
  REC("send", send(c, "x", 1, 0));
  note("not reached");
}

DIFFTEST_MAIN()
