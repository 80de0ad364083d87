#include "trace.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lx/socket_tables.h"
#include "lx/status_table.h"
#include "shim_state.h"
#include "tracing_provider.h"

namespace lxshim {

bool g_trace_on = false;

namespace {

int g_trace_fd = -1;
int g_only_fd = -1;
char g_calls[256];  // ",connect,accept," or empty for all

thread_local constinit TraceCall* t_current = nullptr;

bool g_json = false;

class ShimSink final : public wsk::TraceSink {
 public:
  void WskCall(const wsk::WskCallRecord& call) override {
    if (t_current != nullptr) t_current->AddWsk(call);
  }
};
ShimSink g_sink;
lx::WskBinding g_traced_binding;

uint64_t NowNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

// A high descriptor the program will not run into.
int Hide(int fd) {
  rlimit rl{};
  long hi = 1000;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
      rl.rlim_cur > 64) {
    hi = static_cast<long>(rl.rlim_cur) - 8;
  }
  long moved = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, hi);
  if (moved < 0) moved = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 64);
  if (moved < 0) return fd;
  return static_cast<int>(moved);
}

bool Wanted(const char* name, int fd) {
  if (g_only_fd >= 0 && fd != g_only_fd) return false;
  if (g_calls[0] == '\0') return true;
  char key[40];
  snprintf(key, sizeof(key), ",%s,", name);
  return strstr(g_calls, key) != nullptr;
}

}  // namespace

