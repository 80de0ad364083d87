// Client event callbacks (MS Learn "PFN_WSK_ACCEPT_EVENT",
// "PFN_WSK_RECEIVE_EVENT", "PFN_WSK_DISCONNECT_EVENT",
// "PFN_WSK_SEND_BACKLOG_EVENT", "PFN_WSK_RECEIVE_FROM_EVENT",
// "SO_WSK_EVENT_CALLBACK"; shared/reference/wsk-api.md section 7).
//
// The provider arms a host wait per enabled event; the FakeReactor fires
// them on the test thread, so each indication happens exactly when the
// test says.
#include <cstdlib>
#include <cstring>
#include <string>

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
using ::testing::Field;
using ::testing::InSequence;
using ::testing::NiceMock;
using ::testing::NotNull;
using ::testing::Return;

constexpr int kHandle = 70;
constexpr int kAccepted = 71;

// What a WSK client's callbacks saw; also the callbacks' SocketContext.
struct EventLog {
  // WskAcceptEvent
  int accept_calls = 0;
  PWSK_SOCKET accept_socket = nullptr;
  SOCKADDR_IN accept_remote{};
  SOCKADDR_IN accept_local{};
  NTSTATUS accept_verdict = STATUS_SUCCESS;
  void* accepted_context = nullptr;  // handed back as AcceptSocketContext
  const void* accepted_dispatch = nullptr;
  // WskReceiveEvent
  int receive_calls = 0;
  std::string received;
  SIZE_T bytes_indicated = 0;
  SIZE_T bytes_to_accept = 0;  // 0: all (BytesAccepted left alone)
  NTSTATUS receive_verdict = STATUS_SUCCESS;
  // WskDisconnectEvent
  int disconnect_calls = 0;
  ULONG disconnect_flags = 0xFFFFFFFF;
  // WskSendBacklogEvent
  int backlog_calls = 0;
  SIZE_T ideal_backlog = 0;
  // WskReceiveFromEvent
  int receive_from_calls = 0;
  std::string datagram;
  SOCKADDR_IN datagram_from{};
};

std::string Gather(const WSK_BUF& buf) {
  std::string out;
  SIZE_T left = buf.Length;
  ULONG offset = buf.Offset;
  // Bounded by the chain's length.
  for (const MDL* mdl = buf.Mdl; mdl != nullptr && left > 0;
       mdl = mdl->Next, offset = 0) {
    SIZE_T n = mdl->ByteCount > offset ? mdl->ByteCount - offset : 0;
    if (n > left) n = left;
    out.append(static_cast<const char*>(MmGetMdlVirtualAddress(mdl)) + offset,
               n);
    left -= n;
  }
  return out;
}

NTSTATUS OnAccept(void* socket_context, ULONG /*flags*/, PSOCKADDR local,
                  PSOCKADDR remote, PWSK_SOCKET accept_socket,
                  void** accept_socket_context,
                  const void** accept_socket_dispatch) {
  auto* log = static_cast<EventLog*>(socket_context);
  ++log->accept_calls;
  log->accept_socket = accept_socket;
  if (remote != nullptr)
    memcpy(&log->accept_remote, remote, sizeof(SOCKADDR_IN));
  if (local != nullptr) memcpy(&log->accept_local, local, sizeof(SOCKADDR_IN));
  if (log->accept_verdict == STATUS_SUCCESS) {
    *accept_socket_context = log->accepted_context;
    *accept_socket_dispatch = log->accepted_dispatch;
  }
  return log->accept_verdict;
}

NTSTATUS OnReceive(void* socket_context, ULONG /*flags*/,
                   WSK_DATA_INDICATION* indication, SIZE_T bytes_indicated,
                   SIZE_T* bytes_accepted) {
  auto* log = static_cast<EventLog*>(socket_context);
  ++log->receive_calls;
  log->bytes_indicated = bytes_indicated;
  for (int i = 0; indication != nullptr && i < 16;
       ++i, indication = indication->Next) {
    log->received += Gather(indication->Buffer);
  }
  if (log->bytes_to_accept != 0) *bytes_accepted = log->bytes_to_accept;
  return log->receive_verdict;
}

