#include "trace_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "lx/ioctl_table.h"
#include "lx/sockopt_table.h"
#include "trace_json.h"
#include "wsk/ws_types.h"
#include "wsk/wsk.h"

namespace lxwsk_tool {
namespace {

constexpr char kTraceUsage[] =
    "Usage: lxwsk trace SUBCOMMAND ...\n"
    "\n"
    "Post-processes a trace recorded as JSON lines (lxwsk run --trace=FILE\n"
    "--trace-format=json, or LXWSK_TRACE_FORMAT=json):\n"
    "\n"
    "  mermaid FILE [--pid=P] [--fd=N] [--process-names=A,B,...]\n"
    "        a Mermaid sequence diagram (program, syscalls layer, WSK\n"
    "        provider, host stack) on standard output; --pid and --fd keep\n"
    "        one process or one connection. Canonical: no times or pids;\n"
    "        ports become PORT_A..., descriptors fd1..., WSK sockets\n"
    "        sock1..., pointers PTR. --process-names labels the processes in\n"
    "        order of first appearance.\n"
    "  perfetto IN OUT\n"
    "        Chrome trace-event JSON for ui.perfetto.dev or chrome://tracing:\n"
    "        a track per thread, each Linux call a slice with its WSK calls\n"
    "        nested inside.\n"
    "  stats IN [OUT]\n"
    "        per process: calls per Linux call and WSK function, NTSTATUS\n"
    "        and errno histograms, bytes each way, p50/p99 latency.\n"
    "\n"
    "IN or FILE '-' reads standard input; OUT '-' (the default for stats) is\n"
    "standard output, 'stderr' standard error; an OUT file is created 0600\n"
    "and never through a symlink. A malformed line stops the command with a\n"
    "message naming it (status 1); nothing is written.\n";

// ---- output ----

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool WriteOutput(const std::string& out, absl::string_view data,
                 std::string* error) {
  if (out == "-" || out == "stderr") {
    FILE* f = out == "-" ? stdout : stderr;
    if (fwrite(data.data(), 1, data.size(), f) != data.size() ||
        fflush(f) != 0) {
      *error = absl::StrCat("cannot write to ", out == "-" ? "stdout" : out,
                            ": ", strerror(errno));
      return false;
    }
    return true;
  }
  int fd = open(out.c_str(),
                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = absl::StrCat("cannot write ", out, ": ", strerror(errno));
    return false;
  }
  bool ok = WriteAll(fd, data);
  int e = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    e = errno;
  }
  if (!ok) *error = absl::StrCat("cannot write ", out, ": ", strerror(e));
  return ok;
}

int Fail(absl::string_view what, const std::string& error) {
  fprintf(stderr, "lxwsk: %.*s: %s\n", static_cast<int>(what.size()),
          what.data(), error.c_str());
  return 1;
}

// ---- canonical text for diagrams ----

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True when s[0, end) ends in a dotted-quad IPv4 address.
bool EndsInIpv4(absl::string_view s, size_t end) {
  size_t i = end;
  int dots = 0;
  while (i > 0 && (IsDigit(s[i - 1]) || s[i - 1] == '.')) {
    if (s[i - 1] == '.') ++dots;
    --i;
  }
  if (dots != 3 || i == end || !IsDigit(s[i]) || !IsDigit(s[end - 1])) {
    return false;
  }
  return i == 0 || !(std::isalnum(static_cast<unsigned char>(s[i - 1])) ||
                     s[i - 1] == ':' || s[i - 1] == '_');
}

// Symbolic names for what changes from run to run.
class Canon {
 public:
  // "127.0.0.1:41234" and "[::1]:41234" -> ":PORT_A" (port 0 stays).
  std::string Ports(absl::string_view s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
      if (s[i] == ':' && i > 0 && (s[i - 1] == ']' || EndsInIpv4(s, i))) {
        size_t j = i + 1;
        while (j < s.size() && IsDigit(s[j])) ++j;
        if (j > i + 1 && j - i - 1 <= 5 &&
            (j == s.size() ||
             !std::isalnum(static_cast<unsigned char>(s[j])))) {
          absl::string_view port = s.substr(i + 1, j - i - 1);
          out.push_back(':');
          if (port == "0") {
            out.append("0");
          } else {
            out.append(PortName(std::string(port)));
          }
          i = j;
          continue;
        }
      }
      out.push_back(s[i]);
      ++i;
    }
    return out;
  }

