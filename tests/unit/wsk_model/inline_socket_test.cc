// Requests on WSK_FLAG_LX_INLINE sockets (wsk.h): every IRP completes in
// the calling thread, before the call returns, with the host's status and
// byte count. WSK rules checked here: MS Learn "PFN_WSK_SEND",
// "PFN_WSK_RECEIVE", "PFN_WSK_SEND_TO", "PFN_WSK_RECEIVE_FROM",
// "PFN_WSK_BIND", "PFN_WSK_CONNECT", "PFN_WSK_LISTEN", "PFN_WSK_ACCEPT",
// "PFN_WSK_DISCONNECT", "PFN_WSK_CLOSE_SOCKET" (shared/reference/wsk-api.md
// sections 4 and 6).
//
// As in wine's driver_netio.c, each IRP starts with a sentinel IoStatus;
// the return value and the IRP's final IoStatus are checked separately.
#include <cstring>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mock_host_stack.h"
#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace wsk {
namespace {

using test::IrpProbe;
using test::MockHostStack;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::StrictMock;

constexpr int kHandle = 10;
// A descriptor the program named (dup of kHandle), carried by the IRP.
constexpr int kRequestorHandle = 42;

template <typename Mock>
class InlineSocketTestBase : public ::testing::Test {
 protected:
  InlineSocketTestBase() : provider_(host_), client_{&provider_} {}

  PWSK_SOCKET MakeSocket(ULONG category, USHORT type, int handle = kHandle) {
    EXPECT_CALL(host_, Socket(_, type, _, _))
        .WillOnce(
            Return(HostResult{STATUS_SUCCESS, static_cast<uintptr_t>(handle)}))
        .RetiresOnSaturation();
    IrpProbe probe;
    EXPECT_EQ(provider_.WskSocket(
                  &client_, WS_AF_INET, type, 0, category | WSK_FLAG_LX_INLINE,
                  nullptr, nullptr, nullptr, nullptr, nullptr, probe.get()),
              STATUS_SUCCESS);
    return reinterpret_cast<PWSK_SOCKET>(probe.irp.IoStatus.Information);
  }

  void ImplicitBind(PWSK_SOCKET socket) {
    IrpProbe bind;
    ASSERT_EQ(provider_.WskBind(socket, nullptr, WSK_FLAG_LX_IMPLICIT_BIND,
                                bind.get()),
              STATUS_SUCCESS);
  }

  void CloseSocket(PWSK_SOCKET socket, int handle = kHandle) {
    EXPECT_CALL(host_, Close(handle)).WillOnce(Return(STATUS_SUCCESS));
    IrpProbe close;
    EXPECT_EQ(provider_.WskCloseSocket(socket, close.get()), STATUS_SUCCESS);
    EXPECT_EQ(close.completions, 1);
  }

  Mock host_;
  Provider provider_;
  WSK_CLIENT client_;
  SOCKADDR_IN any_{WS_AF_INET, 0, {}, {}};
  SOCKADDR_IN peer_{WS_AF_INET, 0x901f, {{192, 0, 2, 1}}, {}};
  const SOCKADDR* any() const {
    return reinterpret_cast<const SOCKADDR*>(&any_);
  }
  const SOCKADDR* peer() const {
    return reinterpret_cast<const SOCKADDR*>(&peer_);
  }
};

using InlineSocketTest = InlineSocketTestBase<NiceMock<MockHostStack>>;

// Expects the probe's IRP to have completed once, on this thread, with
// `status` and `information`, and not as a pending request.
void ExpectCompletedInline(const IrpProbe& probe, NTSTATUS status,
                           uintptr_t information) {
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.completed_on, std::this_thread::get_id());
  EXPECT_EQ(probe.irp.IoStatus.Status, status);
  EXPECT_EQ(probe.irp.IoStatus.Information, information);
  EXPECT_FALSE(probe.irp.PendingReturned);
}

