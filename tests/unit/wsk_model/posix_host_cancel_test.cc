// The host adapter's blocking calls are pthread cancellation points, as
// the libc calls they stand for (docs/semantics.md "pthread_cancel"): a
// thread blocked in PosixHostStack::Receive/Accept is cancelled by
// pthread_cancel, a pending cancel acts at the call, and a thread that
// disabled cancellation is not touched and keeps its cancel type.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "gtest/gtest.h"
#include "wsk/host_stack.h"
#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace wsk {
namespace {

struct Job {
  int fd = -1;
  bool accept = false;
  bool pending_first = false;   // cancel itself before the call
  bool disable_cancel = false;  // PTHREAD_CANCEL_DISABLE around the call
  std::atomic<bool> entering{false};
  std::atomic<int> cleanups{0};
  HostResult result{STATUS_PENDING, 0};
  int type_after = -1;
};

void Cleanup(void* arg) { static_cast<Job*>(arg)->cleanups.fetch_add(1); }

// Not ASan-instrumented: the cancelled thread unwinds through this frame's
// cleanup, and GCC 12's ASan runtime then reports a false
// stack-buffer-overflow in its own sigaltstack call
// (__asan_handle_no_return -> PlatformUnpoisonStacks).
__attribute__((no_sanitize("address"))) void* RunJob(void* arg) {
  auto* job = static_cast<Job*>(arg);
  int old = 0;
  if (job->disable_cancel) pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
  if (job->pending_first) pthread_cancel(pthread_self());
  pthread_cleanup_push(Cleanup, job);
  char buf[16];
  MDL mdl{};
  mdl.StartVa = buf;
  mdl.ByteCount = sizeof(buf);
  WSK_BUF wb{&mdl, 0, sizeof(buf)};
  job->entering.store(true);
  if (job->accept) {
    job->result = PosixHostStack().Accept(job->fd, nullptr, 0);
  } else {
    job->result = PosixHostStack().Receive(job->fd, wb, 0, nullptr, nullptr,
                                           nullptr, nullptr);
  }
  pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &job->type_after);
  pthread_cleanup_pop(0);
  if (job->disable_cancel) pthread_setcancelstate(old, &old);
  return nullptr;
}

// Joins within 5 s; false (and the thread is left) on timeout.
bool TimedJoin(pthread_t t, void** ret) {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 5;
  return pthread_timedjoin_np(t, ret, &ts) == 0;
}

void WaitEntered(const Job& job) {
  for (int i = 0; i < 2000 && !job.entering.load(); ++i) usleep(1000);
  usleep(100 * 1000);  // into the kernel
}

TEST(PosixHostCancelTest, BlockedReceiveIsCancelled) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  Job job;
  job.fd = sv[0];
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, RunJob, &job), 0);
  WaitEntered(job);
  ASSERT_EQ(pthread_cancel(t), 0);
  void* ret = nullptr;
  bool joined = TimedJoin(t, &ret);
  if (!joined) {
    ASSERT_EQ(write(sv[1], "x", 1), 1);  // unblock, then fail
    pthread_join(t, &ret);
  }
  EXPECT_TRUE(joined);
  EXPECT_EQ(ret, PTHREAD_CANCELED);
  EXPECT_EQ(job.cleanups.load(), 1);
  close(sv[0]);
  close(sv[1]);
}

TEST(PosixHostCancelTest, BlockedAcceptIsCancelled) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(l, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(l, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(l, 1), 0);
  Job job;
  job.fd = l;
  job.accept = true;
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, RunJob, &job), 0);
  WaitEntered(job);
  ASSERT_EQ(pthread_cancel(t), 0);
  void* ret = nullptr;
  bool joined = TimedJoin(t, &ret);
  if (!joined) {
    shutdown(l, SHUT_RDWR);
    pthread_join(t, &ret);
  }
  EXPECT_TRUE(joined);
  EXPECT_EQ(ret, PTHREAD_CANCELED);
  EXPECT_EQ(job.cleanups.load(), 1);
  close(l);
}

TEST(PosixHostCancelTest, PendingCancelActsAtTheCall) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(write(sv[1], "data", 4), 4);  // the call would not block
  Job job;
  job.fd = sv[0];
  job.pending_first = true;
  job.disable_cancel = true;  // so the cancel stays pending until re-enabled
  // Re-enable inside: the thread enables just before the call.
  pthread_t t;
  ASSERT_EQ(pthread_create(
                &t, nullptr,
                [](void* arg) -> void* {
                  auto* j = static_cast<Job*>(arg);
                  int old;
                  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
                  pthread_cancel(pthread_self());
                  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
                  j->pending_first = false;
                  j->disable_cancel = false;
                  return RunJob(j);
                },
                &job),
            0);
  void* ret = nullptr;
  ASSERT_TRUE(TimedJoin(t, &ret));
  EXPECT_EQ(ret, PTHREAD_CANCELED);
  EXPECT_EQ(job.result.status, STATUS_PENDING);  // never completed
  char buf[8];
  EXPECT_EQ(read(sv[0], buf, sizeof(buf)), 4);  // the data was not taken
  close(sv[0]);
  close(sv[1]);
}

TEST(PosixHostCancelTest, DisabledCancellationIsUntouched) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(write(sv[1], "data", 4), 4);
  Job job;
  job.fd = sv[0];
  job.pending_first = true;
  job.disable_cancel = true;
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, RunJob, &job), 0);
  void* ret = nullptr;
  ASSERT_TRUE(TimedJoin(t, &ret));
  // Cancelled at pthread_setcancelstate(ENABLE) after the call, not in it.
  EXPECT_EQ(job.result.status, STATUS_SUCCESS);
  EXPECT_EQ(job.result.information, 4u);
  EXPECT_EQ(job.type_after, PTHREAD_CANCEL_DEFERRED);
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace wsk
