// socket(), adopt, close, bind, connect, listen, accept4, getsockname,
// getpeername and shutdown over gmock WSK dispatch tables.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lx/syscalls.h"
#include "mocks/mock_wsk_dispatch.h"
#include "wsk/wsk.h"

namespace lxwsk_test {
namespace {

using ::testing::_;
using ::testing::AtMost;
using ::testing::InSequence;
using ::testing::IsNull;
using ::testing::NotNull;
using ::testing::StrictMock;
using ::testing::Truly;

// Matches an IRP whose requestor handle is `fd`: every request on a socket
// must name the descriptor the program used.
// ---------------------------------------------------------------------------
// socket()

TEST(SocketTest, StreamTakesStreamCategoryInline) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.fd(), kHostFd);
  const WskSocketArgs& a = s.socket_args();
  EXPECT_EQ(a.client, FakeClient());
  EXPECT_EQ(a.family, wsk::WS_AF_INET);
  EXPECT_EQ(a.type, wsk::WS_SOCK_STREAM);
  EXPECT_EQ(a.protocol, wsk::WS_IPPROTO_TCP);
  EXPECT_EQ(a.flags, wsk::WSK_FLAG_STREAM_SOCKET | wsk::WSK_FLAG_LX_INLINE);
  EXPECT_EQ(a.requestor, wsk::kNoRequestorHandle);
  EXPECT_EQ(s.lx().category, wsk::WSK_FLAG_STREAM_SOCKET);
  EXPECT_EQ(s.lx().wsk, s.wsk());
  EXPECT_EQ(s.lx().dispatch, s.wsk()->Dispatch);
  EXPECT_EQ(s.lx().family, AF_INET);
  EXPECT_EQ(s.lx().type, SOCK_STREAM);
  EXPECT_EQ(s.lx().protocol, IPPROTO_TCP);
  EXPECT_FALSE(s.lx().bound.load());
  EXPECT_EQ(s.lx().refs.load(), 1);
}

TEST(SocketTest, DatagramTakesDatagramCategory) {
  MockedDatagramSocket s(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
  ASSERT_TRUE(s.ok());
  const WskSocketArgs& a = s.socket_args();
  EXPECT_EQ(a.family, wsk::WS_AF_INET6);  // 10 on Linux, 23 on Windows
  EXPECT_EQ(a.type, wsk::WS_SOCK_DGRAM);
  EXPECT_EQ(a.protocol, wsk::WS_IPPROTO_UDP);
  EXPECT_EQ(a.flags, wsk::WSK_FLAG_DATAGRAM_SOCKET | wsk::WSK_FLAG_LX_INLINE);
  EXPECT_EQ(s.lx().category, wsk::WSK_FLAG_DATAGRAM_SOCKET);
  EXPECT_EQ(s.lx().family, AF_INET6);
  EXPECT_EQ(s.lx().type, SOCK_DGRAM);
}

TEST(SocketTest, RawTakesDatagramCategory) {
  MockedDatagramSocket s(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.socket_args().type, wsk::WS_SOCK_RAW);
  EXPECT_EQ(s.socket_args().flags & wsk::WSK_SOCKET_CATEGORY_MASK,
            wsk::WSK_FLAG_DATAGRAM_SOCKET);
}

TEST(SocketTest, TypeFlagsBecomeExtensionFlags) {
  struct Case {
    int linux_flags;
    wsk::ULONG wsk_flags;
  };
  const Case cases[] = {
      {0, 0},
      {SOCK_NONBLOCK, wsk::WSK_FLAG_LX_NONBLOCK},
      {SOCK_CLOEXEC, wsk::WSK_FLAG_LX_CLOEXEC},
      {SOCK_NONBLOCK | SOCK_CLOEXEC,
       wsk::WSK_FLAG_LX_NONBLOCK | wsk::WSK_FLAG_LX_CLOEXEC},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.linux_flags);
    MockedStreamSocket s(AF_INET, SOCK_STREAM | c.linux_flags);
    ASSERT_TRUE(s.ok());
    // Windows types carry no flags: the type is stripped, the flags travel
    // as WSK_FLAG_LX_* bits.
    EXPECT_EQ(s.socket_args().type, wsk::WS_SOCK_STREAM);
    EXPECT_EQ(s.socket_args().flags, wsk::WSK_FLAG_STREAM_SOCKET |
                                         wsk::WSK_FLAG_LX_INLINE | c.wsk_flags);
    EXPECT_EQ(s.lx().type, SOCK_STREAM);
  }
}

TEST(SocketTest, BadTypeIsEinvalWithoutAnyWskCall) {
  StrictMock<MockProviderDispatch> provider;
  lx::WskBinding b{&provider, FakeClient()};
  const int bad_types[] = {
      SOCK_STREAM | 0x10,  // a flag bit that is not NONBLOCK/CLOEXEC
      SOCK_DGRAM | 0x100,
      SOCK_STREAM | 0x40000000,
      SOCK_STREAM | SOCK_NONBLOCK | 0x1000,
      11,  // SOCK_MAX
      15,
      -1,
  };
  for (int type : bad_types) {
    SCOPED_TRACE(type);
    lx::LxSocket* out = nullptr;
    EXPECT_EQ(lx::Socket(b, AF_INET, type, 0, &out), -EINVAL);
    EXPECT_EQ(out, nullptr);
  }
}

TEST(SocketTest, NoProviderIsEafnosupport) {
  lx::WskBinding b{};
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(lx::Socket(b, AF_INET, SOCK_STREAM, 0, &out), -EAFNOSUPPORT);
  EXPECT_EQ(out, nullptr);
}

TEST(SocketTest, ProviderParameterStatusesBecomeSocketErrnos) {
  struct Case {
    wsk::NTSTATUS status;
    int err;
  };
  const Case cases[] = {
      {wsk::STATUS_INVALID_PARAMETER_2, EAFNOSUPPORT},
      {wsk::STATUS_INVALID_PARAMETER_3, ESOCKTNOSUPPORT},
      {wsk::STATUS_INVALID_PARAMETER_4, EPROTONOSUPPORT},
      {wsk::STATUS_TOO_MANY_OPENED_FILES, EMFILE},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.err);
    StrictMock<MockProviderDispatch> provider;
    lx::WskBinding b{&provider, FakeClient()};
    EXPECT_CALL(provider,
                WskSocket(FakeClient(), wsk::WS_AF_INET, wsk::WS_SOCK_STREAM,
                          253u, _, _, _, _, _, _, NotNull()))
        .WillOnce(CompleteIrp(c.status));
    lx::LxSocket* out = nullptr;
    EXPECT_EQ(lx::Socket(b, AF_INET, SOCK_STREAM, 253, &out), -c.err);
    EXPECT_EQ(out, nullptr);
  }
}

