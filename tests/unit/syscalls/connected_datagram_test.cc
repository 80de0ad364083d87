// The datagram data path's ways into WSK: send()/recv() without an address
// on a bound socket take the table's connected forms (WskLxSend /
// WskLxReceive, the four-argument shape of WskSend/WskReceive); sendto()/
// recvfrom() with an address take WskLxSendTo/WskLxReceiveFrom (five
// arguments); control or result flags (sendmsg, recvmsg) take the long
// forms (WskSendTo/WskReceiveFrom). An unbound socket (autobind first) or
// an error recvmmsg left go through the category's own checks first:
// LxSocket::data_refuse decides, and follows bind and the deferred error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lx/socket_tables.h"
#include "lx/syscalls.h"
#include "mocks/mock_wsk_dispatch.h"
#include "sigpipe_counter.h"
#include "wsk/wsk.h"

namespace lxwsk_test {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::IsNull;
using ::testing::NotNull;

class ConnectedDatagramTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s_.ok()); }
  lx::LxSocket& lx() { return s_.lx(); }
  uint32_t refuse() { return lx().data_refuse.load(); }
  MockedDatagramLxSocket s_{AF_INET6, SOCK_DGRAM};
};

TEST_F(ConnectedDatagramTest, BoundSocketSendsAndReceivesInTheConnectedForms) {
  s_.MarkBound();
  EXPECT_EQ(refuse(), 0u);
  char out[] = "hello";
  char in[8] = {};
  CapturedBuffer sent, received;
  EXPECT_CALL(s_.dispatch(),
              WskLxSend(s_.wsk(), NotNull(), wsk::WSK_FLAG_LX_DONTWAIT,
                        IrpFor(kHostFd)))
      .WillOnce(CaptureBuffer(&sent, wsk::STATUS_SUCCESS, 5));
  EXPECT_CALL(
      s_.dispatch(),
      WskLxReceive(s_.wsk(), NotNull(), wsk::WSK_FLAG_LX_PEEK, IrpFor(kHostFd)))
      .WillOnce(CaptureBuffer(&received, wsk::STATUS_SUCCESS, 3));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, out, 5, MSG_DONTWAIT, nullptr, 0), 5);
  EXPECT_EQ(
      lx::RecvFrom(lx(), kHostFd, in, sizeof(in), MSG_PEEK, nullptr, nullptr),
      3);
  EXPECT_THAT(sent.ranges, ElementsAre(MdlRange{out, 5}));
  EXPECT_THAT(received.ranges, ElementsAre(MdlRange{in, sizeof(in)}));
}

// A failed request keeps the data path's results: the status's errno, and
// EIO for a request the provider left uncompleted.
TEST_F(ConnectedDatagramTest, ConnectedFormsReportErrorsAsTheLongForms) {
  s_.MarkBound();
  char buf[4] = {};
  EXPECT_CALL(s_.dispatch(), WskLxSend(s_.wsk(), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_ADDRESS_NOT_ASSOCIATED))
      .WillOnce(::testing::Return(wsk::STATUS_PENDING));
  EXPECT_CALL(s_.dispatch(), WskLxReceive(s_.wsk(), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_DEVICE_NOT_READY));
  EXPECT_EQ(lx::Write(lx(), kHostFd, buf, 4), -EDESTADDRREQ);
  EXPECT_EQ(lx::Write(lx(), kHostFd, buf, 4), -EIO);  // never completed
  EXPECT_EQ(lx::Read(lx(), kHostFd, buf, 4), -EAGAIN);
}