  std::string Fd(int64_t pid, int64_t fd) {
    auto [it, inserted] =
        fds_.try_emplace({pid, fd}, static_cast<int>(fds_.size()) + 1);
    return absl::StrCat("fd", it->second);
  }

  std::string NewSocket() { return absl::StrCat("sock", ++sockets_); }

 private:
  std::string PortName(const std::string& port) {
    auto [it, inserted] =
        ports_.try_emplace(port, static_cast<int>(ports_.size()));
    int n = it->second;
    std::string name;
    do {  // A..Z, then AA, AB, ...
      name.insert(name.begin(), static_cast<char>('A' + n % 26));
      n = n / 26 - 1;
    } while (n >= 0);
    return absl::StrCat("PORT_", name);
  }

  std::map<std::string, int> ports_;
  std::map<std::pair<int64_t, int64_t>, int> fds_;
  int sockets_ = 0;
};

// Splits "5, {AF_INET(2), 127.0.0.1:80}, 16" at the top-level commas.
std::vector<std::string> SplitArgs(absl::string_view args) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (size_t i = 0; i < args.size(); ++i) {
    char c = args[i];
    if (c == '{' || c == '(' || c == '[') ++depth;
    if ((c == '}' || c == ')' || c == ']') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
      if (i + 1 < args.size() && args[i + 1] == ' ') ++i;
      continue;
    }
    cur.push_back(c);
  }
  if (!cur.empty() || !out.empty()) out.push_back(cur);
  return out;
}

// Which arguments the shim prints with %p (lxcore_shim/entry_*.cc).
const std::vector<int>* PointerArgs(absl::string_view call) {
  static const std::map<std::string, std::vector<int>, std::less<>> kTable = {
      {"send", {1}},           {"sendto", {1, 4}},      {"sendmsg", {1}},
      {"sendmmsg", {1}},       {"recv", {1}},           {"recvfrom", {1, 4, 5}},
      {"recvmsg", {1}},        {"recvmmsg", {1}},       {"read", {1}},
      {"write", {1}},          {"readv", {1}},          {"writev", {1}},
      {"ioctl", {2}},          {"accept", {1, 2}},      {"accept4", {1, 2}},
      {"getsockname", {1, 2}}, {"getpeername", {1, 2}}, {"getsockopt", {3, 4}},
      {"setsockopt", {3}}};
  auto it = kTable.find(call);
  return it == kTable.end() ? nullptr : &it->second;
}