TEST(SocketTest, HostHandleFailureClosesTheNewSocket) {
  StrictMock<MockProviderDispatch> provider;
  StrictMock<MockStreamDispatch> stream;
  wsk::WSK_SOCKET ws{static_cast<const wsk::WskProviderStreamDispatch*>(
      static_cast<MockStreamDispatch*>(&stream))};
  lx::WskBinding b{&provider, FakeClient()};
  InSequence seq;
  EXPECT_CALL(provider, WskSocket(_, _, _, _, _, _, _, _, _, _, _))
      .WillOnce(CompleteWithSocket(&ws));
  EXPECT_CALL(stream,
              WskControlSocket(&ws, wsk::WskGetOption,
                               wsk::SO_LXWSK_HOST_HANDLE, _, _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_TOO_MANY_OPENED_FILES));
  EXPECT_CALL(stream, WskCloseSocket(&ws, IrpFor(wsk::kNoRequestorHandle)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(lx::Socket(b, AF_INET, SOCK_STREAM, 0, &out), -EMFILE);
  EXPECT_EQ(out, nullptr);
}

// A provider that publishes the new socket's host handle in its WSK_SOCKET
// (lxwsk extension, as the real provider does for inline sockets) is not
// asked for it: WskSocket is the only request (a strict mock fails on any
// WskControlSocket).
TEST(SocketTest, PublishedHostHandleNeedsNoQuery) {
  StrictMock<MockProviderDispatch> provider;
  StrictMock<MockStreamDispatch> stream;
  wsk::WSK_SOCKET ws{static_cast<const wsk::WskProviderStreamDispatch*>(
                         static_cast<MockStreamDispatch*>(&stream)),
                     57};
  lx::WskBinding b{&provider, FakeClient()};
  EXPECT_CALL(provider, WskSocket(_, _, _, _, _, _, _, _, _, _, _))
      .WillOnce(CompleteWithSocket(&ws));
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(lx::Socket(b, AF_INET, SOCK_STREAM, 0, &out), 57);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->wsk, &ws);
  EXPECT_CALL(stream, WskCloseSocket(&ws, IrpFor(57)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_TRUE(lx::ReleaseRef(out));
  EXPECT_EQ(lx::CloseSocket(out, 57), 0);
}

TEST(SocketTest, UncompletedIrpIsEio) {
  // STATUS_PENDING from an inline socket breaks the provider contract: the
  // layer must not read Information as a socket.
  StrictMock<MockProviderDispatch> provider;
  lx::WskBinding b{&provider, FakeClient()};
  EXPECT_CALL(provider, WskSocket(_, _, _, _, _, _, _, _, _, _, _))
      .WillOnce(::testing::Return(wsk::STATUS_PENDING));
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(lx::Socket(b, AF_INET, SOCK_STREAM, 0, &out), -EIO);
  EXPECT_EQ(out, nullptr);
}

TEST(SocketTest, UsesWskOnlyForIpFamilies) {
  EXPECT_TRUE(lx::UsesWsk(AF_INET));
  EXPECT_TRUE(lx::UsesWsk(AF_INET6));
  EXPECT_FALSE(lx::UsesWsk(AF_UNIX));
  EXPECT_FALSE(lx::UsesWsk(AF_NETLINK));
  EXPECT_FALSE(lx::UsesWsk(AF_PACKET));
  EXPECT_FALSE(lx::UsesWsk(AF_UNSPEC));
}

// ---------------------------------------------------------------------------
// Adopt, references, close

TEST(AdoptTest, NonIpFamilyIsEafnosupportWithoutWskCall) {
  StrictMock<MockProviderDispatch> provider;
  lx::WskBinding b{&provider, FakeClient()};
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(lx::Adopt(b, 5, AF_UNIX, SOCK_STREAM, 0, &out), -EAFNOSUPPORT);
  EXPECT_EQ(out, nullptr);
}

TEST(AdoptTest, WrapsTheHostFdUnbound) {
  StrictMock<MockProviderDispatch> provider;
  StrictMock<MockDatagramDispatch> datagram;
  wsk::WSK_SOCKET ws{static_cast<const wsk::WskProviderDatagramDispatch*>(
      static_cast<MockDatagramDispatch*>(&datagram))};
  lx::WskBinding b{&provider, FakeClient()};
  EXPECT_CALL(
      provider,
      WskLxAdoptSocket(FakeClient(), 7, wsk::WS_AF_INET6, wsk::WS_SOCK_DGRAM,
                       wsk::WS_IPPROTO_UDP,
                       wsk::WSK_FLAG_DATAGRAM_SOCKET | wsk::WSK_FLAG_LX_INLINE,
                       IrpFor(7)))
      .WillOnce(CompleteWithSocket(&ws));
  lx::LxSocket* out = nullptr;
  ASSERT_EQ(lx::Adopt(b, 7, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, &out), 0);
  ASSERT_NE(out, nullptr);
  std::unique_ptr<lx::LxSocket> owned(out);
  EXPECT_EQ(out->category, wsk::WSK_FLAG_DATAGRAM_SOCKET);
  EXPECT_EQ(out->wsk, &ws);
  // Inherited sockets may be unbound: the first connect, listen or send-to
  // issues the implicit bind (next test).
  EXPECT_FALSE(out->bound.load());
  EXPECT_EQ(out->family, AF_INET6);
}

// An inherited socket that was never bound: connect() issues the implicit
// WskBind before WskConnect, as for a fresh socket, instead of meeting
// WSK's bind-first rule (STATUS_INVALID_DEVICE_STATE -> EPROTOTYPE).
TEST(AdoptTest, ConnectOnAdoptedSocketBindsImplicitlyFirst) {
  StrictMock<MockProviderDispatch> provider;
  StrictMock<MockStreamDispatch> stream;
  wsk::WSK_SOCKET ws{static_cast<const wsk::WskProviderStreamDispatch*>(
      static_cast<MockStreamDispatch*>(&stream))};
  lx::WskBinding b{&provider, FakeClient()};
  EXPECT_CALL(
      provider,
      WskLxAdoptSocket(FakeClient(), 7, wsk::WS_AF_INET, wsk::WS_SOCK_STREAM, 0,
                       wsk::WSK_FLAG_STREAM_SOCKET | wsk::WSK_FLAG_LX_INLINE,
                       IrpFor(7)))
      .WillOnce(CompleteWithSocket(&ws));
  lx::LxSocket* out = nullptr;
  ASSERT_EQ(lx::Adopt(b, 7, AF_INET, SOCK_STREAM, 0, &out), 0);
  ASSERT_NE(out, nullptr);
  std::unique_ptr<lx::LxSocket> owned(out);
  const sockaddr_in peer = LinuxIn4(80, 127, 0, 0, 1);
  {
    InSequence seq;
    EXPECT_CALL(stream, WskBind(&ws, IsNull(), wsk::WSK_FLAG_LX_IMPLICIT_BIND,
                                IrpFor(7)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
    EXPECT_CALL(stream, WskConnect(&ws, IsWindowsFormOf(&peer, sizeof(peer)),
                                   0u, IrpFor(7)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  }
  EXPECT_EQ(lx::Connect(*out, 7, reinterpret_cast<const sockaddr*>(&peer),
                        sizeof(peer)),
            0);
  EXPECT_TRUE(out->bound.load());
}

// An inherited socket that was never bound (socket() before exec): sendto
// binds implicitly first, as for a socket created here. It used to skip the
// bind and the provider refused WskSendTo (STATUS_INVALID_DEVICE_STATE,
// EPROTOTYPE).
TEST(AdoptTest, AdoptedDatagramSocketBindsImplicitlyBeforeSendTo) {
  StrictMock<MockProviderDispatch> provider;
  StrictMock<MockDatagramDispatch> datagram;
  wsk::WSK_SOCKET ws{static_cast<const wsk::WskProviderDatagramDispatch*>(
      static_cast<MockDatagramDispatch*>(&datagram))};
  lx::WskBinding b{&provider, FakeClient()};
  EXPECT_CALL(provider, WskLxAdoptSocket(_, 7, _, _, _, _, _))
      .WillOnce(CompleteWithSocket(&ws));
  lx::LxSocket* out = nullptr;
  ASSERT_EQ(lx::Adopt(b, 7, AF_INET, SOCK_DGRAM, IPPROTO_UDP, &out), 0);
  std::unique_ptr<lx::LxSocket> owned(out);
  {
    InSequence seq;
    EXPECT_CALL(datagram, WskBind(&ws, IsNull(), wsk::WSK_FLAG_LX_IMPLICIT_BIND,
                                  IrpFor(7)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
    EXPECT_CALL(datagram, WskSendTo(&ws, _, _, NotNull(), _, _, IrpFor(7)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 3));
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(lx::SendTo(*out, 7, "abc", 3, 0,
                       reinterpret_cast<const sockaddr*>(&to), sizeof(to)),
            3);
  EXPECT_TRUE(out->bound.load());
}

TEST(AdoptTest, ProviderErrorIsReturned) {
  StrictMock<MockProviderDispatch> provider;
  lx::WskBinding b{&provider, FakeClient()};
  EXPECT_CALL(provider, WskLxAdoptSocket(_, _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_HANDLE));
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(lx::Adopt(b, 7, AF_INET, SOCK_STREAM, 0, &out), -EBADF);
  EXPECT_EQ(out, nullptr);
}

TEST(CloseTest, ReferencesCountFds) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  lx::AddRef(&s.lx());  // dup
  EXPECT_EQ(s.lx().refs.load(), 2);
  EXPECT_FALSE(lx::ReleaseRef(&s.lx()));
  EXPECT_TRUE(lx::ReleaseRef(&s.lx()));
}

TEST(CloseTest, LastCloseIssuesWskCloseSocketForTheFd) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  EXPECT_CALL(s.dispatch(), WskCloseSocket(s.wsk(), IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::CloseSocket(s.Release(), kHostFd), 0);  // frees the object
}

TEST(CloseTest, AlreadyClosedHandleAndErrorsPassThrough) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  EXPECT_CALL(s.dispatch(),
              WskCloseSocket(s.wsk(), IrpFor(wsk::kHandleAlreadyClosed)))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_HANDLE));
  EXPECT_EQ(lx::CloseSocket(s.Release(), wsk::kHandleAlreadyClosed), -EBADF);
}

// ---------------------------------------------------------------------------
// connect() on UDP with an address the protocol refuses

// inet_dgram_connect autobinds before ip4_datagram_connect checks the
// address: the refusal comes after a bind to the wildcard address, port 0.
// A length under a family's, over 128, or a bad pointer come first.
TEST(DatagramConnectTest, RefusedAddressBindsLikeAnAutobindFirst) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in6 v6 = LinuxIn6(53, 1);
  const sockaddr_in any = LinuxIn4(0, 0, 0, 0, 0);
  EXPECT_CALL(s.dispatch(), WskBind(s.wsk(), IsWindowsFormOf(&any, sizeof(any)),
                                    0u, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&v6),
                        sizeof(v6)),
            -EAFNOSUPPORT);
  EXPECT_TRUE(s.lx().bound.load());
}

TEST(DatagramConnectTest, AddressCopyErrorsBindNothing) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in to = LinuxIn4(53, 127, 0, 0, 1);
  EXPECT_EQ(
      lx::Connect(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&to), 1),
      -EINVAL);
  EXPECT_EQ(
      lx::Connect(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&to), 129),
      -EINVAL);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(8),
                        sizeof(to)),
            -EFAULT);
  EXPECT_FALSE(s.lx().bound.load());
}

