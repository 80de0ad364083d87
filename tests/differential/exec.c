/* Scenario exec: a listening socket without CLOEXEC survives execv of this
 * program in "child" mode, which accepts one connection and echoes; the
 * one created with SOCK_CLOEXEC (and one marked FD_CLOEXEC later) is gone
 * after the exec. A connected UDP socket is inherited too. */
#include <sys/wait.h>

#include "difftest.h"

static int child_main(int l, int l_cloexec, int l_fdcloexec, int u) {
  REC("child F_GETFD inherited listener", fcntl(l, F_GETFD));
  REC("child F_GETFD SOCK_CLOEXEC listener", fcntl(l_cloexec, F_GETFD));
  REC("child F_GETFD FD_CLOEXEC listener", fcntl(l_fdcloexec, F_GETFD));
  REC("child getsockopt on closed",
      getsockopt(l_cloexec, SOL_SOCKET, SO_TYPE, &(int){0},
                 &(socklen_t){sizeof(int)}));
  int v = -1;
  socklen_t vl = sizeof(v);
  REC("child SO_ACCEPTCONN", getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
  note("child SO_ACCEPTCONN: %d", v);
  vl = sizeof(v);
  REC("child SO_DOMAIN", getsockopt(l, SOL_SOCKET, SO_DOMAIN, &v, &vl));
  note("child SO_DOMAIN: %d", v);
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  REC("child getsockname", getsockname(l, (struct sockaddr*)&ss, &sl));
  note_addr("child getsockname", &ss, sl);

  int a = (int)REC("child accept", accept(l, NULL, NULL));
  char buf[64];
  memset(buf, 0, sizeof(buf));
  long n = REC("child recv", recv(a, buf, sizeof(buf), 0));
  note("child got '%.*s'", n > 0 ? (int)n : 0, buf);
  REC("child echo", send(a, buf, n > 0 ? (size_t)n : 0, 0));
  REC("child close accepted", close(a));

  /* Inherited connected UDP socket: send to its peer. */
  REC("child udp send", send(u, "udp-from-child", 14, 0));
  REC("child dup inherited", dup(u));
  REC("child close listener", close(l));
  REC("child close udp", close(u));
  note("child done");
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 6 && strcmp(argv[1], "child") == 0) {
    /* Still in the same process image's output: st_init again (the alarm
     * and the mode check belong to the new image). */
    st_init();
    return child_main(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
                      atoi(argv[5]));
  }
  st_init();

  struct sockaddr_storage la, la2, la3;
  socklen_t lal, lal2, lal3;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int l2 = make_server("cloexec listener", AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
                       &la2, &lal2);
  int l3 =
      make_server("fd_cloexec listener", AF_INET6, SOCK_STREAM, &la3, &lal3);
  REC("F_SETFD FD_CLOEXEC", fcntl(l3, F_SETFD, FD_CLOEXEC));
  REC("F_GETFD listener", fcntl(l, F_GETFD));
  REC("F_GETFD cloexec listener", fcntl(l2, F_GETFD));
  REC("F_GETFD fd_cloexec listener", fcntl(l3, F_GETFD));

  /* A connected UDP pair; the child gets one end. */
  struct sockaddr_storage ua;
  socklen_t ual;
  int ur = make_server("udp receiver", AF_INET, SOCK_DGRAM, &ua, &ual);
  int us = (int)REC("udp sender socket", socket(AF_INET, SOCK_DGRAM, 0));
  REC("udp connect", connect(us, (struct sockaddr*)&ua, ual));

  char a1[16], a2[16], a3[16], a4[16];
  snprintf(a1, sizeof(a1), "%d", l);
  snprintf(a2, sizeof(a2), "%d", l2);
  snprintf(a3, sizeof(a3), "%d", l3);
  snprintf(a4, sizeof(a4), "%d", us);
  char* args[] = {argv[0], "child", a1, a2, a3, a4, NULL};

  pid_t pid = fork();
  if (pid == 0) {
    execv("/proc/self/exe", args);
    printf("FATAL execv: %s\n", st_errname(errno));
    fflush(stdout);
    _exit(127);
  }
  /* Record silently until the child is reaped (its output comes first). */
  int c = socket(AF_INET, SOCK_STREAM, 0);
  int rc = connect(c, (struct sockaddr*)&la, lal);
  int ce = rc != 0 ? errno : 0;
  long se = send(c, "ping-through-exec", 17, 0);
  char buf[64];
  memset(buf, 0, sizeof(buf));
  long n = recv_all(c, buf, 17);
  long eof = recv(c, buf + 32, 8, 0);
  int st = 0;
  waitpid(pid, &st, 0);
  note("parent: connect %d %s send %ld echo %ld '%.*s' then %ld", rc,
       st_errname(ce), se, n, n > 0 ? (int)n : 0, buf, eof);
  note("child exited %d status %d", WIFEXITED(st),
       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  memset(buf, 0, sizeof(buf));
  n = REC("udp recv from child", recv(ur, buf, sizeof(buf), MSG_DONTWAIT));
  note("udp from child: '%.*s'", n > 0 ? (int)n : 0, buf);
  REC("parent udp still usable", send(us, "x", 1, 0));
  REC("close c", close(c));
  REC("close listener", close(l));
  REC("close cloexec listener", close(l2));
  REC("close fd_cloexec listener", close(l3));
  REC("close udp sender", close(us));
  REC("close udp receiver", close(ur));
  note("done");
  return 0;
}
