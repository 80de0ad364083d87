/* Scenario fork: parent and child share one connected socket; the child
 * sends, then the parent sends; the server receives both in order. Both
 * close; no descriptor leaks in either process. Also a child that accepts
 * on the inherited listener. */
#include <sys/wait.h>

#include "difftest.h"

static void report_child(const char* label, pid_t pid) {
  int st = 0;
  REC(label, waitpid(pid, &st, 0) == pid ? 0 : -1);
  note("%s: exited %d status %d signaled %d", label, WIFEXITED(st),
       WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st));
}

int main(void) {
  st_init();
  signal(SIGPIPE, SIG_IGN);
  int base = count_fds();

  struct sockaddr_storage la;
  socklen_t lal;
  int l = make_server("listener", AF_INET, SOCK_STREAM, &la, &lal);
  int a;
  int c = make_pair("conn", l, AF_INET, &la, lal, &a);
  note("fds open after setup: +%d", count_fds() - base);

  /* 1. The child sends on the shared socket, closes everything, exits. */
  pid_t pid = fork();
  if (pid == 0) {
    REC("child send", send(c, "child-data;", 11, 0));
    REC("child getsockname",
        getsockname(c, (struct sockaddr*)&(struct sockaddr_storage){0},
                    &(socklen_t){sizeof(struct sockaddr_storage)}));
    REC("child close c", close(c));
    REC("child close a", close(a));
    REC("child close l", close(l));
    REC("child send after close", send(c, "x", 1, 0));
    note("child fds: +%d", count_fds() - base);
    fflush(stdout);
    _exit(0);
  }
  report_child("wait child 1", pid);

  /* The parent's copy is untouched by the child's close. */
  REC("parent send", send(c, "parent-data", 11, 0));
  int err = -1;
  socklen_t el = sizeof(err);
  REC("parent SO_ERROR", getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
  note("parent SO_ERROR: %d", err);
  REC("parent shutdown SHUT_WR", shutdown(c, SHUT_WR));
  char buf[64];
  memset(buf, 0, sizeof(buf));
  long n = REC("server recv all", recv_all(a, buf, sizeof(buf) - 1));
  note("server got '%.*s'", n > 0 ? (int)n : 0, buf);
  REC("server recv EOF", recv(a, buf, sizeof(buf), 0));

  /* 2. Both processes use the socket concurrently-ish: the child sends
   * while the parent waits on a pipe, then the parent replies. */
  int c2, a2;
  c2 = make_pair("conn2", l, AF_INET, &la, lal, &a2);
  int go[2];
  REC("pipe", pipe(go));
  pid = fork();
  if (pid == 0) {
    close(go[1]);
    char t;
    REC("child2 wait", read(go[0], &t, 1));
    REC("child2 send", send(c2, "C", 1, 0));
    memset(buf, 0, sizeof(buf));
    n = REC("child2 recv", recv(c2, buf, 1, 0));
    note("child2 got '%.*s'", n > 0 ? (int)n : 0, buf);
    REC("child2 close", close(c2));
    fflush(stdout);
    _exit(0);
  }
  /* Until the child is reaped the parent records silently. */
  close(go[0]);
  long p_send = send(c2, "P", 1, 0);
  long p_rel = write(go[1], "g", 1);
  char sbuf[8];
  memset(sbuf, 0, sizeof(sbuf));
  long p_got = recv_all(a2, sbuf, 2);
  long p_reply = send(a2, "R", 1, 0);
  report_child("wait child 2", pid);
  note("parent2 send %ld release %ld server got %ld '%.*s' reply %ld", p_send,
       p_rel, p_got, p_got > 0 ? (int)p_got : 0, sbuf, p_reply);
  REC("parent close pipe w", close(go[1]));
  REC("close c2", close(c2));
  REC("server2 recv EOF", recv(a2, buf, sizeof(buf), 0));
  REC("close a2", close(a2));

  /* 3. A child accepts on the inherited listener and echoes. */
  pid = fork();
  if (pid == 0) {
    int x = (int)REC("child3 accept", accept(l, NULL, NULL));
    memset(buf, 0, sizeof(buf));
    n = REC("child3 recv", recv(x, buf, sizeof(buf), 0));
    REC("child3 echo", send(x, buf, n > 0 ? (size_t)n : 0, 0));
    REC("child3 close", close(x));
    fflush(stdout);
    _exit(0);
  }
  int c3 = (int)REC("parent3 socket", socket(AF_INET, SOCK_STREAM, 0));
  int rc = (int)connect(c3, (struct sockaddr*)&la, lal);
  int se = (int)send(c3, "echo-me", 7, 0);
  memset(buf, 0, sizeof(buf));
  n = recv_all(c3, buf, 7);
  report_child("wait child 3", pid);
  note("parent3 connect %d send %d recv %ld '%.*s'", rc, se, n,
       n > 0 ? (int)n : 0, buf);
  REC("parent3 recv EOF", recv(c3, buf, sizeof(buf), 0));
  REC("close c3", close(c3));

  /* 4. vfork + _exit: the parent's table must be unaffected. */
  pid = vfork();
  if (pid == 0) {
    close(c); /* the child's copy only */
    _exit(0);
  }
  report_child("wait vfork child", pid);
  REC("getpeername after vfork",
      getpeername(c, (struct sockaddr*)&(struct sockaddr_storage){0},
                  &(socklen_t){sizeof(struct sockaddr_storage)}));
  int t = -1;
  el = sizeof(t);
  REC("SO_TYPE after vfork", getsockopt(c, SOL_SOCKET, SO_TYPE, &t, &el));
  note("SO_TYPE after vfork: %d", t);

  REC("close c", close(c));
  REC("close a", close(a));
  REC("close l", close(l));
  note("fds open at end: +%d", count_fds() - base);
  note("done");
  return 0;
}