// ---------------------------------------------------------------------------
// bind()

TEST(BindTest, PassesTheWindowsAddressAndMarksBound) {
  MockedStreamSocket s(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in6 addr = LinuxIn6(8080, 1);
  EXPECT_CALL(s.dispatch(),
              WskBind(s.wsk(), IsWindowsFormOf(&addr, sizeof(addr)), 0u,
                      IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&addr),
                     sizeof(addr)),
            0);
  EXPECT_TRUE(s.lx().bound.load());
  // Bound: connect goes straight to WskConnect, no implicit bind.
  const sockaddr_in6 peer = LinuxIn6(80, 2);
  EXPECT_CALL(s.dispatch(), WskConnect(s.wsk(), _, 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd,
                        reinterpret_cast<const sockaddr*>(&peer), sizeof(peer)),
            0);
}

TEST(BindTest, DatagramUsesTheDatagramTable) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in addr = LinuxIn4(5353, 0, 0, 0, 0);
  EXPECT_CALL(s.dispatch(),
              WskBind(s.wsk(), IsWindowsFormOf(&addr, sizeof(addr)), 0u,
                      IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&addr),
                     sizeof(addr)),
            0);
  EXPECT_TRUE(s.lx().bound.load());
}

TEST(BindTest, BadAddressPointerIsEfaultWithoutWskCall) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(1),
                     sizeof(sockaddr_in)),
            -EFAULT);
  ASSERT_NE(NoAccessPage(), nullptr);
  EXPECT_EQ(
      lx::Bind(s.lx(), kHostFd, static_cast<const sockaddr*>(NoAccessPage()),
               sizeof(sockaddr_in)),
      -EFAULT);
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, nullptr, sizeof(sockaddr_in)), -EFAULT);
  EXPECT_FALSE(s.lx().bound.load());
}

TEST(BindTest, BadLengthsAreEinvalWithoutWskCall) {
  MockedStreamSocket s(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in in4 = LinuxIn4(80, 127, 0, 0, 1);
  const sockaddr_in6 in6 = LinuxIn6(80, 1);
  sockaddr_storage big{};
  memcpy(&big, &in4, sizeof(in4));
  auto* a4 = reinterpret_cast<const sockaddr*>(&in4);
  auto* a6 = reinterpret_cast<const sockaddr*>(&in6);
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, a4, 8), -EINVAL);  // < sockaddr_in
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, a4, 15), -EINVAL);
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, a6, 23), -EINVAL);  // < 24
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, a4, 1), -EINVAL);   // < sa_family
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, a4, 0), -EINVAL);
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&big),
                     sizeof(sockaddr_storage) + 1),
            -EINVAL);
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, a4, static_cast<socklen_t>(-1)), -EINVAL);
  // A bad length is judged before the pointer is read.
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(1),
                     static_cast<socklen_t>(-1)),
            -EINVAL);
}

