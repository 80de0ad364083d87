// The translation tables (lxwsk_tables): NTSTATUS <-> errno <-> WSA, socket
// constants and MSG_* flags, socket options and their value converters,
// ioctls. Properties are checked over every row, so a row added later is
// covered too.
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "lx/cmsg_table.h"
#include "lx/ioctl_table.h"
#include "lx/socket_tables.h"
#include "lx/sockopt_table.h"
#include "lx/status_table.h"
#include "wsk/ntstatus.h"
#include "wsk/wsk.h"

namespace lxwsk_test {
namespace {

using lx::Direction;
using lx::OptKind;

constexpr int kLastErrno = 133;  // EHWPOISON on x86_64

std::string StatusName(wsk::NTSTATUS s) {
  const char* n = wsk::NtStatusName(s);
  char hex[16];
  snprintf(hex, sizeof(hex), "0x%08X", static_cast<uint32_t>(s));
  return std::string(n ? n : "?") + " (" + hex + ")";
}

// ---------------------------------------------------------------------------
// status_table

TEST(StatusTableTest, EveryBothRowRoundTrips) {
  int both = 0;
  for (const lx::StatusRow& r : lx::StatusRows()) {
    if (r.direction != Direction::kBoth) continue;
    ++both;
    SCOPED_TRACE(StatusName(r.status) + " / " + r.errno_name);
    EXPECT_EQ(lx::StatusFromErrno(r.linux_errno), r.status);
    EXPECT_EQ(lx::ErrnoFromStatus(r.status), r.linux_errno);
    EXPECT_EQ(lx::ErrnoFromStatus(lx::StatusFromErrno(r.linux_errno)),
              r.linux_errno);
  }
  EXPECT_GT(both, 30);
}

TEST(StatusTableTest, NoTwoBothRowsShareAnErrnoOrAStatus) {
  std::map<int, wsk::NTSTATUS> by_errno;
  std::map<wsk::NTSTATUS, int> by_status;
  for (const lx::StatusRow& r : lx::StatusRows()) {
    if (r.direction != Direction::kBoth) continue;
    auto [it, fresh] = by_errno.emplace(r.linux_errno, r.status);
    EXPECT_TRUE(fresh) << r.errno_name << " is the kBoth errno of both "
                       << StatusName(it->second) << " and "
                       << StatusName(r.status);
    auto [st, fresh_status] = by_status.emplace(r.status, r.linux_errno);
    EXPECT_TRUE(fresh_status) << StatusName(r.status) << " has two kBoth rows";
  }
}

TEST(StatusTableTest, EveryErrnoRoundTrips) {
  std::set<int> mapped;
  for (const lx::StatusRow& r : lx::StatusRows()) {
    if (r.direction == Direction::kBoth) mapped.insert(r.linux_errno);
  }
  for (int e = 1; e <= kLastErrno; ++e) {
    SCOPED_TRACE(e);
    const wsk::NTSTATUS st = lx::StatusFromErrno(e);
    EXPECT_NE(st, wsk::STATUS_SUCCESS);
    EXPECT_EQ(lx::ErrnoFromStatus(st), e) << StatusName(st);
    if (mapped.count(e) == 0) {
      // No Windows status: carried losslessly in the customer range.
      EXPECT_EQ(static_cast<uint32_t>(st),
                0xE00F0000u | static_cast<uint32_t>(e));
      EXPECT_TRUE(wsk::IsUnmappedHostErrnoStatus(st));
    } else {
      EXPECT_FALSE(wsk::IsUnmappedHostErrnoStatus(st));
    }
  }
  EXPECT_EQ(lx::StatusFromErrno(0), wsk::STATUS_SUCCESS);
  EXPECT_EQ(lx::ErrnoFromStatus(wsk::STATUS_SUCCESS), 0);
}

TEST(StatusTableTest, ErrnosBeyondTheTableStillRoundTrip) {
  for (int e : {134, 200, 4095}) {
    SCOPED_TRACE(e);
    EXPECT_EQ(lx::ErrnoFromStatus(lx::StatusFromErrno(e)), e);
  }
}

TEST(StatusTableTest, EveryRowDecodesToItsFirstRowsErrno) {
  for (const lx::StatusRow& r : lx::StatusRows()) {
    SCOPED_TRACE(StatusName(r.status));
    const lx::StatusRow* first = lx::FindStatusRow(r.status);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(lx::ErrnoFromStatus(r.status), first->linux_errno);
    // A status listed twice must decode to its kBoth row.
    if (first != &r) {
      EXPECT_EQ(first->direction, Direction::kBoth);
      EXPECT_EQ(r.direction, Direction::kDecode);
    }
    EXPECT_NE(lx::ErrnoName(r.linux_errno), nullptr);
  }
}

TEST(StatusTableTest, WhatALinuxProgramMustSee) {
  struct Case {
    wsk::NTSTATUS status;
    int err;
  };
  const Case cases[] = {
      {wsk::STATUS_CONNECTION_REFUSED, ECONNREFUSED},
      {wsk::STATUS_REMOTE_NOT_LISTENING, ECONNREFUSED},
      {wsk::STATUS_PORT_UNREACHABLE, ECONNREFUSED},  // not WSAECONNRESET
      {wsk::STATUS_DEVICE_NOT_READY, EAGAIN},
      {wsk::STATUS_CANT_WAIT, EAGAIN},
      {wsk::STATUS_REQUEST_NOT_ACCEPTED, EAGAIN},
      {wsk::STATUS_TIMEOUT, EAGAIN},  // SO_RCVTIMEO expiry
      {wsk::STATUS_PIPE_DISCONNECTED, EPIPE},
      {wsk::STATUS_CONNECTION_RESET, ECONNRESET},
      {wsk::STATUS_FILE_FORCED_CLOSED, ECONNRESET},
      {wsk::STATUS_INVALID_HANDLE, EBADF},
      {wsk::STATUS_OBJECT_TYPE_MISMATCH, ENOTSOCK},
      {wsk::STATUS_INVALID_PARAMETER_4, EPROTONOSUPPORT},
      {wsk::STATUS_NOT_IMPLEMENTED, ENOPROTOOPT},
      {wsk::STATUS_BUFFER_OVERFLOW, EMSGSIZE},
      {wsk::STATUS_DEVICE_BUSY, EBUSY},
      {wsk::STATUS_USER_APC, EINTR},
      {wsk::STATUS_SHARING_VIOLATION, EADDRINUSE},
      {wsk::STATUS_ACCESS_DENIED, EACCES},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(lx::ErrnoFromStatus(c.status), c.err) << StatusName(c.status);
  }
}

TEST(StatusTableTest, UnknownStatusesAreEioWhenErrors) {
  EXPECT_EQ(lx::ErrnoFromStatus(wsk::MakeStatus(0xC0000399)), EIO);
  EXPECT_EQ(lx::ErrnoFromStatus(wsk::MakeStatus(0xC0DE0001)), EIO);
  EXPECT_EQ(lx::ErrnoFromStatus(wsk::MakeStatus(0x80001234)), EIO);
}

// SO_ERROR travels as a Winsock code between the host adapter and the
// syscalls layer: errno -> WSA -> errno must be the identity.
TEST(StatusTableTest, WsaErrorRoundTripsEveryErrnoButEperm) {
  for (int e = 0; e <= kLastErrno; ++e) {
    if (e == EPERM) continue;  // see WsaErrorRoundTripsEperm
    SCOPED_TRACE(e);
    EXPECT_EQ(lx::ErrnoFromWsa(lx::WsaFromErrno(e)), e)
        << "WSA " << lx::WsaFromErrno(e);
  }
  EXPECT_EQ(lx::WsaFromErrno(ECONNREFUSED), 10061);
  EXPECT_EQ(lx::WsaFromErrno(EAGAIN), 10035);
}

TEST(StatusTableTest, WsaErrorRoundTripsEperm) {
  EXPECT_EQ(lx::ErrnoFromWsa(lx::WsaFromErrno(EPERM)), EPERM);
}

// ---------------------------------------------------------------------------
// socket_tables

TEST(SocketTablesTest, FamiliesRoundTrip) {
  for (const lx::ValueRow& r : lx::FamilyRows()) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(lx::WsFamily(r.linux_value), r.windows_value);
    EXPECT_EQ(lx::LinuxFamily(static_cast<uint16_t>(r.windows_value)),
              r.linux_value);
  }
  EXPECT_EQ(lx::WsFamily(AF_INET), 2);
  EXPECT_EQ(lx::WsFamily(AF_INET6), 23);
  EXPECT_EQ(lx::LinuxFamily(23), AF_INET6);
  EXPECT_EQ(lx::WsFamily(AF_UNSPEC), 0);
}

TEST(SocketTablesTest, FamiliesWithoutWskNeverLookLikeUnspecOrIp) {
  for (int f : {AF_UNIX, AF_NETLINK, AF_PACKET, AF_IRDA, AF_BLUETOOTH, 4095}) {
    SCOPED_TRACE(f);
    const uint16_t ws = lx::WsFamily(f);
    EXPECT_NE(ws, wsk::WS_AF_UNSPEC);
    EXPECT_NE(ws, wsk::WS_AF_INET);
    EXPECT_NE(ws, wsk::WS_AF_INET6);
  }
  // AF_IRDA is 23 on Linux: a Linux 23 must not come back as AF_INET6, nor a
  // Windows family without WSK as anything but AF_UNSPEC.
  EXPECT_EQ(lx::LinuxFamily(26), AF_UNSPEC);
  EXPECT_EQ(lx::LinuxFamily(1), AF_UNSPEC);
}

TEST(SocketTablesTest, TypesAndProtocolsKeepTheirNumbers) {
  for (const lx::ValueRow& r : lx::SocketTypeRows()) {
    EXPECT_EQ(static_cast<uint32_t>(r.linux_value), r.windows_value) << r.name;
  }
  for (const lx::ValueRow& r : lx::ProtocolRows()) {
    EXPECT_EQ(static_cast<uint32_t>(r.linux_value), r.windows_value) << r.name;
  }
  std::map<int, uint32_t> flags;
  for (const lx::ValueRow& r : lx::SocketTypeFlagRows()) {
    flags[r.linux_value] = r.windows_value;
  }
  EXPECT_EQ(flags[SOCK_NONBLOCK], wsk::WSK_FLAG_LX_NONBLOCK);
  EXPECT_EQ(flags[SOCK_CLOEXEC], wsk::WSK_FLAG_LX_CLOEXEC);
}

TEST(SocketTablesTest, MsgFlagRowsAreSingleDistinctBits) {
  std::set<int> linux_flags;
  std::set<uint32_t> send_bits, receive_bits;
  for (const lx::MsgFlagRow& r : lx::MsgFlagRows()) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(__builtin_popcount(static_cast<unsigned>(r.linux_flag)), 1);
    EXPECT_TRUE(linux_flags.insert(r.linux_flag).second);
    if (r.wsk_send != 0) {
      EXPECT_EQ(__builtin_popcount(r.wsk_send), 1);
      EXPECT_TRUE(send_bits.insert(r.wsk_send).second);
    }
    if (r.wsk_receive != 0) {
      EXPECT_EQ(__builtin_popcount(r.wsk_receive), 1);
      EXPECT_TRUE(receive_bits.insert(r.wsk_receive).second);
    }
  }
}

