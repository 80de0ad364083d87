#include "run_command.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"

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
  int fd = open(path.c_str(),
                O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "lxwsk: cannot open trace file %s: %s\n", path.c_str(),
            strerror(errno));
    return "";
  }
  close(fd);
  char real[PATH_MAX];
  if (realpath(path.c_str(), real) == nullptr) return path;
  return real;
}

int RunCommand(int argc, char** argv, const char* self) {
  std::string library;
  std::string trace, trace_calls, trace_fd;
  int i = 0;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.rfind("--library=", 0) == 0) {
      library = std::string(a.substr(10));
    } else if (a == "--trace") {
      trace = "lxwsk.trace";
    } else if (a.rfind("--trace=", 0) == 0) {
      trace = std::string(a.substr(8));
    } else if (a.rfind("--trace-calls=", 0) == 0) {
      trace_calls = std::string(a.substr(14));
    } else if (a.rfind("--trace-fd=", 0) == 0) {
      trace_fd = std::string(a.substr(11));
    } else if (a == "--help" || a == "-h") {
      fputs(
          "Usage: lxwsk run [OPTIONS] [--] PROGRAM [ARGS...]\n"
          "  --library=PATH     liblxwsk.so to preload\n"
          "  --trace[=FILE]     one line per call through every layer, to "
          "FILE\n"
          "                     (default ./lxwsk.trace; 'stderr' for stderr)\n"
          "  --trace-calls=LIST only these calls (e.g. connect,accept4,send)\n"
          "  --trace-fd=N       only calls on descriptor N\n",
          stdout);
      return 0;
    } else if (a.rfind("-", 0) == 0) {
      fprintf(stderr, "lxwsk: run: unknown option '%s'\n", argv[i]);
      return 2;
    } else {
      break;
    }
  }
  if (i >= argc) {
    fputs("lxwsk: run: no program given (usage: lxwsk run -- PROGRAM ...)\n",
          stderr);
    return 2;
  }
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
  if (!trace.empty()) {
    trace = PrepareTraceFile(trace);
    if (trace.empty()) return 2;
    setenv("LXWSK_TRACE", trace.c_str(), 1);
    if (!trace_calls.empty())
      setenv("LXWSK_TRACE_CALLS", trace_calls.c_str(), 1);
    if (!trace_fd.empty()) setenv("LXWSK_TRACE_FD", trace_fd.c_str(), 1);
  }
  std::string preload = library;
  if (const char* old = getenv("LD_PRELOAD"); old != nullptr && *old) {
    preload += ":";
    preload += old;
  }
  setenv("LD_PRELOAD", preload.c_str(), 1);
  execv(program.c_str(), argv + i);
  int e = errno;
  fprintf(stderr, "lxwsk: %s: %s\n", argv[i], strerror(e));
  return e == ENOENT ? 127 : 126;
}

}  // namespace lxwsk_tool
