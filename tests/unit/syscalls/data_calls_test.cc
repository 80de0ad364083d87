// The data path: send/recv and friends, read/write, readv/writev,
// sendmsg/recvmsg, sendmmsg/recvmmsg over gmock WSK dispatch tables.
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

constexpr size_t kMaxRwCount = 0x7FFFF000;  // Linux MAX_RW_COUNT

class StreamDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(s_.ok());
    s_.MarkBound();
  }
  lx::LxSocket& lx() { return s_.lx(); }
  MockedStreamSocket s_{AF_INET, SOCK_STREAM};
};

class DatagramDataTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s_.ok()); }
  lx::LxSocket& lx() { return s_.lx(); }
  MockedDatagramSocket s_{AF_INET6, SOCK_DGRAM};
};

// ---------------------------------------------------------------------------
// send side, stream

TEST_F(StreamDataTest, SendHandsTheCallersBufferAndReturnsTheByteCount) {
  char data[] = "hello";
  CapturedBuffer c;
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), NotNull(), 0u, IrpFor(kHostFd)))
      .WillOnce(CaptureBuffer(&c, wsk::STATUS_SUCCESS, 5));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 5, 0, nullptr, 0), 5);
  EXPECT_THAT(c.ranges, ElementsAre(MdlRange{data, 5}));
  EXPECT_EQ(c.offset, 0u);
  EXPECT_EQ(c.length, 5u);
}

TEST_F(StreamDataTest, PartialSendReturnsWhatWasSent) {
  char data[100] = {};
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 37));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, sizeof(data), 0, nullptr, 0), 37);
}

TEST_F(StreamDataTest, SendFlagsAreTranslated) {
  struct Case {
    int linux_flags;
    wsk::ULONG wsk_flags;
  };
  const Case cases[] = {
      {MSG_DONTWAIT, wsk::WSK_FLAG_LX_DONTWAIT},
      {MSG_OOB, wsk::WSK_FLAG_OOB},
      {MSG_MORE, wsk::WSK_FLAG_LX_MORE},
      {MSG_EOR, wsk::WSK_FLAG_LX_EOR},
      {MSG_NOSIGNAL, 0},  // handled by the syscalls layer itself
      {MSG_DONTWAIT | MSG_OOB | MSG_NOSIGNAL,
       wsk::WSK_FLAG_LX_DONTWAIT | wsk::WSK_FLAG_OOB},
  };
  char data[4] = {};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.linux_flags);
    EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, c.wsk_flags, _))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4))
        .RetiresOnSaturation();
    EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 4, c.linux_flags, nullptr, 0), 4);
  }
}

TEST_F(StreamDataTest, WouldBlockIsEagain) {
  char data[4] = {};
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, wsk::WSK_FLAG_LX_DONTWAIT, _))
      .WillOnce(CompleteIrp(wsk::STATUS_DEVICE_NOT_READY));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 4, MSG_DONTWAIT, nullptr, 0),
            -EAGAIN);
}

TEST_F(StreamDataTest, BrokenPipeIsEpipeAndRaisesSigpipe) {
  SigpipeCounter sigpipes;
  ASSERT_TRUE(sigpipes.installed());
  char data[4] = {};
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_PIPE_DISCONNECTED));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 4, 0, nullptr, 0), -EPIPE);
  EXPECT_EQ(sigpipes.count(), 1);
}

// The kernel sends SIGPIPE with send_sig(SIGPIPE, current, 0): si_code
// SI_USER from this process, to this thread (raise() would say SI_TKILL).
volatile sig_atomic_t g_pipe_code = 99, g_pipe_pid_self, g_pipe_uid_self;
void SigpipeInfo(int, siginfo_t* si, void*) {
  g_pipe_code = si->si_code;
  g_pipe_pid_self = si->si_pid == getpid();
  g_pipe_uid_self = si->si_uid == getuid();
}

TEST_F(StreamDataTest, SigpipeCarriesTheKernelsSiginfo) {
  struct sigaction sa {
  }, old{};
  sa.sa_sigaction = SigpipeInfo;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGPIPE, &sa, &old), 0);
  sigset_t set, old_mask;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_UNBLOCK, &set, &old_mask);
  g_pipe_code = 99;
  char data[4] = {};
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_PIPE_DISCONNECTED));
  errno = 1234;
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 4, 0, nullptr, 0), -EPIPE);
  EXPECT_EQ(errno, 1234);
  EXPECT_EQ(g_pipe_code, SI_USER);
  EXPECT_TRUE(g_pipe_pid_self);
  EXPECT_TRUE(g_pipe_uid_self);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old, nullptr);
}

TEST_F(StreamDataTest, BrokenPipeWithNosignalRaisesNothing) {
  SigpipeCounter sigpipes;
  ASSERT_TRUE(sigpipes.installed());
  char data[4] = {};
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_PIPE_DISCONNECTED));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 4, MSG_NOSIGNAL, nullptr, 0),
            -EPIPE);
  EXPECT_EQ(sigpipes.count(), 0);
}

TEST_F(StreamDataTest, OtherSendErrorsRaiseNothing) {
  SigpipeCounter sigpipes;
  ASSERT_TRUE(sigpipes.installed());
  char data[4] = {};
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_CONNECTION_RESET));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 4, 0, nullptr, 0), -ECONNRESET);
  EXPECT_EQ(sigpipes.count(), 0);
}

TEST_F(StreamDataTest, WriteIsASendWithoutFlagsAndRaisesSigpipe) {
  SigpipeCounter sigpipes;
  ASSERT_TRUE(sigpipes.installed());
  char data[3] = {'a', 'b', 'c'};
  CapturedBuffer c;
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, 0u, IrpFor(kHostFd)))
      .WillOnce(CaptureBuffer(&c, wsk::STATUS_SUCCESS, 3))
      .WillOnce(CompleteIrp(wsk::STATUS_PIPE_DISCONNECTED));
  EXPECT_EQ(lx::Write(lx(), kHostFd, data, 3), 3);
  EXPECT_THAT(c.ranges, ElementsAre(MdlRange{data, 3}));
  EXPECT_EQ(lx::Write(lx(), kHostFd, data, 3), -EPIPE);
  EXPECT_EQ(sigpipes.count(), 1);
}

TEST_F(StreamDataTest, HugeLengthIsClampedToMaxRwCount) {
  // The buffer is never read by the mock: only the descriptor is checked.
  char data[1];
  CapturedBuffer c;
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, _, _))
      .WillOnce(CaptureBuffer(&c, wsk::STATUS_SUCCESS, 1));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, SIZE_MAX / 2, 0, nullptr, 0), 1);
  EXPECT_EQ(c.length, kMaxRwCount);
  EXPECT_THAT(c.ranges, ElementsAre(MdlRange{data, kMaxRwCount}));
}