TEST(BindTest, Rfc2133LengthIsEnoughForIpv6) {
  MockedStreamSocket s(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in6 addr = LinuxIn6(8080, 1);
  EXPECT_CALL(s.dispatch(), WskBind(s.wsk(), IsWindowsFormOf(&addr, 24), 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(
      lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&addr), 24),
      0);
}

TEST(BindTest, ProviderErrorLeavesTheSocketUnbound) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in addr = LinuxIn4(80, 127, 0, 0, 1);
  EXPECT_CALL(s.dispatch(), WskBind(s.wsk(), _, 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SHARING_VIOLATION));
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&addr),
                     sizeof(addr)),
            -EADDRINUSE);
  EXPECT_FALSE(s.lx().bound.load());
}

TEST(BindTest, ShortInetAddressIsEinvalWithoutWskCall) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in addr = LinuxIn4(80, 127, 0, 0, 1);
  EXPECT_EQ(
      lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&addr), 8),
      -EINVAL);
  EXPECT_FALSE(s.lx().bound.load());
}

TEST(BindTest, AnotherFamilyIsEafnosupportWithoutWskCall) {
  // inet_bind / inet6_bind judge the family after the length.
  MockedStreamSocket s4(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s4.ok());
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  EXPECT_EQ(lx::Bind(s4.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&un),
                     sizeof(un)),
            -EAFNOSUPPORT);
  const sockaddr_in6 in6 = LinuxIn6(80, 1);
  EXPECT_EQ(lx::Bind(s4.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&in6),
                     sizeof(in6)),
            -EAFNOSUPPORT);
  MockedDatagramSocket s6(AF_INET6, SOCK_DGRAM);
  ASSERT_TRUE(s6.ok());
  sockaddr_storage in4{};
  const sockaddr_in a4 = LinuxIn4(80, 127, 0, 0, 1);
  memcpy(&in4, &a4, sizeof(a4));
  EXPECT_EQ(lx::Bind(s6.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&in4),
                     sizeof(sockaddr_in6)),
            -EAFNOSUPPORT);
}

TEST(BindTest, UnspecAnyBindsAsInet) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  sockaddr_in any = LinuxIn4(5000, 0, 0, 0, 0);
  any.sin_family = AF_UNSPEC;
  sockaddr_in want = any;
  want.sin_family = AF_INET;
  EXPECT_CALL(s.dispatch(),
              WskBind(s.wsk(), IsWindowsFormOf(&want, sizeof(want)), 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Bind(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&any),
                     sizeof(any)),
            0);
}

// ---------------------------------------------------------------------------
// connect()

class ConnectTest : public ::testing::Test {
 protected:
  // The state queries Connect makes when an address is refused: no remote
  // address, not listening, TCP_INFO state `tcp_state` (7: TCP_CLOSE).
  static void ExpectUnconnectedState(MockedStreamSocket& s, int times,
                                     unsigned char tcp_state = 7) {
    EXPECT_CALL(s.dispatch(), WskGetRemoteAddress(s.wsk(), NotNull(), _))
        .Times(times)
        .WillRepeatedly(CompleteIrp(wsk::STATUS_INVALID_CONNECTION));
    EXPECT_CALL(
        s.dispatch(),
        WskControlSocket(s.wsk(), wsk::WskGetOption, wsk::WS_SO_ACCEPTCONN,
                         wsk::WS_SOL_SOCKET, _, _, _, _, _, _))
        .Times(times)
        .WillRepeatedly(ControlAnswers<uint32_t>(0));
    EXPECT_CALL(s.dispatch(),
                WskControlSocket(s.wsk(), wsk::WskGetOption,
                                 static_cast<wsk::ULONG>(TCP_INFO),
                                 wsk::WskLxLevel(IPPROTO_TCP), 0u, IsNull(), _,
                                 NotNull(), _, _))
        .Times(times)
        .WillRepeatedly(ControlAnswers<unsigned char>(tcp_state));
  }
  const sockaddr* peer4() const {
    return reinterpret_cast<const sockaddr*>(&peer4_);
  }
  const sockaddr* peer6() const {
    return reinterpret_cast<const sockaddr*>(&peer6_);
  }
  sockaddr_in peer4_ = LinuxIn4(80, 192, 0, 2, 7);
  sockaddr_in6 peer6_ = LinuxIn6(443, 9);
};

// TCP binds nothing for a refused address (tcp_v4_connect checks first).
TEST_F(ConnectTest, StreamRefusedAddressBindsNothing) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  // The state checks that come before the address (unconnected: none hits).
  ExpectUnconnectedState(s, 1);
  const sockaddr_in6 v6 = LinuxIn6(53, 1);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&v6),
                        sizeof(v6)),
            -EAFNOSUPPORT);
  EXPECT_FALSE(s.lx().bound.load());
}

TEST_F(ConnectTest, RefusedIsEconnrefused) {
  // The issue's headline example.
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  s.MarkBound();
  EXPECT_CALL(s.dispatch(),
              WskConnect(s.wsk(), IsWindowsFormOf(&peer4_, sizeof(peer4_)), 0u,
                         IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_CONNECTION_REFUSED));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)),
            -ECONNREFUSED);
}

TEST_F(ConnectTest, WouldBlockIsEinprogress) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  ASSERT_TRUE(s.ok());
  s.MarkBound();
  EXPECT_CALL(s.dispatch(), WskConnect(s.wsk(), _, 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_DEVICE_NOT_READY));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)),
            -EINPROGRESS);
}

TEST_F(ConnectTest, ConnectionStatesMapToLinuxErrnos) {
  struct Case {
    wsk::NTSTATUS status;
    int err;
  };
  const Case cases[] = {
      {wsk::STATUS_NETWORK_BUSY, EALREADY},
      {wsk::STATUS_CONNECTION_ACTIVE, EISCONN},
      {wsk::STATUS_IO_TIMEOUT, ETIMEDOUT},
      {wsk::STATUS_NETWORK_UNREACHABLE, ENETUNREACH},
      {wsk::STATUS_HOST_UNREACHABLE, EHOSTUNREACH},
      {wsk::STATUS_REMOTE_NOT_LISTENING, ECONNREFUSED},
  };
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  s.MarkBound();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.err);
    EXPECT_CALL(s.dispatch(), WskConnect(s.wsk(), _, 0u, _))
        .WillOnce(CompleteIrp(c.status))
        .RetiresOnSaturation();
    EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)), -c.err);
  }
}

