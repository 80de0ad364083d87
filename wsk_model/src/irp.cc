#include "wsk/irp.h"

namespace wsk {

PIRP IoAllocateIrp() {
  PIRP irp = new IRP{};
  IoReuseIrp(irp);
  return irp;
}

void IoFreeIrp(PIRP irp) { delete irp; }

bool IoCancelIrp(PIRP irp) {
  irp->Cancel.store(true, std::memory_order_release);
  // Whoever swaps the routine out owns the IRP: the provider when it
  // completes, or the cancel routine here.
  PDRIVER_CANCEL routine = IoSetCancelRoutine(irp, nullptr);
  if (routine == nullptr) return false;
  routine(nullptr, irp);
  return true;
}

}  // namespace wsk