TEST(SocketTablesTest, MsgFlagsRoundTripForEveryRow) {
  int all_send = 0, all_receive = 0;
  uint32_t all_wsk_send = 0, all_wsk_receive = 0;
  for (const lx::MsgFlagRow& r : lx::MsgFlagRows()) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(lx::WskSendFlags(r.linux_flag), r.wsk_send);
    EXPECT_EQ(lx::WskReceiveFlags(r.linux_flag), r.wsk_receive);
    if (r.wsk_send != 0) {
      EXPECT_EQ(lx::LinuxSendFlags(lx::WskSendFlags(r.linux_flag)),
                r.linux_flag);
      all_send |= r.linux_flag;
      all_wsk_send |= r.wsk_send;
    }
    if (r.wsk_receive != 0) {
      EXPECT_EQ(lx::LinuxReceiveFlags(lx::WskReceiveFlags(r.linux_flag)),
                r.linux_flag);
      all_receive |= r.linux_flag;
      all_wsk_receive |= r.wsk_receive;
    }
  }
  EXPECT_EQ(lx::WskSendFlags(all_send), all_wsk_send);
  EXPECT_EQ(lx::LinuxSendFlags(lx::WskSendFlags(all_send)), all_send);
  EXPECT_EQ(lx::WskReceiveFlags(all_receive), all_wsk_receive);
  EXPECT_EQ(lx::LinuxReceiveFlags(lx::WskReceiveFlags(all_receive)),
            all_receive);
}

