// setsockopt/getsockopt, ioctl and fcntl(O_NONBLOCK) over gmock WSK
// dispatch tables: which WskControlSocket request each becomes, and how the
// values convert between the Linux and the Windows layouts.
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lx/syscalls.h"
#include "mocks/mock_wsk_dispatch.h"
#include "wsk/wsk.h"

namespace lxwsk_test {
namespace {

using ::testing::_;
using ::testing::Eq;
using ::testing::IsNull;
using ::testing::NotNull;
using ::testing::Truly;

// Matches an input buffer holding exactly the bytes of `value`.
template <typename T>
auto HoldsValue(T value) {
  return Truly([value](const void* p) {
    return p != nullptr && memcmp(p, &value, sizeof(value)) == 0;
  });
}

class OptionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s_.ok()); }
  lx::LxSocket& lx() { return s_.lx(); }
  MockedStreamSocket s_{AF_INET, SOCK_STREAM};
};

// ---------------------------------------------------------------------------
// setsockopt

TEST_F(OptionTest, RcvtimeoTimevalBecomesWindowsMilliseconds) {
  const timeval tv{1, 500000};
  // Windows SOL_SOCKET is 0xFFFF and SO_RCVTIMEO 0x1006; the value a DWORD.
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskSetOption, 0x1006u, 0xFFFFu,
                               sizeof(uint32_t), HoldsValue<uint32_t>(1500), 0u,
                               IsNull(), _, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(
      lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
      0);
}

TEST_F(OptionTest, SndtimeoRoundsUpToWholeMilliseconds) {
  struct Case {
    timeval tv;
    uint32_t ms;
  };
  const Case cases[] = {
      {{0, 0}, 0},  // no timeout on both sides
      {{0, 1}, 1}, {{0, 999}, 1}, {{0, 1001}, 2}, {{2, 0}, 2000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ms);
    EXPECT_CALL(
        s_.dispatch(),
        WskControlSocket(s_.wsk(), wsk::WskSetOption, wsk::WS_SO_SNDTIMEO,
                         wsk::WS_SOL_SOCKET, sizeof(uint32_t), HoldsValue(c.ms),
                         _, _, _, _))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS))
        .RetiresOnSaturation();
    EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_SNDTIMEO, &c.tv,
                             sizeof(c.tv)),
              0);
  }
}

TEST_F(OptionTest, TimevalWithBadMicrosecondsIsEdomWithoutWskCall) {
  const timeval over{1, 1000000};
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &over,
                           sizeof(over)),
            -EDOM);
  const timeval negative{1, -1};
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_SNDTIMEO, &negative,
                           sizeof(negative)),
            -EDOM);
}

TEST_F(OptionTest, ShortTimevalIsEinvalWithoutWskCall) {
  const timeval tv{1, 0};
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &tv, 8),
            -EINVAL);
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &tv, 0),
            -EINVAL);
}

TEST_F(OptionTest, LingerBecomesTheFourByteWindowsLayout) {
  const linger l{1, 30};
  wsk::LINGER want{1, 30};
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskSetOption, wsk::WS_SO_LINGER,
                               wsk::WS_SOL_SOCKET, sizeof(wsk::LINGER),
                               Truly([want](const void* p) {
                                 wsk::LINGER got;
                                 memcpy(&got, p, sizeof(got));
                                 return got.l_onoff == want.l_onoff &&
                                        got.l_linger == want.l_linger;
                               }),
                               _, _, _, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  static_assert(sizeof(linger) == 8 && sizeof(wsk::LINGER) == 4);
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)),
            0);
}

TEST_F(OptionTest, ShortLingerIsEinvalWithoutWskCall) {
  const linger l{1, 30};
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_LINGER, &l, 4),
            -EINVAL);
}

TEST_F(OptionTest, ReuseportIsTunnelledUnderTheLinuxLevel) {
  const int one = 1;
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskSetOption,
                               static_cast<wsk::ULONG>(SO_REUSEPORT),
                               wsk::WskLxLevel(SOL_SOCKET), sizeof(int),
                               Eq(static_cast<const void*>(&one)), _, _, _,
                               IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_REUSEPORT, &one,
                           sizeof(one)),
            0);
}

