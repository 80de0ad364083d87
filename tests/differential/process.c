/* Processes and descriptors: fork with both processes using one socket,
 * sockets created in a child, exec with inherited sockets (the exec-ed
 * program accepts on an inherited listener), close-on-exec in all its
 * forms (SOCK_CLOEXEC, accept4, dup3 O_CLOEXEC, F_DUPFD_CLOEXEC, F_SETFD,
 * close_range CLOSE_RANGE_CLOEXEC), dup/dup2/dup3/F_DUPFD onto live
 * sockets (the peer sees EOF only when the last reference goes) and
 * close_range. Every fd number is printed: they must match native.
 *
 * Ordering between processes: one process prints while the other waits on
 * a pipe, or the parent records silently until the child is reaped. */
#include <linux/close_range.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "difftest.h"

static void reap(const char* label, pid_t pid) {
  int st = 0;
  pid_t r = waitpid(pid, &st, 0);
  note("%s: reaped %d exited %d status %d signaled %d", label, r == pid,
       WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st));
}

/* One byte over a pipe: the turn passes to the other process. */
static void give(int fd) {
  fflush(stdout);
  if (write(fd, "t", 1) != 1) die("pipe write");
}
static void take(int fd) {
  char t;
  if (read(fd, &t, 1) != 1) die("pipe read");
}

static void recv_note(const char* label, int fd, size_t n) {
  char buf[64];
  memset(buf, 0, sizeof(buf));
  if (n > sizeof(buf) - 1) n = sizeof(buf) - 1;
  long r = REC(label, recv_all(fd, buf, n));
  note("%s: '%.*s'", label, r > 0 ? (int)r : 0, buf);
}

static void peer_state(const char* label, int fd) {
  char buf[16];
  wait_for(fd, POLLIN, 200);
  REC(label, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
}

/* ---- fork: both processes send and receive on one socket ---- */
SCENARIO(fork_both_use_socket) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  note("fds: listener %d client %d accepted %d", l, c, a);
  int p2c[2], c2p[2];
  REC("pipe p2c", pipe(p2c));
  REC("pipe c2p", pipe(c2p));
  pid_t pid = fork();
  if (pid == 0) {
    take(p2c[0]);
    REC("child send", send(c, "from-child", 10, 0));
    give(c2p[1]);
    take(p2c[0]);
    recv_note("child recv", c, 8);
    REC("child close client", close(c));
    REC("child close accepted", close(a));
    REC("child close listener", close(l));
    REC("child send after close", send(c, "x", 1, 0));
    int n = (int)REC("child new socket", socket(AF_INET, SOCK_STREAM, 0));
    note("child new socket takes %s", n == c ? "client's number" : "another");
    fflush(stdout);
    _exit(0);
  }
  give(p2c[1]);
  take(c2p[0]);
  recv_note("server recv child's", a, 10);
  REC("parent send", send(c, "from-parent", 11, 0));
  recv_note("server recv parent's", a, 11);
  REC("server send to child", send(a, "to-child", 8, 0));
  give(p2c[1]);
  reap("child", pid);
  /* The child's close did not end the connection: the parent holds it. */
  peer_state("server recv after child closed", a);
  REC("server send to parent", send(a, "to-parent", 9, 0));
  recv_note("parent recv", c, 9);
  REC("parent close client", close(c));
  peer_state("server recv after last close", a);
  REC("close accepted", close(a));
  REC("close listener", close(l));
  REC("close pipes",
      close(p2c[0]) | close(p2c[1]) | close(c2p[0]) | close(c2p[1]));
}

