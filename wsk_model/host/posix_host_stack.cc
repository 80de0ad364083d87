// PosixHostStack: the host adapter. The one place where Windows
// representation (WS_* values, SOCKADDR, WSK flags) becomes host socket
// calls and host errno becomes NTSTATUS, both through the shared tables.
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/posix/stream_descriptor.hpp"
#include "boost/asio/post.hpp"
#include "lx/cmsg_table.h"
#include "lx/ioctl_table.h"
#include "lx/socket_tables.h"
#include "lx/sockopt_table.h"
#include "lx/status_table.h"
#include "posix_data_path.h"
#include "raw_syscall.h"
#include "wsk/host_stack.h"
#include "wsk/wsk.h"

namespace wsk {

namespace host {
namespace {
// Until the library's constructor has run (or where dlsym finds nothing):
// the same call, made a cancellation point here, with glibc's result
// convention (-1 and errno).
template <typename T>
long AsLong(T v) {
  if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<long>(v);
  } else {
    return static_cast<long>(v);
  }
}
template <long kCall, typename R, typename... Args>
R BeforeLoad(Args... args) {
  long v[6] = {AsLong(args)...};
  long r = AsyncCancelSyscall(kCall, v[0], v[1], v[2], v[3], v[4], v[5]);
  if (r < 0) {
    errno = static_cast<int>(-r);
    return -1;
  }
  return static_cast<R>(r);
}
template <long kCall, typename R, typename... Args>
constexpr auto BeforeLoadFor(R (*)(Args...)) {
  return &BeforeLoad<kCall, R, Args...>;
}
template <typename F>
void Resolve(F*& slot, const char* name) {
  if (void* f = dlsym(RTLD_NEXT, name)) slot = reinterpret_cast<F*>(f);
}
}  // namespace

extern constexpr LibcDataCalls kLibcDataCallsBeforeLoad = {
    BeforeLoadFor<SYS_sendto>(decltype(LibcDataCalls::sendto){}),
    BeforeLoadFor<SYS_recvfrom>(decltype(LibcDataCalls::recvfrom){}),
    BeforeLoadFor<SYS_sendmsg>(decltype(LibcDataCalls::sendmsg){}),
    BeforeLoadFor<SYS_recvmsg>(decltype(LibcDataCalls::recvmsg){}),
    BeforeLoadFor<SYS_accept4>(decltype(LibcDataCalls::accept4){}),
    BeforeLoadFor<SYS_connect>(decltype(LibcDataCalls::connect){})};
constinit LibcDataCalls g_libc_data_calls = kLibcDataCallsBeforeLoad;

// At load (before main for a preloaded library, before any thread: the
// calls read the pointers without synchronisation). dlsym is not
// async-signal-safe, so this is never done lazily on a call.
[[gnu::constructor]] static void ResolveLibcDataCalls() {
  LibcDataCalls& g = g_libc_data_calls;
  Resolve(g.sendto, "sendto");
  Resolve(g.recvfrom, "recvfrom");
  Resolve(g.sendmsg, "sendmsg");
  Resolve(g.recvmsg, "recvmsg");
  Resolve(g.accept4, "accept4");
  Resolve(g.connect, "connect");
}

}  // namespace host