TEST_F(ConnectTest, UnboundStreamBindsImplicitlyThenConnectsInWindowsForm) {
  MockedStreamSocket s(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  {
    InSequence seq;
    EXPECT_CALL(s.dispatch(),
                WskBind(s.wsk(), IsNull(), wsk::WSK_FLAG_LX_IMPLICIT_BIND,
                        IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
    EXPECT_CALL(s.dispatch(), WskConnect(s.wsk(), _, 0u, IrpFor(kHostFd)))
        .WillOnce([&](wsk::PWSK_SOCKET, const wsk::SOCKADDR* a, wsk::ULONG,
                      wsk::PIRP irp) {
          // sa_family 23; port, flow label, address and scope id unchanged.
          EXPECT_EQ(a->sa_family, 23);
          wsk::SOCKADDR_IN6 w;
          memcpy(&w, a, sizeof(w));
          EXPECT_EQ(w.sin6_port, htons(443));
          EXPECT_EQ(w.sin6_flowinfo, htonl(0x12345));
          EXPECT_EQ(0,
                    memcmp(w.sin6_addr.u_Byte, peer6_.sin6_addr.s6_addr, 16));
          EXPECT_EQ(w.sin6_scope_id, 3u);
          return CompleteIrp(wsk::STATUS_SUCCESS)(irp);
        });
  }
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer6(), sizeof(peer6_)), 0);
  EXPECT_TRUE(s.lx().bound.load());
}

TEST_F(ConnectTest, ImplicitBindFailureStopsTheConnect) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  EXPECT_CALL(s.dispatch(),
              WskBind(s.wsk(), IsNull(), wsk::WSK_FLAG_LX_IMPLICIT_BIND, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SHARING_VIOLATION));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)), -EADDRINUSE);
  EXPECT_FALSE(s.lx().bound.load());
}

TEST_F(ConnectTest, AfUnspecOnStreamIsAnAbortiveDisconnect) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  EXPECT_CALL(
      s.dispatch(),
      WskDisconnect(s.wsk(), IsNull(), wsk::WSK_FLAG_ABORTIVE, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, &unspec, sizeof(unspec)), 0);
}

TEST_F(ConnectTest, AfUnspecNeedsOnlyTheFamily) {
  // __inet_stream_connect / inet_dgram_connect: sizeof(sa_family_t) is
  // enough for AF_UNSPEC, on both IP families.
  MockedStreamSocket s6(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s6.ok());
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  EXPECT_CALL(s6.dispatch(),
              WskDisconnect(s6.wsk(), IsNull(), wsk::WSK_FLAG_ABORTIVE, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Connect(s6.lx(), kHostFd, &unspec, sizeof(sa_family_t)), 0);
  EXPECT_EQ(lx::Connect(s6.lx(), kHostFd, &unspec, 1), -EINVAL);
}

TEST_F(ConnectTest, AfUnspecNeedsOnlyTheFamilyOnIpv4) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  EXPECT_CALL(s.dispatch(),
              WskDisconnect(s.wsk(), IsNull(), wsk::WSK_FLAG_ABORTIVE, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, &unspec, sizeof(sa_family_t)), 0);
}

TEST_F(ConnectTest, Ipv6StreamRefusesAnIpv4AddressWithoutAConnect) {
  // tcp_v6_connect: shorter than 24 is EINVAL, another family EAFNOSUPPORT.
  MockedStreamSocket s(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  sockaddr_storage in4{};
  memcpy(&in4, &peer4_, sizeof(peer4_));
  // Neither connected, listening nor connecting: the address error stands.
  ExpectUnconnectedState(s, 2);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)), -EINVAL);
  EXPECT_EQ(
      lx::Connect(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(&in4),
                  sizeof(sockaddr_in6)),
      -EAFNOSUPPORT);
  EXPECT_FALSE(s.lx().bound.load());
}

TEST_F(ConnectTest, ConnectInProgressIsEalreadyWhateverTheAddress) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  ASSERT_TRUE(s.ok());
  ExpectUnconnectedState(s, 2, /*TCP_SYN_SENT*/ 2);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), 2), -EALREADY);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer6(), sizeof(peer6_)), -EALREADY);
}

TEST_F(ConnectTest, ConnectedOrListeningIsEisconnWhateverTheAddress) {
  // __inet_stream_connect checks the state before tcp_v6_connect looks at
  // the address; only move_addr_to_kernel's checks and a length too short
  // for the family come first.
  MockedStreamSocket s(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const wsk::SOCKADDR_STORAGE remote = WindowsForm(peer6_);
  EXPECT_CALL(s.dispatch(),
              WskGetRemoteAddress(s.wsk(), NotNull(), IrpFor(kHostFd)))
      .WillOnce(CompleteWithAddress(&remote, sizeof(wsk::SOCKADDR_IN6)))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_CONNECTION));
  EXPECT_CALL(
      s.dispatch(),
      WskControlSocket(s.wsk(), wsk::WskGetOption, wsk::WS_SO_ACCEPTCONN,
                       wsk::WS_SOL_SOCKET, _, _, _, _, _, _))
      .WillOnce(ControlAnswers<uint32_t>(1));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)), -EISCONN);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer6(), 2), -EISCONN);
  // Too short to hold a family, or beyond sockaddr_storage: EINVAL first.
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer6(), 1), -EINVAL);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer6(), 129), -EINVAL);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(1),
                        sizeof(sockaddr_in6)),
            -EFAULT);
}

TEST_F(ConnectTest, Ipv6DatagramPassesAnIpv4AddressToTheHost) {
  // ip6_datagram_connect connects an IPv4 address (v4-mapped use) unless
  // IPV6_V6ONLY: the host decides.
  MockedDatagramSocket s(AF_INET6, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  s.MarkBound();
  EXPECT_CALL(
      s.dispatch(),
      WskControlSocket(s.wsk(), wsk::WskIoctl, wsk::SIO_WSK_SET_REMOTE_ADDRESS,
                       0u, sizeof(wsk::SOCKADDR_IN), Truly([&](const void* p) {
                         return ::testing::Value(
                             static_cast<const wsk::SOCKADDR*>(p),
                             IsWindowsFormOf(&peer4_, sizeof(peer4_)));
                       }),
                       _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)), 0);
}

TEST_F(ConnectTest, DatagramSetsTheRemoteAddress) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  {
    InSequence seq;
    EXPECT_CALL(s.dispatch(),
                WskBind(s.wsk(), IsNull(), wsk::WSK_FLAG_LX_IMPLICIT_BIND,
                        IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
    EXPECT_CALL(s.dispatch(),
                WskControlSocket(
                    s.wsk(), wsk::WskIoctl, wsk::SIO_WSK_SET_REMOTE_ADDRESS, 0u,
                    sizeof(wsk::SOCKADDR_IN), Truly([&](const void* p) {
                      return ::testing::Value(
                          static_cast<const wsk::SOCKADDR*>(p),
                          IsWindowsFormOf(&peer4_, sizeof(peer4_)));
                    }),
                    _, _, _, IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  }
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)), 0);
  EXPECT_TRUE(s.lx().bound.load());
}

