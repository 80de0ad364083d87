// Client registration (WDK wsk.h; MS Learn "Registering a Winsock Kernel
// Application"; shared/reference/wsk-api.md section 1): WskRegister,
// WskCaptureProviderNPI, WskReleaseProviderNPI, WskDeregister, here against
// a Provider over a mock host stack (WskRegister's third argument).
#include <chrono>
#include <future>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mock_host_stack.h"
#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace wsk {
namespace {

using test::IrpProbe;
using test::MockHostStack;
using ::testing::_;
using ::testing::NiceMock;
using ::testing::Return;

// Upper bound for anything that must happen "soon" on another thread. Only
// a failing test waits this long.
constexpr auto kBound = std::chrono::seconds(10);
constexpr int kHostHandle = 21;

class RegistrationTest : public ::testing::Test {
 protected:
  RegistrationTest() : provider_(host_) {
    client_npi_.ClientContext = nullptr;
    client_npi_.Dispatch = &client_dispatch_;
  }

  // Captures until WskCaptureProviderNPI reports STATUS_DEVICE_NOT_READY
  // (deregistration visible) or kBound passes; captures that still succeed
  // are released again. Returns the last status.
  NTSTATUS CaptureUntilDeregistering() {
    const auto deadline = std::chrono::steady_clock::now() + kBound;
    NTSTATUS st = STATUS_SUCCESS;
    while (std::chrono::steady_clock::now() < deadline) {
      WSK_PROVIDER_NPI npi{};
      st = WskCaptureProviderNPI(&registration_, WSK_NO_WAIT, &npi);
      if (st != STATUS_SUCCESS) break;
      WskReleaseProviderNPI(&registration_);
      std::this_thread::yield();
    }
    return st;
  }

  NiceMock<MockHostStack> host_;
  Provider provider_;
  WSK_CLIENT_DISPATCH client_dispatch_{MAKE_WSK_VERSION(1, 0), 0, nullptr};
  WSK_CLIENT_NPI client_npi_{};
  WSK_REGISTRATION registration_{};
};

// WskRegister succeeds for a version-1 client; WskCaptureProviderNPI then
// yields the provider dispatch (version 1.0, as wine's netio reports) and a
// client handle; every capture is paired with one release and the
// registration with one WskDeregister, which returns at once when nothing
// is outstanding.
TEST_F(RegistrationTest, RegisterCaptureReleaseDeregister) {
  ASSERT_EQ(WskRegister(&client_npi_, &registration_, &provider_),
            STATUS_SUCCESS);
  WSK_PROVIDER_NPI npi{};
  ASSERT_EQ(WskCaptureProviderNPI(&registration_, WSK_NO_WAIT, &npi),
            STATUS_SUCCESS);
  EXPECT_NE(npi.Client, nullptr);
  ASSERT_EQ(npi.Dispatch, static_cast<WskProviderDispatch*>(&provider_));
  EXPECT_EQ(npi.Dispatch->Version, MAKE_WSK_VERSION(1, 0));
  WskReleaseProviderNPI(&registration_);

  auto done =
      std::async(std::launch::async, [this] { WskDeregister(&registration_); });
  EXPECT_EQ(done.wait_for(kBound), std::future_status::ready);
}

// A registration may be captured several times (each needs its own
// release); every capture names the same client and provider.
TEST_F(RegistrationTest, RepeatedCapturesShareClient) {
  ASSERT_EQ(WskRegister(&client_npi_, &registration_, &provider_),
            STATUS_SUCCESS);
  WSK_PROVIDER_NPI first{}, second{};
  ASSERT_EQ(WskCaptureProviderNPI(&registration_, WSK_INFINITE_WAIT, &first),
            STATUS_SUCCESS);
  ASSERT_EQ(WskCaptureProviderNPI(&registration_, WSK_NO_WAIT, &second),
            STATUS_SUCCESS);
  EXPECT_EQ(first.Client, second.Client);
  EXPECT_EQ(first.Dispatch, second.Dispatch);
  WskReleaseProviderNPI(&registration_);
  WskReleaseProviderNPI(&registration_);
  auto done =
      std::async(std::launch::async, [this] { WskDeregister(&registration_); });
  EXPECT_EQ(done.wait_for(kBound), std::future_status::ready);
}

// WSK_CLIENT_DISPATCH.Version must name major version 1
// (MAKE_WSK_VERSION(1,0)); another major version is an interface the
// provider does not have: STATUS_NOINTERFACE. The minor version does not
// matter.
TEST_F(RegistrationTest, MajorVersionOtherThanOneIsNoInterface) {
  client_dispatch_.Version = MAKE_WSK_VERSION(2, 0);
  EXPECT_EQ(WskRegister(&client_npi_, &registration_, &provider_),
            STATUS_NOINTERFACE);
  client_dispatch_.Version = MAKE_WSK_VERSION(0, 1);
  EXPECT_EQ(WskRegister(&client_npi_, &registration_, &provider_),
            STATUS_NOINTERFACE);

  client_dispatch_.Version = MAKE_WSK_VERSION(1, 7);
  ASSERT_EQ(WskRegister(&client_npi_, &registration_, &provider_),
            STATUS_SUCCESS);
  auto done =
      std::async(std::launch::async, [this] { WskDeregister(&registration_); });
  EXPECT_EQ(done.wait_for(kBound), std::future_status::ready);
}

// The client NPI and its dispatch are required parameters.
TEST_F(RegistrationTest, MissingClientNpiIsInvalidParameter) {
  EXPECT_EQ(WskRegister(nullptr, &registration_, &provider_),
            STATUS_INVALID_PARAMETER);
  WSK_CLIENT_NPI no_dispatch{nullptr, nullptr};
  EXPECT_EQ(WskRegister(&no_dispatch, &registration_, &provider_),
            STATUS_INVALID_PARAMETER);
  EXPECT_EQ(WskRegister(&client_npi_, nullptr, &provider_),
            STATUS_INVALID_PARAMETER);
}

// The provider given to WskRegister is the one the captured dispatch
// drives: WskSocket through it reaches this test's host stack.
TEST_F(RegistrationTest, CapturedDispatchUsesGivenProvider) {
  ASSERT_EQ(WskRegister(&client_npi_, &registration_, &provider_),
            STATUS_SUCCESS);
  WSK_PROVIDER_NPI npi{};
  ASSERT_EQ(WskCaptureProviderNPI(&registration_, WSK_NO_WAIT, &npi),
            STATUS_SUCCESS);
  EXPECT_CALL(host_, Socket(WS_AF_INET, WS_SOCK_STREAM, WS_IPPROTO_TCP, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kHostHandle}));
  EXPECT_CALL(host_, Close(kHostHandle)).WillOnce(Return(STATUS_SUCCESS));