TEST(SocketTablesTest, MsgFlagsNamedInTheBrief) {
  EXPECT_EQ(lx::WskSendFlags(MSG_DONTWAIT), wsk::WSK_FLAG_LX_DONTWAIT);
  EXPECT_EQ(lx::WskSendFlags(MSG_OOB), wsk::WSK_FLAG_OOB);
  EXPECT_EQ(lx::WskReceiveFlags(MSG_WAITALL), wsk::WSK_FLAG_WAITALL);
  EXPECT_EQ(lx::WskReceiveFlags(MSG_PEEK), wsk::WSK_FLAG_LX_PEEK);
  EXPECT_EQ(lx::WskReceiveFlags(MSG_DONTWAIT), wsk::WSK_FLAG_LX_DONTWAIT);
  EXPECT_EQ(lx::WskSendFlags(MSG_NOSIGNAL), 0u);
  EXPECT_EQ(lx::WskReceiveFlags(MSG_NOSIGNAL), 0u);
  // Flags with no row do not leak into the WSK word.
  EXPECT_EQ(lx::WskSendFlags(MSG_WAITFORONE), 0u);
  EXPECT_EQ(lx::WskReceiveFlags(MSG_WAITFORONE | MSG_PROXY), 0u);
}

TEST(SocketTablesTest, MsgProbeReachesTheHostOnSend) {
  // 0x10 (kernel MSG_PROBE, glibc MSG_PROXY): a UDP send that queues
  // nothing; dropping it would send the datagram.
  EXPECT_EQ(lx::WskSendFlags(0x10), wsk::WSK_FLAG_LX_PROBE);
  EXPECT_EQ(lx::LinuxSendFlags(wsk::WSK_FLAG_LX_PROBE), 0x10);
}

TEST(SocketTablesTest, MsgResultFlagsRoundTrip) {
  int all = 0;
  for (const lx::ValueRow& r : lx::MsgResultFlagRows()) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(lx::WsResultFlags(r.linux_value), r.windows_value);
    EXPECT_EQ(lx::LinuxResultFlags(r.windows_value), r.linux_value);
    all |= r.linux_value;
  }
  EXPECT_EQ(lx::LinuxResultFlags(lx::WsResultFlags(all)), all);
  EXPECT_EQ(lx::LinuxResultFlags(wsk::WS_MSG_TRUNC), MSG_TRUNC);
  EXPECT_EQ(lx::LinuxResultFlags(wsk::WS_MSG_CTRUNC), MSG_CTRUNC);
  EXPECT_EQ(lx::LinuxResultFlags(0), 0);
}

// ---------------------------------------------------------------------------
// sockopt_table

