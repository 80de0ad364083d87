// Decoding of Linux call arguments for trace lines: family, type and MSG
// flag names (from the translation tables), and sockaddrs read the way the
// kernel would (a bad pointer prints as a pointer, never faults).
#ifndef LXWSK_SHIM_TRACE_FORMAT_H_
#define LXWSK_SHIM_TRACE_FORMAT_H_

#include <cstddef>

namespace lxshim {

const char* FamilyStr(int family);
void TypeStr(int type, char* out, size_t cap);
void FlagsStr(int flags, char* out, size_t cap);
void SockaddrStr(const void* addr, unsigned len, char* out, size_t cap);

}  // namespace lxshim

#endif  // LXWSK_SHIM_TRACE_FORMAT_H_