  IrpProbe create;
  ASSERT_EQ(npi.Dispatch->WskSocket(
                npi.Client, WS_AF_INET, WS_SOCK_STREAM, WS_IPPROTO_TCP,
                WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_LX_INLINE, nullptr,
                nullptr, nullptr, nullptr, nullptr, create.get()),
            STATUS_SUCCESS);
  auto* socket = reinterpret_cast<PWSK_SOCKET>(create.irp.IoStatus.Information);
  ASSERT_NE(socket, nullptr);
  IrpProbe close;
  const auto* basic =
      static_cast<const WskProviderBasicDispatch*>(socket->Dispatch);
  EXPECT_EQ(const_cast<WskProviderBasicDispatch*>(basic)->WskCloseSocket(
                socket, close.get()),
            STATUS_SUCCESS);
  WskReleaseProviderNPI(&registration_);
  auto done =
      std::async(std::launch::async, [this] { WskDeregister(&registration_); });
  EXPECT_EQ(done.wait_for(kBound), std::future_status::ready);
}

// Once WskDeregister has been called, WskCaptureProviderNPI fails with
// STATUS_DEVICE_NOT_READY (WDK wsk.h), and WskDeregister itself blocks
// until every captured NPI has been released.
TEST_F(RegistrationTest, CaptureAfterDeregisterStartsIsDeviceNotReady) {
  ASSERT_EQ(WskRegister(&client_npi_, &registration_, &provider_),
            STATUS_SUCCESS);
  WSK_PROVIDER_NPI held{};
  ASSERT_EQ(WskCaptureProviderNPI(&registration_, WSK_NO_WAIT, &held),
            STATUS_SUCCESS);

  std::promise<void> returned;
  std::future<void> done = returned.get_future();
  std::thread deregister([this, &returned] {
    WskDeregister(&registration_);
    returned.set_value();
  });

  EXPECT_EQ(CaptureUntilDeregistering(), STATUS_DEVICE_NOT_READY);
  // The held capture keeps WskDeregister waiting.
  EXPECT_EQ(done.wait_for(std::chrono::milliseconds(20)),
            std::future_status::timeout);

  WskReleaseProviderNPI(&registration_);
  EXPECT_EQ(done.wait_for(kBound), std::future_status::ready);
  deregister.join();
}

// "WskDeregister blocks until ... all sockets are closed" (WDK wsk.h): a
// socket still open keeps it waiting even with every NPI released; closing
// the socket lets it return.
TEST_F(RegistrationTest, DeregisterBlocksUntilSocketsAreClosed) {
  ASSERT_EQ(WskRegister(&client_npi_, &registration_, &provider_),
            STATUS_SUCCESS);
  WSK_PROVIDER_NPI npi{};
  ASSERT_EQ(WskCaptureProviderNPI(&registration_, WSK_NO_WAIT, &npi),
            STATUS_SUCCESS);
  EXPECT_CALL(host_, Socket(_, _, _, _))
      .WillOnce(Return(HostResult{STATUS_SUCCESS, kHostHandle}));
  EXPECT_CALL(host_, Close(kHostHandle)).WillOnce(Return(STATUS_SUCCESS));
  IrpProbe create;
  ASSERT_EQ(npi.Dispatch->WskSocket(
                npi.Client, WS_AF_INET6, WS_SOCK_DGRAM, WS_IPPROTO_UDP,
                WSK_FLAG_DATAGRAM_SOCKET | WSK_FLAG_LX_INLINE, nullptr, nullptr,
                nullptr, nullptr, nullptr, create.get()),
            STATUS_SUCCESS);
  auto* socket = reinterpret_cast<PWSK_SOCKET>(create.irp.IoStatus.Information);
  ASSERT_NE(socket, nullptr);
  WskReleaseProviderNPI(&registration_);

  std::promise<void> returned;
  std::future<void> done = returned.get_future();
  std::thread deregister([this, &returned] {
    WskDeregister(&registration_);
    returned.set_value();
  });

  // Deregistration has started (captures now fail) but must not finish.
  EXPECT_EQ(CaptureUntilDeregistering(), STATUS_DEVICE_NOT_READY);
  EXPECT_EQ(done.wait_for(std::chrono::milliseconds(20)),
            std::future_status::timeout);

  // Sockets stay usable until closed, even while deregistration waits.
  IrpProbe close;
  const auto* dispatch =
      static_cast<const WskProviderDatagramDispatch*>(socket->Dispatch);
  EXPECT_EQ(const_cast<WskProviderDatagramDispatch*>(dispatch)->WskCloseSocket(
                socket, close.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(close.completions, 1);
  EXPECT_EQ(done.wait_for(kBound), std::future_status::ready);
  deregister.join();
}

}  // namespace
}  // namespace wsk
