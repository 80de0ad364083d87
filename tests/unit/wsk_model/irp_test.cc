// IRP helpers (irp.h): allocation, reuse, completion and cancellation as
// the Windows I/O manager defines them (MS Learn "Using IRPs with Winsock
// Kernel Functions"; shared/reference/wsk-api.md section 6).
#include "wsk/irp.h"

#include <cstring>

#include "gtest/gtest.h"
#include "mock_host_stack.h"
#include "wsk/ntstatus.h"

namespace wsk {
namespace {

using test::IrpProbe;
using test::kSentinelInformation;
using test::kSentinelStatus;

int g_cancel_calls = 0;
PIRP g_cancelled_irp = nullptr;

void CountingCancel(void* /*device_object*/, PIRP irp) {
  ++g_cancel_calls;
  g_cancelled_irp = irp;
}

class IrpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_cancel_calls = 0;
    g_cancelled_irp = nullptr;
  }
};

// IoAllocateIrp hands out an IRP ready for a request: not pending, not
// cancelled, no routines, no requestor handle.
TEST_F(IrpTest, AllocatedIrpStartsReset) {
  PIRP irp = IoAllocateIrp();
  ASSERT_NE(irp, nullptr);
  EXPECT_FALSE(irp->PendingReturned);
  EXPECT_FALSE(irp->Cancel.load());
  EXPECT_EQ(irp->CancelRoutine.load(), nullptr);
  EXPECT_EQ(irp->CompletionRoutine, nullptr);
  EXPECT_EQ(irp->DriverContext, nullptr);
  EXPECT_EQ(irp->RequestorHandle, kNoRequestorHandle);
  EXPECT_EQ(irp->IoStatus.Information, 0u);
  IoFreeIrp(irp);
}

// IoReuseIrp clears what the previous request left (cancel flag, pending
// flag, routines) so the IRP can carry another request.
TEST_F(IrpTest, ReuseClearsPreviousRequestState) {
  IRP irp;
  IoReuseIrp(&irp);
  irp.PendingReturned = true;
  irp.Cancel.store(true);
  IoSetCancelRoutine(&irp, &CountingCancel);
  irp.IoStatus.Information = 99;
  IoReuseIrp(&irp, 7);
  EXPECT_FALSE(irp.PendingReturned);
  EXPECT_FALSE(irp.Cancel.load());
  EXPECT_EQ(irp.CancelRoutine.load(), nullptr);
  EXPECT_EQ(irp.IoStatus.Information, 0u);
  EXPECT_EQ(irp.RequestorHandle, 7);
}

// IoCancelIrp on an IRP without a cancel routine only sets Irp->Cancel and
// returns FALSE; nothing completes the IRP (MS Learn "IoCancelIrp").
TEST_F(IrpTest, CancelWithoutCancelRoutineReturnsFalse) {
  IrpProbe probe;
  EXPECT_FALSE(IoCancelIrp(probe.get()));
  EXPECT_TRUE(probe.irp.Cancel.load());
  EXPECT_EQ(probe.completions, 0);
  EXPECT_EQ(probe.irp.IoStatus.Status, kSentinelStatus);
  EXPECT_EQ(probe.irp.IoStatus.Information, kSentinelInformation);
}

// IoCancelIrp calls the installed cancel routine exactly once and returns
// TRUE; the routine is cleared first, so a second cancel finds none.
TEST_F(IrpTest, CancelCallsCancelRoutineOnce) {
  IrpProbe probe;
  EXPECT_EQ(IoSetCancelRoutine(probe.get(), &CountingCancel), nullptr);
  EXPECT_TRUE(IoCancelIrp(probe.get()));
  EXPECT_EQ(g_cancel_calls, 1);
  EXPECT_EQ(g_cancelled_irp, probe.get());
  EXPECT_EQ(probe.irp.CancelRoutine.load(), nullptr);
  EXPECT_FALSE(IoCancelIrp(probe.get()));
  EXPECT_EQ(g_cancel_calls, 1);
}

// IoSetCancelRoutine returns the previous routine: the provider clears it
// before completing, and whoever swaps it out owns completion.
TEST_F(IrpTest, SetCancelRoutineReturnsPrevious) {
  IrpProbe probe;
  EXPECT_EQ(IoSetCancelRoutine(probe.get(), &CountingCancel), nullptr);
  EXPECT_EQ(IoSetCancelRoutine(probe.get(), nullptr), &CountingCancel);
  EXPECT_FALSE(IoCancelIrp(probe.get()));
  EXPECT_EQ(g_cancel_calls, 0);
}

