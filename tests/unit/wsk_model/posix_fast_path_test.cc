// The provider over the real POSIX host (HostStack::IsPosixHost): inline
// sockets take the host adapter's fast data path (posix_data_path.h). Same
// WSK results as through the HostStack interface: IoStatus, return value,
// the completion routine run once (and allowed to free the IRP), the remote
// address in Windows form, a host error as its NTSTATUS. Loopback UDP only.
#include <arpa/inet.h>
#include <sys/single_threaded.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "mock_host_stack.h"
#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace wsk {
namespace {

using test::IrpProbe;

class PosixFastPathTest : public ::testing::Test {
 protected:
  PosixFastPathTest() : provider_(PosixHostStack()), client_{&provider_} {}

  PWSK_SOCKET MakeBoundUdp(ULONG extra_flags, SOCKADDR_IN* local) {
    IrpProbe create;
    EXPECT_EQ(provider_.WskSocket(
                  &client_, WS_AF_INET, WS_SOCK_DGRAM, WS_IPPROTO_UDP,
                  WSK_FLAG_DATAGRAM_SOCKET | WSK_FLAG_LX_INLINE | extra_flags,
                  nullptr, nullptr, nullptr, nullptr, nullptr, create.get()),
              STATUS_SUCCESS);
    auto* s = reinterpret_cast<PWSK_SOCKET>(create.irp.IoStatus.Information);
    SOCKADDR_IN any{WS_AF_INET, 0, {}, {}};
    memcpy(&any.sin_addr, "\x7f\x00\x00\x01", 4);  // 127.0.0.1
    IrpProbe bind;
    EXPECT_EQ(provider_.WskBind(s, reinterpret_cast<const SOCKADDR*>(&any), 0,
                                bind.get()),
              STATUS_SUCCESS);
    IrpProbe name;
    EXPECT_EQ(provider_.WskGetLocalAddress(
                  s, reinterpret_cast<PSOCKADDR>(local), name.get()),
              STATUS_SUCCESS);
    return s;
  }

  void Close(PWSK_SOCKET s) {
    IrpProbe close;
    EXPECT_EQ(provider_.WskCloseSocket(s, close.get()), STATUS_SUCCESS);
  }