TEST_F(ConnectTest, DatagramIpv6SetsA28ByteWindowsAddress) {
  MockedDatagramSocket s(AF_INET6, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  s.MarkBound();
  EXPECT_CALL(
      s.dispatch(),
      WskControlSocket(s.wsk(), wsk::WskIoctl, wsk::SIO_WSK_SET_REMOTE_ADDRESS,
                       0u, sizeof(wsk::SOCKADDR_IN6), Truly([&](const void* p) {
                         return ::testing::Value(
                             static_cast<const wsk::SOCKADDR*>(p),
                             IsWindowsFormOf(&peer6_, sizeof(peer6_)));
                       }),
                       _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer6(), sizeof(peer6_)), 0);
}

TEST_F(ConnectTest, DatagramAfUnspecDissolvesWithoutBinding) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  EXPECT_CALL(s.dispatch(),
              WskControlSocket(
                  s.wsk(), wsk::WskIoctl, wsk::SIO_WSK_SET_REMOTE_ADDRESS, 0u,
                  sizeof(wsk::SOCKADDR), Truly([](const void* p) {
                    return static_cast<const wsk::SOCKADDR*>(p)->sa_family ==
                           wsk::WS_AF_UNSPEC;
                  }),
                  _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, &unspec, sizeof(unspec)), 0);
  EXPECT_FALSE(s.lx().bound.load());
}

TEST_F(ConnectTest, DatagramErrorIsReturned) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  s.MarkBound();
  EXPECT_CALL(s.dispatch(), WskControlSocket(s.wsk(), wsk::WskIoctl,
                                             wsk::SIO_WSK_SET_REMOTE_ADDRESS, _,
                                             _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_NETWORK_UNREACHABLE));
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), sizeof(peer4_)),
            -ENETUNREACH);
}

TEST_F(ConnectTest, BadAddressIsEfaultOrEinvalWithoutAConnect) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, reinterpret_cast<const sockaddr*>(1),
                        sizeof(sockaddr_in)),
            -EFAULT);
  ExpectUnconnectedState(s, 3);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer4(), 8), -EINVAL);
  // tcp_v4_connect: the length first, then the family.
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer6(), 15), -EINVAL);
  EXPECT_EQ(lx::Connect(s.lx(), kHostFd, peer6(), 20), -EAFNOSUPPORT);
  EXPECT_FALSE(s.lx().bound.load());
}

// ---------------------------------------------------------------------------
// getsockname() / getpeername()

TEST(GetNameTest, LocalAddressComesBackInLinuxForm) {
  MockedStreamSocket s(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in6 lin = LinuxIn6(8080, 1);
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(lin);
  EXPECT_CALL(s.dispatch(),
              WskGetLocalAddress(s.wsk(), NotNull(), IrpFor(kHostFd)))
      .WillOnce(CompleteWithAddress(&ws, sizeof(wsk::SOCKADDR_IN6)));
  sockaddr_storage out;
  memset(&out, 0xAA, sizeof(out));
  socklen_t len = sizeof(out);
  EXPECT_EQ(
      lx::GetSockName(s.lx(), kHostFd, reinterpret_cast<sockaddr*>(&out), &len),
      0);
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  EXPECT_EQ(Bytes(&out, sizeof(lin)), Bytes(&lin, sizeof(lin)));
}

TEST(GetNameTest, TruncatesToTheCallersLengthAndReportsTheFullOne) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in lin = LinuxIn4(8080, 10, 0, 0, 1);
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(lin);
  EXPECT_CALL(s.dispatch(), WskGetLocalAddress(s.wsk(), _, _))
      .WillOnce(CompleteWithAddress(&ws, sizeof(wsk::SOCKADDR_IN)));
  unsigned char out[sizeof(sockaddr_in)];
  memset(out, 0xAA, sizeof(out));
  socklen_t len = 6;
  EXPECT_EQ(
      lx::GetSockName(s.lx(), kHostFd, reinterpret_cast<sockaddr*>(out), &len),
      0);
  EXPECT_EQ(len, sizeof(sockaddr_in));
  EXPECT_EQ(Bytes(out, 6), Bytes(&lin, 6));
  for (size_t i = 6; i < sizeof(out); ++i) EXPECT_EQ(out[i], 0xAA) << i;
}

TEST(GetNameTest, BadAddrlenPointerIsEfault) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(LinuxIn4(1, 1, 1, 1, 1));
  // Linux asks the protocol first and copies out after: either order is
  // invisible to the program, so the query is allowed but not required.
  EXPECT_CALL(s.dispatch(), WskGetLocalAddress(s.wsk(), _, _))
      .Times(AtMost(2))
      .WillRepeatedly(CompleteWithAddress(&ws, sizeof(wsk::SOCKADDR_IN)));
  sockaddr_in out{};
  EXPECT_EQ(lx::GetSockName(s.lx(), kHostFd, reinterpret_cast<sockaddr*>(&out),
                            reinterpret_cast<socklen_t*>(1)),
            -EFAULT);
  EXPECT_EQ(lx::GetSockName(s.lx(), kHostFd, reinterpret_cast<sockaddr*>(&out),
                            static_cast<socklen_t*>(NoAccessPage())),
            -EFAULT);
}

TEST(GetNameTest, NegativeAddrlenIsEinval) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(LinuxIn4(1, 1, 1, 1, 1));
  EXPECT_CALL(s.dispatch(), WskGetLocalAddress(s.wsk(), _, _))
      .Times(AtMost(1))
      .WillRepeatedly(CompleteWithAddress(&ws, sizeof(wsk::SOCKADDR_IN)));
  sockaddr_in out{};
  socklen_t len = static_cast<socklen_t>(-1);
  EXPECT_EQ(
      lx::GetSockName(s.lx(), kHostFd, reinterpret_cast<sockaddr*>(&out), &len),
      -EINVAL);
}

TEST(GetNameTest, BadAddressBufferIsEfault) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(LinuxIn4(1, 1, 1, 1, 1));
  EXPECT_CALL(s.dispatch(), WskGetLocalAddress(s.wsk(), _, _))
      .WillOnce(CompleteWithAddress(&ws, sizeof(wsk::SOCKADDR_IN)));
  socklen_t len = sizeof(sockaddr_in);
  EXPECT_EQ(lx::GetSockName(s.lx(), kHostFd,
                            static_cast<sockaddr*>(NoAccessPage()), &len),
            -EFAULT);
}

TEST(GetNameTest, PeerNameOnDatagramUsesTheDatagramTable) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  EXPECT_CALL(s.dispatch(), WskGetRemoteAddress(s.wsk(), _, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_CONNECTION));
  sockaddr_in out{};
  socklen_t len = sizeof(out);
  EXPECT_EQ(
      lx::GetPeerName(s.lx(), kHostFd, reinterpret_cast<sockaddr*>(&out), &len),
      -ENOTCONN);
}

