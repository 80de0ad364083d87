// The data path's fast forms in a multi-threaded process: the request goes
// to glibc's own sendto/recvfrom (host::g_libc_data_calls, resolved with
// dlsym(RTLD_NEXT) when the library is loaded), which are cancellation
// points as natively. Checked by putting counting wrappers in the table:
// every fast-form request (bare IRP: no completion routine) must make
// exactly one call through it, with the same WSK results a single-threaded
// process gets. Real loopback sockets; no preload.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/single_threaded.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "lx/status_table.h"
#include "mock_host_stack.h"
#include "posix_data_path.h"
#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace wsk {
namespace {

using test::IrpProbe;

std::atomic<int> g_sendto_calls{0};
std::atomic<int> g_recvfrom_calls{0};
std::atomic<int> g_sendmsg_calls{0};
std::atomic<int> g_recvmsg_calls{0};
host::LibcDataCalls g_saved;

ssize_t CountingSendto(int fd, const void* buf, size_t len, int flags,
                       const sockaddr* to, socklen_t to_len) {
  ++g_sendto_calls;
  return g_saved.sendto(fd, buf, len, flags, to, to_len);
}
ssize_t CountingRecvfrom(int fd, void* buf, size_t len, int flags,
                         sockaddr* from, socklen_t* from_len) {
  ++g_recvfrom_calls;
  return g_saved.recvfrom(fd, buf, len, flags, from, from_len);
}

ssize_t CountingSendmsg(int fd, const msghdr* msg, int flags) {
  ++g_sendmsg_calls;
  return g_saved.sendmsg(fd, msg, flags);
}
ssize_t CountingRecvmsg(int fd, msghdr* msg, int flags) {
  ++g_recvmsg_calls;
  return g_saved.recvmsg(fd, msg, flags);
}

TEST(LibcDataCallsTest, ResolvedToGlibcsOwnAtLoad) {
  // This binary is not preloaded: the next definitions are libc's.
  EXPECT_EQ(reinterpret_cast<void*>(host::g_libc_data_calls.sendto),
            dlsym(RTLD_NEXT, "sendto"));
  EXPECT_EQ(reinterpret_cast<void*>(host::g_libc_data_calls.recvfrom),
            dlsym(RTLD_NEXT, "recvfrom"));
  EXPECT_EQ(reinterpret_cast<void*>(host::g_libc_data_calls.sendmsg),
            dlsym(RTLD_NEXT, "sendmsg"));
  EXPECT_EQ(reinterpret_cast<void*>(host::g_libc_data_calls.recvmsg),
            dlsym(RTLD_NEXT, "recvmsg"));
  EXPECT_EQ(reinterpret_cast<void*>(host::g_libc_data_calls.accept4),
            dlsym(RTLD_NEXT, "accept4"));
  EXPECT_EQ(reinterpret_cast<void*>(host::g_libc_data_calls.connect),
            dlsym(RTLD_NEXT, "connect"));
}

// The functions the table holds until the library's constructor has run:
// the same calls made cancellation points with AsyncCancelSyscall, with
// glibc's convention (-1 and errno). Exercised in a multi-threaded
// process, where they make the switch, on a real loopback pair.
TEST(LibcDataCallsTest, BeforeLoadFormsWorkWithGlibcsConvention) {
  const host::LibcDataCalls& f = host::kLibcDataCallsBeforeLoad;
  EXPECT_NE(reinterpret_cast<void*>(f.sendto),
            reinterpret_cast<void*>(host::g_libc_data_calls.sendto));
  std::atomic<bool> stop{false};
  std::thread other([&] {
    for (int i = 0; i < 10000 && !stop.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ASSERT_FALSE(__libc_single_threaded);

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
            0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(f.connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
            0);
  sockaddr_in peer{};
  socklen_t peer_len = sizeof(peer);
  int server = f.accept4(listener, reinterpret_cast<sockaddr*>(&peer),
                         &peer_len, SOCK_NONBLOCK);
  ASSERT_GE(server, 0);
  EXPECT_EQ(peer_len, sizeof(peer));

  EXPECT_EQ(f.sendto(client, "abc", 3, MSG_NOSIGNAL, nullptr, 0), 3);
  char in[8] = {};
  EXPECT_EQ(f.recvfrom(server, in, sizeof(in), 0, nullptr, nullptr), 3);
  EXPECT_EQ(std::string(in, 3), "abc");
  char part[] = "de";
  iovec iov{part, 2};
  msghdr out_msg{};
  out_msg.msg_iov = &iov;
  out_msg.msg_iovlen = 1;
  EXPECT_EQ(f.sendmsg(client, &out_msg, MSG_NOSIGNAL), 2);
  iovec in_iov{in, sizeof(in)};
  msghdr in_msg{};
  in_msg.msg_iov = &in_iov;
  in_msg.msg_iovlen = 1;
  EXPECT_EQ(f.recvmsg(server, &in_msg, 0), 2);
  EXPECT_EQ(std::string(in, 2), "de");

  // Failures: -1 and errno, as glibc's.
  errno = 0;
  EXPECT_EQ(f.recvfrom(server, in, sizeof(in), 0, nullptr, nullptr), -1);
  EXPECT_EQ(errno, EAGAIN);
  errno = 0;
  EXPECT_EQ(f.sendto(-1, "x", 1, 0, nullptr, 0), -1);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_EQ(f.accept4(-1, nullptr, nullptr, 0), -1);
  EXPECT_EQ(errno, EBADF);
  close(client);
  close(server);
  close(listener);
  stop = true;
  other.join();
}

class MultiThreadFastFormTest : public ::testing::Test {
 protected:
  MultiThreadFastFormTest()
      : provider_(PosixHostStack()), client_{&provider_} {}

  void SetUp() override {
    // A second thread for the whole test: the process is multi-threaded.
    other_ = std::thread([this] {
      for (int i = 0; i < 10000 && !stop_.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    ASSERT_FALSE(__libc_single_threaded);
    g_saved = host::g_libc_data_calls;
    host::g_libc_data_calls.sendto = CountingSendto;
    host::g_libc_data_calls.recvfrom = CountingRecvfrom;
    host::g_libc_data_calls.sendmsg = CountingSendmsg;
    host::g_libc_data_calls.recvmsg = CountingRecvmsg;
    g_sendto_calls = 0;
    g_recvfrom_calls = 0;
    g_sendmsg_calls = 0;
    g_recvmsg_calls = 0;
  }
  void TearDown() override {
    host::g_libc_data_calls = g_saved;
    stop_ = true;
    other_.join();
  }

  // Wraps a host socket (WskLxAdoptSocket) as an inline socket.
  PWSK_SOCKET Adopt(int fd, USHORT type, ULONG category) {
    IrpProbe adopt;
    EXPECT_EQ(provider_.WskLxAdoptSocket(
                  &client_, fd, WS_AF_INET, type,
                  type == WS_SOCK_STREAM ? WS_IPPROTO_TCP : WS_IPPROTO_UDP,
                  category | WSK_FLAG_LX_INLINE, adopt.get()),
              STATUS_SUCCESS);
    return reinterpret_cast<PWSK_SOCKET>(adopt.irp.IoStatus.Information);
  }
  void Close(PWSK_SOCKET s) {
    IrpProbe close;
    EXPECT_EQ(provider_.WskCloseSocket(s, close.get()), STATUS_SUCCESS);
  }

  Provider provider_;
  WSK_CLIENT client_;
  std::atomic<bool> stop_{false};
  std::thread other_;
};

// A bare IRP (the fast forms' kind) naming the socket's host handle.
struct BareIrp : IRP {
  explicit BareIrp(PWSK_SOCKET s) {
    IoReuseIrp(this, s->LxHostHandle, STATUS_SUCCESS);
  }
};

int LoopbackFd(int type, sockaddr_in* bound) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(*bound);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(bound), &len), 0);
  return fd;
}

TEST_F(MultiThreadFastFormTest, StreamSendAndReceiveGoThroughGlibc) {
  sockaddr_in listen_addr{};
  int listener = LoopbackFd(SOCK_STREAM, &listen_addr);
  ASSERT_EQ(listen(listener, 1), 0);
  int client_fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client_fd, reinterpret_cast<sockaddr*>(&listen_addr),
                    sizeof(listen_addr)),
            0);
  int server_fd = accept(listener, nullptr, nullptr);
  ASSERT_GE(server_fd, 0);
  close(listener);
  PWSK_SOCKET c = Adopt(client_fd, WS_SOCK_STREAM, WSK_FLAG_STREAM_SOCKET);
  PWSK_SOCKET s = Adopt(server_fd, WS_SOCK_STREAM, WSK_FLAG_STREAM_SOCKET);

  char out[] = "threaded";
  MDL out_mdl{nullptr, out, 8, 0};
  WSK_BUF out_buf{&out_mdl, 0, 8};
  BareIrp send(c);
  EXPECT_EQ(provider_.WskSend(c, &out_buf, 0, &send), STATUS_SUCCESS);
  EXPECT_EQ(send.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(send.IoStatus.Information, 8u);
  EXPECT_EQ(g_sendto_calls.load(), 1);

  char in[16] = {};
  MDL in_mdl{nullptr, in, sizeof(in), 0};
  WSK_BUF in_buf{&in_mdl, 0, sizeof(in)};
  BareIrp recv(s);
  EXPECT_EQ(provider_.WskReceive(s, &in_buf, 0, &recv), STATUS_SUCCESS);
  EXPECT_EQ(recv.IoStatus.Information, 8u);
  EXPECT_EQ(std::string(in, 8), "threaded");
  EXPECT_EQ(g_recvfrom_calls.load(), 1);

  // Two MDLs: the general form, whose sendmsg/recvmsg are glibc's too.
  char part2[] = "-two";
  MDL chain2{nullptr, part2, 4, 0};
  MDL chain1{&chain2, out, 8, 0};
  WSK_BUF chain_buf{&chain1, 0, 12};
  BareIrp gather(c);
  EXPECT_EQ(provider_.WskSend(c, &chain_buf, 0, &gather), STATUS_SUCCESS);
  EXPECT_EQ(gather.IoStatus.Information, 12u);
  EXPECT_EQ(g_sendmsg_calls.load(), 1);
  char in1[6] = {}, in2[16] = {};
  MDL in_chain2{nullptr, in2, sizeof(in2), 0};
  MDL in_chain1{&in_chain2, in1, sizeof(in1), 0};
  WSK_BUF in_chain{&in_chain1, 0, sizeof(in1) + sizeof(in2)};
  BareIrp scatter(s);
  EXPECT_EQ(provider_.WskReceive(s, &in_chain, 0, &scatter), STATUS_SUCCESS);
  EXPECT_EQ(scatter.IoStatus.Information, 12u);
  EXPECT_EQ(std::string(in1, 6) + std::string(in2, 6), "threaded-two");
  EXPECT_EQ(g_recvmsg_calls.load(), 1);
  EXPECT_EQ(g_sendto_calls.load(), 1);
  EXPECT_EQ(g_recvfrom_calls.load(), 1);

  // A host error comes back as its status (EPIPE after the peer is gone:
  // glibc's -1 and errno become the NTSTATUS, as the raw call's -errno).
  Close(s);
  const NTSTATUS want_reset[] = {STATUS_SUCCESS,
                                 lx::StatusFromErrno(ECONNRESET),
                                 lx::StatusFromErrno(EPIPE)};
  NTSTATUS last = STATUS_SUCCESS;
  for (int i = 0; i < 50 && last == STATUS_SUCCESS; ++i) {
    BareIrp again(c);
    last = provider_.WskSend(c, &out_buf, 0, &again);
    EXPECT_EQ(again.IoStatus.Status, last);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(last == want_reset[1] || last == want_reset[2])
      << std::hex << last;
  Close(c);
}

// The HostStack interface's Send/Receive (what pending sockets and any
// other caller of PosixHostStack use): in a multi-threaded process their
// system calls are glibc's as well.
TEST_F(MultiThreadFastFormTest, HostStackInterfaceCallsGoThroughGlibc) {
  sockaddr_in a_addr{}, b_addr{};
  int a_fd = LoopbackFd(SOCK_DGRAM, &a_addr);
  int b_fd = LoopbackFd(SOCK_DGRAM, &b_addr);
  ASSERT_EQ(connect(a_fd, reinterpret_cast<sockaddr*>(&b_addr), sizeof(b_addr)),
            0);
  HostStack& host = PosixHostStack();
  char out[] = "iface";
  MDL out_mdl{nullptr, out, 5, 0};
  WSK_BUF out_buf{&out_mdl, 0, 5};
  HostResult sent = host.Send(a_fd, out_buf, 0, nullptr, nullptr, 0);
  EXPECT_EQ(sent.status, STATUS_SUCCESS);
  EXPECT_EQ(sent.information, 5u);
  EXPECT_EQ(g_sendto_calls.load(), 1);
  char in[16] = {};
  MDL in_mdl{nullptr, in, sizeof(in), 0};
  WSK_BUF in_buf{&in_mdl, 0, sizeof(in)};
  HostResult got =
      host.Receive(b_fd, in_buf, 0, nullptr, nullptr, nullptr, nullptr);
  EXPECT_EQ(got.status, STATUS_SUCCESS);
  EXPECT_EQ(got.information, 5u);
  EXPECT_EQ(std::string(in, 5), "iface");
  EXPECT_EQ(g_recvfrom_calls.load(), 1);
  close(a_fd);
  close(b_fd);
}

TEST_F(MultiThreadFastFormTest,
       DatagramFormsGoThroughGlibcWithAndWithoutAddresses) {
  sockaddr_in a_addr{}, b_addr{};
  int a_fd = LoopbackFd(SOCK_DGRAM, &a_addr);
  int b_fd = LoopbackFd(SOCK_DGRAM, &b_addr);
  ASSERT_EQ(connect(a_fd, reinterpret_cast<sockaddr*>(&b_addr), sizeof(b_addr)),
            0);
  PWSK_SOCKET a = Adopt(a_fd, WS_SOCK_DGRAM, WSK_FLAG_DATAGRAM_SOCKET);
  PWSK_SOCKET b = Adopt(b_fd, WS_SOCK_DGRAM, WSK_FLAG_DATAGRAM_SOCKET);

  // Connected: no address either way.
  char out[] = "dgram";
  MDL out_mdl{nullptr, out, 5, 0};
  WSK_BUF out_buf{&out_mdl, 0, 5};
  BareIrp send(a);
  EXPECT_EQ(provider_.WskSendTo(a, &out_buf, 0, nullptr, 0, nullptr, &send),
            STATUS_SUCCESS);
  EXPECT_EQ(send.IoStatus.Information, 5u);
  EXPECT_EQ(g_sendto_calls.load(), 1);
  char in[16] = {};
  MDL in_mdl{nullptr, in, sizeof(in), 0};
  WSK_BUF in_buf{&in_mdl, 0, sizeof(in)};
  BareIrp recv(b);
  EXPECT_EQ(provider_.WskReceiveFrom(b, &in_buf, 0, nullptr, nullptr, nullptr,
                                     nullptr, &recv),
            STATUS_SUCCESS);
  EXPECT_EQ(recv.IoStatus.Information, 5u);
  EXPECT_EQ(std::string(in, 5), "dgram");
  EXPECT_EQ(g_recvfrom_calls.load(), 1);
  // The connected forms (WskLxSend/WskLxReceive): the same, one glibc call
  // each.
  BareIrp lx_send(a);
  EXPECT_EQ(provider_.WskLxSend(a, &out_buf, 0, &lx_send), STATUS_SUCCESS);
  EXPECT_EQ(lx_send.IoStatus.Information, 5u);
  EXPECT_EQ(g_sendto_calls.load(), 2);
  memset(in, 0, sizeof(in));
  BareIrp lx_recv(b);
  EXPECT_EQ(provider_.WskLxReceive(b, &in_buf, 0, &lx_recv), STATUS_SUCCESS);
  EXPECT_EQ(lx_recv.IoStatus.Information, 5u);
  EXPECT_EQ(std::string(in, 5), "dgram");
  EXPECT_EQ(g_recvfrom_calls.load(), 2);

  // With addresses: Windows form in, Windows form out.
  SOCKADDR_IN to{};
  to.sin_family = WS_AF_INET;
  to.sin_port = b_addr.sin_port;
  memcpy(&to.sin_addr, &b_addr.sin_addr, 4);
  BareIrp send_to(a);
  EXPECT_EQ(provider_.WskSendTo(a, &out_buf, 0,
                                reinterpret_cast<const SOCKADDR*>(&to), 0,
                                nullptr, &send_to),
            STATUS_SUCCESS);
  EXPECT_EQ(send_to.IoStatus.Information, 5u);
  EXPECT_EQ(g_sendto_calls.load(), 3);
  SOCKADDR_IN6 from{};
  BareIrp recv_from(b);
  EXPECT_EQ(provider_.WskReceiveFrom(b, &in_buf, 0,
                                     reinterpret_cast<PSOCKADDR>(&from),
                                     nullptr, nullptr, nullptr, &recv_from),
            STATUS_SUCCESS);
  EXPECT_EQ(recv_from.IoStatus.Information, 5u);
  EXPECT_EQ(g_recvfrom_calls.load(), 3);
  SOCKADDR_IN got;
  memcpy(&got, &from, sizeof(got));
  EXPECT_EQ(got.sin_family, WS_AF_INET);
  EXPECT_EQ(got.sin_port, a_addr.sin_port);
  // The lxwsk address forms: the same, one glibc call each.
  BareIrp lx_send_to(a);
  EXPECT_EQ(
      provider_.WskLxSendTo(
          a, &out_buf, 0, reinterpret_cast<const SOCKADDR*>(&to), &lx_send_to),
      STATUS_SUCCESS);
  EXPECT_EQ(g_sendto_calls.load(), 4);
  SOCKADDR_IN6 lx_from{};
  BareIrp lx_recv_from(b);
  EXPECT_EQ(
      provider_.WskLxReceiveFrom(
          b, &in_buf, 0, reinterpret_cast<PSOCKADDR>(&lx_from), &lx_recv_from),
      STATUS_SUCCESS);
  EXPECT_EQ(lx_recv_from.IoStatus.Information, 5u);
  EXPECT_EQ(g_recvfrom_calls.load(), 4);
  memcpy(&got, &lx_from, sizeof(got));
  EXPECT_EQ(got.sin_family, WS_AF_INET);
  EXPECT_EQ(got.sin_port, a_addr.sin_port);

  // Nothing left: a receive on the non-blocking host socket fails in
  // glibc (-1, EAGAIN), which becomes STATUS_DEVICE_NOT_READY.
  ASSERT_EQ(fcntl(b_fd, F_SETFL, O_NONBLOCK), 0);
  BareIrp empty(b);
  EXPECT_EQ(provider_.WskReceiveFrom(b, &in_buf, 0, nullptr, nullptr, nullptr,
                                     nullptr, &empty),
            STATUS_DEVICE_NOT_READY);
  EXPECT_EQ(empty.IoStatus.Status, STATUS_DEVICE_NOT_READY);
  EXPECT_EQ(g_recvfrom_calls.load(), 5);
  BareIrp lx_empty(b);
  EXPECT_EQ(provider_.WskLxReceive(b, &in_buf, 0, &lx_empty),
            STATUS_DEVICE_NOT_READY);
  EXPECT_EQ(g_recvfrom_calls.load(), 6);
  Close(a);
  Close(b);
}

}  // namespace
}  // namespace wsk