TEST(SockoptTableTest, RowsAreUniqueOnBothSides) {
  std::map<std::pair<int, int>, const char*> linux_side;
  std::map<std::pair<uint32_t, uint32_t>, const char*> ws_side;
  for (const lx::SockoptRow& r : lx::SockoptRows()) {
    auto [l, lfresh] =
        linux_side.emplace(std::make_pair(r.linux_level, r.linux_name), r.name);
    EXPECT_TRUE(lfresh) << r.name << " duplicates " << l->second;
    auto [w, wfresh] =
        ws_side.emplace(std::make_pair(r.ws_level, r.ws_name), r.name);
    EXPECT_TRUE(wfresh) << r.name << " duplicates " << w->second;
  }
}

TEST(SockoptTableTest, LookupsFindTheRowFromEitherSide) {
  for (const lx::SockoptRow& r : lx::SockoptRows()) {
    SCOPED_TRACE(r.name);
    const lx::SockoptRow found =
        lx::FindLinuxSockopt(r.linux_level, r.linux_name);
    EXPECT_EQ(found.ws_level, r.ws_level);
    EXPECT_EQ(found.ws_name, r.ws_name);
    EXPECT_EQ(found.kind, r.kind);
    EXPECT_EQ(lx::FindWsSockopt(r.ws_level, r.ws_name), &r);
    if (r.kind == OptKind::kLinuxOnly) {
      EXPECT_EQ(r.ws_level, wsk::WskLxLevel(r.linux_level));
      EXPECT_EQ(r.ws_name, static_cast<uint32_t>(r.linux_name));
    } else {
      // A Windows level is never in the tunnelled range.
      EXPECT_NE(r.ws_level & 0xFFFF0000u, wsk::WSK_LX_LEVEL_TAG);
    }
  }
}

TEST(SockoptTableTest, UnknownOptionIsTunnelled) {
  const lx::SockoptRow r = lx::FindLinuxSockopt(IPPROTO_TCP, 12345);
  EXPECT_EQ(r.kind, OptKind::kLinuxOnly);
  EXPECT_EQ(r.ws_level, wsk::WskLxLevel(IPPROTO_TCP));
  EXPECT_EQ(r.ws_name, 12345u);
  EXPECT_EQ(lx::FindWsSockopt(0xFFFF, 0x7777), nullptr);
}

TEST(SockoptTableTest, WindowsNumbersFromTheReference) {
  struct Case {
    int level, name;
    uint32_t ws_level, ws_name;
    OptKind kind;
  };
  const Case cases[] = {
      {SOL_SOCKET, SO_RCVTIMEO, 0xFFFF, 0x1006, OptKind::kTimeval},
      {SOL_SOCKET, SO_SNDTIMEO, 0xFFFF, 0x1005, OptKind::kTimeval},
      {SOL_SOCKET, SO_LINGER, 0xFFFF, 0x0080, OptKind::kLinger},
      {SOL_SOCKET, SO_ERROR, 0xFFFF, 0x1007, OptKind::kErrno},
      {SOL_SOCKET, SO_REUSEPORT, wsk::WskLxLevel(SOL_SOCKET), SO_REUSEPORT,
       OptKind::kLinuxOnly},
      {IPPROTO_IP, IP_MTU_DISCOVER, 0, 71, OptKind::kPmtuDisc},
      {IPPROTO_IPV6, IPV6_MTU_DISCOVER, 41, 71, OptKind::kPmtuDisc},
      {IPPROTO_IPV6, IPV6_RECVPKTINFO, 41, 19, OptKind::kSame},
      {IPPROTO_TCP, TCP_MAXSEG, 6, 4, OptKind::kSame},
  };
  for (const Case& c : cases) {
    const lx::SockoptRow r = lx::FindLinuxSockopt(c.level, c.name);
    SCOPED_TRACE(r.name);
    EXPECT_EQ(r.ws_level, c.ws_level);
    EXPECT_EQ(r.ws_name, c.ws_name);
    EXPECT_EQ(r.kind, c.kind);
  }
}

TEST(SockoptTableTest, ValueSizes) {
  EXPECT_EQ(lx::LinuxValueSize(OptKind::kTimeval), sizeof(timeval));
  EXPECT_EQ(lx::WsValueSize(OptKind::kTimeval), 4u);
  EXPECT_EQ(lx::LinuxValueSize(OptKind::kLinger), 8u);
  EXPECT_EQ(lx::WsValueSize(OptKind::kLinger), 4u);
  EXPECT_EQ(lx::LinuxValueSize(OptKind::kPmtuDisc), sizeof(int));
  EXPECT_EQ(lx::WsValueSize(OptKind::kErrno), 4u);
  EXPECT_EQ(lx::WsValueSize(OptKind::kSame), 0u);
  EXPECT_EQ(lx::WsValueSize(OptKind::kLinuxOnly), 0u);
}

// Value converters. Helpers return the converted value (and check lengths).
uint32_t ToWs(OptKind kind, const void* lin, size_t len) {
  uint32_t out = 0xDEADBEEF;
  char buf[16] = {};
  int n = lx::LinuxToWsValue(kind, lin, len, buf, sizeof(buf));
  EXPECT_EQ(n, static_cast<int>(lx::WsValueSize(kind)));
  memcpy(&out, buf, sizeof(out));
  return out;
}

