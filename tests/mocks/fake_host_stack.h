// A host stack that does nothing and always succeeds, so a benchmark or a
// test above it exercises only the WSK model and the layers over it: no
// system call is made anywhere below the provider. Subclass to change one
// answer.
//
// Send and Receive report the whole buffer as transferred (a 1-byte send
// "sends" 1 byte); Socket hands out increasing handles that are never real
// fds. Everything pending-related is unused: benchmarked sockets are inline.
#ifndef LXWSK_TESTS_MOCKS_FAKE_HOST_STACK_H_
#define LXWSK_TESTS_MOCKS_FAKE_HOST_STACK_H_

#include <atomic>
#include <cstring>
#include <functional>

#include "wsk/host_stack.h"

namespace wsk::test {

class FakeHostStack : public wsk::HostStack {
 public:
  wsk::HostResult Socket(wsk::ADDRESS_FAMILY, wsk::USHORT, wsk::ULONG,
                         wsk::ULONG) override {
    return {wsk::STATUS_SUCCESS, static_cast<uintptr_t>(next_handle_++)};
  }
  wsk::NTSTATUS Bind(wsk::HostHandle, const wsk::SOCKADDR*) override {
    return wsk::STATUS_SUCCESS;
  }
  wsk::NTSTATUS Listen(wsk::HostHandle, int) override {
    return wsk::STATUS_SUCCESS;
  }
  wsk::HostResult Accept(wsk::HostHandle, wsk::PSOCKADDR, wsk::ULONG) override {
    return {wsk::STATUS_SUCCESS, static_cast<uintptr_t>(next_handle_++)};
  }
  wsk::NTSTATUS Connect(wsk::HostHandle, const wsk::SOCKADDR*) override {
    return wsk::STATUS_SUCCESS;
  }
  wsk::NTSTATUS ConnectResult(wsk::HostHandle) override {
    return wsk::STATUS_SUCCESS;
  }
  wsk::HostResult Send(wsk::HostHandle, const wsk::WSK_BUF& buffer, wsk::ULONG,
                       const wsk::SOCKADDR*, const wsk::CMSGHDR*,
                       wsk::ULONG) override {
    return {wsk::STATUS_SUCCESS, buffer.Length};
  }
  wsk::HostResult Receive(wsk::HostHandle, const wsk::WSK_BUF& buffer,
                          wsk::ULONG, wsk::PSOCKADDR remote, wsk::CMSGHDR*,
                          wsk::ULONG* control_length,
                          wsk::ULONG* out_flags) override {
    // A datagram receive reports its source, as the real adapter does, so
    // the address write-back above is part of what is measured.
    if (remote != nullptr) {
      wsk::SOCKADDR_IN a{};
      a.sin_family = wsk::WS_AF_INET;
      a.sin_port = 0x3930;  // 12345, network order
      a.sin_addr = {{127, 0, 0, 1}};
      std::memcpy(remote, &a, sizeof(a));
    }
    if (control_length != nullptr) *control_length = 0;
    if (out_flags != nullptr) *out_flags = 0;
    return {wsk::STATUS_SUCCESS, buffer.Length};
  }
  wsk::NTSTATUS Disconnect(wsk::HostHandle, wsk::ULONG) override {
    return wsk::STATUS_SUCCESS;
  }
  wsk::NTSTATUS Close(wsk::HostHandle) override { return wsk::STATUS_SUCCESS; }
  wsk::HostResult GetLocalAddress(wsk::HostHandle, wsk::PSOCKADDR) override {
    return {wsk::STATUS_SUCCESS, 0};
  }
  wsk::HostResult GetRemoteAddress(wsk::HostHandle, wsk::PSOCKADDR) override {
    return {wsk::STATUS_SUCCESS, 0};
  }
  wsk::HostResult SetOption(wsk::HostHandle, wsk::ULONG, wsk::ULONG,
                            const void*, wsk::SIZE_T) override {
    return {wsk::STATUS_SUCCESS, 0};
  }
  wsk::HostResult GetOption(wsk::HostHandle, wsk::ULONG, wsk::ULONG, void*,
                            wsk::SIZE_T) override {
    return {wsk::STATUS_SUCCESS, 0};
  }
  wsk::HostResult Ioctl(wsk::HostHandle, wsk::ULONG, const void*, wsk::SIZE_T,
                        void*, wsk::SIZE_T) override {
    return {wsk::STATUS_SUCCESS, 0};
  }
  void AsyncWait(wsk::HostHandle, wsk::HostWait,
                 std::function<void(wsk::NTSTATUS)> done) override {
    done(wsk::STATUS_SUCCESS);
  }
  void CancelWaits(wsk::HostHandle) override {}
  void Post(std::function<void()> fn) override { fn(); }

 private:
  // Far above any real fd so a mistake can never touch one.
  std::atomic<int> next_handle_{1 << 20};
};

}  // namespace wsk::test

#endif  // LXWSK_TESTS_MOCKS_FAKE_HOST_STACK_H_
