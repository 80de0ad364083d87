// Reading the JSON-lines trace that liblxwsk.so writes with
// LXWSK_TRACE_FORMAT=json (lxcore_shim/trace.cc, TraceCall::WriteJson): one
// object per intercepted Linux call, with the WSK calls it became.
//
// A minimal JSON parser (RFC 8259 values, no extensions) and a typed record
// on top of it. The reader is strict: a line that is not a JSON object with
// the trace's keys and types is an error naming the line; keys it does not
// know are ignored, so newer writers stay readable.
#ifndef LXWSK_TOOLS_TRACE_JSON_H_
#define LXWSK_TOOLS_TRACE_JSON_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace lxwsk_tool {

// One JSON value. Numbers keep their exact integer value when the literal
// has no fraction or exponent and fits in 64 bits (`integer`), since the
// trace's nanosecond clocks and pointers do not fit in a double.
struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  bool integer = false;  // exact: -magnitude if negative, else magnitude
  bool negative = false;
  uint64_t magnitude = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in input order

  // The member named `key` of an object (the last one if repeated), or null.
  const JsonValue* Find(absl::string_view key) const;
  // Exact integer accessors: false when not an integer in range.
  bool AsUint64(uint64_t* out) const;
  bool AsInt64(int64_t* out) const;
};

// Parses exactly one JSON value (surrounding whitespace allowed). On error
// returns false and sets *error to "column N: what was wrong".
bool ParseJson(absl::string_view text, JsonValue* out, std::string* error);

// Appends `s` as a JSON string literal (quotes, escapes) to *out.
void AppendJsonString(absl::string_view s, std::string* out);

// One WSK call inside a Linux call.
struct TraceWskCall {
  std::string fn;        // "WskConnect"
  std::string text;      // the whole line the tracing provider formatted
  std::string status;    // "STATUS_SUCCESS"
  std::string ntstatus;  // "0x00000000"
  // IoStatus.Information; a PWSK_SOCKET when socket_result ("socket" key).
  uint64_t information = 0;
  bool socket_result = false;
  uint64_t mono_ns = 0;  // CLOCK_MONOTONIC at the start of the WSK call
  uint64_t dur_ns = 0;
};

// One intercepted Linux call.
struct TraceRecord {
  int line = 0;          // 1-based line number in the trace file
  uint64_t ts_ns = 0;    // wall clock
  uint64_t mono_ns = 0;  // CLOCK_MONOTONIC at the start of the call
  uint64_t dur_ns = 0;
  int64_t pid = 0;
  int64_t tid = 0;
  std::string call;  // "connect"
  int64_t fd = -1;   // the descriptor argument; -1 for socket() and others
  std::string args;  // decoded arguments, as the text trace shows them
  bool passthrough = false;
  std::vector<TraceWskCall> wsk;
  int64_t ret = 0;         // -1 on error; socket()/accept()'s new fd
  std::string errno_name;  // "EINPROGRESS"; empty unless the call failed
};

// Parses one trace line. On error returns false with *error describing it
// (without the line number).
bool ParseTraceRecord(absl::string_view line, TraceRecord* rec,
                      std::string* error);

// Reads a JSON-lines trace ("-" = standard input) and hands each record to
// `sink` in file order; blank lines are skipped. The first malformed line
// stops the read: returns false with *error = "PATH:LINE: malformed trace
// line: reason" (or "cannot read PATH: strerror"). A last line with no
// newline that does not parse is a write still in progress (the tracer
// writes whole lines) and is ignored. `sink` returning false stops the read
// too (and the function returns false with *error left as the sink set it).
bool ReadTrace(const std::string& path,
               const std::function<bool(TraceRecord&&)>& sink,
               std::string* error);

// Convenience: every record of the file.
bool ReadTraceFile(const std::string& path, std::vector<TraceRecord>* records,
                   std::string* error);

}  // namespace lxwsk_tool

#endif  // LXWSK_TOOLS_TRACE_JSON_H_