// lxwsk extension: an inline socket's WSK_SOCKET carries its host handle,
// the same one SO_LXWSK_HOST_HANDLE reports.
TEST_F(InlineSocketTest, HostHandleIsPublishedInTheWskSocket) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_STREAM_SOCKET, WS_SOCK_STREAM, 17);
  EXPECT_EQ(socket->LxHostHandle, 17);
  int h = -1;
  SIZE_T returned = 0;
  IrpProbe probe;
  EXPECT_EQ(provider_.WskControlSocket(
                socket, WskGetOption, SO_LXWSK_HOST_HANDLE, WS_SOL_SOCKET, 0,
                nullptr, sizeof(h), &h, &returned, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(h, 17);
  EXPECT_EQ(returned, sizeof(int));
  CloseSocket(socket, 17);
}

// WskSend: "Information = bytes sent"; on an inline socket the IRP is
// completed before WskSend returns, and the return value is that status.
TEST_F(InlineSocketTest, SendCompletesInCallingThread) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  char data[] = "hello";
  MDL mdl{nullptr, data, 5, 0};
  WSK_BUF buf{&mdl, 0, 5};
  EXPECT_CALL(host_, Send(kHandle,
                          AllOf(Field(&WSK_BUF::Mdl, &mdl),
                                Field(&WSK_BUF::Length, 5u)),
                          WSK_FLAG_NODELAY, nullptr, nullptr, 0))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 5}));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskSend(socket, &buf, WSK_FLAG_NODELAY, probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 5);
  CloseSocket(socket);
}

// A failure is returned and in the IRP. An inline socket never pends: a
// would-block answer (non-blocking host handle) completes the IRP with
// STATUS_DEVICE_NOT_READY, as AFD does for a non-blocking socket (wsk.h).
TEST_F(InlineSocketTest, SendFailureAndWouldBlockCompleteWithHostStatus) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  MDL mdl{nullptr, nullptr, 0, 0};
  WSK_BUF buf{&mdl, 0, 0};
  EXPECT_CALL(host_, AsyncWait(_, _, _)).Times(0);
  EXPECT_CALL(host_, Send(kHandle, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_CONNECTION_RESET, 0}))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskSend(socket, &buf, 0, probe.get()),
            STATUS_CONNECTION_RESET);
  ExpectCompletedInline(probe, STATUS_CONNECTION_RESET, 0);
  probe.Reset();
  EXPECT_EQ(provider_.WskSend(socket, &buf, 0, probe.get()),
            STATUS_DEVICE_NOT_READY);
  ExpectCompletedInline(probe, STATUS_DEVICE_NOT_READY, 0);
  CloseSocket(socket);
}

// WskReceive: "Information = bytes received"; the buffer and the flags
// (lxwsk's WSK_FLAG_LX_PEEK included) reach the host unchanged and the data
// lands in the caller's MDL.
TEST_F(InlineSocketTest, ReceiveCompletesInCallingThreadWithBytes) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  char data[16] = {};
  MDL mdl{nullptr, data, sizeof(data), 0};
  WSK_BUF buf{&mdl, 2, 10};
  EXPECT_CALL(host_, Receive(kHandle,
                             AllOf(Field(&WSK_BUF::Mdl, &mdl),
                                   Field(&WSK_BUF::Offset, 2u),
                                   Field(&WSK_BUF::Length, 10u)),
                             WSK_FLAG_LX_PEEK | WSK_FLAG_WAITALL, nullptr,
                             nullptr, nullptr, nullptr))
      .WillOnce([](HostHandle, const WSK_BUF& b, ULONG, PSOCKADDR, CMSGHDR*,
                   ULONG*, ULONG*) {
        memcpy(static_cast<char*>(MmGetMdlVirtualAddress(b.Mdl)) + b.Offset,
               "abc", 3);
        return HostResult{STATUS_SUCCESS, 3};
      });
  IrpProbe probe;
  EXPECT_EQ(provider_.WskReceive(
                socket, &buf, WSK_FLAG_LX_PEEK | WSK_FLAG_WAITALL, probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 3);
  EXPECT_EQ(std::string(data + 2, 3), "abc");
  CloseSocket(socket);
}