TEST_F(StreamDataTest, SendToWithBadAddressIsEfaultOnStreamToo) {
  char data[4] = {};
  EXPECT_EQ(
      lx::SendTo(lx(), kHostFd, data, 4, 0,
                 reinterpret_cast<const sockaddr*>(1), sizeof(sockaddr_in)),
      -EFAULT);
  sockaddr_in to = LinuxIn4(80, 127, 0, 0, 1);
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 4, 0,
                       reinterpret_cast<const sockaddr*>(&to),
                       sizeof(sockaddr_storage) + 1),
            -EINVAL);
}

// ---------------------------------------------------------------------------
// receive side, stream

TEST_F(StreamDataTest, ReceiveFlagsAreTranslated) {
  struct Case {
    int linux_flags;
    wsk::ULONG wsk_flags;
  };
  const Case cases[] = {
      {0, 0},
      {MSG_WAITALL, wsk::WSK_FLAG_WAITALL},
      {MSG_PEEK, wsk::WSK_FLAG_LX_PEEK},
      {MSG_DONTWAIT, wsk::WSK_FLAG_LX_DONTWAIT},
      {MSG_OOB, wsk::WSK_FLAG_LX_OOB},
      {MSG_TRUNC, wsk::WSK_FLAG_LX_TRUNC},
      {MSG_PEEK | MSG_DONTWAIT,
       wsk::WSK_FLAG_LX_PEEK | wsk::WSK_FLAG_LX_DONTWAIT},
  };
  char buf[16];
  for (const Case& c : cases) {
    SCOPED_TRACE(c.linux_flags);
    CapturedBuffer cap;
    EXPECT_CALL(s_.dispatch(),
                WskReceive(s_.wsk(), _, c.wsk_flags, IrpFor(kHostFd)))
        .WillOnce(CaptureBuffer(&cap, wsk::STATUS_SUCCESS, 9))
        .RetiresOnSaturation();
    EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), c.linux_flags,
                           nullptr, nullptr),
              9);
    EXPECT_THAT(cap.ranges, ElementsAre(MdlRange{buf, sizeof(buf)}));
    EXPECT_EQ(cap.length, sizeof(buf));
  }
}

TEST_F(StreamDataTest, RecvFromReportsNoSourceAddress) {
  char buf[16];
  EXPECT_CALL(s_.dispatch(), WskReceive(s_.wsk(), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  sockaddr_storage from;
  memset(&from, 0xAA, sizeof(from));
  socklen_t len = sizeof(from);
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), 0,
                         reinterpret_cast<sockaddr*>(&from), &len),
            4);
  EXPECT_EQ(len, 0u);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(&from);
  for (size_t i = 0; i < sizeof(from); ++i) ASSERT_EQ(p[i], 0xAA) << i;
}

TEST_F(StreamDataTest, RecvFromBadAddrlenPointerIsEfault) {
  char buf[16];
  EXPECT_CALL(s_.dispatch(), WskReceive(s_.wsk(), _, _, _))
      .Times(::testing::AtMost(1))
      .WillRepeatedly(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  sockaddr_storage from;
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), 0,
                         reinterpret_cast<sockaddr*>(&from),
                         static_cast<socklen_t*>(NoAccessPage())),
            -EFAULT);
}

TEST_F(StreamDataTest, RecvFromNegativeAddrlenIsEinval) {
  char buf[16];
  EXPECT_CALL(s_.dispatch(), WskReceive(s_.wsk(), _, _, _))
      .Times(::testing::AtMost(1))
      .WillRepeatedly(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  sockaddr_storage from;
  socklen_t len = static_cast<socklen_t>(-1);
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), 0,
                         reinterpret_cast<sockaddr*>(&from), &len),
            -EINVAL);
}

TEST_F(StreamDataTest, EndOfStreamIsZero) {
  char buf[16];
  EXPECT_CALL(s_.dispatch(), WskReceive(s_.wsk(), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 0));
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), 0, nullptr, nullptr),
            0);
}

TEST_F(StreamDataTest, ReceiveErrorsMapToErrnos) {
  char buf[16];
  EXPECT_CALL(s_.dispatch(), WskReceive(s_.wsk(), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_CONNECTION))
      .WillOnce(CompleteIrp(wsk::STATUS_TIMEOUT))
      .WillOnce(CompleteIrp(wsk::STATUS_CONNECTION_RESET));
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, 16, 0, nullptr, nullptr),
            -ENOTCONN);
  // SO_RCVTIMEO expiry is EAGAIN on Linux.
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, 16, 0, nullptr, nullptr), -EAGAIN);
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, 16, 0, nullptr, nullptr),
            -ECONNRESET);
}

TEST_F(StreamDataTest, ZeroLengthReadDoesNotTouchTheSocket) {
  char buf[1];
  EXPECT_EQ(lx::Read(lx(), kHostFd, buf, 0), 0);
}

TEST_F(StreamDataTest, ReadIsAReceiveWithoutFlags) {
  char buf[8];
  CapturedBuffer c;
  EXPECT_CALL(s_.dispatch(), WskReceive(s_.wsk(), _, 0u, IrpFor(kHostFd)))
      .WillOnce(CaptureBuffer(&c, wsk::STATUS_SUCCESS, 8));
  EXPECT_EQ(lx::Read(lx(), kHostFd, buf, sizeof(buf)), 8);
  EXPECT_THAT(c.ranges, ElementsAre(MdlRange{buf, 8}));
}

// ---------------------------------------------------------------------------
// readv / writev

TEST_F(StreamDataTest, WritevBuildsOneMdlPerIovec) {
  char a[3], b[4], c[5];
  const iovec iov[3] = {{a, 3}, {b, 4}, {c, 5}};
  CapturedBuffer cap;
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, 0u, IrpFor(kHostFd)))
      .WillOnce(CaptureBuffer(&cap, wsk::STATUS_SUCCESS, 12));
  EXPECT_EQ(lx::Writev(lx(), kHostFd, iov, 3), 12);
  EXPECT_THAT(cap.ranges,
              ElementsAre(MdlRange{a, 3}, MdlRange{b, 4}, MdlRange{c, 5}));
  EXPECT_EQ(cap.offset, 0u);
  EXPECT_EQ(cap.length, 12u);
}

