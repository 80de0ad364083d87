// NTSTATUS <-> Linux errno <-> Winsock error: the one table.
//
// Rows come from shared/reference/ntstatus-errno.md (wine's NtStatusToWSAError
// and sock_errno_to_status, with the reference's suggested additions). The
// host adapter reads it errno -> NTSTATUS (what the Windows stack would
// report for the host's condition); the syscalls layer reads it NTSTATUS ->
// errno (what a Linux program must see). Rows marked kBoth are a bijection,
// so every host errno survives the round trip; kDecode rows are statuses a
// real WSK provider reports that the host adapter never produces. Constants
// and pure functions only: usable in any context, including signal handlers.
#ifndef LXWSK_TABLES_STATUS_TABLE_H_
#define LXWSK_TABLES_STATUS_TABLE_H_

#include <cerrno>
#include <cstdint>
#include <span>

#include "wsk/ntstatus.h"

namespace lx {

enum class Direction : uint8_t { kBoth, kDecode };

struct StatusRow {
  wsk::NTSTATUS status;  // name: wsk::NtStatusName
  int linux_errno;       // 0 = not an error for Linux (see note)
  const char* errno_name;
  int wsa_error;  // Winsock error a Windows app would see (0 = none)
  Direction direction;
  const char* note;
};

std::span<const StatusRow> StatusRows();

// Hot-path lookups: dense arrays built at compile time from the rows.
int ErrnoFromStatus(wsk::NTSTATUS status);
wsk::NTSTATUS StatusFromErrno(int err);
int WsaFromErrno(int err);
int ErrnoFromWsa(int wsa);
const StatusRow* FindStatusRow(wsk::NTSTATUS status);
const char* ErrnoName(int err);

}  // namespace lx

#endif  // LXWSK_TABLES_STATUS_TABLE_H_
