#include "run_command.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "trace_command.h"

namespace lxwsk_tool {
namespace {

bool IsFile(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string SelfDir(const char* argv0) {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  std::string p = n > 0 ? std::string(buf, static_cast<size_t>(n)) : argv0;
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

// Where the library is: --library, $LXWSK_LIBRARY, next to the binary, or
// the install layout (bin/../lib/lxwsk/).
std::vector<std::string> LibraryCandidates(const std::string& dir) {
  std::vector<std::string> c;
  if (const char* env = getenv("LXWSK_LIBRARY"); env != nullptr && *env) {
    c.emplace_back(env);
    return c;
  }
  c.push_back(dir + "/liblxwsk.so");
  c.push_back(dir + "/../lib/lxwsk/liblxwsk.so");
  c.push_back(dir + "/../lib/liblxwsk.so");
  return c;
}

// execvp's search, done first so that "not found" is our one-line error.
std::string FindProgram(const std::string& name, int* err) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), F_OK) != 0) {
      *err = ENOENT;
    } else if (!IsFile(name) || access(name.c_str(), X_OK) != 0) {
      *err = EACCES;
    }
    return name;
  }
  const char* path = getenv("PATH");
  *err = ENOENT;
  for (absl::string_view d :
       absl::StrSplit(path ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    std::string cand = std::string(d.empty() ? "." : d) + "/" + name;
    if (!IsFile(cand)) continue;
    if (access(cand.c_str(), X_OK) == 0) {
      *err = 0;
      return cand;
    }
    *err = EACCES;
  }
  return name;
}

}  // namespace

// Opens (creating, 0600, never through a symlink) the trace file now, so a
// bad path is our one-line error before the program starts. Returns the
// absolute path the library will reopen, or "" with a message printed.
std::string PrepareTraceFile(const std::string& path) {
  if (path == "stderr") return path;
  // Truncated once here (as strace -o does); every traced process of the
  // run then appends to it.
  int fd = open(path.c_str(),
                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "lxwsk: cannot open trace file %s: %s\n", path.c_str(),
            strerror(errno));
    return "";
  }
  fchmod(fd, 0600);
  close(fd);
  char real[PATH_MAX];
  if (realpath(path.c_str(), real) == nullptr) return path;
  return real;
}

namespace {

struct RunOptions {
  std::string library;
  std::string trace;  // user's trace destination ("" = none)
  std::string trace_format = "text";
  std::string trace_calls, trace_fd;
  bool stats = false;
  std::string stats_out = "stderr";
};

constexpr char kRunHelp[] =
    "Usage: lxwsk run [OPTIONS] [--] PROGRAM [ARGS...]\n"
    "  --library=PATH       liblxwsk.so to preload\n"
    "  --trace[=FILE]       one line per call through every layer, to FILE\n"
    "                       (default ./lxwsk.trace; 'stderr' for stderr)\n"
    "  --trace-format=FMT   text (default), json (one object per line), or\n"
    "                       perfetto (Chrome trace-event JSON, written when\n"
    "                       the program exits)\n"
    "  --trace-calls=LIST   only these calls (e.g. connect,accept4,send)\n"
    "  --trace-fd=N         only calls on descriptor N\n"
    "  --stats[=FILE]       at exit, a summary per process (default stderr)\n";

// Returns the index of PROGRAM in argv, or -(exit status) on error.
int ParseRunOptions(int argc, char** argv, RunOptions* o) {
  int i = 0;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") return i + 1;
    if (a.rfind("--library=", 0) == 0) {
      o->library = std::string(a.substr(10));
    } else if (a == "--trace") {
      o->trace = "lxwsk.trace";
    } else if (a.rfind("--trace=", 0) == 0) {
      o->trace = std::string(a.substr(8));
    } else if (a.rfind("--trace-format=", 0) == 0) {
      o->trace_format = std::string(a.substr(15));
      if (o->trace_format != "text" && o->trace_format != "json" &&
          o->trace_format != "perfetto") {
        fprintf(stderr,
                "lxwsk: run: unknown trace format '%s' (text, json, "
                "perfetto)\n",
                o->trace_format.c_str());
        return -2;
      }
    } else if (a.rfind("--trace-calls=", 0) == 0) {
      o->trace_calls = std::string(a.substr(14));
    } else if (a.rfind("--trace-fd=", 0) == 0) {
      o->trace_fd = std::string(a.substr(11));
    } else if (a == "--stats") {
      o->stats = true;
    } else if (a.rfind("--stats=", 0) == 0) {
      o->stats = true;
      o->stats_out = std::string(a.substr(8));
    } else if (a == "--help" || a == "-h") {
      fputs(kRunHelp, stdout);
      return -0x100;
    } else if (a.rfind("-", 0) == 0) {
      fprintf(stderr, "lxwsk: run: unknown option '%s'\n", argv[i]);
      return -2;
    } else {
      return i;
    }
  }
  return i;
}