TEST_F(OptionTest, UnknownOptionIsTunnelledForTheHostToJudge) {
  const int v = 1;
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskSetOption, 9999u,
                               wsk::WskLxLevel(IPPROTO_TCP), sizeof(int), _, _,
                               _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_NOT_IMPLEMENTED));
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, IPPROTO_TCP, 9999, &v, sizeof(v)),
            -ENOPROTOOPT);
}

TEST_F(OptionTest, SameLayoutOptionsTakeWindowsNumbers) {
  struct Case {
    int level, name;
    wsk::ULONG ws_level, ws_name;
  };
  const Case cases[] = {
      {SOL_SOCKET, SO_KEEPALIVE, 0xFFFF, 0x0008},
      {SOL_SOCKET, SO_REUSEADDR, 0xFFFF, 0x0004},
      {SOL_SOCKET, SO_RCVBUF, 0xFFFF, 0x1002},
      {SOL_SOCKET, SO_BROADCAST, 0xFFFF, 0x0020},
      {IPPROTO_TCP, TCP_NODELAY, 6, 1},
      {IPPROTO_TCP, TCP_KEEPIDLE, 6, 3},
      {IPPROTO_TCP, TCP_KEEPINTVL, 6, 17},
      {IPPROTO_TCP, TCP_KEEPCNT, 6, 16},
      {IPPROTO_IP, IP_TOS, 0, 3},
      {IPPROTO_IP, IP_TTL, 0, 4},
      {IPPROTO_IPV6, IPV6_V6ONLY, 41, 27},
      {IPPROTO_IPV6, IPV6_UNICAST_HOPS, 41, 4},
  };
  const int v = 7;
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.level << "/" << c.name);
    EXPECT_CALL(s_.dispatch(),
                WskControlSocket(s_.wsk(), wsk::WskSetOption, c.ws_name,
                                 c.ws_level, sizeof(v),
                                 Eq(static_cast<const void*>(&v)), _, _, _, _))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS))
        .RetiresOnSaturation();
    EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, c.level, c.name, &v, sizeof(v)), 0);
  }
}

TEST_F(OptionTest, PmtuDiscoveryDoAndDontSwap) {
  struct Case {
    int level, name, linux_value;
    wsk::ULONG ws_level, ws_name, ws_value;
  };
  const Case cases[] = {
      {IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, 0, 71, 1},
      {IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, 0, 71, 2},
      {IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE, 0, 71, 3},
      {IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO, 41, 71, 1},
      {IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT, 41, 71, 2},
  };
  MockedStreamSocket s6(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s6.ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.level << "/" << c.linux_value);
    EXPECT_CALL(s6.dispatch(),
                WskControlSocket(s6.wsk(), wsk::WskSetOption, c.ws_name,
                                 c.ws_level, sizeof(uint32_t),
                                 HoldsValue<uint32_t>(c.ws_value), _, _, _, _))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS))
        .RetiresOnSaturation();
    EXPECT_EQ(lx::SetSockOpt(s6.lx(), kHostFd, c.level, c.name, &c.linux_value,
                             sizeof(int)),
              0);
  }
}

TEST_F(OptionTest, ConvertedKindAtALevelTheProtocolDoesNotServeIsTunnelled) {
  // IPV6_MTU_DISCOVER on an IPv4 socket: ip_setsockopt says ENOPROTOOPT
  // before any value rule, so the host must see the Linux request.
  const unsigned char one_byte = 1;
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskSetOption,
                               static_cast<wsk::ULONG>(IPV6_MTU_DISCOVER),
                               wsk::WskLxLevel(IPPROTO_IPV6), 1u, &one_byte, _,
                               _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_PARAMETER_4 + 0));
  lx::SetSockOpt(lx(), kHostFd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &one_byte, 1);
}