// The IRP's RequestorHandle (the descriptor the program named) is the
// handle the host is asked to use, not the socket's own handle; without
// one (kNoRequestorHandle) the socket's handle is used.
TEST_F(InlineSocketTest, RequestorHandleIsPassedToHost) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  MDL mdl{nullptr, nullptr, 0, 0};
  WSK_BUF buf{&mdl, 0, 0};
  EXPECT_CALL(host_, Send(kRequestorHandle, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 1}));
  EXPECT_CALL(host_, Receive(kRequestorHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 2}));
  EXPECT_CALL(host_, Send(kHandle, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 3}));
  IrpProbe send(kRequestorHandle);
  EXPECT_EQ(provider_.WskSend(socket, &buf, 0, send.get()), STATUS_SUCCESS);
  ExpectCompletedInline(send, STATUS_SUCCESS, 1);
  IrpProbe receive(kRequestorHandle);
  EXPECT_EQ(provider_.WskReceive(socket, &buf, 0, receive.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(receive, STATUS_SUCCESS, 2);
  IrpProbe own(kNoRequestorHandle);
  EXPECT_EQ(provider_.WskSend(socket, &buf, 0, own.get()), STATUS_SUCCESS);
  ExpectCompletedInline(own, STATUS_SUCCESS, 3);
  CloseSocket(socket);
}

// lxwsk's WskLxSendMessage / WskLxReceiveMessage: a connection's send and
// receive with Windows-form control, handed to the host as given (no
// address), completed inline like WskSend / WskReceive.
TEST_F(InlineSocketTest, SendAndReceiveMessageCarryControlToTheHost) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  char data[4] = {};
  MDL mdl{nullptr, data, sizeof(data), 0};
  WSK_BUF buf{&mdl, 0, sizeof(data)};
  CMSGHDR control{sizeof(CMSGHDR), static_cast<int>(WS_SOL_SOCKET), 77};
  EXPECT_CALL(host_, Send(kRequestorHandle, Field(&WSK_BUF::Length, 4u), 0,
                          nullptr, &control, sizeof(control)))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 4}));
  IrpProbe probe(kRequestorHandle);
  EXPECT_EQ(provider_.WskLxSendMessage(socket, &buf, 0, sizeof(control),
                                       &control, probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 4);

  alignas(8) unsigned char out[64];
  ULONG out_len = sizeof(out);
  ULONG out_flags = 0;
  EXPECT_CALL(
      host_,
      Receive(kRequestorHandle, Field(&WSK_BUF::Length, 4u), WSK_FLAG_LX_PEEK,
              nullptr, reinterpret_cast<CMSGHDR*>(out), &out_len, &out_flags))
      .WillOnce([](HostHandle, const WSK_BUF&, ULONG, PSOCKADDR, CMSGHDR*,
                   ULONG* len, ULONG* flags) {
        *len = 32;
        *flags = WS_MSG_CTRUNC;
        return HostResult{STATUS_SUCCESS, 3};
      });
  IrpProbe receive(kRequestorHandle);
  EXPECT_EQ(provider_.WskLxReceiveMessage(
                socket, &buf, WSK_FLAG_LX_PEEK, &out_len,
                reinterpret_cast<CMSGHDR*>(out), &out_flags, receive.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(receive, STATUS_SUCCESS, 3);
  EXPECT_EQ(out_len, 32u);
  EXPECT_EQ(out_flags, WS_MSG_CTRUNC);
  CloseSocket(socket);
}

// WskSendTo on a bound datagram socket: remote address and control data
// reach the host as given; Information = bytes sent.
TEST_F(InlineSocketTest, SendToCompletesInCallingThread) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_DATAGRAM_SOCKET, WS_SOCK_DGRAM);
  ImplicitBind(socket);
  char data[8] = {};
  MDL mdl{nullptr, data, sizeof(data), 0};
  WSK_BUF buf{&mdl, 0, sizeof(data)};
  CMSGHDR control{sizeof(CMSGHDR), 0, 0};
  EXPECT_CALL(host_, Send(kRequestorHandle, Field(&WSK_BUF::Length, 8u), 0,
                          peer(), &control, sizeof(control)))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 8}));
  IrpProbe probe(kRequestorHandle);
  EXPECT_EQ(provider_.WskSendTo(socket, &buf, 0, peer(), sizeof(control),
                                &control, probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 8);
  CloseSocket(socket);
}