TEST(SockoptValueTest, TimevalRoundTrips) {
  const timeval cases[] = {{0, 0},       {0, 1000}, {1, 500000},
                           {59, 999000}, {3600, 0}, {4294966, 0}};
  for (const timeval& tv : cases) {
    SCOPED_TRACE(testing::Message() << tv.tv_sec << "." << tv.tv_usec);
    char ws[16];
    ASSERT_EQ(
        lx::LinuxToWsValue(OptKind::kTimeval, &tv, sizeof(tv), ws, sizeof(ws)),
        4);
    uint32_t ms;
    memcpy(&ms, ws, 4);
    EXPECT_EQ(ms, static_cast<uint64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000);
    timeval back{-1, -1};
    ASSERT_EQ(lx::WsToLinuxValue(OptKind::kTimeval, ws, 4, &back, sizeof(back)),
              static_cast<int>(sizeof(timeval)));
    EXPECT_EQ(back.tv_sec, tv.tv_sec);
    EXPECT_EQ(back.tv_usec, tv.tv_usec);
  }
}

TEST(SockoptValueTest, MillisecondsRoundTrip) {
  for (uint32_t ms : {0u, 1u, 999u, 1000u, 1500u, 86400000u, 0xFFFFFFFEu}) {
    SCOPED_TRACE(ms);
    timeval tv;
    ASSERT_EQ(lx::WsToLinuxValue(OptKind::kTimeval, &ms, 4, &tv, sizeof(tv)),
              static_cast<int>(sizeof(timeval)));
    EXPECT_EQ(ToWs(OptKind::kTimeval, &tv, sizeof(tv)), ms);
  }
}

TEST(SockoptValueTest, TimevalChecksAreLinuxs) {
  char ws[16];
  const timeval over{1, 1000000};
  EXPECT_EQ(lx::LinuxToWsValue(OptKind::kTimeval, &over, sizeof(over), ws,
                               sizeof(ws)),
            -EDOM);
  const timeval under{1, -1};
  EXPECT_EQ(lx::LinuxToWsValue(OptKind::kTimeval, &under, sizeof(under), ws,
                               sizeof(ws)),
            -EDOM);
  const timeval ok{1, 0};
  EXPECT_EQ(lx::LinuxToWsValue(OptKind::kTimeval, &ok, sizeof(ok) - 1, ws,
                               sizeof(ws)),
            -EINVAL);
  // Sub-millisecond timeouts round up: 0 would mean "no timeout".
  const timeval tiny{0, 1};
  EXPECT_EQ(ToWs(OptKind::kTimeval, &tiny, sizeof(tiny)), 1u);
  // Negative seconds mean "do not wait" on Linux, and 2^32 - 1 ms or more
  // does not fit a DWORD: no Windows form (-ERANGE), saturated value.
  const timeval no_form[] = {
      {-5, 0}, {4294967, 295000}, {4294968, 0}, {9223372036854775807LL, 0}};
  for (const timeval& tv : no_form) {
    SCOPED_TRACE(tv.tv_sec);
    uint32_t ms = 0;
    EXPECT_EQ(
        lx::LinuxToWsValue(OptKind::kTimeval, &tv, sizeof(tv), &ms, sizeof(ms)),
        -ERANGE);
    EXPECT_EQ(ms, lx::kWsTimeoutSaturated);
    EXPECT_TRUE(lx::WsValueSaturated(OptKind::kTimeval, &ms, sizeof(ms)));
  }
}

TEST(SockoptValueTest, LingerRoundTrips) {
  const linger cases[] = {{0, 0}, {1, 0}, {1, 30}, {0, 7}, {1, 65534}};
  for (const linger& l : cases) {
    SCOPED_TRACE(testing::Message() << l.l_onoff << "," << l.l_linger);
    wsk::LINGER w{};
    ASSERT_EQ(
        lx::LinuxToWsValue(OptKind::kLinger, &l, sizeof(l), &w, sizeof(w)), 4);
    EXPECT_EQ(w.l_onoff, l.l_onoff);
    EXPECT_EQ(w.l_linger, l.l_linger);
    linger back{-1, -1};
    ASSERT_EQ(lx::WsToLinuxValue(OptKind::kLinger, &w, sizeof(w), &back,
                                 sizeof(back)),
              8);
    EXPECT_EQ(back.l_onoff, l.l_onoff);
    EXPECT_EQ(back.l_linger, l.l_linger);
  }
}

TEST(SockoptValueTest, LingerOutsideUshortHasNoWindowsForm) {
  // -ERANGE with the saturated 65535 written: the caller tunnels the Linux
  // value (setsockopt) or reads it again in Linux form (getsockopt).
  for (int secs : {65535, 70000, -3, INT_MIN}) {
    SCOPED_TRACE(secs);
    const linger l{5, secs};
    wsk::LINGER w{};
    ASSERT_EQ(lx::LinuxToWsValue(OptKind::kLinger, &l, sizeof(l), &w, 4),
              -ERANGE);
    EXPECT_EQ(w.l_onoff, 1);
    EXPECT_EQ(w.l_linger, 65535);
    EXPECT_TRUE(lx::WsValueSaturated(OptKind::kLinger, &w, sizeof(w)));
  }
  const linger on{5, 7};
  EXPECT_EQ(lx::LinuxToWsValue(OptKind::kLinger, &on, 4, nullptr, 4), -EINVAL);
}

