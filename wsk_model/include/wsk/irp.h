// I/O request packets, memory descriptors and WSK_BUF, modelled on the
// Windows kernel's (MS Learn "Using IRPs with Winsock Kernel Functions").
//
// An IRP may live on the caller's stack (the preload path completes every
// request before returning) or on the heap (in-process clients whose requests
// pend and complete on the provider's Boost.Asio thread). Completion and
// cancellation follow the Windows rules: the IRP is always completed exactly
// once; a cancel routine and completion race through one atomic exchange.
// Nothing here allocates, except IoAllocateIrp.
#ifndef LXWSK_WSK_IRP_H_
#define LXWSK_WSK_IRP_H_

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "wsk/ntstatus.h"
#include "wsk/ws_types.h"

namespace wsk {

struct IRP;
using PIRP = IRP*;

struct IO_STATUS_BLOCK {
  NTSTATUS Status;
  // Byte count, or a PWSK_SOCKET for WskSocket/WskAccept/WskSocketConnect.
  uintptr_t Information;
};

// Completion routine: returns STATUS_MORE_PROCESSING_REQUIRED when the
// caller keeps ownership of the IRP (always, for IRPs it allocated).
using PIO_COMPLETION_ROUTINE = NTSTATUS (*)(void* device_object, PIRP irp,
                                            void* context);
using PDRIVER_CANCEL = void (*)(void* device_object, PIRP irp);

inline constexpr int kNoRequestorHandle = -1;
// WskCloseSocket only: the caller already disposed of the host handle (the
// program's dup2 replaced it), so the provider frees the socket alone.
inline constexpr int kHandleAlreadyClosed = -2;

struct IRP {
  IO_STATUS_BLOCK IoStatus;
  bool PendingReturned;
  std::atomic<bool> Cancel;
  std::atomic<PDRIVER_CANCEL> CancelRoutine;
  PIO_COMPLETION_ROUTINE CompletionRoutine;
  void* CompletionContext;
  // Provider-private slot while the IRP is pending (like DriverContext): the
  // provider sets it before any use, so IoReuseIrp leaves it alone.
  void* DriverContext;
  // lxwsk: the host handle the request came in through, the analogue of an
  // IRP's Tail.Overlay.OriginalFileObject. The preload path sets it to the
  // program's fd so that a request uses exactly the descriptor the program
  // named, even when several fds (dup) share one socket.
  int RequestorHandle;
};

// Prepares an IRP for (re)use: IoReuseIrp(Irp, Iostatus) with a requestor
// handle, the status last (Windows' second parameter; STATUS_PENDING unless
// given). Every field from the status up to DriverContext starts as zero
// bytes (false, nullptr, 0: lock-free atomics of those values are
// all-zero), so one 48-byte block clear does them all, three vector stores
// on the data path; a status of STATUS_SUCCESS (0) is part of that clear.
inline void IoReuseIrp(PIRP irp, int requestor_handle = kNoRequestorHandle,
                       NTSTATUS status = STATUS_PENDING) {
  static_assert(std::is_standard_layout_v<IRP>);
  static_assert(std::atomic<bool>::is_always_lock_free &&
                std::atomic<PDRIVER_CANCEL>::is_always_lock_free);
  static_assert(offsetof(IRP, IoStatus) == 0 &&
                offsetof(IRP, DriverContext) == 48);
  memset(static_cast<void*>(irp), 0, offsetof(IRP, DriverContext));
  // A constant STATUS_SUCCESS leaves the clear as the only store (GCC
  // would otherwise split the clear around the status).
  if (status != STATUS_SUCCESS) irp->IoStatus.Status = status;
  irp->RequestorHandle = requestor_handle;
}

PIRP IoAllocateIrp();
void IoFreeIrp(PIRP irp);

// The three Invoke flags of the Windows call are implied TRUE (WSK requires
// it for client-allocated IRPs).
inline void IoSetCompletionRoutine(PIRP irp, PIO_COMPLETION_ROUTINE routine,
                                   void* context) {
  irp->CompletionRoutine = routine;
  irp->CompletionContext = context;
}

// Provider side: installs (or with nullptr clears) the cancel routine and
// returns the previous one.
inline PDRIVER_CANCEL IoSetCancelRoutine(PIRP irp, PDRIVER_CANCEL routine) {
  return irp->CancelRoutine.exchange(routine, std::memory_order_acq_rel);
}

// Requests cancellation; returns true when a cancel routine was called.
bool IoCancelIrp(PIRP irp);

// Provider side: records the final status and runs the completion routine.
// Inline: it is on every request's path.
inline void IoCompleteRequest(PIRP irp, NTSTATUS status,
                              uintptr_t information) {
  irp->IoStatus.Status = status;
  irp->IoStatus.Information = information;
  if (irp->CompletionRoutine != nullptr) [[unlikely]] {
    irp->CompletionRoutine(nullptr, irp, irp->CompletionContext);
  }
}

// Memory descriptor list analogue: one virtually contiguous, locked range.
// A user-mode model has no pages to lock; the chain of (address, count)
// ranges is what a WSK provider reads through MmGetSystemAddressForMdlSafe.
// ByteCount before ByteOffset, as in the Windows MDL (one 8-byte store
// writes both for an MDL that starts at its StartVa).
struct MDL {
  MDL* Next;
  void* StartVa;
  ULONG ByteCount;
  ULONG ByteOffset;
};
using PMDL = MDL*;

// Describes `count` bytes at `va` (ByteOffset 0) in one MDL, no chain.
// `count` must fit a ULONG. ByteCount and the zero ByteOffset are written
// by one 8-byte store (little-endian: ByteCount is the low half).
inline void MmInitializeSingleMdl(MDL* mdl, void* va, uint64_t count) {
  static_assert(offsetof(MDL, ByteOffset) == offsetof(MDL, ByteCount) + 4);
  mdl->Next = nullptr;
  mdl->StartVa = va;
  if constexpr (std::endian::native == std::endian::little) {
    memcpy(reinterpret_cast<char*>(mdl) + offsetof(MDL, ByteCount), &count,
           sizeof(count));
  } else {
    mdl->ByteCount = static_cast<ULONG>(count);
    mdl->ByteOffset = 0;
  }
}

inline void* MmGetMdlVirtualAddress(const MDL* mdl) {
  return static_cast<char*>(mdl->StartVa) + mdl->ByteOffset;
}

// WSK_BUF: data begins Offset bytes into the first MDL and runs Length
// bytes across the chain.
struct WSK_BUF {
  PMDL Mdl;
  ULONG Offset;
  SIZE_T Length;
};
using PWSK_BUF = WSK_BUF*;

struct WSK_BUF_LIST {
  WSK_BUF_LIST* Next;
  WSK_BUF Buffer;
};

struct WSK_DATA_INDICATION {
  WSK_DATA_INDICATION* Next;
  WSK_BUF Buffer;
};

// WSACMSGHDR (ws2def.h): {SIZE_T cmsg_len; INT cmsg_level; INT cmsg_type},
// the data after it. Control messages are aligned with WSA_CMSGHDR_ALIGN
// (TYPE_ALIGNMENT(WSACMSGHDR)) and their data with WSA_CMSGDATA_ALIGN
// (MAX_NATURAL_ALIGNMENT): 8 and 8 on 64-bit Windows (ws2def.h, mingw-w64
// and win32metadata; shared/reference/constants-linux-windows.md "cmsghdr /
// WSACMSGHDR"). Levels and types are Windows values (WS_IPPROTO_IP +
// WS_IP_PKTINFO, ...).
struct CMSGHDR {
  SIZE_T cmsg_len;
  int cmsg_level;
  int cmsg_type;
};
inline constexpr SIZE_T kWsaCmsgAlign = 8;
constexpr SIZE_T WSA_CMSGHDR_ALIGN(SIZE_T length) {
  return (length + kWsaCmsgAlign - 1) & ~(kWsaCmsgAlign - 1);
}
constexpr SIZE_T WSA_CMSGDATA_ALIGN(SIZE_T length) {
  return (length + kWsaCmsgAlign - 1) & ~(kWsaCmsgAlign - 1);
}
constexpr SIZE_T WSA_CMSG_LEN(SIZE_T length) {
  return WSA_CMSGDATA_ALIGN(sizeof(CMSGHDR)) + length;
}
constexpr SIZE_T WSA_CMSG_SPACE(SIZE_T length) {
  return WSA_CMSGDATA_ALIGN(sizeof(CMSGHDR) + WSA_CMSGHDR_ALIGN(length));
}
inline unsigned char* WSA_CMSG_DATA(CMSGHDR* c) {
  return reinterpret_cast<unsigned char*>(c) +
         WSA_CMSGDATA_ALIGN(sizeof(CMSGHDR));
}
static_assert(sizeof(CMSGHDR) == 16);

struct WSK_DATAGRAM_INDICATION {
  WSK_DATAGRAM_INDICATION* Next;
  WSK_BUF Buffer;
  CMSGHDR* ControlInfo;
  ULONG ControlInfoLength;
  PSOCKADDR RemoteAddress;
};

}  // namespace wsk

#endif  // LXWSK_WSK_IRP_H_