bool IsHex(absl::string_view s, size_t min_digits) {
  if (!absl::StartsWith(s, "0x") || s.size() < 2 + min_digits) return false;
  for (char c : s.substr(2)) {
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// Names what the shim prints as numbers, the way strace does: socket
// option levels and names, ioctl requests (from the translation tables).
void NameLinuxArgs(absl::string_view call, std::vector<std::string>* args) {
  std::vector<std::string>& a = *args;
  if ((call == "setsockopt" || call == "getsockopt") && a.size() >= 3) {
    int level, name;
    if (!absl::SimpleAtoi(a[1], &level) || !absl::SimpleAtoi(a[2], &name)) {
      return;
    }
    lx::SockoptRow row = lx::FindLinuxSockopt(level, name);
    if (absl::string_view(row.name) == "(not in table)") return;
    absl::string_view level_name = lx::LinuxLevelName(level);
    if (level_name != "?") a[1] = std::string(level_name);
    a[2] = row.name;
  } else if (call == "ioctl" && a.size() >= 2) {
    unsigned long request;
    if (!absl::StartsWith(a[1], "0x") ||
        !absl::SimpleHexAtoi(absl::string_view(a[1]).substr(2), &request)) {
      return;
    }
    if (const lx::IoctlRow* row = lx::FindLinuxIoctl(request)) {
      a[1] = row->name;
    }
  }
}

std::string CanonArgs(const TraceRecord& r, Canon* canon) {
  std::vector<std::string> args = SplitArgs(r.args);
  NameLinuxArgs(r.call, &args);
  const std::vector<int>* ptrs = PointerArgs(r.call);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string& a = args[i];
    if (i == 0 && r.fd >= 0 && a == absl::StrCat(r.fd)) {
      a = canon->Fd(r.pid, r.fd);
      continue;
    }
    bool pointer_slot =
        ptrs != nullptr && std::find(ptrs->begin(), ptrs->end(),
                                     static_cast<int>(i)) != ptrs->end();
    if (pointer_slot && a == "(nil)") {
      a = "NULL";
    } else if (pointer_slot ? IsHex(a, 1) : IsHex(a, 8)) {
      a = "PTR";
    } else {
      a = canon->Ports(a);
    }
  }
  return absl::StrJoin(args, ", ");
}

bool ReturnsFd(absl::string_view call) {
  return call == "socket" || call == "accept" || call == "accept4";
}

// The WSK call's arguments as the tracing provider printed them:
// "WskConnect(AF_INET(2) 127.0.0.1:80) -> STATUS_..." -> the part inside.
std::string WskArgs(const TraceWskCall& w) {
  absl::string_view t = w.text;
  size_t open = t.find('(');
  size_t close = t.rfind(") -> ");
  if (open == absl::string_view::npos || close == absl::string_view::npos ||
      close < open) {
    return "";
  }
  return std::string(t.substr(open + 1, close - open - 1));
}

// "WskControlSocket(WskSetOption, code=0x4, level=0xFFFF, ...)": the name
// of the option or ioctl, from the tables and the WSK headers.
const char* ControlCodeName(absl::string_view type, unsigned long code,
                            unsigned long level) {
  if (type == "WskSetOption" || type == "WskGetOption") {
    if (level == wsk::WS_SOL_SOCKET) {
      switch (code) {
        case wsk::SO_WSK_SECURITY:
          return "SO_WSK_SECURITY";
        case wsk::SO_WSK_EVENT_CALLBACK:
          return "SO_WSK_EVENT_CALLBACK";
        case wsk::SO_LXWSK_HOST_HANDLE:
          return "SO_LXWSK_HOST_HANDLE";
        case wsk::SO_LXWSK_LISTEN_BACKLOG:
          return "SO_LXWSK_LISTEN_BACKLOG";
      }
    }
    const lx::SockoptRow* row = lx::FindWsSockopt(static_cast<uint32_t>(level),
                                                  static_cast<uint32_t>(code));
    return row != nullptr ? row->name : nullptr;
  }
  if (type == "WskIoctl") {
    switch (code) {
      case wsk::SIO_WSK_SET_REMOTE_ADDRESS:
        return "SIO_WSK_SET_REMOTE_ADDRESS";
      case wsk::SIO_WSK_QUERY_IDEAL_SEND_BACKLOG:
        return "SIO_WSK_QUERY_IDEAL_SEND_BACKLOG";
      case wsk::SIO_WSK_QUERY_RECEIVE_BACKLOG:
        return "SIO_WSK_QUERY_RECEIVE_BACKLOG";
      case wsk::SIO_LXWSK_HOST_IOCTL:
        return "SIO_LXWSK_HOST_IOCTL";
      case wsk::SIO_LXWSK_SHUTDOWN:
        return "SIO_LXWSK_SHUTDOWN";
      case wsk::SIO_LXWSK_STREAM_CATEGORY:
        return "SIO_LXWSK_STREAM_CATEGORY";
    }
    const lx::IoctlRow* row = lx::FindWsIoctl(static_cast<uint32_t>(code));
    return row != nullptr ? row->name : nullptr;
  }
  return nullptr;
}

// Parses "TYPE, code=0xC, level=0xL" at the start of WskControlSocket's
// arguments.
bool ParseControl(const std::string& args, std::string* type,
                  unsigned long* code, unsigned long* level) {
  char t[32] = "";
  if (sscanf(args.c_str(), "%31[^,], code=0x%lX, level=0x%lX", t, code,
             level) != 3) {
    return false;
  }
  *type = t;
  return true;
}

std::string CanonWskArgs(const TraceRecord& r, const TraceWskCall& w,
                         Canon* canon) {
  std::string args = canon->Ports(WskArgs(w));
  std::string type;
  unsigned long code, level;
  if (w.fn == "WskControlSocket" && ParseControl(args, &type, &code, &level)) {
    if (const char* name = ControlCodeName(type, code, level)) {
      size_t at = args.find(", level=");
      if (at != std::string::npos) args.insert(at, absl::StrCat(" ", name));
    }
  }
  // "handle=N" is the program's descriptor (the IRP's RequestorHandle).
  size_t at = args.find("handle=");
  if (at != std::string::npos) {
    size_t j = at + 7;
    while (j < args.size() && IsDigit(args[j])) ++j;
    int64_t fd;
    if (j > at + 7 && absl::SimpleAtoi(args.substr(at + 7, j - at - 7), &fd)) {
      args.replace(at + 7, j - at - 7, canon->Fd(r.pid, fd));
    }
  }
  return args;
}

// The HostStack method the provider calls for this WSK call
// (wsk_model/src/provider.cc); "" when the call stays in the provider. The
// trace records no host calls: this is derived from the WSK call alone.
std::string HostCall(const TraceWskCall& w) {
  static const std::map<std::string, std::string, std::less<>> kDirect = {
      {"WskSocket", "Socket"},
      {"WskSocketConnect", "Connect"},
      {"WskListen", "Listen"},
      {"WskAccept", "Accept"},
      {"WskConnect", "Connect"},
      {"WskSend", "Send"},
      {"WskSendTo", "Send"},
      {"WskReceive", "Receive"},
      {"WskReceiveFrom", "Receive"},
      {"WskLxSendMessage", "Send"},
      {"WskLxReceiveMessage", "Receive"},
      {"WskDisconnect", "Disconnect"},
      {"WskCloseSocket", "Close"},
      {"WskGetLocalAddress", "GetLocalAddress"},
      {"WskGetRemoteAddress", "GetRemoteAddress"}};
  if (auto it = kDirect.find(w.fn); it != kDirect.end()) return it->second;
  if (w.fn == "WskBind") {
    // An implicit bind only marks the socket bound (semantics.md).
    return absl::StrContains(w.text, "LX_IMPLICIT_BIND") ? "" : "Bind";
  }
  if (w.fn != "WskControlSocket") return "";
  std::string t;
  unsigned long code = 0, level = 0;
  if (!ParseControl(WskArgs(w), &t, &code, &level)) return "";
  const bool sol_socket = level == wsk::WS_SOL_SOCKET;
  if (t == "WskSetOption") {
    if (sol_socket && (code == wsk::SO_WSK_EVENT_CALLBACK ||
                       code == wsk::SO_LXWSK_LISTEN_BACKLOG)) {
      return "";
    }
    return "SetOption";
  }
  if (t == "WskGetOption") {
    return sol_socket && code == wsk::SO_LXWSK_HOST_HANDLE ? "" : "GetOption";
  }
  if (t == "WskIoctl") {
    switch (code) {
      case wsk::SIO_WSK_SET_REMOTE_ADDRESS:
        return "Connect";
      case wsk::SIO_LXWSK_SHUTDOWN:
        return "Disconnect";
      case wsk::SIO_WSK_QUERY_IDEAL_SEND_BACKLOG:
        return "GetOption";
      default:
        return "Ioctl";
    }
  }
  return "";
}

// Mermaid's sequence grammar ends a message at ';' and starts a comment at
// '#': write those as its entity codes.
std::string MermaidText(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ';') {
      out.append("#59;");
    } else if (c == '#') {
      out.append("#35;");
    } else if (c == '\n' || c == '\r') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string WskResult(const TraceWskCall& w, Canon* canon) {
  std::string s = absl::StrCat(w.status, " (", w.ntstatus, ")");
  if (w.socket_result) {
    absl::StrAppend(
        &s, " socket=", w.information != 0 ? canon->NewSocket() : "NULL");
  } else {
    absl::StrAppend(&s, " info=", w.information);
  }
  return s;
}

// ---- perfetto ----

std::string Micros(uint64_t ns) {
  return absl::StrFormat("%d.%03d", ns / 1000, ns % 1000);
}

bool SendLike(absl::string_view c) {
  return c == "send" || c == "sendto" || c == "sendmsg" || c == "write" ||
         c == "writev";
}
bool ReceiveLike(absl::string_view c) {
  return c == "recv" || c == "recvfrom" || c == "recvmsg" || c == "read" ||
         c == "readv" || c == "__read_chk" || c == "__recv_chk" ||
         c == "__recvfrom_chk";
}

int DoPerfetto(absl::string_view what, const std::string& in,
               const std::string& out) {
  PerfettoWriter writer;
  std::string error;
  if (!ReadTrace(
          in,
          [&writer](TraceRecord&& r) {
            writer.Add(r);
            return true;
          },
          &error)) {
    return Fail(what, error);
  }
  if (!WriteOutput(out, writer.Finish(), &error)) return Fail(what, error);
  return 0;
}

int DoStats(absl::string_view what, const std::string& in,
            const std::string& out) {
  StatsCollector stats;
  std::string error;
  if (!ReadTrace(
          in,
          [&stats](TraceRecord&& r) {
            stats.Add(r);
            return true;
          },
          &error)) {
    return Fail(what, error);
  }
  if (!WriteOutput(out, stats.Render(), &error)) return Fail(what, error);
  return 0;
}

int Usage(const std::string& what) {
  fprintf(stderr, "lxwsk: trace: %s (try 'lxwsk trace --help')\n",
          what.c_str());
  return 2;
}

int MermaidCommand(int argc, char** argv) {
  MermaidOptions opt;
  std::string file;
  bool have_file = false;
  for (int i = 0; i < argc; ++i) {
    absl::string_view a = argv[i];
    int64_t n;
    if (absl::StartsWith(a, "--pid=")) {
      if (!absl::SimpleAtoi(a.substr(6), &n) || n <= 0) {
        return Usage(absl::StrCat("mermaid: bad --pid '", a.substr(6), "'"));
      }
      opt.pid = n;
    } else if (absl::StartsWith(a, "--fd=")) {
      if (!absl::SimpleAtoi(a.substr(5), &n) || n < 0) {
        return Usage(absl::StrCat("mermaid: bad --fd '", a.substr(5), "'"));
      }
      opt.fd = n;
    } else if (absl::StartsWith(a, "--process-names=")) {
      opt.process_names = absl::StrSplit(a.substr(16), ',');
    } else if (a != "-" && absl::StartsWith(a, "-")) {
      return Usage(absl::StrCat("mermaid: unknown option '", a, "'"));
    } else if (have_file) {
      return Usage("mermaid: more than one FILE");
    } else {
      file = std::string(a);
      have_file = true;
    }
  }
  if (!have_file) return Usage("mermaid: no FILE given");
  std::vector<TraceRecord> records;
  std::string error;
  if (!ReadTraceFile(file, &records, &error)) {
    return Fail("trace mermaid", error);
  }
  std::string diagram = RenderMermaid(records, opt);
  if (diagram.empty()) {
    std::string sel;
    if (opt.pid) absl::StrAppend(&sel, " for pid ", *opt.pid);
    if (opt.fd) absl::StrAppend(&sel, " on fd ", *opt.fd);
    return Fail("trace mermaid", absl::StrCat("no calls", sel, " in ",
                                              file == "-" ? "<stdin>" : file));
  }
  if (!WriteOutput("-", diagram, &error)) return Fail("trace mermaid", error);
  return 0;
}

}  // namespace

