// WskSocket and WskSocketConnect (MS Learn "PFN_WSK_SOCKET",
// "PFN_WSK_SOCKET_CONNECT", "Winsock Kernel Socket Categories";
// shared/reference/wsk-api.md sections 2-4 and 6).
//
// Every call is checked twice, as in wine's driver_netio.c: the value the
// call returns, and the IoStatus the IRP was completed with (the IRP starts
// with a sentinel status so only the provider can have written it).
#include <cstdlib>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mock_host_stack.h"
#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace wsk {
namespace {

using test::FakeReactor;
using test::IrpProbe;
using test::kSentinelInformation;
using test::MockHostStack;
using ::testing::_;
using ::testing::NiceMock;
using ::testing::Return;

constexpr int kHostHandle = 30;

class WskSocketTest : public ::testing::Test {
 protected:
  WskSocketTest() : provider_(host_), client_{&provider_} {
    reactor_.Attach(host_);
  }

  NTSTATUS CallWskSocket(ADDRESS_FAMILY family, USHORT type, ULONG protocol,
                         ULONG flags, IrpProbe& probe,
                         const void* client_dispatch = nullptr) {
    return provider_.WskSocket(&client_, family, type, protocol, flags, nullptr,
                               client_dispatch, nullptr, nullptr, nullptr,
                               probe.get());
  }

  // Closes a socket created by the test and lets a non-inline close finish.
  void Close(PWSK_SOCKET socket) {
    IrpProbe close;
    provider_.WskCloseSocket(socket, close.get());
    reactor_.RunPosted();
    EXPECT_EQ(close.completions, 1);
  }