NTSTATUS OnDisconnect(void* socket_context, ULONG flags) {
  auto* log = static_cast<EventLog*>(socket_context);
  ++log->disconnect_calls;
  log->disconnect_flags = flags;
  return STATUS_SUCCESS;
}

NTSTATUS OnSendBacklog(void* socket_context, SIZE_T ideal_backlog) {
  auto* log = static_cast<EventLog*>(socket_context);
  ++log->backlog_calls;
  log->ideal_backlog = ideal_backlog;
  return STATUS_SUCCESS;
}

NTSTATUS OnReceiveFrom(void* socket_context, ULONG /*flags*/,
                       WSK_DATAGRAM_INDICATION* indication) {
  auto* log = static_cast<EventLog*>(socket_context);
  ++log->receive_from_calls;
  if (indication != nullptr) {
    log->datagram = Gather(indication->Buffer);
    if (indication->RemoteAddress != nullptr) {
      memcpy(&log->datagram_from, indication->RemoteAddress,
             sizeof(SOCKADDR_IN));
    }
  }
  return STATUS_SUCCESS;
}

const WSK_CLIENT_LISTEN_DISPATCH kListenDispatch{&OnAccept, nullptr, nullptr};
const WSK_CLIENT_CONNECTION_DISPATCH kConnectionDispatch{
    &OnReceive, &OnDisconnect, &OnSendBacklog};
const WSK_CLIENT_DATAGRAM_DISPATCH kDatagramDispatch{&OnReceiveFrom};
const WSK_CLIENT_STREAM_DISPATCH kStreamDispatch{&kListenDispatch,
                                                 &kConnectionDispatch};

// Writes `text` into the buffer a host Receive was given; returns its size.
uintptr_t Fill(const WSK_BUF& buf, const std::string& text) {
  size_t n = text.size() < buf.Length ? text.size() : buf.Length;
  memcpy(static_cast<char*>(MmGetMdlVirtualAddress(buf.Mdl)) + buf.Offset,
         text.data(), n);
  return n;
}

class EventCallbackTest : public ::testing::Test {
 protected:
  EventCallbackTest() : provider_(host_), client_{&provider_} {
    reactor_.Attach(host_);
  }

  PWSK_SOCKET MakeSocket(ULONG category, USHORT type, const void* dispatch,
                         void* context, int handle = kHandle) {
    EXPECT_CALL(host_, Socket(_, type, _, _))
        .WillOnce(
            Return(HostResult{STATUS_SUCCESS, static_cast<uintptr_t>(handle)}))
        .RetiresOnSaturation();
    IrpProbe probe;
    EXPECT_EQ(
        provider_.WskSocket(&client_, WS_AF_INET, type, 0, category, context,
                            dispatch, nullptr, nullptr, nullptr, probe.get()),
        STATUS_SUCCESS);
    return reinterpret_cast<PWSK_SOCKET>(probe.irp.IoStatus.Information);
  }

  void Bind(PWSK_SOCKET socket, int handle = kHandle) {
    SOCKADDR_IN any{WS_AF_INET, 0, {}, {}};
    EXPECT_CALL(host_, Bind(handle, _)).WillOnce(Return(STATUS_SUCCESS));
    IrpProbe bind;
    EXPECT_EQ(provider_.WskBind(socket, reinterpret_cast<const SOCKADDR*>(&any),
                                0, bind.get()),
              STATUS_SUCCESS);
  }

  // A listen socket, bound (and so listening), with the client's listen
  // dispatch and `log` as its context.
  PWSK_SOCKET MakeListener(EventLog* log) {
    PWSK_SOCKET s = MakeSocket(WSK_FLAG_LISTEN_SOCKET, WS_SOCK_STREAM,
                               &kListenDispatch, log);
    EXPECT_CALL(host_, Listen(kHandle, _)).WillOnce(Return(STATUS_SUCCESS));
    Bind(s);
    return s;
  }