TEST_F(StreamDataTest, WritevBeyondTheInlineMdlsKeepsOrder) {
  // More iovecs than fit on the stack (16), up to UIO_MAXIOV.
  for (int count : {17, 40, 1024}) {
    SCOPED_TRACE(count);
    std::vector<char> data(static_cast<size_t>(count) * 2);
    std::vector<iovec> iov(static_cast<size_t>(count));
    std::vector<MdlRange> want;
    size_t total = 0;
    for (int i = 0; i < count; ++i) {
      size_t len = static_cast<size_t>(i % 3);
      iov[i] = {&data[static_cast<size_t>(i) * 2], len};
      want.push_back({iov[i].iov_base, len});
      total += len;
    }
    CapturedBuffer cap;
    EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, 0u, _))
        .WillOnce(CaptureBuffer(&cap, wsk::STATUS_SUCCESS, total))
        .RetiresOnSaturation();
    EXPECT_EQ(lx::Writev(lx(), kHostFd, iov.data(), count),
              static_cast<long>(total));
    EXPECT_EQ(cap.ranges, want);
    EXPECT_EQ(cap.length, total);
  }
}

TEST_F(StreamDataTest, WritevTotalIsClampedToMaxRwCount) {
  // Never dereferenced: only the descriptors are checked.
  char* base = reinterpret_cast<char*>(0x10000);
  const iovec iov[3] = {{base, kMaxRwCount - 10}, {base, 100}, {base, 5}};
  CapturedBuffer cap;
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, _, _))
      .WillOnce(CaptureBuffer(&cap, wsk::STATUS_SUCCESS, 1));
  EXPECT_EQ(lx::Writev(lx(), kHostFd, iov, 3), 1);
  EXPECT_EQ(cap.length, kMaxRwCount);
  EXPECT_THAT(cap.ranges, ElementsAre(MdlRange{base, kMaxRwCount - 10},
                                      MdlRange{base, 10}, MdlRange{base, 0}));
}

TEST_F(StreamDataTest, ReadvBadCountsAreEinvalWithoutWskCall) {
  char a[4];
  const iovec iov[1] = {{a, 4}};
  EXPECT_EQ(lx::Readv(lx(), kHostFd, iov, -1), -EINVAL);
  EXPECT_EQ(lx::Readv(lx(), kHostFd, iov, 1025), -EINVAL);  // > UIO_MAXIOV
  EXPECT_EQ(lx::Readv(lx(), kHostFd, iov, INT_MIN), -EINVAL);
  EXPECT_EQ(lx::Writev(lx(), kHostFd, iov, -1), -EINVAL);
  EXPECT_EQ(lx::Writev(lx(), kHostFd, iov, 1025), -EINVAL);
}

TEST_F(StreamDataTest, ReadvNegativeIovLenIsEinval) {
  char a[4];
  const iovec iov[2] = {{a, 4}, {a, static_cast<size_t>(-1)}};
  EXPECT_EQ(lx::Readv(lx(), kHostFd, iov, 2), -EINVAL);
  EXPECT_EQ(lx::Writev(lx(), kHostFd, iov, 2), -EINVAL);
}

TEST_F(StreamDataTest, ReadvBadIovecArrayIsEfault) {
  EXPECT_EQ(
      lx::Readv(lx(), kHostFd, static_cast<const iovec*>(NoAccessPage()), 2),
      -EFAULT);
  EXPECT_EQ(lx::Writev(lx(), kHostFd, reinterpret_cast<const iovec*>(8), 1),
            -EFAULT);
}

TEST_F(StreamDataTest, ReadvOfNothingReturnsZeroWithoutWskCall) {
  char a[4];
  const iovec empty[2] = {{a, 0}, {a, 0}};
  EXPECT_EQ(lx::Readv(lx(), kHostFd, empty, 2), 0);
  EXPECT_EQ(lx::Readv(lx(), kHostFd, nullptr, 0), 0);
}

// vfs_writev returns 0 for a zero total before the socket sees it: no empty
// datagram is sent (write(fd, buf, 0) does send one).
TEST_F(DatagramDataTest, WritevOfNothingSendsNoDatagram) {
  char a[4];
  const iovec empty[2] = {{a, 0}, {a, 0}};
  EXPECT_EQ(lx::Writev(lx(), kHostFd, empty, 2), 0);
  EXPECT_EQ(lx::Writev(lx(), kHostFd, nullptr, 0), 0);
}

TEST_F(StreamDataTest, ReadvReceivesIntoTheChain) {
  char a[2], b[6];
  const iovec iov[2] = {{a, 2}, {b, 6}};
  CapturedBuffer cap;
  EXPECT_CALL(s_.dispatch(), WskReceive(s_.wsk(), _, 0u, IrpFor(kHostFd)))
      .WillOnce(CaptureBuffer(&cap, wsk::STATUS_SUCCESS, 5));
  EXPECT_EQ(lx::Readv(lx(), kHostFd, iov, 2), 5);
  EXPECT_THAT(cap.ranges, ElementsAre(MdlRange{a, 2}, MdlRange{b, 6}));
  EXPECT_EQ(cap.length, 8u);
}

// ---------------------------------------------------------------------------
// sendmsg / recvmsg, stream

TEST_F(StreamDataTest, SendmsgWithTooManyIovecsIsEmsgsize) {
  char a[4];
  iovec iov[1] = {{a, 4}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1025;
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, 0), -EMSGSIZE);
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, 0), -EMSGSIZE);
}

TEST_F(StreamDataTest, SendmsgBadHeaderIsEfault) {
  EXPECT_EQ(
      lx::SendMsg(lx(), kHostFd, static_cast<const msghdr*>(NoAccessPage()), 0),
      -EFAULT);
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, static_cast<msghdr*>(NoAccessPage()), 0),
            -EFAULT);
}

TEST_F(StreamDataTest, SendmsgSendsTheChainWithTranslatedFlags) {
  char a[2], b[3];
  iovec iov[2] = {{a, 2}, {b, 3}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  CapturedBuffer cap;
  EXPECT_CALL(s_.dispatch(),
              WskSend(s_.wsk(), _, wsk::WSK_FLAG_LX_DONTWAIT, IrpFor(kHostFd)))
      .WillOnce(CaptureBuffer(&cap, wsk::STATUS_SUCCESS, 5));
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL), 5);
  EXPECT_THAT(cap.ranges, ElementsAre(MdlRange{a, 2}, MdlRange{b, 3}));
}

