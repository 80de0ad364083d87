// `lxwsk run`: exec a program with liblxwsk.so preloaded.
#ifndef LXWSK_TOOLS_RUN_COMMAND_H_
#define LXWSK_TOOLS_RUN_COMMAND_H_

namespace lxwsk_tool {

// Parses run's options and execs the program; returns only on error, with
// the exit status to use (127 not found, 126 not executable, 2 usage).
int RunCommand(int argc, char** argv, const char* self);

}  // namespace lxwsk_tool

#endif  // LXWSK_TOOLS_RUN_COMMAND_H_