/* ---- fork: sockets created in the child ---- */
SCENARIO(socket_created_in_child) {
  struct sockaddr_storage la, ua;
  socklen_t lal, ual;
  int l = make_server("listener", AF_INET6, SOCK_STREAM, &la, &lal);
  int u = make_server("udp", AF_INET, SOCK_DGRAM, &ua, &ual);
  pid_t pid = fork();
  if (pid == 0) {
    int c = (int)REC("child socket", socket(AF_INET6, SOCK_STREAM, 0));
    note("child socket fd %d", c);
    REC("child connect", connect(c, (struct sockaddr*)&la, lal));
    REC("child send", send(c, "child-made", 10, 0));
    REC("child shutdown SHUT_WR", shutdown(c, SHUT_WR));
    recv_note("child recv echo", c, 10);
    REC("child recv EOF", recv(c, &(char){0}, 1, 0));
    int s = (int)REC("child udp socket", socket(AF_INET, SOCK_DGRAM, 0));
    note("child udp fd %d", s);
    REC("child udp sendto",
        sendto(s, "child-dgram", 11, 0, (struct sockaddr*)&ua, ual));
    int d = (int)REC("child dup", dup(s));
    note("child dup fd %d", d);
    REC("child close udp", close(s));
    REC("child udp send via dup",
        sendto(d, "via-dup", 7, 0, (struct sockaddr*)&ua, ual));
    REC("child close dup", close(d));
    REC("child close", close(c));
    fflush(stdout);
    _exit(0);
  }
  /* Silent until the child is reaped. */
  int a = accept(l, NULL, NULL);
  int ae = a < 0 ? errno : 0;
  char buf[32];
  memset(buf, 0, sizeof(buf));
  long n = recv_all(a, buf, sizeof(buf));
  long e = send_all(a, buf, n > 0 ? (size_t)n : 0);
  long cl = close(a);
  reap("child", pid);
  note("parent accept fd %d %s got %ld '%.*s' echoed %ld close %ld", a,
       st_errname(ae), n, n > 0 ? (int)n : 0, buf, e, cl);
  for (int i = 0; i < 2; ++i) {
    memset(buf, 0, sizeof(buf));
    struct sockaddr_storage from;
    socklen_t fl = sizeof(from);
    n = REC("parent udp recvfrom", recvfrom(u, buf, sizeof(buf), MSG_DONTWAIT,
                                            (struct sockaddr*)&from, &fl));
    note("parent udp got '%.*s'", n > 0 ? (int)n : 0, buf);
    if (n > 0) note_addr("parent udp from", &from, fl);
  }
  REC("close udp", close(u));
  REC("close listener", close(l));
}

/* ---- exec: inherited sockets and close-on-exec ---- */

enum {
  E_LISTENER,      /* plain: survives */
  E_SOCK_CLOEXEC,  /* socket(SOCK_CLOEXEC): gone */
  E_SETFD,         /* fcntl(F_SETFD, FD_CLOEXEC): gone */
  E_CLEARED,       /* SOCK_CLOEXEC, then F_SETFD 0: survives */
  E_DUP3,          /* dup3(O_CLOEXEC): gone */
  E_DUPFD_CLOEXEC, /* F_DUPFD_CLOEXEC: gone */
  E_DUPFD,         /* F_DUPFD: survives */
  E_ACCEPT4,       /* accept4(SOCK_CLOEXEC): gone */
  E_ACCEPTED,      /* accept: survives */
  E_RANGE1,        /* close_range(CLOSE_RANGE_CLOEXEC): gone */
  E_RANGE2,        /* ditto */
  E_UDP,           /* connected UDP: survives */
  E_COUNT
};
static const char* const kExecNames[E_COUNT] = {
    "listener",      "SOCK_CLOEXEC",         "F_SETFD",
    "cleared",       "dup3 O_CLOEXEC",       "F_DUPFD_CLOEXEC",
    "F_DUPFD",       "accept4 SOCK_CLOEXEC", "accepted",
    "close_range 1", "close_range 2",        "udp"};

static void exec_child(void) {
  int fds[E_COUNT];
  for (int i = 0; i < E_COUNT; ++i) fds[i] = atoi(st_argv[3 + i]);
  for (int i = 0; i < E_COUNT; ++i) {
    char l[96];
    snprintf(l, sizeof(l), "exec child F_GETFD %s (fd %d)", kExecNames[i],
             fds[i]);
    if (REC(l, fcntl(fds[i], F_GETFD)) < 0) continue;
    int t = -1;
    socklen_t tl = sizeof(t);
    snprintf(l, sizeof(l), "exec child SO_TYPE %s", kExecNames[i]);
    REC(l, getsockopt(fds[i], SOL_SOCKET, SO_TYPE, &t, &tl));
    note("%s: %d", l, t);
  }
  /* New descriptors fill the holes close-on-exec left. */
  int n1 = (int)REC("exec child socket", socket(AF_INET, SOCK_DGRAM, 0));
  int n2 = (int)REC("exec child dup", dup(n1));
  note("exec child new fds %d %d", n1, n2);
  int l = fds[E_LISTENER];
  int a = (int)REC("exec child accept", accept(l, NULL, NULL));
  note("exec child accepted fd %d", a);
  recv_note("exec child recv", a, 9);
  REC("exec child echo", send(a, "exec-echo", 9, 0));
  REC("exec child close accepted", close(a));
  REC("exec child send on inherited accepted",
      send(fds[E_ACCEPTED], "inherited", 9, 0));
  REC("exec child udp send", send(fds[E_UDP], "udp-exec", 8, 0));
  REC("exec child close_range all", close_range(3, ~0u, 0));
  REC("exec child F_GETFD listener after close_range", fcntl(l, F_GETFD));
}