TEST_F(StreamDataTest, RecvmsgOnStreamReportsNoNameAndNoControl) {
  char a[8];
  iovec iov[1] = {{a, 8}};
  sockaddr_storage name;
  char control[64];
  msghdr msg{};
  msg.msg_name = &name;
  msg.msg_namelen = sizeof(name);
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  msg.msg_flags = 0x7777;
  EXPECT_CALL(s_.dispatch(),
              WskLxReceiveMessage(s_.wsk(), _, wsk::WSK_FLAG_WAITALL, NotNull(),
                                  NotNull(), _, _))
      .WillOnce([](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG,
                   wsk::ULONG* control_length, wsk::CMSGHDR*, wsk::ULONG*,
                   wsk::PIRP irp) {
        *control_length = 0;
        return CompleteIrp(wsk::STATUS_SUCCESS, 8)(irp);
      });
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, MSG_WAITALL), 8);
  EXPECT_EQ(msg.msg_namelen, 0u);
  EXPECT_EQ(msg.msg_controllen, 0u);
  EXPECT_EQ(msg.msg_flags, 0);
}

// Windows-form control from WskLxReceiveMessage (lxwsk's timestamp message
// at WS_SOL_SOCKET) becomes Linux's SCM_TIMESTAMP; recv() asks for none.
TEST_F(StreamDataTest, RecvmsgOnStreamTranslatesControlToLinuxForm) {
  char a[8];
  iovec iov[1] = {{a, 8}};
  alignas(cmsghdr) unsigned char control[64];
  memset(control, 0xAB, sizeof(control));
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  const int64_t tv[2] = {1234, 567};
  EXPECT_CALL(s_.dispatch(),
              WskLxReceiveMessage(s_.wsk(), _, 0u, NotNull(), NotNull(), _, _))
      .WillOnce([&tv](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG,
                      wsk::ULONG* control_length, wsk::CMSGHDR* info,
                      wsk::ULONG*, wsk::PIRP irp) {
        EXPECT_GE(*control_length, wsk::WSA_CMSG_SPACE(sizeof(tv)));
        info->cmsg_len = wsk::WSA_CMSG_LEN(sizeof(tv));
        info->cmsg_level = static_cast<int>(wsk::WS_SOL_SOCKET);
        info->cmsg_type = static_cast<int>(wsk::SO_LXWSK_TIMESTAMP);
        memcpy(wsk::WSA_CMSG_DATA(info), tv, sizeof(tv));
        *control_length = wsk::WSA_CMSG_SPACE(sizeof(tv));
        return CompleteIrp(wsk::STATUS_SUCCESS, 8)(irp);
      });
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, 0), 8);
  ASSERT_EQ(msg.msg_controllen, CMSG_SPACE(sizeof(tv)));
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(cm, nullptr);
  EXPECT_EQ(cm->cmsg_level, SOL_SOCKET);
  EXPECT_EQ(cm->cmsg_type, 29);  // SCM_TIMESTAMP (SO_TIMESTAMP_OLD)
  EXPECT_EQ(cm->cmsg_len, CMSG_LEN(sizeof(tv)));
  EXPECT_EQ(memcmp(CMSG_DATA(cm), tv, sizeof(tv)), 0);
  EXPECT_EQ(msg.msg_flags, 0);
}

// sendmsg control on a stream goes through WskLxSendMessage in Windows
// form; a control-less sendmsg stays on WskSend.
TEST_F(StreamDataTest, SendmsgOnStreamCarriesControlInWindowsForm) {
  char a[3];
  iovec iov[1] = {{a, 3}};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))] = {};
  cmsghdr* cm = reinterpret_cast<cmsghdr*>(control);
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = 77;  // no Windows equivalent: tunnelled
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  EXPECT_CALL(s_.dispatch(),
              WskLxSendMessage(s_.wsk(), _, 0u, 24u, NotNull(), _))
      .WillOnce([](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG, wsk::ULONG,
                   const wsk::CMSGHDR* info, wsk::PIRP irp) {
        EXPECT_EQ(info->cmsg_len, 20u);
        EXPECT_EQ(static_cast<uint32_t>(info->cmsg_level),
                  wsk::WskLxLevel(SOL_SOCKET));
        EXPECT_EQ(info->cmsg_type, 77);
        return CompleteIrp(wsk::STATUS_INVALID_PARAMETER, 0)(irp);
      });
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, 0), -EINVAL);
  msg.msg_controllen = 0;
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, 0u, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 3));
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, 0), 3);
}

TEST_F(StreamDataTest, SendmsgControlErrorsComeBeforeWsk) {
  char a[3];
  iovec iov[1] = {{a, 3}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = NoAccessPage();
  msg.msg_controllen = 32;
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, 0), -EFAULT);
  msg.msg_controllen = static_cast<size_t>(INT_MAX) + 1;
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, 0), -ENOBUFS);
}

// ---------------------------------------------------------------------------
// datagram sockets

TEST_F(DatagramDataTest, SendToBindsImplicitlyAndPassesTheWindowsAddress) {
  const sockaddr_in6 to = LinuxIn6(53, 1);
  char data[7] = {};
  CapturedBuffer cap;
  {
    InSequence seq;
    EXPECT_CALL(s_.dispatch(),
                WskBind(s_.wsk(), IsNull(), wsk::WSK_FLAG_LX_IMPLICIT_BIND,
                        IrpFor(kHostFd)))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
    EXPECT_CALL(s_.dispatch(), WskSendTo(s_.wsk(), _, wsk::WSK_FLAG_LX_DONTWAIT,
                                         IsWindowsFormOf(&to, sizeof(to)), 0u,
                                         IsNull(), IrpFor(kHostFd)))
        .WillOnce(CaptureBuffer(&cap, wsk::STATUS_SUCCESS, 7));
  }
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 7, MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&to), sizeof(to)),
            7);
  EXPECT_THAT(cap.ranges, ElementsAre(MdlRange{data, 7}));
  EXPECT_TRUE(lx().bound.load());
}

TEST_F(DatagramDataTest, SendOnConnectedSocketPassesNoAddress) {
  s_.MarkBound();
  char data[2] = {};
  EXPECT_CALL(s_.dispatch(), WskSendTo(s_.wsk(), _, 0u, IsNull(), 0u, IsNull(),
                                       IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 2))
      .WillOnce(CompleteIrp(wsk::STATUS_ADDRESS_NOT_ASSOCIATED));
  EXPECT_EQ(lx::Write(lx(), kHostFd, data, 2), 2);
  EXPECT_EQ(lx::Write(lx(), kHostFd, data, 2), -EDESTADDRREQ);
}