  Provider provider_;
  WSK_CLIENT client_;
};

struct HeapIrpResult {
  int completions = 0;
  NTSTATUS status = STATUS_PENDING;
  uintptr_t information = 0;
};

// A completion routine that frees its (heap) IRP, as a client may.
NTSTATUS FreeOnComplete(void*, PIRP irp, void* context) {
  auto* r = static_cast<HeapIrpResult*>(context);
  ++r->completions;
  r->status = irp->IoStatus.Status;
  r->information = irp->IoStatus.Information;
  IoFreeIrp(irp);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

TEST_F(PosixFastPathTest, SendToAndReceiveFromCompleteInlineWithAddress) {
  SOCKADDR_IN a_addr{}, b_addr{};
  PWSK_SOCKET a = MakeBoundUdp(0, &a_addr);
  PWSK_SOCKET b = MakeBoundUdp(0, &b_addr);
  ASSERT_EQ(a_addr.sin_family, WS_AF_INET);
  ASSERT_NE(b_addr.sin_port, 0);

  char out[] = "hello";
  MDL out_mdl{nullptr, out, 5, 0};
  WSK_BUF out_buf{&out_mdl, 0, 5};
  HeapIrpResult sent;
  PIRP irp = IoAllocateIrp();
  IoSetCompletionRoutine(irp, &FreeOnComplete, &sent);
  EXPECT_EQ(provider_.WskSendTo(a, &out_buf, 0,
                                reinterpret_cast<const SOCKADDR*>(&b_addr), 0,
                                nullptr, irp),
            STATUS_SUCCESS);
  EXPECT_EQ(sent.completions, 1);
  EXPECT_EQ(sent.status, STATUS_SUCCESS);
  EXPECT_EQ(sent.information, 5u);

  char in[16] = {};
  MDL in_mdl{nullptr, in, sizeof(in), 0};
  WSK_BUF in_buf{&in_mdl, 0, sizeof(in)};
  SOCKADDR_IN6 from{};
  ULONG control_length = 99;
  IrpProbe recv;
  EXPECT_EQ(provider_.WskReceiveFrom(
                b, &in_buf, 0, reinterpret_cast<PSOCKADDR>(&from),
                &control_length, nullptr, nullptr, recv.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(recv.completions, 1);
  EXPECT_EQ(recv.completed_on, std::this_thread::get_id());
  EXPECT_EQ(recv.irp.IoStatus.Information, 5u);
  EXPECT_EQ(std::string(in, 5), "hello");
  EXPECT_EQ(control_length, 0u);  // no control buffer: nothing received
  SOCKADDR_IN got;
  memcpy(&got, &from, sizeof(got));
  EXPECT_EQ(got.sin_family, WS_AF_INET);  // Windows value, not Linux's
  EXPECT_EQ(got.sin_port, a_addr.sin_port);
  EXPECT_EQ(memcmp(&got.sin_addr, &a_addr.sin_addr, 4), 0);
  Close(a);
  Close(b);
}

// The lxwsk address forms (WskLxSendTo/WskLxReceiveFrom): the same results
// as the long forms above; a null address makes them the connected forms.
TEST_F(PosixFastPathTest, LxAddressFormsCompleteInlineWithAddress) {
  SOCKADDR_IN a_addr{}, b_addr{};
  PWSK_SOCKET a = MakeBoundUdp(0, &a_addr);
  PWSK_SOCKET b = MakeBoundUdp(WSK_FLAG_LX_NONBLOCK, &b_addr);
  char out[] = "lx";
  MDL out_mdl{nullptr, out, 2, 0};
  WSK_BUF out_buf{&out_mdl, 0, 2};
  IrpProbe sent;
  EXPECT_EQ(provider_.WskLxSendTo(a, &out_buf, 0,
                                  reinterpret_cast<const SOCKADDR*>(&b_addr),
                                  sent.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(sent.completions, 1);
  EXPECT_EQ(sent.irp.IoStatus.Information, 2u);
  char in[16] = {};
  MDL in_mdl{nullptr, in, sizeof(in), 0};
  WSK_BUF in_buf{&in_mdl, 0, sizeof(in)};
  SOCKADDR_IN6 from{};
  IrpProbe recv;
  EXPECT_EQ(provider_.WskLxReceiveFrom(
                b, &in_buf, 0, reinterpret_cast<PSOCKADDR>(&from), recv.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(recv.completions, 1);
  EXPECT_EQ(recv.irp.IoStatus.Information, 2u);
  EXPECT_EQ(std::string(in, 2), "lx");
  SOCKADDR_IN got;
  memcpy(&got, &from, sizeof(got));
  EXPECT_EQ(got.sin_family, WS_AF_INET);
  EXPECT_EQ(got.sin_port, a_addr.sin_port);
  // Again with bare IRPs naming the sockets' handles (the data path's
  // kind, which the fast forms take): the same results.
  IRP plain;
  IoReuseIrp(&plain, a->LxHostHandle, STATUS_SUCCESS);
  EXPECT_EQ(
      provider_.WskLxSendTo(a, &out_buf, 0,
                            reinterpret_cast<const SOCKADDR*>(&b_addr), &plain),
      STATUS_SUCCESS);
  EXPECT_EQ(plain.IoStatus.Information, 2u);
  memset(in, 0, sizeof(in));
  memset(&from, 0, sizeof(from));
  IoReuseIrp(&plain, b->LxHostHandle, STATUS_SUCCESS);
  EXPECT_EQ(provider_.WskLxReceiveFrom(
                b, &in_buf, 0, reinterpret_cast<PSOCKADDR>(&from), &plain),
            STATUS_SUCCESS);
  EXPECT_EQ(plain.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(plain.IoStatus.Information, 2u);
  EXPECT_EQ(std::string(in, 2), "lx");
  memcpy(&got, &from, sizeof(got));
  EXPECT_EQ(got.sin_family, WS_AF_INET);
  EXPECT_EQ(got.sin_port, a_addr.sin_port);
  // Nothing left; and a null address on an unconnected socket is the
  // connected form's "no remote address" (STATUS_ADDRESS_NOT_ASSOCIATED
  // from the host's EDESTADDRREQ).
  IrpProbe empty;
  EXPECT_EQ(provider_.WskLxReceiveFrom(b, &in_buf, 0, nullptr, empty.get()),
            STATUS_DEVICE_NOT_READY);
  IrpProbe no_remote;
  EXPECT_EQ(provider_.WskLxSendTo(a, &out_buf, 0, nullptr, no_remote.get()),
            STATUS_ADDRESS_NOT_ASSOCIATED);
  EXPECT_EQ(no_remote.completions, 1);
  Close(a);
  Close(b);
}

// The host's errno becomes the IRP's NTSTATUS on the fast path too.
TEST_F(PosixFastPathTest, WouldBlockIsDeviceNotReady) {
  SOCKADDR_IN addr{};
  PWSK_SOCKET s = MakeBoundUdp(WSK_FLAG_LX_NONBLOCK, &addr);
  char in[4];
  MDL mdl{nullptr, in, sizeof(in), 0};
  WSK_BUF buf{&mdl, 0, sizeof(in)};
  IrpProbe recv;
  EXPECT_EQ(provider_.WskReceiveFrom(s, &buf, 0, nullptr, nullptr, nullptr,
                                     nullptr, recv.get()),
            STATUS_DEVICE_NOT_READY);
  EXPECT_EQ(recv.completions, 1);
  EXPECT_EQ(recv.irp.IoStatus.Status, STATUS_DEVICE_NOT_READY);
  EXPECT_EQ(recv.irp.IoStatus.Information, 0u);
  Close(s);
}

// WskSendTo's bind-first rule holds on the fast path too: an unbound
// socket's fast_refuse sends the request to the general form, which says
// STATUS_INVALID_DEVICE_STATE; the bind clears it.
TEST_F(PosixFastPathTest, UnboundSendToIsInvalidDeviceStateUntilBound) {
  IrpProbe create;
  ASSERT_EQ(provider_.WskSocket(
                &client_, WS_AF_INET, WS_SOCK_DGRAM, WS_IPPROTO_UDP,
                WSK_FLAG_DATAGRAM_SOCKET | WSK_FLAG_LX_INLINE, nullptr, nullptr,
                nullptr, nullptr, nullptr, create.get()),
            STATUS_SUCCESS);
  auto* s = reinterpret_cast<PWSK_SOCKET>(create.irp.IoStatus.Information);
  EXPECT_NE(ToModel(s)->fast_refuse.load(), 0u);
  SOCKADDR_IN peer_addr{};
  PWSK_SOCKET peer = MakeBoundUdp(0, &peer_addr);
  char out[] = "x";
  MDL mdl{nullptr, out, 1, 0};
  WSK_BUF buf{&mdl, 0, 1};
  IrpProbe refused;
  EXPECT_EQ(provider_.WskSendTo(s, &buf, 0,
                                reinterpret_cast<const SOCKADDR*>(&peer_addr),
                                0, nullptr, refused.get()),
            STATUS_INVALID_DEVICE_STATE);
  EXPECT_EQ(refused.completions, 1);
  IrpProbe connected_form;
  EXPECT_EQ(provider_.WskSendTo(s, &buf, 0, nullptr, 0, nullptr,
                                connected_form.get()),
            STATUS_INVALID_DEVICE_STATE);
  EXPECT_EQ(connected_form.completions, 1);
  IrpProbe lx_form;
  EXPECT_EQ(provider_.WskLxSend(s, &buf, 0, lx_form.get()),
            STATUS_INVALID_DEVICE_STATE);
  EXPECT_EQ(lx_form.completions, 1);
  IrpProbe lx_address_form;
  EXPECT_EQ(provider_.WskLxSendTo(s, &buf, 0,
                                  reinterpret_cast<const SOCKADDR*>(&peer_addr),
                                  lx_address_form.get()),
            STATUS_INVALID_DEVICE_STATE);
  EXPECT_EQ(lx_address_form.completions, 1);
  // The same with bare IRPs naming the handle (the fast forms' kind).
  IRP plain;
  IoReuseIrp(&plain, s->LxHostHandle, STATUS_SUCCESS);
  EXPECT_EQ(provider_.WskLxSend(s, &buf, 0, &plain),
            STATUS_INVALID_DEVICE_STATE);
  EXPECT_EQ(plain.IoStatus.Status, STATUS_INVALID_DEVICE_STATE);
  IoReuseIrp(&plain, s->LxHostHandle, STATUS_SUCCESS);
  EXPECT_EQ(
      provider_.WskLxSendTo(
          s, &buf, 0, reinterpret_cast<const SOCKADDR*>(&peer_addr), &plain),
      STATUS_INVALID_DEVICE_STATE);

  SOCKADDR_IN any{WS_AF_INET, 0, {}, {}};
  memcpy(&any.sin_addr, "\x7f\x00\x00\x01", 4);
  IrpProbe bind;
  ASSERT_EQ(provider_.WskBind(s, reinterpret_cast<const SOCKADDR*>(&any), 0,
                              bind.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(ToModel(s)->fast_refuse.load(), 0u);
  IrpProbe sent;
  EXPECT_EQ(provider_.WskSendTo(s, &buf, 0,
                                reinterpret_cast<const SOCKADDR*>(&peer_addr),
                                0, nullptr, sent.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(sent.irp.IoStatus.Information, 1u);
  Close(s);
  Close(peer);
}

// In a multi-threaded process the fast form steps aside (its raw system
// call is not a cancellation point); the general form gives the same
// results: data, byte counts, the address in Windows form, one completion.
// An IRP without a completion routine that names its requestor handle takes
// the fast forms (the data path's stack IRPs); one with a routine, or
// without a requestor handle (the socket's own is used), takes the general
// form. Connected requests (no address, the shim's send()/recv() on a
// connected UDP socket), in the long forms and in the connected forms
// (WskLxSend/WskLxReceive): the same results every way, errors included.
TEST_F(PosixFastPathTest, FastAndGeneralFormsGetTheSameResults) {
  SOCKADDR_IN a_addr{}, b_addr{};
  PWSK_SOCKET a = MakeBoundUdp(0, &a_addr);
  PWSK_SOCKET b = MakeBoundUdp(WSK_FLAG_LX_NONBLOCK, &b_addr);
  // Connect a to b (SIO_WSK_SET_REMOTE_ADDRESS) so a sends without one.
  IrpProbe connect;
  EXPECT_EQ(provider_.WskControlSocket(a, WskIoctl, SIO_WSK_SET_REMOTE_ADDRESS,
                                       0, sizeof(b_addr), &b_addr, 0, nullptr,
                                       nullptr, connect.get()),
            STATUS_SUCCESS);
  enum Kind { kFast, kNoRequestor, kRoutine };
  for (int i = 0; i < 6; ++i) {
    const Kind kind = static_cast<Kind>(i % 3);
    // The long forms, then the connected forms (WskLxSend/WskLxReceive).
    const bool lx_forms = i >= 3;
    SCOPED_TRACE(lx_forms ? "WskLxSend/WskLxReceive"
                          : "WskSendTo/WskReceiveFrom");
    SCOPED_TRACE(kind == kFast          ? "bare IRP naming its handle"
                 : kind == kNoRequestor ? "bare IRP without a handle"
                                        : "IRP with a routine");
    const bool bare = kind != kRoutine;
    // The sender's and the receiver's host handles, or none.
    auto requestor = [&](PWSK_SOCKET s) {
      return kind == kNoRequestor ? kNoRequestorHandle : s->LxHostHandle;
    };
    char out[] = "fast";
    MDL out_mdl{nullptr, out, 4, 0};
    WSK_BUF out_buf{&out_mdl, 0, 4};
    ASSERT_GE(a->LxHostHandle, 0);
    IRP plain;
    IoReuseIrp(&plain, requestor(a), STATUS_SUCCESS);
    IrpProbe probe(requestor(a));
    PIRP irp = bare ? &plain : probe.get();
    EXPECT_EQ(lx_forms ? provider_.WskLxSend(a, &out_buf, 0, irp)
                       : provider_.WskSendTo(a, &out_buf, 0, nullptr, 0,
                                             nullptr, irp),
              STATUS_SUCCESS);
    EXPECT_EQ(irp->IoStatus.Status, STATUS_SUCCESS);
    EXPECT_EQ(irp->IoStatus.Information, 4u);
    EXPECT_EQ(probe.completions, bare ? 0 : 1);

    char in[16] = {};
    MDL in_mdl{nullptr, in, sizeof(in), 0};
    WSK_BUF in_buf{&in_mdl, 0, sizeof(in)};
    for (int attempt = 0; attempt < 2; ++attempt) {
      // The first receive gets the datagram; the second finds none.
      IoReuseIrp(&plain, requestor(b), STATUS_SUCCESS);
      probe.Reset(requestor(b));
      const NTSTATUS want =
          attempt == 0 ? STATUS_SUCCESS : STATUS_DEVICE_NOT_READY;
      EXPECT_EQ(lx_forms
                    ? provider_.WskLxReceive(b, &in_buf, 0, irp)
                    : provider_.WskReceiveFrom(b, &in_buf, 0, nullptr, nullptr,
                                               nullptr, nullptr, irp),
                want);
      EXPECT_EQ(irp->IoStatus.Status, want);
      EXPECT_EQ(irp->IoStatus.Information, attempt == 0 ? 4u : 0u);
      EXPECT_EQ(probe.completions, bare ? 0 : 1);
    }
    EXPECT_EQ(std::string(in, 4), "fast");
  }
  Close(a);
  Close(b);
}

TEST_F(PosixFastPathTest, MultiThreadedProcessGetsTheSameResults) {
  std::atomic<bool> stop{false};
  std::thread other([&] {
    for (int i = 0; i < 5000 && !stop.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ASSERT_FALSE(__libc_single_threaded);
  SOCKADDR_IN a_addr{}, b_addr{};
  PWSK_SOCKET a = MakeBoundUdp(0, &a_addr);
  PWSK_SOCKET b = MakeBoundUdp(0, &b_addr);
  char out[] = "threads";
  MDL out_mdl{nullptr, out, 7, 0};
  WSK_BUF out_buf{&out_mdl, 0, 7};
  IrpProbe sent;
  EXPECT_EQ(provider_.WskSendTo(a, &out_buf, 0,
                                reinterpret_cast<const SOCKADDR*>(&b_addr), 0,
                                nullptr, sent.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(sent.completions, 1);
  EXPECT_EQ(sent.irp.IoStatus.Information, 7u);
  char in[16] = {};
  MDL in_mdl{nullptr, in, sizeof(in), 0};
  WSK_BUF in_buf{&in_mdl, 0, sizeof(in)};
  SOCKADDR_IN6 from{};
  IrpProbe recv;
  EXPECT_EQ(provider_.WskReceiveFrom(b, &in_buf, 0,
                                     reinterpret_cast<PSOCKADDR>(&from),
                                     nullptr, nullptr, nullptr, recv.get()),
            STATUS_SUCCESS);
  EXPECT_EQ(recv.completions, 1);
  EXPECT_EQ(recv.irp.IoStatus.Information, 7u);
  EXPECT_EQ(std::string(in, 7), "threads");
  SOCKADDR_IN got;
  memcpy(&got, &from, sizeof(got));
  EXPECT_EQ(got.sin_family, WS_AF_INET);
  EXPECT_EQ(got.sin_port, a_addr.sin_port);
  Close(a);
  Close(b);
  stop = true;
  other.join();
}

}  // namespace
}  // namespace wsk