// "A datagram socket must be bound before WskSendTo": an unbound socket
// gets STATUS_INVALID_DEVICE_STATE and nothing is sent.
TEST_F(InlineSocketTest, SendToUnboundIsInvalidDeviceState) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_DATAGRAM_SOCKET, WS_SOCK_DGRAM);
  EXPECT_CALL(host_, Send(_, _, _, _, _, _)).Times(0);
  MDL mdl{nullptr, nullptr, 0, 0};
  WSK_BUF buf{&mdl, 0, 0};
  IrpProbe probe;
  EXPECT_EQ(
      provider_.WskSendTo(socket, &buf, 0, peer(), 0, nullptr, probe.get()),
      STATUS_INVALID_DEVICE_STATE);
  ExpectCompletedInline(probe, STATUS_INVALID_DEVICE_STATE, 0);
  CloseSocket(socket);
}

// WskReceiveFrom: the remote-address, control and control-flags outputs
// are the caller's (filled by the host); Information = bytes received.
TEST_F(InlineSocketTest, ReceiveFromCompletesInCallingThread) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_DATAGRAM_SOCKET, WS_SOCK_DGRAM);
  ImplicitBind(socket);
  char data[32] = {};
  MDL mdl{nullptr, data, sizeof(data), 0};
  WSK_BUF buf{&mdl, 0, sizeof(data)};
  SOCKADDR_IN from{};
  CMSGHDR control[4] = {};
  ULONG control_length = sizeof(control);
  ULONG control_flags = 0;
  EXPECT_CALL(host_, Receive(kHandle, Field(&WSK_BUF::Length, 32u), 0,
                             reinterpret_cast<PSOCKADDR>(&from), control,
                             &control_length, &control_flags))
      .WillOnce([](HostHandle, const WSK_BUF&, ULONG, PSOCKADDR remote,
                   CMSGHDR*, ULONG* length, ULONG* flags) {
        SOCKADDR_IN sender{WS_AF_INET, 0x3500, {{198, 51, 100, 7}}, {}};
        memcpy(remote, &sender, sizeof(sender));
        *length = 0;
        *flags = WS_MSG_TRUNC;
        return HostResult{STATUS_SUCCESS, 40};
      });
  IrpProbe probe;
  EXPECT_EQ(provider_.WskReceiveFrom(
                socket, &buf, 0, reinterpret_cast<PSOCKADDR>(&from),
                &control_length, control, &control_flags, probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 40);
  EXPECT_EQ(from.sin_port, 0x3500);
  EXPECT_EQ(control_length, 0u);
  EXPECT_EQ(control_flags, WS_MSG_TRUNC);
  CloseSocket(socket);
}

// "A connection socket must be bound before WskConnect" (wine netio:
// STATUS_INVALID_DEVICE_STATE); the host is not asked to connect.
TEST_F(InlineSocketTest, ConnectUnboundIsInvalidDeviceState) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Connect(_, _)).Times(0);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskConnect(socket, peer(), 0, probe.get()),
            STATUS_INVALID_DEVICE_STATE);
  ExpectCompletedInline(probe, STATUS_INVALID_DEVICE_STATE, 0);
  CloseSocket(socket);
}

// After a bind, WskConnect's result is the transport's: refused is
// returned and in the IRP; success likewise.
TEST_F(InlineSocketTest, ConnectAfterBindReturnsHostResult) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  ImplicitBind(socket);
  EXPECT_CALL(host_, Connect(kHandle, peer()))
      .WillOnce(Return(STATUS_CONNECTION_REFUSED))
      .WillOnce(Return(STATUS_SUCCESS));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskConnect(socket, peer(), 0, probe.get()),
            STATUS_CONNECTION_REFUSED);
  ExpectCompletedInline(probe, STATUS_CONNECTION_REFUSED, 0);
  probe.Reset();
  EXPECT_EQ(provider_.WskConnect(socket, peer(), 0, probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  CloseSocket(socket);
}

// WskConnect's Flags are reserved (0) and RemoteAddress is required.
TEST_F(InlineSocketTest, ConnectRejectsFlagsAndMissingAddress) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  ImplicitBind(socket);
  EXPECT_CALL(host_, Connect(_, _)).Times(0);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskConnect(socket, nullptr, 0, probe.get()),
            STATUS_INVALID_PARAMETER);
  ExpectCompletedInline(probe, STATUS_INVALID_PARAMETER, 0);
  probe.Reset();
  EXPECT_EQ(provider_.WskConnect(socket, peer(), 1, probe.get()),
            STATUS_INVALID_PARAMETER);
  ExpectCompletedInline(probe, STATUS_INVALID_PARAMETER, 0);
  CloseSocket(socket);
}