// A provider that returns STATUS_PENDING on an inline socket without
// completing the IRP breaks the WSK contract: the data path says EIO, not
// the byte count the IRP was prepared with (the data path's IRPs start as
// STATUS_SUCCESS, so this is decided by the returned status).
TEST_F(DatagramDataTest, UncompletedIrpIsEio) {
  s_.MarkBound();
  char data[2] = {};
  EXPECT_CALL(s_.dispatch(), WskSendTo(s_.wsk(), _, _, _, _, _, _))
      .WillOnce(::testing::Return(wsk::STATUS_PENDING));
  EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, _, _, _, _, _, _))
      .WillOnce(::testing::Return(wsk::STATUS_PENDING));
  EXPECT_EQ(lx::Write(lx(), kHostFd, data, 2), -EIO);
  EXPECT_EQ(lx::Read(lx(), kHostFd, data, 2), -EIO);
}

TEST_F(StreamDataTest, UncompletedIrpIsEio) {
  char data[2] = {};
  EXPECT_CALL(s_.dispatch(), WskSend(s_.wsk(), _, _, _))
      .WillOnce(::testing::Return(wsk::STATUS_PENDING));
  EXPECT_CALL(s_.dispatch(), WskReceive(s_.wsk(), _, _, _))
      .WillOnce(::testing::Return(wsk::STATUS_PENDING));
  EXPECT_EQ(lx::Write(lx(), kHostFd, data, 2), -EIO);
  EXPECT_EQ(lx::Read(lx(), kHostFd, data, 2), -EIO);
}

// A bad pointer or an over-long address fails while the address is copied
// in, before anything else: no WSK call, the socket stays unbound.
TEST_F(DatagramDataTest, SendToBadAddressCopyIsEfaultOrEinvalWithoutWskCall) {
  char data[2] = {};
  EXPECT_EQ(
      lx::SendTo(lx(), kHostFd, data, 2, 0,
                 reinterpret_cast<const sockaddr*>(1), sizeof(sockaddr_in6)),
      -EFAULT);
  const sockaddr_in6 to = LinuxIn6(53, 1);
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 2, 0,
                       reinterpret_cast<const sockaddr*>(&to), 129),
            -EINVAL);
  EXPECT_FALSE(lx().bound.load());
}

// Linux autobinds an unbound UDP socket before udpv6_sendmsg looks at the
// address (inet_send_prepare): a short address is EINVAL, after a bind to
// the wildcard address and port 0.
TEST_F(DatagramDataTest, SendToShortAddressBindsLikeAnAutobindThenEinval) {
  char data[2] = {};
  const sockaddr_in6 to = LinuxIn6(53, 1);
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  EXPECT_CALL(s_.dispatch(),
              WskBind(s_.wsk(), IsWindowsFormOf(&any, 24), 0u, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 2, 0,
                       reinterpret_cast<const sockaddr*>(&to), 20),
            -EINVAL);
  EXPECT_TRUE(lx().bound.load());
}

TEST_F(DatagramDataTest, RecvFromConvertsAndTruncatesTheSource) {
  const sockaddr_in6 lin = LinuxIn6(5353, 0x42);
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(lin);
  char buf[32];
  CapturedBuffer cap;
  EXPECT_CALL(s_.dispatch(),
              WskReceiveFrom(s_.wsk(), _, wsk::WSK_FLAG_LX_PEEK, NotNull(), _,
                             _, _, IrpFor(kHostFd)))
      .WillOnce([&](wsk::PWSK_SOCKET sock, wsk::PWSK_BUF b, wsk::ULONG f,
                    wsk::PSOCKADDR remote, wsk::ULONG* cl, wsk::CMSGHDR* ci,
                    wsk::ULONG* cf, wsk::PIRP irp) {
        memcpy(remote, &ws, sizeof(wsk::SOCKADDR_IN6));
        return CaptureBuffer(&cap, wsk::STATUS_SUCCESS, 5)(sock, b, f, remote,
                                                           cl, ci, cf, irp);
      });
  unsigned char from[sizeof(sockaddr_in6)];
  memset(from, 0xAA, sizeof(from));
  socklen_t len = 16;  // shorter than a sockaddr_in6
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), MSG_PEEK,
                         reinterpret_cast<sockaddr*>(from), &len),
            5);
  EXPECT_THAT(cap.ranges, ElementsAre(MdlRange{buf, sizeof(buf)}));
  // Linux AF_INET6 (10) in the first 16 bytes, nothing beyond; the full
  // length is reported.
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  sa_family_t family;
  memcpy(&family, from, sizeof(family));
  EXPECT_EQ(family, AF_INET6);
  EXPECT_EQ(Bytes(from, 16), Bytes(&lin, 16));
  for (size_t i = 16; i < sizeof(from); ++i) EXPECT_EQ(from[i], 0xAA) << i;
}

TEST_F(DatagramDataTest, RecvFromWithRoomGetsTheWholeSource) {
  const sockaddr_in6 lin = LinuxIn6(5353, 0x43);
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(lin);
  char buf[4];
  EXPECT_CALL(s_.dispatch(),
              WskReceiveFrom(s_.wsk(), _, 0u, NotNull(), _, _, _, _))
      .WillOnce([&](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG,
                    wsk::PSOCKADDR remote, wsk::ULONG*, wsk::CMSGHDR*,
                    wsk::ULONG*, wsk::PIRP irp) {
        memcpy(remote, &ws, sizeof(wsk::SOCKADDR_IN6));
        return CompleteIrp(wsk::STATUS_SUCCESS, 4)(irp);
      });
  sockaddr_storage from{};
  socklen_t len = sizeof(from);
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), 0,
                         reinterpret_cast<sockaddr*>(&from), &len),
            4);
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  EXPECT_EQ(Bytes(&from, sizeof(lin)), Bytes(&lin, sizeof(lin)));
}

TEST_F(DatagramDataTest, RecvWithoutSourceAsksForNone) {
  char buf[4];
  EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, 0u, IsNull(), _, _,
                                            IsNull(), IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  EXPECT_EQ(lx::Read(lx(), kHostFd, buf, sizeof(buf)), 4);
}

TEST_F(DatagramDataTest, RecvFromBadAddrlenIsAnError) {
  // Linux receives (and consumes the datagram) before it reads *addrlen;
  // whether the provider is asked first is not visible otherwise.
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(LinuxIn6(1, 1));
  EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, _, _, _, _, _, _))
      .Times(::testing::AtMost(2))
      .WillRepeatedly([&](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG,
                          wsk::PSOCKADDR remote, wsk::ULONG*, wsk::CMSGHDR*,
                          wsk::ULONG*, wsk::PIRP irp) {
        if (remote != nullptr) memcpy(remote, &ws, sizeof(wsk::SOCKADDR_IN6));
        return CompleteIrp(wsk::STATUS_SUCCESS, 4)(irp);
      });
  char buf[4];
  sockaddr_storage from{};
  socklen_t negative = static_cast<socklen_t>(-1);
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), 0,
                         reinterpret_cast<sockaddr*>(&from), &negative),
            -EINVAL);
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), 0,
                         reinterpret_cast<sockaddr*>(&from),
                         static_cast<socklen_t*>(NoAccessPage())),
            -EFAULT);
}

