// Linux <-> Windows tables for socket(): address families, socket types and
// type flags, protocols; and MSG_* flags. Values from
// shared/reference/constants-linux-windows.md. Data only: docs
// (lxwsk tables) and tests are generated from these rows.
#ifndef LXWSK_TABLES_SOCKET_TABLES_H_
#define LXWSK_TABLES_SOCKET_TABLES_H_

#include <sys/socket.h>

#include <cstdint>
#include <span>

#include "wsk/wsk.h"

namespace lx {

struct ValueRow {
  int linux_value;
  uint32_t windows_value;
  const char* name;
  const char* note;
};

// Families that go through WSK. Everything else passes through to the host.
std::span<const ValueRow> FamilyRows();
std::span<const ValueRow> SocketTypeRows();
// SOCK_NONBLOCK / SOCK_CLOEXEC -> WSK_FLAG_LX_* extension flags.
std::span<const ValueRow> SocketTypeFlagRows();
std::span<const ValueRow> ProtocolRows();

// Windows family for a Linux one (AF_UNSPEC included), or 0xFFFF when WSK
// has no such family.
uint16_t WsFamily(int linux_family);
int LinuxFamily(uint16_t ws_family);
// The same for the data path: the two WSK families without the table walk
// (socket_tables.cc checks these against the rows at compile time).
inline uint16_t WsFamilyFast(int linux_family) {
  if (linux_family == AF_INET) return wsk::WS_AF_INET;
  if (linux_family == AF_INET6) return wsk::WS_AF_INET6;
  return WsFamily(linux_family);
}
[[gnu::always_inline]] inline int LinuxFamilyFast(uint16_t ws_family) {
  if (ws_family == wsk::WS_AF_INET) return AF_INET;
  if (ws_family == wsk::WS_AF_INET6) return AF_INET6;
  return LinuxFamily(ws_family);
}

// MSG_* flags. Each Linux flag maps to a WSK flag (documented bit) or an
// lxwsk extension bit, separately for the send and the receive side; a 0
// means the syscalls layer handles the flag itself (MSG_NOSIGNAL).
struct MsgFlagRow {
  int linux_flag;
  uint32_t wsk_send;
  uint32_t wsk_receive;
  const char* name;
  const char* note;
};
std::span<const MsgFlagRow> MsgFlagRows();

// Receive-side result flags (msg_flags): Windows WS_MSG_* -> Linux.
std::span<const ValueRow> MsgResultFlagRows();

// Byte-wise lookup tables built from MsgFlagRows (4 loads, no branches);
// the inline wrappers skip them for the common "no flags".
uint32_t WskSendFlagsSlow(int linux_flags);
uint32_t WskReceiveFlagsSlow(int linux_flags);
int LinuxSendFlagsSlow(uint32_t wsk_flags);
int LinuxReceiveFlagsSlow(uint32_t wsk_flags);
// The Linux flags that have a WSK form on the send / the receive side
// (socket_tables.cc checks them against the rows at compile time). The
// data path tests these bits, not the whole word, so flags that translate
// to nothing (MSG_NOSIGNAL, which sockperf and many servers pass on every
// call) cost no table lookup.
// The kernel's MSG_PROBE ("do not send, only probe the path"); glibc
// names the bit MSG_PROXY.
inline constexpr int kMsgProbe = 0x10;
inline constexpr int kWskSendFlagBits = MSG_OOB | MSG_DONTROUTE | MSG_DONTWAIT |
                                        MSG_EOR | MSG_CONFIRM | MSG_MORE |
                                        MSG_FASTOPEN | MSG_ZEROCOPY | kMsgProbe;
inline constexpr int kWskReceiveFlagBits = MSG_OOB | MSG_PEEK | MSG_WAITALL |
                                           MSG_DONTWAIT | MSG_TRUNC |
                                           MSG_ERRQUEUE | MSG_CMSG_CLOEXEC;
inline uint32_t WskSendFlags(int f) {
  return (f & kWskSendFlagBits) != 0 ? WskSendFlagsSlow(f) : 0;
}
inline uint32_t WskReceiveFlags(int f) {
  return (f & kWskReceiveFlagBits) != 0 ? WskReceiveFlagsSlow(f) : 0;
}
inline int LinuxSendFlags(uint32_t f) { return f ? LinuxSendFlagsSlow(f) : 0; }
inline int LinuxReceiveFlags(uint32_t f) {
  return f ? LinuxReceiveFlagsSlow(f) : 0;
}
int LinuxResultFlags(uint32_t ws_msg_flags);
uint32_t WsResultFlags(int linux_msg_flags);

}  // namespace lx

#endif  // LXWSK_TABLES_SOCKET_TABLES_H_