SCENARIO(exec_inherits_listener) {
  if (st_argc > 2 && strcmp(st_argv[2], "child") == 0) {
    exec_child();
    return;
  }
  int fds[E_COUNT];
  struct sockaddr_storage la, ua, xa;
  socklen_t lal, ual, xal;
  fds[E_LISTENER] = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  fds[E_SOCK_CLOEXEC] = (int)REC(
      "socket SOCK_CLOEXEC", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  fds[E_SETFD] =
      (int)REC("socket for F_SETFD", socket(AF_INET6, SOCK_DGRAM, 0));
  REC("F_SETFD FD_CLOEXEC", fcntl(fds[E_SETFD], F_SETFD, FD_CLOEXEC));
  fds[E_CLEARED] = (int)REC("socket SOCK_CLOEXEC to clear",
                            socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REC("F_SETFD 0", fcntl(fds[E_CLEARED], F_SETFD, 0));
  fds[E_DUP3] =
      (int)REC("dup3 O_CLOEXEC -> 40", dup3(fds[E_LISTENER], 40, O_CLOEXEC));
  fds[E_DUPFD_CLOEXEC] = (int)REC("F_DUPFD_CLOEXEC >= 40",
                                  fcntl(fds[E_LISTENER], F_DUPFD_CLOEXEC, 40));
  fds[E_DUPFD] = (int)REC("F_DUPFD >= 40", fcntl(fds[E_LISTENER], F_DUPFD, 40));
  int x = make_server("other listener", AF_INET, SOCK_STREAM, &xa, &xal);
  int c1 = (int)REC("client 1", socket(AF_INET, SOCK_STREAM, 0));
  REC("connect 1", connect(c1, (struct sockaddr*)&xa, xal));
  fds[E_ACCEPT4] =
      (int)REC("accept4 SOCK_CLOEXEC", accept4(x, NULL, NULL, SOCK_CLOEXEC));
  int c2 = (int)REC("client 2", socket(AF_INET, SOCK_STREAM, 0));
  REC("connect 2", connect(c2, (struct sockaddr*)&xa, xal));
  fds[E_ACCEPTED] = (int)REC("accept", accept(x, NULL, NULL));
  fds[E_RANGE1] = (int)REC("dup2 -> 50", dup2(fds[E_LISTENER], 50));
  fds[E_RANGE2] = (int)REC("socket -> dup2 51", dup2(c1, 51));
  REC("close_range 50..51 CLOEXEC", close_range(50, 51, CLOSE_RANGE_CLOEXEC));
  int ur = make_server("udp receiver", AF_INET, SOCK_DGRAM, &ua, &ual);
  fds[E_UDP] = (int)REC("udp sender", socket(AF_INET, SOCK_DGRAM, 0));
  REC("udp connect", connect(fds[E_UDP], (struct sockaddr*)&ua, ual));
  for (int i = 0; i < E_COUNT; ++i) {
    char l[96];
    snprintf(l, sizeof(l), "F_GETFD %s (fd %d)", kExecNames[i], fds[i]);
    REC(l, fcntl(fds[i], F_GETFD));
  }
  char* args[4 + E_COUNT];
  char nums[E_COUNT][16];
  args[0] = st_argv[0];
  args[1] = st_argv[1];
  args[2] = (char*)"child";
  for (int i = 0; i < E_COUNT; ++i) {
    snprintf(nums[i], sizeof(nums[i]), "%d", fds[i]);
    args[3 + i] = nums[i];
  }
  args[3 + E_COUNT] = NULL;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execv("/proc/self/exe", args);
    printf("FATAL execv: %s\n", st_errname(errno));
    fflush(stdout);
    _exit(127);
  }
  /* Silent until the child is reaped. */
  int c = socket(AF_INET, SOCK_STREAM, 0);
  int rc = connect(c, (struct sockaddr*)&la, lal);
  long se = send(c, "exec-ping", 9, 0);
  char buf[32];
  memset(buf, 0, sizeof(buf));
  long n = recv_all(c, buf, 9);
  char buf2[32];
  memset(buf2, 0, sizeof(buf2));
  long n2 = recv_all(c2, buf2, 9);
  reap("exec child", pid);
  note("parent: connect %d send %ld echo %ld '%.*s'", rc, se, n,
       n > 0 ? (int)n : 0, buf);
  note("parent: via inherited accepted %ld '%.*s'", n2, n2 > 0 ? (int)n2 : 0,
       buf2);
  memset(buf, 0, sizeof(buf));
  n = REC("udp recv from exec child", recv(ur, buf, sizeof(buf), MSG_DONTWAIT));
  note("udp: '%.*s'", n > 0 ? (int)n : 0, buf);
  /* The parent's copies are all still open. */
  for (int i = 0; i < E_COUNT; ++i) {
    char l[96];
    snprintf(l, sizeof(l), "parent close %s", kExecNames[i]);
    REC(l, close(fds[i]));
  }
  REC("close c", close(c));
  REC("close c1", close(c1));
  REC("close c2", close(c2));
  REC("close other listener", close(x));
  REC("close udp receiver", close(ur));
}

/* ---- dup family onto live sockets ---- */
SCENARIO(dup2_over_live_socket) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a1, a2, a3;
  int c1 = make_pair("pair 1", l, AF_INET, &la, lal, &a1);
  int c2 = make_pair("pair 2", l, AF_INET, &la, lal, &a2);
  int c3 = make_pair("pair 3", l, AF_INET, &la, lal, &a3);
  note("fds: c1 %d c2 %d c3 %d a1 %d a2 %d a3 %d", c1, c2, c3, a1, a2, a3);
  int d1 = (int)REC("dup c1", dup(c1));
  note("dup c1 -> %d", d1);
  /* c1's connection is still referenced by d1: no EOF at a1. */
  REC("dup2 c2 over c1", dup2(c2, c1));
  peer_state("a1 after dup2 over c1", a1);
  REC("send via c1 (now conn 2)", send(c1, "two", 3, 0));
  recv_note("a2 recv", a2, 3);
  REC("send via d1 (conn 1)", send(d1, "one", 3, 0));
  recv_note("a1 recv", a1, 3);
  REC("close d1", close(d1));
  peer_state("a1 after last reference closed", a1);
  /* dup3 over the last reference: EOF at once. */
  REC("dup3 c2 over c3 O_CLOEXEC", dup3(c2, c3, O_CLOEXEC));
  REC("F_GETFD c3", fcntl(c3, F_GETFD));
  peer_state("a3 after dup3 over last reference", a3);
  REC("send via c3 (now conn 2)", send(c3, "2b", 2, 0));
  recv_note("a2 recv via c3", a2, 2);
  /* F_DUPFD onto occupied numbers picks the next free one. */
  int f1 = (int)REC("F_DUPFD >= c1", fcntl(c2, F_DUPFD, c1));
  int f2 = (int)REC("F_DUPFD_CLOEXEC >= 0", fcntl(c2, F_DUPFD_CLOEXEC, 0));
  note("F_DUPFD fds %d %d", f1, f2);
  REC("F_GETFD f1", fcntl(f1, F_GETFD));
  REC("F_GETFD f2", fcntl(f2, F_GETFD));
  /* dup2 of a socket over a pipe and a pipe over a socket. */
  int p[2];
  REC("pipe", pipe(p));
  REC("dup2 socket over pipe end", dup2(c2, p[0]));
  REC("send via former pipe end", send(p[0], "pp", 2, 0));
  recv_note("a2 recv via former pipe", a2, 2);
  REC("dup2 pipe over c1", dup2(p[1], c1));
  REC("send on c1 now a pipe", send(c1, "x", 1, 0));
  REC("write on c1 now a pipe", write(c1, "", 0));
  /* Closing everything naming conn 2 one by one: EOF only at the last. */
  REC("close c2", close(c2));
  REC("close c3", close(c3));
  REC("close f1", close(f1));
  peer_state("a2 while references remain", a2);
  REC("close f2", close(f2));
  REC("close p[0] (conn 2)", close(p[0]));
  peer_state("a2 after the last reference", a2);
  REC("close c1 (pipe)", close(c1));
  REC("close p[1]", close(p[1]));
  REC("close a1", close(a1));
  REC("close a2", close(a2));
  REC("close a3", close(a3));
  REC("close listener", close(l));
}

