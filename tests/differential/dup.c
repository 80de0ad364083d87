/* Scenario dup: descriptor bookkeeping — dup/dup2/dup3/F_DUPFD/
 * F_DUPFD_CLOEXEC of a connected socket, closing the original, dup2 onto a
 * live socket, close_range over sockets and reuse of those numbers by new
 * sockets and by a regular file, fdopen/fclose of a socket. */
#include <linux/close_range.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "difftest.h"

static int g_srv; /* accepted end of the main connection */

/* Sends `tag` through fd and checks it arrives at g_srv. */
static void through(const char* label, int fd, const char* tag) {
  char l[128];
  snprintf(l, sizeof(l), "%s send", label);
  REC(l, send(fd, tag, strlen(tag), 0));
  char buf[64];
  memset(buf, 0, sizeof(buf));
  snprintf(l, sizeof(l), "%s server recv", label);
  long n = REC(l, recv_all(g_srv, buf, strlen(tag)));
  note("%s: server got '%.*s'", label, n > 0 ? (int)n : 0, buf);
}

static void type_of(const char* label, int fd) {
  int t = -1;
  socklen_t tl = sizeof(t);
  if (REC(label, getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tl)) == 0) {
    note("%s: %d", label, t);
  }
}

/* A file with known contents; returns its path. */
static const char* make_file(void) {
  static char path[] = "/tmp/lxwsk-shim-dup-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) die("mkstemp");
  const char* text = "regular file contents\n";
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die("write file");
  close(fd);
  return path;
}

static void read_file(const char* label, int fd) {
  char buf[64];
  memset(buf, 0, sizeof(buf));
  long n = REC(label, read(fd, buf, sizeof(buf) - 1));
  note("%s: '%.*s'", label, n > 0 ? (int)n - 1 : 0, buf);
}

/* close_range over four sockets with consecutive numbers, then reuse of
 * those numbers by new sockets and a regular file. Runs first, while the
 * low numbers are free. */
static void close_range_reuse(const char* path) {
  char buf[64];
  long n;
  int s[4];
  s[0] = (int)REC("cr socket 0", socket(AF_INET, SOCK_STREAM, 0));
  s[1] = (int)REC("cr socket 1", socket(AF_INET, SOCK_DGRAM, 0));
  s[2] = (int)REC("cr socket 2", socket(AF_INET6, SOCK_STREAM, 0));
  s[3] = (int)REC("cr socket 3", socket(AF_INET6, SOCK_DGRAM, 0));
  for (int i = 1; i < 4; ++i) {
    if (s[i] != s[0] + i)
      die("cr sockets are not consecutive (inherited fds?)");
  }
  REC("cr dup2 -> 60", dup2(s[0], 60));
  REC("cr close_range", close_range((unsigned)s[0], (unsigned)s[3], 0));
  REC("cr close_range high", close_range(60, 99, 0));
  for (int i = 0; i < 4; ++i) {
    char l[64];
    snprintf(l, sizeof(l), "cr F_GETFD %d", i);
    REC(l, fcntl(s[i], F_GETFD));
  }
  REC("cr F_GETFD 60", fcntl(60, F_GETFD));
  REC("cr send on closed", send(s[1], "x", 1, 0));
  /* New sockets get the lowest numbers again: a UDP socket talking to
   * itself through the reused number. */
  int r = (int)REC("cr new udp", socket(AF_INET, SOCK_DGRAM, 0));
  note("cr new udp reuses first number: %d", r == s[0]);
  struct sockaddr_storage me;
  socklen_t mel = loopback(AF_INET, &me);
  REC("cr bind", bind(r, (struct sockaddr*)&me, mel));
  mel = sizeof(me);
  REC("cr getsockname", getsockname(r, (struct sockaddr*)&me, &mel));
  REC("cr sendto self", sendto(r, "self", 4, 0, (struct sockaddr*)&me, mel));
  memset(buf, 0, sizeof(buf));
  n = REC("cr recv self", recv(r, buf, sizeof(buf), 0));
  note("cr recv self: '%.*s'", n > 0 ? (int)n : 0, buf);
  type_of("cr SO_TYPE new udp", r);
  /* A regular file at the next reused number (was a UDP socket). */
  int f = (int)REC("cr open file", open(path, O_RDONLY));
  note("cr file reuses second number: %d", f == s[1]);
  read_file("cr read file", f);
  REC("cr lseek", lseek(f, 0, SEEK_SET));
  REC("cr fcntl F_GETFL file", fcntl(f, F_GETFL));
  REC("cr send on file", send(f, "x", 1, 0));
  /* A file placed at 60 by dup2. */
  REC("cr dup2 file -> 60", dup2(f, 60));
  read_file("cr read 60", 60);
  REC("cr close 60", close(60));
  /* CLOSE_RANGE_CLOEXEC leaves the sockets usable. */
  REC("cr CLOEXEC", close_range((unsigned)r, (unsigned)r, CLOSE_RANGE_CLOEXEC));
  REC("cr F_GETFD after CLOEXEC", fcntl(r, F_GETFD));
  REC("cr sendto after CLOEXEC",
      sendto(r, "again", 5, 0, (struct sockaddr*)&me, mel));
  n = REC("cr recv after CLOEXEC", recv(r, buf, sizeof(buf), 0));
  REC("cr close file", close(f));
  REC("cr close udp", close(r));
  REC("cr close_range empty", close_range(200, 300, 0));
  REC("cr close_range bad", close_range(10, 5, 0));
}