TEST_F(ConnectedDatagramTest, AnAddressTakesTheAddressForms) {
  s_.MarkBound();
  const sockaddr_in6 to = LinuxIn6(53, 1);
  char buf[4] = {};
  sockaddr_in6 from{};
  socklen_t from_len = sizeof(from);
  EXPECT_CALL(s_.dispatch(),
              WskLxSendTo(s_.wsk(), _, wsk::WSK_FLAG_LX_DONTWAIT,
                          IsWindowsFormOf(&to, sizeof(to)), IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  EXPECT_CALL(s_.dispatch(),
              WskLxReceiveFrom(s_.wsk(), _, 0u, NotNull(), IrpFor(kHostFd)))
      .WillOnce([&](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG,
                    wsk::PSOCKADDR remote, wsk::PIRP irp) {
        // The sender, in Windows form: AF_INET6 is 23 there.
        wsk::SOCKADDR_IN6 ws{};
        ws.sin6_family = wsk::WS_AF_INET6;
        ws.sin6_port = htons(7);
        memcpy(remote, &ws, sizeof(ws));
        wsk::IoCompleteRequest(irp, wsk::STATUS_SUCCESS, 4);
        return wsk::STATUS_SUCCESS;
      });
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, buf, 4, MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&to), sizeof(to)),
            4);
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, 4, 0,
                         reinterpret_cast<sockaddr*>(&from), &from_len),
            4);
  EXPECT_EQ(from_len, sizeof(sockaddr_in6));
  EXPECT_EQ(from.sin6_family, AF_INET6);  // Linux's value again
  EXPECT_EQ(from.sin6_port, htons(7));
}

// Result flags (recvmsg) or control (sendmsg): the long forms.
TEST_F(ConnectedDatagramTest, ControlOrResultFlagsTakeTheLongForms) {
  s_.MarkBound();
  char buf[4] = {};
  iovec iov{buf, sizeof(buf)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, 0u, IsNull(), _, _,
                                            NotNull(), IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, 0), 4);
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))] = {};
  auto* c = reinterpret_cast<cmsghdr*>(control);
  c->cmsg_len = CMSG_LEN(sizeof(int));
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_TCLASS;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  EXPECT_CALL(s_.dispatch(), WskSendTo(s_.wsk(), _, 0u, IsNull(), _, NotNull(),
                                       IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, 0), 4);
}