  // A connected connection socket (events are enabled after connect).
  PWSK_SOCKET MakeConnected(EventLog* log) {
    PWSK_SOCKET s = MakeSocket(WSK_FLAG_CONNECTION_SOCKET, WS_SOCK_STREAM,
                               &kConnectionDispatch, log);
    Bind(s);
    SOCKADDR_IN peer{WS_AF_INET, 0x5000, {{192, 0, 2, 1}}, {}};
    EXPECT_CALL(host_, Connect(kHandle, _)).WillOnce(Return(STATUS_SUCCESS));
    IrpProbe connect;
    EXPECT_EQ(provider_.WskConnect(s, reinterpret_cast<const SOCKADDR*>(&peer),
                                   0, connect.get()),
              STATUS_SUCCESS);
    return s;
  }

  NTSTATUS SetEvents(PWSK_SOCKET socket, ULONG mask) {
    WSK_EVENT_CALLBACK_CONTROL control{&NPI_WSK_INTERFACE_ID, mask};
    return provider_.WskControlSocket(
        socket, WskSetOption, SO_WSK_EVENT_CALLBACK, WS_SOL_SOCKET,
        sizeof(control), &control, 0, nullptr, nullptr, nullptr);
  }

  void CloseSocket(PWSK_SOCKET socket, int handle = kHandle) {
    EXPECT_CALL(host_, Close(handle)).WillOnce(Return(STATUS_SUCCESS));
    IrpProbe close;
    EXPECT_EQ(provider_.WskCloseSocket(socket, close.get()), STATUS_PENDING);
    reactor_.RunPosted();
    EXPECT_EQ(close.completions, 1);
  }

  // Expects the host to accept one connection (kAccepted, from `port`) and
  // then to have no more.
  void ExpectOneIncomingConnection(uint16_t port) {
    EXPECT_CALL(host_, Accept(kHandle, NotNull(), _))
        .WillOnce([port](HostHandle, PSOCKADDR remote, ULONG) {
          SOCKADDR_IN peer{WS_AF_INET, port, {{203, 0, 113, 5}}, {}};
          memcpy(remote, &peer, sizeof(peer));
          return HostResult{STATUS_SUCCESS, kAccepted};
        })
        .WillRepeatedly(Return(HostResult{STATUS_DEVICE_NOT_READY, 0}));
    ON_CALL(host_, GetLocalAddress(kAccepted, _))
        .WillByDefault([](HostHandle, PSOCKADDR out) {
          SOCKADDR_IN me{WS_AF_INET, 0x5000, {{127, 0, 0, 1}}, {}};
          memcpy(out, &me, sizeof(me));
          return HostResult{STATUS_SUCCESS, sizeof(me)};
        });
  }

  NiceMock<MockHostStack> host_;
  FakeReactor reactor_;
  Provider provider_;
  WSK_CLIENT client_;
};

