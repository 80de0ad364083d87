// wsk::Lookaside (wsk/lookaside.h): the lock-free per-type free list the
// syscalls layer and the provider keep their per-socket objects on.
#include "wsk/lookaside.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

namespace wsk {
namespace {

struct Obj {
  std::atomic<int> owner{0};
  char payload[40];
};

TEST(Lookaside, BlocksAreDistinctAlignedAndFromTheArena) {
  Lookaside<Obj, 8> list;
  std::set<void*> seen;
  for (int i = 0; i < 8; ++i) {
    void* p = list.Allocate();
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(list.Owns(p));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignof(Obj), 0u);
    EXPECT_TRUE(seen.insert(p).second) << "block handed out twice";
    memset(p, 0xAB, sizeof(Obj));  // the whole block is writable
  }
  EXPECT_EQ(list.Used(), 8u);
  for (void* p : seen) list.Free(p);
  EXPECT_EQ(list.FreeDepth(), 8u);
}

TEST(Lookaside, ReusesTheLastFreedBlockFirst) {
  Lookaside<Obj, 4> list;
  void* a = list.Allocate();
  void* b = list.Allocate();
  list.Free(a);
  list.Free(b);
  EXPECT_EQ(list.Allocate(), b);
  EXPECT_EQ(list.Allocate(), a);
  // Reuse does not consume the arena's never-used blocks.
  EXPECT_EQ(list.Used(), 2u);
  // A constructed object survives a round trip through the list.
  auto* o = new (list.Allocate()) Obj;
  o->owner = 7;
  o->~Obj();
  list.Free(o);
  auto* again = new (list.Allocate()) Obj;
  EXPECT_EQ(again, o);
  EXPECT_EQ(again->owner.load(), 0);  // constructed afresh
}

TEST(Lookaside, ExhaustedArenaFallsBackToTheHeapAndRecovers) {
  Lookaside<Obj, 3> list;
  std::vector<void*> arena;
  for (int i = 0; i < 3; ++i) arena.push_back(list.Allocate());
  void* heap1 = list.Allocate();
  void* heap2 = list.Allocate();
  ASSERT_NE(heap1, nullptr);
  ASSERT_NE(heap2, nullptr);
  EXPECT_FALSE(list.Owns(heap1));
  EXPECT_FALSE(list.Owns(heap2));
  EXPECT_EQ(list.Used(), 3u);
  // Heap blocks go back to the heap, not onto the list.
  list.Free(heap1);
  EXPECT_EQ(list.FreeDepth(), 0u);
  // Once an arena block is free again, it is the one handed out.
  list.Free(arena[1]);
  EXPECT_EQ(list.FreeDepth(), 1u);
  EXPECT_EQ(list.Allocate(), arena[1]);
  list.Free(heap2);
  list.Free(nullptr);  // nothing
  for (void* p : arena) list.Free(p);
  EXPECT_EQ(list.FreeDepth(), 3u);
}

TEST(Lookaside, ForkChildHasItsOwnCopyOfTheList) {
  static Lookaside<Obj, 16> list;
  void* a = list.Allocate();
  void* b = list.Allocate();
  list.Free(a);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child sees the list as it was at the fork and uses it freely.
    int bad = 0;
    if (list.FreeDepth() != 1) bad |= 1;
    if (list.Allocate() != a) bad |= 2;
    void* c = list.Allocate();
    if (c == a || c == b || !list.Owns(c)) bad |= 4;
    list.Free(c);
    list.Free(a);
    list.Free(b);
    if (list.FreeDepth() != 3) bad |= 8;
    _exit(bad);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The parent's list is untouched by what the child did.
  EXPECT_EQ(list.FreeDepth(), 1u);
  EXPECT_EQ(list.Allocate(), a);
  list.Free(a);
  list.Free(b);
}

// Threads allocating and freeing at once never get a block another thread
// holds (each marks the block it owns and checks the mark on free), and
// every block comes back.
TEST(Lookaside, ConcurrentThreadsNeverShareABlock) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 20000;
  constexpr uint32_t kCapacity = 32;  // smaller than the demand: heap too
  static Lookaside<Obj, kCapacity> list;
  std::atomic<int> errors{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 1; t <= kThreads; ++t) {
    threads.emplace_back([t, &errors, &go] {
      while (!go.load()) {
      }
      void* held[6];
      for (int r = 0; r < kRounds; ++r) {
        const int n = 1 + r % 6;
        for (int i = 0; i < n; ++i) {
          auto* o = static_cast<Obj*>(list.Allocate());
          if (o == nullptr) {
            errors.fetch_add(1);
            held[i] = nullptr;
            continue;
          }
          int expected = 0;
          // Arena blocks come back with the 0 the last owner left; heap
          // blocks are fresh memory, so only claim arena blocks strictly.
          if (list.Owns(o)) {
            if (!o->owner.compare_exchange_strong(expected, t)) {
              errors.fetch_add(1);
            }
          } else {
            o->owner.store(t);
          }
          held[i] = o;
        }
        for (int i = 0; i < n; ++i) {
          auto* o = static_cast<Obj*>(held[i]);
          if (o == nullptr) continue;
          if (o->owner.exchange(0) != t) errors.fetch_add(1);
          list.Free(o);
        }
      }
    });
  }
  // Arena blocks start zeroed (anonymous memory): owner 0.
  go.store(true);
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(list.FreeDepth(), list.Used());
  EXPECT_LE(list.Used(), kCapacity);
}

// A signal handler may allocate and free (socket() and close() in a
// handler) while the thread it interrupted is inside Allocate or Free.
Lookaside<Obj, 8> g_signal_list;
std::atomic<int> g_signal_errors{0};
std::atomic<int> g_signals{0};

void OnAlarm(int) {
  void* p = g_signal_list.Allocate();
  void* q = g_signal_list.Allocate();
  if (p == nullptr || q == nullptr || p == q) g_signal_errors.fetch_add(1);
  g_signal_list.Free(q);
  g_signal_list.Free(p);
  g_signals.fetch_add(1);
}

TEST(Lookaside, SignalHandlerUseInterleavesSafely) {
  struct sigaction sa {};
  sa.sa_handler = OnAlarm;
  sigemptyset(&sa.sa_mask);
  struct sigaction old {};
  ASSERT_EQ(sigaction(SIGALRM, &sa, &old), 0);
  itimerval tv{{0, 50}, {0, 50}};
  ASSERT_EQ(setitimer(ITIMER_REAL, &tv, nullptr), 0);
  for (int r = 0; r < 200000 && (r < 2000 || g_signals.load() < 50); ++r) {
    void* a = g_signal_list.Allocate();
    void* b = g_signal_list.Allocate();
    if (a == nullptr || b == nullptr || a == b) g_signal_errors.fetch_add(1);
    g_signal_list.Free(a);
    g_signal_list.Free(b);
  }
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigaction(SIGALRM, &old, nullptr);
  EXPECT_EQ(g_signal_errors.load(), 0);
  EXPECT_GT(g_signals.load(), 0);
  EXPECT_EQ(g_signal_list.FreeDepth(), g_signal_list.Used());
}

}  // namespace
}  // namespace wsk