TEST(GetNameTest, PeerNameOnStream) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  const sockaddr_in lin = LinuxIn4(443, 203, 0, 113, 5);
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(lin);
  EXPECT_CALL(s.dispatch(), WskGetRemoteAddress(s.wsk(), _, IrpFor(kHostFd)))
      .WillOnce(CompleteWithAddress(&ws, sizeof(wsk::SOCKADDR_IN)));
  sockaddr_in out{};
  socklen_t len = sizeof(out);
  EXPECT_EQ(
      lx::GetPeerName(s.lx(), kHostFd, reinterpret_cast<sockaddr*>(&out), &len),
      0);
  EXPECT_EQ(len, sizeof(sockaddr_in));
  EXPECT_EQ(Bytes(&out, sizeof(out)), Bytes(&lin, sizeof(lin)));
}

// ---------------------------------------------------------------------------
// listen() / accept4()

TEST(ListenTest, DatagramIsEopnotsuppWithoutWskCall) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(lx::Listen(s.lx(), kHostFd, 5), -EOPNOTSUPP);
}

TEST(ListenTest, BindsImplicitlySetsTheBacklogAndListens) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  InSequence seq;
  EXPECT_CALL(s.dispatch(),
              WskBind(s.wsk(), IsNull(), wsk::WSK_FLAG_LX_IMPLICIT_BIND, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_CALL(s.dispatch(),
              WskControlSocket(s.wsk(), wsk::WskSetOption,
                               wsk::SO_LXWSK_LISTEN_BACKLOG, wsk::WS_SOL_SOCKET,
                               sizeof(int), Truly([](const void* p) {
                                 int v;
                                 memcpy(&v, p, sizeof(v));
                                 return v == 128;
                               }),
                               _, _, _, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_CALL(s.dispatch(), WskListen(s.wsk(), IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Listen(s.lx(), kHostFd, 128), 0);
}

TEST(ListenTest, ListenErrorIsReturned) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  s.MarkBound();
  EXPECT_CALL(s.dispatch(), WskControlSocket(s.wsk(), wsk::WskSetOption,
                                             wsk::SO_LXWSK_LISTEN_BACKLOG, _, _,
                                             _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_CALL(s.dispatch(), WskListen(s.wsk(), _))
      .WillOnce(CompleteIrp(wsk::STATUS_ADDRESS_ALREADY_EXISTS));
  EXPECT_EQ(lx::Listen(s.lx(), kHostFd, 1), -EADDRINUSE);
}

class AcceptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(listener_.ok());
    accepted_ws_.Dispatch =
        static_cast<const wsk::WskProviderConnectionDispatch*>(
            static_cast<MockConnectionDispatch*>(&accepted_));
  }
  // WskAccept completing with accepted_ws_ and `peer` (Windows form).
  void ExpectAccept(wsk::ULONG flags, const wsk::SOCKADDR_STORAGE& peer) {
    EXPECT_CALL(listener_.dispatch(),
                WskAccept(listener_.wsk(), flags, _, _, _, _, IrpFor(kHostFd)))
        .WillOnce([this, peer](wsk::PWSK_SOCKET, wsk::ULONG, void*,
                               const wsk::WSK_CLIENT_CONNECTION_DISPATCH*,
                               wsk::PSOCKADDR, wsk::PSOCKADDR remote,
                               wsk::PIRP irp) {
          if (remote != nullptr)
            memcpy(remote, &peer, sizeof(wsk::SOCKADDR_IN6));
          return CompleteWithSocket(&accepted_ws_)(irp);
        });
  }
  void ExpectHostHandle(int fd) {
    EXPECT_CALL(accepted_, WskControlSocket(&accepted_ws_, wsk::WskGetOption,
                                            wsk::SO_LXWSK_HOST_HANDLE, _, _, _,
                                            _, _, _, _))
        .WillOnce(AnswerHostHandle(fd));
  }

  MockedStreamSocket listener_{AF_INET6, SOCK_STREAM};
  StrictMock<MockConnectionDispatch> accepted_;
  wsk::WSK_SOCKET accepted_ws_{};
};

TEST_F(AcceptTest, BadFlagsAreEinvalWithoutWskCall) {
  lx::LxSocket* out = nullptr;
  const int bad_flags[] = {1, MSG_DONTWAIT, 0x40000000, SOCK_NONBLOCK | 0x4};
  for (int flags : bad_flags) {
    SCOPED_TRACE(flags);
    EXPECT_EQ(lx::Accept4(listener_.binding(), listener_.lx(), kHostFd, nullptr,
                          nullptr, flags, &out),
              -EINVAL);
  }
  EXPECT_EQ(out, nullptr);
}

TEST_F(AcceptTest, DatagramIsEopnotsuppWithoutWskCall) {
  MockedDatagramSocket d(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(d.ok());
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(
      lx::Accept4(d.binding(), d.lx(), kHostFd, nullptr, nullptr, 0, &out),
      -EOPNOTSUPP);
}

TEST_F(AcceptTest, CreatesAConnectionSocketAndReportsThePeer) {
  const sockaddr_in6 peer = LinuxIn6(40000, 7);
  ExpectAccept(wsk::WSK_FLAG_LX_NONBLOCK | wsk::WSK_FLAG_LX_CLOEXEC,
               WindowsForm(peer));
  ExpectHostHandle(43);
  sockaddr_storage addr;
  memset(&addr, 0xAA, sizeof(addr));
  socklen_t len = sizeof(addr);
  lx::LxSocket* out = nullptr;
  ASSERT_EQ(lx::Accept4(listener_.binding(), listener_.lx(), kHostFd,
                        reinterpret_cast<sockaddr*>(&addr), &len,
                        SOCK_NONBLOCK | SOCK_CLOEXEC, &out),
            43);
  ASSERT_NE(out, nullptr);
  std::unique_ptr<lx::LxSocket> owned(out);
  EXPECT_EQ(out->category, wsk::WSK_FLAG_CONNECTION_SOCKET);
  EXPECT_EQ(out->wsk, &accepted_ws_);
  EXPECT_TRUE(out->bound.load());
  EXPECT_EQ(out->family, AF_INET6);
  EXPECT_EQ(out->type, SOCK_STREAM);
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  EXPECT_EQ(Bytes(&addr, sizeof(peer)), Bytes(&peer, sizeof(peer)));

  // An accepted socket cannot accept: EINVAL, no WSK call.
  lx::LxSocket* again = nullptr;
  EXPECT_EQ(
      lx::Accept4(listener_.binding(), *out, 43, nullptr, nullptr, 0, &again),
      -EINVAL);
}

// listen() on an accepted (connection) socket: WSK's connection table has
// no WskListen, but Linux lets the socket listen once connect(AF_UNSPEC)
// disconnected it. It becomes a stream socket (SIO_LXWSK_STREAM_CATEGORY)
// and the transport judges the listen: still connected is EINVAL.
TEST_F(AcceptTest, ListenOnAcceptedSocketBecomesStreamAndAsksTheTransport) {
  ExpectAccept(0, WindowsForm(LinuxIn6(40000, 7)));
  ExpectHostHandle(43);
  lx::LxSocket* out = nullptr;
  ASSERT_EQ(lx::Accept4(listener_.binding(), listener_.lx(), kHostFd, nullptr,
                        nullptr, 0, &out),
            43);
  std::unique_ptr<lx::LxSocket> owned(out);
  StrictMock<MockStreamDispatch> stream;
  const void* stream_table = static_cast<const wsk::WskProviderStreamDispatch*>(
      static_cast<MockStreamDispatch*>(&stream));
  {
    InSequence seq;
    EXPECT_CALL(accepted_,
                WskControlSocket(&accepted_ws_, wsk::WskIoctl,
                                 wsk::SIO_LXWSK_STREAM_CATEGORY, 0u, 0u,
                                 IsNull(), 0u, IsNull(), _, IrpFor(43)))
        .WillOnce([&](wsk::PWSK_SOCKET ws, wsk::WSK_CONTROL_SOCKET_TYPE,
                      wsk::ULONG, wsk::ULONG, wsk::SIZE_T, const void*,
                      wsk::SIZE_T, void*, wsk::SIZE_T*, wsk::PIRP irp) {
          ws->Dispatch = stream_table;  // what the provider does
          return CompleteIrp(wsk::STATUS_SUCCESS)(irp);
        });
    EXPECT_CALL(stream, WskControlSocket(&accepted_ws_, wsk::WskSetOption,
                                         wsk::SO_LXWSK_LISTEN_BACKLOG, _, _, _,
                                         _, _, _, IrpFor(43)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
    EXPECT_CALL(stream, WskListen(&accepted_ws_, IrpFor(43)))
        .WillOnce(CompleteIrp(wsk::STATUS_INVALID_PARAMETER));
  }
  EXPECT_EQ(lx::Listen(*out, 43, 1), -EINVAL);
  EXPECT_EQ(out->category, wsk::WSK_FLAG_STREAM_SOCKET);
  EXPECT_EQ(out->dispatch, stream_table);
}

TEST_F(AcceptTest, WithoutAddressAsksForNone) {
  EXPECT_CALL(listener_.dispatch(),
              WskAccept(listener_.wsk(), 0u, _, _, _, IsNull(), _))
      .WillOnce(CompleteWithSocket(&accepted_ws_));
  ExpectHostHandle(44);
  lx::LxSocket* out = nullptr;
  ASSERT_EQ(lx::Accept4(listener_.binding(), listener_.lx(), kHostFd, nullptr,
                        nullptr, 0, &out),
            44);
  delete out;
}

TEST_F(AcceptTest, ErrorIsReturned) {
  EXPECT_CALL(listener_.dispatch(),
              WskAccept(listener_.wsk(), _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_DEVICE_NOT_READY));
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(lx::Accept4(listener_.binding(), listener_.lx(), kHostFd, nullptr,
                        nullptr, SOCK_NONBLOCK, &out),
            -EAGAIN);
  EXPECT_EQ(out, nullptr);
}

TEST_F(AcceptTest, BadAddressBufferClosesTheNewConnection) {
  ExpectAccept(0, WindowsForm(LinuxIn6(1, 1)));
  ExpectHostHandle(45);
  EXPECT_CALL(accepted_, WskCloseSocket(&accepted_ws_, IrpFor(45)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  socklen_t len = sizeof(sockaddr_in6);
  lx::LxSocket* out = nullptr;
  EXPECT_EQ(lx::Accept4(listener_.binding(), listener_.lx(), kHostFd,
                        static_cast<sockaddr*>(NoAccessPage()), &len, 0, &out),
            -EFAULT);
  EXPECT_EQ(out, nullptr);
}

// ---------------------------------------------------------------------------
// shutdown()

TEST(ShutdownTest, InvalidHowIsEinvalWithoutWskCall) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(lx::Shutdown(s.lx(), kHostFd, 3), -EINVAL);
  EXPECT_EQ(lx::Shutdown(s.lx(), kHostFd, -1), -EINVAL);
  EXPECT_EQ(lx::Shutdown(s.lx(), kHostFd, 1000), -EINVAL);
}

TEST(ShutdownTest, StreamDisconnectFlags) {
  struct Case {
    int how;
    wsk::ULONG flags;
  };
  const Case cases[] = {
      {SHUT_RD, wsk::WSK_FLAG_LX_SHUT_RD | wsk::WSK_FLAG_LX_NO_SHUT_WR},
      {SHUT_WR, 0},  // WskDisconnect's own meaning: graceful send shutdown
      {SHUT_RDWR, wsk::WSK_FLAG_LX_SHUT_RD},
  };
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.how);
    EXPECT_CALL(s.dispatch(),
                WskDisconnect(s.wsk(), IsNull(), c.flags, IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS))
        .RetiresOnSaturation();
    EXPECT_EQ(lx::Shutdown(s.lx(), kHostFd, c.how), 0);
  }
}

TEST(ShutdownTest, NotConnectedIsEnotconn) {
  MockedStreamSocket s(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(s.ok());
  EXPECT_CALL(s.dispatch(), WskDisconnect(s.wsk(), _, 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_CONNECTION));
  EXPECT_EQ(lx::Shutdown(s.lx(), kHostFd, SHUT_WR), -ENOTCONN);
}

TEST(ShutdownTest, DatagramUsesTheShutdownIoctl) {
  MockedDatagramSocket s(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(s.ok());
  EXPECT_CALL(s.dispatch(),
              WskControlSocket(s.wsk(), wsk::WskIoctl, wsk::SIO_LXWSK_SHUTDOWN,
                               0u, sizeof(wsk::ULONG), Truly([](const void* p) {
                                 wsk::ULONG f;
                                 memcpy(&f, p, sizeof(f));
                                 return f == wsk::WSK_FLAG_LX_SHUT_RD;
                               }),
                               _, _, _, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Shutdown(s.lx(), kHostFd, SHUT_RDWR), 0);
}

// A reference taken through another fd (dup) must not revive an object
// whose last reference a racing close already dropped.
TEST(SocketRefTest, AddRefIfLiveRefusesADeadObject) {
  lx::LxSocket s;
  EXPECT_TRUE(lx::AddRefIfLive(&s));
  EXPECT_EQ(s.refs.load(), 2);
  EXPECT_FALSE(lx::ReleaseRef(&s));
  EXPECT_TRUE(lx::ReleaseRef(&s));  // the last one
  EXPECT_FALSE(lx::AddRefIfLive(&s));
  EXPECT_EQ(s.refs.load(), 0);
}

}  // namespace
}  // namespace lxwsk_test