// WskAcceptEvent "notifies a WSK application that an incoming connection
// on a listening socket has been accepted": it gets the listener's
// SocketContext, the local and remote addresses and a new connection
// socket; returning STATUS_SUCCESS keeps the socket, with the
// AcceptSocketContext/AcceptSocketDispatch the client handed back. The
// listener keeps watching for further connections.
TEST_F(EventCallbackTest, AcceptEventDeliversNewSocket) {
  EventLog log, accepted_log;
  log.accepted_context = &accepted_log;
  log.accepted_dispatch = &kConnectionDispatch;
  PWSK_SOCKET listener = MakeListener(&log);
  ASSERT_EQ(SetEvents(listener, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  ExpectOneIncomingConnection(0x1f90);

  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.accept_calls, 1);
  ASSERT_NE(log.accept_socket, nullptr);
  EXPECT_EQ(log.accept_socket->Dispatch,
            static_cast<const WskProviderConnectionDispatch*>(&provider_));
  EXPECT_EQ(log.accept_remote.sin_port, 0x1f90);
  EXPECT_EQ(log.accept_local.sin_port, 0x5000);
  EXPECT_EQ(client_.open_sockets.load(), 2);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 1u);  // re-armed
  EXPECT_EQ(accepted_log.accept_calls, 0);

  // The accepted socket uses the context and dispatch the client returned:
  // its receive events reach accepted_log through kConnectionDispatch.
  ASSERT_EQ(SetEvents(log.accept_socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  EXPECT_CALL(host_, Receive(kAccepted, _, _, _, _, _, _))
      .WillOnce([](HostHandle, const WSK_BUF& b, ULONG, PSOCKADDR, CMSGHDR*,
                   ULONG*, ULONG*) {
        return HostResult{STATUS_SUCCESS, Fill(b, "hi")};
      })
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 2}));
  ASSERT_TRUE(reactor_.Fire(kAccepted));
  EXPECT_EQ(accepted_log.receive_calls, 1);
  EXPECT_EQ(accepted_log.received, "hi");
  EXPECT_EQ(log.receive_calls, 0);

  CloseSocket(log.accept_socket, kAccepted);
  CloseSocket(listener);
  EXPECT_EQ(client_.open_sockets.load(), 0);
}

// WskAcceptEvent returning STATUS_REQUEST_NOT_ACCEPTED rejects the
// connection: "the provider closes it" (the host handle is closed, the
// socket freed), and the listener keeps accepting.
// (A regression test: the provider once closed it with an IRP on its own
// stack, which the pending close then wrote to after the frame was gone.)
TEST_F(EventCallbackTest, RejectedAcceptedSocketIsClosed) {
  EventLog log;
  log.accept_verdict = STATUS_REQUEST_NOT_ACCEPTED;
  PWSK_SOCKET listener = MakeListener(&log);
  ASSERT_EQ(SetEvents(listener, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
  ExpectOneIncomingConnection(0x1f90);
  EXPECT_CALL(host_, Close(kAccepted)).WillOnce(Return(STATUS_SUCCESS));

  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.accept_calls, 1);
  EXPECT_NE(log.accept_socket, nullptr);
  reactor_.RunPosted();
  EXPECT_EQ(client_.open_sockets.load(), 1);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 1u);
  CloseSocket(listener);
}

// "A listening socket can automatically enable event callback functions on
// connection-oriented sockets that are accepted by [its] WskAcceptEvent":
// receive events enabled on the listener are live on the accepted socket
// without another SO_WSK_EVENT_CALLBACK.
TEST_F(EventCallbackTest, ListenerConnectionEventsCarryOverToAcceptedSocket) {
  EventLog log, accepted_log;
  log.accepted_context = &accepted_log;
  log.accepted_dispatch = &kConnectionDispatch;
  PWSK_SOCKET listener = MakeListener(&log);
  ASSERT_EQ(SetEvents(listener, WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE),
            STATUS_SUCCESS);
  ExpectOneIncomingConnection(0x1f91);
  ASSERT_TRUE(reactor_.Fire(kHandle));
  ASSERT_EQ(log.accept_calls, 1);
  ASSERT_EQ(reactor_.WaitCount(kAccepted), 1u);

  EXPECT_CALL(host_, Receive(kAccepted, _, _, _, _, _, _))
      .WillOnce([](HostHandle, const WSK_BUF& b, ULONG, PSOCKADDR, CMSGHDR*,
                   ULONG*, ULONG*) {
        return HostResult{STATUS_SUCCESS, Fill(b, "data")};
      })
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 4}));
  ASSERT_TRUE(reactor_.Fire(kAccepted));
  EXPECT_EQ(accepted_log.receive_calls, 1);
  EXPECT_EQ(accepted_log.received, "data");
  CloseSocket(log.accept_socket, kAccepted);
  CloseSocket(listener);
}