TEST_F(OptionTest, NegativeOptlenIsEinvalForSetAndTheProtocolsForGet) {
  const int v = 1;
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_KEEPALIVE, &v,
                           static_cast<socklen_t>(-1)),
            -EINVAL);
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &v,
                           static_cast<socklen_t>(-8)),
            -EINVAL);
  int out = 0;
  socklen_t len = static_cast<socklen_t>(-1);
  // Converted socket-level kinds: sk_getsockopt's EINVAL, no WSK call.
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &out, &len),
            -EINVAL);
  // Same layout: the length goes to the host as it is (ipv6 and tcp take
  // min(unsigned len, 4); others refuse it).
  EXPECT_CALL(
      s_.dispatch(),
      WskControlSocket(s_.wsk(), wsk::WskGetOption, _, _, 0u, IsNull(),
                       static_cast<wsk::SIZE_T>(0xFFFFFFFFu), &out, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_PARAMETER));
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_KEEPALIVE, &out, &len),
            -EINVAL);
}

TEST_F(OptionTest, UnreadableOptlenGivesTheProtocolsLevelErrorFirst) {
  int out = 0;
  auto* bad = reinterpret_cast<socklen_t*>(1);
  // Levels the protocol serves read the length first: EFAULT.
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_TYPE, &out, bad),
            -EFAULT);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, IPPROTO_TCP, TCP_NODELAY, &out, bad),
            -EFAULT);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, IPPROTO_IP, IP_TTL, &out, nullptr),
            -EFAULT);
  // ip_getsockopt refuses a foreign level before reading the length.
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, IPPROTO_UDP, 1, &out, bad),
            -EOPNOTSUPP);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, IPPROTO_IPV6, 1, &out, bad),
            -EOPNOTSUPP);
  // Multicast-routing names (MRT_BASE 200 .. MRT_MAX 212) on a socket that
  // is not raw IGMP: EOPNOTSUPP before the length.
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, IPPROTO_IP, 200, &out, bad),
            -EOPNOTSUPP);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, IPPROTO_IP, 212, &out, bad),
            -EOPNOTSUPP);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, IPPROTO_IP, 213, &out, bad), -EFAULT);
  // ipv6_getsockopt: ENOPROTOOPT; SOL_IP goes on to the IPv4 code.
  MockedDatagramSocket u6(AF_INET6, SOCK_DGRAM);
  ASSERT_TRUE(u6.ok());
  EXPECT_EQ(lx::GetSockOpt(u6.lx(), kHostFd, IPPROTO_TCP, 1, &out, bad),
            -ENOPROTOOPT);
  EXPECT_EQ(lx::GetSockOpt(u6.lx(), kHostFd, 12345, 1, &out, bad),
            -ENOPROTOOPT);
  EXPECT_EQ(lx::GetSockOpt(u6.lx(), kHostFd, IPPROTO_IP, IP_TTL, &out, bad),
            -EFAULT);
  EXPECT_EQ(lx::GetSockOpt(u6.lx(), kHostFd, IPPROTO_UDP, 1, &out, bad),
            -EFAULT);
}

TEST_F(OptionTest, ShortSocketLevelValueIsEinvalBeforeItIsRead) {
  // sk_setsockopt checks optlen >= sizeof(int) before copying anything.
  const void* bad = reinterpret_cast<const void*>(1);
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_LINGER, bad, 2),
            -EINVAL);
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, bad, 3),
            -EINVAL);
  const int e = 0;
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_ERROR, &e, 1),
            -EINVAL);
}

