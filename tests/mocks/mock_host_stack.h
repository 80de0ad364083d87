// Test doubles for the WSK model's host stack.
//
// MockHostStack: a gmock stand-in for every wsk::HostStack virtual.
// FakeReactor: a deterministic, single-threaded replacement for the host's
//   I/O thread. Attach() routes the mock's AsyncWait/CancelWaits/Post into it;
//   a test then fires recorded waits and runs posted work explicitly, so
//   pending IRPs and event callbacks complete exactly when the test says (no
//   threads, no sleeps).
// IrpProbe: an IRP prepared the way wine's driver_netio.c prepares one
//   (IoStatus set to a sentinel), with a completion routine that records how
//   often, with what, and on which thread it ran.
#ifndef LXWSK_TESTS_MOCKS_MOCK_HOST_STACK_H_
#define LXWSK_TESTS_MOCKS_MOCK_HOST_STACK_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <utility>

#include "gmock/gmock.h"
#include "wsk/host_stack.h"
#include "wsk/irp.h"
#include "wsk/ntstatus.h"
#include "wsk/ws_types.h"

namespace wsk::test {

class MockHostStack : public HostStack {
 public:
  MOCK_METHOD(HostResult, Socket,
              (ADDRESS_FAMILY family, USHORT type, ULONG protocol,
               ULONG lx_flags),
              (override));
  MOCK_METHOD(NTSTATUS, Bind, (HostHandle h, const SOCKADDR* address),
              (override));
  MOCK_METHOD(NTSTATUS, Listen, (HostHandle h, int backlog), (override));
  MOCK_METHOD(HostResult, Accept,
              (HostHandle h, PSOCKADDR remote, ULONG lx_flags), (override));
  MOCK_METHOD(NTSTATUS, Connect, (HostHandle h, const SOCKADDR* remote),
              (override));
  MOCK_METHOD(NTSTATUS, ConnectResult, (HostHandle h), (override));
  MOCK_METHOD(HostResult, Send,
              (HostHandle h, const WSK_BUF& buffer, ULONG flags,
               const SOCKADDR* remote, const CMSGHDR* control,
               ULONG control_length),
              (override));
  MOCK_METHOD(HostResult, Receive,
              (HostHandle h, const WSK_BUF& buffer, ULONG flags,
               PSOCKADDR remote, CMSGHDR* control, ULONG* control_length,
               ULONG* out_flags),
              (override));
  MOCK_METHOD(NTSTATUS, Disconnect, (HostHandle h, ULONG flags), (override));
  MOCK_METHOD(NTSTATUS, Close, (HostHandle h), (override));
  MOCK_METHOD(HostResult, GetLocalAddress, (HostHandle h, PSOCKADDR out),
              (override));
  MOCK_METHOD(HostResult, GetRemoteAddress, (HostHandle h, PSOCKADDR out),
              (override));
  MOCK_METHOD(HostResult, SetOption,
              (HostHandle h, ULONG level, ULONG name, const void* value,
               SIZE_T length),
              (override));
  MOCK_METHOD(HostResult, GetOption,
              (HostHandle h, ULONG level, ULONG name, void* value,
               SIZE_T length),
              (override));
  MOCK_METHOD(HostResult, Ioctl,
              (HostHandle h, ULONG code, const void* in, SIZE_T in_length,
               void* out, SIZE_T out_length),
              (override));
  MOCK_METHOD(void, AsyncWait,
              (HostHandle h, HostWait what, std::function<void(NTSTATUS)> done),
              (override));
  MOCK_METHOD(void, CancelWaits, (HostHandle h), (override));
  MOCK_METHOD(void, Post, (std::function<void()> fn), (override));
};

// Records AsyncWait callbacks and posted work instead of running an I/O
// thread. Not thread-safe: drive it from the test thread only.
class FakeReactor {
 public:
  struct Wait {
    HostHandle handle;
    HostWait what;
    std::function<void(NTSTATUS)> done;
  };

  // Default actions only (ON_CALL), so a test may still EXPECT_CALL these
  // methods to count them without losing the fake behaviour.
  void Attach(MockHostStack& host) {
    using ::testing::_;
    ON_CALL(host, AsyncWait(_, _, _))
        .WillByDefault([this](HostHandle h, HostWait what,
                              std::function<void(NTSTATUS)> done) {
          waits_.push_back(Wait{h, what, std::move(done)});
        });
    ON_CALL(host, CancelWaits(_)).WillByDefault([this](HostHandle h) {
      CancelWaits(h);
    });
    ON_CALL(host, Post(_)).WillByDefault([this](std::function<void()> fn) {
      posted_.push_back(std::move(fn));
    });
  }

