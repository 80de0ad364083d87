// Control messages (ancillary data): Linux (level, type, data layout) <->
// Windows WSACMSGHDR form. One table read in both directions: the syscalls
// layer turns the program's sendmsg control into Windows form and the
// Windows form WskReceiveFrom / WskLxReceiveMessage return into Linux
// control messages; the host adapter does the reverse with the same rows.
//
// Both forms share the header layout ({8-byte length, int level, int
// type}, 8-byte alignment on x86_64 and 64-bit Windows), so one walk serves
// both. Messages with no Windows equivalent travel tunnelled (level
// wsk::WskLxLevel(level), Linux type and bytes); so do known ones whose
// length is not the one the table knows, so the host kernel judges the
// original. A malformed header (cmsg_len below the header or past the end)
// ends the walk and the rest is copied unchanged: both sides then see the
// same malformed header at the same remaining length, and Linux's answer
// (EINVAL) comes from the host.
// Sources: shared/reference/constants-linux-windows.md, ws2def.h and
// ws2ipdef.h (mingw-w64, wine, ReactOS), ip(7), ipv6(7), socket(7).
#ifndef LXWSK_TABLES_CMSG_TABLE_H_
#define LXWSK_TABLES_CMSG_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace lx {

// Both forms: {8-byte length, int level, int type} then data, 8-aligned.
inline constexpr size_t kCmsgHeader = 16;
constexpr size_t CmsgSpace(size_t data_len) {
  return kCmsgHeader + ((data_len + 7) & ~size_t{7});
}

enum class CmsgKind : uint8_t {
  kSame,       // identical data (int <-> INT, in6_pktinfo, timeval)
  kInPktinfo,  // Linux in_pktinfo (12) <-> Windows IN_PKTINFO (8, or 12
               // with lxwsk's trailing ipi_spec_dst when it differs)
  kTos,        // Linux 1-byte TOS (received; int or byte on send) <-> INT
};

struct CmsgRow {
  int linux_level;
  int linux_type;
  uint32_t ws_level;
  uint32_t ws_type;
  CmsgKind kind;
  uint8_t linux_len;  // data length Linux delivers on receive
  const char* name;
  const char* note;
};

std::span<const CmsgRow> CmsgRows();
const char* CmsgKindName(CmsgKind kind);

// Converts one message's data (`for_send`: sendmsg control, else received
// control; in_pktinfo's fields mean different things each way).
// Linux -> Windows: returns the Windows data length written to `out` (at
// least len + 8 bytes of room) and sets *ws_level / *ws_type, tunnelling
// what the table does not know, or knows at another length.
size_t CmsgDataToWs(int level, int type, const void* data, size_t len,
                    bool for_send, uint32_t* ws_level, uint32_t* ws_type,
                    void* out);
// Windows -> Linux: returns the Linux data length written to `out` (at least
// len + 8 bytes of room). A TOS becomes the int sendmsg takes, or the byte
// Linux delivers.
size_t CmsgDataToLinux(uint32_t ws_level, uint32_t ws_type, const void* data,
                       size_t len, bool for_send, int* level, int* type,
                       void* out);

// The Linux level and type of a Windows-form message; true when its data
// crosses unchanged (same layout, or tunnelled), so a caller can copy it
// from where it is instead of through CmsgDataToLinux.
bool CmsgLinuxName(uint32_t ws_level, uint32_t ws_type, int* level, int* type);

// Converts a whole control buffer (full messages) from one form to the
// other. Returns the bytes written. When `out_cap` runs out the walk stops
// at a message boundary and sets *truncated (out_cap >= 2 * in_len + 16
// always suffices).
size_t CmsgBufferToWs(const void* in, size_t in_len, bool for_send, void* out,
                      size_t out_cap, bool* truncated);
size_t CmsgBufferToLinux(const void* in, size_t in_len, bool for_send,
                         void* out, size_t out_cap, bool* truncated);

// The walk both forms share: calls fn(level, type, data, len) for each
// well-formed message; returns the offset where it stopped (in_len, or the
// start of a malformed header or of a tail shorter than a header).
template <typename Fn>
size_t ForEachCmsg(const void* in, size_t in_len, Fn fn) {
  const unsigned char* p = static_cast<const unsigned char*>(in);
  size_t off = 0;
  while (in_len - off >= kCmsgHeader) {
    uint64_t len;
    int32_t level, type;
    __builtin_memcpy(&len, p + off, 8);
    __builtin_memcpy(&level, p + off + 8, 4);
    __builtin_memcpy(&type, p + off + 12, 4);
    if (len < kCmsgHeader || len > in_len - off) break;
    if (!fn(level, type, p + off + kCmsgHeader, len - kCmsgHeader)) break;
    size_t next = (len + 7) & ~size_t{7};
    if (next > in_len - off) return in_len;
    off += next;
  }
  return off;
}

}  // namespace lx

#endif  // LXWSK_TABLES_CMSG_TABLE_H_
