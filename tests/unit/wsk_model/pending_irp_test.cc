// Requests that pend: sockets created without WSK_FLAG_LX_INLINE (in-process
// WSK clients). MS Learn "Using IRPs with Winsock Kernel Functions"
// (shared/reference/wsk-api.md section 6): a function returns STATUS_PENDING
// when the IRP completes later, and then the IRP's IoStatus carries the
// result; the IRP is completed exactly once; IoCancelIrp completes a
// pending IRP with STATUS_CANCELLED; WskCloseSocket cancels every
// outstanding request.
//
// The host's readiness is a FakeReactor: each recorded AsyncWait fires only
// when the test says so, on the test thread.
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
using test::kSentinelInformation;
using test::kSentinelStatus;
using test::MockHostStack;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::NiceMock;
using ::testing::Return;

constexpr int kHandle = 50;
constexpr int kRequestorHandle = 51;

class PendingIrpTest : public ::testing::Test {
 protected:
  PendingIrpTest() : provider_(host_), client_{&provider_} {
    reactor_.Attach(host_);
  }

  // A non-inline socket, implicitly bound so connect/sendto are allowed.
  PWSK_SOCKET MakeSocket(ULONG category, USHORT type, int handle = kHandle) {
    EXPECT_CALL(host_, Socket(_, type, _, _))
        .WillOnce(
            Return(HostResult{STATUS_SUCCESS, static_cast<uintptr_t>(handle)}))
        .RetiresOnSaturation();
    IrpProbe probe;
    EXPECT_EQ(
        provider_.WskSocket(&client_, WS_AF_INET, type, 0, category, nullptr,
                            nullptr, nullptr, nullptr, nullptr, probe.get()),
        STATUS_SUCCESS);
    auto* socket =
        reinterpret_cast<PWSK_SOCKET>(probe.irp.IoStatus.Information);
    IrpProbe bind;
    EXPECT_EQ(provider_.WskBind(socket, nullptr, WSK_FLAG_LX_IMPLICIT_BIND,
                                bind.get()),
              STATUS_SUCCESS);
    return socket;
  }

  // WskCloseSocket on a pending-capable socket pends; the reactor runs it.
  void CloseSocket(PWSK_SOCKET socket, int handle = kHandle) {
    EXPECT_CALL(host_, Close(handle)).WillOnce(Return(STATUS_SUCCESS));
    IrpProbe close;
    EXPECT_EQ(provider_.WskCloseSocket(socket, close.get()), STATUS_PENDING);
    reactor_.RunPosted();
    EXPECT_EQ(close.completions, 1);
    EXPECT_EQ(close.irp.IoStatus.Status, STATUS_SUCCESS);
  }

  NiceMock<MockHostStack> host_;
  FakeReactor reactor_;
  Provider provider_;
  WSK_CLIENT client_;
  char data_[64] = {};
  MDL mdl_{nullptr, data_, sizeof(data_), 0};
  WSK_BUF buf_{&mdl_, 0, sizeof(data_)};
};

// Expects the IRP to be marked pending and not yet completed: its IoStatus
// still holds the sentinel.
void ExpectPendingNotCompleted(const IrpProbe& probe) {
  EXPECT_TRUE(probe.irp.PendingReturned);
  EXPECT_EQ(probe.completions, 0);
  EXPECT_EQ(probe.irp.IoStatus.Status, kSentinelStatus);
  EXPECT_EQ(probe.irp.IoStatus.Information, kSentinelInformation);
}

// A receive the transport cannot satisfy yet returns STATUS_PENDING with
// the IRP not completed; when the host reports readiness the provider
// retries (same buffer) and completes the IRP once with the final status
// and byte count.
TEST_F(PendingIrpTest, ReceivePendsUntilReadyThenCompletesOnce) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Receive(kHandle,
                             AllOf(Field(&WSK_BUF::Mdl, &mdl_),
                                   Field(&WSK_BUF::Length, sizeof(data_))),
                             0, nullptr, nullptr, nullptr, nullptr))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 7}));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskReceive(socket, &buf_, 0, probe.get()),
            STATUS_PENDING);
  ExpectPendingNotCompleted(probe);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  EXPECT_EQ(reactor_.OldestWaitKind(kHandle), HostWait::kReadable);

  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.completed_status, STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Information, 7u);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  // Completed requests are not cancellable any more.
  EXPECT_FALSE(IoCancelIrp(probe.get()));
  EXPECT_EQ(probe.completions, 1);
  CloseSocket(socket);
}

