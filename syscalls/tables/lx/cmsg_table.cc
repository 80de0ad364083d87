#include "lx/cmsg_table.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include "wsk/wsk.h"

namespace lx {
namespace {

using namespace wsk;  // NOLINT: rows read best with bare WS_ names.
using K = CmsgKind;

// Linux's SCM_TIMESTAMP is SO_TIMESTAMP_OLD (29) on 64-bit; <sys/socket.h>
// may spell it through SO_TIMESTAMP's time64 switch.
constexpr int kScmTimestamp = 29;
constexpr int kScmTimestampNs = 35;

constexpr CmsgRow kRows[] = {
    {IPPROTO_IP, IP_PKTINFO, WS_IPPROTO_IP, WS_IP_PKTINFO, K::kInPktinfo, 12,
     "IP_PKTINFO",
     "in_pktinfo {ifindex, spec_dst, addr} <-> IN_PKTINFO {addr, ifindex}"
     " (+ lxwsk's spec_dst when it differs)"},
    {IPPROTO_IP, IP_TTL, WS_IPPROTO_IP, WS_IP_HOPLIMIT, K::kSame, 4, "IP_TTL",
     "IP_RECVTTL's message; Windows names it IP_HOPLIMIT (21)"},
    {IPPROTO_IP, IP_TOS, WS_IPPROTO_IP, WS_IP_TOS, K::kTos, 1, "IP_TOS",
     "Linux delivers a byte, Windows an INT"},
    {IPPROTO_IPV6, IPV6_PKTINFO, WS_IPPROTO_IPV6, WS_IPV6_PKTINFO, K::kSame, 20,
     "IPV6_PKTINFO", "in6_pktinfo = IN6_PKTINFO (20 bytes)"},
    {IPPROTO_IPV6, IPV6_HOPLIMIT, WS_IPPROTO_IPV6, WS_IPV6_HOPLIMIT, K::kSame,
     4, "IPV6_HOPLIMIT", ""},
    {IPPROTO_IPV6, IPV6_TCLASS, WS_IPPROTO_IPV6, WS_IPV6_TCLASS, K::kSame, 4,
     "IPV6_TCLASS", ""},
    {SOL_SOCKET, kScmTimestamp, WS_SOL_SOCKET, SO_LXWSK_TIMESTAMP, K::kSame, 16,
     "SCM_TIMESTAMP", "lxwsk extension: Windows has no such message"},
    {SOL_SOCKET, kScmTimestampNs, WS_SOL_SOCKET, SO_LXWSK_TIMESTAMPNS, K::kSame,
     16, "SCM_TIMESTAMPNS", "lxwsk extension: Windows has no such message"},
};

const CmsgRow* FindLinux(int level, int type) {
  for (const CmsgRow& r : kRows) {
    if (r.linux_level == level && r.linux_type == type) return &r;
  }
  return nullptr;
}

const CmsgRow* FindWs(uint32_t level, uint32_t type) {
  for (const CmsgRow& r : kRows) {
    if (r.ws_level == level && r.ws_type == type) return &r;
  }
  return nullptr;
}

// Linux in_pktinfo.
struct LinuxPktinfo {
  int32_t ifindex;
  uint8_t spec_dst[4];
  uint8_t addr[4];
};
static_assert(sizeof(LinuxPktinfo) == 12);

// IN_PKTINFO, then lxwsk's trailing address when the one Windows has no
// field for differs (receive: spec_dst; send: Linux ignores ipi_addr).
struct WsPktinfoEx {
  IN_PKTINFO_WS pkt;
  uint8_t other[4];
};
static_assert(sizeof(WsPktinfoEx) == 12);

template <typename Walker>
size_t Convert(const void* in, size_t in_len, void* out, size_t out_cap,
               bool* truncated, Walker one) {
  unsigned char* o = static_cast<unsigned char*>(out);
  size_t used = 0;
  bool full = false;
  size_t stop = ForEachCmsg(
      in, in_len,
      [&](int level, int type, const unsigned char* data, size_t len) {
        // Room for the largest growth (in_pktinfo 8 -> 12, TOS 1 -> 4).
        if (out_cap - used < CmsgSpace(len + 8)) {
          full = true;
          return false;
        }
        int32_t lvl, typ;
        size_t n =
            one(level, type, data, len, o + used + kCmsgHeader, &lvl, &typ);
        uint64_t clen = kCmsgHeader + n;
        memcpy(o + used, &clen, 8);
        memcpy(o + used + 8, &lvl, 4);
        memcpy(o + used + 12, &typ, 4);
        memset(o + used + clen, 0, CmsgSpace(n) - clen);
        used += CmsgSpace(n);
        return true;
      });
  if (!full && stop < in_len) {
    // A malformed header or a short tail: unchanged, for the host to judge.
    size_t tail = in_len - stop;
    if (out_cap - used < tail) {
      full = true;
    } else {
      memcpy(o + used, static_cast<const unsigned char*>(in) + stop, tail);
      used += tail;
    }
  }
  if (truncated != nullptr) *truncated = full;
  return used;
}

}  // namespace

std::span<const CmsgRow> CmsgRows() { return kRows; }

const char* CmsgKindName(CmsgKind kind) {
  static constexpr const char* kNames[] = {
      "same layout", "in_pktinfo 12 <-> IN_PKTINFO 8", "TOS byte <-> INT"};
  return kNames[static_cast<int>(kind)];
}

size_t CmsgDataToWs(int level, int type, const void* data, size_t len,
                    bool for_send, uint32_t* ws_level, uint32_t* ws_type,
                    void* out) {
  const CmsgRow* r = FindLinux(level, type);
  if (r != nullptr) {
    switch (r->kind) {
      case K::kSame:
        if (len != r->linux_len) break;
        *ws_level = r->ws_level;
        *ws_type = r->ws_type;
        memcpy(out, data, len);
        return len;
      case K::kInPktinfo: {
        if (len != sizeof(LinuxPktinfo)) break;
        LinuxPktinfo l;
        memcpy(&l, data, sizeof(l));
        WsPktinfoEx w;
        // Received: ipi_addr is the destination, as Windows' ipi_addr;
        // sent: Linux takes the source from ipi_spec_dst, Windows from
        // ipi_addr.
        const uint8_t* primary = for_send ? l.spec_dst : l.addr;
        const uint8_t* other = for_send ? l.addr : l.spec_dst;
        memcpy(w.pkt.ipi_addr, primary, 4);
        w.pkt.ipi_ifindex = static_cast<ULONG>(l.ifindex);
        memcpy(w.other, other, 4);
        *ws_level = r->ws_level;
        *ws_type = r->ws_type;
        size_t n = memcmp(primary, other, 4) == 0 ? sizeof(w.pkt) : sizeof(w);
        memcpy(out, &w, n);
        return n;
      }
      case K::kTos: {
        int32_t v;
        if (len == 1) {
          v = *static_cast<const uint8_t*>(data);
        } else if (len == sizeof(int32_t)) {
          memcpy(&v, data, sizeof(v));
        } else {
          break;
        }
        *ws_level = r->ws_level;
        *ws_type = r->ws_type;
        memcpy(out, &v, sizeof(v));
        return sizeof(v);
      }
    }
  }
  // Tunnelled: the Linux level tagged, type and bytes unchanged.
  *ws_level = WskLxLevel(level >= 0 && level < 0xFFFF ? level : 0xFFFF);
  *ws_type = static_cast<uint32_t>(type);
  memcpy(out, data, len);
  return len;
}

size_t CmsgDataToLinux(uint32_t ws_level, uint32_t ws_type, const void* data,
                       size_t len, bool for_send, int* level, int* type,
                       void* out) {
  if ((ws_level & 0xFFFF0000u) == WSK_LX_LEVEL_TAG) {
    *level = static_cast<int>(ws_level & 0xFFFF);
    *type = static_cast<int>(ws_type);
    memcpy(out, data, len);
    return len;
  }
  const CmsgRow* r = FindWs(ws_level, ws_type);
  if (r == nullptr) {
    *level = static_cast<int>(ws_level);
    *type = static_cast<int>(ws_type);
    memcpy(out, data, len);
    return len;
  }
  *level = r->linux_level;
  *type = r->linux_type;
  switch (r->kind) {
    case K::kInPktinfo: {
      WsPktinfoEx w;
      memset(&w, 0, sizeof(w));
      memcpy(&w, data, len < sizeof(w) ? len : sizeof(w));
      if (len < sizeof(w)) memcpy(w.other, w.pkt.ipi_addr, 4);
      LinuxPktinfo l;
      l.ifindex = static_cast<int32_t>(w.pkt.ipi_ifindex);
      memcpy(for_send ? l.spec_dst : l.addr, w.pkt.ipi_addr, 4);
      memcpy(for_send ? l.addr : l.spec_dst, w.other, 4);
      memcpy(out, &l, sizeof(l));
      return sizeof(l);
    }
    case K::kTos: {
      int32_t v = 0;
      memcpy(&v, data, len < sizeof(v) ? len : sizeof(v));
      if (for_send) {
        memcpy(out, &v, sizeof(v));
        return sizeof(v);
      }
      *static_cast<uint8_t*>(out) = static_cast<uint8_t>(v);
      return 1;
    }
    case K::kSame:
    default:
      memcpy(out, data, len);
      return len;
  }
}

bool CmsgLinuxName(uint32_t ws_level, uint32_t ws_type, int* level, int* type) {
  if ((ws_level & 0xFFFF0000u) == WSK_LX_LEVEL_TAG) {
    *level = static_cast<int>(ws_level & 0xFFFF);
    *type = static_cast<int>(ws_type);
    return true;
  }
  const CmsgRow* r = FindWs(ws_level, ws_type);
  if (r == nullptr) {
    *level = static_cast<int>(ws_level);
    *type = static_cast<int>(ws_type);
    return true;
  }
  *level = r->linux_level;
  *type = r->linux_type;
  return r->kind == K::kSame;
}

size_t CmsgBufferToWs(const void* in, size_t in_len, bool for_send, void* out,
                      size_t out_cap, bool* truncated) {
  return Convert(
      in, in_len, out, out_cap, truncated,
      [for_send](int level, int type, const unsigned char* data, size_t len,
                 unsigned char* o, int32_t* lvl, int32_t* typ) {
        uint32_t wl, wt;
        size_t n = CmsgDataToWs(level, type, data, len, for_send, &wl, &wt, o);
        *lvl = static_cast<int32_t>(wl);
        *typ = static_cast<int32_t>(wt);
        return n;
      });
}

size_t CmsgBufferToLinux(const void* in, size_t in_len, bool for_send,
                         void* out, size_t out_cap, bool* truncated) {
  return Convert(
      in, in_len, out, out_cap, truncated,
      [for_send](int level, int type, const unsigned char* data, size_t len,
                 unsigned char* o, int32_t* lvl, int32_t* typ) {
        int l, t;
        size_t n = CmsgDataToLinux(static_cast<uint32_t>(level),
                                   static_cast<uint32_t>(type), data, len,
                                   for_send, &l, &t, o);
        *lvl = l;
        *typ = t;
        return n;
      });
}

}  // namespace lx
