// `lxwsk trace`: post-processing of a JSON-lines trace (lxwsk run --trace
// with the json format) into
//   mermaid   a Mermaid sequence diagram, program -> syscalls layer -> WSK
//             provider -> host stack, canonical (no times, pids, ephemeral
//             ports, descriptor numbers or pointers) so runs compare equal;
//   perfetto  Chrome trace-event JSON: each Linux call a slice on its
//             thread's track, the WSK calls nested inside it;
//   stats     a summary per process: calls, WSK calls, NTSTATUS and errno
//             histograms, bytes each way, latency percentiles.
//
// Input errors: the first malformed line fails the whole command (nothing
// is written); the one-line message names the file and line. An
// unterminated last line that does not parse is a write in progress and is
// ignored (see ReadTrace). Exit status:
// 0 done, 1 unreadable or malformed input or unwritable output, 2 usage.
#ifndef LXWSK_TOOLS_TRACE_COMMAND_H_
#define LXWSK_TOOLS_TRACE_COMMAND_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "trace_json.h"

namespace lxwsk_tool {

// `lxwsk trace SUBCOMMAND ...` (argv after "trace").
int TraceCommand(int argc, char** argv);

// For `lxwsk run`: converts the JSON-lines trace `in` to trace-event JSON in
// `out`, and writes the statistics of `in` to `out`. `out` is a path
// (created 0600, truncated, never through a symlink), "-" for standard
// output or "stderr". Return 0, or print one line "lxwsk: ..." to stderr and
// return 1.
int ConvertToPerfetto(const std::string& in, const std::string& out);
int WriteStats(const std::string& in, const std::string& out);

// ---- the transformations, for tests ----

struct MermaidOptions {
  std::optional<int64_t> pid;  // only this process
  std::optional<int64_t> fd;   // only this descriptor's calls
  // Labels for the processes in order of first appearance ("server",
  // "client"); the others are "process N".
  std::vector<std::string> process_names;
};

// The diagram of the selected records, or "" when none is selected.
std::string RenderMermaid(const std::vector<TraceRecord>& records,
                          const MermaidOptions& options);

// Trace-event JSON, built one record at a time.
class PerfettoWriter {
 public:
  void Add(const TraceRecord& rec);
  // The whole document: {"traceEvents":[...],"displayTimeUnit":"ns"}.
  std::string Finish() const;
  // WSK calls whose times fell outside their Linux call and were clamped.
  int clamped() const { return clamped_; }

 private:
  std::string events_;
  std::vector<int64_t> pids_;                  // first appearance order
  std::map<int64_t, std::set<int64_t>> tids_;  // per pid
  int clamped_ = 0;
};

// Statistics per process, built one record at a time.
class StatsCollector {
 public:
  void Add(const TraceRecord& rec);
  std::string Render() const;

 private:
  struct PerCall {
    std::vector<uint64_t> durations_ns;
    uint64_t errors = 0;
    uint64_t passthrough = 0;
  };
  struct Process {
    int64_t pid = 0;
    std::set<int64_t> tids;
    uint64_t calls = 0, failed = 0, passthrough = 0, wsk_calls = 0;
    std::map<std::string, PerCall> linux_calls, wsk;
    std::map<std::string, uint64_t> ntstatus, errnos;
    uint64_t bytes_sent = 0, bytes_received = 0;
    uint64_t send_calls = 0, receive_calls = 0;
  };
  std::vector<Process> processes_;  // first appearance order
  std::map<int64_t, size_t> index_;
};

// Nearest-rank percentile (p in 0..100) of unsorted values; 0 when empty.
uint64_t Percentile(std::vector<uint64_t> values, double p);

}  // namespace lxwsk_tool

#endif  // LXWSK_TOOLS_TRACE_COMMAND_H_
