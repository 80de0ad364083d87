// NTSTATUS values used by the WSK model, in Windows representation.
//
// Values: mingw-w64 include/ntstatus.h (same as wine). See
// shared/reference/ntstatus-errno.md. Usable in any context (constants only).
#ifndef LXWSK_WSK_NTSTATUS_H_
#define LXWSK_WSK_NTSTATUS_H_

#include <cstdint>

namespace wsk {

using NTSTATUS = int32_t;

constexpr NTSTATUS MakeStatus(uint32_t v) { return static_cast<NTSTATUS>(v); }

// Severity is the top two bits: 00 success, 01 informational, 10 warning,
// 11 error. NT_SUCCESS covers the first two.
constexpr bool NT_SUCCESS(NTSTATUS s) { return s >= 0; }
constexpr bool NT_ERROR(NTSTATUS s) {
  return (static_cast<uint32_t>(s) >> 30) == 3;
}

// Every status the model knows: X(name, value). Constants and the name
// lookup both come from this list.
#define LXWSK_NTSTATUS_LIST(X)                     \
  X(STATUS_SUCCESS, 0x00000000)                    \
  X(STATUS_USER_APC, 0x000000C0)                   \
  X(STATUS_ALERTED, 0x00000101)                    \
  X(STATUS_TIMEOUT, 0x00000102)                    \
  X(STATUS_PENDING, 0x00000103)                    \
  X(STATUS_EVENT_PENDING, 0x40000013)              \
  X(STATUS_BUFFER_OVERFLOW, 0x80000005)            \
  X(STATUS_DEVICE_BUSY, 0x80000011)                \
  X(STATUS_UNSUCCESSFUL, 0xC0000001)               \
  X(STATUS_NOT_IMPLEMENTED, 0xC0000002)            \
  X(STATUS_ACCESS_VIOLATION, 0xC0000005)           \
  X(STATUS_INVALID_HANDLE, 0xC0000008)             \
  X(STATUS_INVALID_PARAMETER, 0xC000000D)          \
  X(STATUS_NO_SUCH_DEVICE, 0xC000000E)             \
  X(STATUS_INVALID_DEVICE_REQUEST, 0xC0000010)     \
  X(STATUS_MORE_PROCESSING_REQUIRED, 0xC0000016)   \
  X(STATUS_NO_MEMORY, 0xC0000017)                  \
  X(STATUS_CONFLICTING_ADDRESSES, 0xC0000018)      \
  X(STATUS_ACCESS_DENIED, 0xC0000022)              \
  X(STATUS_BUFFER_TOO_SMALL, 0xC0000023)           \
  X(STATUS_OBJECT_TYPE_MISMATCH, 0xC0000024)       \
  X(STATUS_SHARING_VIOLATION, 0xC0000043)          \
  X(STATUS_INSUFFICIENT_RESOURCES, 0xC000009A)     \
  X(STATUS_DEVICE_NOT_READY, 0xC00000A3)           \
  X(STATUS_PIPE_DISCONNECTED, 0xC00000B0)          \
  X(STATUS_IO_TIMEOUT, 0xC00000B5)                 \
  X(STATUS_FILE_FORCED_CLOSED, 0xC00000B6)         \
  X(STATUS_NOT_SUPPORTED, 0xC00000BB)              \
  X(STATUS_REMOTE_NOT_LISTENING, 0xC00000BC)       \
  X(STATUS_BAD_NETWORK_PATH, 0xC00000BE)           \
  X(STATUS_NETWORK_BUSY, 0xC00000BF)               \
  X(STATUS_UNEXPECTED_NETWORK_ERROR, 0xC00000C4)   \
  X(STATUS_REQUEST_NOT_ACCEPTED, 0xC00000D0)       \
  X(STATUS_CANT_WAIT, 0xC00000D8)                  \
  X(STATUS_INTERNAL_ERROR, 0xC00000E5)             \
  X(STATUS_INVALID_PARAMETER_2, 0xC00000F0)        \
  X(STATUS_INVALID_PARAMETER_3, 0xC00000F1)        \
  X(STATUS_INVALID_PARAMETER_4, 0xC00000F2)        \
  X(STATUS_TOO_MANY_OPENED_FILES, 0xC000011F)      \
  X(STATUS_CANCELLED, 0xC0000120)                  \
  X(STATUS_LOCAL_DISCONNECT, 0xC000013B)           \
  X(STATUS_REMOTE_DISCONNECT, 0xC000013C)          \
  X(STATUS_REMOTE_RESOURCES, 0xC000013D)           \
  X(STATUS_LINK_FAILED, 0xC000013E)                \
  X(STATUS_LINK_TIMEOUT, 0xC000013F)               \
  X(STATUS_INVALID_CONNECTION, 0xC0000140)         \
  X(STATUS_INVALID_ADDRESS, 0xC0000141)            \
  X(STATUS_INVALID_DEVICE_STATE, 0xC0000184)       \
  X(STATUS_INVALID_BUFFER_SIZE, 0xC0000206)        \
  X(STATUS_INVALID_ADDRESS_COMPONENT, 0xC0000207)  \
  X(STATUS_TOO_MANY_ADDRESSES, 0xC0000209)         \
  X(STATUS_ADDRESS_ALREADY_EXISTS, 0xC000020A)     \
  X(STATUS_CONNECTION_DISCONNECTED, 0xC000020C)    \
  X(STATUS_CONNECTION_RESET, 0xC000020D)           \
  X(STATUS_TRANSACTION_ABORTED, 0xC000020F)        \
  X(STATUS_DATA_NOT_ACCEPTED, 0xC000021B)          \
  X(STATUS_NOT_FOUND, 0xC0000225)                  \
  X(STATUS_CONNECTION_REFUSED, 0xC0000236)         \
  X(STATUS_GRACEFUL_DISCONNECT, 0xC0000237)        \
  X(STATUS_ADDRESS_ALREADY_ASSOCIATED, 0xC0000238) \
  X(STATUS_ADDRESS_NOT_ASSOCIATED, 0xC0000239)     \
  X(STATUS_CONNECTION_INVALID, 0xC000023A)         \
  X(STATUS_CONNECTION_ACTIVE, 0xC000023B)          \
  X(STATUS_NETWORK_UNREACHABLE, 0xC000023C)        \
  X(STATUS_HOST_UNREACHABLE, 0xC000023D)           \
  X(STATUS_PROTOCOL_UNREACHABLE, 0xC000023E)       \
  X(STATUS_PORT_UNREACHABLE, 0xC000023F)           \
  X(STATUS_REQUEST_ABORTED, 0xC0000240)            \
  X(STATUS_CONNECTION_ABORTED, 0xC0000241)         \
  X(STATUS_NOINTERFACE, 0xC00002B9)                \
  X(STATUS_HOST_DOWN, 0xC0000350)

#define LXWSK_DEFINE_STATUS(name, value) \
  inline constexpr NTSTATUS name = MakeStatus(value);
LXWSK_NTSTATUS_LIST(LXWSK_DEFINE_STATUS)
#undef LXWSK_DEFINE_STATUS

// lxwsk's own codes live in the customer range (bit 29 set), as the NTSTATUS
// format reserves it for non-Microsoft codes: a host errno that has no
// Windows status is carried losslessly as 0xE00F0000 | errno.
inline constexpr uint32_t kLxHostErrnoStatusBase = 0xE00F0000u;
constexpr NTSTATUS StatusFromUnmappedHostErrno(int err) {
  return MakeStatus(kLxHostErrnoStatusBase | static_cast<uint32_t>(err));
}
constexpr bool IsUnmappedHostErrnoStatus(NTSTATUS s) {
  return (static_cast<uint32_t>(s) & 0xFFFF0000u) == kLxHostErrnoStatusBase;
}

// Name of a known status ("STATUS_CONNECTION_REFUSED"), or nullptr.
const char* NtStatusName(NTSTATUS status);

}  // namespace wsk

#endif  // LXWSK_WSK_NTSTATUS_H_