TEST_F(DatagramDataTest, RecvFromIntoABadAddressBufferIsEfault) {
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(LinuxIn6(1, 1));
  EXPECT_CALL(s_.dispatch(),
              WskReceiveFrom(s_.wsk(), _, _, NotNull(), _, _, _, _))
      .WillOnce([&](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG,
                    wsk::PSOCKADDR remote, wsk::ULONG*, wsk::CMSGHDR*,
                    wsk::ULONG*, wsk::PIRP irp) {
        memcpy(remote, &ws, sizeof(wsk::SOCKADDR_IN6));
        return CompleteIrp(wsk::STATUS_SUCCESS, 4)(irp);
      });
  char buf[4];
  socklen_t len = sizeof(sockaddr_in6);
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, buf, sizeof(buf), 0,
                         static_cast<sockaddr*>(NoAccessPage()), &len),
            -EFAULT);
}

TEST_F(DatagramDataTest, SendToUnspecOnIpv6SendsWithoutAddress) {
  // udpv6_sendmsg: an AF_UNSPEC name means "the connected peer".
  s_.MarkBound();
  sockaddr_in6 unspec{};
  unspec.sin6_family = AF_UNSPEC;
  char data[2] = {};
  EXPECT_CALL(s_.dispatch(), WskSendTo(s_.wsk(), _, 0u, IsNull(), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 2));
  EXPECT_EQ(
      lx::SendTo(lx(), kHostFd, data, 2, 0,
                 reinterpret_cast<const sockaddr*>(&unspec), sizeof(unspec)),
      2);
}

// Another family is refused by the protocol, after the autobind; on a
// socket that has its port already the bind fails and changes nothing.
TEST_F(DatagramDataTest, SendToAnotherFamilyIsAnErrorAfterTheAutobind) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  char data[2] = {};
  EXPECT_CALL(s_.dispatch(), WskBind(s_.wsk(), NotNull(), 0u, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_PARAMETER));  // had a port
  EXPECT_EQ(lx::SendTo(lx(), kHostFd, data, 2, 0,
                       reinterpret_cast<const sockaddr*>(&un), sizeof(un)),
            -EINVAL);  // udpv6_sendmsg's default case
  MockedDatagramSocket v4(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(v4.ok());
  const sockaddr_in any4 = LinuxIn4(0, 0, 0, 0, 0);
  EXPECT_CALL(v4.dispatch(),
              WskBind(v4.wsk(), IsWindowsFormOf(&any4, sizeof(any4)), 0u,
                      IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::SendTo(v4.lx(), kHostFd, data, 2, 0,
                       reinterpret_cast<const sockaddr*>(&un), sizeof(un)),
            -EAFNOSUPPORT);  // udp_sendmsg
}

// Linux control messages reach WskSendTo in Windows form: levels and types
// rewritten (IPV6_HOPLIMIT 52 -> 21, IP_PKTINFO 8 -> 19), in_pktinfo
// re-laid as IN_PKTINFO {addr = the source Linux takes from ipi_spec_dst,
// ifindex}.
TEST_F(DatagramDataTest, SendmsgTranslatesControlToWindowsForm) {
  s_.MarkBound();
  char a[3];
  iovec iov[1] = {{a, 3}};
  alignas(cmsghdr) unsigned char
      control[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(in_pktinfo))] = {};
  cmsghdr* cm = reinterpret_cast<cmsghdr*>(control);
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  cm->cmsg_level = IPPROTO_IPV6;
  cm->cmsg_type = IPV6_HOPLIMIT;
  const int hops = 9;
  memcpy(CMSG_DATA(cm), &hops, sizeof(hops));
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cm = CMSG_NXTHDR(&msg, cm);
  cm->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  cm->cmsg_level = IPPROTO_IP;
  cm->cmsg_type = IP_PKTINFO;
  in_pktinfo pi{};
  pi.ipi_ifindex = 3;
  pi.ipi_spec_dst.s_addr = htonl(0x7F000001);
  pi.ipi_addr = pi.ipi_spec_dst;
  memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
  std::vector<uint8_t> seen;
  EXPECT_CALL(s_.dispatch(), WskSendTo(s_.wsk(), _, 0u, IsNull(), _, NotNull(),
                                       IrpFor(kHostFd)))
      .WillOnce([&seen](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG,
                        const wsk::SOCKADDR*, wsk::ULONG len,
                        const wsk::CMSGHDR* info, wsk::PIRP irp) {
        seen = Bytes(info, len);
        return CompleteIrp(wsk::STATUS_SUCCESS, 3)(irp);
      });
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, 0), 3);
  ASSERT_EQ(seen.size(), wsk::WSA_CMSG_SPACE(4) +
                             wsk::WSA_CMSG_SPACE(sizeof(wsk::IN_PKTINFO_WS)));
  wsk::CMSGHDR h;
  memcpy(&h, seen.data(), sizeof(h));
  EXPECT_EQ(h.cmsg_len, wsk::WSA_CMSG_LEN(4));
  EXPECT_EQ(static_cast<uint32_t>(h.cmsg_level), wsk::WS_IPPROTO_IPV6);
  EXPECT_EQ(static_cast<uint32_t>(h.cmsg_type), wsk::WS_IPV6_HOPLIMIT);
  const uint8_t* second = seen.data() + wsk::WSA_CMSG_SPACE(4);
  memcpy(&h, second, sizeof(h));
  EXPECT_EQ(h.cmsg_len, wsk::WSA_CMSG_LEN(sizeof(wsk::IN_PKTINFO_WS)));
  EXPECT_EQ(static_cast<uint32_t>(h.cmsg_level), wsk::WS_IPPROTO_IP);
  EXPECT_EQ(static_cast<uint32_t>(h.cmsg_type), wsk::WS_IP_PKTINFO);
  wsk::IN_PKTINFO_WS w;
  memcpy(&w, second + sizeof(h), sizeof(w));
  EXPECT_EQ(memcmp(w.ipi_addr, &pi.ipi_spec_dst, 4), 0);
  EXPECT_EQ(w.ipi_ifindex, 3u);
}