namespace {

using host::BlockingSyscall;
using host::RawSyscall;

inline NTSTATUS StatusOf(long r) {
  return r >= 0 ? STATUS_SUCCESS : lx::StatusFromErrno(static_cast<int>(-r));
}
inline HostResult ResultOf(long r) {
  if (r >= 0) return {STATUS_SUCCESS, static_cast<uintptr_t>(r)};
  return {lx::StatusFromErrno(static_cast<int>(-r)), 0};
}

// Windows SOCKADDR -> Linux sockaddr (same bytes, Linux family value).
socklen_t ToLinux(const SOCKADDR* in, sockaddr_storage* out) {
  // The two families every connect and bind names: constant-size copies.
  if (in->sa_family == WS_AF_INET) {
    memcpy(out, in, sizeof(sockaddr_in));
    out->ss_family = AF_INET;
    return sizeof(sockaddr_in);
  }
  if (in->sa_family == WS_AF_INET6) {
    memcpy(out, in, sizeof(sockaddr_in6));
    out->ss_family = AF_INET6;
    return sizeof(sockaddr_in6);
  }
  if (in->sa_family == WS_AF_UNSPEC) {
    memset(out, 0, sizeof(sockaddr));
    out->ss_family = AF_UNSPEC;
    return sizeof(sockaddr);
  }
  ULONG len = SockaddrLength(in->sa_family);
  if (len == 0) {
    // Unknown family: hand the host something it will refuse as Linux does.
    memcpy(out, in, sizeof(SOCKADDR));
    out->ss_family = static_cast<sa_family_t>(0xFFFF);
    return sizeof(SOCKADDR);
  }
  memcpy(out, in, len);
  out->ss_family = static_cast<sa_family_t>(lx::LinuxFamily(in->sa_family));
  return len;
}

// Linux sockaddr -> Windows SOCKADDR; returns the Windows length.
ULONG FromLinux(const sockaddr_storage& in, socklen_t len, PSOCKADDR out) {
  uint16_t fam = lx::WsFamily(in.ss_family);
  if (fam == 0xFFFF) fam = WS_AF_UNSPEC;
  ULONG wlen = SockaddrLength(fam);
  if (wlen == 0) wlen = len < sizeof(SOCKADDR) ? len : sizeof(SOCKADDR);
  memcpy(out, &in, wlen);
  out->sa_family = fam;
  return wlen;
}

constexpr int kStackIov = 64;

// Fills `iov` from a WSK_BUF's MDL chain; returns the count, or -1 when the
// chain holds more than `cap` segments.
int ToIovec(const WSK_BUF& b, iovec* iov, int cap) {
  int n = 0;
  size_t left = b.Length;
  ULONG off = b.Offset;
  for (const MDL* m = b.Mdl; m != nullptr && left > 0; m = m->Next) {
    if (off >= m->ByteCount) {
      off -= m->ByteCount;
      continue;
    }
    if (n == cap) return -1;
    size_t len = m->ByteCount - off;
    if (len > left) len = left;
    iov[n].iov_base = static_cast<char*>(MmGetMdlVirtualAddress(m)) + off;
    iov[n].iov_len = len;
    left -= len;
    off = 0;
    ++n;
  }
  return n;
}

// For chains longer than the stack array (Linux itself allocates past
// UIO_FASTIOV): a per-thread buffer, grown once.
iovec* BigIov(int* cap) {
  thread_local std::vector<iovec> big;
  if (big.empty()) big.resize(1024);
  *cap = static_cast<int>(big.size());
  return big.data();
}

// Points msg's iovec at the WSK_BUF's chain: `stack_iov` (kStackIov
// entries) when it fits, the per-thread buffer otherwise.
bool SetIovec(const WSK_BUF& b, iovec* stack_iov, msghdr* msg) {
  iovec* iov = stack_iov;
  int n = ToIovec(b, iov, kStackIov);
  if (n < 0) {
    int cap;
    iov = BigIov(&cap);
    n = ToIovec(b, iov, cap);
    if (n < 0) return false;
  }
  msg->msg_iov = iov;
  msg->msg_iovlen = static_cast<size_t>(n);
  return true;
}

// Control messages cross WSK in Windows form (WSACMSGHDR, Windows levels
// and types); the host takes and gives Linux form. Per-call buffers live on
// the stack; a larger control buffer uses a per-thread one, grown once.
constexpr size_t kStackControl = 1024;

unsigned char* ControlScratch(size_t need, unsigned char* stack_buf) {
  if (need <= kStackControl) return stack_buf;
  thread_local std::vector<unsigned char> big;
  if (big.size() < need) big.resize(need);
  return big.data();
}

}  // namespace