/* ---- close_range over sockets ---- */
SCENARIO(close_range_sockets) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int c[4], a[4];
  for (int i = 0; i < 4; ++i) {
    char t[16];
    snprintf(t, sizeof(t), "pair %d", i);
    c[i] = make_pair(t, l, AF_INET, &la, lal, &a[i]);
  }
  /* Move the clients to 20..23, the accepted ends stay low. */
  for (int i = 0; i < 4; ++i) {
    char t[32];
    snprintf(t, sizeof(t), "dup2 client %d -> %d", i, 20 + i);
    REC(t, dup2(c[i], 20 + i));
    snprintf(t, sizeof(t), "close client %d", i);
    REC(t, close(c[i]));
    c[i] = 20 + i;
  }
  int keep = (int)REC("dup client 3 -> 30", dup2(c[3], 30));
  REC("close_range 20..23 CLOEXEC", close_range(20, 23, CLOSE_RANGE_CLOEXEC));
  REC("F_GETFD 21", fcntl(21, F_GETFD));
  REC("send on 21 after CLOEXEC", send(21, "ok", 2, 0));
  recv_note("a1 recv", a[1], 2);
  REC("close_range 20..23 UNSHARE", close_range(20, 21, CLOSE_RANGE_UNSHARE));
  REC("close_range 22..29", close_range(22, 29, 0));
  for (int i = 0; i < 4; ++i) {
    char t[32];
    snprintf(t, sizeof(t), "F_GETFD %d", c[i]);
    REC(t, fcntl(c[i], F_GETFD));
    snprintf(t, sizeof(t), "peer %d", i);
    peer_state(t, a[i]);
  }
  REC("send via kept dup", send(keep, "kept", 4, 0));
  recv_note("a3 recv", a[3], 4);
  int n = (int)REC("new socket", socket(AF_INET, SOCK_STREAM, 0));
  int m = (int)REC("dup2 new socket -> 21", dup2(n, 21));
  REC("getsockopt on 21",
      getsockopt(m, SOL_SOCKET, SO_TYPE, &(int){0}, &(socklen_t){sizeof(int)}));
  REC("close_range 21..30", close_range(21, 30, 0));
  REC("close new socket", close(n));
  REC("F_GETFD 21 after", fcntl(21, F_GETFD));
  REC("F_GETFD kept after", fcntl(keep, F_GETFD));
  peer_state("a3 after kept dup closed", a[3]);
  REC("close_range with bad flags", close_range(3, 4, 0x80));
  for (int i = 0; i < 4; ++i) {
    char t[32];
    snprintf(t, sizeof(t), "close a%d", i);
    REC(t, close(a[i]));
  }
  REC("close listener", close(l));
}

