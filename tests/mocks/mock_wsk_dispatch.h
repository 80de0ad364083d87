// gmock stand-ins for the WSK dispatch tables of wsk/wsk.h, and helpers to
// put one under the syscalls layer.
//
// Every dispatch function takes the IRP last. The syscalls layer asks for
// inline sockets (WSK_FLAG_LX_INLINE), so a mock must complete the IRP before
// returning: CompleteIrp(status, information) does exactly that and returns
// the status, as a provider completing inline does.
//
// MockedSocket<CategoryMock> builds an lx::LxSocket the way a program does,
// through lx::Socket over a MockProviderDispatch: WskSocket answers with a
// WSK_SOCKET whose Dispatch is the category mock, and the category mock
// answers WskGetOption(SO_LXWSK_HOST_HANDLE) with a fake host fd.
#ifndef LXWSK_TESTS_MOCKS_MOCK_WSK_DISPATCH_H_
#define LXWSK_TESTS_MOCKS_MOCK_WSK_DISPATCH_H_

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <tuple>
#include <utility>
#include <vector>

#include "lx/syscalls.h"
#include "wsk/irp.h"
#include "wsk/ntstatus.h"
#include "wsk/ws_types.h"
#include "wsk/wsk.h"

namespace lxwsk_test {

// ---- Mocks ----

class MockProviderDispatch : public wsk::WskProviderDispatch {
 public:
  MOCK_METHOD(wsk::NTSTATUS, WskSocket,
              (wsk::PWSK_CLIENT Client, wsk::ADDRESS_FAMILY AddressFamily,
               wsk::USHORT SocketType, wsk::ULONG Protocol, wsk::ULONG Flags,
               void* SocketContext, const void* Dispatch, void* OwningProcess,
               void* OwningThread, void* SecurityDescriptor, wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskSocketConnect,
              (wsk::PWSK_CLIENT Client, wsk::USHORT SocketType,
               wsk::ULONG Protocol, const wsk::SOCKADDR* LocalAddress,
               const wsk::SOCKADDR* RemoteAddress, wsk::ULONG Flags,
               void* SocketContext,
               const wsk::WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
               void* OwningProcess, void* OwningThread,
               void* SecurityDescriptor, wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskControlClient,
              (wsk::PWSK_CLIENT Client, wsk::ULONG ControlCode,
               wsk::SIZE_T InputSize, const void* InputBuffer,
               wsk::SIZE_T OutputSize, void* OutputBuffer,
               wsk::SIZE_T* OutputSizeReturned, wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskLxAdoptSocket,
              (wsk::PWSK_CLIENT Client, int HostHandle,
               wsk::ADDRESS_FAMILY AddressFamily, wsk::USHORT SocketType,
               wsk::ULONG Protocol, wsk::ULONG Flags, wsk::PIRP Irp),
              (override));
};

// The basic functions every category table carries.
#define LXWSK_MOCK_BASIC_DISPATCH()                                         \
  MOCK_METHOD(                                                              \
      wsk::NTSTATUS, WskControlSocket,                                      \
      (wsk::PWSK_SOCKET Socket, wsk::WSK_CONTROL_SOCKET_TYPE RequestType,   \
       wsk::ULONG ControlCode, wsk::ULONG Level, wsk::SIZE_T InputSize,     \
       const void* InputBuffer, wsk::SIZE_T OutputSize, void* OutputBuffer, \
       wsk::SIZE_T* OutputSizeReturned, wsk::PIRP Irp),                     \
      (override));                                                          \
  MOCK_METHOD(wsk::NTSTATUS, WskCloseSocket,                                \
              (wsk::PWSK_SOCKET Socket, wsk::PIRP Irp), (override))

// The connection-oriented functions (WskProviderConnectionDispatch).
#define LXWSK_MOCK_CONNECTION_DISPATCH()                                      \
  LXWSK_MOCK_BASIC_DISPATCH();                                                \
  MOCK_METHOD(wsk::NTSTATUS, WskBind,                                         \
              (wsk::PWSK_SOCKET Socket, const wsk::SOCKADDR* LocalAddress,    \
               wsk::ULONG Flags, wsk::PIRP Irp),                              \
              (override));                                                    \
  MOCK_METHOD(wsk::NTSTATUS, WskConnect,                                      \
              (wsk::PWSK_SOCKET Socket, const wsk::SOCKADDR* RemoteAddress,   \
               wsk::ULONG Flags, wsk::PIRP Irp),                              \
              (override));                                                    \
  MOCK_METHOD(                                                                \
      wsk::NTSTATUS, WskGetLocalAddress,                                      \
      (wsk::PWSK_SOCKET Socket, wsk::PSOCKADDR LocalAddress, wsk::PIRP Irp),  \
      (override));                                                            \
  MOCK_METHOD(                                                                \
      wsk::NTSTATUS, WskGetRemoteAddress,                                     \
      (wsk::PWSK_SOCKET Socket, wsk::PSOCKADDR RemoteAddress, wsk::PIRP Irp), \
      (override));                                                            \
  MOCK_METHOD(wsk::NTSTATUS, WskSend,                                         \
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer,                 \
               wsk::ULONG Flags, wsk::PIRP Irp),                              \
              (override));                                                    \
  MOCK_METHOD(wsk::NTSTATUS, WskReceive,                                      \
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer,                 \
               wsk::ULONG Flags, wsk::PIRP Irp),                              \
              (override));                                                    \
  MOCK_METHOD(wsk::NTSTATUS, WskDisconnect,                                   \
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer,                 \
               wsk::ULONG Flags, wsk::PIRP Irp),                              \
              (override));                                                    \
  MOCK_METHOD(wsk::NTSTATUS, WskLxSendMessage,                                \
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer,                 \
               wsk::ULONG Flags, wsk::ULONG ControlInfoLength,                \
               const wsk::CMSGHDR* ControlInfo, wsk::PIRP Irp),               \
              (override));                                                    \
  MOCK_METHOD(                                                                \
      wsk::NTSTATUS, WskLxReceiveMessage,                                     \
      (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer, wsk::ULONG Flags,       \
       wsk::ULONG * ControlLength, wsk::CMSGHDR * ControlInfo,                \
       wsk::ULONG * ControlFlags, wsk::PIRP Irp),                             \
      (override))