namespace host {

ULONG PosixAddressFromLinux(const sockaddr_storage& in, socklen_t len,
                            PSOCKADDR out) {
  return FromLinux(in, len, out);
}

HostResult PosixSendSlow(HostHandle h, const WSK_BUF& b, ULONG flags,
                         const SOCKADDR* remote, const CMSGHDR* control,
                         ULONG control_length) {
  // WSK never raises signals: MSG_NOSIGNAL always.
  const int lflags = lx::LinuxSendFlags(flags) | MSG_NOSIGNAL;
  iovec stack_iov[kStackIov];
  msghdr msg{};
  if (!SetIovec(b, stack_iov, &msg)) return {STATUS_INVALID_PARAMETER, 0};
  sockaddr_storage ss;
  if (remote != nullptr) {
    msg.msg_name = &ss;
    msg.msg_namelen = ToLinux(remote, &ss);
  }
  alignas(8) unsigned char lin[kStackControl];
  if (control != nullptr && control_length > 0) {
    const size_t cap = 2 * static_cast<size_t>(control_length) + 16;
    unsigned char* buf = ControlScratch(cap, lin);
    msg.msg_control = buf;
    msg.msg_controllen =
        lx::CmsgBufferToLinux(control, control_length,
                              /*for_send=*/true, buf, cap, nullptr);
  }
  return ResultOf(
      BlockingSyscall(SYS_sendmsg, h, reinterpret_cast<long>(&msg), lflags));
}

HostResult PosixReceiveSlow(HostHandle h, const WSK_BUF& b, ULONG flags,
                            PSOCKADDR remote, CMSGHDR* control,
                            ULONG* control_length, ULONG* out_flags) {
  const int lflags = lx::LinuxReceiveFlags(flags);
  iovec stack_iov[kStackIov];
  msghdr msg{};
  if (!SetIovec(b, stack_iov, &msg)) return {STATUS_INVALID_PARAMETER, 0};
  sockaddr_storage ss;
  if (remote != nullptr) {
    msg.msg_name = &ss;
    msg.msg_namelen = sizeof(ss);
  }
  alignas(8) unsigned char lin[kStackControl];
  if (control != nullptr && control_length != nullptr) {
    msg.msg_control = lin;
    msg.msg_controllen = sizeof(lin);
  }
  long r =
      BlockingSyscall(SYS_recvmsg, h, reinterpret_cast<long>(&msg), lflags);
  bool ctrunc = false;
  if (r >= 0) {
    if (remote != nullptr) {
      if (msg.msg_namelen > 0) {
        FromLinux(ss, msg.msg_namelen, remote);
      } else {
        remote->sa_family = WS_AF_UNSPEC;
      }
    }
    if (control_length != nullptr) {
      *control_length = control
                            ? static_cast<ULONG>(lx::CmsgBufferToWs(
                                  lin, msg.msg_controllen, /*for_send=*/false,
                                  control, *control_length, &ctrunc))
                            : 0;
    }
    if (out_flags != nullptr) {
      *out_flags =
          lx::WsResultFlags(msg.msg_flags) | (ctrunc ? WS_MSG_CTRUNC : 0);
    }
  }
  return ResultOf(r);
}

}  // namespace host

namespace {

class PosixHostStackImpl final : public HostStack {
 public:
  HostResult Socket(ADDRESS_FAMILY family, USHORT type, ULONG protocol,
                    ULONG lx_flags) override {
    int t = type;
    if (lx_flags & WSK_FLAG_LX_NONBLOCK) t |= SOCK_NONBLOCK;
    if (lx_flags & WSK_FLAG_LX_CLOEXEC) t |= SOCK_CLOEXEC;
    return ResultOf(RawSyscall(SYS_socket, lx::LinuxFamily(family), t,
                               static_cast<long>(protocol)));
  }

  NTSTATUS Bind(HostHandle h, const SOCKADDR* a) override {
    sockaddr_storage ss;
    socklen_t len = ToLinux(a, &ss);
    return StatusOf(RawSyscall(SYS_bind, h, reinterpret_cast<long>(&ss), len));
  }

  NTSTATUS Listen(HostHandle h, int backlog) override {
    return StatusOf(RawSyscall(SYS_listen, h, backlog));
  }

  HostResult Accept(HostHandle h, PSOCKADDR remote, ULONG lx_flags) override {
    int flags = 0;
    if (lx_flags & WSK_FLAG_LX_NONBLOCK) flags |= SOCK_NONBLOCK;
    if (lx_flags & WSK_FLAG_LX_CLOEXEC) flags |= SOCK_CLOEXEC;
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    long r = BlockingSyscall(SYS_accept4, h,
                             remote ? reinterpret_cast<long>(&ss) : 0,
                             remote ? reinterpret_cast<long>(&len) : 0, flags);
    if (r >= 0 && remote != nullptr) FromLinux(ss, len, remote);
    return ResultOf(r);
  }

  NTSTATUS Connect(HostHandle h, const SOCKADDR* a) override {
    sockaddr_storage ss;
    socklen_t len = ToLinux(a, &ss);
    long r = BlockingSyscall(SYS_connect, h, reinterpret_cast<long>(&ss), len);
    // A connect that goes on in the background is AFD's "would block" for a
    // non-blocking socket: the IRP completes, the connection continues.
    if (r == -EINPROGRESS) return STATUS_DEVICE_NOT_READY;
    return StatusOf(r);
  }

  NTSTATUS ConnectResult(HostHandle h) override {
    int err = 0;
    socklen_t len = sizeof(err);
    long r =
        RawSyscall(SYS_getsockopt, h, SOL_SOCKET, SO_ERROR,
                   reinterpret_cast<long>(&err), reinterpret_cast<long>(&len));
    if (r < 0) return StatusOf(r);
    return err == 0 ? STATUS_SUCCESS : lx::StatusFromErrno(err);
  }