// Stream sockets (WSK_FLAG_STREAM_SOCKET) take WSK_CLIENT_STREAM_DISPATCH;
// its Listen table receives WskAcceptEvent. Accept events start once the
// socket listens (WskListen), not at enable time on an unlistened socket.
TEST_F(EventCallbackTest, StreamSocketAcceptEventAfterListen) {
  EventLog log;
  log.accepted_dispatch = &kConnectionDispatch;
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_STREAM_SOCKET, WS_SOCK_STREAM,
                                  &kStreamDispatch, &log);
  Bind(socket);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  EXPECT_CALL(host_, Listen(kHandle, _)).WillOnce(Return(STATUS_SUCCESS));
  IrpProbe listen;
  ASSERT_EQ(provider_.WskListen(socket, listen.get()), STATUS_SUCCESS);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);

  ExpectOneIncomingConnection(0x2000);
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.accept_calls, 1);
  ASSERT_NE(log.accept_socket, nullptr);
  CloseSocket(log.accept_socket, kAccepted);
  CloseSocket(socket);
}

// Receive indications: the provider looks at the data without taking it
// (WSK_FLAG_LX_PEEK | WSK_FLAG_LX_DONTWAIT), indicates it through
// WskReceiveEvent, and then consumes exactly the bytes the client accepted
// ("BytesAccepted ... needs to be set only if the WSK application accepts
// a portion"; left alone = all). Having accepted everything, the client
// gets further indications: the provider watches again.
TEST_F(EventCallbackTest, ReceiveEventPeeksThenConsumesAcceptedBytes) {
  EventLog log;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT),
            STATUS_SUCCESS);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  {
    InSequence seq;
    EXPECT_CALL(host_,
                Receive(kHandle, _, WSK_FLAG_LX_PEEK | WSK_FLAG_LX_DONTWAIT,
                        nullptr, nullptr, nullptr, nullptr))
        .WillOnce([](HostHandle, const WSK_BUF& b, ULONG, PSOCKADDR, CMSGHDR*,
                     ULONG*, ULONG*) {
          return HostResult{STATUS_SUCCESS, Fill(b, "hello world")};
        });
    EXPECT_CALL(host_, Receive(kHandle, Field(&WSK_BUF::Length, 11u),
                               WSK_FLAG_LX_DONTWAIT, nullptr, nullptr, nullptr,
                               nullptr))
        .WillOnce(Return(HostResult{STATUS_SUCCESS, 11}));
  }
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.receive_calls, 1);
  EXPECT_EQ(log.bytes_indicated, 11u);
  EXPECT_EQ(log.received, "hello world");
  EXPECT_EQ(log.disconnect_calls, 0);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 1u);
  CloseSocket(socket);
}

// A client that accepts part of an indication (STATUS_SUCCESS with
// BytesAccepted < BytesIndicated) has consumed only that part: the rest
// stays in the transport for a later WskReceive.
TEST_F(EventCallbackTest, ReceiveEventConsumesOnlyAcceptedPart) {
  EventLog log;
  log.bytes_to_accept = 5;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  {
    InSequence seq;
    EXPECT_CALL(host_,
                Receive(kHandle, _, WSK_FLAG_LX_PEEK | WSK_FLAG_LX_DONTWAIT, _,
                        _, _, _))
        .WillOnce([](HostHandle, const WSK_BUF& b, ULONG, PSOCKADDR, CMSGHDR*,
                     ULONG*, ULONG*) {
          return HostResult{STATUS_SUCCESS, Fill(b, "hello world")};
        });
    EXPECT_CALL(host_, Receive(kHandle, Field(&WSK_BUF::Length, 5u),
                               WSK_FLAG_LX_DONTWAIT, _, _, _, _))
        .WillOnce(Return(HostResult{STATUS_SUCCESS, 5}));
  }
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.receive_calls, 1);
  EXPECT_EQ(log.received, "hello world");
  CloseSocket(socket);
}

