/* Scenario udp_basic: UDP over 127.0.0.1 and ::1 — sendto/recvfrom,
 * connected send/recv, MSG_TRUNC, getpeername, recvmsg flags, and
 * sendmmsg/recvmmsg of four datagrams. */
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "difftest.h"

static volatile size_t g_len = 64;

static void run_family(int family) {
  const char* F = fam_name(family);
  char L[128];
#define LBL(...) (snprintf(L, sizeof(L), __VA_ARGS__), L)

  struct sockaddr_storage ra;
  socklen_t ral;
  int r = make_server(LBL("%s receiver", F), family, SOCK_DGRAM, &ra, &ral);
  int s = (int)REC(LBL("%s sender socket", F), socket(family, SOCK_DGRAM, 0));

  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  REC(LBL("%s getsockname unbound", F),
      getsockname(s, (struct sockaddr*)&ss, &sl));
  note_addr(L, &ss, sl);
  sl = sizeof(ss);
  REC(LBL("%s getpeername unconnected", F),
      getpeername(s, (struct sockaddr*)&ss, &sl));
  REC(LBL("%s send unconnected", F), send(s, "x", 1, 0));
  REC(LBL("%s recv empty nonblocking", F),
      recv(r, (char[8]){0}, 8, MSG_DONTWAIT));

  /* sendto / recvfrom. */
  unsigned char out[3000], in[4096];
  fill_pattern(out, sizeof(out), 0, 7);
  REC(LBL("%s sendto 100", F),
      sendto(s, out, 100, 0, (struct sockaddr*)&ra, ral));
  struct sockaddr_storage sa;
  socklen_t sal = sizeof(sa);
  REC(LBL("%s getsockname after implicit bind", F),
      getsockname(s, (struct sockaddr*)&sa, &sal));
  note_addr(L, &sa, sal);
  {
    int fr0 = -1;
    REC(LBL("%s FIONREAD", F), ioctl(r, FIONREAD, &fr0));
    note("%s FIONREAD: %d", F, fr0);
  }
  struct sockaddr_storage from;
  socklen_t froml = sizeof(from);
  memset(in, 0, sizeof(in));
  long n = REC(LBL("%s recvfrom", F),
               recvfrom(r, in, sizeof(in), 0, (struct sockaddr*)&from, &froml));
  note_addr(L, &from, froml);
  note("%s recvfrom: source is sender %d, checksum %016llx", F,
       port_of(&from) == port_of(&sa),
       (unsigned long long)fnv1a(FNV_INIT, in, n > 0 ? (size_t)n : 0));
  /* Short address buffer: truncated, full length reported. */
  REC(LBL("%s sendto 10", F),
      sendto(s, out, 10, 0, (struct sockaddr*)&ra, ral));
  froml = 4;
  memset(&from, 0, sizeof(from));
  REC(LBL("%s recvfrom short addrlen", F),
      recvfrom(r, in, sizeof(in), 0, (struct sockaddr*)&from, &froml));
  note("%s recvfrom short addrlen: len %u family %d", F, (unsigned)froml,
       (int)from.ss_family);
  REC(LBL("%s sendto 11", F),
      sendto(s, out, 11, 0, (struct sockaddr*)&ra, ral));
  froml = sizeof(from);
  REC(LBL("%s recvfrom NULL addr", F),
      recvfrom(r, in, sizeof(in), 0, NULL, &froml));
  note("%s recvfrom NULL addr: len %u", F, (unsigned)froml);
  REC(LBL("%s sendto 0 bytes", F),
      sendto(s, out, 0, 0, (struct sockaddr*)&ra, ral));
  froml = sizeof(from);
  REC(LBL("%s recvfrom 0 bytes", F),
      recvfrom(r, in, sizeof(in), 0, (struct sockaddr*)&from, &froml));
  note("%s recvfrom 0 bytes: len %u", F, (unsigned)froml);

  /* MSG_TRUNC and MSG_PEEK on an oversized datagram. */
  REC(LBL("%s sendto 3000", F),
      sendto(s, out, 3000, 0, (struct sockaddr*)&ra, ral));
  int fr = -1;
  REC(LBL("%s FIONREAD 3000", F), ioctl(r, FIONREAD, &fr));
  note("%s FIONREAD 3000: %d", F, fr);
  n = REC(LBL("%s recv MSG_PEEK 100", F), recv(r, in, 100, MSG_PEEK));
  n = REC(LBL("%s recv MSG_PEEK|MSG_TRUNC 100", F),
          recv(r, in, 100, MSG_PEEK | MSG_TRUNC));
  n = REC(LBL("%s recv MSG_TRUNC 100", F), recv(r, in, 100, MSG_TRUNC));
  note("%s MSG_TRUNC checksum of first 100: %016llx", F,
       (unsigned long long)fnv1a(FNV_INIT, in, 100));
  REC(LBL("%s sendto 3000 again", F),
      sendto(s, out, 3000, 0, (struct sockaddr*)&ra, ral));
  n = REC(LBL("%s recv 100 (no MSG_TRUNC)", F), recv(r, in, 100, 0));
  REC(LBL("%s recv after truncation", F),
      recv(r, in, sizeof(in), MSG_DONTWAIT));
  {
    REC(LBL("%s sendto 3000 third", F),
        sendto(s, out, 3000, 0, (struct sockaddr*)&ra, ral));
    struct iovec iov[2] = {{in, 50}, {in + 50, 50}};
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_name = &from;
    m.msg_namelen = sizeof(from);
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    m.msg_flags = 0x7fff;
    n = REC(LBL("%s recvmsg 2x50", F), recvmsg(r, &m, 0));
    note(
        "%s recvmsg 2x50: flags %#x namelen %u controllen %zu checksum %016llx",
        F, m.msg_flags, (unsigned)m.msg_namelen, (size_t)m.msg_controllen,
        (unsigned long long)fnv1a(FNV_INIT, in, 100));
    REC(LBL("%s sendto 20", F),
        sendto(s, out, 20, 0, (struct sockaddr*)&ra, ral));
    m.msg_name = NULL;
    m.msg_namelen = 99;
    m.msg_flags = 0x7fff;
    n = REC(LBL("%s recvmsg no name", F), recvmsg(r, &m, MSG_TRUNC));
    note("%s recvmsg no name: flags %#x namelen %u", F, m.msg_flags,
         (unsigned)m.msg_namelen);
  }

  /* Lengths the compiler cannot see: with _FORTIFY_SOURCE these calls go
   * through __recv_chk, __recvfrom_chk and __read_chk. */
  {
    size_t want = g_len;
    for (int i = 0; i < 3; ++i) {
      REC(LBL("%s sendto chk-path %d", F, i),
          sendto(s, out, 40u + (unsigned)i, 0, (struct sockaddr*)&ra, ral));
    }
    n = REC(LBL("%s recv runtime len", F), recv(r, in, want, 0));
    froml = sizeof(from);
    n = REC(LBL("%s recvfrom runtime len", F),
            recvfrom(r, in, want, 0, (struct sockaddr*)&from, &froml));
    note("%s recvfrom runtime len: fromlen %u", F, (unsigned)froml);
    n = REC(LBL("%s read runtime len", F), read(r, in, want));
  }

  /* Connected UDP. */
  REC(LBL("%s connect sender", F), connect(s, (struct sockaddr*)&ra, ral));
  sl = sizeof(ss);
  REC(LBL("%s getpeername connected", F),
      getpeername(s, (struct sockaddr*)&ss, &sl));
  note_addr(L, &ss, sl);
  note("%s peer is receiver: %d", F, port_of(&ss) == port_of(&ra));
  REC(LBL("%s connect receiver", F), connect(r, (struct sockaddr*)&sa, sal));
  REC(LBL("%s send connected", F), send(s, out, 1200, 0));
  REC(LBL("%s write connected", F), write(s, out + 1200, 800));
  n = REC(LBL("%s recv connected", F), recv(r, in, sizeof(in), 0));
  note("%s recv connected checksum %016llx", F,
       (unsigned long long)fnv1a(FNV_INIT, in, n > 0 ? (size_t)n : 0));
  n = REC(LBL("%s read connected", F), read(r, in, sizeof(in)));
  note("%s read connected checksum %016llx", F,
       (unsigned long long)fnv1a(FNV_INIT, in, n > 0 ? (size_t)n : 0));
  REC(LBL("%s send back", F), send(r, "pong", 4, 0));
  memset(in, 0, 8);
  n = REC(LBL("%s recv back", F), recv(s, in, sizeof(in), 0));
  note("%s recv back '%.*s'", F, n > 0 ? (int)n : 0, (char*)in);
  {
    /* A third socket is filtered out by the connected receiver. */
    int o = (int)REC(LBL("%s other socket", F), socket(family, SOCK_DGRAM, 0));
    REC(LBL("%s other sendto receiver", F),
        sendto(o, "zz", 2, 0, (struct sockaddr*)&ra, ral));
    REC(LBL("%s receiver ignores other", F),
        recv(r, in, sizeof(in), MSG_DONTWAIT));
    REC(LBL("%s close other", F), close(o));
  }
  {
    struct sockaddr_storage un;
    memset(&un, 0, sizeof(un));
    un.ss_family = AF_UNSPEC;
    REC(LBL("%s connect AF_UNSPEC", F),
        connect(r, (struct sockaddr*)&un, sizeof(un)));
    sl = sizeof(ss);
    REC(LBL("%s getpeername after AF_UNSPEC", F),
        getpeername(r, (struct sockaddr*)&ss, &sl));
    REC(LBL("%s send after AF_UNSPEC", F), send(r, "x", 1, 0));
    /* An ephemeral (port 0) bind is undone by the disconnect. */
    sl = sizeof(ss);
    REC(LBL("%s getsockname after AF_UNSPEC", F),
        getsockname(r, (struct sockaddr*)&ss, &sl));
    note_addr(L, &ss, sl);
    /* s is still connected to the old port: its datagram is refused. */
    REC(LBL("%s send to released port", F), send(s, "x", 1, 0));
    REC(LBL("%s send after refusal", F), send(s, "x", 1, 0));
    REC(LBL("%s close old receiver", F), close(r));
    r = make_server(LBL("%s receiver 2", F), family, SOCK_DGRAM, &ra, &ral);
    REC(LBL("%s reconnect sender", F), connect(s, (struct sockaddr*)&ra, ral));
  }

  /* sendmmsg / recvmmsg. */
  {
    enum { K = 4 };
    static const size_t sizes[K] = {1, 500, 1400, 64};
    static unsigned char bufs[K][1500];
    struct iovec iov[K];
    struct mmsghdr mm[K];
    memset(mm, 0, sizeof(mm));
    for (int i = 0; i < K; ++i) {
      fill_pattern(bufs[i], sizes[i], 0, 100u + (unsigned)i);
      iov[i].iov_base = bufs[i];
      iov[i].iov_len = sizes[i];
      mm[i].msg_hdr.msg_iov = &iov[i];
      mm[i].msg_hdr.msg_iovlen = 1;
    }
    REC(LBL("%s sendmmsg 4", F), sendmmsg(s, mm, K, 0));
    for (int i = 0; i < K; ++i)
      note("%s sendmmsg[%d].msg_len %u", F, i, mm[i].msg_len);

    static unsigned char rb[K][2000];
    struct iovec riov[K];
    struct sockaddr_storage names[K];
    struct mmsghdr rm[K];
    memset(rm, 0, sizeof(rm));
    for (int i = 0; i < K; ++i) {
      riov[i].iov_base = rb[i];
      riov[i].iov_len = sizeof(rb[i]);
      rm[i].msg_hdr.msg_iov = &riov[i];
      rm[i].msg_hdr.msg_iovlen = 1;
      rm[i].msg_hdr.msg_name = &names[i];
      rm[i].msg_hdr.msg_namelen = sizeof(names[i]);
    }
    note("%s poll before recvmmsg: %#x", F, wait_for(r, POLLIN, 5000));
    int got = (int)REC(LBL("%s recvmmsg 4", F), recvmmsg(r, rm, K, 0, NULL));
    for (int i = 0; i < got && i < K; ++i) {
      note(
          "%s recvmmsg[%d]: len %u namelen %u from sender %d flags %#x "
          "checksum %016llx match %d",
          F, i, rm[i].msg_len, (unsigned)rm[i].msg_hdr.msg_namelen,
          port_of(&names[i]) == port_of(&sa), rm[i].msg_hdr.msg_flags,
          (unsigned long long)fnv1a(FNV_INIT, rb[i], rm[i].msg_len),
          rm[i].msg_len == sizes[i] && memcmp(rb[i], bufs[i], sizes[i]) == 0);
    }
    /* Fewer queued than asked, MSG_WAITFORONE: returns what is there. */
    REC(LBL("%s sendmmsg 2", F), sendmmsg(s, mm, 2, 0));
    wait_for(r, POLLIN, 5000);
    got = (int)REC(LBL("%s recvmmsg WAITFORONE", F),
                   recvmmsg(r, rm, K, MSG_WAITFORONE, NULL));
    REC(LBL("%s recvmmsg empty DONTWAIT", F),
        recvmmsg(r, rm, K, MSG_DONTWAIT, NULL));
  }

  REC(LBL("%s close sender", F), close(s));
  REC(LBL("%s close receiver", F), close(r));
#undef LBL
}

int main(void) {
  st_init();
  run_family(AF_INET);
  run_family(AF_INET6);
  note("done");
  return 0;
}
