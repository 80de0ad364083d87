// WskControlSocket (MS Learn "PFN_WSK_CONTROL_SOCKET", "WSK Socket
// Options", "SO_WSK_EVENT_CALLBACK"; shared/reference/wsk-api.md sections
// 4, 7 and 8): set/get options and ioctls, with or without an IRP, and
// enabling/disabling event callbacks.
#include <cstdlib>
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mock_host_stack.h"
#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace wsk {
namespace {

using test::FakeReactor;
using test::IrpProbe;
using test::MockHostStack;
using ::testing::_;
using ::testing::NiceMock;
using ::testing::Return;

constexpr int kHandle = 60;
constexpr int kRequestorHandle = 61;

class ControlSocketTest : public ::testing::Test {
 protected:
  ControlSocketTest() : provider_(host_), client_{&provider_} {
    reactor_.Attach(host_);
  }

  PWSK_SOCKET MakeSocket(ULONG flags, USHORT type, int handle = kHandle) {
    EXPECT_CALL(host_, Socket(_, type, _, _))
        .WillOnce(
            Return(HostResult{STATUS_SUCCESS, static_cast<uintptr_t>(handle)}))
        .RetiresOnSaturation();
    IrpProbe probe;
    EXPECT_EQ(
        provider_.WskSocket(&client_, WS_AF_INET, type, 0, flags, nullptr,
                            nullptr, nullptr, nullptr, nullptr, probe.get()),
        STATUS_SUCCESS);
    return reinterpret_cast<PWSK_SOCKET>(probe.irp.IoStatus.Information);
  }

  // A bound, listening, pending-capable listen socket.
  PWSK_SOCKET MakeListeningSocket() {
    PWSK_SOCKET socket = MakeSocket(WSK_FLAG_LISTEN_SOCKET, WS_SOCK_STREAM);
    EXPECT_CALL(host_, Bind(kHandle, _)).WillOnce(Return(STATUS_SUCCESS));
    EXPECT_CALL(host_, Listen(kHandle, _)).WillOnce(Return(STATUS_SUCCESS));
    SOCKADDR_IN any{WS_AF_INET, 0, {}, {}};
    IrpProbe bind;
    EXPECT_EQ(provider_.WskBind(socket, reinterpret_cast<const SOCKADDR*>(&any),
                                0, bind.get()),
              STATUS_SUCCESS);
    return socket;
  }

  NTSTATUS SetEvents(PWSK_SOCKET socket, ULONG mask, PIRP irp = nullptr) {
    WSK_EVENT_CALLBACK_CONTROL control{&NPI_WSK_INTERFACE_ID, mask};
    return provider_.WskControlSocket(
        socket, WskSetOption, SO_WSK_EVENT_CALLBACK, WS_SOL_SOCKET,
        sizeof(control), &control, 0, nullptr, nullptr, irp);
  }