  NiceMock<MockHostStack> host_;
  FakeReactor reactor_;
  Provider provider_;
  WSK_CLIENT client_;
};

PWSK_SOCKET SocketOf(const IrpProbe& probe) {
  return reinterpret_cast<PWSK_SOCKET>(probe.irp.IoStatus.Information);
}

// "On success IoStatus.Information is the PWSK_SOCKET" and the call
// returns the status the IRP completed with; the IRP completes before
// WskSocket returns (nothing to wait for).
TEST_F(WskSocketTest, SuccessCompletesIrpWithSocketInInformation) {
  EXPECT_CALL(host_, Socket(_, _, _, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kHostHandle}));
  IrpProbe probe;
  EXPECT_EQ(CallWskSocket(WS_AF_INET, WS_SOCK_STREAM, WS_IPPROTO_TCP,
                          WSK_FLAG_CONNECTION_SOCKET, probe),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(probe.completed_status, STATUS_SUCCESS);
  ASSERT_NE(probe.irp.IoStatus.Information, 0u);
  ASSERT_NE(probe.irp.IoStatus.Information, kSentinelInformation);
  PWSK_SOCKET socket = SocketOf(probe);
  EXPECT_EQ(socket->Dispatch,
            static_cast<const WskProviderConnectionDispatch*>(&provider_));
  // Not inline: its host handle is the provider's and is not published.
  EXPECT_EQ(socket->LxHostHandle, -1);
  EXPECT_EQ(client_.open_sockets.load(), 1);
  EXPECT_CALL(host_, Close(kHostHandle)).WillOnce(Return(STATUS_SUCCESS));
  Close(socket);
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// Each category flag gives WSK_SOCKET.Dispatch the provider table of that
// category, which the client casts to the category's type. Listen,
// datagram and connection tables are distinct objects, and each works when
// called through that cast: basic -> WskCloseSocket, listen -> WskBind
// (which also listens), datagram -> WskSendTo, connection -> WskConnect,
// stream -> WskListen.
TEST_F(WskSocketTest, CategoryFlagSelectsDispatchTable) {
  struct Created {
    ULONG category;
    PWSK_SOCKET socket;
  };
  const ULONG categories[] = {WSK_FLAG_BASIC_SOCKET, WSK_FLAG_LISTEN_SOCKET,
                              WSK_FLAG_CONNECTION_SOCKET,
                              WSK_FLAG_DATAGRAM_SOCKET, WSK_FLAG_STREAM_SOCKET};
  std::vector<Created> created;
  int next_handle = 40;
  for (ULONG category : categories) {
    const USHORT type =
        category == WSK_FLAG_DATAGRAM_SOCKET ? WS_SOCK_DGRAM : WS_SOCK_STREAM;
    EXPECT_CALL(host_, Socket(WS_AF_INET, type, _, _))
        .WillOnce(Return(
            HostResult{STATUS_SUCCESS, static_cast<uintptr_t>(next_handle++)}))
        .RetiresOnSaturation();
    IrpProbe probe;
    ASSERT_EQ(CallWskSocket(WS_AF_INET, type, 0, category | WSK_FLAG_LX_INLINE,
                            probe),
              STATUS_SUCCESS)
        << "category " << category;
    created.push_back({category, SocketOf(probe)});
  }
  const void* listen = created[1].socket->Dispatch;
  const void* connection = created[2].socket->Dispatch;
  const void* datagram = created[3].socket->Dispatch;
  const void* stream = created[4].socket->Dispatch;
  EXPECT_EQ(listen, static_cast<const WskProviderListenDispatch*>(&provider_));
  EXPECT_EQ(datagram,
            static_cast<const WskProviderDatagramDispatch*>(&provider_));
  EXPECT_EQ(connection,
            static_cast<const WskProviderConnectionDispatch*>(&provider_));
  EXPECT_EQ(stream, static_cast<const WskProviderStreamDispatch*>(&provider_));
  EXPECT_NE(listen, datagram);
  EXPECT_NE(listen, connection);
  EXPECT_NE(datagram, connection);
  for (const Created& c : created) EXPECT_NE(c.socket->Dispatch, nullptr);

  SOCKADDR_IN local{WS_AF_INET, 0, {}, {}};
  const auto* any = reinterpret_cast<const SOCKADDR*>(&local);

  // listen -> WskBind also starts listening.
  EXPECT_CALL(host_, Bind(41, any)).WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, Listen(41, _)).WillOnce(Return(STATUS_SUCCESS));
  IrpProbe bind;
  auto* l = static_cast<WskProviderListenDispatch*>(const_cast<void*>(listen));
  EXPECT_EQ(l->WskBind(created[1].socket, any, 0, bind.get()), STATUS_SUCCESS);

  // connection -> WskBind + WskConnect.
  EXPECT_CALL(host_, Bind(42, any)).WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, Connect(42, any)).WillOnce(Return(STATUS_SUCCESS));
  auto* c = static_cast<WskProviderConnectionDispatch*>(
      const_cast<void*>(connection));
  bind.Reset();
  EXPECT_EQ(c->WskBind(created[2].socket, any, 0, bind.get()), STATUS_SUCCESS);
  IrpProbe connect;
  EXPECT_EQ(c->WskConnect(created[2].socket, any, 0, connect.get()),
            STATUS_SUCCESS);