// An unbound socket: the implicit bind, then the general form's request
// (WskLxSendTo, no address); from then on the connected form.
TEST_F(ConnectedDatagramTest, UnboundSocketBindsFirstThenTakesTheFastForm) {
  EXPECT_EQ(refuse(), lx::LxSocket::kRefuseUnbound);
  char buf[4] = {};
  {
    InSequence seq;
    EXPECT_CALL(s_.dispatch(),
                WskBind(s_.wsk(), IsNull(), wsk::WSK_FLAG_LX_IMPLICIT_BIND,
                        IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
    EXPECT_CALL(s_.dispatch(),
                WskLxSendTo(s_.wsk(), _, 0u, IsNull(), IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
    EXPECT_CALL(s_.dispatch(), WskLxSend(s_.wsk(), _, 0u, IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  }
  EXPECT_EQ(lx::Write(lx(), kHostFd, buf, 4), 4);
  EXPECT_TRUE(lx().bound.load());
  EXPECT_EQ(refuse(), 0u);
  EXPECT_EQ(lx::Write(lx(), kHostFd, buf, 4), 4);
}

TEST_F(ConnectedDatagramTest, ExplicitBindClearsTheRefusal) {
  const sockaddr_in6 local = LinuxIn6(4000, 1);
  EXPECT_CALL(s_.dispatch(), WskBind(s_.wsk(), NotNull(), 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_ADDRESS_ALREADY_EXISTS))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Bind(lx(), kHostFd, reinterpret_cast<const sockaddr*>(&local),
                     sizeof(local)),
            -EADDRINUSE);
  EXPECT_EQ(refuse(), lx::LxSocket::kRefuseUnbound);
  EXPECT_EQ(lx::Bind(lx(), kHostFd, reinterpret_cast<const sockaddr*>(&local),
                     sizeof(local)),
            0);
  EXPECT_EQ(refuse(), 0u);
}

// A take that raced a set can leave the flag up with no error: the next
// receive takes 0, receives (the general form's request) and the flag is
// down again.
TEST_F(ConnectedDatagramTest, FlagWithoutAnErrorIsClearedByTheNextReceive) {
  s_.MarkBound();
  char buf[4] = {};
  lx().data_refuse.fetch_or(lx::LxSocket::kRefuseDeferredError);
  {
    InSequence seq;
    EXPECT_CALL(s_.dispatch(),
                WskLxReceiveFrom(s_.wsk(), _, 0u, IsNull(), IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 3));
    EXPECT_CALL(s_.dispatch(), WskLxReceive(s_.wsk(), _, 0u, IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 1));
  }
  EXPECT_EQ(lx::Read(lx(), kHostFd, buf, 4), 3);  // not 0, not an error
  EXPECT_EQ(refuse(), 0u);
  EXPECT_EQ(lx::Read(lx(), kHostFd, buf, 4), 1);
}

// The error recvmmsg left comes before any datagram, with no WSK request;
// then the connected form again. SO_ERROR takes it the same way.
TEST_F(ConnectedDatagramTest, DeferredErrorComesFirstThenTheFastFormAgain) {
  s_.MarkBound();
  char buf[4] = {};
  lx().SetDeferredError(ECONNREFUSED);
  EXPECT_EQ(refuse(), lx::LxSocket::kRefuseDeferredError);
  EXPECT_EQ(lx::Read(lx(), kHostFd, buf, 4), -ECONNREFUSED);
  EXPECT_EQ(refuse(), 0u);
  EXPECT_CALL(s_.dispatch(), WskLxReceive(s_.wsk(), _, 0u, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 2));
  EXPECT_EQ(lx::Read(lx(), kHostFd, buf, 4), 2);

  lx().SetDeferredError(EHOSTUNREACH);
  int e = 0;
  socklen_t len = sizeof(e);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_ERROR, &e, &len), 0);
  EXPECT_EQ(e, EHOSTUNREACH);
  EXPECT_EQ(refuse(), 0u);
  EXPECT_EQ(lx().deferred_error.load(), 0);
}

// A send meets the error recvmmsg left too (Linux: sock_alloc_send_pskb
// reads sk_err), connected or with an address, before any request; the
// next send is the fast form again.
TEST_F(ConnectedDatagramTest, DeferredErrorIsReportedBySendsToo) {
  s_.MarkBound();
  char buf[4] = {};
  const sockaddr_in6 to = LinuxIn6(53, 1);
  const auto* a = reinterpret_cast<const sockaddr*>(&to);
  lx().SetDeferredError(ECONNREFUSED);
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, buf, 4, 0, nullptr, 0), -ECONNREFUSED);
  EXPECT_EQ(refuse(), 0u);
  lx().SetDeferredError(EHOSTUNREACH);
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, buf, 4, 0, a, sizeof(to)), -EHOSTUNREACH);
  EXPECT_EQ(refuse(), 0u);
  EXPECT_CALL(s_.dispatch(), WskLxSend(s_.wsk(), _, 0u, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, buf, 4, 0, nullptr, 0), 4);
}

// MSG_OOB and a datagram over 0xFFFF bytes fail, and MSG_PROBE returns,
// before Linux reads sk_err: the error stays for the next call.
TEST_F(ConnectedDatagramTest, SendsThatEndEarlierLeaveTheDeferredError) {
  s_.MarkBound();
  static char big[0x10000];
  lx().SetDeferredError(ECONNREFUSED);
  EXPECT_CALL(s_.dispatch(),
              WskLxSendTo(s_.wsk(), _, _, IsNull(), IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_NOT_SUPPORTED))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 0))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_PARAMETER));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, big, 4, MSG_OOB, nullptr, 0),
            -EOPNOTSUPP);
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, big, 4, lx::kMsgProbe, nullptr, 0), 0);
  EXPECT_NE(lx::SendTo(lx(), kHostFd, big, sizeof(big), 0, nullptr, 0),
            -ECONNREFUSED);
  EXPECT_EQ(refuse(), lx::LxSocket::kRefuseDeferredError);
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, big, 4, 0, nullptr, 0), -ECONNREFUSED);
}

