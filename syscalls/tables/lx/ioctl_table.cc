#include "lx/ioctl_table.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "wsk/ws_types.h"

namespace lx {
namespace {

constexpr IoctlRow kRows[] = {
    {FIONREAD, wsk::WS_FIONREAD, true, "FIONREAD",
     "bytes readable (Linux: next datagram's size on UDP)"},
    {FIONBIO, wsk::WS_FIONBIO, false, "FIONBIO",
     "non-blocking mode; fcntl(O_NONBLOCK) maps here too"},
    {SIOCATMARK, wsk::WS_SIOCATMARK, true, "SIOCATMARK",
     "at the urgent-data mark"},
};

}  // namespace

std::span<const IoctlRow> IoctlRows() { return kRows; }

const IoctlRow* FindLinuxIoctl(unsigned long request) {
  for (const IoctlRow& r : kRows) {
    if (r.linux_request == request) return &r;
  }
  return nullptr;
}

const IoctlRow* FindWsIoctl(uint32_t code) {
  for (const IoctlRow& r : kRows) {
    if (r.ws_code == code) return &r;
  }
  return nullptr;
}

}  // namespace lx