  // datagram -> WskBind + WskSendTo.
  EXPECT_CALL(host_, Bind(43, any)).WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, Send(43, _, _, any, nullptr, 0))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 0}));
  auto* d =
      static_cast<WskProviderDatagramDispatch*>(const_cast<void*>(datagram));
  bind.Reset();
  EXPECT_EQ(d->WskBind(created[3].socket, any, 0, bind.get()), STATUS_SUCCESS);
  WSK_BUF empty{nullptr, 0, 0};
  IrpProbe send;
  EXPECT_EQ(
      d->WskSendTo(created[3].socket, &empty, 0, any, 0, nullptr, send.get()),
      STATUS_SUCCESS);

  // stream -> WskBind + WskListen.
  EXPECT_CALL(host_, Bind(44, any)).WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, Listen(44, _)).WillOnce(Return(STATUS_SUCCESS));
  auto* s = static_cast<WskProviderStreamDispatch*>(const_cast<void*>(stream));
  bind.Reset();
  EXPECT_EQ(s->WskBind(created[4].socket, any, 0, bind.get()), STATUS_SUCCESS);
  IrpProbe listen_irp;
  EXPECT_EQ(s->WskListen(created[4].socket, listen_irp.get()), STATUS_SUCCESS);

  // basic -> WskCloseSocket, and every other socket closes through its own
  // table's basic members.
  for (int h = 40; h < 45; ++h) {
    EXPECT_CALL(host_, Close(h)).WillOnce(Return(STATUS_SUCCESS));
  }
  for (const Created& created_socket : created) {
    auto* basic = static_cast<WskProviderBasicDispatch*>(
        const_cast<void*>(created_socket.socket->Dispatch));
    IrpProbe close;
    EXPECT_EQ(basic->WskCloseSocket(created_socket.socket, close.get()),
              STATUS_SUCCESS);
    EXPECT_EQ(close.completions, 1);
  }
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// Flags that name no category (two categories at once, undefined bits) are
// STATUS_INVALID_PARAMETER; the IRP is completed with it ("the IRP is
// always completed") and no host socket is created.
TEST_F(WskSocketTest, BadCategoryIsInvalidParameter) {
  EXPECT_CALL(host_, Socket(_, _, _, _)).Times(0);
  const ULONG bad_flags[] = {
      WSK_FLAG_LISTEN_SOCKET | WSK_FLAG_CONNECTION_SOCKET,
      WSK_FLAG_DATAGRAM_SOCKET | WSK_FLAG_LISTEN_SOCKET, 0x10,
      WSK_FLAG_CONNECTION_SOCKET | 0x00800000};
  for (ULONG flags : bad_flags) {
    IrpProbe probe;
    EXPECT_EQ(
        CallWskSocket(WS_AF_INET, WS_SOCK_STREAM, WS_IPPROTO_TCP, flags, probe),
        STATUS_INVALID_PARAMETER)
        << std::hex << flags;
    EXPECT_EQ(probe.completions, 1);
    EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER);
    EXPECT_EQ(probe.irp.IoStatus.Information, 0u);
  }
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// WSK supports AF_INET and AF_INET6 (Windows value 23) only ("WSK Address
// Families"); another family is the second parameter's fault:
// STATUS_INVALID_PARAMETER_2. Linux's AF_INET6 (10) is not a Windows
// family.
TEST_F(WskSocketTest, NonIpFamilyIsInvalidParameter2) {
  EXPECT_CALL(host_, Socket(_, _, _, _)).Times(0);
  const ADDRESS_FAMILY families[] = {WS_AF_UNSPEC, 1 /* AF_UNIX */,
                                     10 /* Linux AF_INET6 */, 16};
  for (ADDRESS_FAMILY family : families) {
    IrpProbe probe;
    EXPECT_EQ(CallWskSocket(family, WS_SOCK_DGRAM, WS_IPPROTO_UDP,
                            WSK_FLAG_DATAGRAM_SOCKET, probe),
              STATUS_INVALID_PARAMETER_2)
        << family;
    EXPECT_EQ(probe.completions, 1);
    EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER_2);
    EXPECT_EQ(probe.irp.IoStatus.Information, 0u);
  }
}

// Listen, connection and stream sockets are connection-oriented: a
// SOCK_DGRAM type is the third parameter's fault,
// STATUS_INVALID_PARAMETER_3.
TEST_F(WskSocketTest, StreamCategoryWithDatagramTypeIsInvalidParameter3) {
  EXPECT_CALL(host_, Socket(_, _, _, _)).Times(0);
  const ULONG categories[] = {WSK_FLAG_LISTEN_SOCKET,
                              WSK_FLAG_CONNECTION_SOCKET,
                              WSK_FLAG_STREAM_SOCKET};
  for (ULONG category : categories) {
    IrpProbe probe;
    EXPECT_EQ(CallWskSocket(WS_AF_INET6, WS_SOCK_DGRAM, WS_IPPROTO_UDP,
                            category, probe),
              STATUS_INVALID_PARAMETER_3)
        << category;
    EXPECT_EQ(probe.completions, 1);
    EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER_3);
  }
}