TEST(SockoptTableTest, UnknownLevelsBeyondSixteenBitsShareOneTunnelLevel) {
  EXPECT_EQ(lx::FindLinuxSockopt(12345, 1).ws_level, wsk::WskLxLevel(12345));
  EXPECT_EQ(lx::FindLinuxSockopt(0x4C580001, 1).ws_level,
            wsk::WskLxLevel(lx::kLxUnknownLevel));
  EXPECT_EQ(lx::FindLinuxSockopt(-1, 1).ws_level,
            wsk::WskLxLevel(lx::kLxUnknownLevel));
}

TEST(SockoptValueTest, PmtuDoAndDontSwap) {
  struct Case {
    int linux_value;
    uint32_t ws_value;
  };
  const Case cases[] = {
      {IP_PMTUDISC_DONT, 2},   // Windows IP_PMTUDISC_DONT
      {IP_PMTUDISC_WANT, 0},   // Windows IP_PMTUDISC_NOT_SET
      {IP_PMTUDISC_DO, 1},     // Windows IP_PMTUDISC_DO
      {IP_PMTUDISC_PROBE, 3},  // Windows IP_PMTUDISC_PROBE
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.linux_value);
    EXPECT_EQ(ToWs(OptKind::kPmtuDisc, &c.linux_value, sizeof(int)),
              c.ws_value);
    int back = -99;
    ASSERT_EQ(lx::WsToLinuxValue(OptKind::kPmtuDisc, &c.ws_value, 4, &back,
                                 sizeof(back)),
              4);
    EXPECT_EQ(back, c.linux_value);
  }
}

TEST(SockoptValueTest, PmtuValuesWithoutWindowsCounterpartRoundTrip) {
  // INTERFACE (4), OMIT (5) and invalid values reach the host unchanged, so
  // the host, not the table, judges them.
  std::vector<int> values = {INT_MIN, INT_MIN + 1, -257, -252, -1, INT_MAX};
  for (int v = 0; v <= 300; ++v) values.push_back(v);
  for (int v : values) {
    SCOPED_TRACE(v);
    uint32_t ws = ToWs(OptKind::kPmtuDisc, &v, sizeof(v));
    if (v < 0 || v > 3) {
      EXPECT_GE(ws, 4u) << "collides with a Windows value";
    }
    int back = 0;
    ASSERT_EQ(
        lx::WsToLinuxValue(OptKind::kPmtuDisc, &ws, 4, &back, sizeof(back)), 4);
    EXPECT_EQ(back, v);
  }
}

TEST(SockoptValueTest, PmtuNegativeValuesNearMinus256RoundTrip) {
  for (int v = -256; v <= -253; ++v) {
    SCOPED_TRACE(v);
    uint32_t ws = ToWs(OptKind::kPmtuDisc, &v, sizeof(v));
    EXPECT_GE(ws, 4u);
    int back = 0;
    lx::WsToLinuxValue(OptKind::kPmtuDisc, &ws, 4, &back, sizeof(back));
    EXPECT_EQ(back, v);
  }
}

TEST(SockoptValueTest, PmtuAcceptsALinuxByteValue) {
  // do_ip_setsockopt reads a 1-byte value as an unsigned char.
  const unsigned char doit = IP_PMTUDISC_DO;
  EXPECT_EQ(ToWs(OptKind::kPmtuDisc, &doit, 1), 1u);
  char ws[4];
  EXPECT_EQ(lx::LinuxToWsValue(OptKind::kPmtuDisc, &doit, 0, ws, sizeof(ws)),
            -EINVAL);
}

TEST(SockoptValueTest, SoErrorConvertsThroughWinsockCodes) {
  const int refused = ECONNREFUSED;
  const uint32_t wsa = ToWs(OptKind::kErrno, &refused, sizeof(int));
  EXPECT_EQ(wsa, 10061u);
  int back = 0;
  ASSERT_EQ(lx::WsToLinuxValue(OptKind::kErrno, &wsa, 4, &back, sizeof(back)),
            4);
  EXPECT_EQ(back, ECONNREFUSED);
}

// ---------------------------------------------------------------------------
// ioctl_table

TEST(IoctlTableTest, RowsAreUniqueAndFoundFromBothSides) {
  std::set<unsigned long> linux_side;
  std::set<uint32_t> ws_side;
  for (const lx::IoctlRow& r : lx::IoctlRows()) {
    SCOPED_TRACE(r.name);
    EXPECT_TRUE(linux_side.insert(r.linux_request).second);
    EXPECT_TRUE(ws_side.insert(r.ws_code).second);
    EXPECT_EQ(lx::FindLinuxIoctl(r.linux_request), &r);
    EXPECT_EQ(lx::FindWsIoctl(r.ws_code), &r);
  }
}

TEST(IoctlTableTest, KnownRequests) {
  const lx::IoctlRow* fionread = lx::FindLinuxIoctl(FIONREAD);
  ASSERT_NE(fionread, nullptr);
  EXPECT_EQ(fionread->ws_code, 0x4004667Fu);
  EXPECT_TRUE(fionread->writes_result);
  const lx::IoctlRow* fionbio = lx::FindLinuxIoctl(FIONBIO);
  ASSERT_NE(fionbio, nullptr);
  EXPECT_EQ(fionbio->ws_code, 0x8004667Eu);
  EXPECT_FALSE(fionbio->writes_result);
  const lx::IoctlRow* atmark = lx::FindLinuxIoctl(SIOCATMARK);
  ASSERT_NE(atmark, nullptr);
  EXPECT_EQ(atmark->ws_code, 0x40047307u);
  EXPECT_TRUE(atmark->writes_result);
  EXPECT_EQ(lx::FindLinuxIoctl(SIOCOUTQ), nullptr);
  EXPECT_EQ(lx::FindLinuxIoctl(SIOCGIFCONF), nullptr);
  EXPECT_EQ(lx::FindWsIoctl(wsk::SIO_LXWSK_HOST_IOCTL), nullptr);
}