using InlineSocketStrictTest = InlineSocketTestBase<StrictMock<MockHostStack>>;

// WSK_FLAG_LX_IMPLICIT_BIND (wsk.h) is Linux's implicit bind: the host
// chooses the address when the socket is used, so the bind itself calls no
// host function at all (strict mock) and still counts as bound.
TEST_F(InlineSocketStrictTest, ImplicitBindCallsNoHostFunction) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  ::testing::Mock::VerifyAndClearExpectations(&host_);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskBind(socket, nullptr, WSK_FLAG_LX_IMPLICIT_BIND,
                              probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  ::testing::Mock::VerifyAndClearExpectations(&host_);
  // Bound: WskConnect now reaches the host instead of failing with
  // STATUS_INVALID_DEVICE_STATE.
  EXPECT_CALL(host_, Connect(kHandle, peer())).WillOnce(Return(STATUS_SUCCESS));
  IrpProbe connect;
  EXPECT_EQ(provider_.WskConnect(socket, peer(), 0, connect.get()),
            STATUS_SUCCESS);
  CloseSocket(socket);
}

// WskBind: LocalAddress is required and Flags are reserved (0).
TEST_F(InlineSocketTest, BindRequiresAddressAndZeroFlags) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Bind(_, _)).Times(0);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskBind(socket, nullptr, 0, probe.get()),
            STATUS_INVALID_PARAMETER);
  ExpectCompletedInline(probe, STATUS_INVALID_PARAMETER, 0);
  probe.Reset();
  EXPECT_EQ(provider_.WskBind(socket, any(), 0x4, probe.get()),
            STATUS_INVALID_PARAMETER);
  ExpectCompletedInline(probe, STATUS_INVALID_PARAMETER, 0);
  CloseSocket(socket);
}

// "For a listening socket, WskBind also starts listening" (MS Learn
// "PFN_WSK_BIND"; listen sockets have no WskListen). The backlog is the one
// set through SO_LXWSK_LISTEN_BACKLOG (wsk.h), on the handle the IRP names.
TEST_F(InlineSocketTest, ListenCategoryBindAlsoListens) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_LISTEN_SOCKET, WS_SOCK_STREAM);
  int backlog = 16;
  EXPECT_EQ(provider_.WskControlSocket(
                socket, WskSetOption, SO_LXWSK_LISTEN_BACKLOG, WS_SOL_SOCKET,
                sizeof(backlog), &backlog, 0, nullptr, nullptr, nullptr),
            STATUS_SUCCESS);
  {
    ::testing::InSequence seq;
    EXPECT_CALL(host_, Bind(kRequestorHandle, any()))
        .WillOnce(Return(STATUS_SUCCESS));
    EXPECT_CALL(host_, Listen(kRequestorHandle, 16))
        .WillOnce(Return(STATUS_SUCCESS));
  }
  IrpProbe probe(kRequestorHandle);
  EXPECT_EQ(provider_.WskBind(socket, any(), 0, probe.get()), STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  CloseSocket(socket);
}

// A listen socket whose bind fails does not listen; the bind failure is
// the result. A listen failure after a good bind is the result too.
TEST_F(InlineSocketTest, ListenCategoryBindFailureIsTheResult) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_LISTEN_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Bind(kHandle, any()))
      .WillOnce(Return(STATUS_ADDRESS_ALREADY_EXISTS))
      .WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, Listen(kHandle, _))
      .WillOnce(Return(STATUS_INSUFFICIENT_RESOURCES));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskBind(socket, any(), 0, probe.get()),
            STATUS_ADDRESS_ALREADY_EXISTS);
  ExpectCompletedInline(probe, STATUS_ADDRESS_ALREADY_EXISTS, 0);
  probe.Reset();
  EXPECT_EQ(provider_.WskBind(socket, any(), 0, probe.get()),
            STATUS_INSUFFICIENT_RESOURCES);
  ExpectCompletedInline(probe, STATUS_INSUFFICIENT_RESOURCES, 0);
  CloseSocket(socket);
}