uint64_t Percentile(std::vector<uint64_t> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(i, values.size() - 1)];
}

std::string RenderMermaid(const std::vector<TraceRecord>& records,
                          const MermaidOptions& options) {
  // Select; group by process in order of first appearance; within a
  // process order by start time (the file is in order of completion).
  std::vector<int64_t> pids;
  std::map<int64_t, std::vector<const TraceRecord*>> by_pid;
  for (const TraceRecord& r : records) {
    if (options.pid && r.pid != *options.pid) continue;
    if (options.fd && r.fd != *options.fd &&
        !(ReturnsFd(r.call) && r.ret == *options.fd)) {
      continue;
    }
    auto [it, inserted] = by_pid.try_emplace(r.pid);
    if (inserted) pids.push_back(r.pid);
    it->second.push_back(&r);
  }
  if (pids.empty()) return "";
  std::string out =
      "sequenceDiagram\n"
      "  participant P as Program\n"
      "  participant S as syscalls layer (lxcore)\n"
      "  participant W as WSK provider\n"
      "  participant H as host stack\n";
  Canon canon;
  const bool label = pids.size() > 1 || !options.process_names.empty();
  for (size_t p = 0; p < pids.size(); ++p) {
    std::vector<const TraceRecord*>& recs = by_pid[pids[p]];
    std::stable_sort(recs.begin(), recs.end(),
                     [](const TraceRecord* a, const TraceRecord* b) {
                       return a->mono_ns < b->mono_ns;
                     });
    std::map<int64_t, int> threads;
    for (const TraceRecord* r : recs) {
      threads.try_emplace(r->tid, static_cast<int>(threads.size()) + 1);
    }
    if (label) {
      std::string name = p < options.process_names.size()
                             ? options.process_names[p]
                             : absl::StrCat("process ", p + 1);
      absl::StrAppend(&out, "  Note over P,H: ", MermaidText(name), "\n");
    }
    for (const TraceRecord* r : recs) {
      std::string thread =
          threads.size() > 1 ? absl::StrCat("t", threads[r->tid], ": ") : "";
      absl::StrAppend(&out, "  P->>S: ",
                      MermaidText(absl::StrCat(thread, r->call, "(",
                                               CanonArgs(*r, &canon), ")")),
                      "\n");
      if (r->passthrough) {
        absl::StrAppend(&out,
                        "  Note over S: pass-through to the host's libc (not "
                        "a WSK family)\n");
      }
      for (const TraceWskCall& w : r->wsk) {
        absl::StrAppend(&out, "  S->>W: ",
                        MermaidText(absl::StrCat(
                            w.fn, "(", CanonWskArgs(*r, w, &canon), ")")),
                        "\n");
        std::string host = HostCall(w);
        if (!host.empty()) {
          absl::StrAppend(&out, "  W->>H: HostStack::", host, "\n");
        }
        absl::StrAppend(&out, "  W-->>S: ", MermaidText(WskResult(w, &canon)),
                        "\n");
      }
      std::string result;
      if (r->ret < 0) {
        result = absl::StrCat(r->ret, " ",
                              r->errno_name.empty() ? "E?" : r->errno_name);
      } else if (ReturnsFd(r->call)) {
        result = canon.Fd(r->pid, r->ret);
      } else {
        result = absl::StrCat(r->ret);
      }
      absl::StrAppend(&out, "  S-->>P: ", MermaidText(thread + result), "\n");
    }
  }
  return out;
}

