#include "real_libc.h"

#include <dlfcn.h>

#include <atomic>

namespace lxshim {
namespace {
RealLibc g_real;
std::atomic<bool> g_resolved{false};
}  // namespace

const RealLibc& Real() {
  // Another library's constructor may call us before ours ran.
  if (!g_resolved.load(std::memory_order_acquire)) [[unlikely]] {
    ResolveRealLibc();
  }
  return g_real;
}

void ResolveRealLibc() {
  // Each field's type comes from the struct, so a wrong signature there is
  // a compile error, not a silent ABI mismatch.
#define LXWSK_BIND(name) \
  g_real.name = reinterpret_cast<decltype(g_real.name)>(dlsym(RTLD_NEXT, #name))
  LXWSK_BIND(socket);
  LXWSK_BIND(socketpair);
  LXWSK_BIND(bind);
  LXWSK_BIND(listen);
  LXWSK_BIND(accept);
  LXWSK_BIND(accept4);
  LXWSK_BIND(connect);
  LXWSK_BIND(getsockname);
  LXWSK_BIND(getpeername);
  LXWSK_BIND(shutdown);
  LXWSK_BIND(send);
  LXWSK_BIND(sendto);
  LXWSK_BIND(sendmsg);
  LXWSK_BIND(sendmmsg);
  LXWSK_BIND(recv);
  LXWSK_BIND(recvfrom);
  LXWSK_BIND(recvmsg);
  LXWSK_BIND(recvmmsg);
  LXWSK_BIND(read);
  LXWSK_BIND(write);
  LXWSK_BIND(readv);
  LXWSK_BIND(writev);
  LXWSK_BIND(getsockopt);
  LXWSK_BIND(setsockopt);
  LXWSK_BIND(ioctl);
  LXWSK_BIND(fcntl);
  LXWSK_BIND(fcntl64);
  LXWSK_BIND(close);
  LXWSK_BIND(fclose);
  LXWSK_BIND(dup);
  LXWSK_BIND(dup2);
  LXWSK_BIND(dup3);
  LXWSK_BIND(close_range);
#undef LXWSK_BIND
  g_resolved.store(true, std::memory_order_release);
}

}  // namespace lxshim