// Only listen sockets listen at bind: a connection socket's bind is a bind.
TEST_F(InlineSocketTest, ConnectionCategoryBindDoesNotListen) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Bind(kHandle, any())).WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, Listen(_, _)).Times(0);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskBind(socket, any(), 0, probe.get()), STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  CloseSocket(socket);
}

// WskListen (stream sockets): "the socket must be bound". Unbound gives
// STATUS_INVALID_DEVICE_STATE without a host call; once bound the host
// listens.
TEST_F(InlineSocketTest, ListenRequiresBound) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_STREAM_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Listen(_, _)).Times(0);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskListen(socket, probe.get()),
            STATUS_INVALID_DEVICE_STATE);
  ExpectCompletedInline(probe, STATUS_INVALID_DEVICE_STATE, 0);
  ::testing::Mock::VerifyAndClearExpectations(&host_);

  EXPECT_CALL(host_, Bind(kHandle, any())).WillOnce(Return(STATUS_SUCCESS));
  IrpProbe bind;
  ASSERT_EQ(provider_.WskBind(socket, any(), 0, bind.get()), STATUS_SUCCESS);
  EXPECT_CALL(host_, Listen(kHandle, _)).WillOnce(Return(STATUS_SUCCESS));
  probe.Reset();
  EXPECT_EQ(provider_.WskListen(socket, probe.get()), STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  CloseSocket(socket);
}

// WskListen exists only in the stream table; a connection socket cannot
// listen (STATUS_NOT_SUPPORTED) even when bound.
TEST_F(InlineSocketTest, ListenOnConnectionSocketIsNotSupported) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  ImplicitBind(socket);
  EXPECT_CALL(host_, Listen(_, _)).Times(0);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskListen(socket, probe.get()), STATUS_NOT_SUPPORTED);
  ExpectCompletedInline(probe, STATUS_NOT_SUPPORTED, 0);
  CloseSocket(socket);
}

