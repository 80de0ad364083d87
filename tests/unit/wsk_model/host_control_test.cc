// The host adapter (PosixHostStack) and control messages: they cross WSK in
// Windows form (WSACMSGHDR, Windows levels and types) and the adapter
// converts them to and from the host's Linux form with the shared table
// (syscalls/tables/lx/cmsg_table.h). Real UDP sockets on 127.0.0.1.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "gtest/gtest.h"
#include "wsk/host_stack.h"
#include "wsk/wsk.h"

namespace wsk {
namespace {

class HostControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HostResult r = host_.Socket(WS_AF_INET, WS_SOCK_DGRAM, WS_IPPROTO_UDP, 0);
    ASSERT_EQ(r.status, STATUS_SUCCESS);
    rx_ = static_cast<int>(r.information);
    r = host_.Socket(WS_AF_INET, WS_SOCK_DGRAM, WS_IPPROTO_UDP, 0);
    ASSERT_EQ(r.status, STATUS_SUCCESS);
    tx_ = static_cast<int>(r.information);
    SOCKADDR_IN lo{WS_AF_INET, 0, {{127, 0, 0, 1}}, {}};
    ASSERT_EQ(host_.Bind(rx_, reinterpret_cast<const SOCKADDR*>(&lo)),
              STATUS_SUCCESS);
    ASSERT_EQ(
        host_.GetLocalAddress(rx_, reinterpret_cast<PSOCKADDR>(&to_)).status,
        STATUS_SUCCESS);
  }
  void TearDown() override {
    host_.Close(rx_);
    host_.Close(tx_);
  }
  void Enable(ULONG ws_name) {
    const int one = 1;
    ASSERT_EQ(
        host_.SetOption(rx_, WS_IPPROTO_IP, ws_name, &one, sizeof(one)).status,
        STATUS_SUCCESS);
  }
  HostResult SendWithControl(const void* control, ULONG length) {
    char data[3] = {'a', 'b', 'c'};
    MDL mdl{nullptr, data, sizeof(data), 0};
    WSK_BUF buf{&mdl, 0, sizeof(data)};
    return host_.Send(tx_, buf, 0, reinterpret_cast<const SOCKADDR*>(&to_),
                      static_cast<const CMSGHDR*>(control), length);
  }

  HostStack& host_ = PosixHostStack();
  int rx_ = -1;
  int tx_ = -1;
  SOCKADDR_IN to_{};
  char in_[16];
  MDL in_mdl_{nullptr, in_, sizeof(in_), 0};
  WSK_BUF in_buf_{&in_mdl_, 0, sizeof(in_)};
};

// A Windows IP_HOPLIMIT (TTL) message given to Send reaches the host as
// Linux IP_TTL; the receiver's IP_PKTINFO and TTL come back as Windows
// IN_PKTINFO (8 bytes, type 19) and IP_HOPLIMIT (type 21).
TEST_F(HostControlTest, SendAndReceiveUseWindowsForm) {
  Enable(WS_IP_PKTINFO);
  Enable(WS_IP_RECVTTL);
  alignas(8) unsigned char ctl[WSA_CMSG_SPACE(sizeof(int))] = {};
  auto* c = reinterpret_cast<CMSGHDR*>(ctl);
  c->cmsg_len = WSA_CMSG_LEN(sizeof(int));
  c->cmsg_level = static_cast<int>(WS_IPPROTO_IP);
  c->cmsg_type = static_cast<int>(WS_IP_HOPLIMIT);
  const int ttl = 7;
  memcpy(WSA_CMSG_DATA(c), &ttl, sizeof(ttl));
  EXPECT_EQ(SendWithControl(ctl, sizeof(ctl)).status, STATUS_SUCCESS);

  alignas(8) unsigned char out[256];
  ULONG out_len = sizeof(out);
  ULONG flags = 0;
  HostResult r =
      host_.Receive(rx_, in_buf_, 0, nullptr, reinterpret_cast<CMSGHDR*>(out),
                    &out_len, &flags);
  ASSERT_EQ(r.status, STATUS_SUCCESS);
  EXPECT_EQ(r.information, 3u);
  EXPECT_EQ(flags, 0u);
  ASSERT_EQ(out_len, WSA_CMSG_SPACE(sizeof(IN_PKTINFO_WS)) +
                         WSA_CMSG_SPACE(sizeof(int)));
  CMSGHDR h;
  memcpy(&h, out, sizeof(h));
  EXPECT_EQ(static_cast<ULONG>(h.cmsg_level), WS_IPPROTO_IP);
  EXPECT_EQ(static_cast<ULONG>(h.cmsg_type), WS_IP_PKTINFO);
  EXPECT_EQ(h.cmsg_len, WSA_CMSG_LEN(sizeof(IN_PKTINFO_WS)));
  IN_PKTINFO_WS pi;
  memcpy(&pi, out + sizeof(h), sizeof(pi));
  const uint8_t lo[4] = {127, 0, 0, 1};
  EXPECT_EQ(memcmp(pi.ipi_addr, lo, 4), 0);
  EXPECT_NE(pi.ipi_ifindex, 0u);
  const unsigned char* second = out + WSA_CMSG_SPACE(sizeof(IN_PKTINFO_WS));
  memcpy(&h, second, sizeof(h));
  EXPECT_EQ(static_cast<ULONG>(h.cmsg_type), WS_IP_HOPLIMIT);
  int got = 0;
  memcpy(&got, second + sizeof(h), sizeof(got));
  EXPECT_EQ(got, 7);
}

// Too little Windows room: whole messages only, and WS_MSG_CTRUNC.
TEST_F(HostControlTest, TooLittleRoomIsCtrunc) {
  Enable(WS_IP_PKTINFO);
  Enable(WS_IP_RECVTTL);
  EXPECT_EQ(SendWithControl(nullptr, 0).status, STATUS_SUCCESS);
  alignas(8) unsigned char out[256];
  ULONG out_len = 40;
  ULONG flags = 0;
  HostResult r =
      host_.Receive(rx_, in_buf_, 0, nullptr, reinterpret_cast<CMSGHDR*>(out),
                    &out_len, &flags);
  ASSERT_EQ(r.status, STATUS_SUCCESS);
  EXPECT_EQ(out_len, WSA_CMSG_SPACE(sizeof(IN_PKTINFO_WS)));
  EXPECT_EQ(flags, WS_MSG_CTRUNC);
}

// A malformed Windows header reaches the host unchanged: Linux's EINVAL.
TEST_F(HostControlTest, MalformedControlIsTheHostsEinval) {
  alignas(8) unsigned char ctl[32] = {};
  auto* c = reinterpret_cast<CMSGHDR*>(ctl);
  c->cmsg_len = 4;
  EXPECT_EQ(SendWithControl(ctl, sizeof(ctl)).status, STATUS_INVALID_PARAMETER);
}

}  // namespace
}  // namespace wsk