// A send waits for writability; a readiness that still finds the
// transport full re-parks the request (no completion) until a retry
// succeeds. The completion routine runs once, with the final status.
TEST_F(PendingIrpTest, SendWaitsForWritableAndRetriesUntilDone) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Send(kHandle, Field(&WSK_BUF::Mdl, &mdl_),
                          WSK_FLAG_NODELAY, nullptr, nullptr, 0))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 64}));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskSend(socket, &buf_, WSK_FLAG_NODELAY, probe.get()),
            STATUS_PENDING);
  ExpectPendingNotCompleted(probe);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  EXPECT_EQ(reactor_.OldestWaitKind(kHandle), HostWait::kWritable);

  ASSERT_TRUE(reactor_.Fire(kHandle));
  ExpectPendingNotCompleted(probe);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);

  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Information, 64u);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  CloseSocket(socket);
}

// A retry that fails completes the pending IRP with that failure.
TEST_F(PendingIrpTest, RetryFailureCompletesWithFailure) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce(Return(HostResult{STATUS_CONNECTION_RESET, 0}));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskReceive(socket, &buf_, 0, probe.get()),
            STATUS_PENDING);
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.completed_status, STATUS_CONNECTION_RESET);
  EXPECT_EQ(probe.irp.IoStatus.Information, 0u);
  CloseSocket(socket);
}

// A request that completes at once on a pending-capable socket is not
// marked pending and returns its status directly.
TEST_F(PendingIrpTest, ImmediateResultDoesNotPend) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Send(kHandle, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 10}));
  EXPECT_CALL(host_, AsyncWait(_, _, _)).Times(0);
  IrpProbe probe;
  EXPECT_EQ(provider_.WskSend(socket, &buf_, 0, probe.get()), STATUS_SUCCESS);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_FALSE(probe.irp.PendingReturned);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Information, 10u);
  CloseSocket(socket);
}

// IoCancelIrp on a pending request: the IRP completes with
// STATUS_CANCELLED exactly once, IoCancelIrp returns TRUE, and the host
// readiness that arrives later neither retries the request nor completes
// the IRP a second time.
TEST_F(PendingIrpTest, CancelCompletesPendingIrpOnceWithCancelled) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  IrpProbe probe;
  ASSERT_EQ(provider_.WskReceive(socket, &buf_, 0, probe.get()),
            STATUS_PENDING);
  ExpectPendingNotCompleted(probe);

  EXPECT_TRUE(IoCancelIrp(probe.get()));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.completed_status, STATUS_CANCELLED);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_CANCELLED);
  EXPECT_EQ(probe.irp.IoStatus.Information, 0u);

  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_CANCELLED);
  EXPECT_FALSE(IoCancelIrp(probe.get()));
  EXPECT_EQ(probe.completions, 1);
  CloseSocket(socket);
}

// An IRP whose cancellation was requested before the provider could park
// it (Irp->Cancel already set, no cancel routine yet) must not stay
// pending forever: the provider completes it with STATUS_CANCELLED.
TEST_F(PendingIrpTest, CancelRequestedBeforePendingCompletesCancelled) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  IrpProbe probe;
  EXPECT_FALSE(IoCancelIrp(probe.get()));
  EXPECT_EQ(provider_.WskReceive(socket, &buf_, 0, probe.get()),
            STATUS_PENDING);
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_CANCELLED);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  CloseSocket(socket);
}

// A wait the host abandons (CancelWaits, or a failed wait) completes the
// parked request with STATUS_CANCELLED, without retrying it.
TEST_F(PendingIrpTest, FailedWaitCompletesWithCancelled) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Send(kHandle, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  IrpProbe probe;
  ASSERT_EQ(provider_.WskSend(socket, &buf_, 0, probe.get()), STATUS_PENDING);
  ASSERT_TRUE(reactor_.Fire(kHandle, STATUS_CANCELLED));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_CANCELLED);
  CloseSocket(socket);
}

