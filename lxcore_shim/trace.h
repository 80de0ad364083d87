// Multi-layer tracing: one line per intercepted call, showing the Linux call
// with decoded arguments, each WSK call it became (Windows values, IRP
// status), and the Linux result, with pid, tid, timestamp and duration.
//
// Off: one predictable branch per entry point (g_trace_on) and nothing
// else; the WSK filter is not even installed. On: a line is assembled in a
// per-thread buffer and written with one raw write(2) to a descriptor the
// program cannot see (high-numbered, close-on-exec, guarded against the
// program's close/dup2/close_range). Signal-safe except the snprintf
// formatting, which is reentrant.
#ifndef LXWSK_SHIM_TRACE_H_
#define LXWSK_SHIM_TRACE_H_

#include <cstddef>
#include <cstdint>

#include "lx/syscalls.h"
#include "trace_format.h"
#include "tracing_provider.h"

namespace lxshim {

extern bool g_trace_on;

// Reads LXWSK_TRACE (a path, or "stderr"), LXWSK_TRACE_FORMAT (text or
// json), LXWSK_TRACE_CALLS (comma list) and LXWSK_TRACE_FD at
// initialisation.
void TraceInit();
// The binding the shim creates sockets through: the WSK tracing filter over
// the default provider when tracing, the provider itself otherwise.
const lx::WskBinding& Binding();
// The hidden trace descriptor, or -1.
int TraceFd();
// Keeps the trace descriptor out of the way of the program's dup2 target.
void TraceFdWanted(int fd);

class TraceCall {
 public:
  // `fd` filters (-1: not an fd call). Formats the call's arguments.
  TraceCall(const char* name, int fd, const char* fmt, ...)
      __attribute__((format(printf, 4, 5)));
  ~TraceCall();
  // Appends the result and writes the line.
  long End(long result);
  void Note(const char* text);

  void AddWsk(const wsk::WskCallRecord& call);

 private:
  struct Wsk {
    char text[300];
    uint16_t length;
    uint16_t function_length;
    int32_t status;
    uintptr_t information;
    bool socket_result;
    uint64_t start_ns, end_ns;
  };
  void WriteText(long result, uint64_t end_ns);
  void WriteJson(long result, uint64_t end_ns);

  bool active_;
  const char* name_;
  int fd_;
  uint64_t wall_ns_;
  uint64_t start_ns_;
  TraceCall* outer_;
  const char* note_ = nullptr;
  int nwsk_ = 0;
  char args_[400];
  Wsk wsk_[6];
};

}  // namespace lxshim

// Returns expr's result as libc does, tracing it when tracing is on. The
// traced form runs in a cold, out-of-line lambda (arguments captured by
// value), so the untraced path keeps a small frame: one predictable branch.
#define LXWSK_RETURN(name, fd, expr, ...)                     \
  do {                                                        \
    if (lxshim::g_trace_on) [[unlikely]] {                    \
      return [=]() __attribute__((noinline, cold)) {          \
        lxshim::TraceCall trace_call_(name, fd, __VA_ARGS__); \
        return lxshim::Ret(trace_call_.End(expr));            \
      }                                                       \
      ();                                                     \
    }                                                         \
    return lxshim::Ret(expr);                                 \
  } while (0)

// For a call on a socket that is not ours (AF_UNIX, netlink, ...): the
// libc call, traced and marked as pass-through when tracing is on.
#define LXWSK_PASS(name, fd, expr, ...)                        \
  do {                                                         \
    if (lxshim::g_trace_on && !lxshim::t_busy) [[unlikely]] {  \
      return [=]() __attribute__((noinline, cold)) {           \
        lxshim::TraceCall trace_call_(name, fd, __VA_ARGS__);  \
        trace_call_.Note("[pass-through: not a WSK socket]");  \
        auto r_ = (expr);                                      \
        int e_ = errno;                                        \
        trace_call_.End(r_ < 0 ? -e_ : static_cast<long>(r_)); \
        errno = e_;                                            \
        return r_;                                             \
      }                                                        \
      ();                                                      \
    }                                                          \
    return (expr);                                             \
  } while (0)

#endif  // LXWSK_SHIM_TRACE_H_
