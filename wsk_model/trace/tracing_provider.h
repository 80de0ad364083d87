// A WSK filter that records every call crossing the WSK seam, with its
// Windows-side values and each IRP's final NTSTATUS, then forwards it to the
// real provider. Like a filter driver layered over a provider: it hands out
// its own WSK_SOCKETs whose Dispatch tables are its own, wrapping the real
// ones. Used only when tracing is on, so tracing off costs nothing here.
//
// Contexts: as the provider's (any thread; inline completion). The sink is
// called in the calling thread, between the call and its return.
#ifndef LXWSK_WSK_TRACE_TRACING_PROVIDER_H_
#define LXWSK_WSK_TRACE_TRACING_PROVIDER_H_

#include <cstddef>
#include <cstdint>

#include "wsk/wsk.h"

namespace wsk {

// One WSK call as the filter saw it. `text` is the whole readable fragment,
// e.g. "WskSend(WSK_BUF{len=5}, flags=0x0) -> STATUS_SUCCESS (0x00000000)
// info=5"; its first `function_length` bytes name the function.
struct WskCallRecord {
  const char* text;
  size_t length;
  size_t function_length;
  NTSTATUS status;
  uintptr_t information;
  bool socket_result;  // information is a PWSK_SOCKET
  uint64_t start_ns;   // CLOCK_MONOTONIC
  uint64_t end_ns;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void WskCall(const WskCallRecord& call) = 0;
};

// Formats a SOCKADDR (Windows values) as "AF_INET6(23) [::1]:8080".
size_t FormatSockaddr(const SOCKADDR* a, char* out, size_t cap);

// Returns a provider dispatch that traces into `sink` and forwards to
// `real`. Sockets it creates carry its own dispatch tables.
WskProviderDispatch* NewTracingProvider(WskProviderDispatch* real,
                                        TraceSink* sink);

}  // namespace wsk

#endif  // LXWSK_WSK_TRACE_TRACING_PROVIDER_H_