// An accepted socket's table (WSK_FLAG_CONNECTION_SOCKET).
class MockConnectionDispatch : public wsk::WskProviderConnectionDispatch {
 public:
  using Interface = wsk::WskProviderConnectionDispatch;
  LXWSK_MOCK_CONNECTION_DISPATCH();
};

// The undecided listen-or-connect table (WSK_FLAG_STREAM_SOCKET): every
// virtual, the inherited connection and basic ones included.
class MockStreamDispatch : public wsk::WskProviderStreamDispatch {
 public:
  using Interface = wsk::WskProviderStreamDispatch;
  LXWSK_MOCK_CONNECTION_DISPATCH();
  MOCK_METHOD(wsk::NTSTATUS, WskListen,
              (wsk::PWSK_SOCKET Socket, wsk::PIRP Irp), (override));
  MOCK_METHOD(wsk::NTSTATUS, WskAccept,
              (wsk::PWSK_SOCKET ListenSocket, wsk::ULONG Flags,
               void* AcceptSocketContext,
               const wsk::WSK_CLIENT_CONNECTION_DISPATCH* Dispatch,
               wsk::PSOCKADDR LocalAddress, wsk::PSOCKADDR RemoteAddress,
               wsk::PIRP Irp),
              (override));
};

class MockDatagramDispatch : public wsk::WskProviderDatagramDispatch {
 public:
  using Interface = wsk::WskProviderDatagramDispatch;
  LXWSK_MOCK_BASIC_DISPATCH();
  MOCK_METHOD(wsk::NTSTATUS, WskBind,
              (wsk::PWSK_SOCKET Socket, const wsk::SOCKADDR* LocalAddress,
               wsk::ULONG Flags, wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskSendTo,
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer, wsk::ULONG Flags,
               const wsk::SOCKADDR* RemoteAddress, wsk::ULONG ControlInfoLength,
               const wsk::CMSGHDR* ControlInfo, wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskReceiveFrom,
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer, wsk::ULONG Flags,
               wsk::PSOCKADDR RemoteAddress, wsk::ULONG* ControlLength,
               wsk::CMSGHDR* ControlInfo, wsk::ULONG* ControlFlags,
               wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskGetLocalAddress,
              (wsk::PWSK_SOCKET Socket, wsk::PSOCKADDR LocalAddress,
               wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskGetRemoteAddress,
              (wsk::PWSK_SOCKET Socket, wsk::PSOCKADDR RemoteAddress,
               wsk::PIRP Irp),
              (override));
};

// The datagram table with its lxwsk forms (WskLxSend/WskLxReceive,
// WskLxSendTo/WskLxReceiveFrom) mocked too. MockDatagramDispatch leaves them to
// the table's defaults, which make the same requests as
// WskSendTo/WskReceiveFrom, so its tests state every datagram request in the
// long form.
class MockDatagramLxDispatch : public MockDatagramDispatch {
 public:
  MOCK_METHOD(wsk::NTSTATUS, WskLxSend,
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer, wsk::ULONG Flags,
               wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskLxReceive,
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer, wsk::ULONG Flags,
               wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskLxSendTo,
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer, wsk::ULONG Flags,
               const wsk::SOCKADDR* RemoteAddress, wsk::PIRP Irp),
              (override));
  MOCK_METHOD(wsk::NTSTATUS, WskLxReceiveFrom,
              (wsk::PWSK_SOCKET Socket, wsk::PWSK_BUF Buffer, wsk::ULONG Flags,
               wsk::PSOCKADDR RemoteAddress, wsk::PIRP Irp),
              (override));
};

#undef LXWSK_MOCK_CONNECTION_DISPATCH
#undef LXWSK_MOCK_BASIC_DISPATCH

// ---- Matchers ----

// An IRP that names `fd` as its requestor handle.
MATCHER_P(IrpFor, fd, "") {
  return arg != nullptr && arg->RequestorHandle == fd;
}

// ---- Actions ----

// The IRP: the last argument of every dispatch function.
template <typename... Args>
wsk::PIRP LastArgIrp(Args... args) {
  static_assert(sizeof...(Args) > 0);
  return std::get<sizeof...(Args) - 1>(std::make_tuple(args...));
}

// Completes the call's IRP with (status, information) and returns status:
//   EXPECT_CALL(m, WskConnect(...)).WillOnce(CompleteIrp(STATUS_SUCCESS));
class CompleteIrpAction {
 public:
  CompleteIrpAction(wsk::NTSTATUS status, uintptr_t information)
      : status_(status), information_(information) {}
  template <typename... Args>
  wsk::NTSTATUS operator()(Args... args) const {
    wsk::IoCompleteRequest(LastArgIrp(args...), status_, information_);
    return status_;
  }