/* ---- O_NONBLOCK belongs to the open file: a child's fcntl or FIONBIO
 * changes the parent's socket too ---- */
SCENARIO(child_sets_nonblock) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  REC("F_GETFL client", fcntl(c, F_GETFL));
  REC("F_GETFL listener", fcntl(l, F_GETFL));
  pid_t pid = fork();
  if (pid == 0) {
    REC("child F_SETFL O_NONBLOCK client", fcntl(c, F_SETFL, O_NONBLOCK));
    int on = 1;
    REC("child FIONBIO listener", ioctl(l, FIONBIO, &on));
    REC("child recv", recv(c, &(char){0}, 1, 0));
    fflush(stdout);
    _exit(0);
  }
  reap("child", pid);
  REC("parent F_GETFL client", fcntl(c, F_GETFL));
  REC("parent F_GETFL listener", fcntl(l, F_GETFL));
  REC("parent recv (now non-blocking)", recv(c, &(char){0}, 1, 0));
  REC("parent accept (now non-blocking)", accept(l, NULL, NULL));
  REC("parent F_SETFL 0 client", fcntl(c, F_SETFL, 0));
  REC("peer send", send(a, "z", 1, 0));
  char ch = 0;
  REC("parent recv (blocking again)", recv(c, &ch, 1, 0));
  note("got '%c'", ch);
  REC("close client", close(c));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* ---- posix_spawn: file actions place a socket at a chosen number in the
 * child (glibc runs them with its internal dup2/close, in a CLONE_VFORK
 * child sharing our memory) ---- */
extern char** environ;

