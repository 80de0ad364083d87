// Signals the syscalls layer raises on the program's behalf, with the
// siginfo Linux gives them. WSK raises no signals (docs/semantics.md).
#ifndef LXWSK_SYSCALLS_SRC_SIGNALS_H_
#define LXWSK_SYSCALLS_SRC_SIGNALS_H_

namespace lx {

// SIGPIPE at the calling thread as the kernel sends it for a send on a
// broken connection (send_sig(SIGPIPE, current, 0)): thread-directed,
// si_code SI_USER, si_pid and si_uid the caller's. Async-signal-safe;
// keeps errno.
void RaiseSigpipe();

}  // namespace lx

#endif  // LXWSK_SYSCALLS_SRC_SIGNALS_H_
