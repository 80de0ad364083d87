#include "lx/socket_tables.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>

namespace lx {
namespace {

using namespace wsk;  // NOLINT: rows read best with bare WSK names.

constexpr ValueRow kFamilies[] = {
    {AF_INET, WS_AF_INET, "AF_INET", "same value"},
    {AF_INET6, WS_AF_INET6, "AF_INET6", "10 on Linux, 23 on Windows"},
};
// WsFamilyFast / LinuxFamilyFast (socket_tables.h) are these two rows.
static_assert(kFamilies[0].linux_value == AF_INET &&
              kFamilies[0].windows_value == WS_AF_INET);
static_assert(kFamilies[1].linux_value == AF_INET6 &&
              kFamilies[1].windows_value == WS_AF_INET6);
static_assert(std::size(kFamilies) == 2);
constexpr ValueRow kFamiliesForAddresses[] = {
    {AF_UNSPEC, WS_AF_UNSPEC, "AF_UNSPEC", "dissolves a UDP association"},
};

constexpr ValueRow kTypes[] = {
    {SOCK_STREAM, WS_SOCK_STREAM, "SOCK_STREAM", "WSK stream category"},
    {SOCK_DGRAM, WS_SOCK_DGRAM, "SOCK_DGRAM", "WSK datagram category"},
    {SOCK_RAW, WS_SOCK_RAW, "SOCK_RAW", "WSK datagram category"},
    {SOCK_RDM, WS_SOCK_RDM, "SOCK_RDM", "host refuses it for IP"},
    {SOCK_SEQPACKET, WS_SOCK_SEQPACKET, "SOCK_SEQPACKET",
     "host refuses it for IP"},
};

constexpr ValueRow kTypeFlags[] = {
    {SOCK_NONBLOCK, WSK_FLAG_LX_NONBLOCK, "SOCK_NONBLOCK",
     "Windows types carry no flags: WskSocket extension flag"},
    {SOCK_CLOEXEC, WSK_FLAG_LX_CLOEXEC, "SOCK_CLOEXEC",
     "handle inheritance is not a socket property on Windows"},
};

constexpr ValueRow kProtocols[] = {
    {IPPROTO_IP, WS_IPPROTO_IP, "IPPROTO_IP", "0: the type's default"},
    {IPPROTO_ICMP, WS_IPPROTO_ICMP, "IPPROTO_ICMP", ""},
    {IPPROTO_TCP, WS_IPPROTO_TCP, "IPPROTO_TCP", ""},
    {IPPROTO_UDP, WS_IPPROTO_UDP, "IPPROTO_UDP", ""},
    {IPPROTO_IPV6, WS_IPPROTO_IPV6, "IPPROTO_IPV6", ""},
    {IPPROTO_ICMPV6, WS_IPPROTO_ICMPV6, "IPPROTO_ICMPV6", ""},
    {IPPROTO_RAW, WS_IPPROTO_RAW, "IPPROTO_RAW", ""},
};

constexpr MsgFlagRow kMsgFlags[] = {
    {MSG_OOB, WSK_FLAG_OOB, WSK_FLAG_LX_OOB, "MSG_OOB",
     "WSK has urgent send only"},
    {MSG_PEEK, 0, WSK_FLAG_LX_PEEK, "MSG_PEEK", "no WSK flag"},
    {MSG_DONTROUTE, WSK_FLAG_LX_DONTROUTE, 0, "MSG_DONTROUTE", ""},
    {MSG_WAITALL, 0, WSK_FLAG_WAITALL, "MSG_WAITALL", "WSK_FLAG_WAITALL"},
    {MSG_DONTWAIT, WSK_FLAG_LX_DONTWAIT, WSK_FLAG_LX_DONTWAIT, "MSG_DONTWAIT",
     "WSK has no non-blocking calls"},
    {MSG_TRUNC, 0, WSK_FLAG_LX_TRUNC, "MSG_TRUNC",
     "return the real datagram length"},
    {MSG_EOR, WSK_FLAG_LX_EOR, 0, "MSG_EOR", ""},
    {MSG_CONFIRM, WSK_FLAG_LX_CONFIRM, 0, "MSG_CONFIRM", ""},
    {MSG_MORE, WSK_FLAG_LX_MORE, 0, "MSG_MORE", "like TCP_CORK for one call"},
    {MSG_NOSIGNAL, 0, 0, "MSG_NOSIGNAL",
     "WSK never signals; the syscalls layer raises SIGPIPE unless set"},
    {MSG_ERRQUEUE, 0, WSK_FLAG_LX_ERRQUEUE, "MSG_ERRQUEUE", ""},
    {MSG_CMSG_CLOEXEC, 0, WSK_FLAG_LX_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC", ""},
    {MSG_FASTOPEN, WSK_FLAG_LX_FASTOPEN, 0, "MSG_FASTOPEN", ""},
    {MSG_ZEROCOPY, WSK_FLAG_LX_ZEROCOPY, 0, "MSG_ZEROCOPY", ""},
    {kMsgProbe, WSK_FLAG_LX_PROBE, 0, "MSG_PROBE",
     "0x10 (glibc MSG_PROXY); UDP queues nothing and returns the length"},
};

// kWskSendFlagBits / kWskReceiveFlagBits (socket_tables.h) are exactly the
// flags whose rows have a WSK form.
constexpr int FlagsWithForm(bool send) {
  int bits = 0;
  for (const MsgFlagRow& r : kMsgFlags) {
    if ((send ? r.wsk_send : r.wsk_receive) != 0) bits |= r.linux_flag;
  }
  return bits;
}
static_assert(FlagsWithForm(true) == kWskSendFlagBits);
static_assert(FlagsWithForm(false) == kWskReceiveFlagBits);

constexpr ValueRow kMsgResultFlags[] = {
    {MSG_OOB, WS_MSG_OOB, "MSG_OOB", ""},
    {MSG_TRUNC, WS_MSG_TRUNC, "MSG_TRUNC", "0x20 on Linux, 0x100 on Windows"},
    {MSG_CTRUNC, WS_MSG_CTRUNC, "MSG_CTRUNC", "0x8 on Linux, 0x200 on Windows"},
    {MSG_EOR, 0x10000, "MSG_EOR", "lxwsk: no Windows flag"},
    {MSG_ERRQUEUE, 0x20000, "MSG_ERRQUEUE", "lxwsk: no Windows flag"},
};

// Four 256-entry tables, one per byte of the 32-bit flags word.
using ByteTables = std::array<std::array<uint32_t, 256>, 4>;

template <typename Pick>
constexpr ByteTables BuildForward(Pick pick) {
  ByteTables t{};
  for (int byte = 0; byte < 4; ++byte) {
    for (uint32_t v = 0; v < 256; ++v) {
      uint32_t flags = v << (8 * byte);
      uint32_t out = 0;
      for (const MsgFlagRow& r : kMsgFlags) {
        if (flags & static_cast<uint32_t>(r.linux_flag)) out |= pick(r);
      }
      t[byte][v] = out;
    }
  }
  return t;
}

template <typename Pick>
constexpr ByteTables BuildReverse(Pick pick) {
  ByteTables t{};
  for (int byte = 0; byte < 4; ++byte) {
    for (uint32_t v = 0; v < 256; ++v) {
      uint32_t flags = v << (8 * byte);
      uint32_t out = 0;
      for (const MsgFlagRow& r : kMsgFlags) {
        uint32_t w = pick(r);
        if (w != 0 && (flags & w) == w)
          out |= static_cast<uint32_t>(r.linux_flag);
      }
      t[byte][v] = out;
    }
  }
  return t;
}

constexpr ByteTables kSendFwd =
    BuildForward([](const MsgFlagRow& r) { return r.wsk_send; });
constexpr ByteTables kRecvFwd =
    BuildForward([](const MsgFlagRow& r) { return r.wsk_receive; });
constexpr ByteTables kSendRev =
    BuildReverse([](const MsgFlagRow& r) { return r.wsk_send; });
constexpr ByteTables kRecvRev =
    BuildReverse([](const MsgFlagRow& r) { return r.wsk_receive; });

inline uint32_t Lookup(const ByteTables& t, uint32_t f) {
  return t[0][f & 0xFF] | t[1][(f >> 8) & 0xFF] | t[2][(f >> 16) & 0xFF] |
         t[3][f >> 24];
}

}  // namespace

std::span<const ValueRow> FamilyRows() { return kFamilies; }
std::span<const ValueRow> SocketTypeRows() { return kTypes; }
std::span<const ValueRow> SocketTypeFlagRows() { return kTypeFlags; }
std::span<const ValueRow> ProtocolRows() { return kProtocols; }
std::span<const MsgFlagRow> MsgFlagRows() { return kMsgFlags; }
std::span<const ValueRow> MsgResultFlagRows() { return kMsgResultFlags; }

uint16_t WsFamily(int linux_family) {
  for (const ValueRow& r : kFamilies) {
    if (r.linux_value == linux_family) return r.windows_value;
  }
  for (const ValueRow& r : kFamiliesForAddresses) {
    if (r.linux_value == linux_family) return r.windows_value;
  }
  return 0xFFFF;
}

int LinuxFamily(uint16_t ws_family) {
  for (const ValueRow& r : kFamilies) {
    if (r.windows_value == ws_family) return r.linux_value;
  }
  return AF_UNSPEC;
}

uint32_t WskSendFlagsSlow(int f) {
  return Lookup(kSendFwd, static_cast<uint32_t>(f));
}
uint32_t WskReceiveFlagsSlow(int f) {
  return Lookup(kRecvFwd, static_cast<uint32_t>(f));
}
int LinuxSendFlagsSlow(uint32_t f) {
  return static_cast<int>(Lookup(kSendRev, f));
}
int LinuxReceiveFlagsSlow(uint32_t f) {
  return static_cast<int>(Lookup(kRecvRev, f));
}

int LinuxResultFlags(uint32_t ws) {
  int out = 0;
  for (const ValueRow& r : kMsgResultFlags) {
    if (ws & r.windows_value) out |= r.linux_value;
  }
  return out;
}
uint32_t WsResultFlags(int lin) {
  uint32_t out = 0;
  for (const ValueRow& r : kMsgResultFlags) {
    if (lin & r.linux_value) out |= r.windows_value;
  }
  return out;
}

}  // namespace lx