// Windows-form control from WskReceiveFrom becomes Linux's, cut the way
// put_cmsg cuts it: a message that does not fit is truncated to the room
// left and MSG_CTRUNC is set; with no buffer MSG_CTRUNC alone.
TEST_F(DatagramDataTest, RecvmsgTranslatesAndTruncatesLikePutCmsg) {
  auto answer = [](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG, wsk::PSOCKADDR,
                   wsk::ULONG* control_length, wsk::CMSGHDR* info,
                   wsk::ULONG* flags, wsk::PIRP irp) {
    unsigned char* p = reinterpret_cast<unsigned char*>(info);
    info->cmsg_len = wsk::WSA_CMSG_LEN(sizeof(wsk::IN_PKTINFO_WS));
    info->cmsg_level = static_cast<int>(wsk::WS_IPPROTO_IP);
    info->cmsg_type = static_cast<int>(wsk::WS_IP_PKTINFO);
    wsk::IN_PKTINFO_WS w{{127, 0, 0, 1}, 1};
    memcpy(wsk::WSA_CMSG_DATA(info), &w, sizeof(w));
    auto* ttl =
        reinterpret_cast<wsk::CMSGHDR*>(p + wsk::WSA_CMSG_SPACE(sizeof(w)));
    ttl->cmsg_len = wsk::WSA_CMSG_LEN(4);
    ttl->cmsg_level = static_cast<int>(wsk::WS_IPPROTO_IP);
    ttl->cmsg_type = static_cast<int>(wsk::WS_IP_HOPLIMIT);
    const int v = 64;
    memcpy(wsk::WSA_CMSG_DATA(ttl), &v, 4);
    *control_length = static_cast<wsk::ULONG>(wsk::WSA_CMSG_SPACE(sizeof(w)) +
                                              wsk::WSA_CMSG_SPACE(4));
    *flags = 0;
    return CompleteIrp(wsk::STATUS_SUCCESS, 4)(irp);
  };
  EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, 0u, IsNull(),
                                            NotNull(), NotNull(), NotNull(), _))
      .Times(3)
      .WillRepeatedly(answer);
  char a[4];
  iovec iov[1] = {{a, 4}};
  alignas(cmsghdr) unsigned char control[64];
  memset(control, 0xAB, sizeof(control));
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, 0), 4);
  // in_pktinfo: CMSG_SPACE(12) = 32; the TTL's CMSG_SPACE(4) = 24 advances.
  EXPECT_EQ(msg.msg_controllen, 56u);
  EXPECT_EQ(msg.msg_flags, 0);
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(cm, nullptr);
  EXPECT_EQ(cm->cmsg_level, IPPROTO_IP);
  EXPECT_EQ(cm->cmsg_type, IP_PKTINFO);
  EXPECT_EQ(cm->cmsg_len, CMSG_LEN(sizeof(in_pktinfo)));
  in_pktinfo pi;
  memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
  EXPECT_EQ(pi.ipi_ifindex, 1);
  EXPECT_EQ(ntohl(pi.ipi_addr.s_addr), 0x7F000001u);
  EXPECT_EQ(ntohl(pi.ipi_spec_dst.s_addr), 0x7F000001u);
  cm = CMSG_NXTHDR(&msg, cm);
  ASSERT_NE(cm, nullptr);
  EXPECT_EQ(cm->cmsg_type, IP_TTL);
  EXPECT_EQ(control[CMSG_LEN(sizeof(in_pktinfo))], 0xAB);  // padding untouched

  // 40 bytes: the first fits, 8 left is less than a header.
  msg.msg_controllen = 40;
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, 0), 4);
  EXPECT_EQ(msg.msg_controllen, 32u);
  EXPECT_EQ(msg.msg_flags, MSG_CTRUNC);

  // No buffer at all.
  msg.msg_control = nullptr;
  msg.msg_controllen = 0;
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, 0), 4);
  EXPECT_EQ(msg.msg_controllen, 0u);
  EXPECT_EQ(msg.msg_flags, MSG_CTRUNC);
}

TEST_F(DatagramDataTest, RecvmsgWithoutNameLeavesNamelenAlone) {
  char a[4];
  iovec iov[1] = {{a, 4}};
  msghdr msg{};
  msg.msg_namelen = 77;
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  EXPECT_CALL(s_.dispatch(),
              WskReceiveFrom(s_.wsk(), _, _, IsNull(), _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 4));
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, 0), 4);
  EXPECT_EQ(msg.msg_namelen, 77u);
}

TEST_F(DatagramDataTest, RecvmsgReportsSourceAndTruncation) {
  const sockaddr_in6 lin = LinuxIn6(9, 0x44);
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(lin);
  char a[4];
  iovec iov[1] = {{a, 4}};
  sockaddr_in6 name{};
  msghdr msg{};
  msg.msg_name = &name;
  msg.msg_namelen = sizeof(name);
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_controllen = 99;
  EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, 0u, NotNull(), _, _,
                                            NotNull(), IrpFor(kHostFd)))
      .WillOnce([&](wsk::PWSK_SOCKET, wsk::PWSK_BUF, wsk::ULONG,
                    wsk::PSOCKADDR remote, wsk::ULONG*, wsk::CMSGHDR*,
                    wsk::ULONG* control_flags, wsk::PIRP irp) {
        memcpy(remote, &ws, sizeof(wsk::SOCKADDR_IN6));
        *control_flags = wsk::WS_MSG_TRUNC;  // 0x100 on Windows
        return CompleteIrp(wsk::STATUS_SUCCESS, 4)(irp);
      });
  EXPECT_EQ(lx::RecvMsg(lx(), kHostFd, &msg, 0), 4);
  EXPECT_EQ(msg.msg_namelen, sizeof(sockaddr_in6));
  EXPECT_EQ(Bytes(&name, sizeof(name)), Bytes(&lin, sizeof(lin)));
  EXPECT_EQ(msg.msg_flags, MSG_TRUNC);  // 0x20 on Linux
  EXPECT_EQ(msg.msg_controllen, 0u);
}

TEST_F(DatagramDataTest, SendmsgPassesTheNameInWindowsForm) {
  s_.MarkBound();
  const sockaddr_in6 to = LinuxIn6(123, 5);
  char a[3];
  iovec iov[1] = {{a, 3}};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_in6*>(&to);
  msg.msg_namelen = sizeof(to);
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  EXPECT_CALL(s_.dispatch(),
              WskSendTo(s_.wsk(), _, wsk::WSK_FLAG_LX_CONFIRM,
                        IsWindowsFormOf(&to, sizeof(to)), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 3));
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, MSG_CONFIRM), 3);
}