void TraceInit() {
  const char* path = getenv("LXWSK_TRACE");
  if (path == nullptr || *path == '\0') return;
  int fd;
  if (strcmp(path, "stderr") == 0) {
    fd = static_cast<int>(syscall(SYS_fcntl, 2, F_DUPFD_CLOEXEC, 0));
  } else {
    // 0600, and never through a symlink someone planted.
    fd = static_cast<int>(
        syscall(SYS_openat, AT_FDCWD, path,
                O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  }
  if (fd < 0) return;
  int hidden = Hide(fd);
  if (hidden != fd) syscall(SYS_close, fd);
  g_trace_fd = hidden;
  if (const char* calls = getenv("LXWSK_TRACE_CALLS"); calls && *calls) {
    snprintf(g_calls, sizeof(g_calls), ",%s,", calls);
  }
  if (const char* f = getenv("LXWSK_TRACE_FORMAT");
      f && strcmp(f, "json") == 0) {
    g_json = true;
  }
  if (const char* only = getenv("LXWSK_TRACE_FD"); only && *only) {
    g_only_fd = atoi(only);
  }
  const lx::WskBinding& real = lx::DefaultBinding();
  g_traced_binding.client = real.client;
  g_traced_binding.provider =
      real.provider ? wsk::NewTracingProvider(real.provider, &g_sink) : nullptr;
  g_trace_on = true;
}

const lx::WskBinding& Binding() {
  return g_trace_on ? g_traced_binding : lx::DefaultBinding();
}

int TraceFd() { return g_trace_fd; }

void TraceFdWanted(int fd) {
  if (fd != g_trace_fd || fd < 0) return;
  long moved = syscall(SYS_fcntl, g_trace_fd, F_DUPFD_CLOEXEC, 64);
  if (moved < 0) return;
  g_trace_fd = static_cast<int>(moved);
  // The old number is about to be replaced by the program's dup2.
}

namespace {

// vsnprintf for the conversions the entry points use (%d %u %x %lx %zu %p
// %s, no flags or widths), with glibc's output ("(nil)", "(null)");
// false for anything else, and the caller uses vsnprintf.
bool FastFormat(char* out, size_t cap, const char* fmt, va_list ap) {
  char* p = out;
  char* const end = out + cap - 1;
  char num[24];
  auto put = [&](const char* s, size_t n) {
    if (n > static_cast<size_t>(end - p)) n = static_cast<size_t>(end - p);
    memcpy(p, s, n);
    p += n;
  };
  auto dec = [&](unsigned long v, bool neg) {
    int n = 0;
    do {
      num[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    if (neg) num[n++] = '-';
    char rev[24];
    for (int i = 0; i < n; ++i) rev[i] = num[n - 1 - i];
    put(rev, static_cast<size_t>(n));
  };
  auto hex = [&](unsigned long v, bool prefix) {
    int n = 0;
    do {
      num[n++] = "0123456789abcdef"[v & 0xF];
      v >>= 4;
    } while (v != 0);
    if (prefix) {
      num[n++] = 'x';
      num[n++] = '0';
    }
    char rev[24];
    for (int i = 0; i < n; ++i) rev[i] = num[n - 1 - i];
    put(rev, static_cast<size_t>(n));
  };
  for (const char* f = fmt; *f != '\0'; ++f) {
    if (*f != '%') {
      if (p < end) *p++ = *f;
      continue;
    }
    ++f;
    if (f[0] == 'd') {
      int v = va_arg(ap, int);
      dec(v < 0 ? 0ul - static_cast<unsigned long>(static_cast<long>(v))
                : static_cast<unsigned long>(v),
          v < 0);
    } else if (f[0] == 'u') {
      dec(va_arg(ap, unsigned), false);
    } else if (f[0] == 'x') {
      hex(va_arg(ap, unsigned), false);
    } else if (f[0] == 'l' && f[1] == 'x') {
      hex(va_arg(ap, unsigned long), false);
      ++f;
    } else if (f[0] == 'z' && f[1] == 'u') {
      dec(va_arg(ap, size_t), false);
      ++f;
    } else if (f[0] == 'p') {
      void* v = va_arg(ap, void*);
      if (v == nullptr) {
        put("(nil)", 5);
      } else {
        hex(reinterpret_cast<uintptr_t>(v), true);
      }
    } else if (f[0] == 's') {
      const char* v = va_arg(ap, const char*);
      if (v == nullptr) v = "(null)";
      put(v, strlen(v));
    } else {
      return false;
    }
  }
  *p = '\0';
  return true;
}

}  // namespace

TraceCall::TraceCall(const char* name, int fd, const char* fmt, ...)
    : active_(Wanted(name, fd)), name_(name), fd_(fd), outer_(t_current) {
  if (!active_) return;
  int saved = errno;
  wall_ns_ = NowNs(CLOCK_REALTIME);
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  if (!FastFormat(args_, sizeof(args_), fmt, ap)) {
    vsnprintf(args_, sizeof(args_), fmt, again);
  }
  va_end(again);
  va_end(ap);
  t_current = this;
  errno = saved;
  start_ns_ = NowNs(CLOCK_MONOTONIC);
}

TraceCall::~TraceCall() {
  if (active_ && t_current == this) t_current = outer_;
}

void TraceCall::AddWsk(const wsk::WskCallRecord& call) {
  if (!active_ || nwsk_ == static_cast<int>(sizeof(wsk_) / sizeof(wsk_[0]))) {
    return;
  }
  Wsk& w = wsk_[nwsk_++];
  size_t n =
      call.length < sizeof(w.text) - 1 ? call.length : sizeof(w.text) - 1;
  memcpy(w.text, call.text, n);
  w.text[n] = '\0';
  w.length = static_cast<uint16_t>(n);
  w.function_length = static_cast<uint16_t>(
      call.function_length < n ? call.function_length : n);
  w.status = call.status;
  w.information = call.information;
  w.socket_result = call.socket_result;
  w.start_ns = call.start_ns;
  w.end_ns = call.end_ns;
}

void TraceCall::Note(const char* text) { note_ = text; }

namespace {

// pid and tid of the calling thread, cached per thread: two system calls
// less per line. A fork child refreshes them (g_state.pid changes in the
// atfork handler). Not noticed: a vfork child before exec, whose lines
// carry the parent's ids.
struct Ids {
  long pid = 0;
  long tid = 0;
};
thread_local constinit Ids t_ids;

const Ids& CurrentIds() {
  if (t_ids.pid != g_state.pid || t_ids.tid == 0) [[unlikely]] {
    t_ids.pid = static_cast<long>(syscall(SYS_getpid));
    t_ids.tid = static_cast<long>(syscall(SYS_gettid));
    if (t_ids.pid != g_state.pid) t_ids.tid = 0;  // not cached
  }
  return t_ids;
}

// Decimal digits of v, at least `width` of them (zero-padded), at p;
// returns the end.
char* PutUnsigned(char* p, unsigned long v, int width = 1) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width) tmp[n++] = '0';
  while (n > 0) *p++ = tmp[--n];
  return p;
}
char* PutSigned(char* p, long v) {
  if (v < 0) {
    *p++ = '-';
    return PutUnsigned(p, 0ul - static_cast<unsigned long>(v));
  }
  return PutUnsigned(p, static_cast<unsigned long>(v));
}

// Appends to a fixed buffer, keeping room for the final newline.
struct Out {
  char buf[4096];
  size_t len = 0;
  // Raw text of known length (room is checked by the caller's sizes: the
  // callers below append at most a few hundred bytes this way).
  void Put(const char* s, size_t n) {
    if (n > sizeof(buf) - 2 - len) n = sizeof(buf) - 2 - len;
    memcpy(buf + len, s, n);
    len += n;
  }
  void Put(const char* s) { Put(s, strlen(s)); }
  void Add(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    if (len >= sizeof(buf) - 2) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, sizeof(buf) - 1 - len, fmt, ap);
    va_end(ap);
    if (n > 0) len += static_cast<size_t>(n);
    if (len > sizeof(buf) - 2) len = sizeof(buf) - 2;
  }
  void Json(const char* s, size_t n) {  // a JSON string literal
    Add("\"");
    for (size_t i = 0; i < n && len < sizeof(buf) - 8; ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"' || c == '\\') {
        buf[len++] = '\\';
        buf[len++] = static_cast<char>(c);
      } else if (c < 0x20) {
        Add("\\u%04x", c);
      } else {
        buf[len++] = static_cast<char>(c);
      }
    }
    Add("\"");
  }
  void Write() {
    buf[len++] = '\n';
    // One write per line: lines from many threads and processes never mix.
    syscall(SYS_write, g_trace_fd, buf, len);
  }
};

const char* StatusName(int32_t st, char* tmp, size_t cap) {
  const char* name = wsk::NtStatusName(st);
  if (name != nullptr) return name;
  if (wsk::IsUnmappedHostErrnoStatus(st)) {
    snprintf(tmp, cap, "LXWSK_HOST_ERRNO_%u",
             static_cast<unsigned>(st) & 0xFFFF);
    return tmp;
  }
  return "STATUS_?";
}

}  // namespace

