// lxwsk: run programs under liblxwsk.so and show what happens inside.
//
//   lxwsk run [OPTIONS] -- PROGRAM [ARGS...]
//
// `run` execs PROGRAM with the library preloaded (like torsocks and
// proxychains4), so its exit status is the program's own.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "run_command.h"
#include "tables_command.h"
#include "trace_command.h"

namespace {

constexpr char kUsage[] =
    "Usage: lxwsk COMMAND [ARGS...]\n"
    "\n"
    "Runs unmodified Linux programs with their AF_INET/AF_INET6 sockets "
    "served\n"
    "through a model of the Windows Winsock Kernel (WSK), as WSL1 did.\n"
    "\n"
    "Commands:\n"
    "  run [OPTIONS] [--] PROGRAM [ARGS...]\n"
    "                 run PROGRAM with liblxwsk.so preloaded; the exit status\n"
    "                 is PROGRAM's\n"
    "  tables [--format=markdown|json] [TABLE]\n"
    "                 print the Linux <-> Windows translation tables the code\n"
    "                 uses (families, types, sockopts, msg-flags, ioctls,\n"
    "                 status, ...)\n"
    "  explain NAME|VALUE\n"
    "                 how a name or value (ECONNREFUSED, 0xC0000236,\n"
    "                 SO_REUSEADDR) maps across the layers\n"
    "  trace mermaid|perfetto|stats FILE ...\n"
    "                 turn a JSON trace into a sequence diagram, a Perfetto\n"
    "                 timeline or statistics (lxwsk trace --help)\n"
    "  help           show this help\n"
    "  version        show the version\n"
    "\n"
    "Options of run:\n"
    "  --library=PATH  use this liblxwsk.so (default: next to lxwsk, or\n"
    "                  $LXWSK_LIBRARY)\n"
    "\n"
    "Environment seen by the preloaded program:\n"
    "  LXWSK_DISABLE=1  pass every call through to libc untouched\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fputs(kUsage, stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    printf("lxwsk %s\n", LXWSK_VERSION);
    return 0;
  }
  if (cmd == "run") return lxwsk_tool::RunCommand(argc - 2, argv + 2, argv[0]);
  if (cmd == "tables") return lxwsk_tool::TablesCommand(argc - 2, argv + 2);
  if (cmd == "explain") return lxwsk_tool::ExplainCommand(argc - 2, argv + 2);
  if (cmd == "trace") return lxwsk_tool::TraceCommand(argc - 2, argv + 2);
  fprintf(stderr, "lxwsk: unknown command '%s' (try 'lxwsk --help')\n",
          argv[1]);
  return 2;
}