void PerfettoWriter::Add(const TraceRecord& r) {
  if (tids_.find(r.pid) == tids_.end()) pids_.push_back(r.pid);
  tids_[r.pid].insert(r.tid);
  const uint64_t start = r.mono_ns, end = r.mono_ns + r.dur_ns;
  std::string e;
  absl::StrAppend(&e, ",\n{\"name\":");
  AppendJsonString(r.call, &e);
  absl::StrAppend(
      &e, ",\"cat\":\"", r.passthrough ? "linux,passthrough" : "linux",
      "\",\"ph\":\"X\",\"ts\":", Micros(start), ",\"dur\":", Micros(r.dur_ns),
      ",\"pid\":", r.pid, ",\"tid\":", r.tid, ",\"args\":{\"args\":");
  AppendJsonString(r.args, &e);
  absl::StrAppend(&e, ",\"fd\":", r.fd, ",\"ret\":", r.ret);
  if (!r.errno_name.empty()) {
    absl::StrAppend(&e, ",\"errno\":");
    AppendJsonString(r.errno_name, &e);
  }
  absl::StrAppend(&e, ",\"passthrough\":", r.passthrough ? "true" : "false",
                  ",\"wall_ns\":", r.ts_ns, ",\"line\":", r.line, "}}");
  for (const TraceWskCall& w : r.wsk) {
    // Nested slices must lie inside their parent; the clocks are the same
    // (CLOCK_MONOTONIC) so this only guards against damaged input.
    uint64_t ws = w.mono_ns, we = w.mono_ns + w.dur_ns;
    if (ws < start || we > end || we < ws) {
      ++clamped_;
      ws = std::clamp(ws, start, end);
      we = std::clamp(std::max(we, ws), ws, end);
    }
    absl::StrAppend(&e, ",\n{\"name\":");
    AppendJsonString(w.fn, &e);
    absl::StrAppend(&e, ",\"cat\":\"wsk\",\"ph\":\"X\",\"ts\":", Micros(ws),
                    ",\"dur\":", Micros(we - ws), ",\"pid\":", r.pid,
                    ",\"tid\":", r.tid, ",\"args\":{\"call\":");
    AppendJsonString(w.text, &e);
    absl::StrAppend(&e, ",\"status\":");
    AppendJsonString(w.status, &e);
    absl::StrAppend(&e, ",\"ntstatus\":");
    AppendJsonString(w.ntstatus, &e);
    if (w.socket_result) {
      // A pointer: as text, since JSON readers hold numbers in doubles.
      absl::StrAppend(&e, ",\"socket\":\"",
                      absl::StrFormat("0x%x", w.information), "\"}}");
    } else {
      absl::StrAppend(&e, ",\"info\":", w.information, "}}");
    }
  }
  events_.append(e);
}