// "If the WSK application accepted only a portion of the received data,
// the WSK subsystem will not call the WskReceiveEvent event callback
// function again until after the WSK application calls the WskReceive
// function" (MS Learn "PFN_WSK_RECEIVE_EVENT"); after WskReceive,
// indications resume with the remaining data.
// (A regression test: the provider once closed it with an IRP on its own
// stack, which the pending close then wrote to after the frame was gone.)
TEST_F(EventCallbackTest, PartialAcceptanceStopsIndicationsUntilReceive) {
  EventLog log;
  log.bytes_to_accept = 5;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  std::string pending = "hello world";
  ON_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillByDefault([&pending](HostHandle, const WSK_BUF& b, ULONG flags,
                                PSOCKADDR, CMSGHDR*, ULONG*, ULONG*) {
        if (pending.empty()) return HostResult{STATUS_DEVICE_NOT_READY, 0};
        uintptr_t n = Fill(b, pending);
        if ((flags & WSK_FLAG_LX_PEEK) == 0) pending.erase(0, n);
        return HostResult{STATUS_SUCCESS, n};
      });
  ASSERT_TRUE(reactor_.Fire(kHandle));
  ASSERT_EQ(log.receive_calls, 1);
  ASSERT_EQ(pending, " world");

  // The transport stays readable (6 bytes); no indication may follow.
  for (int i = 0; i < 4 && reactor_.WaitCount(kHandle) > 0; ++i) {
    reactor_.Fire(kHandle);
  }
  EXPECT_EQ(log.receive_calls, 1);

  // WskReceive takes the rest; indications resume for new data.
  char data[16] = {};
  MDL mdl{nullptr, data, sizeof(data), 0};
  WSK_BUF buf{&mdl, 0, sizeof(data)};
  IrpProbe receive;
  EXPECT_EQ(provider_.WskReceive(socket, &buf, 0, receive.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(std::string(data, 6), " world");
  pending = "more";
  ASSERT_GE(reactor_.WaitCount(kHandle), 1u);
  reactor_.Fire(kHandle);
  EXPECT_EQ(log.receive_calls, 2);
  CloseSocket(socket);
}

// STATUS_DATA_NOT_ACCEPTED: "the WSK subsystem will have the underlying
// transport buffer the data" (nothing is consumed) "and will not call the
// WskReceiveEvent event callback function again until after the WSK
// application calls the WskReceive function" (no further watching).
TEST_F(EventCallbackTest, DataNotAcceptedLeavesDataAndStopsIndications) {
  EventLog log;
  log.receive_verdict = STATUS_DATA_NOT_ACCEPTED;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce([](HostHandle, const WSK_BUF& b, ULONG flags, PSOCKADDR,
                   CMSGHDR*, ULONG*, ULONG*) {
        EXPECT_NE(flags & WSK_FLAG_LX_PEEK, 0u);
        return HostResult{STATUS_SUCCESS, Fill(b, "abc")};
      });
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.receive_calls, 1);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  CloseSocket(socket);
}

// ... "After the WSK application calls the WskReceive function, the WSK
// subsystem will resume calling the WskReceiveEvent event callback
// function with any remaining buffered data and when new data is received"
// (MS Learn "PFN_WSK_RECEIVE_EVENT").
// (A regression test: the provider once closed it with an IRP on its own
// stack, which the pending close then wrote to after the frame was gone.)
TEST_F(EventCallbackTest, IndicationsResumeAfterWskReceive) {
  EventLog log;
  log.receive_verdict = STATUS_DATA_NOT_ACCEPTED;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  std::string pending = "abc";
  ON_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillByDefault([&pending](HostHandle, const WSK_BUF& b, ULONG flags,
                                PSOCKADDR, CMSGHDR*, ULONG*, ULONG*) {
        if (pending.empty()) return HostResult{STATUS_DEVICE_NOT_READY, 0};
        uintptr_t n = Fill(b, pending);
        if ((flags & WSK_FLAG_LX_PEEK) == 0) pending.erase(0, n);
        return HostResult{STATUS_SUCCESS, n};
      });
  ASSERT_TRUE(reactor_.Fire(kHandle));
  ASSERT_EQ(log.receive_calls, 1);

  char data[8] = {};
  MDL mdl{nullptr, data, sizeof(data), 0};
  WSK_BUF buf{&mdl, 0, sizeof(data)};
  IrpProbe receive;
  ASSERT_EQ(provider_.WskReceive(socket, &buf, 0, receive.get()),
            STATUS_SUCCESS);
  log.receive_verdict = STATUS_SUCCESS;
  pending = "new";
  ASSERT_GE(reactor_.WaitCount(kHandle), 1u);
  reactor_.Fire(kHandle);
  EXPECT_EQ(log.receive_calls, 2);
  EXPECT_EQ(log.received, "abcnew");
  CloseSocket(socket);
}

// End of stream is a graceful disconnect: WskDisconnectEvent with Flags 0
// and no receive indication; the connection is not watched any more.
TEST_F(EventCallbackTest, EofTriggersGracefulDisconnectEvent) {
  EventLog log;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT),
            STATUS_SUCCESS);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 0}));
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.disconnect_calls, 1);
  EXPECT_EQ(log.disconnect_flags, 0u);
  EXPECT_EQ(log.receive_calls, 0);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 0u);
  CloseSocket(socket);
}