// A failure of the transport is the request's result: returned and in the
// IRP, with no socket (Information 0) and nothing counted as open.
TEST_F(WskSocketTest, HostFailureIsPropagated) {
  EXPECT_CALL(host_, Socket(_, _, _, _))
      .WillOnce(Return(HostResult{STATUS_TOO_MANY_OPENED_FILES, 0}));
  IrpProbe probe;
  EXPECT_EQ(CallWskSocket(WS_AF_INET, WS_SOCK_STREAM, WS_IPPROTO_TCP,
                          WSK_FLAG_CONNECTION_SOCKET, probe),
            STATUS_TOO_MANY_OPENED_FILES);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_TOO_MANY_OPENED_FILES);
  EXPECT_EQ(probe.irp.IoStatus.Information, 0u);
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// The host adapter takes Windows values (host_stack.h): family 23, type and
// protocol reach it unchanged. A socket whose requests may pend needs a
// non-blocking, close-on-exec host handle, so the provider adds
// WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC.
TEST_F(WskSocketTest, PendingSocketGetsWindowsValuesAndNonblockCloexec) {
  EXPECT_CALL(host_, Socket(23, WS_SOCK_DGRAM, WS_IPPROTO_UDP,
                            WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kHostHandle}));
  IrpProbe probe;
  ASSERT_EQ(CallWskSocket(WS_AF_INET6, WS_SOCK_DGRAM, WS_IPPROTO_UDP,
                          WSK_FLAG_DATAGRAM_SOCKET, probe),
            STATUS_SUCCESS);
  EXPECT_CALL(host_, Close(kHostHandle)).WillOnce(Return(STATUS_SUCCESS));
  Close(SocketOf(probe));
}

// An inline socket's host handle keeps the blocking mode the caller asked
// for: only the caller's NONBLOCK/CLOEXEC bits are passed on.
TEST_F(WskSocketTest, InlineSocketPassesOnlyRequestedHostFlags) {
  EXPECT_CALL(host_, Socket(WS_AF_INET6, WS_SOCK_STREAM, WS_IPPROTO_TCP, 0))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kHostHandle}));
  EXPECT_CALL(host_, Socket(WS_AF_INET, WS_SOCK_RAW, WS_IPPROTO_ICMP,
                            WSK_FLAG_LX_CLOEXEC))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kHostHandle + 1}));
  IrpProbe blocking, cloexec;
  ASSERT_EQ(
      CallWskSocket(WS_AF_INET6, WS_SOCK_STREAM, WS_IPPROTO_TCP,
                    WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, blocking),
      STATUS_SUCCESS);
  ASSERT_EQ(CallWskSocket(WS_AF_INET, WS_SOCK_RAW, WS_IPPROTO_ICMP,
                          WSK_FLAG_DATAGRAM_SOCKET | WSK_FLAG_LX_INLINE |
                              WSK_FLAG_LX_CLOEXEC,
                          cloexec),
            STATUS_SUCCESS);
  EXPECT_CALL(host_, Close(kHostHandle)).WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, Close(kHostHandle + 1)).WillOnce(Return(STATUS_SUCCESS));
  Close(SocketOf(blocking));
  Close(SocketOf(cloexec));
}