// ---- control messages ----

// One Linux control message (header + data) as bytes.
std::vector<unsigned char> LinuxCmsg(int level, int type, const void* data,
                                     size_t len) {
  std::vector<unsigned char> b(CMSG_SPACE(len), 0);
  cmsghdr h{};
  h.cmsg_len = CMSG_LEN(len);
  h.cmsg_level = level;
  h.cmsg_type = type;
  memcpy(b.data(), &h, sizeof(h));
  memcpy(b.data() + CMSG_LEN(0), data, len);
  return b;
}

std::vector<unsigned char> RoundTrip(const std::vector<unsigned char>& lin,
                                     bool for_send) {
  std::vector<unsigned char> ws(2 * lin.size() + 16), back(4 * lin.size() + 32);
  bool trunc = true;
  size_t n = lx::CmsgBufferToWs(lin.data(), lin.size(), for_send, ws.data(),
                                ws.size(), &trunc);
  EXPECT_FALSE(trunc);
  size_t m = lx::CmsgBufferToLinux(ws.data(), n, for_send, back.data(),
                                   back.size(), &trunc);
  EXPECT_FALSE(trunc);
  back.resize(m);
  return back;
}

// Every row's Linux data survives Linux -> Windows -> Linux both ways, and
// its Windows side is a Windows level (never a tunnelled one).
TEST(CmsgTableTest, EveryRowRoundTrips) {
  for (const lx::CmsgRow& r : lx::CmsgRows()) {
    SCOPED_TRACE(r.name);
    EXPECT_NE(r.ws_level & 0xFFFF0000u, wsk::WSK_LX_LEVEL_TAG);
    unsigned char data[32];
    for (size_t i = 0; i < sizeof(data); ++i) data[i] = (unsigned char)(i + 1);
    if (r.kind == lx::CmsgKind::kInPktinfo) memcpy(data + 4, data + 8, 4);
    auto lin = LinuxCmsg(r.linux_level, r.linux_type, data, r.linux_len);
    EXPECT_EQ(RoundTrip(lin, /*for_send=*/false), lin);
    if (r.kind != lx::CmsgKind::kTos) {
      EXPECT_EQ(RoundTrip(lin, /*for_send=*/true), lin);
    }
    uint32_t wl = 0, wt = 0;
    unsigned char out[48];
    lx::CmsgDataToWs(r.linux_level, r.linux_type, data, r.linux_len, false, &wl,
                     &wt, out);
    EXPECT_EQ(wl, r.ws_level);
    EXPECT_EQ(wt, r.ws_type);
  }
}

// in_pktinfo {ifindex, spec_dst, addr} <-> IN_PKTINFO {addr, ifindex}: on
// receive ipi_addr is the destination, on send the source comes from
// ipi_spec_dst; a second address that differs rides after IN_PKTINFO.
TEST(CmsgTableTest, InPktinfoLayout) {
  in_pktinfo pi{};
  pi.ipi_ifindex = 7;
  pi.ipi_spec_dst.s_addr = htonl(0x7F000001);
  pi.ipi_addr.s_addr = htonl(0x7F000001);
  uint32_t wl, wt;
  unsigned char out[32];
  EXPECT_EQ(lx::CmsgDataToWs(IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi), false,
                             &wl, &wt, out),
            sizeof(wsk::IN_PKTINFO_WS));
  EXPECT_EQ(wl, wsk::WS_IPPROTO_IP);
  EXPECT_EQ(wt, wsk::WS_IP_PKTINFO);
  wsk::IN_PKTINFO_WS w;
  memcpy(&w, out, sizeof(w));
  EXPECT_EQ(memcmp(w.ipi_addr, &pi.ipi_addr, 4), 0);
  EXPECT_EQ(w.ipi_ifindex, 7u);
  // Broadcast-style: destination differs from the local address.
  pi.ipi_addr.s_addr = htonl(0x7FFFFFFF);
  EXPECT_EQ(lx::CmsgDataToWs(IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi), false,
                             &wl, &wt, out),
            12u);
  memcpy(&w, out, sizeof(w));
  EXPECT_EQ(memcmp(w.ipi_addr, &pi.ipi_addr, 4), 0);
  EXPECT_EQ(memcmp(out + 8, &pi.ipi_spec_dst, 4), 0);
  // Send: the source (spec_dst) is IN_PKTINFO's ipi_addr.
  EXPECT_EQ(lx::CmsgDataToWs(IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi), true, &wl,
                             &wt, out),
            12u);
  memcpy(&w, out, sizeof(w));
  EXPECT_EQ(memcmp(w.ipi_addr, &pi.ipi_spec_dst, 4), 0);
}