std::string PerfettoWriter::Finish() const {
  std::string meta;
  for (int64_t pid : pids_) {
    absl::StrAppend(
        &meta, ",\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":", pid,
        ",\"tid\":", pid, ",\"args\":{\"name\":\"pid ", pid, "\"}}");
    for (int64_t tid : tids_.at(pid)) {
      absl::StrAppend(&meta,
                      ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":", pid,
                      ",\"tid\":", tid, ",\"args\":{\"name\":\"",
                      tid == pid ? "main thread" : "thread", " ", tid, "\"}}");
    }
  }
  std::string body = meta + events_;
  if (!body.empty()) body.erase(0, 1);  // the first ","
  return absl::StrCat("{\"traceEvents\":[", body,
                      "\n],\"displayTimeUnit\":\"ns\"}\n");
}

void StatsCollector::Add(const TraceRecord& r) {
  auto [it, inserted] = index_.try_emplace(r.pid, processes_.size());
  if (inserted) {
    processes_.emplace_back();
    processes_.back().pid = r.pid;
  }
  Process& p = processes_[it->second];
  p.tids.insert(r.tid);
  ++p.calls;
  PerCall& c = p.linux_calls[r.call];
  c.durations_ns.push_back(r.dur_ns);
  if (r.passthrough) {
    ++p.passthrough;
    ++c.passthrough;
  }
  if (r.ret < 0) {
    ++p.failed;
    ++c.errors;
    ++p.errnos[r.errno_name.empty() ? "E?" : r.errno_name];
  }
  for (const TraceWskCall& w : r.wsk) {
    ++p.wsk_calls;
    p.wsk[w.fn].durations_ns.push_back(w.dur_ns);
    ++p.ntstatus[absl::StrCat(w.status, " (", w.ntstatus, ")")];
  }
  if (r.passthrough) return;
  if (SendLike(r.call) || ReceiveLike(r.call)) {
    bool send = SendLike(r.call);
    (send ? p.send_calls : p.receive_calls)++;
    if (r.ret > 0) {
      (send ? p.bytes_sent : p.bytes_received) += static_cast<uint64_t>(r.ret);
    }
  } else if (r.call == "sendmmsg" || r.call == "recvmmsg") {
    // These return a message count: the bytes are the WSK calls' counts.
    bool send = r.call == "sendmmsg";
    (send ? p.send_calls : p.receive_calls)++;
    for (const TraceWskCall& w : r.wsk) {
      if (w.status != "STATUS_SUCCESS" || w.socket_result) continue;
      if (send && (w.fn == "WskSend" || w.fn == "WskSendTo" ||
                   w.fn == "WskLxSendMessage")) {
        p.bytes_sent += w.information;
      } else if (!send && (w.fn == "WskReceive" || w.fn == "WskReceiveFrom" ||
                           w.fn == "WskLxReceiveMessage")) {
        p.bytes_received += w.information;
      }
    }
  }
}

