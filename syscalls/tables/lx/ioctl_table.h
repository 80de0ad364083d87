// Socket ioctls: Linux request -> Winsock ioctl code issued with
// WskControlSocket(WskIoctl). Linux takes an int, Winsock a 4-byte u_long:
// same size, so values pass unchanged. Requests not listed are tunnelled to
// the host with SIO_LXWSK_HOST_IOCTL (WSL1 answered interface ioctls from a
// list pushed by LxssManager, not from the stack).
#ifndef LXWSK_TABLES_IOCTL_TABLE_H_
#define LXWSK_TABLES_IOCTL_TABLE_H_

#include <cstdint>
#include <span>

namespace lx {

struct IoctlRow {
  unsigned long linux_request;
  uint32_t ws_code;
  bool writes_result;  // the int argument is an output
  const char* name;
  const char* note;
};

std::span<const IoctlRow> IoctlRows();
const IoctlRow* FindLinuxIoctl(unsigned long request);
const IoctlRow* FindWsIoctl(uint32_t code);

}  // namespace lx

#endif  // LXWSK_TABLES_IOCTL_TABLE_H_