 private:
  wsk::NTSTATUS status_;
  uintptr_t information_;
};
inline CompleteIrpAction CompleteIrp(wsk::NTSTATUS status,
                                     uintptr_t information = 0) {
  return CompleteIrpAction(status, information);
}
// WskSocket / WskAccept success: Information is the new socket.
inline CompleteIrpAction CompleteWithSocket(wsk::PWSK_SOCKET socket) {
  return CompleteIrpAction(wsk::STATUS_SUCCESS,
                           reinterpret_cast<uintptr_t>(socket));
}

// WskControlSocket answering with `value` in OutputBuffer: copies
// min(sizeof(value), OutputSize) bytes, sets *OutputSizeReturned and
// completes with Information = sizeof(value).
template <typename T>
auto ControlAnswers(T value) {
  return [value](wsk::PWSK_SOCKET, wsk::WSK_CONTROL_SOCKET_TYPE, wsk::ULONG,
                 wsk::ULONG, wsk::SIZE_T, const void*, wsk::SIZE_T out_size,
                 void* out, wsk::SIZE_T* returned, wsk::PIRP irp) {
    size_t n = out_size < sizeof(value) ? out_size : sizeof(value);
    if (out != nullptr && n > 0) memcpy(out, &value, n);
    if (returned != nullptr) *returned = sizeof(value);
    wsk::IoCompleteRequest(irp, wsk::STATUS_SUCCESS, sizeof(value));
    return wsk::STATUS_SUCCESS;
  };
}
// The reply to WskGetOption(SO_LXWSK_HOST_HANDLE).
inline auto AnswerHostHandle(int fd) { return ControlAnswers<int>(fd); }

// WskGetLocalAddress / WskGetRemoteAddress answering with an address of
// `len` bytes (Windows form).
inline auto CompleteWithAddress(const void* address, size_t len) {
  std::vector<char> bytes(static_cast<const char*>(address),
                          static_cast<const char*>(address) + len);
  return [bytes](wsk::PWSK_SOCKET, wsk::PSOCKADDR out, wsk::PIRP irp) {
    memcpy(out, bytes.data(), bytes.size());
    wsk::IoCompleteRequest(irp, wsk::STATUS_SUCCESS, bytes.size());
    return wsk::STATUS_SUCCESS;
  };
}

// ---- Inspection helpers ----

struct MdlRange {
  const void* address;
  size_t count;
  bool operator==(const MdlRange& o) const {
    return address == o.address && count == o.count;
  }
};
inline void PrintTo(const MdlRange& r, std::ostream* os) {
  *os << "{" << r.address << ", " << r.count << "}";
}

// The (address, byte count) ranges of a WSK_BUF's MDL chain; bounded so a
// cyclic chain fails the test instead of hanging it.
inline std::vector<MdlRange> MdlRanges(const wsk::WSK_BUF* buf) {
  std::vector<MdlRange> out;
  const wsk::MDL* m = buf != nullptr ? buf->Mdl : nullptr;
  for (int i = 0; m != nullptr && i < 4096; ++i, m = m->Next) {
    out.push_back({wsk::MmGetMdlVirtualAddress(m), m->ByteCount});
  }
  return out;
}

// What a data call (WskSend, WskReceive, WskSendTo, WskReceiveFrom: all take
// Socket, Buffer, Flags first and the IRP last) was handed. The WSK_BUF and
// its MDLs live on the caller's stack, so they are copied during the call.
struct CapturedBuffer {
  int calls = 0;
  std::vector<MdlRange> ranges;
  wsk::ULONG offset = 0;
  wsk::SIZE_T length = 0;
  wsk::ULONG flags = 0;
  int requestor = 0;
};
class CaptureBufferAction {
 public:
  CaptureBufferAction(CapturedBuffer* out, wsk::NTSTATUS status,
                      uintptr_t information)
      : out_(out), status_(status), information_(information) {}
  template <typename... Args>
  wsk::NTSTATUS operator()(Args... args) const {
    auto t = std::make_tuple(args...);
    const wsk::WSK_BUF* buf = std::get<1>(t);
    out_->calls++;
    out_->ranges = MdlRanges(buf);
    out_->offset = buf != nullptr ? buf->Offset : 0;
    out_->length = buf != nullptr ? buf->Length : 0;
    out_->flags = std::get<2>(t);
    wsk::PIRP irp = LastArgIrp(args...);
    out_->requestor = irp->RequestorHandle;
    wsk::IoCompleteRequest(irp, status_, information_);
    return status_;
  }