// A connection reset is an abortive disconnect: WskDisconnectEvent with
// WSK_FLAG_ABORTIVE ("WSK_FLAG_ABORTIVE 0x1 = RST, else graceful FIN").
TEST_F(EventCallbackTest, ResetTriggersAbortiveDisconnectEvent) {
  EventLog log;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce(Return(HostResult{STATUS_CONNECTION_RESET, 0}));
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.disconnect_calls, 1);
  EXPECT_EQ(log.disconnect_flags, WSK_FLAG_ABORTIVE);
  EXPECT_EQ(log.receive_calls, 0);
  CloseSocket(socket);
}

// A disabled event is not delivered: after
// WSK_EVENT_RECEIVE | WSK_EVENT_DISABLE the readiness already armed finds
// nothing to indicate (no peek at the host, no callback).
TEST_F(EventCallbackTest, DisabledReceiveEventIsNotDelivered) {
  EventLog log;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  EXPECT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISABLE),
            STATUS_SUCCESS);
  EXPECT_CALL(host_, Receive(_, _, _, _, _, _, _)).Times(0);
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.receive_calls, 0);
  CloseSocket(socket);
}

// Closing the socket ends its event callbacks: the armed wait is cancelled
// and no callback runs for it.
TEST_F(EventCallbackTest, CloseCancelsEventWaitsWithoutCallbacks) {
  EventLog log;
  PWSK_SOCKET socket = MakeConnected(&log);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT),
            STATUS_SUCCESS);
  EXPECT_CALL(host_, Receive(_, _, _, _, _, _, _)).Times(0);
  CloseSocket(socket);
  EXPECT_EQ(reactor_.WaitCount(), 0u);
  EXPECT_EQ(log.receive_calls, 0);
  EXPECT_EQ(log.disconnect_calls, 0);
}