// WSK_FLAG_LX_DONTWAIT (wsk.h, Linux MSG_DONTWAIT) never pends: a
// would-block answer completes the IRP at once with
// STATUS_DEVICE_NOT_READY, for all four data-transfer calls.
TEST_F(PendingIrpTest, DontWaitNeverPends) {
  PWSK_SOCKET stream = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  PWSK_SOCKET datagram =
      MakeSocket(WSK_FLAG_DATAGRAM_SOCKET, WS_SOCK_DGRAM, kHandle + 1);
  EXPECT_CALL(host_, AsyncWait(_, _, _)).Times(0);
  EXPECT_CALL(host_, Send(_, _, WSK_FLAG_LX_DONTWAIT, _, _, _))
      .Times(2)
      .WillRepeatedly(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  EXPECT_CALL(host_, Receive(_, _, WSK_FLAG_LX_DONTWAIT, _, _, _, _))
      .Times(2)
      .WillRepeatedly(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  SOCKADDR_IN peer{WS_AF_INET, 0x3500, {{192, 0, 2, 53}}, {}};
  SOCKADDR_IN from{};

  IrpProbe send;
  EXPECT_EQ(provider_.WskSend(stream, &buf_, WSK_FLAG_LX_DONTWAIT, send.get()),
            STATUS_DEVICE_NOT_READY);
  IrpProbe receive;
  EXPECT_EQ(
      provider_.WskReceive(stream, &buf_, WSK_FLAG_LX_DONTWAIT, receive.get()),
      STATUS_DEVICE_NOT_READY);
  IrpProbe send_to;
  EXPECT_EQ(provider_.WskSendTo(datagram, &buf_, WSK_FLAG_LX_DONTWAIT,
                                reinterpret_cast<const SOCKADDR*>(&peer), 0,
                                nullptr, send_to.get()),
            STATUS_DEVICE_NOT_READY);
  IrpProbe receive_from;
  EXPECT_EQ(
      provider_.WskReceiveFrom(datagram, &buf_, WSK_FLAG_LX_DONTWAIT,
                               reinterpret_cast<PSOCKADDR>(&from), nullptr,
                               nullptr, nullptr, receive_from.get()),
      STATUS_DEVICE_NOT_READY);
  for (const IrpProbe* probe : {&send, &receive, &send_to, &receive_from}) {
    EXPECT_EQ(probe->completions, 1);
    EXPECT_FALSE(probe->irp.PendingReturned);
    EXPECT_EQ(probe->irp.IoStatus.Status, STATUS_DEVICE_NOT_READY);
  }
  EXPECT_EQ(reactor_.WaitCount(), 0u);
  CloseSocket(datagram, kHandle + 1);
  CloseSocket(stream);
}

// WskSendTo and WskReceiveFrom pend like their connection counterparts;
// the retry uses the caller's address and control outputs.
TEST_F(PendingIrpTest, DatagramRequestsPendAndComplete) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_DATAGRAM_SOCKET, WS_SOCK_DGRAM);
  SOCKADDR_IN peer{WS_AF_INET, 0x3500, {{192, 0, 2, 53}}, {}};
  const auto* to = reinterpret_cast<const SOCKADDR*>(&peer);
  SOCKADDR_IN from{};
  ULONG control_length = 0, control_flags = 0;
  EXPECT_CALL(host_, Send(kHandle, _, 0, to, nullptr, 0))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 12}));
  EXPECT_CALL(host_, Receive(kHandle, _, 0, reinterpret_cast<PSOCKADDR>(&from),
                             nullptr, &control_length, &control_flags))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce([](HostHandle, const WSK_BUF&, ULONG, PSOCKADDR remote,
                   CMSGHDR*, ULONG*, ULONG* flags) {
        SOCKADDR_IN sender{WS_AF_INET, 0x3500, {{192, 0, 2, 53}}, {}};
        memcpy(remote, &sender, sizeof(sender));
        *flags = WS_MSG_TRUNC;
        return HostResult{STATUS_SUCCESS, 9};
      });
  IrpProbe send_to, receive_from;
  EXPECT_EQ(
      provider_.WskSendTo(socket, &buf_, 0, to, 0, nullptr, send_to.get()),
      STATUS_PENDING);
  EXPECT_EQ(provider_.WskReceiveFrom(
                socket, &buf_, 0, reinterpret_cast<PSOCKADDR>(&from),
                &control_length, nullptr, &control_flags, receive_from.get()),
            STATUS_PENDING);
  ExpectPendingNotCompleted(send_to);
  ExpectPendingNotCompleted(receive_from);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 2u);
  ASSERT_TRUE(reactor_.Fire(kHandle));  // the send's wait (oldest)
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(send_to.completions, 1);
  EXPECT_EQ(send_to.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(send_to.irp.IoStatus.Information, 12u);
  EXPECT_EQ(receive_from.completions, 1);
  EXPECT_EQ(receive_from.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(receive_from.irp.IoStatus.Information, 9u);
  EXPECT_EQ(from.sin_port, 0x3500);
  EXPECT_EQ(control_flags, WS_MSG_TRUNC);
  CloseSocket(socket);
}

// A pending request waits on, and retries through, the handle its IRP
// names (RequestorHandle), like any other request.
TEST_F(PendingIrpTest, PendingRequestUsesRequestorHandle) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Receive(kRequestorHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 1}));
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _)).Times(0);
  IrpProbe probe(kRequestorHandle);
  EXPECT_EQ(provider_.WskReceive(socket, &buf_, 0, probe.get()),
            STATUS_PENDING);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  ASSERT_EQ(reactor_.WaitCount(kRequestorHandle), 1u);
  ASSERT_TRUE(reactor_.Fire(kRequestorHandle));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Information, 1u);
  CloseSocket(socket);
}