// WskAccept: "Information = new PWSK_SOCKET (a connection socket)"; the
// local and remote outputs are filled; the accepted socket is inline like
// its listener and uses its own host handle.
TEST_F(InlineSocketTest, AcceptReturnsConnectionSocket) {
  constexpr int kAccepted = 12;
  PWSK_SOCKET listener = MakeSocket(WSK_FLAG_LISTEN_SOCKET, WS_SOCK_STREAM);
  SOCKADDR_IN6 local{}, remote{};
  EXPECT_CALL(host_, Accept(kHandle, reinterpret_cast<PSOCKADDR>(&remote),
                            WSK_FLAG_LX_CLOEXEC))
      .WillOnce([](HostHandle, PSOCKADDR out, ULONG) {
        SOCKADDR_IN peer{WS_AF_INET, 0x1234, {{203, 0, 113, 9}}, {}};
        memcpy(out, &peer, sizeof(peer));
        return HostResult{STATUS_SUCCESS, kAccepted};
      });
  EXPECT_CALL(host_,
              GetLocalAddress(kAccepted, reinterpret_cast<PSOCKADDR>(&local)))
      .WillOnce([](HostHandle, PSOCKADDR out) {
        SOCKADDR_IN me{WS_AF_INET, 0x5000, {{127, 0, 0, 1}}, {}};
        memcpy(out, &me, sizeof(me));
        return HostResult{STATUS_SUCCESS, sizeof(me)};
      });
  IrpProbe probe;
  EXPECT_EQ(
      provider_.WskAccept(listener, WSK_FLAG_LX_CLOEXEC, nullptr, nullptr,
                          reinterpret_cast<PSOCKADDR>(&local),
                          reinterpret_cast<PSOCKADDR>(&remote), probe.get()),
      STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  auto* accepted =
      reinterpret_cast<PWSK_SOCKET>(probe.irp.IoStatus.Information);
  ASSERT_NE(accepted, nullptr);
  EXPECT_EQ(accepted->Dispatch,
            static_cast<const WskProviderConnectionDispatch*>(&provider_));
  EXPECT_EQ(reinterpret_cast<SOCKADDR_IN*>(&remote)->sin_port, 0x1234);
  EXPECT_EQ(reinterpret_cast<SOCKADDR_IN*>(&local)->sin_port, 0x5000);
  EXPECT_EQ(client_.open_sockets.load(), 2);
  // Its host handle is published in its WSK_SOCKET (lxwsk extension).
  EXPECT_EQ(accepted->LxHostHandle, kAccepted);
  EXPECT_EQ(listener->LxHostHandle, kHandle);

  // Inline like its listener: a send completes at once on its own handle.
  EXPECT_CALL(host_, Send(kAccepted, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  MDL mdl{nullptr, nullptr, 0, 0};
  WSK_BUF buf{&mdl, 0, 0};
  IrpProbe send;
  EXPECT_EQ(provider_.WskSend(accepted, &buf, 0, send.get()),
            STATUS_DEVICE_NOT_READY);
  ExpectCompletedInline(send, STATUS_DEVICE_NOT_READY, 0);
  CloseSocket(accepted, kAccepted);
  CloseSocket(listener);
}

// An accepted socket is bound (its local address is the listener's): a
// WskConnect on it reaches the transport, whose answer (already connected)
// is the result, not the bind-first rule's STATUS_INVALID_DEVICE_STATE.
TEST_F(InlineSocketTest, AcceptedSocketIsBound) {
  constexpr int kAccepted = 12;
  PWSK_SOCKET listener = MakeSocket(WSK_FLAG_STREAM_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Accept(kHandle, nullptr, 0))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kAccepted}));
  IrpProbe probe;
  ASSERT_EQ(provider_.WskAccept(listener, 0, nullptr, nullptr, nullptr, nullptr,
                                probe.get()),
            STATUS_SUCCESS);
  auto* accepted =
      reinterpret_cast<PWSK_SOCKET>(probe.irp.IoStatus.Information);
  ASSERT_NE(accepted, nullptr);
  EXPECT_CALL(host_, Connect(kAccepted, peer()))
      .WillOnce(Return(STATUS_CONNECTION_ACTIVE));
  IrpProbe connect;
  EXPECT_EQ(provider_.WskConnect(accepted, peer(), 0, connect.get()),
            STATUS_CONNECTION_ACTIVE);
  ExpectCompletedInline(connect, STATUS_CONNECTION_ACTIVE, 0);
  CloseSocket(accepted, kAccepted);
  CloseSocket(listener);
}

// WskAccept's WSK flags are reserved (only lxwsk's high-half bits are
// defined), and only listen/stream sockets accept.
TEST_F(InlineSocketTest, AcceptRejectsFlagsAndWrongCategory) {
  PWSK_SOCKET listener = MakeSocket(WSK_FLAG_LISTEN_SOCKET, WS_SOCK_STREAM);
  PWSK_SOCKET connection =
      MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM, kHandle + 1);
  EXPECT_CALL(host_, Accept(_, _, _)).Times(0);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskAccept(listener, 0x1, nullptr, nullptr, nullptr,
                                nullptr, probe.get()),
            STATUS_INVALID_PARAMETER);
  ExpectCompletedInline(probe, STATUS_INVALID_PARAMETER, 0);
  probe.Reset();
  EXPECT_EQ(provider_.WskAccept(connection, 0, nullptr, nullptr, nullptr,
                                nullptr, probe.get()),
            STATUS_INVALID_PARAMETER);
  ExpectCompletedInline(probe, STATUS_INVALID_PARAMETER, 0);
  CloseSocket(connection, kHandle + 1);
  CloseSocket(listener);
}