  // As the real stack does: every wait on `h` completes with
  // STATUS_CANCELLED, on the I/O thread, in order with posted work.
  void CancelWaits(HostHandle h) {
    for (auto it = waits_.begin(); it != waits_.end();) {
      if (it->handle == h) {
        posted_.push_back(
            [done = std::move(it->done)] { done(STATUS_CANCELLED); });
        it = waits_.erase(it);
      } else {
        ++it;
      }
    }
  }

  size_t WaitCount() const { return waits_.size(); }
  size_t WaitCount(HostHandle h) const {
    size_t n = 0;
    for (const Wait& w : waits_) n += w.handle == h ? 1 : 0;
    return n;
  }
  // Kind of the oldest wait on `h`; only meaningful when WaitCount(h) > 0.
  HostWait OldestWaitKind(HostHandle h) const {
    for (const Wait& w : waits_) {
      if (w.handle == h) return w.what;
    }
    return HostWait::kReadable;
  }

  // Fires the oldest wait on `h` with `status` (the host saying "ready", or
  // a wait failure). The wait is removed first, since the callback may arm
  // a new one. Returns false when no wait on `h` was recorded.
  bool Fire(HostHandle h, NTSTATUS status = STATUS_SUCCESS) {
    for (auto it = waits_.begin(); it != waits_.end(); ++it) {
      if (it->handle == h) {
        auto done = std::move(it->done);
        waits_.erase(it);
        done(status);
        return true;
      }
    }
    return false;
  }

  size_t PostedCount() const { return posted_.size(); }

  // Runs posted work (including cancelled waits) in FIFO order until the
  // queue is empty; work posted meanwhile runs too. Bounded by `max_steps`.
  // Returns the number of functions run.
  size_t RunPosted(size_t max_steps = 1000) {
    size_t n = 0;
    while (!posted_.empty() && n < max_steps) {
      auto fn = std::move(posted_.front());
      posted_.pop_front();
      fn();
      ++n;
    }
    return n;
  }

 private:
  std::deque<Wait> waits_;
  std::deque<std::function<void()>> posted_;
};

inline constexpr NTSTATUS kSentinelStatus = MakeStatus(0xdeadbeef);
inline constexpr uintptr_t kSentinelInformation = 0xdeadbeef;

// An IRP as a WSK client sets one up: reused, IoStatus set to a sentinel
// (so a status can only come from the provider), and a completion routine
// that records every completion and returns STATUS_MORE_PROCESSING_REQUIRED
// as a client that owns its IRP must.
struct IrpProbe {
  IRP irp;
  int completions = 0;
  NTSTATUS completed_status = kSentinelStatus;
  uintptr_t completed_information = kSentinelInformation;
  std::thread::id completed_on;

  explicit IrpProbe(int requestor_handle = kNoRequestorHandle) {
    Reset(requestor_handle);
  }
  IrpProbe(const IrpProbe&) = delete;
  IrpProbe& operator=(const IrpProbe&) = delete;

  void Reset(int requestor_handle = kNoRequestorHandle) {
    IoReuseIrp(&irp, requestor_handle);
    irp.IoStatus.Status = kSentinelStatus;
    irp.IoStatus.Information = kSentinelInformation;
    IoSetCompletionRoutine(&irp, &IrpProbe::OnComplete, this);
    completions = 0;
    completed_status = kSentinelStatus;
    completed_information = kSentinelInformation;
    completed_on = std::thread::id();
  }

  PIRP get() { return &irp; }

 private:
  static NTSTATUS OnComplete(void* /*device_object*/, PIRP irp, void* context) {
    auto* self = static_cast<IrpProbe*>(context);
    ++self->completions;
    self->completed_status = irp->IoStatus.Status;
    self->completed_information = irp->IoStatus.Information;
    self->completed_on = std::this_thread::get_id();
    return STATUS_MORE_PROCESSING_REQUIRED;
  }
};

}  // namespace wsk::test

#endif  // LXWSK_TESTS_MOCKS_MOCK_HOST_STACK_H_