// WskSendBacklogEvent(SocketContext, IdealBacklogSize): enabling
// WSK_EVENT_SEND_BACKLOG reports the transport's current ideal backlog
// (the send buffer size, as SIO_WSK_QUERY_IDEAL_SEND_BACKLOG reports it).
TEST_F(EventCallbackTest, SendBacklogEventReportsIdealBacklog) {
  EventLog log;
  PWSK_SOCKET socket = MakeConnected(&log);
  EXPECT_CALL(host_, GetOption(kHandle, WS_SOL_SOCKET, WS_SO_SNDBUF, NotNull(),
                               sizeof(int)))
      .WillOnce([](HostHandle, ULONG, ULONG, void* out, SIZE_T) {
        int size = 87040;
        memcpy(out, &size, sizeof(size));
        return HostResult{STATUS_SUCCESS, sizeof(size)};
      });
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_SEND_BACKLOG), STATUS_SUCCESS);
  EXPECT_EQ(log.backlog_calls, 1);
  EXPECT_EQ(log.ideal_backlog, 87040u);
  CloseSocket(socket);
}

// WskReceiveFromEvent "notifies a WSK application that one or more
// datagrams have been received": the indication carries the datagram and
// its sender; the socket keeps being watched for the next datagram.
TEST_F(EventCallbackTest, ReceiveFromEventDeliversDatagram) {
  EventLog log;
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_DATAGRAM_SOCKET, WS_SOCK_DGRAM,
                                  &kDatagramDispatch, &log);
  Bind(socket);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  EXPECT_CALL(host_,
              Receive(kHandle, _, WSK_FLAG_LX_DONTWAIT, NotNull(), _, _, _))
      .WillOnce([](HostHandle, const WSK_BUF& b, ULONG, PSOCKADDR from,
                   CMSGHDR*, ULONG*, ULONG*) {
        SOCKADDR_IN sender{WS_AF_INET, 0x3500, {{198, 51, 100, 1}}, {}};
        memcpy(from, &sender, sizeof(sender));
        return HostResult{STATUS_SUCCESS, Fill(b, "ping")};
      });
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.receive_from_calls, 1);
  EXPECT_EQ(log.datagram, "ping");
  EXPECT_EQ(log.datagram_from.sin_port, 0x3500);
  EXPECT_EQ(log.datagram_from.sin_addr.s_b[0], 198);
  EXPECT_EQ(reactor_.WaitCount(kHandle), 1u);
  CloseSocket(socket);
}

// A stream socket that has connected is "committed to connection use"
// (MS Learn "Winsock Kernel Socket Categories"): connection events enabled
// on it are delivered through WSK_CLIENT_STREAM_DISPATCH.Connect.
// (A regression test: the provider once closed it with an IRP on its own
// stack, which the pending close then wrote to after the frame was gone.)
TEST_F(EventCallbackTest, ConnectedStreamSocketDeliversReceiveEvents) {
  EventLog log;
  PWSK_SOCKET socket = MakeSocket(WSK_FLAG_STREAM_SOCKET, WS_SOCK_STREAM,
                                  &kStreamDispatch, &log);
  Bind(socket);
  SOCKADDR_IN peer{WS_AF_INET, 0x5000, {{192, 0, 2, 1}}, {}};
  EXPECT_CALL(host_, Connect(kHandle, _)).WillOnce(Return(STATUS_SUCCESS));
  IrpProbe connect;
  ASSERT_EQ(
      provider_.WskConnect(socket, reinterpret_cast<const SOCKADDR*>(&peer), 0,
                           connect.get()),
      STATUS_SUCCESS);
  ASSERT_EQ(SetEvents(socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  ASSERT_EQ(reactor_.WaitCount(kHandle), 1u);
  EXPECT_CALL(host_, Receive(kHandle, _, _, _, _, _, _))
      .WillOnce([](HostHandle, const WSK_BUF& b, ULONG, PSOCKADDR, CMSGHDR*,
                   ULONG*, ULONG*) {
        return HostResult{STATUS_SUCCESS, Fill(b, "xy")};
      })
      .WillOnce(Return(HostResult{STATUS_SUCCESS, 2}));
  ASSERT_TRUE(reactor_.Fire(kHandle));
  EXPECT_EQ(log.receive_calls, 1);
  EXPECT_EQ(log.received, "xy");
  CloseSocket(socket);
}

}  // namespace
}  // namespace wsk