 private:
  CapturedBuffer* out_;
  wsk::NTSTATUS status_;
  uintptr_t information_;
};
inline CaptureBufferAction CaptureBuffer(CapturedBuffer* out,
                                         wsk::NTSTATUS status,
                                         uintptr_t information = 0) {
  return CaptureBufferAction(out, status, information);
}

// Bytes of a Windows SOCKADDR as a vector, for comparisons.
inline std::vector<uint8_t> Bytes(const void* p, size_t n) {
  return std::vector<uint8_t>(static_cast<const uint8_t*>(p),
                              static_cast<const uint8_t*>(p) + n);
}

// Linux addresses for tests (port in host order; network order inside).
inline sockaddr_in LinuxIn4(uint16_t port, uint8_t a, uint8_t b, uint8_t c,
                            uint8_t d) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  const uint8_t bytes[4] = {a, b, c, d};
  memcpy(&sin.sin_addr, bytes, 4);
  return sin;
}
// fd00::<last>, with a flow label and scope id so every byte is checked.
inline sockaddr_in6 LinuxIn6(uint16_t port, uint8_t last) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  sin6.sin6_flowinfo = htonl(0x12345);
  sin6.sin6_addr.s6_addr[0] = 0xfd;
  sin6.sin6_addr.s6_addr[15] = last;
  sin6.sin6_scope_id = 3;
  return sin6;
}
// The same address as a Windows SOCKADDR (AF_INET6 is 23 there).
template <typename LinuxAddr>
wsk::SOCKADDR_STORAGE WindowsForm(const LinuxAddr& lin) {
  wsk::SOCKADDR_STORAGE ws{};
  memcpy(&ws, &lin, sizeof(lin));
  const sa_family_t f = reinterpret_cast<const sockaddr&>(lin).sa_family;
  ws.ss_family = f == AF_INET6 ? 23 : f;
  return ws;
}

// Matches a `const SOCKADDR*` holding the Windows form of the Linux address
// `linux_address` (first `length` bytes): the family value rewritten (AF_INET6
// 10 -> 23), every other byte unchanged.
MATCHER_P2(IsWindowsFormOf, linux_address, length, "") {
  if (arg == nullptr) {
    *result_listener << "is null";
    return false;
  }
  const auto* lin = reinterpret_cast<const sockaddr*>(linux_address);
  const uint16_t want = lin->sa_family == AF_INET6 ? 23 : lin->sa_family;
  if (arg->sa_family != want) {
    *result_listener << "has family " << arg->sa_family << ", want " << want;
    return false;
  }
  if (memcmp(reinterpret_cast<const char*>(arg) + 2,
             reinterpret_cast<const char*>(lin) + 2,
             static_cast<size_t>(length) - 2) != 0) {
    *result_listener << "differs after the family field";
    return false;
  }
  return true;
}