// WskSocketConnect creates, binds and connects a connection socket in one
// request; on success IoStatus.Information is the new socket.
TEST_F(WskSocketTest, SocketConnectCreatesBindsAndConnects) {
  SOCKADDR_IN local{WS_AF_INET, 0, {}, {}};
  SOCKADDR_IN remote{WS_AF_INET, 0x5000, {{127, 0, 0, 1}}, {}};
  const auto* l = reinterpret_cast<const SOCKADDR*>(&local);
  const auto* r = reinterpret_cast<const SOCKADDR*>(&remote);
  {
    ::testing::InSequence seq;
    EXPECT_CALL(host_, Socket(WS_AF_INET, WS_SOCK_STREAM, WS_IPPROTO_TCP, _))
        .WillOnce(Return(HostResult{STATUS_SUCCESS, kHostHandle}));
    EXPECT_CALL(host_, Bind(kHostHandle, l)).WillOnce(Return(STATUS_SUCCESS));
    EXPECT_CALL(host_, Connect(kHostHandle, r))
        .WillOnce(Return(STATUS_SUCCESS));
  }
  IrpProbe probe;
  EXPECT_EQ(provider_.WskSocketConnect(&client_, WS_SOCK_STREAM, WS_IPPROTO_TCP,
                                       l, r, 0, nullptr, nullptr, nullptr,
                                       nullptr, nullptr, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  ASSERT_NE(probe.irp.IoStatus.Information, 0u);
  ASSERT_NE(probe.irp.IoStatus.Information, kSentinelInformation);
  PWSK_SOCKET socket = SocketOf(probe);
  EXPECT_EQ(socket->Dispatch,
            static_cast<const WskProviderConnectionDispatch*>(&provider_));
  EXPECT_CALL(host_, Close(kHostHandle)).WillOnce(Return(STATUS_SUCCESS));
  Close(socket);
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// WskSocketConnect's Flags are reserved (0) and both addresses are
// required and of one family; violations are STATUS_INVALID_PARAMETER with
// the IRP completed and no host socket created.
TEST_F(WskSocketTest, SocketConnectRejectsBadParameters) {
  EXPECT_CALL(host_, Socket(_, _, _, _)).Times(0);
  SOCKADDR_IN local{WS_AF_INET, 0, {}, {}};
  SOCKADDR_IN6 remote6{WS_AF_INET6, 0x5000, 0, {}, 0};
  const auto* l = reinterpret_cast<const SOCKADDR*>(&local);
  const auto* r6 = reinterpret_cast<const SOCKADDR*>(&remote6);
  struct Case {
    const SOCKADDR* local;
    const SOCKADDR* remote;
    ULONG flags;
  };
  const Case cases[] = {
      {nullptr, l, 0}, {l, nullptr, 0}, {l, l, 1}, {l, r6, 0}};
  for (const Case& c : cases) {
    IrpProbe probe;
    EXPECT_EQ(
        provider_.WskSocketConnect(&client_, WS_SOCK_STREAM, WS_IPPROTO_TCP,
                                   c.local, c.remote, c.flags, nullptr, nullptr,
                                   nullptr, nullptr, nullptr, probe.get()),
        STATUS_INVALID_PARAMETER);
    EXPECT_EQ(probe.completions, 1);
    EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER);
  }
}

// A failed connect is WskSocketConnect's result, and the socket the call
// created is closed again by the provider (the client never sees it).
// (A regression test: the provider once closed it with an IRP on its own
// stack, which the pending close then wrote to after the frame was gone.)
TEST_F(WskSocketTest, SocketConnectFailureClosesTheNewSocket) {
  SOCKADDR_IN local{WS_AF_INET, 0, {}, {}};
  SOCKADDR_IN remote{WS_AF_INET, 0x5000, {{127, 0, 0, 1}}, {}};
  const auto* l = reinterpret_cast<const SOCKADDR*>(&local);
  const auto* r = reinterpret_cast<const SOCKADDR*>(&remote);
  EXPECT_CALL(host_, Socket(_, _, _, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kHostHandle}));
  EXPECT_CALL(host_, Bind(kHostHandle, l)).WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, Connect(kHostHandle, r))
      .WillOnce(Return(STATUS_CONNECTION_REFUSED));
  EXPECT_CALL(host_, Close(kHostHandle)).WillOnce(Return(STATUS_SUCCESS));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskSocketConnect(&client_, WS_SOCK_STREAM, WS_IPPROTO_TCP,
                                       l, r, 0, nullptr, nullptr, nullptr,
                                       nullptr, nullptr, probe.get()),
            STATUS_CONNECTION_REFUSED);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_CONNECTION_REFUSED);
  EXPECT_EQ(probe.irp.IoStatus.Information, 0u);
  reactor_.RunPosted();
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

}  // namespace
}  // namespace wsk