// WskDisconnect: graceful (0) or WSK_FLAG_ABORTIVE reach the host; final
// data goes out before the FIN; "Buffer must be NULL with ABORTIVE"
// (STATUS_INVALID_PARAMETER, no host call).
TEST_F(InlineSocketTest, DisconnectGracefulAbortiveAndFinalData) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  char data[4] = {'b', 'y', 'e', '!'};
  MDL mdl{nullptr, data, 4, 0};
  WSK_BUF buf{&mdl, 0, 4};
  {
    ::testing::InSequence seq;
    EXPECT_CALL(host_, Disconnect(kHandle, 0u))
        .WillOnce(Return(STATUS_SUCCESS));
    EXPECT_CALL(host_, Send(kHandle, Field(&WSK_BUF::Length, 4u), 0, nullptr,
                            nullptr, 0))
        .WillOnce(Return(HostResult{STATUS_SUCCESS, 4}));
    EXPECT_CALL(host_, Disconnect(kHandle, 0u))
        .WillOnce(Return(STATUS_SUCCESS));
    EXPECT_CALL(host_, Disconnect(kHandle, WSK_FLAG_ABORTIVE))
        .WillOnce(Return(STATUS_SUCCESS));
  }
  IrpProbe probe;
  EXPECT_EQ(provider_.WskDisconnect(socket, nullptr, 0, probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  probe.Reset();
  EXPECT_EQ(provider_.WskDisconnect(socket, &buf, 0, probe.get()),
            STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  probe.Reset();
  EXPECT_EQ(
      provider_.WskDisconnect(socket, &buf, WSK_FLAG_ABORTIVE, probe.get()),
      STATUS_INVALID_PARAMETER);
  ExpectCompletedInline(probe, STATUS_INVALID_PARAMETER, 0);
  probe.Reset();
  EXPECT_EQ(
      provider_.WskDisconnect(socket, nullptr, WSK_FLAG_ABORTIVE, probe.get()),
      STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  CloseSocket(socket);
}

// WskGetLocalAddress / WskGetRemoteAddress fill the caller's SOCKADDR; the
// host's status is the result.
TEST_F(InlineSocketTest, GetAddressesComeFromHost) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  SOCKADDR_IN6 out{};
  EXPECT_CALL(host_,
              GetLocalAddress(kHandle, reinterpret_cast<PSOCKADDR>(&out)))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, sizeof(SOCKADDR_IN)}));
  EXPECT_CALL(host_,
              GetRemoteAddress(kHandle, reinterpret_cast<PSOCKADDR>(&out)))
      .WillOnce(Return(HostResult{STATUS_INVALID_CONNECTION, 0}));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskGetLocalAddress(
                socket, reinterpret_cast<PSOCKADDR>(&out), probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  probe.Reset();
  EXPECT_EQ(provider_.WskGetRemoteAddress(
                socket, reinterpret_cast<PSOCKADDR>(&out), probe.get()),
            STATUS_INVALID_CONNECTION);
  ExpectCompletedInline(probe, STATUS_INVALID_CONNECTION, 0);
  CloseSocket(socket);
}

// WskCloseSocket on an inline socket closes the handle the IRP names (the
// program's descriptor), frees the socket and completes in the caller.
TEST_F(InlineSocketTest, CloseClosesRequestorHandle) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Close(kHandle)).Times(0);
  EXPECT_CALL(host_, Close(kRequestorHandle)).WillOnce(Return(STATUS_SUCCESS));
  IrpProbe probe(kRequestorHandle);
  EXPECT_EQ(provider_.WskCloseSocket(socket, probe.get()), STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// Without a requestor handle the socket's own handle is closed; the host's
// close status is the request's result.
TEST_F(InlineSocketTest, CloseWithoutRequestorClosesOwnHandle) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_DATAGRAM_SOCKET, WS_SOCK_DGRAM);
  EXPECT_CALL(host_, Close(kHandle)).WillOnce(Return(STATUS_INVALID_HANDLE));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskCloseSocket(socket, probe.get()),
            STATUS_INVALID_HANDLE);
  ExpectCompletedInline(probe, STATUS_INVALID_HANDLE, 0);
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// RequestorHandle == kHandleAlreadyClosed (irp.h): the caller disposed of
// the host handle itself, so the provider frees the socket without any
// host Close and completes with success.
TEST_F(InlineSocketTest, CloseWithHandleAlreadyClosedCallsNoHostClose) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Close(_)).Times(0);
  IrpProbe probe(kHandleAlreadyClosed);
  EXPECT_EQ(provider_.WskCloseSocket(socket, probe.get()), STATUS_SUCCESS);
  ExpectCompletedInline(probe, STATUS_SUCCESS, 0);
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

}  // namespace
}  // namespace wsk
