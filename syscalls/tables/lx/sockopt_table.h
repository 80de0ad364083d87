// Socket options: Linux (level, name) <-> Windows (level, name) and how each
// value's layout converts. One table read in both directions: the syscalls
// layer goes Linux -> Windows (setsockopt/getsockopt), the host adapter
// Windows -> host. Options with no Windows equivalent are tunnelled to the
// host under wsk::WskLxLevel(level) with their Linux name and bytes.
// Sources: shared/reference/constants-linux-windows.md, socket(7), ip(7),
// ipv6(7), tcp(7); MS Learn "SOL_SOCKET socket options" and siblings.
#ifndef LXWSK_TABLES_SOCKOPT_TABLE_H_
#define LXWSK_TABLES_SOCKOPT_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace lx {

enum class OptKind : uint8_t {
  kSame,      // identical layout (int <-> DWORD, in_addr, ip_mreq, ...)
  kTimeval,   // Linux struct timeval <-> Windows DWORD milliseconds
  kLinger,    // Linux {int,int} (8 bytes) <-> Windows {u_short,u_short}
  kErrno,     // Linux errno <-> Winsock error code (SO_ERROR)
  kPmtuDisc,  // IP_PMTUDISC_* values: DO and DONT swap, WANT is NOT_SET
  kLinuxOnly  // no Windows equivalent: tunnelled as Linux bytes
};

struct SockoptRow {
  int linux_level;
  int linux_name;
  uint32_t ws_level;  // wsk::WskLxLevel(linux_level) for kLinuxOnly
  uint32_t ws_name;
  OptKind kind;
  const char* name;
  const char* note;
};

std::span<const SockoptRow> SockoptRows();
const char* OptKindName(OptKind kind);
const char* LinuxLevelName(int level);

// Row for a Linux option; options not in the table get a synthetic
// kLinuxOnly row (so the host answers them, ENOPROTOOPT included).
SockoptRow FindLinuxSockopt(int level, int name);
// Row for a Windows option as it reaches the host adapter, or nullptr.
const SockoptRow* FindWsSockopt(uint32_t ws_level, uint32_t ws_name);

// Size in bytes of the Windows form of a converted kind (kSame/kLinuxOnly: 0,
// meaning "the caller's length").
size_t WsValueSize(OptKind kind);
// Size of the full Linux value of a converted kind.
size_t LinuxValueSize(OptKind kind);

// Linux -> Windows for setsockopt. Returns the Windows length, or -errno
// with Linux's checks (EINVAL for short values, EDOM for a bad timeval).
// -ERANGE: the value has no Windows form (a timeout of "do not wait" or of
// 2^32 - 1 ms or more; a linger time outside 0..65534); the saturated
// Windows value (kWsTimeoutSaturated, kWsLingerSaturated) is written. The
// syscalls layer then tunnels the Linux value under WskLxLevel(level); the
// host adapter reports the saturated value for a host value that does not
// fit, and a reader seeing it asks again through the tunnel.
int LinuxToWsValue(OptKind kind, const void* in, size_t in_len, void* out,
                   size_t out_cap);
inline constexpr uint32_t kWsTimeoutSaturated = 0xFFFFFFFFu;
inline constexpr uint16_t kWsLingerSaturated = 0xFFFFu;
// True when a Windows value is the saturated one of its kind.
bool WsValueSaturated(OptKind kind, const void* ws, size_t len);
// The level that Linux levels outside 0..0xFFFF travel as (see
// FindLinuxSockopt): no Linux protocol knows it.
inline constexpr int kLxUnknownLevel = 0xFFFF;
// Windows -> Linux (host adapter setsockopt; syscalls getsockopt). Returns
// the Linux length. Never fails for a value of WsValueSize(kind) bytes.
int WsToLinuxValue(OptKind kind, const void* in, size_t in_len, void* out,
                   size_t out_cap);

}  // namespace lx

#endif  // LXWSK_TABLES_SOCKOPT_TABLE_H_