TEST_F(OptionTest, PmtuValueLengthsFollowEachIpLevel) {
  // IPv4: an empty value is 0 (IP_PMTUDISC_DONT, Windows 2); one byte is
  // an unsigned char.
  EXPECT_CALL(
      s_.dispatch(),
      WskControlSocket(s_.wsk(), wsk::WskSetOption, 71u, 0u, sizeof(uint32_t),
                       HoldsValue<uint32_t>(2), _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(
      lx::SetSockOpt(lx(), kHostFd, IPPROTO_IP, IP_MTU_DISCOVER, nullptr, 0),
      0);
  // IPv6: shorter than an int is EINVAL without a read; NULL reads as 0.
  MockedStreamSocket s6(AF_INET6, SOCK_STREAM);
  ASSERT_TRUE(s6.ok());
  const int doit = IPV6_PMTUDISC_DO;
  EXPECT_EQ(lx::SetSockOpt(s6.lx(), kHostFd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
                           reinterpret_cast<const void*>(1), 2),
            -EINVAL);
  EXPECT_EQ(lx::SetSockOpt(s6.lx(), kHostFd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
                           &doit, 3),
            -EINVAL);
  EXPECT_CALL(
      s6.dispatch(),
      WskControlSocket(s6.wsk(), wsk::WskSetOption, 71u, 41u, sizeof(uint32_t),
                       HoldsValue<uint32_t>(2), _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::SetSockOpt(s6.lx(), kHostFd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
                           nullptr, sizeof(int)),
            0);
}

TEST_F(OptionTest, ShortIpv4GetOfAByteValueIsOneByte) {
  // do_ip_getsockopt: len < sizeof(int) and 0 <= value <= 255: one byte.
  EXPECT_CALL(s_.dispatch(), WskControlSocket(s_.wsk(), wsk::WskGetOption, 71u,
                                              0u, _, _, _, _, _, _))
      .WillOnce(ControlAnswers<uint32_t>(1));  // Windows DO = Linux 2
  unsigned char buf[4] = {0xAA, 0xAA, 0xAA, 0xAA};
  socklen_t len = 3;
  EXPECT_EQ(
      lx::GetSockOpt(lx(), kHostFd, IPPROTO_IP, IP_MTU_DISCOVER, buf, &len), 0);
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(buf[0], IP_PMTUDISC_DO);
  EXPECT_EQ(buf[1], 0xAA);
}

TEST_F(OptionTest, TimeoutWithoutAWindowsFormTravelsInLinuxForm) {
  // Negative seconds ("do not wait") and 2^32 - 1 ms or more have no DWORD.
  const timeval cases[] = {{-1, 0}, {4294968, 0}, {100000000, 0}};
  for (const timeval& tv : cases) {
    SCOPED_TRACE(tv.tv_sec);
    EXPECT_CALL(s_.dispatch(),
                WskControlSocket(s_.wsk(), wsk::WskSetOption,
                                 static_cast<wsk::ULONG>(SO_RCVTIMEO),
                                 wsk::WskLxLevel(SOL_SOCKET), sizeof(timeval),
                                 HoldsValue(tv), _, _, _, _))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS))
        .RetiresOnSaturation();
    EXPECT_EQ(
        lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
        0);
  }
}

TEST_F(OptionTest, SaturatedWindowsTimeoutIsReadAgainInLinuxForm) {
  const timeval exact{100000000, 0};
  {
    ::testing::InSequence seq;
    EXPECT_CALL(
        s_.dispatch(),
        WskControlSocket(s_.wsk(), wsk::WskGetOption, wsk::WS_SO_SNDTIMEO,
                         wsk::WS_SOL_SOCKET, _, _, _, _, _, _))
        .WillOnce(ControlAnswers<uint32_t>(0xFFFFFFFFu));
    EXPECT_CALL(s_.dispatch(),
                WskControlSocket(s_.wsk(), wsk::WskGetOption,
                                 static_cast<wsk::ULONG>(SO_SNDTIMEO),
                                 wsk::WskLxLevel(SOL_SOCKET), 0u, IsNull(),
                                 sizeof(timeval), NotNull(), _, _))
        .WillOnce(ControlAnswers(exact));
  }
  timeval tv{};
  socklen_t len = sizeof(tv);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len),
            0);
  EXPECT_EQ(len, sizeof(timeval));
  EXPECT_EQ(tv.tv_sec, exact.tv_sec);
}