int g_routine_calls = 0;
void* g_routine_context = nullptr;
PIRP g_routine_irp = nullptr;
NTSTATUS g_routine_saw_status = 0;
uintptr_t g_routine_saw_information = 0;

NTSTATUS RecordingCompletion(void* /*device_object*/, PIRP irp, void* context) {
  ++g_routine_calls;
  g_routine_context = context;
  g_routine_irp = irp;
  g_routine_saw_status = irp->IoStatus.Status;
  g_routine_saw_information = irp->IoStatus.Information;
  return STATUS_MORE_PROCESSING_REQUIRED;
}

// IoCompleteRequest stores the final IoStatus and then runs the completion
// routine with the context given to IoSetCompletionRoutine; the routine
// already sees the final status.
TEST_F(IrpTest, CompleteRunsCompletionRoutineWithContext) {
  g_routine_calls = 0;
  IRP irp;
  IoReuseIrp(&irp);
  int context_object = 0;
  IoSetCompletionRoutine(&irp, &RecordingCompletion, &context_object);
  IoCompleteRequest(&irp, STATUS_CONNECTION_RESET, 1234);
  EXPECT_EQ(g_routine_calls, 1);
  EXPECT_EQ(g_routine_context, &context_object);
  EXPECT_EQ(g_routine_irp, &irp);
  EXPECT_EQ(g_routine_saw_status, STATUS_CONNECTION_RESET);
  EXPECT_EQ(g_routine_saw_information, 1234u);
  EXPECT_EQ(irp.IoStatus.Status, STATUS_CONNECTION_RESET);
  EXPECT_EQ(irp.IoStatus.Information, 1234u);
}

// Completion without a routine (a passed-down IRP may have none) still
// records the status.
TEST_F(IrpTest, CompleteWithoutRoutineRecordsStatus) {
  IRP irp;
  IoReuseIrp(&irp);
  IoCompleteRequest(&irp, STATUS_SUCCESS, 5);
  EXPECT_EQ(irp.IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(irp.IoStatus.Information, 5u);
}

// MmInitializeSingleMdl: one MDL, no chain, ByteOffset 0, whatever the
// MDL held before (its two 32-bit counts are written by one store).
TEST_F(IrpTest, SingleMdlDescribesExactlyTheBuffer) {
  char data[100];
  MDL mdl;
  memset(&mdl, 0xAB, sizeof(mdl));
  MmInitializeSingleMdl(&mdl, data, sizeof(data));
  EXPECT_EQ(mdl.Next, nullptr);
  EXPECT_EQ(mdl.StartVa, data);
  EXPECT_EQ(mdl.ByteCount, sizeof(data));
  EXPECT_EQ(mdl.ByteOffset, 0u);
  EXPECT_EQ(MmGetMdlVirtualAddress(&mdl), data);
  MmInitializeSingleMdl(&mdl, data, 0x7FFFF000);
  EXPECT_EQ(mdl.ByteCount, 0x7FFFF000u);
  EXPECT_EQ(mdl.ByteOffset, 0u);
}

// IoReuseIrp sets Status and the requestor handle and clears every other
// field but the provider's DriverContext, whatever the IRP held (the data
// path builds IRPs on the stack).
TEST_F(IrpTest, ReuseOfGarbageIsAResetIrp) {
  alignas(IRP) unsigned char raw[sizeof(IRP)];
  memset(raw, 0xCD, sizeof(raw));
  auto* irp = reinterpret_cast<PIRP>(raw);
  IoReuseIrp(irp, 42);
  EXPECT_EQ(irp->IoStatus.Status, STATUS_PENDING);
  EXPECT_EQ(irp->IoStatus.Information, 0u);
  EXPECT_FALSE(irp->PendingReturned);
  EXPECT_FALSE(irp->Cancel.load());
  EXPECT_EQ(irp->CancelRoutine.load(), nullptr);
  EXPECT_EQ(irp->CompletionRoutine, nullptr);
  EXPECT_EQ(irp->CompletionContext, nullptr);
  EXPECT_EQ(irp->RequestorHandle, 42);
  // Windows' second parameter: the status the IRP starts with.
  IoReuseIrp(irp, 43, STATUS_SUCCESS);
  EXPECT_EQ(irp->IoStatus.Status, STATUS_SUCCESS);
  EXPECT_EQ(irp->RequestorHandle, 43);
  IoReuseIrp(irp, 44, STATUS_INVALID_PARAMETER);
  EXPECT_EQ(irp->IoStatus.Status, STATUS_INVALID_PARAMETER);
}

}  // namespace
}  // namespace wsk
