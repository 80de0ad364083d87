/* close_probe MODE N: opens and closes N TCP sockets (no network traffic).
 * MODE "plain" does only that; "vfork" first makes a vfork child that
 * closes one of the parent's sockets and _exits, "clone" the same with
 * glibc's clone(CLONE_VM | CLONE_VFORK). In every mode the parent's socket
 * must still work afterwards (SO_TYPE, then a close that succeeds). Run
 * under strace by close_getpid.sh, which counts the getpid calls. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_fd = -1;

static int CloneChild(void* arg) {
  (void)arg;
  close(g_fd); /* the child's own descriptor table: the parent keeps it */
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: close_probe plain|vfork|clone N\n");
    return 2;
  }
  const char* mode = argv[1];
  int n = atoi(argv[2]);
  if (n < 1 || n > 100000) return 2;
  g_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (g_fd < 0) return perror("socket"), 1;
  if (strcmp(mode, "vfork") == 0) {
    pid_t pid = vfork();
    if (pid == 0) {
      close(g_fd);
      _exit(0);
    }
    if (pid < 0 || waitpid(pid, NULL, 0) != pid) return perror("vfork"), 1;
  } else if (strcmp(mode, "clone") == 0) {
    size_t size = 256 * 1024;
    char* stack = malloc(size);
    if (stack == NULL) return 1;
    pid_t pid =
        clone(CloneChild, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    if (pid < 0 || waitpid(pid, NULL, 0) != pid) return perror("clone"), 1;
    free(stack);
  } else if (strcmp(mode, "plain") != 0) {
    return 2;
  }
  int type = -1;
  socklen_t len = sizeof(type);
  if (getsockopt(g_fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
      type != SOCK_STREAM) {
    return fprintf(stderr, "parent socket lost after %s\n", mode), 1;
  }
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || close(fd) != 0) return perror("socket/close"), 1;
  }
  if (close(g_fd) != 0) return perror("close"), 1;
  printf("ok %s %d\n", mode, n);
  return 0;
}
