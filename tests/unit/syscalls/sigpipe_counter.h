// A test helper shared by the syscalls tests: counts SIGPIPE.
#ifndef LXWSK_TESTS_UNIT_SYSCALLS_SIGPIPE_COUNTER_H_
#define LXWSK_TESTS_UNIT_SYSCALLS_SIGPIPE_COUNTER_H_

#include <pthread.h>
#include <signal.h>

namespace lxwsk_test {

// Counts SIGPIPE deliveries to this thread while alive; restores the previous
// disposition and mask afterwards. raise() delivers synchronously.
inline volatile sig_atomic_t g_sigpipes = 0;
inline void CountSigpipe(int) { g_sigpipes = g_sigpipes + 1; }

class SigpipeCounter {
 public:
  SigpipeCounter() {
    struct sigaction sa {};
    sa.sa_handler = CountSigpipe;
    sigemptyset(&sa.sa_mask);
    installed_ = sigaction(SIGPIPE, &sa, &old_action_) == 0;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_UNBLOCK, &set, &old_mask_);
    g_sigpipes = 0;
  }
  ~SigpipeCounter() {
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
    if (installed_) sigaction(SIGPIPE, &old_action_, nullptr);
  }
  bool installed() const { return installed_; }
  int count() const { return g_sigpipes; }

 private:
  bool installed_ = false;
  struct sigaction old_action_ {};
  sigset_t old_mask_{};
};

}  // namespace lxwsk_test

#endif  // LXWSK_TESTS_UNIT_SYSCALLS_SIGPIPE_COUNTER_H_