int main(void) {
  st_init();
  signal(SIGPIPE, SIG_IGN);
  const char* path = make_file();
  int base = count_fds();
  close_range_reuse(path);

  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int c = make_pair("conn", l, AF_INET, &la, lal, &g_srv);

  /* ---- the dup family ---- */
  int d1 = (int)REC("dup", dup(c));
  int d2 = (int)REC("dup2 -> 20", dup2(c, 20));
  int d3 = (int)REC("dup3 -> 21 O_CLOEXEC", dup3(c, 21, O_CLOEXEC));
  int d4 = (int)REC("F_DUPFD >= 30", fcntl(c, F_DUPFD, 30));
  int d5 = (int)REC("F_DUPFD_CLOEXEC >= 40", fcntl(c, F_DUPFD_CLOEXEC, 40));
  REC("F_GETFD dup", fcntl(d1, F_GETFD));
  REC("F_GETFD dup3", fcntl(d3, F_GETFD));
  REC("F_GETFD F_DUPFD", fcntl(d4, F_GETFD));
  REC("F_GETFD F_DUPFD_CLOEXEC", fcntl(d5, F_GETFD));
  REC("dup2 same fd", dup2(c, c));
  REC("dup3 same fd", dup3(c, c, 0));
  REC("dup3 bad flags", dup3(c, 22, 0x1234));
  REC("dup bad fd", dup(999));
  REC("dup2 bad fd", dup2(999, 23));
  REC("F_DUPFD bad fd", fcntl(999, F_DUPFD, 0));
  through("via dup", d1, "d1");
  through("via dup2", d2, "d2");
  through("via dup3", d3, "d3");
  through("via F_DUPFD", d4, "d4");
  through("via F_DUPFD_CLOEXEC", d5, "d5");

  /* O_NONBLOCK is shared by all duplicates (one open file description). */
  REC("F_SETFL O_NONBLOCK on dup", fcntl(d1, F_SETFL, O_NONBLOCK));
  REC("F_GETFL original", fcntl(c, F_GETFL));
  char buf[64];
  REC("recv original nonblocking", recv(c, buf, sizeof(buf), 0));
  REC("F_SETFL blocking on original", fcntl(c, F_SETFL, 0));
  REC("F_GETFL dup", fcntl(d1, F_GETFL));

  /* Close the original; the duplicates keep the connection. */
  REC("close original", close(c));
  REC("send on closed original", send(c, "x", 1, 0));
  through("dup after original closed", d1, "still");
  REC("close dup", close(d1));
  REC("close dup2", close(d2));
  REC("close dup3", close(d3));
  REC("close F_DUPFD", close(d4));
  through("last duplicate", d5, "last");
  type_of("SO_TYPE last duplicate", d5);
  REC("send back", send(g_srv, "back", 4, 0));
  memset(buf, 0, sizeof(buf));
  long n = REC("recv on last duplicate", recv_all(d5, buf, 4));
  note("recv on last duplicate: '%.*s'", n > 0 ? (int)n : 0, buf);

  /* ---- dup2 onto a live socket replaces it ---- */
  {
    struct sockaddr_storage ua;
    socklen_t ual;
    int u = make_server("udp", AF_INET, SOCK_DGRAM, &ua, &ual);
    type_of("SO_TYPE udp before", u);
    REC("dup2 tcp onto udp", dup2(d5, u));
    type_of("SO_TYPE after dup2", u);
    through("via replaced fd", u, "replaced");
    REC("close replaced fd", close(u));
    through("original still", d5, "ok");
    /* And a socket replaced by a regular file. */
    int u2 = (int)REC("udp socket 2", socket(AF_INET, SOCK_DGRAM, 0));
    int f = (int)REC("open file", open(path, O_RDONLY));
    REC("dup2 file onto udp", dup2(f, u2));
    read_file("read replaced by file", u2);
    REC("send on replaced by file", send(u2, "x", 1, 0));
    REC("close file", close(f));
    REC("close replaced by file", close(u2));
    /* And a file replaced by a socket. */
    f = (int)REC("open file again", open(path, O_RDONLY));
    REC("dup2 socket onto file", dup2(d5, f));
    through("via file replaced by socket", f, "onfile");
    REC("close file replaced by socket", close(f));
  }

  /* ---- fdopen + fclose of a socket ---- */
  {
    int s = (int)REC("fdopen dup", dup(d5));
    FILE* fp = fdopen(s, "r+");
    note("fdopen ok: %d", fp != NULL);
    if (fp != NULL) {
      fputs("stdio-line\n", fp);
      REC("fflush", fflush(fp));
      memset(buf, 0, sizeof(buf));
      n = REC("server recv stdio", recv_all(g_srv, buf, 11));
      note("server recv stdio: '%.*s'", n > 1 ? (int)n - 1 : 0, buf);
      REC("fclose", fclose(fp));
    }
    REC("F_GETFD after fclose", fcntl(s, F_GETFD));
    REC("send after fclose", send(s, "x", 1, 0));
    int f = (int)REC("open file at fclosed number", open(path, O_RDONLY));
    note("file reuses fclosed number: %d", f == s);
    read_file("read file after fclose", f);
    REC("close file", close(f));
    through("socket after fclose of its dup", d5, "alive");
    /* fdopen of the last reference: fclose closes the connection. */
    int s2 = (int)REC("fdopen dup 2", dup(d5));
    REC("close d5", close(d5));
    FILE* fp2 = fdopen(s2, "w");
    REC("fclose last ref", fp2 != NULL ? fclose(fp2) : -1);
    REC("server recv EOF", recv(g_srv, buf, sizeof(buf), 0));
    int f2 = (int)REC("open file at last-ref number", open(path, O_RDONLY));
    note("file reuses last-ref number: %d", f2 == s2);
    read_file("read file after last-ref fclose", f2);
    REC("close file 2", close(f2));
  }

  REC("close server", close(g_srv));
  REC("close listener", close(l));
  unlink(path);
  note("fds open at end: +%d", count_fds() - base);
  note("done");
  return 0;
}