  bool IsPosixHost() const override { return true; }

  HostResult Send(HostHandle h, const WSK_BUF& b, ULONG flags,
                  const SOCKADDR* remote, const CMSGHDR* control,
                  ULONG control_length) override {
    return host::PosixSend(h, b, flags, remote, control, control_length);
  }

  HostResult Receive(HostHandle h, const WSK_BUF& b, ULONG flags,
                     PSOCKADDR remote, CMSGHDR* control, ULONG* control_length,
                     ULONG* out_flags) override {
    return host::PosixReceive(h, b, flags, remote, control, control_length,
                              out_flags);
  }

  NTSTATUS Disconnect(HostHandle h, ULONG flags) override {
    if (flags & WSK_FLAG_ABORTIVE) {
      // connect(AF_UNSPEC) on TCP runs tcp_disconnect(): an RST, like an
      // abortive WskDisconnect.
      sockaddr sa{};
      sa.sa_family = AF_UNSPEC;
      return StatusOf(
          RawSyscall(SYS_connect, h, reinterpret_cast<long>(&sa), sizeof(sa)));
    }
    const bool rd = (flags & WSK_FLAG_LX_SHUT_RD) != 0;
    const bool wr = (flags & WSK_FLAG_LX_NO_SHUT_WR) == 0;
    int how = rd && wr ? SHUT_RDWR : rd ? SHUT_RD : SHUT_WR;
    return StatusOf(RawSyscall(SYS_shutdown, h, how));
  }

  NTSTATUS Close(HostHandle h) override {
    return StatusOf(RawSyscall(SYS_close, h));
  }

  HostResult GetLocalAddress(HostHandle h, PSOCKADDR out) override {
    return GetName(SYS_getsockname, h, out);
  }
  HostResult GetRemoteAddress(HostHandle h, PSOCKADDR out) override {
    return GetName(SYS_getpeername, h, out);
  }

  HostResult SetOption(HostHandle h, ULONG level, ULONG name, const void* value,
                       SIZE_T length) override {
    int llevel, lname;
    lx::OptKind kind;
    if (!Resolve(level, name, &llevel, &lname, &kind)) {
      return {STATUS_NOT_IMPLEMENTED, 0};
    }
    if (kind == lx::OptKind::kSame || kind == lx::OptKind::kLinuxOnly) {
      return ResultOf(RawSyscall(SYS_setsockopt, h, llevel, lname,
                                 reinterpret_cast<long>(value),
                                 static_cast<long>(length)));
    }
    alignas(8) char buf[32];
    int n = lx::WsToLinuxValue(kind, value, length, buf, sizeof(buf));
    return ResultOf(RawSyscall(SYS_setsockopt, h, llevel, lname,
                               reinterpret_cast<long>(buf), n));
  }

  HostResult GetOption(HostHandle h, ULONG level, ULONG name, void* value,
                       SIZE_T length) override {
    int llevel, lname;
    lx::OptKind kind;
    if (!Resolve(level, name, &llevel, &lname, &kind)) {
      return {STATUS_NOT_IMPLEMENTED, 0};
    }
    if (kind == lx::OptKind::kSame || kind == lx::OptKind::kLinuxOnly) {
      socklen_t len = static_cast<socklen_t>(length);
      long r = RawSyscall(SYS_getsockopt, h, llevel, lname,
                          reinterpret_cast<long>(value),
                          reinterpret_cast<long>(&len));
      if (r < 0) return ResultOf(r);
      return {STATUS_SUCCESS, len};
    }
    alignas(8) char lin[32];
    socklen_t len = static_cast<socklen_t>(lx::LinuxValueSize(kind));
    long r =
        RawSyscall(SYS_getsockopt, h, llevel, lname,
                   reinterpret_cast<long>(lin), reinterpret_cast<long>(&len));
    if (r < 0) return ResultOf(r);
    alignas(8) char ws[16];
    int n = lx::LinuxToWsValue(kind, lin, len, ws, sizeof(ws));
    // A host value with no Windows form reads as the saturated value.
    if (n == -ERANGE) n = static_cast<int>(lx::WsValueSize(kind));
    if (n < 0) return {lx::StatusFromErrno(-n), 0};
    size_t out =
        static_cast<size_t>(n) < length ? static_cast<size_t>(n) : length;
    if (value != nullptr) memcpy(value, ws, out);
    return {STATUS_SUCCESS, static_cast<uintptr_t>(n)};
  }