// WskConnect that cannot finish at once pends until the host reports the
// socket writable; the connect's outcome (SO_ERROR) is the IRP's status.
TEST_F(PendingIrpTest, ConnectPendsUntilOutcomeIsKnown) {
  PWSK_SOCKET ok = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  PWSK_SOCKET refused =
      MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM, kHandle + 1);
  SOCKADDR_IN peer{WS_AF_INET, 0x5000, {{192, 0, 2, 80}}, {}};
  const auto* to = reinterpret_cast<const SOCKADDR*>(&peer);
  EXPECT_CALL(host_, Connect(_, to))
      .WillRepeatedly(Return(STATUS_DEVICE_NOT_READY));
  EXPECT_CALL(host_, ConnectResult(kHandle))
      .WillOnce(Return(STATUS_DEVICE_NOT_READY))
      .WillOnce(Return(STATUS_SUCCESS));
  EXPECT_CALL(host_, ConnectResult(kHandle + 1))
      .WillOnce(Return(STATUS_CONNECTION_REFUSED));
  IrpProbe connect_ok, connect_refused;
  EXPECT_EQ(provider_.WskConnect(ok, to, 0, connect_ok.get()), STATUS_PENDING);
  EXPECT_EQ(provider_.WskConnect(refused, to, 0, connect_refused.get()),
            STATUS_PENDING);
  ExpectPendingNotCompleted(connect_ok);
  ExpectPendingNotCompleted(connect_refused);
  EXPECT_EQ(reactor_.OldestWaitKind(kHandle), HostWait::kWritable);

  ASSERT_TRUE(reactor_.Fire(kHandle));  // still in progress: re-parked
  ExpectPendingNotCompleted(connect_ok);
  ASSERT_TRUE(reactor_.Fire(kHandle));
  ASSERT_TRUE(reactor_.Fire(kHandle + 1));
  EXPECT_EQ(connect_ok.completions, 1);
  EXPECT_EQ(connect_ok.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(connect_refused.completions, 1);
  EXPECT_EQ(connect_refused.irp.IoStatus.Status, STATUS_CONNECTION_REFUSED);
  CloseSocket(refused, kHandle + 1);
  CloseSocket(ok);
}