// A page the process maps with no access: a pointer into it is a "bad user
// pointer" in the process's own address range. Mapped once and never
// unmapped, so the syscalls layer's page cache can never hold it.
inline void* NoAccessPage() {
  static void* page = [] {
    void* p =
        mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }();
  return page;
}

// ---- An LxSocket over mocks ----

inline constexpr int kHostFd = 42;

inline wsk::PWSK_CLIENT FakeClient() {
  static char client_tag;
  return reinterpret_cast<wsk::PWSK_CLIENT>(&client_tag);
}

// What lx::Socket asked WskSocket for.
struct WskSocketArgs {
  wsk::PWSK_CLIENT client = nullptr;
  wsk::ADDRESS_FAMILY family = 0;
  wsk::USHORT type = 0;
  wsk::ULONG protocol = 0;
  wsk::ULONG flags = 0;
  int requestor = 0;
};

// Creates a socket through lx::Socket(domain, type, protocol) over strict
// mocks; the category mock answers the host-handle query with `host_fd`.
// After construction the creation expectations are verified and cleared, so
// a test sets only the expectations of the call it exercises. The LxSocket is
// freed (without WskCloseSocket) on destruction unless Release()d.
template <typename CategoryMock>
class MockedSocket {
 public:
  MockedSocket(int domain, int type, int protocol = 0, int host_fd = kHostFd) {
    using ::testing::_;
    ws_.Dispatch = static_cast<const typename CategoryMock::Interface*>(
        static_cast<CategoryMock*>(&dispatch_));
    binding_.provider = &provider_;
    binding_.client = FakeClient();
    EXPECT_CALL(provider_, WskSocket(_, _, _, _, _, _, _, _, _, _, _))
        .WillOnce([this](wsk::PWSK_CLIENT client, wsk::ADDRESS_FAMILY family,
                         wsk::USHORT type, wsk::ULONG protocol,
                         wsk::ULONG flags, void*, const void*, void*, void*,
                         void*, wsk::PIRP irp) {
          args_ = {client, family, type, protocol, flags, irp->RequestorHandle};
          return CompleteWithSocket(&ws_)(irp);
        });
    EXPECT_CALL(dispatch_,
                WskControlSocket(&ws_, wsk::WskGetOption,
                                 wsk::SO_LXWSK_HOST_HANDLE, wsk::WS_SOL_SOCKET,
                                 _, _, sizeof(int), ::testing::NotNull(), _, _))
        .WillOnce(AnswerHostHandle(host_fd));
    lx::LxSocket* out = nullptr;
    fd_ = lx::Socket(binding_, domain, type, protocol, &out);
    socket_.reset(out);
    ::testing::Mock::VerifyAndClearExpectations(&provider_);
    ::testing::Mock::VerifyAndClearExpectations(&dispatch_);
  }
  MockedSocket(const MockedSocket&) = delete;
  MockedSocket& operator=(const MockedSocket&) = delete;

  bool ok() const { return socket_ != nullptr && fd_ >= 0; }
  lx::LxSocket& lx() { return *socket_; }
  lx::LxSocket* Release() { return socket_.release(); }
  int fd() const { return static_cast<int>(fd_); }
  long socket_result() const { return fd_; }
  wsk::PWSK_SOCKET wsk() { return &ws_; }
  ::testing::StrictMock<CategoryMock>& dispatch() { return dispatch_; }
  ::testing::StrictMock<MockProviderDispatch>& provider() { return provider_; }
  const lx::WskBinding& binding() const { return binding_; }
  const WskSocketArgs& socket_args() const { return args_; }

  // Marks the socket bound, as an explicit bind would (skips WskBind with
  // WSK_FLAG_LX_IMPLICIT_BIND on connect/sendto/listen).
  void MarkBound() { socket_->MarkBound(); }

 private:
  ::testing::StrictMock<MockProviderDispatch> provider_;
  ::testing::StrictMock<CategoryMock> dispatch_;
  wsk::WSK_SOCKET ws_{};
  lx::WskBinding binding_;
  WskSocketArgs args_;
  long fd_ = -1;
  std::unique_ptr<lx::LxSocket> socket_;
};

using MockedStreamSocket = MockedSocket<MockStreamDispatch>;
using MockedDatagramSocket = MockedSocket<MockDatagramDispatch>;
using MockedDatagramLxSocket = MockedSocket<MockDatagramLxDispatch>;

}  // namespace lxwsk_test

#endif  // LXWSK_TESTS_MOCKS_MOCK_WSK_DISPATCH_H_