static void spawn_child(void) {
  REC("spawn child F_GETFD 10", fcntl(10, F_GETFD));
  int t = -1;
  socklen_t tl = sizeof(t);
  REC("spawn child SO_TYPE 10", getsockopt(10, SOL_SOCKET, SO_TYPE, &t, &tl));
  note("type %d", t);
  struct sockaddr_storage p;
  socklen_t pl = sizeof(p);
  REC("spawn child getpeername 10", getpeername(10, (struct sockaddr*)&p, &pl));
  note_addr("spawn child peer", &p, pl);
  REC("spawn child send 10", send(10, "spawned", 7, 0));
  REC("spawn child F_GETFD listener (closed by file action)",
      fcntl(atoi(st_argv[3]), F_GETFD));
  int u = (int)REC("spawn child socket", socket(AF_INET, SOCK_DGRAM, 0));
  note("spawn child new socket fd %d", u);
}

SCENARIO(posix_spawn_dup2_socket) {
  if (st_argc > 2 && strcmp(st_argv[2], "child") == 0) {
    spawn_child();
    return;
  }
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("pair", l, AF_INET, &la, lal, &a);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, c, 10);
  posix_spawn_file_actions_addclose(&fa, l);
  char lnum[16];
  snprintf(lnum, sizeof(lnum), "%d", l);
  char* args[] = {st_argv[0], st_argv[1], (char*)"child", lnum, NULL};
  fflush(stdout);
  pid_t pid = 0;
  int r = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (r != 0) {
    note("posix_spawn failed: %s", st_errname(r));
    return;
  }
  /* Silent until the child is reaped. */
  char buf[16];
  memset(buf, 0, sizeof(buf));
  long n = recv_all(a, buf, 7);
  reap("spawn child", pid);
  note("server got %ld '%.*s'", n, n > 0 ? (int)n : 0, buf);
  REC("parent F_GETFD 10", fcntl(10, F_GETFD));
  REC("parent listener still open", fcntl(l, F_GETFD));
  REC("parent send on client", send(c, "parent", 6, 0));
  memset(buf, 0, sizeof(buf));
  n = REC("server recv", recv_all(a, buf, 6));
  note("server got '%.*s'", n > 0 ? (int)n : 0, buf);
  REC("close client", close(c));
  REC("server recv EOF", recv(a, buf, sizeof(buf), 0));
  REC("close accepted", close(a));
  REC("close listener", close(l));
}

/* ---- exec with inherited sockets that were never bound: the exec-ed
 * program sends on the UDP one, connects one TCP socket and listens on
 * another (Linux binds each implicitly) ---- */
static void unbound_child(void) {
  int u = atoi(st_argv[3]), t = atoi(st_argv[4]), l = atoi(st_argv[5]);
  struct sockaddr_storage ua, la;
  socklen_t ual = sizeof(ua), lal = sizeof(la);
  memset(&ua, 0, sizeof(ua));
  memset(&la, 0, sizeof(la));
  struct sockaddr_in* a4 = (struct sockaddr_in*)&ua;
  a4->sin_family = AF_INET;
  a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a4->sin_port = htons((uint16_t)atoi(st_argv[6]));
  ual = sizeof(*a4);
  memcpy(&la, &ua, sizeof(*a4));
  ((struct sockaddr_in*)&la)->sin_port = htons((uint16_t)atoi(st_argv[7]));
  lal = sizeof(*a4);
  REC("exec child sendto on inherited unbound udp",
      sendto(u, "unbound", 7, 0, (struct sockaddr*)&ua, ual));
  struct sockaddr_storage me;
  socklen_t mel = sizeof(me);
  REC("exec child udp getsockname",
      getsockname(u, (struct sockaddr*)&me, &mel));
  note_addr("exec child udp bound to", &me, mel);
  REC("exec child connect inherited unbound tcp",
      connect(t, (struct sockaddr*)&la, lal));
  REC("exec child send on it", send(t, "tcp", 3, 0));
  REC("exec child listen on inherited unbound tcp", listen(l, 4));
  mel = sizeof(me);
  REC("exec child listener getsockname",
      getsockname(l, (struct sockaddr*)&me, &mel));
  note_addr("exec child listener", &me, mel);
  int c = (int)REC("exec child socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("exec child connect to own listener",
      connect(c, (struct sockaddr*)&me, mel));
  int a = (int)REC("exec child accept", accept(l, NULL, NULL));
  note("exec child accepted fd %d", a);
  REC("exec child close all",
      close(a) | close(c) | close(l) | close(t) | close(u));
}