namespace {

std::string Us(uint64_t ns) {
  return absl::StrFormat("%.1f", static_cast<double>(ns) / 1000.0);
}

// Rows by count (descending), then name.
template <typename V, typename Count>
std::vector<std::pair<std::string, const V*>> Ranked(
    const std::map<std::string, V>& m, Count count) {
  std::vector<std::pair<std::string, const V*>> rows;
  for (const auto& [name, v] : m) rows.emplace_back(name, &v);
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    return count(*a.second) > count(*b.second);
  });
  return rows;
}

size_t NameWidth(size_t min, const std::vector<std::string>& names) {
  size_t w = min;
  for (const std::string& n : names) w = std::max(w, n.size());
  return w;
}

}  // namespace

std::string StatsCollector::Render() const {
  std::string out;
  if (processes_.empty()) return "lxwsk statistics: no calls traced\n";
  uint64_t calls = 0;
  for (const Process& p : processes_) calls += p.calls;
  absl::StrAppendFormat(&out, "lxwsk statistics: %d Linux calls in %d %s\n",
                        calls, processes_.size(),
                        processes_.size() == 1 ? "process" : "processes");
  for (const Process& p : processes_) {
    absl::StrAppendFormat(&out, "\n== pid %d ==\n", p.pid);
    absl::StrAppendFormat(
        &out,
        "%d Linux calls (%d failed, %d pass-through) in %d %s, %d WSK calls\n",
        p.calls, p.failed, p.passthrough, p.tids.size(),
        p.tids.size() == 1 ? "thread" : "threads", p.wsk_calls);

    auto calls_of = [](const PerCall& c) { return c.durations_ns.size(); };
    std::vector<std::string> names;
    for (const auto& [n, c] : p.linux_calls) names.push_back(n);
    size_t w = NameWidth(18, names);
    absl::StrAppendFormat(&out, "\n%-*s %8s %8s %10s %10s\n", w, "Linux call",
                          "calls", "errors", "p50 us", "p99 us");
    for (const auto& [name, c] : Ranked(p.linux_calls, calls_of)) {
      absl::StrAppendFormat(&out, "%-*s %8d %8d %10s %10s\n", w, name,
                            c->durations_ns.size(), c->errors,
                            Us(Percentile(c->durations_ns, 50)),
                            Us(Percentile(c->durations_ns, 99)));
    }

    names.clear();
    for (const auto& [n, c] : p.wsk) names.push_back(n);
    w = NameWidth(18, names);
    absl::StrAppendFormat(&out, "\n%-*s %8s %10s %10s\n", w, "WSK call",
                          "calls", "p50 us", "p99 us");
    if (p.wsk.empty()) absl::StrAppend(&out, "(none)\n");
    for (const auto& [name, c] : Ranked(p.wsk, calls_of)) {
      absl::StrAppendFormat(&out, "%-*s %8d %10s %10s\n", w, name,
                            c->durations_ns.size(),
                            Us(Percentile(c->durations_ns, 50)),
                            Us(Percentile(c->durations_ns, 99)));
    }

    auto count_of = [](uint64_t n) { return n; };
    names.clear();
    for (const auto& [n, c] : p.ntstatus) names.push_back(n);
    w = NameWidth(30, names);
    absl::StrAppendFormat(&out, "\n%-*s %8s\n", w, "NTSTATUS", "calls");
    if (p.ntstatus.empty()) absl::StrAppend(&out, "(none)\n");
    for (const auto& [name, n] : Ranked(p.ntstatus, count_of)) {
      absl::StrAppendFormat(&out, "%-*s %8d\n", w, name, *n);
    }

    names.clear();
    for (const auto& [n, c] : p.errnos) names.push_back(n);
    w = NameWidth(18, names);
    absl::StrAppendFormat(&out, "\n%-*s %8s\n", w, "errno", "calls");
    if (p.errnos.empty()) absl::StrAppend(&out, "(none)\n");
    for (const auto& [name, n] : Ranked(p.errnos, count_of)) {
      absl::StrAppendFormat(&out, "%-*s %8d\n", w, name, *n);
    }

    absl::StrAppendFormat(&out, "\n%-18s %12d in %d calls\n", "bytes sent",
                          p.bytes_sent, p.send_calls);
    absl::StrAppendFormat(&out, "%-18s %12d in %d calls\n", "bytes received",
                          p.bytes_received, p.receive_calls);
  }
  return out;
}

int ConvertToPerfetto(const std::string& in, const std::string& out) {
  return DoPerfetto("perfetto", in, out);
}

int WriteStats(const std::string& in, const std::string& out) {
  return DoStats("stats", in, out);
}

int TraceCommand(int argc, char** argv) {
  if (argc < 1) return Usage("no subcommand given (mermaid, perfetto, stats)");
  absl::string_view sub = argv[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    fputs(kTraceUsage, stdout);
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    absl::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      fputs(kTraceUsage, stdout);
      return 0;
    }
  }
  if (sub == "mermaid") return MermaidCommand(argc - 1, argv + 1);
  if (sub == "perfetto") {
    if (argc != 3) return Usage("usage: lxwsk trace perfetto IN OUT");
    return DoPerfetto("trace perfetto", argv[1], argv[2]);
  }
  if (sub == "stats") {
    if (argc != 2 && argc != 3)
      return Usage("usage: lxwsk trace stats IN [OUT]");
    return DoStats("trace stats", argv[1], argc == 3 ? argv[2] : "-");
  }
  return Usage(absl::StrCat("unknown subcommand '", sub,
                            "' (mermaid, perfetto, stats)"));
}

}  // namespace lxwsk_tool