// A received TOS is a byte on Linux, an INT on Windows; sendmsg takes an
// int (or a byte) and gets an int back.
TEST(CmsgTableTest, TosByteAndInt) {
  unsigned char tos = 0x28;
  uint32_t wl, wt;
  unsigned char out[16];
  EXPECT_EQ(lx::CmsgDataToWs(IPPROTO_IP, IP_TOS, &tos, 1, false, &wl, &wt, out),
            4u);
  int32_t v;
  memcpy(&v, out, 4);
  EXPECT_EQ(v, 0x28);
  int l, t;
  unsigned char back[16];
  EXPECT_EQ(lx::CmsgDataToLinux(wl, wt, out, 4, false, &l, &t, back), 1u);
  EXPECT_EQ(back[0], 0x28);
  EXPECT_EQ(lx::CmsgDataToLinux(wl, wt, out, 4, true, &l, &t, back), 4u);
  EXPECT_EQ(l, IPPROTO_IP);
  EXPECT_EQ(t, IP_TOS);
}

// Unknown messages, known ones at another length, and odd levels travel
// tunnelled and come back byte for byte.
TEST(CmsgTableTest, UnknownAndWrongLengthAreTunnelled) {
  int v = 5;
  uint32_t wl, wt;
  unsigned char out[16];
  lx::CmsgDataToWs(IPPROTO_TCP, TCP_INQ, &v, sizeof(v), false, &wl, &wt, out);
  EXPECT_EQ(wl, wsk::WskLxLevel(IPPROTO_TCP));
  EXPECT_EQ(wt, static_cast<uint32_t>(TCP_INQ));
  lx::CmsgDataToWs(IPPROTO_IP, IP_PKTINFO, &v, sizeof(v), true, &wl, &wt, out);
  EXPECT_EQ(wl, wsk::WskLxLevel(IPPROTO_IP));
  EXPECT_EQ(wt, static_cast<uint32_t>(IP_PKTINFO));
  auto a = LinuxCmsg(IPPROTO_IP, IP_PKTINFO, &v, sizeof(v));
  EXPECT_EQ(RoundTrip(a, true), a);
  auto b = LinuxCmsg(1234, 1, &v, sizeof(v));
  EXPECT_EQ(RoundTrip(b, true), b);
  lx::CmsgDataToWs(-5, 1, &v, sizeof(v), true, &wl, &wt, out);
  EXPECT_EQ(wl, wsk::WskLxLevel(0xFFFF));
}

// A malformed header ends the walk; it and the rest are copied unchanged,
// so the host kernel sees the same malformed message at the same remaining
// length. A tail shorter than a header is kept too.
TEST(CmsgTableTest, MalformedTailIsKept) {
  int v = 9;
  auto good = LinuxCmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, &v, sizeof(v));
  std::vector<unsigned char> bad = good;
  cmsghdr h{};
  h.cmsg_len = 200;  // past the end
  h.cmsg_level = IPPROTO_IP;
  h.cmsg_type = IP_TTL;
  std::vector<unsigned char> hb(sizeof(h));
  memcpy(hb.data(), &h, sizeof(h));
  bad.insert(bad.end(), hb.begin(), hb.end());
  EXPECT_EQ(RoundTrip(bad, true), bad);
  std::vector<unsigned char> shortlen(8, 0x11);
  EXPECT_EQ(RoundTrip(shortlen, true), shortlen);
}

// Running out of room stops at a message boundary and says so.
TEST(CmsgTableTest, OutputRoomTruncatesAtAMessageBoundary) {
  int v = 64;
  auto one = LinuxCmsg(IPPROTO_IP, IP_TTL, &v, sizeof(v));
  std::vector<unsigned char> two = one;
  two.insert(two.end(), one.begin(), one.end());
  unsigned char ws[64];
  bool trunc = false;
  size_t n = lx::CmsgBufferToWs(two.data(), two.size(), false, ws, 40, &trunc);
  EXPECT_TRUE(trunc);
  EXPECT_EQ(n, wsk::WSA_CMSG_SPACE(4));
}

// Which Windows messages cross with their bytes unchanged (copied in place
// by the receive path) and which need CmsgDataToLinux.
TEST(CmsgTableTest, LinuxNameSaysWhichDataIsVerbatim) {
  int l, t;
  EXPECT_FALSE(
      lx::CmsgLinuxName(wsk::WS_IPPROTO_IP, wsk::WS_IP_PKTINFO, &l, &t));
  EXPECT_EQ(l, IPPROTO_IP);
  EXPECT_EQ(t, IP_PKTINFO);
  EXPECT_FALSE(lx::CmsgLinuxName(wsk::WS_IPPROTO_IP, wsk::WS_IP_TOS, &l, &t));
  EXPECT_TRUE(
      lx::CmsgLinuxName(wsk::WS_IPPROTO_IPV6, wsk::WS_IPV6_HOPLIMIT, &l, &t));
  EXPECT_EQ(t, IPV6_HOPLIMIT);
  EXPECT_TRUE(lx::CmsgLinuxName(wsk::WskLxLevel(IPPROTO_TCP), TCP_INQ, &l, &t));
  EXPECT_EQ(l, IPPROTO_TCP);
  EXPECT_EQ(t, TCP_INQ);
}

}  // namespace
}  // namespace lxwsk_test