SCENARIO(exec_inherits_unbound_sockets) {
  if (st_argc > 2 && strcmp(st_argv[2], "child") == 0) {
    unbound_child();
    return;
  }
  struct sockaddr_storage ua, la;
  socklen_t ual, lal;
  int ur = make_server("udp receiver", AF_INET, SOCK_DGRAM, &ua, &ual);
  int ls = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int u = (int)REC("unbound udp", socket(AF_INET, SOCK_DGRAM, 0));
  int t = (int)REC("unbound tcp", socket(AF_INET, SOCK_STREAM, 0));
  int l = (int)REC("unbound tcp to listen", socket(AF_INET, SOCK_STREAM, 0));
  char n[5][16];
  snprintf(n[0], sizeof(n[0]), "%d", u);
  snprintf(n[1], sizeof(n[1]), "%d", t);
  snprintf(n[2], sizeof(n[2]), "%d", l);
  snprintf(n[3], sizeof(n[3]), "%d", port_of(&ua));
  snprintf(n[4], sizeof(n[4]), "%d", port_of(&la));
  char* args[] = {st_argv[0], st_argv[1], (char*)"child", n[0], n[1],
                  n[2],       n[3],       n[4],           NULL};
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execv("/proc/self/exe", args);
    printf("FATAL execv: %s\n", st_errname(errno));
    fflush(stdout);
    _exit(127);
  }
  /* Silent until the child is reaped. */
  int a = accept(ls, NULL, NULL);
  char buf[16];
  memset(buf, 0, sizeof(buf));
  long got = a >= 0 ? recv_all(a, buf, 3) : -1;
  reap("exec child", pid);
  note("parent accepted %d got %ld '%.*s'", a >= 0, got, got > 0 ? (int)got : 0,
       buf);
  memset(buf, 0, sizeof(buf));
  got = REC("udp recv", recv(ur, buf, sizeof(buf), MSG_DONTWAIT));
  note("udp got '%.*s'", got > 0 ? (int)got : 0, buf);
  if (a >= 0) REC("close accepted", close(a));
  REC("close parent copies", close(u) | close(t) | close(l));
  REC("close receiver", close(ur));
  REC("close listener", close(ls));
}

/* ---- descriptor limits: EMFILE from socket, accept and dup; F_DUPFD and
 * dup2 past the limit ---- */
SCENARIO(descriptor_limit) {
  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int c0 = (int)REC("client socket", socket(AF_INET, SOCK_STREAM, 0));
  REC("connect (pending in the queue)",
      connect(c0, (struct sockaddr*)&la, lal));
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  struct rlimit low = {16, rl.rlim_max};
  REC("setrlimit NOFILE 16", setrlimit(RLIMIT_NOFILE, &low));
  int fds[32];
  int n = 0;
  for (; n < 32; ++n) {
    fds[n] =
        socket(n % 2 ? AF_INET6 : AF_INET, n % 3 ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (fds[n] < 0) break;
  }
  note("sockets until the limit: %d, last fd %d, then %s", n,
       n > 0 ? fds[n - 1] : -1, st_errname(errno));
  REC("socket at the limit", socket(AF_INET, SOCK_STREAM, 0));
  REC("accept at the limit", accept(l, NULL, NULL));
  REC("accept4 at the limit", accept4(l, NULL, NULL, SOCK_CLOEXEC));
  REC("dup at the limit", dup(l));
  REC("F_DUPFD at the limit", fcntl(l, F_DUPFD, 0));
  REC("F_DUPFD past the limit", fcntl(l, F_DUPFD, 16));
  REC("dup2 past the limit", dup2(l, 20));
  REC("dup3 past the limit", dup3(l, 20, O_CLOEXEC));
  REC("close one", close(fds[n - 1]));
  int a = (int)REC("accept after a close", accept(l, NULL, NULL));
  note("accepted takes the freed number: %d", n > 0 && a == fds[n - 1]);
  REC("send on accepted", send(a, "ok", 2, 0));
  char buf[4] = {0};
  REC("client recv", recv(c0, buf, sizeof(buf), 0));
  for (int i = 0; i < n - 1; ++i) close(fds[i]);
  REC("setrlimit back", setrlimit(RLIMIT_NOFILE, &rl));
  REC("close accepted", close(a));
  REC("close client", close(c0));
  REC("close listener", close(l));
}

DIFFTEST_MAIN()