// Runs the program as a child and waits: for outputs written after it
// exits (perfetto, stats). The exit status, or death by signal, is passed
// on as the program's own.
pid_t g_child = 0;
void Forward(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

int Supervise(const std::string& program, char** args,
              const std::function<void()>& after) {
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "lxwsk: fork: %s\n", strerror(errno));
    return 126;
  }
  if (pid == 0) {
    execv(program.c_str(), args);
    fprintf(stderr, "lxwsk: %s: %s\n", args[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  g_child = pid;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
    signal(sig, Forward);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  after();
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    signal(sig, SIG_DFL);
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    raise(sig);
    return 128 + sig;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int RunCommand(int argc, char** argv, const char* self) {
  RunOptions opt;
  int i = ParseRunOptions(argc, argv, &opt);
  if (i == -0x100) return 0;
  if (i < 0) return -i;
  if (i >= argc) {
    fputs("lxwsk: run: no program given (usage: lxwsk run -- PROGRAM ...)\n",
          stderr);
    return 2;
  }
  std::string library = opt.library;
  if (library.empty()) {
    std::vector<std::string> cands = LibraryCandidates(SelfDir(self));
    for (const std::string& c : cands) {
      if (IsFile(c)) {
        library = c;
        break;
      }
    }
    if (library.empty()) {
      fprintf(stderr, "lxwsk: cannot find liblxwsk.so (looked at %s%s)\n",
              cands[0].c_str(),
              cands.size() > 1 ? " and the install paths" : "");
      return 127;
    }
  } else if (!IsFile(library)) {
    fprintf(stderr, "lxwsk: library not found: %s\n", library.c_str());
    return 127;
  }
  char real[PATH_MAX];
  if (realpath(library.c_str(), real) != nullptr) library = real;

  int err = 0;
  std::string program = FindProgram(argv[i], &err);
  if (err == ENOENT) {
    fprintf(stderr, "lxwsk: %s: command not found\n", argv[i]);
    return 127;
  }
  if (err == EACCES) {
    fprintf(stderr, "lxwsk: %s: permission denied\n", argv[i]);
    return 126;
  }

  // Perfetto output and statistics are made from the JSON trace after the
  // program exits, so those modes trace to a private file and wait.
  const bool perfetto = !opt.trace.empty() && opt.trace_format == "perfetto";
  const bool supervise = perfetto || opt.stats;
  std::string user_trace, json_trace;
  if (!opt.trace.empty()) {
    user_trace = PrepareTraceFile(opt.trace);
    if (user_trace.empty()) return 2;
  }
  if (opt.stats && opt.stats_out != "stderr" && opt.stats_out != "-") {
    opt.stats_out = PrepareTraceFile(opt.stats_out);
    if (opt.stats_out.empty()) return 2;
  }
  if (supervise && !(opt.trace_format == "json" && !opt.trace.empty())) {
    char tmpl[] = "/tmp/lxwsk-trace-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
      fprintf(stderr, "lxwsk: cannot create a temporary trace: %s\n",
              strerror(errno));
      return 2;
    }
    close(fd);
    json_trace = tmpl;
  } else if (supervise) {
    json_trace = user_trace;
  }
  if (!opt.trace.empty() && opt.trace_format == "text" && opt.stats) {
    fputs(
        "lxwsk: run: --stats needs --trace-format=json or perfetto when "
        "--trace is given\n",
        stderr);
    return 2;
  }
  const std::string& shim_trace = supervise ? json_trace : user_trace;
  if (!shim_trace.empty()) {
    setenv("LXWSK_TRACE", shim_trace.c_str(), 1);
    setenv("LXWSK_TRACE_FORMAT",
           supervise || opt.trace_format == "json" ? "json" : "text", 1);
    if (!opt.trace_calls.empty()) {
      setenv("LXWSK_TRACE_CALLS", opt.trace_calls.c_str(), 1);
    }
    if (!opt.trace_fd.empty())
      setenv("LXWSK_TRACE_FD", opt.trace_fd.c_str(), 1);
  }
  std::string preload = library;
  if (const char* old = getenv("LD_PRELOAD"); old != nullptr && *old) {
    preload += ":";
    preload += old;
  }
  setenv("LD_PRELOAD", preload.c_str(), 1);
  if (supervise) {
    return Supervise(program, argv + i, [&] {
      // The program's own environment must not leak into ours: unset, so
      // our post-processing is not itself traced.
      unsetenv("LD_PRELOAD");
      if (perfetto) ConvertToPerfetto(json_trace, user_trace);
      if (opt.stats) WriteStats(json_trace, opt.stats_out);
      if (json_trace != user_trace) unlink(json_trace.c_str());
    });
  }
  execv(program.c_str(), argv + i);
  int e = errno;
  fprintf(stderr, "lxwsk: %s: %s\n", argv[i], strerror(e));
  return e == ENOENT ? 127 : 126;
}

}  // namespace lxwsk_tool
