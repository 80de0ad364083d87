// Formatting of each layer's values in trace lines: Linux arguments (shim)
// and WSK calls with their Windows values and IRP results (WSK filter).
#include "trace_format.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "fake_host_stack.h"
#include "gtest/gtest.h"
#include "tracing_provider.h"
#include "wsk/host_stack.h"
#include "wsk/provider.h"

namespace {

TEST(TraceFormatTest, LinuxValuesByName) {
  char buf[128];
  EXPECT_STREQ(lxshim::FamilyStr(AF_INET6), "AF_INET6");
  EXPECT_STREQ(lxshim::FamilyStr(AF_UNIX), "AF_UNIX");
  lxshim::TypeStr(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, buf, sizeof(buf));
  EXPECT_STREQ(buf, "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
  lxshim::FlagsStr(MSG_DONTWAIT | MSG_NOSIGNAL, buf, sizeof(buf));
  EXPECT_STREQ(buf, "MSG_DONTWAIT|MSG_NOSIGNAL");
  lxshim::FlagsStr(0, buf, sizeof(buf));
  EXPECT_STREQ(buf, "0x0");
  lxshim::FlagsStr(MSG_PEEK | 0x10000000, buf, sizeof(buf));
  EXPECT_STREQ(buf, "MSG_PEEK|0x10000000");
}

TEST(TraceFormatTest, LinuxSockaddrs) {
  char buf[128];
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(8080);
  a6.sin6_addr = in6addr_loopback;
  lxshim::SockaddrStr(&a6, sizeof(a6), buf, sizeof(buf));
  EXPECT_STREQ(buf, "{AF_INET6(10), [::1]:8080}");
  sockaddr_in a4{};
  a4.sin_family = AF_INET;
  a4.sin_port = htons(80);
  a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  lxshim::SockaddrStr(&a4, sizeof(a4), buf, sizeof(buf));
  EXPECT_STREQ(buf, "{AF_INET(2), 127.0.0.1:80}");
  // A bad pointer prints as a pointer instead of faulting.
  lxshim::SockaddrStr(reinterpret_cast<void*>(8), 16, buf, sizeof(buf));
  EXPECT_STREQ(buf, "0x8");
  lxshim::SockaddrStr(nullptr, 0, buf, sizeof(buf));
  EXPECT_STREQ(buf, "NULL");
}

TEST(TraceFormatTest, WindowsSockaddrs) {
  char buf[96];
  wsk::SOCKADDR_IN6 a6{};
  a6.sin6_family = wsk::WS_AF_INET6;
  a6.sin6_port = htons(443);
  a6.sin6_addr.u_Byte[15] = 1;
  wsk::FormatSockaddr(reinterpret_cast<wsk::SOCKADDR*>(&a6), buf, sizeof(buf));
  EXPECT_STREQ(buf, "AF_INET6(23) [::1]:443");
}

// Everything succeeds except connect, which is refused.
class RefusingHost final : public wsk::test::FakeHostStack {
 public:
  wsk::NTSTATUS Connect(wsk::HostHandle, const wsk::SOCKADDR*) override {
    return wsk::STATUS_CONNECTION_REFUSED;
  }
};

class Recorder final : public wsk::TraceSink {
 public:
  void WskCall(const wsk::WskCallRecord& c) override {
    calls.emplace_back(c.text, c.length);
    functions.emplace_back(c.text, c.function_length);
    statuses.push_back(c.status);
    EXPECT_LE(c.start_ns, c.end_ns);
  }
  std::vector<std::string> calls, functions;
  std::vector<wsk::NTSTATUS> statuses;
};

TEST(TracingProviderTest, RecordsWindowsValuesAndIrpResults) {
  RefusingHost host;
  wsk::Provider provider(host);
  Recorder rec;
  wsk::WskProviderDispatch* traced = wsk::NewTracingProvider(&provider, &rec);

  wsk::IRP irp;
  wsk::IoReuseIrp(&irp);
  traced->WskSocket(nullptr, wsk::WS_AF_INET6, wsk::WS_SOCK_STREAM,
                    wsk::WS_IPPROTO_TCP,
                    wsk::WSK_FLAG_STREAM_SOCKET | wsk::WSK_FLAG_LX_INLINE,
                    nullptr, nullptr, nullptr, nullptr, nullptr, &irp);
  ASSERT_EQ(irp.IoStatus.Status, wsk::STATUS_SUCCESS);
  auto* sock = reinterpret_cast<wsk::PWSK_SOCKET>(irp.IoStatus.Information);
  ASSERT_EQ(rec.calls.size(), 1u);
  EXPECT_EQ(rec.functions[0], "WskSocket");
  EXPECT_NE(rec.calls[0].find("WskSocket(AF_INET6(23), type=1, proto=6, "
                              "STREAM|LX_INLINE) -> STATUS_SUCCESS "
                              "(0x00000000) socket=0x"),
            std::string::npos)
      << rec.calls[0];
  // The filter hands out its own socket, whose table is its own.
  EXPECT_NE(sock->Dispatch, provider.DispatchFor(wsk::WSK_FLAG_STREAM_SOCKET));

  auto* stream = static_cast<wsk::WskProviderStreamDispatch*>(
      const_cast<void*>(sock->Dispatch));
  wsk::SOCKADDR_IN6 remote{};
  remote.sin6_family = wsk::WS_AF_INET6;
  remote.sin6_port = htons(9);
  remote.sin6_addr.u_Byte[15] = 1;
  wsk::IoReuseIrp(&irp, 7);
  stream->WskBind(sock, nullptr, wsk::WSK_FLAG_LX_IMPLICIT_BIND, &irp);
  wsk::IoReuseIrp(&irp, 7);
  stream->WskConnect(sock, reinterpret_cast<wsk::SOCKADDR*>(&remote), 0, &irp);
  EXPECT_EQ(irp.IoStatus.Status, wsk::STATUS_CONNECTION_REFUSED);
  ASSERT_EQ(rec.calls.size(), 3u);
  EXPECT_EQ(rec.calls[1],
            "WskBind(NULL, flags=0x10000 LX_IMPLICIT_BIND) -> STATUS_SUCCESS "
            "(0x00000000) info=0");
  EXPECT_EQ(rec.calls[2],
            "WskConnect(AF_INET6(23) [::1]:9) -> STATUS_CONNECTION_REFUSED "
            "(0xC0000236) info=0");
  EXPECT_EQ(rec.statuses[2], wsk::STATUS_CONNECTION_REFUSED);

  char data[5] = {};
  wsk::MDL mdl{nullptr, data, sizeof(data), 0};
  wsk::WSK_BUF buf{&mdl, 0, sizeof(data)};
  wsk::IoReuseIrp(&irp, 7);
  stream->WskSend(sock, &buf, wsk::WSK_FLAG_LX_DONTWAIT, &irp);
  EXPECT_EQ(rec.calls.back(),
            "WskSend(WSK_BUF{len=5}, flags=0x10000) -> STATUS_SUCCESS "
            "(0x00000000) info=5");
  wsk::IoReuseIrp(&irp, 7);
  stream->WskCloseSocket(sock, &irp);
  EXPECT_EQ(rec.calls.back(),
            "WskCloseSocket(handle=7) -> STATUS_SUCCESS (0x00000000) info=0");
  delete traced;
}

}  // namespace