TEST_F(OptionTest, LingerOutsideTheWindowsRangeTravelsInLinuxForm) {
  const linger cases[] = {{1, 65535}, {1, -1}, {0, 70000}};
  for (const linger& l : cases) {
    SCOPED_TRACE(l.l_linger);
    EXPECT_CALL(s_.dispatch(),
                WskControlSocket(s_.wsk(), wsk::WskSetOption,
                                 static_cast<wsk::ULONG>(SO_LINGER),
                                 wsk::WskLxLevel(SOL_SOCKET), sizeof(linger),
                                 HoldsValue(l), _, _, _, _))
        .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS))
        .RetiresOnSaturation();
    EXPECT_EQ(
        lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
  }
  const linger big{1, 100000};
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption, wsk::WS_SO_LINGER,
                               wsk::WS_SOL_SOCKET, _, _, _, _, _, _))
      .WillOnce(ControlAnswers(wsk::LINGER{1, 0xFFFF}));
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption,
                               static_cast<wsk::ULONG>(SO_LINGER),
                               wsk::WskLxLevel(SOL_SOCKET), _, _,
                               sizeof(linger), _, _, _))
      .WillOnce(ControlAnswers(big));
  linger out{};
  socklen_t len = sizeof(out);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_LINGER, &out, &len),
            0);
  EXPECT_EQ(out.l_linger, 100000);
}

TEST_F(OptionTest, LevelsBeyondSixteenBitsTravelAsOneUnknownLevel) {
  // The tunnel tag keeps 16 bits of level: 0x4C580001 must not become
  // SOL_SOCKET, nor 0x10006 IPPROTO_TCP.
  const int v = 1;
  for (int level : {0x10006, 0x4C580001, -1}) {
    SCOPED_TRACE(level);
    EXPECT_CALL(s_.dispatch(), WskControlSocket(s_.wsk(), wsk::WskSetOption, 2u,
                                                wsk::WskLxLevel(0xFFFF),
                                                sizeof(int), &v, _, _, _, _))
        .WillOnce(CompleteIrp(wsk::STATUS_NOT_IMPLEMENTED))
        .RetiresOnSaturation();
    lx::SetSockOpt(lx(), kHostFd, level, 2, &v, sizeof(v));
  }
}

TEST_F(OptionTest, ConvertedValueBehindABadPointerIsEfault) {
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO,
                           NoAccessPage(), sizeof(timeval)),
            -EFAULT);
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_LINGER,
                           reinterpret_cast<const void*>(1), sizeof(linger)),
            -EFAULT);
}

TEST_F(OptionTest, ProviderErrorsAreReturned) {
  const int v = 1;
  EXPECT_CALL(s_.dispatch(), WskControlSocket(s_.wsk(), wsk::WskSetOption, _, _,
                                              _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_PARAMETER))
      .WillOnce(CompleteIrp(wsk::STATUS_ACCESS_DENIED));
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVBUF, &v, 2),
            -EINVAL);
  EXPECT_EQ(lx::SetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_MARK, &v, sizeof(v)),
            -EACCES);
}

// ---------------------------------------------------------------------------
// getsockopt

TEST_F(OptionTest, RcvtimeoMillisecondsComeBackAsTimeval) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption, 0x1006u, 0xFFFFu,
                               0u, IsNull(), sizeof(uint32_t), NotNull(), _,
                               IrpFor(kHostFd)))
      .WillOnce(ControlAnswers<uint32_t>(1500));
  timeval tv{-1, -1};
  socklen_t len = sizeof(tv);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len),
            0);
  EXPECT_EQ(len, sizeof(timeval));
  EXPECT_EQ(tv.tv_sec, 1);
  EXPECT_EQ(tv.tv_usec, 500000);
}

TEST_F(OptionTest, ConvertedValueIsTruncatedToTheCallersLength) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption, wsk::WS_SO_SNDTIMEO,
                               wsk::WS_SOL_SOCKET, _, _, _, _, _, _))
      .WillOnce(ControlAnswers<uint32_t>(3250));
  unsigned char buf[sizeof(timeval)];
  memset(buf, 0xAA, sizeof(buf));
  socklen_t len = 8;
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_SNDTIMEO, buf, &len),
            0);
  EXPECT_EQ(len, 8u);
  int64_t sec;
  memcpy(&sec, buf, sizeof(sec));
  EXPECT_EQ(sec, 3);
  for (size_t i = 8; i < sizeof(buf); ++i) EXPECT_EQ(buf[i], 0xAA) << i;
}