void TraceCall::WriteText(long result, uint64_t end_ns) {
  Out o;
  const Ids& ids = CurrentIds();
  // "%ld.%06ld [%ld:%ld] %s(%s)" by hand: no vsnprintf on the way.
  char head[96];
  char* p = PutUnsigned(head, wall_ns_ / 1000000000u);
  *p++ = '.';
  p = PutUnsigned(p, (wall_ns_ % 1000000000u) / 1000, 6);
  *p++ = ' ';
  *p++ = '[';
  p = PutSigned(p, ids.pid);
  *p++ = ':';
  p = PutSigned(p, ids.tid);
  *p++ = ']';
  *p++ = ' ';
  o.Put(head, static_cast<size_t>(p - head));
  o.Put(name_);
  o.Put("(", 1);
  o.Put(args_);
  o.Put(")", 1);
  for (int i = 0; i < nwsk_; ++i) {
    o.Put(" | ", 3);
    o.Put(wsk_[i].text, wsk_[i].length);
  }
  if (note_ != nullptr) {
    o.Put(" | ", 3);
    o.Put(note_);
  }
  // The duration in microseconds with one decimal (rounded half up).
  const uint64_t tenths = (end_ns - start_ns_ + 50) / 100;
  if (result < 0) {
    const char* e = strerrorname_np(static_cast<int>(-result));
    o.Add(" = -1 %s (%s) <%lu.%luus>", e ? e : "E?",
          strerror(static_cast<int>(-result)),
          static_cast<unsigned long>(tenths / 10),
          static_cast<unsigned long>(tenths % 10));
  } else {
    char tail[64];
    char* q = tail;
    memcpy(q, " = ", 3);
    q = PutSigned(q + 3, result);
    memcpy(q, " <", 2);
    q = PutUnsigned(q + 2, tenths / 10);
    *q++ = '.';
    q = PutUnsigned(q, tenths % 10);
    memcpy(q, "us>", 3);
    q += 3;
    o.Put(tail, static_cast<size_t>(q - tail));
  }
  o.Write();
}

void TraceCall::WriteJson(long result, uint64_t end_ns) {
  Out o;
  char tmp[40];
  o.Add(
      "{\"ts_ns\":%lu,\"mono_ns\":%lu,\"dur_ns\":%lu,\"pid\":%ld,\"tid\":%ld,"
      "\"call\":\"%s\",\"fd\":%d,\"args\":",
      static_cast<unsigned long>(wall_ns_),
      static_cast<unsigned long>(start_ns_),
      static_cast<unsigned long>(end_ns - start_ns_), CurrentIds().pid,
      CurrentIds().tid, name_, fd_);
  o.Json(args_, strlen(args_));
  o.Add(",\"passthrough\":%s,\"wsk\":[", note_ != nullptr ? "true" : "false");
  for (int i = 0; i < nwsk_; ++i) {
    const Wsk& w = wsk_[i];
    o.Add("%s{\"fn\":", i ? "," : "");
    o.Json(w.text, w.function_length);
    o.Add(",\"text\":");
    o.Json(w.text, w.length);
    o.Add(
        ",\"status\":\"%s\",\"ntstatus\":\"0x%08X\",\"%s\":%lu,"
        "\"mono_ns\":%lu,\"dur_ns\":%lu}",
        StatusName(w.status, tmp, sizeof(tmp)), static_cast<unsigned>(w.status),
        w.socket_result ? "socket" : "info",
        static_cast<unsigned long>(w.information),
        static_cast<unsigned long>(w.start_ns),
        static_cast<unsigned long>(w.end_ns - w.start_ns));
  }
  o.Add("],\"ret\":%ld", result < 0 ? -1L : result);
  if (result < 0) {
    const char* e = strerrorname_np(static_cast<int>(-result));
    o.Add(",\"errno\":\"%s\"", e ? e : "E?");
  }
  o.Add("}");
  o.Write();
}

long TraceCall::End(long result) {
  if (!active_) return result;
  int saved = errno;
  uint64_t end_ns = NowNs(CLOCK_MONOTONIC);
  if (g_json) {
    WriteJson(result, end_ns);
  } else {
    WriteText(result, end_ns);
  }
  t_current = outer_;
  active_ = false;
  errno = saved;
  return result;
}

}  // namespace lxshim
