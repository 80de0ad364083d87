#include "wsk/ntstatus.h"

namespace wsk {

const char* NtStatusName(NTSTATUS status) {
  switch (static_cast<uint32_t>(status)) {
#define LXWSK_STATUS_CASE(name, value) \
  case value:                          \
    return #name;
    LXWSK_NTSTATUS_LIST(LXWSK_STATUS_CASE)
#undef LXWSK_STATUS_CASE
  }
  return nullptr;
}

}  // namespace wsk
