// The data path's fd lookup (lxcore_shim/shim_state.h FastLookup): it
// finds a socket object only when the table entry is the object the calling
// thread's last lookup protected, and never while the thread is inside the
// shim (Busy), whose nested calls must go straight to libc.
#include <atomic>
#include <cstdint>

#include "gtest/gtest.h"
#include "hazard.h"
#include "shim_state.h"

namespace lxshim {

// The two pieces of shim_state.cc FastLookup and Busy read; the rest of the
// shim is not linked.
ShimState g_state;
std::atomic<uintptr_t> g_table[kMaxTableSize];
thread_local constinit bool t_busy __attribute__((tls_model("initial-exec"))) =
    false;

namespace {

class FastLookupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitHazards(); }
  void SetUp() override {
    g_state.size = kSize;
    g_state.fast_size = kSize;
  }
  void TearDown() override {
    ReleaseThreadHazards();
    for (uint32_t i = 0; i < kSize; ++i) table_[i].store(0);
    g_state.size = 0;
    g_state.fast_size = 0;
  }

  static constexpr uint32_t kSize = 8;
  std::atomic<uintptr_t>* const table_ = g_table;  // its first kSize
  alignas(16) char object_[64] = {};
  alignas(16) char other_[64] = {};
  uintptr_t Id(char* o) { return reinterpret_cast<uintptr_t>(o); }
  lx::LxSocket* Sock(char* o) { return reinterpret_cast<lx::LxSocket*>(o); }
};

TEST_F(FastLookupTest, FindsOnlyTheObjectTheThreadProtected) {
  table_[3] = Id(object_);
  table_[4] = Id(other_);
  table_[5] = kNotOurs;
  // Nothing protected yet: the general form must run first.
  EXPECT_EQ(FastLookup(3), nullptr);
  ASSERT_EQ(Protect(&table_[3], Id(object_), kNotOurs), Id(object_));
  EXPECT_EQ(FastLookup(3), Sock(object_));
  EXPECT_EQ(FastLookup(4), nullptr);  // another object: not the current one
  EXPECT_EQ(FastLookup(5), nullptr);
  EXPECT_EQ(FastLookup(6), nullptr);  // unclassified (0)
  EXPECT_EQ(FastLookup(-1), nullptr);
  EXPECT_EQ(FastLookup(static_cast<int>(kSize)), nullptr);
  // The fd now names another object (closed and reused): a miss.
  table_[3] = Id(other_);
  EXPECT_EQ(FastLookup(3), nullptr);
}

TEST_F(FastLookupTest, MissesInsideBusyAndFindsAgainAfter) {
  table_[2] = Id(object_);
  ASSERT_EQ(Protect(&table_[2], Id(object_), kNotOurs), Id(object_));
  ASSERT_EQ(FastLookup(2), Sock(object_));
  {
    Busy busy;
    EXPECT_EQ(FastLookup(2), nullptr);
    {
      Busy nested;
      EXPECT_EQ(FastLookup(2), nullptr);
    }
    // The inner Busy's end does not end the outer one.
    EXPECT_TRUE(t_busy);
    EXPECT_EQ(FastLookup(2), nullptr);
  }
  EXPECT_FALSE(t_busy);
  EXPECT_EQ(FastLookup(2), Sock(object_));
}

TEST_F(FastLookupTest, DroppedSlotOrTracingMisses) {
  table_[1] = Id(object_);
  ASSERT_EQ(Protect(&table_[1], Id(object_), kNotOurs), Id(object_));
  ASSERT_EQ(FastLookup(1), Sock(object_));
  g_state.fast_size = 0;  // tracing on: every call takes the general form
  EXPECT_EQ(FastLookup(1), nullptr);
  g_state.fast_size = kSize;
  DropOwnHazard(Id(object_));
  EXPECT_EQ(FastLookup(1), nullptr);
  // A Busy section after the drop does not bring the object back.
  { Busy busy; }
  EXPECT_EQ(FastLookup(1), nullptr);
}

}  // namespace
}  // namespace lxshim