  HostResult Ioctl(HostHandle h, ULONG code, const void* in, SIZE_T in_length,
                   void* out, SIZE_T out_length) override {
    if (code == SIO_LXWSK_HOST_IOCTL) {
      // Input: {unsigned long request; void* argument} in Linux terms.
      struct Tunnel {
        unsigned long request;
        void* argument;
      };
      if (in == nullptr || in_length < sizeof(Tunnel)) {
        return {STATUS_INVALID_PARAMETER, 0};
      }
      Tunnel t;
      memcpy(&t, in, sizeof(t));
      return ResultOf(RawSyscall(SYS_ioctl, h, static_cast<long>(t.request),
                                 reinterpret_cast<long>(t.argument)));
    }
    const lx::IoctlRow* row = lx::FindWsIoctl(code);
    if (row == nullptr) return {STATUS_INVALID_DEVICE_REQUEST, 0};
    int v = 0;
    if (!row->writes_result) {
      if (in == nullptr || in_length < sizeof(uint32_t)) {
        return {STATUS_INVALID_PARAMETER, 0};
      }
      memcpy(&v, in, sizeof(v));
    }
    long r = RawSyscall(SYS_ioctl, h, static_cast<long>(row->linux_request),
                        reinterpret_cast<long>(&v));
    if (r < 0) return ResultOf(r);
    if (row->writes_result) {
      if (out == nullptr || out_length < sizeof(uint32_t)) {
        return {STATUS_BUFFER_TOO_SMALL, 0};
      }
      memcpy(out, &v, sizeof(v));
      return {STATUS_SUCCESS, sizeof(uint32_t)};
    }
    return {STATUS_SUCCESS, 0};
  }

  void AsyncWait(HostHandle h, HostWait what,
                 std::function<void(NTSTATUS)> done) override {
    EnsureThread();
    boost::asio::post(io_, [this, h, what, done = std::move(done)]() mutable {
      auto& d = descriptors_[h];
      if (!d)
        d = std::make_unique<boost::asio::posix::stream_descriptor>(io_, h);
      d->async_wait(
          what == HostWait::kReadable
              ? boost::asio::posix::stream_descriptor::wait_read
              : boost::asio::posix::stream_descriptor::wait_write,
          [done = std::move(done)](const boost::system::error_code& ec) {
            done(ec ? STATUS_CANCELLED : STATUS_SUCCESS);
          });
    });
  }

  void CancelWaits(HostHandle h) override {
    EnsureThread();
    boost::asio::post(io_, [this, h] {
      auto it = descriptors_.find(h);
      if (it == descriptors_.end()) return;
      boost::system::error_code ec;
      it->second->cancel(ec);
      it->second->release();  // the provider closes the handle itself
      descriptors_.erase(it);
    });
  }

  void Post(std::function<void()> fn) override {
    EnsureThread();
    boost::asio::post(io_, std::move(fn));
  }

 private:
  static bool Resolve(ULONG level, ULONG name, int* llevel, int* lname,
                      lx::OptKind* kind) {
    if ((level & 0xFFFF0000u) == WSK_LX_LEVEL_TAG) {
      *llevel = static_cast<int>(level & 0xFFFF);
      *lname = static_cast<int>(name);
      *kind = lx::OptKind::kLinuxOnly;
      return true;
    }
    const lx::SockoptRow* row = lx::FindWsSockopt(level, name);
    if (row == nullptr) return false;
    *llevel = row->linux_level;
    *lname = row->linux_name;
    *kind = row->kind;
    return true;
  }

  static HostResult GetName(long nr, HostHandle h, PSOCKADDR out) {
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    long r = RawSyscall(nr, h, reinterpret_cast<long>(&ss),
                        reinterpret_cast<long>(&len));
    if (r < 0) return ResultOf(r);
    return {STATUS_SUCCESS, FromLinux(ss, len, out)};
  }

  // The I/O thread exists only once something pends: preloaded programs,
  // whose requests all complete inline, never get one.
  void EnsureThread() {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return;
    started_ = true;
    std::thread([this] { io_.run(); }).detach();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_{io_.get_executor()};
  std::unordered_map<HostHandle,
                     std::unique_ptr<boost::asio::posix::stream_descriptor>>
      descriptors_;  // touched on the I/O thread only
  std::mutex mu_;
  bool started_ = false;
};

}  // namespace

HostStack& PosixHostStack() {
  // Leaked on purpose: the I/O thread may run past static destruction.
  static HostStack* stack = new PosixHostStackImpl;
  return *stack;
}

}  // namespace wsk
