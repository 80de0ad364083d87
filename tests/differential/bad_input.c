/* Scenario bad_input: bad pointers, bad lengths and bad arguments must give
 * the kernel's errno (EFAULT, EINVAL, EBADF, ENOTSOCK, ...), never a crash,
 * and must not change what later calls see. */
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "difftest.h"

/* Through volatiles, so the compiler neither warns about nor reasons from
 * the deliberately bad arguments. */
static void* volatile g_bad = (void*)1;
#define BAD (g_bad)
static volatile int g_neg = -1;
static volatile int g_toomany = 1025;

int main(void) {
  st_init();
  signal(SIGPIPE, SIG_IGN);

  struct sockaddr_storage lo4;
  socklen_t lo4_len = loopback(AF_INET, &lo4);

  /* ---- addresses ---- */
  int t = (int)REC("socket tcp4", socket(AF_INET, SOCK_STREAM, 0));
  REC("bind badptr", bind(t, BAD, sizeof(struct sockaddr_in)));
  REC("bind NULL len16", bind(t, NULL, sizeof(struct sockaddr_in)));
  REC("bind len-1", bind(t, (struct sockaddr*)&lo4, (socklen_t)-1));
  REC("bind len1", bind(t, (struct sockaddr*)&lo4, 1));
  REC("bind len200", bind(t, (struct sockaddr*)&lo4, 200));
  REC("connect badptr", connect(t, BAD, sizeof(struct sockaddr_in)));
  REC("connect len0", connect(t, (struct sockaddr*)&lo4, 0));
  REC("connect len8", connect(t, (struct sockaddr*)&lo4, 8));
  {
    /* AF_INET6 address handed to an AF_INET socket (length of a
     * sockaddr_in): inet_bind checks the length against the socket's
     * family, then the address family. */
    struct sockaddr_storage w;
    memset(&w, 0, sizeof(w));
    w.ss_family = AF_INET6;
    REC("bind v6addr on v4 len16",
        bind(t, (struct sockaddr*)&w, sizeof(struct sockaddr_in)));
    REC("bind v6addr on v4 len28",
        bind(t, (struct sockaddr*)&w, sizeof(struct sockaddr_in6)));
    {
      int u4 = (int)REC("socket udp4 (family)", socket(AF_INET, SOCK_DGRAM, 0));
      REC("sendto v6addr on v4 len16",
          sendto(u4, "x", 1, 0, (struct sockaddr*)&w,
                 sizeof(struct sockaddr_in)));
      REC("close udp4 (family)", close(u4));
    }
    REC("connect v6addr on v4 len28",
        connect(t, (struct sockaddr*)&w, sizeof(struct sockaddr_in6)));
    int t6 = (int)REC("socket tcp6", socket(AF_INET6, SOCK_STREAM, 0));
    struct sockaddr_storage l4;
    socklen_t l4n = loopback(AF_INET, &l4);
    REC("bind v4addr on v6 len16", bind(t6, (struct sockaddr*)&l4, l4n));
    REC("bind v4addr on v6 len28",
        bind(t6, (struct sockaddr*)&l4, sizeof(struct sockaddr_in6)));
    REC("connect v4addr on v6 len28",
        connect(t6, (struct sockaddr*)&l4, sizeof(struct sockaddr_in6)));
    struct sockaddr_storage l6;
    loopback(AF_INET6, &l6);
    REC("bind v6 len24 (RFC 2133, no scope id)",
        bind(t6, (struct sockaddr*)&l6, 24));
    REC("close tcp6", close(t6));
  }

  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  REC("getsockname bad addrlen ptr",
      getsockname(t, (struct sockaddr*)&ss, BAD));
  REC("getsockname NULL addrlen", getsockname(t, (struct sockaddr*)&ss, NULL));
  sl = (socklen_t)-1;
  REC("getsockname addrlen -1", getsockname(t, (struct sockaddr*)&ss, &sl));
  sl = sizeof(ss);
  REC("getsockname bad addr", getsockname(t, BAD, &sl));
  sl = 0;
  REC("getsockname addrlen 0", getsockname(t, (struct sockaddr*)&ss, &sl));
  note("getsockname addrlen 0: len %u", (unsigned)sl);
  sl = sizeof(ss);
  REC("getpeername unconnected", getpeername(t, (struct sockaddr*)&ss, &sl));
  REC("getpeername bad addrlen ptr",
      getpeername(t, (struct sockaddr*)&ss, BAD));

  /* ---- UDP sendto ---- */
  int u = (int)REC("socket udp4", socket(AF_INET, SOCK_DGRAM, 0));
  REC("sendto bad addr", sendto(u, "x", 1, 0, BAD, sizeof(struct sockaddr_in)));
  REC("sendto addrlen -1",
      sendto(u, "x", 1, 0, (struct sockaddr*)&lo4, (socklen_t)-1));
  REC("sendto addrlen 3", sendto(u, "x", 1, 0, (struct sockaddr*)&lo4, 3));
  {
    struct sockaddr_storage r;
    socklen_t rl;
    int rcv = make_server("udp rcv", AF_INET, SOCK_DGRAM, &r, &rl);
    REC("sendto bad buf", sendto(u, BAD, 16, 0, (struct sockaddr*)&r, rl));
    REC("sendto len0", sendto(u, "", 0, 0, (struct sockaddr*)&r, rl));
    REC("recv len0 dgram", recv(rcv, NULL, 0, MSG_DONTWAIT));
    REC("recv empty", recv(rcv, (char[4]){0}, 4, MSG_DONTWAIT));
    /* recvfrom with a bad address length pointer: Linux receives (and
     * consumes) the datagram first, then fails copying the address. */
    REC("sendto d1", sendto(u, "first", 5, 0, (struct sockaddr*)&r, rl));
    REC("sendto d2", sendto(u, "second", 6, 0, (struct sockaddr*)&r, rl));
    REC("sendto d3", sendto(u, "third", 5, 0, (struct sockaddr*)&r, rl));
    char buf[32];
    REC("recvfrom bad addrlen ptr",
        recvfrom(rcv, buf, sizeof(buf), 0, (struct sockaddr*)&ss, BAD));
    sl = (socklen_t)-1;
    REC("recvfrom addrlen -1",
        recvfrom(rcv, buf, sizeof(buf), 0, (struct sockaddr*)&ss, &sl));
    memset(buf, 0, sizeof(buf));
    long n = REC("recv next", recv(rcv, buf, sizeof(buf), MSG_DONTWAIT));
    note("recv next: data '%.*s'", n > 0 ? (int)n : 0, buf);
    REC("recv bad buf (empty)", recv(rcv, BAD, 16, MSG_DONTWAIT));
    REC("sendto d4", sendto(u, "fourth", 6, 0, (struct sockaddr*)&r, rl));
    REC("recv bad buf", recv(rcv, BAD, 16, 0));
    REC("recv after bad buf", recv(rcv, buf, sizeof(buf), MSG_DONTWAIT));
    REC("recvmsg bad msghdr", recvmsg(rcv, BAD, MSG_DONTWAIT));
    REC("sendmsg bad msghdr", sendmsg(u, BAD, 0));
    {
      struct iovec iov = {(void*)"x", 1};
      struct msghdr m;
      memset(&m, 0, sizeof(m));
      m.msg_name = &r;
      m.msg_namelen = rl;
      m.msg_iov = &iov;
      m.msg_iovlen = 1025;
      REC("sendmsg iovlen 1025", sendmsg(u, &m, 0));
      m.msg_iovlen = 1;
      m.msg_iov = BAD;
      REC("sendmsg bad iov", sendmsg(u, &m, 0));
    }
    REC("close udp rcv", close(rcv));
  }
  REC("getpeername udp unconnected",
      getpeername(u, (struct sockaddr*)&ss, &sl));

  /* ---- not a socket, not open ---- */
  int dead =
      (int)REC("socket tcp4 (to close)", socket(AF_INET, SOCK_STREAM, 0));
  REC("close it", close(dead));
  char b[8];
  REC("recv closed fd", recv(dead, b, sizeof(b), 0));
  REC("send closed fd", send(dead, "x", 1, 0));
  REC("getsockopt closed fd", getsockopt(dead, SOL_SOCKET, SO_TYPE, b, &sl));
  REC("close closed fd", close(dead));
  REC("recv fd -1", recv(-1, b, sizeof(b), 0));
  REC("send fd 100000", send(100000, "x", 1, 0));
  int p[2];
  REC("pipe", pipe(p));
  REC("send on pipe", send(p[1], "x", 1, 0));
  REC("recv on pipe", recv(p[0], b, sizeof(b), MSG_DONTWAIT));
  REC("write on pipe", write(p[1], "xy", 2));
  REC("read on pipe", read(p[0], b, sizeof(b)));
  REC("getsockname on pipe", getsockname(p[0], (struct sockaddr*)&ss, &sl));
  REC("setsockopt on pipe",
      setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)));
  REC("shutdown on pipe", shutdown(p[0], SHUT_RDWR));
  int f = (int)REC("open regular file",
                   open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  REC("send on file", send(f, "x", 1, 0));
  REC("sendto on file", sendto(f, "x", 1, 0, (struct sockaddr*)&lo4, lo4_len));
  REC("connect on file", connect(f, (struct sockaddr*)&lo4, lo4_len));
  REC("listen on file", listen(f, 1));
  REC("accept on file", accept(f, NULL, NULL));
  REC("read on file", read(f, b, 4));
  note("read on file: magic %02x %c%c%c", (unsigned char)b[0], b[1], b[2],
       b[3]);
  REC("close file", close(f));
  REC("close pipe r", close(p[0]));
  REC("close pipe w", close(p[1]));

  /* ---- options ---- */
  int one = 1;
  REC("setsockopt optlen -1",
      setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, (socklen_t)-1));
  REC("setsockopt bad optval",
      setsockopt(t, SOL_SOCKET, SO_REUSEADDR, BAD, sizeof(int)));
  REC("setsockopt optlen 0", setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, 0));
  REC("setsockopt RCVTIMEO optlen -1",
      setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &one, (socklen_t)-1));
  REC("setsockopt RCVTIMEO bad optval",
      setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, BAD, sizeof(struct timeval)));
  REC("setsockopt RCVTIMEO short",
      setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &one, sizeof(one)));
  {
    struct timeval tv = {0, 1000000};
    REC("setsockopt RCVTIMEO usec 1e6",
        setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
  }
  REC("setsockopt LINGER bad optval",
      setsockopt(t, SOL_SOCKET, SO_LINGER, BAD, sizeof(struct linger)));
  REC("setsockopt LINGER short",
      setsockopt(t, SOL_SOCKET, SO_LINGER, &one, sizeof(one)));
  REC("setsockopt TCP_NODELAY bad optval",
      setsockopt(t, IPPROTO_TCP, TCP_NODELAY, BAD, sizeof(int)));
  REC("setsockopt unknown level", setsockopt(t, 12345, 1, &one, sizeof(one)));
  REC("setsockopt unknown name",
      setsockopt(t, SOL_SOCKET, 9999, &one, sizeof(one)));
  int v = 0;
  socklen_t vl = (socklen_t)-1;
  REC("getsockopt optlen -1", getsockopt(t, SOL_SOCKET, SO_TYPE, &v, &vl));
  REC("getsockopt bad optlen ptr", getsockopt(t, SOL_SOCKET, SO_TYPE, &v, BAD));
  vl = sizeof(v);
  REC("getsockopt bad optval", getsockopt(t, SOL_SOCKET, SO_TYPE, BAD, &vl));
  vl = sizeof(struct timeval);
  REC("getsockopt RCVTIMEO bad optval",
      getsockopt(t, SOL_SOCKET, SO_RCVTIMEO, BAD, &vl));
  vl = sizeof(int);
  REC("getsockopt ERROR bad optval",
      getsockopt(t, SOL_SOCKET, SO_ERROR, BAD, &vl));
  vl = 2;
  v = 0;
  REC("getsockopt SO_TYPE optlen 2",
      getsockopt(t, SOL_SOCKET, SO_TYPE, &v, &vl));
  note("getsockopt SO_TYPE optlen 2: len %u value %d", (unsigned)vl, v);
  vl = sizeof(v);
  REC("getsockopt unknown name", getsockopt(t, SOL_SOCKET, 9999, &v, &vl));
  REC("ioctl FIONREAD bad arg", ioctl(t, FIONREAD, BAD));
  REC("ioctl FIONBIO bad arg", ioctl(t, FIONBIO, BAD));
  REC("ioctl unknown", ioctl(t, 0x89ff00, &v));

  /* ---- socket() arguments ---- */
  REC("socket type|0x40000000", socket(AF_INET, SOCK_STREAM | 0x40000000, 0));
  REC("socket type 99", socket(AF_INET, 99, 0));
  REC("socket type -1", socket(AF_INET, -1, 0));
  REC("socket v6 type 99", socket(AF_INET6, 99, 0));
  REC("socket dgram IPPROTO_TCP", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
  REC("socket stream IPPROTO_UDP", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
  REC("socket stream proto 200", socket(AF_INET, SOCK_STREAM, 200));
  REC("socket family 999", socket(999, SOCK_STREAM, 0));

  /* ---- state errors ---- */
  REC("accept non-listening", accept(t, NULL, NULL));
  REC("accept4 bad flags", accept4(t, NULL, NULL, 0x1234));
  REC("listen udp", listen(u, 5));
  REC("accept udp", accept(u, NULL, NULL));
  REC("shutdown how=7", shutdown(t, 7));
  REC("shutdown how=-1", shutdown(t, -1));
  REC("shutdown unconnected", shutdown(t, SHUT_RDWR));
  REC("recv unconnected tcp", recv(t, b, sizeof(b), MSG_DONTWAIT));

  /* ---- iovec counts, on a connected socket ---- */
  {
    struct sockaddr_storage la;
    socklen_t lal;
    int l = make_server("tcp srv", AF_INET, SOCK_STREAM, &la, &lal);
    int a;
    int c = make_pair("tcp", l, AF_INET, &la, lal, &a);
    char data[64];
    struct iovec iov[1] = {{data, sizeof(data)}};
    REC("readv iovcnt -1", readv(c, iov, g_neg));
    REC("readv iovcnt 1025", readv(c, iov, g_toomany));
    REC("writev iovcnt -1", writev(c, iov, g_neg));
    REC("writev iovcnt 1025", writev(c, iov, g_toomany));
    REC("readv iovcnt 0", readv(c, iov, 0));
    REC("readv bad iov", readv(c, BAD, 1));
    REC("writev bad iov", writev(c, BAD, 1));
    REC("read len0", read(c, data, 0));
    REC("write len0", write(c, data, 0));
    REC("send bad buf", send(c, BAD, 10, 0));
    REC("write bad buf", write(c, BAD, 10));
    REC("send 5", send(a, "hello", 5, 0));
    wait_for(c, POLLIN, 5000);
    REC("recv bad buf w/ data", recv(c, BAD, 5, 0));
    REC("read bad buf w/ data", read(c, BAD, 5));
    long n =
        REC("recv after bad buf", recv(c, data, sizeof(data), MSG_DONTWAIT));
    note("recv after bad buf: data '%.*s'", n > 0 ? (int)n : 0, data);
    /* A stream recvfrom with a bad address length: the data is consumed
     * (stream sockets have no source address to copy), then EFAULT. */
    REC("send 3", send(a, "abc", 3, 0));
    wait_for(c, POLLIN, 5000);
    REC("tcp recvfrom bad addrlen ptr",
        recvfrom(c, data, sizeof(data), 0, (struct sockaddr*)&ss, BAD));
    REC("tcp recv after bad addrlen",
        recv(c, data, sizeof(data), MSG_DONTWAIT));
    REC("shutdown how=7 connected", shutdown(c, 7));
    REC("send after bad shutdown", send(c, "ok", 2, 0));
    wait_for(a, POLLIN, 5000);
    n = REC("recv peer", recv(a, data, sizeof(data), MSG_DONTWAIT));
    note("recv peer: data '%.*s'", n > 0 ? (int)n : 0, data);
    {
      /* accept with a bad address length: the connection is lost. */
      int c2 = (int)REC("socket tcp4 c2", socket(AF_INET, SOCK_STREAM, 0));
      REC("connect c2", connect(c2, (struct sockaddr*)&la, lal));
      REC("accept bad addrlen ptr", accept(l, (struct sockaddr*)&ss, BAD));
      sl = (socklen_t)-1;
      int c3 = (int)REC("socket tcp4 c3", socket(AF_INET, SOCK_STREAM, 0));
      REC("connect c3", connect(c3, (struct sockaddr*)&la, lal));
      REC("accept addrlen -1", accept(l, (struct sockaddr*)&ss, &sl));
      int c4 = (int)REC("socket tcp4 c4", socket(AF_INET, SOCK_STREAM, 0));
      REC("connect c4", connect(c4, (struct sockaddr*)&la, lal));
      int a4 = (int)REC("accept4 NONBLOCK after",
                        accept4(l, NULL, NULL, SOCK_NONBLOCK));
      REC("recv accepted nonblock", recv(a4, data, sizeof(data), 0));
      REC("close a4", close(a4));
      REC("close c4", close(c4));
      REC("close c3", close(c3));
      REC("close c2", close(c2));
    }
    REC("close c", close(c));
    REC("close a", close(a));
    REC("close l", close(l));
  }

  REC("close udp", close(u));
  REC("close tcp4", close(t));
  REC("close again", close(t));
  note("done");
  return 0;
}