// WskAccept "pends until a connection arrives"; then Information is the
// new connection socket. The accepted host handle of a pending-capable
// listener is requested non-blocking and close-on-exec.
TEST_F(PendingIrpTest, AcceptPendsUntilConnectionArrives) {
  constexpr int kAccepted = kHandle + 9;
  PWSK_SOCKET listener = MakeSocket(WSK_FLAG_LISTEN_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_,
              Accept(kHandle, _, WSK_FLAG_LX_NONBLOCK | WSK_FLAG_LX_CLOEXEC))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kAccepted}));
  IrpProbe probe;
  EXPECT_EQ(provider_.WskAccept(listener, 0, nullptr, nullptr, nullptr, nullptr,
                                probe.get()),
            STATUS_PENDING);
  ExpectPendingNotCompleted(probe);
  EXPECT_EQ(reactor_.OldestWaitKind(kHandle), HostWait::kReadable);
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  auto* accepted =
      reinterpret_cast<PWSK_SOCKET>(probe.irp.IoStatus.Information);
  ASSERT_NE(accepted, nullptr);
  ASSERT_NE(probe.irp.IoStatus.Information, kSentinelInformation);
  EXPECT_EQ(accepted->Dispatch,
            static_cast<const WskProviderConnectionDispatch*>(&provider_));
  EXPECT_EQ(client_.open_sockets.load(), 2);
  CloseSocket(accepted, kAccepted);
  CloseSocket(listener);
}

// "WskCloseSocket ... cancels all outstanding requests": it returns
// STATUS_PENDING, every parked request completes with STATUS_CANCELLED
// before the host handle is closed, and then the close IRP completes.
TEST_F(PendingIrpTest, CloseCancelsOutstandingRequestsFirst) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  EXPECT_CALL(host_, Send(kHandle, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  IrpProbe receive, send;
  ASSERT_EQ(provider_.WskReceive(socket, &buf_, 0, receive.get()),
            STATUS_PENDING);
  ASSERT_EQ(provider_.WskSend(socket, &buf_, 0, send.get()), STATUS_PENDING);

  EXPECT_CALL(host_, CancelWaits(kHandle));
  EXPECT_CALL(host_, Close(kHandle)).WillOnce([&](HostHandle) {
    EXPECT_EQ(receive.completions, 1);
    EXPECT_EQ(send.completions, 1);
    return STATUS_SUCCESS;
  });
  IrpProbe close;
  EXPECT_EQ(provider_.WskCloseSocket(socket, close.get()), STATUS_PENDING);
  ExpectPendingNotCompleted(close);
  reactor_.RunPosted();
  EXPECT_EQ(receive.completions, 1);
  EXPECT_EQ(receive.irp.IoStatus.Status, STATUS_CANCELLED);
  EXPECT_EQ(send.completions, 1);
  EXPECT_EQ(send.irp.IoStatus.Status, STATUS_CANCELLED);
  EXPECT_EQ(close.completions, 1);
  EXPECT_EQ(close.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// Once a cancelled IRP has completed it belongs to the client again, which
// may reuse it at once (IoReuseIrp) for another request. The first
// request's leftover host wait must then neither complete the new request
// nor run the old request's retry; the new request completes with its own
// result.
// (A regression test: the provider once closed it with an IRP on its own
// stack, which the pending close then wrote to after the frame was gone.)
TEST_F(PendingIrpTest, StaleWaitDoesNotCompleteReusedIrp) {
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
  EXPECT_CALL(host_, Send(kHandle, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 5}));
  IrpProbe probe;
  ASSERT_EQ(provider_.WskReceive(socket, &buf_, 0, probe.get()),
            STATUS_PENDING);
  ASSERT_TRUE(IoCancelIrp(probe.get()));
  ASSERT_EQ(probe.completions, 1);

  probe.Reset();
  ASSERT_EQ(provider_.WskSend(socket, &buf_, 0, probe.get()), STATUS_PENDING);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 2u);
  ASSERT_TRUE(reactor_.Fire(kHandle));  // the cancelled receive's wait
  EXPECT_EQ(probe.completions, 0);
  EXPECT_EQ(probe.irp.IoStatus.Status, kSentinelStatus);
  // Bounded: at most the waits recorded now, plus one re-arm each.
  for (int i = 0; i < 4 && reactor_.WaitCount(kHandle) > 0; ++i) {
    reactor_.Fire(kHandle);
  }
  EXPECT_EQ(probe.completions, 1);
  EXPECT_EQ(probe.irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(probe.irp.IoStatus.Information, 5u);
  CloseSocket(socket);
}

}  // namespace
}  // namespace wsk