TEST_F(OptionTest, LingerComesBackInTheEightByteLayout) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption, wsk::WS_SO_LINGER,
                               wsk::WS_SOL_SOCKET, 0u, IsNull(),
                               sizeof(wsk::LINGER), NotNull(), _, _))
      .WillOnce(ControlAnswers(wsk::LINGER{1, 7}));
  linger l{-1, -1};
  socklen_t len = sizeof(l);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_LINGER, &l, &len), 0);
  EXPECT_EQ(len, sizeof(linger));
  EXPECT_EQ(l.l_onoff, 1);
  EXPECT_EQ(l.l_linger, 7);
}

TEST_F(OptionTest, SoErrorComesBackAsErrno) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption, wsk::WS_SO_ERROR,
                               wsk::WS_SOL_SOCKET, _, _, _, _, _, _))
      .WillOnce(ControlAnswers<uint32_t>(10061))  // WSAECONNREFUSED
      .WillOnce(ControlAnswers<uint32_t>(0));
  int err = -1;
  socklen_t len = sizeof(err);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT_EQ(err, ECONNREFUSED);
  EXPECT_EQ(len, sizeof(int));
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT_EQ(err, 0);
}

TEST_F(OptionTest, PmtuDiscoveryComesBackInLinuxValues) {
  EXPECT_CALL(
      s_.dispatch(),
      WskControlSocket(s_.wsk(), wsk::WskGetOption, wsk::WS_IP_MTU_DISCOVER,
                       wsk::WS_IPPROTO_IP, _, _, _, _, _, _))
      .WillOnce(ControlAnswers<uint32_t>(1))   // Windows DO
      .WillOnce(ControlAnswers<uint32_t>(2));  // Windows DONT
  int v = -1;
  socklen_t len = sizeof(v);
  EXPECT_EQ(
      lx::GetSockOpt(lx(), kHostFd, IPPROTO_IP, IP_MTU_DISCOVER, &v, &len), 0);
  EXPECT_EQ(v, IP_PMTUDISC_DO);
  EXPECT_EQ(
      lx::GetSockOpt(lx(), kHostFd, IPPROTO_IP, IP_MTU_DISCOVER, &v, &len), 0);
  EXPECT_EQ(v, IP_PMTUDISC_DONT);
}

TEST_F(OptionTest, SameLayoutValueIsWrittenByTheProviderInPlace) {
  int v = 0;
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption, wsk::WS_SO_RCVBUF,
                               wsk::WS_SOL_SOCKET, 0u, IsNull(), sizeof(int),
                               Eq(static_cast<void*>(&v)), _, IrpFor(kHostFd)))
      .WillOnce(ControlAnswers<int>(212992));
  socklen_t len = sizeof(v);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
  EXPECT_EQ(v, 212992);
  EXPECT_EQ(len, sizeof(int));
}

TEST_F(OptionTest, GetLinuxOnlyOptionIsTunnelled) {
  int v = 0;
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption,
                               static_cast<wsk::ULONG>(SO_DOMAIN),
                               wsk::WskLxLevel(SOL_SOCKET), 0u, _, sizeof(int),
                               Eq(static_cast<void*>(&v)), _, _))
      .WillOnce(ControlAnswers<int>(AF_INET));
  socklen_t len = sizeof(v);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_DOMAIN, &v, &len), 0);
  EXPECT_EQ(v, AF_INET);
}

TEST_F(OptionTest, GetWithBadLengthPointerIsEfaultWithoutWskCall) {
  int v = 0;
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVBUF, &v,
                           static_cast<socklen_t*>(NoAccessPage())),
            -EFAULT);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO, &v,
                           reinterpret_cast<socklen_t*>(1)),
            -EFAULT);
}

TEST_F(OptionTest, GetConvertedIntoABadBufferIsEfault) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskGetOption, wsk::WS_SO_RCVTIMEO,
                               _, _, _, _, _, _, _))
      .WillOnce(ControlAnswers<uint32_t>(1));
  socklen_t len = sizeof(timeval);
  EXPECT_EQ(lx::GetSockOpt(lx(), kHostFd, SOL_SOCKET, SO_RCVTIMEO,
                           NoAccessPage(), &len),
            -EFAULT);
}

