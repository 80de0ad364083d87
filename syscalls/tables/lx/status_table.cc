#include "lx/status_table.h"

#include <array>

namespace lx {
namespace {

using namespace wsk;  // NOLINT: the table reads best with bare status names.

#define LX_E(e) e, #e
#define LX_S(s) s

constexpr StatusRow kRows[] = {
    {LX_S(STATUS_SUCCESS), 0, "0", 0, Direction::kBoth, "success"},
    {LX_S(STATUS_DEVICE_NOT_READY), LX_E(EAGAIN), 10035, Direction::kBoth,
     "would block (AFD); connect() turns it into EINPROGRESS"},
    {LX_S(STATUS_REQUEST_ABORTED), LX_E(EINTR), 10004, Direction::kBoth,
     "a signal interrupted the call (WSAEINTR)"},
    {LX_S(STATUS_ACCESS_VIOLATION), LX_E(EFAULT), 10014, Direction::kBoth,
     "bad user pointer"},
    {LX_S(STATUS_INVALID_HANDLE), LX_E(EBADF), 10009, Direction::kBoth,
     "fd not open (wine says WSAENOTSOCK; Linux says EBADF)"},
    {LX_S(STATUS_OBJECT_TYPE_MISMATCH), LX_E(ENOTSOCK), 10038, Direction::kBoth,
     "fd is not a socket"},
    {LX_S(STATUS_INVALID_PARAMETER), LX_E(EINVAL), 10022, Direction::kBoth, ""},
    {LX_S(STATUS_INVALID_PARAMETER_2), LX_E(EAFNOSUPPORT), 10047,
     Direction::kBoth, "socket(): family argument"},
    {LX_S(STATUS_INVALID_PARAMETER_3), LX_E(ESOCKTNOSUPPORT), 10044,
     Direction::kBoth, "socket(): type argument"},
    {LX_S(STATUS_INVALID_PARAMETER_4), LX_E(EPROTONOSUPPORT), 10043,
     Direction::kBoth, "socket(): protocol argument"},
    {LX_S(STATUS_NOT_SUPPORTED), LX_E(EOPNOTSUPP), 10045, Direction::kBoth, ""},
    {LX_S(STATUS_NOT_IMPLEMENTED), LX_E(ENOPROTOOPT), 10042, Direction::kBoth,
     "unknown option (Windows: WSAENOPROTOOPT)"},
    {LX_S(STATUS_INVALID_DEVICE_REQUEST), LX_E(ENOTTY), 0, Direction::kBoth,
     "unknown ioctl"},
    {LX_S(STATUS_NO_MEMORY), LX_E(ENOMEM), 8, Direction::kBoth, ""},
    {LX_S(STATUS_INSUFFICIENT_RESOURCES), LX_E(ENOBUFS), 10055,
     Direction::kBoth, ""},
    {LX_S(STATUS_ACCESS_DENIED), LX_E(EACCES), 10013, Direction::kBoth, ""},
    {LX_S(STATUS_PIPE_DISCONNECTED), LX_E(EPIPE), 10058, Direction::kBoth,
     "send after the connection is shut down; the syscalls layer raises "
     "SIGPIPE unless MSG_NOSIGNAL"},
    {LX_S(STATUS_IO_TIMEOUT), LX_E(ETIMEDOUT), 10060, Direction::kBoth, ""},
    {LX_S(STATUS_FILE_FORCED_CLOSED), LX_E(ECONNRESET), 0, Direction::kDecode,
     "WSK: socket no longer usable"},
    {LX_S(STATUS_REMOTE_NOT_LISTENING), LX_E(ECONNREFUSED), 10061,
     Direction::kDecode, ""},
    {LX_S(STATUS_CONNECTION_REFUSED), LX_E(ECONNREFUSED), 10061,
     Direction::kBoth, ""},
    {LX_S(STATUS_BAD_NETWORK_PATH), LX_E(ENETUNREACH), 10051,
     Direction::kDecode, ""},
    {LX_S(STATUS_NETWORK_UNREACHABLE), LX_E(ENETUNREACH), 10051,
     Direction::kBoth, ""},
    {LX_S(STATUS_NETWORK_BUSY), LX_E(EALREADY), 10037, Direction::kBoth,
     "wine maps EALREADY and ENETDOWN both here; lxwsk keeps it for EALREADY"},
    {LX_S(STATUS_NO_SUCH_DEVICE), LX_E(ENETDOWN), 10050, Direction::kBoth, ""},
    {LX_S(STATUS_UNEXPECTED_NETWORK_ERROR), LX_E(ENETDOWN), 10050,
     Direction::kDecode, ""},
    {LX_S(STATUS_REQUEST_NOT_ACCEPTED), LX_E(EAGAIN), 10035, Direction::kDecode,
     "WSK: inline completion not possible"},
    {LX_S(STATUS_CANT_WAIT), LX_E(EAGAIN), 10035, Direction::kDecode, ""},
    {LX_S(STATUS_TOO_MANY_OPENED_FILES), LX_E(EMFILE), 10024, Direction::kBoth,
     ""},
    {LX_S(STATUS_CANCELLED), LX_E(ECANCELED), 995, Direction::kBoth,
     "IRP cancelled"},
    {LX_S(STATUS_LOCAL_DISCONNECT), LX_E(ECONNABORTED), 10053,
     Direction::kDecode, ""},
    {LX_S(STATUS_CONNECTION_ABORTED), LX_E(ECONNABORTED), 10053,
     Direction::kBoth, ""},
    {LX_S(STATUS_REMOTE_DISCONNECT), LX_E(ECONNRESET), 10054,
     Direction::kDecode, ""},
    {LX_S(STATUS_CONNECTION_RESET), LX_E(ECONNRESET), 10054, Direction::kBoth,
     "wine folds EPIPE in here too; lxwsk keeps EPIPE apart"},
    {LX_S(STATUS_CONNECTION_DISCONNECTED), LX_E(ECONNRESET), 10054,
     Direction::kDecode, ""},
    {LX_S(STATUS_INVALID_CONNECTION), LX_E(ENOTCONN), 10057, Direction::kBoth,
     ""},
    {LX_S(STATUS_CONNECTION_INVALID), LX_E(ENOTCONN), 10057, Direction::kDecode,
     ""},
    {LX_S(STATUS_INVALID_ADDRESS_COMPONENT), LX_E(EADDRNOTAVAIL), 10049,
     Direction::kBoth, ""},
    {LX_S(STATUS_INVALID_ADDRESS), LX_E(EADDRNOTAVAIL), 10049,
     Direction::kDecode, ""},
    {LX_S(STATUS_SHARING_VIOLATION), LX_E(EADDRINUSE), 10048, Direction::kBoth,
     "bind conflict (wine)"},
    {LX_S(STATUS_ADDRESS_ALREADY_EXISTS), LX_E(EADDRINUSE), 10048,
     Direction::kDecode, ""},
    {LX_S(STATUS_CONNECTION_ACTIVE), LX_E(EISCONN), 10056, Direction::kBoth,
     ""},
    {LX_S(STATUS_HOST_UNREACHABLE), LX_E(EHOSTUNREACH), 10065, Direction::kBoth,
     ""},
    {LX_S(STATUS_HOST_DOWN), LX_E(EHOSTDOWN), 10064, Direction::kBoth, ""},
    {LX_S(STATUS_PORT_UNREACHABLE), LX_E(ECONNREFUSED), 10054,
     Direction::kDecode,
     "Windows reports ICMP port unreachable as WSAECONNRESET; Linux as "
     "ECONNREFUSED on connected UDP"},
    {LX_S(STATUS_PROTOCOL_UNREACHABLE), LX_E(ENOPROTOOPT), 10051,
     Direction::kDecode, "Linux icmp_err_convert"},
    {LX_S(STATUS_INVALID_BUFFER_SIZE), LX_E(EMSGSIZE), 10040, Direction::kBoth,
     ""},
    {LX_S(STATUS_BUFFER_OVERFLOW), LX_E(EMSGSIZE), 10040, Direction::kDecode,
     "warning: data was returned truncated"},
    {LX_S(STATUS_ADDRESS_NOT_ASSOCIATED), LX_E(EDESTADDRREQ), 10039,
     Direction::kBoth, ""},
    {LX_S(STATUS_INVALID_DEVICE_STATE), LX_E(EPROTOTYPE), 10041,
     Direction::kBoth, "wrong socket state or type"},
    {LX_S(STATUS_DEVICE_BUSY), LX_E(EBUSY), 0, Direction::kBoth, ""},
    {LX_S(STATUS_USER_APC), LX_E(EINTR), 10004, Direction::kDecode,
     "a wait ended by an APC; success-class, so never a host result"},
    {LX_S(STATUS_LINK_TIMEOUT), LX_E(ETIMEDOUT), 10060, Direction::kDecode, ""},
    {LX_S(STATUS_TRANSACTION_ABORTED), LX_E(ECONNABORTED), 10053,
     Direction::kDecode, ""},
    {LX_S(STATUS_UNSUCCESSFUL), LX_E(EIO), 0, Direction::kBoth, ""},
    {LX_S(STATUS_INTERNAL_ERROR), LX_E(EIO), 0, Direction::kDecode, ""},
    {LX_S(STATUS_TIMEOUT), LX_E(EAGAIN), 0, Direction::kDecode,
     "a wait timed out (SO_RCVTIMEO expiry is EAGAIN on Linux)"},
    {LX_S(STATUS_NOINTERFACE), LX_E(EPROTONOSUPPORT), 0, Direction::kDecode,
     "WskCaptureProviderNPI: version unsupported"},
    {LX_S(STATUS_ACCESS_DENIED), LX_E(EPERM), 0, Direction::kDecode,
     "EPERM travels as an unmapped errno; this row documents wine's merge"},
};
#undef LX_E
#undef LX_S

constexpr int kMaxErrno = 134;
constexpr int kUnmappedWsaBase = 20000;
// Error statuses 0xC0000000..0xC00003FF index this table directly.
constexpr uint32_t kDenseBase = 0xC0000000u;
constexpr uint32_t kDenseSize = 0x400;

struct Dense {
  std::array<uint8_t, kDenseSize> errno_of_error{};
  std::array<wsk::NTSTATUS, kMaxErrno> status_of_errno{};
  std::array<uint16_t, kMaxErrno> wsa_of_errno{};
};

constexpr Dense BuildDense() {
  Dense d{};
  for (int e = 0; e < kMaxErrno; ++e) {
    d.status_of_errno[e] = wsk::StatusFromUnmappedHostErrno(e);
  }
  for (const StatusRow& r : kRows) {
    uint32_t s = static_cast<uint32_t>(r.status);
    if (s >= kDenseBase && s < kDenseBase + kDenseSize &&
        d.errno_of_error[s - kDenseBase] == 0) {
      d.errno_of_error[s - kDenseBase] = static_cast<uint8_t>(r.linux_errno);
    }
    if (r.direction == Direction::kBoth && r.linux_errno > 0) {
      d.status_of_errno[r.linux_errno] = r.status;
    }
    if (r.linux_errno > 0 && d.wsa_of_errno[r.linux_errno] == 0) {
      d.wsa_of_errno[r.linux_errno] = static_cast<uint16_t>(r.wsa_error);
    }
  }
  d.status_of_errno[0] = wsk::STATUS_SUCCESS;
  return d;
}

constexpr Dense kDense = BuildDense();

}  // namespace

std::span<const StatusRow> StatusRows() { return kRows; }

int ErrnoFromStatus(wsk::NTSTATUS status) {
  uint32_t s = static_cast<uint32_t>(status) - kDenseBase;
  if (s < kDenseSize && kDense.errno_of_error[s] != 0) {
    return kDense.errno_of_error[s];
  }
  if (wsk::IsUnmappedHostErrnoStatus(status)) {
    return static_cast<int>(static_cast<uint32_t>(status) & 0xFFFF);
  }
  const StatusRow* row = FindStatusRow(status);
  if (row != nullptr) return row->linux_errno;
  return wsk::NT_SUCCESS(status) ? 0 : EIO;
}

wsk::NTSTATUS StatusFromErrno(int err) {
  if (err >= 0 && err < kMaxErrno) return kDense.status_of_errno[err];
  return wsk::StatusFromUnmappedHostErrno(err);
}

int WsaFromErrno(int err) {
  if (err > 0 && err < kMaxErrno && kDense.wsa_of_errno[err] != 0) {
    return kDense.wsa_of_errno[err];
  }
  // No Winsock code: carry the errno past the Winsock range so SO_ERROR
  // round-trips (wine would say WSAEINVAL and lose it).
  return err == 0 ? 0 : kUnmappedWsaBase + err;
}

int ErrnoFromWsa(int wsa) {
  if (wsa == 0) return 0;
  if (wsa > kUnmappedWsaBase && wsa < kUnmappedWsaBase + kMaxErrno) {
    return wsa - kUnmappedWsaBase;
  }
  for (const StatusRow& r : kRows) {
    if (r.wsa_error == wsa && r.direction == Direction::kBoth) {
      return r.linux_errno;
    }
  }
  return EINVAL;
}

const StatusRow* FindStatusRow(wsk::NTSTATUS status) {
  for (const StatusRow& r : kRows) {
    if (r.status == status) return &r;
  }
  return nullptr;
}

const char* ErrnoName(int err) {
  for (const StatusRow& r : kRows) {
    if (r.linux_errno == err) return r.errno_name;
  }
  return nullptr;
}

}  // namespace lx
