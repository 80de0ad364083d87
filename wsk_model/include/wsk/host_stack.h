// HostStack: the adapter between the WSK provider and a TCP/IP stack.
//
// In Windows the WSK provider sits on tcpip.sys; here it sits on this
// interface. Arguments and results are in Windows representation (WS_*
// constants, SOCKADDR, NTSTATUS): the real implementation (PosixHostStack)
// is the one place that turns them into host sockets calls. Mocks and fault
// injectors implement this interface in tests.
//
// Every call makes one attempt and returns; whether it blocks is the host
// handle's business (blocking host socket, or a per-call DONTWAIT flag).
// Calls are thread-safe and allocate nothing, except AsyncWait.
#ifndef LXWSK_WSK_HOST_STACK_H_
#define LXWSK_WSK_HOST_STACK_H_

#include <cstdint>
#include <functional>

#include "wsk/irp.h"
#include "wsk/ntstatus.h"
#include "wsk/ws_types.h"

namespace wsk {

using HostHandle = int;

struct HostResult {
  NTSTATUS status;
  uintptr_t information;  // bytes, or a new handle
};

enum class HostWait { kReadable, kWritable };

class HostStack {
 public:
  virtual ~HostStack() = default;

  // True only for PosixHostStack(): the provider then calls its data path
  // (wsk_model/host/posix_data_path.h) directly instead of through the
  // vtable. Same behaviour; the concrete type is simply known.
  virtual bool IsPosixHost() const { return false; }

  // information = new handle. `lx_flags` takes WSK_FLAG_LX_NONBLOCK/CLOEXEC.
  virtual HostResult Socket(ADDRESS_FAMILY family, USHORT type, ULONG protocol,
                            ULONG lx_flags) = 0;
  virtual NTSTATUS Bind(HostHandle h, const SOCKADDR* address) = 0;
  virtual NTSTATUS Listen(HostHandle h, int backlog) = 0;
  // Address outputs below need room for a SOCKADDR_IN6; the adapter writes
  // exactly the family's length.
  // information = new handle; `remote` may be null.
  virtual HostResult Accept(HostHandle h, PSOCKADDR remote, ULONG lx_flags) = 0;
  // A WS_AF_UNSPEC address dissolves a datagram association.
  virtual NTSTATUS Connect(HostHandle h, const SOCKADDR* remote) = 0;
  // Outcome of a connect that was in progress (SO_ERROR, read and cleared):
  // STATUS_SUCCESS, STATUS_DEVICE_NOT_READY while still in progress, or the
  // failure.
  virtual NTSTATUS ConnectResult(HostHandle h) = 0;
  // information = bytes sent. `remote` and `control` may be null.
  virtual HostResult Send(HostHandle h, const WSK_BUF& buffer, ULONG flags,
                          const SOCKADDR* remote, const CMSGHDR* control,
                          ULONG control_length) = 0;
  // information = bytes received (the full datagram length with
  // WSK_FLAG_LX_TRUNC). `remote`, `control` and `out_flags` may be null.
  virtual HostResult Receive(HostHandle h, const WSK_BUF& buffer, ULONG flags,
                             PSOCKADDR remote, CMSGHDR* control,
                             ULONG* control_length, ULONG* out_flags) = 0;
  // WskDisconnect flags: graceful (0), WSK_FLAG_ABORTIVE, WSK_FLAG_LX_SHUT_RD.
  virtual NTSTATUS Disconnect(HostHandle h, ULONG flags) = 0;
  virtual NTSTATUS Close(HostHandle h) = 0;
  // information = address length.
  virtual HostResult GetLocalAddress(HostHandle h, PSOCKADDR out) = 0;
  virtual HostResult GetRemoteAddress(HostHandle h, PSOCKADDR out) = 0;
  // WskControlSocket's three request types; information = bytes written.
  virtual HostResult SetOption(HostHandle h, ULONG level, ULONG name,
                               const void* value, SIZE_T length) = 0;
  virtual HostResult GetOption(HostHandle h, ULONG level, ULONG name,
                               void* value, SIZE_T length) = 0;
  virtual HostResult Ioctl(HostHandle h, ULONG code, const void* in,
                           SIZE_T in_length, void* out, SIZE_T out_length) = 0;

  // Readiness for requests that pend (sockets of in-process WSK clients).
  // `done` runs once, on the provider's I/O thread, with STATUS_SUCCESS or
  // STATUS_CANCELLED.
  virtual void AsyncWait(HostHandle h, HostWait what,
                         std::function<void(NTSTATUS)> done) = 0;
  // Cancels every wait on `h`: their `done` runs with STATUS_CANCELLED.
  virtual void CancelWaits(HostHandle h) = 0;
  // Runs `fn` on the I/O thread after everything queued before it.
  virtual void Post(std::function<void()> fn) = 0;
};

// The host kernel's sockets (raw syscalls, so an LD_PRELOAD shim above is
// never re-entered). Process-wide singleton.
HostStack& PosixHostStack();

}  // namespace wsk

#endif  // LXWSK_WSK_HOST_STACK_H_
