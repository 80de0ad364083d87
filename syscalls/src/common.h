// Helpers shared by the syscall functions: IRP setup and NTSTATUS -> errno.
#ifndef LXWSK_SYSCALLS_SRC_COMMON_H_
#define LXWSK_SYSCALLS_SRC_COMMON_H_

#include <cerrno>

#include "lx/status_table.h"
#include "lx/syscalls.h"
#include "wsk/irp.h"

namespace lx {

// An IRP on the caller's stack for a request on `fd`. The syscalls layer
// asks for inline sockets, so every request completes before the dispatch
// call returns; STATUS_PENDING would be a provider contract violation, which
// Result reports as EIO. Data-path requests start the IRP as STATUS_SUCCESS
// instead (no store of its own: IoReuseIrp's clear covers it); DataResult
// then tells the violation by the status the call returned.
struct StackIrp : wsk::IRP {
  explicit StackIrp(int fd, wsk::NTSTATUS initial = wsk::STATUS_PENDING) {
    wsk::IoReuseIrp(this, fd, initial);
  }
};
struct DataIrp : StackIrp {
  explicit DataIrp(int fd) : StackIrp(fd, wsk::STATUS_SUCCESS) {}
};

// The Linux result of a completed IRP: Information, or -errno.
inline long Result(const wsk::IRP& irp) {
  const wsk::NTSTATUS st = irp.IoStatus.Status;
  if (st == wsk::STATUS_SUCCESS) [[likely]] {
    return static_cast<long>(irp.IoStatus.Information);
  }
  if (st == wsk::STATUS_PENDING) return -EIO;  // not completed after all
  return -ErrnoFromStatus(st);
}

// The Linux result of a send or receive: `returned` is what the dispatch
// call returned, the IRP's final status when it is not STATUS_PENDING (the
// WSK contract), so the common case reads no status back from the IRP.
inline long DataResult(wsk::NTSTATUS returned, const wsk::IRP& irp) {
  if (returned == wsk::STATUS_SUCCESS) [[likely]] {
    const long n = static_cast<long>(irp.IoStatus.Information);
    // A byte count, at most MAX_RW_COUNT: the caller's sign test folds.
    if (n < 0) __builtin_unreachable();
    return n;
  }
  if (returned == wsk::STATUS_PENDING) return -EIO;  // not completed
  return Result(irp);
}

inline long StatusResult(wsk::NTSTATUS st) {
  return st == wsk::STATUS_SUCCESS ? 0 : -ErrnoFromStatus(st);
}

// One WskControlSocket request; returns Information or -errno.
long Control(LxSocket& s, int fd, wsk::WSK_CONTROL_SOCKET_TYPE type,
             uint32_t code, uint32_t level, size_t in_size, const void* in,
             size_t out_size, void* out);

// WSK requires bind before connect/listen/send-to; Linux binds implicitly.
long EnsureBoundSlow(LxSocket& s, int fd);
inline long EnsureBound(LxSocket& s, int fd) {
  if (s.bound.load(std::memory_order_relaxed)) [[likely]]
    return 0;
  return EnsureBoundSlow(s, fd);
}

// A datagram connect() or sendto() refused for its address (`err`, from
// AddressIn): Linux has already bound an unbound UDP socket to an ephemeral
// port by then (inet_dgram_connect, inet_send_prepare), so the syscalls layer
// binds the host socket to the wildcard address and port 0 (the same as an
// autobind) unless the error came before that point. Returns `err`.
long DatagramAddressRefused(LxSocket& s, int fd, long err, socklen_t len,
                            bool connect);

}  // namespace lx

#endif  // LXWSK_SYSCALLS_SRC_COMMON_H_
