// Interposed vfork and clone: they only note that the process has made a
// child that may share its memory (CLONE_VM), then jump to glibc's own.
// Such a child runs on the parent's memory, fd table included, so its
// descriptor calls must leave the table alone (ForeignProcess). Telling
// it apart takes a getpid system call (about 100 ns here; a close used
// to make one every time); until the process has made such a child the
// answer is known without one. A child made any other way has memory of
// its own (fork, _Fork, posix_spawn's internal clone, whose child never
// calls these entry points), so its bookkeeping is its own.
#include "shim_state.h"

// lxshim_shared_vm_child (shim_state.cc) is set here, never cleared.

#if defined(__x86_64__)
// A jump, not a call: vfork's child returns on the parent's stack, so
// nothing may be pushed between the program's call and glibc's vfork
// (which keeps the return address in a register across the system call).
// __vfork and __clone are glibc's public aliases of its vfork and clone.
asm(R"(
  .pushsection .text
  .globl vfork
  .type vfork, @function
vfork:
  movb $1, lxshim_shared_vm_child(%rip)
  jmp *__vfork@GOTPCREL(%rip)
  .size vfork, .-vfork

  .globl clone
  .type clone, @function
clone:
  movb $1, lxshim_shared_vm_child(%rip)
  jmp *__clone@GOTPCREL(%rip)
  .size clone, .-clone
  .popsection
)");
#endif