// After shutdown(SHUT_WR) a datagram send's EPIPE raises no SIGPIPE
// (Linux raises it from stream protocols only): the sends take the
// category's forms, which know the category, connected or not.
TEST_F(ConnectedDatagramTest, ShutdownForSendingIsEpipeWithoutSigpipe) {
  SigpipeCounter sigpipes;
  ASSERT_TRUE(sigpipes.installed());
  s_.MarkBound();
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::SIO_LXWSK_SHUTDOWN,
                               0u, _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Shutdown(lx(), kHostFd, SHUT_WR), 0);
  EXPECT_EQ(refuse(), lx::LxSocket::kRefuseSendShutdown);
  char buf[4] = {};
  const sockaddr_in6 to = LinuxIn6(53, 1);
  EXPECT_CALL(s_.dispatch(),
              WskLxSendTo(s_.wsk(), _, 0u, IsNull(), IrpFor(kHostFd)))
      .Times(2)
      .WillRepeatedly(CompleteIrp(wsk::STATUS_PIPE_DISCONNECTED));
  EXPECT_CALL(s_.dispatch(),
              WskLxSendTo(s_.wsk(), _, 0u, NotNull(), IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_PIPE_DISCONNECTED));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, buf, 4, 0, nullptr, 0), -EPIPE);
  EXPECT_EQ(lx::Write(lx(), kHostFd, buf, 4), -EPIPE);
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, buf, 4, 0,
                       reinterpret_cast<const sockaddr*>(&to), sizeof(to)),
            -EPIPE);
  EXPECT_EQ(sigpipes.count(), 0);
}

// Linux shuts an unconnected datagram socket down while reporting
// ENOTCONN, so the refusal follows any SHUT_WR or SHUT_RDWR; SHUT_RD
// leaves the data path as it was.
TEST_F(ConnectedDatagramTest, ShutdownRefusalFollowsTheWriteSideOnly) {
  s_.MarkBound();
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::SIO_LXWSK_SHUTDOWN,
                               0u, _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_CONNECTION));
  EXPECT_EQ(lx::Shutdown(lx(), kHostFd, SHUT_RD), 0);
  EXPECT_EQ(refuse(), 0u);
  EXPECT_EQ(lx::Shutdown(lx(), kHostFd, SHUT_RDWR), -ENOTCONN);
  EXPECT_EQ(refuse(), lx::LxSocket::kRefuseSendShutdown);
}

// A table that does not override the connected forms serves them with its
// long forms: the same requests, no address, no control.
TEST(DatagramTableTest, ConnectedFormsDefaultToTheLongForms) {
  ::testing::StrictMock<MockDatagramDispatch> table;
  wsk::WskProviderDatagramDispatch& d = table;
  wsk::WSK_SOCKET ws{&table};
  wsk::WSK_BUF buf{};
  wsk::IRP irp{};
  EXPECT_CALL(table, WskSendTo(&ws, &buf, 7u, IsNull(), 0u, IsNull(), &irp))
      .WillOnce(::testing::Return(wsk::STATUS_SUCCESS));
  EXPECT_CALL(table, WskReceiveFrom(&ws, &buf, 9u, IsNull(), IsNull(), IsNull(),
                                    IsNull(), &irp))
      .WillOnce(::testing::Return(wsk::STATUS_DEVICE_NOT_READY));
  EXPECT_EQ(d.WskLxSend(&ws, &buf, 7, &irp), wsk::STATUS_SUCCESS);
  EXPECT_EQ(d.WskLxReceive(&ws, &buf, 9, &irp), wsk::STATUS_DEVICE_NOT_READY);
  wsk::SOCKADDR_IN6 addr{};
  const auto* to = reinterpret_cast<const wsk::SOCKADDR*>(&addr);
  auto* from = reinterpret_cast<wsk::PSOCKADDR>(&addr);
  EXPECT_CALL(table, WskSendTo(&ws, &buf, 3u, to, 0u, IsNull(), &irp))
      .WillOnce(::testing::Return(wsk::STATUS_SUCCESS));
  EXPECT_CALL(table, WskReceiveFrom(&ws, &buf, 5u, from, IsNull(), IsNull(),
                                    IsNull(), &irp))
      .WillOnce(::testing::Return(wsk::STATUS_SUCCESS));
  EXPECT_EQ(d.WskLxSendTo(&ws, &buf, 3, to, &irp), wsk::STATUS_SUCCESS);
  EXPECT_EQ(d.WskLxReceiveFrom(&ws, &buf, 5, from, &irp), wsk::STATUS_SUCCESS);
}

}  // namespace
}  // namespace lxwsk_test
