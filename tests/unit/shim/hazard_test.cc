// Hazard slots (lxcore_shim/hazard.h): an object a thread looked up is not
// freed while that thread may still use it, however the closes race.
#include "hazard.h"

#include <pthread.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace lxshim {
namespace {

constexpr uintptr_t kNotObject = 1;

// Objects for the tests: `live` is cleared when freed through the retire
// list, so a use after that is visible.
struct Obj {
  std::atomic<bool> live{true};
  std::atomic<int> frees{0};
};

uintptr_t Id(Obj* o) { return reinterpret_cast<uintptr_t>(o); }

void MarkFreed(uintptr_t v) {
  auto* o = reinterpret_cast<Obj*>(v);
  o->live.store(false);
  o->frees.fetch_add(1);
}

class HazardTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitHazards(); }
  void TearDown() override {
    ReleaseThreadHazards();
    DrainRetired(MarkFreed);
  }
};

TEST_F(HazardTest, LookedUpObjectIsHazardedUntilPushedOut) {
  Obj a, others[kHazardSlots];
  std::atomic<uintptr_t> cell{Id(&a)};
  EXPECT_EQ(Protect(&cell, Id(&a), kNotObject), Id(&a));
  EXPECT_TRUE(Hazarded(Id(&a)));
  // The same object again: still one slot.
  EXPECT_EQ(Protect(&cell, Id(&a), kNotObject), Id(&a));
  for (int i = 0; i < kHazardSlots - 1; ++i) {
    std::atomic<uintptr_t> c{Id(&others[i])};
    Protect(&c, Id(&others[i]), kNotObject);
    EXPECT_TRUE(Hazarded(Id(&a))) << i;
  }
  std::atomic<uintptr_t> c{Id(&others[kHazardSlots - 1])};
  Protect(&c, Id(&others[kHazardSlots - 1]), kNotObject);
  EXPECT_FALSE(Hazarded(Id(&a)));
}

TEST_F(HazardTest, ChangedCellIsReported) {
  Obj a, b;
  std::atomic<uintptr_t> cell{0};  // closed since the caller's load
  EXPECT_EQ(Protect(&cell, Id(&a), kNotObject), 0u);
  // (A value already in the caller's slots is returned as it is: it was in
  // the table when the caller loaded it and cannot have been freed since.)
  DropOwnHazard(Id(&a));
  cell.store(Id(&b));  // replaced by another object (dup2)
  EXPECT_EQ(Protect(&cell, Id(&a), kNotObject), Id(&b));
  EXPECT_TRUE(Hazarded(Id(&b)));
}

TEST_F(HazardTest, RetiredObjectIsFreedOnlyOnceUnused) {
  Obj a;
  std::atomic<uintptr_t> cell{Id(&a)};
  std::atomic<int> phase{0};
  std::thread user([&] {
    Protect(&cell, Id(&a), kNotObject);
    phase.store(1);
    while (phase.load() != 2) std::this_thread::yield();
    EXPECT_TRUE(a.live.load());  // still usable after the close
    ReleaseThreadHazards();      // thread exit
  });
  while (phase.load() != 1) std::this_thread::yield();
  cell.store(0);  // close: the table entry goes
  ASSERT_TRUE(Hazarded(Id(&a)));
  ASSERT_TRUE(Retire(Id(&a)));
  DrainRetired(MarkFreed);
  EXPECT_EQ(a.frees.load(), 0);
  phase.store(2);
  user.join();
  EXPECT_FALSE(Hazarded(Id(&a)));
  DrainRetired(MarkFreed);
  EXPECT_EQ(a.frees.load(), 1);
}

TEST_F(HazardTest, OwnSlotsCanBeDropped) {
  Obj a;
  std::atomic<uintptr_t> cell{Id(&a)};
  Protect(&cell, Id(&a), kNotObject);
  ASSERT_TRUE(Hazarded(Id(&a)));
  DropOwnHazard(Id(&a));
  EXPECT_FALSE(Hazarded(Id(&a)));
}

TEST_F(HazardTest, ThreadExitReleasesItsSlots) {
  Obj a;
  std::atomic<uintptr_t> cell{Id(&a)};
  pthread_t t;
  // A plain pthread (no explicit release): the exit key does it.
  ASSERT_EQ(pthread_create(
                &t, nullptr,
                [](void* arg) -> void* {
                  auto* c = static_cast<std::atomic<uintptr_t>*>(arg);
                  Protect(c, c->load(), kNotObject);
                  return nullptr;
                },
                &cell),
            0);
  pthread_join(t, nullptr);
  EXPECT_FALSE(Hazarded(Id(&a)));
}

// Users look objects up from a shared cell and touch them; a closer keeps
// replacing the object and frees the old ones through the retire list. No
// user may ever see a freed object.
TEST_F(HazardTest, RacingClosesNeverFreeAnObjectInUse) {
  constexpr int kUsers = 4;
  constexpr int kSwaps = 20000;
  std::vector<Obj> objs(kSwaps + 1);
  std::atomic<uintptr_t> cell{Id(&objs[0])};
  std::atomic<bool> stop{false};
  std::atomic<long> bad{0}, uses{0};
  std::vector<std::thread> users;
  for (int u = 0; u < kUsers; ++u) {
    users.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        uintptr_t v = cell.load(std::memory_order_acquire);
        if (v <= kNotObject) continue;
        v = Protect(&cell, v, kNotObject);
        if (v <= kNotObject) continue;
        auto* o = reinterpret_cast<Obj*>(v);
        for (int k = 0; k < 8; ++k) {
          if (!o->live.load()) bad.fetch_add(1);
        }
        uses.fetch_add(1, std::memory_order_relaxed);
      }
      ReleaseThreadHazards();
    });
  }
  while (uses.load() < 100) std::this_thread::yield();
  for (int i = 1; i <= kSwaps; ++i) {
    if (i % 64 == 0) std::this_thread::yield();
    uintptr_t old = cell.exchange(Id(&objs[i]), std::memory_order_acq_rel);
    if (Hazarded(old)) {
      ASSERT_TRUE(Retire(old));
    } else {
      MarkFreed(old);
    }
    DrainRetired(MarkFreed);
  }
  stop.store(true);
  for (auto& t : users) t.join();
  DrainRetired(MarkFreed);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(uses.load(), 100);
  for (int i = 0; i < kSwaps; ++i) EXPECT_EQ(objs[i].frees.load(), 1) << i;
}

}  // namespace
}  // namespace lxshim
