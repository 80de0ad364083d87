// The libc functions the shim interposes, resolved once with
// dlsym(RTLD_NEXT). Read-only after Init. A symbol libc lacks stays null and
// the caller falls back to the raw system call.
// Contexts: Init runs in the library constructor, or on the first
// interposed call when another constructor calls socket() before ours.
#ifndef LXWSK_SHIM_REAL_LIBC_H_
#define LXWSK_SHIM_REAL_LIBC_H_

#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

namespace lxshim {

struct RealLibc {
  int (*socket)(int, int, int);
  int (*socketpair)(int, int, int, int*);
  int (*bind)(int, const sockaddr*, socklen_t);
  int (*listen)(int, int);
  int (*accept)(int, sockaddr*, socklen_t*);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*getsockname)(int, sockaddr*, socklen_t*);
  int (*getpeername)(int, sockaddr*, socklen_t*);
  int (*shutdown)(int, int);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  int (*sendmmsg)(int, mmsghdr*, unsigned int, int);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*recvmsg)(int, msghdr*, int);
  int (*recvmmsg)(int, mmsghdr*, unsigned int, int, timespec*);
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*readv)(int, const iovec*, int);
  ssize_t (*writev)(int, const iovec*, int);
  int (*getsockopt)(int, int, int, void*, socklen_t*);
  int (*setsockopt)(int, int, int, const void*, socklen_t);
  int (*ioctl)(int, unsigned long, void*);
  int (*fcntl)(int, int, long);
  int (*fcntl64)(int, int, long);
  int (*close)(int);
  int (*fclose)(FILE*);
  int (*dup)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*close_range)(unsigned int, unsigned int, int);
};

// Filled once; never null after Init (fields may be).
const RealLibc& Real();
void ResolveRealLibc();

}  // namespace lxshim

#endif  // LXWSK_SHIM_REAL_LIBC_H_