TEST_F(DatagramDataTest, SendmsgOverlongNameIsClamped) {
  s_.MarkBound();
  sockaddr_storage to{};
  const sockaddr_in6 in6 = LinuxIn6(123, 5);
  memcpy(&to, &in6, sizeof(in6));
  char a[3];
  iovec iov[1] = {{a, 3}};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof(to) + 64;
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  EXPECT_CALL(
      s_.dispatch(),
      WskSendTo(s_.wsk(), _, 0u, IsWindowsFormOf(&in6, sizeof(in6)), _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 3));
  EXPECT_EQ(lx::SendMsg(lx(), kHostFd, &msg, 0), 3);
}

// ---------------------------------------------------------------------------
// sendmmsg / recvmmsg

TEST_F(DatagramDataTest, SendmmsgStopsAtTheFirstErrorAfterProgress) {
  s_.MarkBound();
  char a[3], b[4];
  iovec iov_a[1] = {{a, 3}};
  iovec iov_b[1] = {{b, 4}};
  mmsghdr msgs[3] = {};
  msgs[0].msg_hdr.msg_iov = iov_a;
  msgs[0].msg_hdr.msg_iovlen = 1;
  msgs[1].msg_hdr.msg_iov = iov_b;
  msgs[1].msg_hdr.msg_iovlen = 1;
  msgs[2].msg_hdr.msg_iov = iov_b;
  msgs[2].msg_hdr.msg_iovlen = 1;
  msgs[1].msg_len = 0xDEAD;
  EXPECT_CALL(s_.dispatch(), WskSendTo(s_.wsk(), _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 3))
      .WillOnce(CompleteIrp(wsk::STATUS_DEVICE_NOT_READY));
  EXPECT_EQ(lx::SendMmsg(lx(), kHostFd, msgs, 3, MSG_DONTWAIT), 1);
  EXPECT_EQ(msgs[0].msg_len, 3u);
  EXPECT_EQ(msgs[1].msg_len, 0xDEADu);
}

TEST_F(DatagramDataTest, SendmmsgFirstErrorIsReturned) {
  s_.MarkBound();
  char a[3];
  iovec iov_a[1] = {{a, 3}};
  mmsghdr msgs[1] = {};
  msgs[0].msg_hdr.msg_iov = iov_a;
  msgs[0].msg_hdr.msg_iovlen = 1;
  EXPECT_CALL(s_.dispatch(), WskSendTo(s_.wsk(), _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_BUFFER_SIZE));
  EXPECT_EQ(lx::SendMmsg(lx(), kHostFd, msgs, 1, 0), -EMSGSIZE);
}

TEST_F(DatagramDataTest, RecvmmsgRejectsABadTimeoutWithoutWskCall) {
  mmsghdr msgs[1] = {};
  timespec bad{0, 1000000000};
  EXPECT_EQ(lx::RecvMmsg(lx(), kHostFd, msgs, 1, 0, &bad), -EINVAL);
  timespec negative{-1, 0};
  EXPECT_EQ(lx::RecvMmsg(lx(), kHostFd, msgs, 1, 0, &negative), -EINVAL);
  EXPECT_EQ(lx::RecvMmsg(lx(), kHostFd, msgs, 1, 0,
                         static_cast<timespec*>(NoAccessPage())),
            -EFAULT);
}

TEST_F(DatagramDataTest, RecvmmsgWaitforoneTurnsNonBlockingAfterTheFirst) {
  char a[4], b[4];
  iovec iov_a[1] = {{a, 4}};
  iovec iov_b[1] = {{b, 4}};
  mmsghdr msgs[2] = {};
  msgs[0].msg_hdr.msg_iov = iov_a;
  msgs[0].msg_hdr.msg_iovlen = 1;
  msgs[1].msg_hdr.msg_iov = iov_b;
  msgs[1].msg_hdr.msg_iovlen = 1;
  InSequence seq;
  EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, 0u, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 2));
  EXPECT_CALL(
      s_.dispatch(),
      WskReceiveFrom(s_.wsk(), _, wsk::WSK_FLAG_LX_DONTWAIT, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_DEVICE_NOT_READY));
  EXPECT_EQ(lx::RecvMmsg(lx(), kHostFd, msgs, 2, MSG_WAITFORONE, nullptr), 1);
  EXPECT_EQ(msgs[0].msg_len, 2u);
}

TEST_F(DatagramDataTest, RecvmmsgErrorAfterADatagramIsLeftForTheNextCall) {
  // do_recvmmsg returns the datagrams it has and stores the error in
  // sk_err: the next receive (before any datagram) or SO_ERROR reports it.
  char a[4], b[4];
  iovec iov_a[1] = {{a, 4}};
  iovec iov_b[1] = {{b, 4}};
  mmsghdr msgs[2] = {};
  msgs[0].msg_hdr.msg_iov = iov_a;
  msgs[0].msg_hdr.msg_iovlen = 1;
  msgs[1].msg_hdr.msg_iov = iov_b;
  msgs[1].msg_hdr.msg_iovlen = 1;
  {
    InSequence seq;
    EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, _, _, _, _, _, _))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 2))
        .WillOnce(CompleteIrp(wsk::STATUS_ACCESS_VIOLATION));
  }
  EXPECT_EQ(lx::RecvMmsg(lx(), kHostFd, msgs, 2, 0, nullptr), 1);
  EXPECT_NE(lx().data_refuse.load() & lx::LxSocket::kRefuseDeferredError, 0u);
  // No WSK call: the stored error comes first, once.
  EXPECT_EQ(lx::RecvFrom(lx(), kHostFd, a, sizeof(a), 0, nullptr, nullptr),
            -EFAULT);
  EXPECT_EQ(lx().deferred_error.load(), 0);
  // "Would block" after a datagram is not an error to keep.
  {
    InSequence seq;
    EXPECT_CALL(s_.dispatch(), WskReceiveFrom(s_.wsk(), _, _, _, _, _, _, _))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS, 2))
        .WillOnce(CompleteIrp(wsk::STATUS_DEVICE_NOT_READY));
  }
  EXPECT_EQ(lx::RecvMmsg(lx(), kHostFd, msgs, 2, MSG_DONTWAIT, nullptr), 1);
  EXPECT_EQ(lx().deferred_error.load(), 0);
}

TEST_F(DatagramDataTest, SoErrorReadsTheErrorRecvmmsgLeft) {
  lx().SetDeferredError(EFAULT);
  int e = -1;
  socklen_t len = sizeof(e);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_ERROR, &e, &len), 0);
  EXPECT_EQ(e, EFAULT);
  EXPECT_EQ(len, sizeof(int));
  EXPECT_EQ(lx().deferred_error.load(), 0);
}

}  // namespace
}  // namespace lxwsk_test