// ---------------------------------------------------------------------------
// ioctl / fcntl(O_NONBLOCK)

TEST_F(OptionTest, FionreadAsksWinsockAndWritesTheIntBack) {
  EXPECT_CALL(
      s_.dispatch(),
      WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::WS_FIONREAD, 0u, 0u,
                       IsNull(), sizeof(int), NotNull(), _, IrpFor(kHostFd)))
      .WillOnce(ControlAnswers<int>(1234));
  static_assert(wsk::WS_FIONREAD == 0x4004667F);
  int avail = -1;
  EXPECT_EQ(lx::Ioctl(lx(), kHostFd, FIONREAD, &avail), 0);
  EXPECT_EQ(avail, 1234);
}

TEST_F(OptionTest, FionreadIntoABadPointerIsEfault) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::WS_FIONREAD, _, _,
                               _, _, _, _, _))
      .Times(::testing::AtMost(1))
      .WillRepeatedly(ControlAnswers<int>(1));
  EXPECT_EQ(lx::Ioctl(lx(), kHostFd, FIONREAD, NoAccessPage()), -EFAULT);
}

TEST_F(OptionTest, SiocatmarkIsAnOutputIoctl) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::WS_SIOCATMARK, 0u,
                               0u, _, sizeof(int), NotNull(), _, _))
      .WillOnce(ControlAnswers<int>(1));
  int at_mark = 0;
  EXPECT_EQ(lx::Ioctl(lx(), kHostFd, SIOCATMARK, &at_mark), 0);
  EXPECT_EQ(at_mark, 1);
}

TEST_F(OptionTest, FionbioPassesTheIntIn) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::WS_FIONBIO, 0u,
                               sizeof(int), HoldsValue<int>(1), 0u, IsNull(), _,
                               IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  int on = 1;
  EXPECT_EQ(lx::Ioctl(lx(), kHostFd, FIONBIO, &on), 0);
  EXPECT_EQ(lx::Ioctl(lx(), kHostFd, FIONBIO, NoAccessPage()), -EFAULT);
}

TEST_F(OptionTest, UnknownIoctlIsTunnelledToTheHost) {
  int outq = 0;
  struct Tunnel {
    unsigned long request;
    void* argument;
  };
  EXPECT_CALL(
      s_.dispatch(),
      WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::SIO_LXWSK_HOST_IOCTL, 0u,
                       sizeof(Tunnel), Truly([&outq](const void* p) {
                         Tunnel t;
                         memcpy(&t, p, sizeof(t));
                         return t.request == SIOCOUTQ && t.argument == &outq;
                       }),
                       _, _, _, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_EQ(lx::Ioctl(lx(), kHostFd, SIOCOUTQ, &outq), 0);
}

TEST_F(OptionTest, TunnelledIoctlErrorIsReturned) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskIoctl,
                               wsk::SIO_LXWSK_HOST_IOCTL, _, _, _, _, _, _, _))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_DEVICE_REQUEST));
  EXPECT_EQ(lx::Ioctl(lx(), kHostFd, 0x89F0, nullptr), -ENOTTY);
}

TEST_F(OptionTest, SetNonBlockingIsFionbio) {
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::WS_FIONBIO, 0u,
                               sizeof(uint32_t), HoldsValue<uint32_t>(1), _, _,
                               _, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_SUCCESS));
  EXPECT_CALL(s_.dispatch(),
              WskControlSocket(s_.wsk(), wsk::WskIoctl, wsk::WS_FIONBIO, 0u,
                               sizeof(uint32_t), HoldsValue<uint32_t>(0), _, _,
                               _, IrpFor(kHostFd)))
      .WillOnce(CompleteIrp(wsk::STATUS_INVALID_HANDLE));
  EXPECT_EQ(lx::SetNonBlocking(lx(), kHostFd, true), 0);
  EXPECT_EQ(lx::SetNonBlocking(lx(), kHostFd, false), -EBADF);
}

}  // namespace
}  // namespace lxwsk_test