  void CloseSocket(PWSK_SOCKET socket, int handle = kHandle) {
    EXPECT_CALL(host_, Close(handle)).WillOnce(Return(STATUS_SUCCESS));
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

// SO_WSK_EVENT_CALLBACK: "A WSK application does not specify a pointer to
// an IRP when calling WskControlSocket to enable event callback
// functions"; the call returns its status directly. Enabling
// WSK_EVENT_ACCEPT on a bound listen socket starts watching for
// connections (one readable wait on the handle).
TEST_F(ControlSocketTest, EventCallbackEnableWithoutIrpReturnsInline) {
  PWSK_SOCKET socket = MakeListeningSocket();
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  EXPECT_EQ(SetEvents(socket, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  EXPECT_EQ(reactor_.OldestWaitKind(kHandle), HostWait::kReadable);
  CloseSocket(socket);
}

// Enabling with an IRP is not the documented call: it is rejected with
// STATUS_INVALID_PARAMETER, the IRP is completed with that status, and no
// event gets enabled.
TEST_F(ControlSocketTest, EventCallbackEnableWithIrpIsRejected) {
  PWSK_SOCKET socket = MakeListeningSocket();
  IrpProbe probe;
  EXPECT_EQ(SetEvents(socket, WSK_EVENT_ACCEPT, probe.get()),
            STATUS_INVALID_PARAMETER);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  CloseSocket(socket);
}

// "A WSK application can optionally specify a pointer to an IRP when
// calling WskControlSocket to disable an event callback function ... If
// there are no in-progress calls ... the IRP is completed with success
// status" (MS Learn "SO_WSK_EVENT_CALLBACK").
// (A regression test: the provider once closed it with an IRP on its own
// stack, which the pending close then wrote to after the frame was gone.)
TEST_F(ControlSocketTest, EventCallbackDisableWithIrpCompletesIrp) {
  PWSK_SOCKET socket = MakeListeningSocket();
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
  IrpProbe probe;
  EXPECT_EQ(
      SetEvents(socket, WSK_EVENT_ACCEPT | WSK_EVENT_DISABLE, probe.get()),
      STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  CloseSocket(socket);
}

// Each category has its own valid event flags (MS Learn
// "SO_WSK_EVENT_CALLBACK"): WSK_EVENT_ACCEPT is a listen-socket event,
// WSK_EVENT_RECEIVE_FROM a datagram event; asking a socket for another
// category's event, or for no event, is STATUS_INVALID_PARAMETER.
TEST_F(ControlSocketTest, EventCallbackRejectsEventsOfOtherCategories) {
  PWSK_SOCKET datagram = MakeSocket(WSK_FLAG_DATAGRAM_SOCKET, WS_SOCK_DGRAM);
  PWSK_SOCKET connection =
      MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM, kHandle + 1);
  EXPECT_EQ(SetEvents(datagram, WSK_EVENT_ACCEPT), STATUS_INVALID_PARAMETER);
  EXPECT_EQ(SetEvents(datagram, WSK_EVENT_RECEIVE), STATUS_INVALID_PARAMETER);
  EXPECT_EQ(SetEvents(connection, WSK_EVENT_RECEIVE_FROM),
            STATUS_INVALID_PARAMETER);
  EXPECT_EQ(SetEvents(connection, WSK_EVENT_ACCEPT), STATUS_INVALID_PARAMETER);
  EXPECT_EQ(SetEvents(connection, 0), STATUS_INVALID_PARAMETER);
  EXPECT_EQ(reactor_.WaitCount(), 0u);
  CloseSocket(connection, kHandle + 1);
  CloseSocket(datagram);
}

// The event interface belongs to in-process clients whose requests may
// pend (provider.h): an inline socket has none (STATUS_NOT_SUPPORTED).
TEST_F(ControlSocketTest, EventCallbackOnInlineSocketIsNotSupported) {
  PWSK_SOCKET socket = MakeSocket(
      WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_STREAM);
  EXPECT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE), STATUS_NOT_SUPPORTED);
  EXPECT_EQ(reactor_.WaitCount(), 0u);
  CloseSocket(socket);
}

// SO_LXWSK_HOST_HANDLE (WskGetOption, SOL_SOCKET) returns the host handle
// behind the socket (not the IRP's requestor handle) without asking the
// host; Information and *OutputSizeReturned are the bytes written.
TEST_F(ControlSocketTest, HostHandleOptionReturnsSocketHandle) {
  PWSK_SOCKET socket = MakeSocket(
      WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_STREAM);
  EXPECT_CALL(host_, GetOption(_, _, _, _, _)).Times(0);
  int handle = -1;
  SIZE_T returned = 0;
  IrpProbe probe(kRequestorHandle);
  EXPECT_EQ(provider_.WskControlSocket(
                socket, WskGetOption, SO_LXWSK_HOST_HANDLE, WS_SOL_SOCKET, 0,
                nullptr, sizeof(handle), &handle, &returned, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(handle, kHandle);
  EXPECT_EQ(returned, sizeof(int));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Information, sizeof(int));

  // Without an IRP the result comes back inline.
  handle = -1;
  EXPECT_EQ(provider_.WskControlSocket(
                socket, WskGetOption, SO_LXWSK_HOST_HANDLE, WS_SOL_SOCKET, 0,
                nullptr, sizeof(handle), &handle, &returned, nullptr),
            STATUS_SUCCESS);
  EXPECT_EQ(handle, kHandle);

  // A buffer too small for an int is STATUS_BUFFER_TOO_SMALL.
  short small = 0;
  probe.Reset();
  EXPECT_EQ(provider_.WskControlSocket(
                socket, WskGetOption, SO_LXWSK_HOST_HANDLE, WS_SOL_SOCKET, 0,
                nullptr, sizeof(small), &small, &returned, probe.get()),
            STATUS_BUFFER_TOO_SMALL);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_BUFFER_TOO_SMALL);
  CloseSocket(socket);
}

// SIO_WSK_SET_REMOTE_ADDRESS (0x8F000001) gives a datagram socket a fixed
// destination: the host connects the datagram socket to that address, on
// the handle the IRP names. It is a datagram-socket ioctl: a connection
// socket gets STATUS_INVALID_PARAMETER without a host call.
TEST_F(ControlSocketTest, SetRemoteAddressConnectsDatagramSocket) {
  PWSK_SOCKET datagram =
      MakeSocket(WSK_FLAG_DATAGRAM_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_DGRAM);
  PWSK_SOCKET connection =
      MakeSocket(WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE,
                 WS_SOCK_STREAM, kHandle + 1);
  SOCKADDR_IN6 remote{WS_AF_INET6, 0x3500, 0, {}, 0};
  remote.sin6_addr.u_Byte[15] = 1;
  EXPECT_CALL(host_, Connect(kRequestorHandle,
                             reinterpret_cast<const SOCKADDR*>(&remote)))
      .WillOnce(Return(STATUS_SUCCESS));
  IrpProbe probe(kRequestorHandle);
  EXPECT_EQ(provider_.WskControlSocket(
                datagram, WskIoctl, SIO_WSK_SET_REMOTE_ADDRESS, 0,
                sizeof(remote), &remote, 0, nullptr, nullptr, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);

  ::testing::Mock::VerifyAndClearExpectations(&host_);
  EXPECT_CALL(host_, Connect(_, _)).Times(0);
  probe.Reset();
  EXPECT_EQ(provider_.WskControlSocket(
                connection, WskIoctl, SIO_WSK_SET_REMOTE_ADDRESS, 0,
                sizeof(remote), &remote, 0, nullptr, nullptr, probe.get()),
            STATUS_INVALID_PARAMETER);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER);
  CloseSocket(connection, kHandle + 1);
  CloseSocket(datagram);
}

// SIO_LXWSK_STREAM_CATEGORY (lxwsk): a connection socket becomes a stream
// socket, whose table has WskListen; the transport then judges the listen.
// Datagram sockets refuse it.
TEST_F(ControlSocketTest, StreamCategoryLetsAConnectionSocketListen) {
  PWSK_SOCKET connection = MakeSocket(
      WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_STREAM);
  PWSK_SOCKET datagram =
      MakeSocket(WSK_FLAG_DATAGRAM_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_DGRAM,
                 kHandle + 1);
  IrpProbe bind;
  ASSERT_EQ(provider_.WskBind(connection, nullptr, WSK_FLAG_LX_IMPLICIT_BIND,
                              bind.get()),
            STATUS_SUCCESS);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskListen(connection, probe.get()), STATUS_NOT_SUPPORTED);
  probe.Reset();
  EXPECT_EQ(provider_.WskControlSocket(connection, WskIoctl,
                                       SIO_LXWSK_STREAM_CATEGORY, 0, 0, nullptr,
                                       0, nullptr, nullptr, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(connection->Dispatch,
            static_cast<const WskProviderStreamDispatch*>(&provider_));
  EXPECT_CALL(host_, Listen(kHandle, _)).WillOnce(Return(STATUS_SUCCESS));
  probe.Reset();
  EXPECT_EQ(provider_.WskListen(connection, probe.get()), STATUS_SUCCESS);
  probe.Reset();
  EXPECT_EQ(provider_.WskControlSocket(datagram, WskIoctl,
                                       SIO_LXWSK_STREAM_CATEGORY, 0, 0, nullptr,
                                       0, nullptr, nullptr, probe.get()),
            STATUS_INVALID_PARAMETER);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER);
  CloseSocket(datagram, kHandle + 1);
  CloseSocket(connection);
}

// Options other than WSK's own go to the transport with their Windows
// level and name ("Level: SOL_SOCKET (0xFFFF) ... else protocol number",
// Windows numbering); lxwsk's Linux-tagged levels pass through untouched.
// The transport's status is the request's result.
TEST_F(ControlSocketTest, SetOptionForwardsWindowsLevelAndName) {
  PWSK_SOCKET socket = MakeSocket(
      WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_STREAM);
  int one = 1;
  EXPECT_CALL(host_,
              SetOption(kHandle, 0xFFFFu, WS_SO_REUSEADDR, &one, sizeof(one)))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 0}));
  EXPECT_CALL(host_, SetOption(kRequestorHandle, 41u, 27u, &one, sizeof(one)))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 0}));
  EXPECT_CALL(host_, SetOption(kHandle, WskLxLevel(6), 3u, &one, sizeof(one)))
      .WillOnce(Return(HostResult{STATUS_NOT_SUPPORTED, 0}));

  IrpProbe probe;
  EXPECT_EQ(provider_.WskControlSocket(socket, WskSetOption, WS_SO_REUSEADDR,
                                       WS_SOL_SOCKET, sizeof(one), &one, 0,
                                       nullptr, nullptr, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);

  IrpProbe v6only(kRequestorHandle);
  EXPECT_EQ(provider_.WskControlSocket(socket, WskSetOption, WS_IPV6_V6ONLY,
                                       WS_IPPROTO_IPV6, sizeof(one), &one, 0,
                                       nullptr, nullptr, v6only.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(v6only.irp.IoStatus.Status, STATUS_SUCCESS);

  // Without an IRP (inline completion), the status is returned.
  EXPECT_EQ(provider_.WskControlSocket(socket, WskSetOption, 3, WskLxLevel(6),
                                       sizeof(one), &one, 0, nullptr, nullptr,
                                       nullptr),
            STATUS_NOT_SUPPORTED);
  CloseSocket(socket);
}

// WskGetOption: the transport fills OutputBuffer; "Information = bytes
// written to OutputBuffer", also reported through OutputSizeReturned.
TEST_F(ControlSocketTest, GetOptionReportsBytesWritten) {
  PWSK_SOCKET socket = MakeSocket(
      WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_STREAM);
  int value = 0;
  SIZE_T returned = 0;
  EXPECT_CALL(host_, GetOption(kHandle, WS_IPPROTO_TCP, WS_TCP_NODELAY, &value,
                               sizeof(value)))
      .Times(2)
      .WillRepeatedly([](HostHandle, ULONG, ULONG, void* out, SIZE_T) {
        int on = 1;
        memcpy(out, &on, sizeof(on));
        return HostResult{STATUS_SUCCESS, sizeof(on)};
      });
  IrpProbe probe;
  EXPECT_EQ(provider_.WskControlSocket(
                socket, WskGetOption, WS_TCP_NODELAY, WS_IPPROTO_TCP, 0,
                nullptr, sizeof(value), &value, &returned, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(value, 1);
  EXPECT_EQ(returned, sizeof(int));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Information, sizeof(int));

  value = 0;
  returned = 0;
  EXPECT_EQ(provider_.WskControlSocket(
                socket, WskGetOption, WS_TCP_NODELAY, WS_IPPROTO_TCP, 0,
                nullptr, sizeof(value), &value, &returned, nullptr),
            STATUS_SUCCESS);
  EXPECT_EQ(value, 1);
  EXPECT_EQ(returned, sizeof(int));
  CloseSocket(socket);
}

// Winsock ioctls are issued with RequestType = WskIoctl and the Winsock
// code, which reaches the transport unchanged. FIONBIO is the exception on
// a pending-capable socket: its host handle must stay non-blocking, so the
// request succeeds without reaching the host.
TEST_F(ControlSocketTest, IoctlForwardedExceptFionbioOnPendingSocket) {
  PWSK_SOCKET inline_socket = MakeSocket(
      WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_STREAM);
  PWSK_SOCKET pending_socket =
      MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM, kHandle + 1);
  ULONG on = 1;
  ULONG available = 0;
  EXPECT_CALL(host_, Ioctl(kHandle, WS_FIONREAD, nullptr, 0, &available,
                           sizeof(available)))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, sizeof(ULONG)}));
  EXPECT_CALL(host_, Ioctl(kHandle, WS_FIONBIO, &on, sizeof(on), nullptr, 0))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 0}));
  EXPECT_CALL(host_, Ioctl(kHandle + 1, _, _, _, _, _)).Times(0);

  IrpProbe probe;
  EXPECT_EQ(provider_.WskControlSocket(inline_socket, WskIoctl, WS_FIONREAD, 0,
                                       0, nullptr, sizeof(available),
                                       &available, nullptr, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Information, sizeof(ULONG));
  probe.Reset();
  EXPECT_EQ(provider_.WskControlSocket(inline_socket, WskIoctl, WS_FIONBIO, 0,
                                       sizeof(on), &on, 0, nullptr, nullptr,
                                       probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  probe.Reset();
  EXPECT_EQ(provider_.WskControlSocket(pending_socket, WskIoctl, WS_FIONBIO, 0,
                                       sizeof(on), &on, 0, nullptr, nullptr,
                                       probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  CloseSocket(pending_socket, kHandle + 1);
  CloseSocket(inline_socket);
}

// SIO_LXWSK_SHUTDOWN (wsk.h): shutdown() on a datagram socket, whose WSK
// table has no WskDisconnect; the input ULONG is WskDisconnect's flags.
TEST_F(ControlSocketTest, LxShutdownIoctlDisconnects) {
  PWSK_SOCKET socket =
      MakeSocket(WSK_FLAG_DATAGRAM_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_DGRAM);
  ULONG flags = WSK_FLAG_LX_SHUT_RD;
  EXPECT_CALL(host_, Disconnect(kHandle, WSK_FLAG_LX_SHUT_RD))
      .WillOnce(Return(STATUS_SUCCESS));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskControlSocket(socket, WskIoctl, SIO_LXWSK_SHUTDOWN, 0,
                                       sizeof(flags), &flags, 0, nullptr,
                                       nullptr, probe.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  probe.Reset();
  EXPECT_EQ(
      provider_.WskControlSocket(socket, WskIoctl, SIO_LXWSK_SHUTDOWN, 0, 0,
                                 nullptr, 0, nullptr, nullptr, probe.get()),
      STATUS_INVALID_PARAMETER);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER);
  CloseSocket(socket);
}

// An unknown request type (WskControlMax and beyond) is
// STATUS_INVALID_PARAMETER, the IRP completed with it.
TEST_F(ControlSocketTest, UnknownRequestTypeIsInvalidParameter) {
  PWSK_SOCKET socket = MakeSocket(
      WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, WS_SOCK_STREAM);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskControlSocket(
                socket, static_cast<WSK_CONTROL_SOCKET_TYPE>(3), 0,
                WS_SOL_SOCKET, 0, nullptr, 0, nullptr, nullptr, probe.get()),
            STATUS_INVALID_PARAMETER);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_INVALID_PARAMETER);
  CloseSocket(socket);
}

}  // namespace
}  // namespace wsk
