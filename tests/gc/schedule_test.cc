// schedule_test.cc: collect_step under tiny deadlines, the minor-needed rule, the major
// trigger, and the two modes (explicit, classic).
#include <gtest/gtest.h>

#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using Clock = Heap::Clock;
using ScheduleTest = HeapTest;

TEST_F(ScheduleTest, TinyDeadlinesMakeProgressAndCompleteCycles) {
  std::vector<Persistent<Named>> kept;
  for (int i = 0; i < 20000; ++i) {
    Named* n = heap.make<Named>(i, "x");
    if (i % 4 == 0) kept.emplace_back(heap, n);
  }
  int cycles = 0, steps = 0;
  while (cycles < 3) {
    const StepResult r = heap.collect_step(Clock::now());  // a deadline already reached
    ASSERT_FALSE(r.minor_needed);
    ASSERT_FALSE(r.refused);
    cycles += r.cycle_completed ? 1 : 0;
    ASSERT_LT(++steps, 1000000);
  }
  EXPECT_GT(steps, 3 * 10);
  EXPECT_EQ(heap.statistics().major_cycles, 3u);
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(destroyed()[i], i % 4 == 0 ? 0 : 1);
  expect_healthy();
}

TEST_F(ScheduleTest, ABigNurseryMakesTheStepAskForAMinorFirst) {
  Local<Node> head(heap, heap.make<Node>(0));
  Node* tail = head.get();
  for (int i = 1; i < 2000; ++i) {  // ~96 KB of survivors, far over the 16 KiB grace
    tail->left = heap.make<Node>(i);
    tail = tail->left.get();
  }
  const StepResult r = heap.collect_step(Clock::now() + std::chrono::microseconds(1));
  EXPECT_TRUE(r.minor_needed);
  EXPECT_EQ(heap.phase(), MajorPhase::kIdle);
  EXPECT_EQ(heap.statistics().minor_collections, 0u);
  heap.collect_minor();
  const StepResult r2 = heap.collect_step(Clock::now() + std::chrono::microseconds(1));
  EXPECT_FALSE(r2.minor_needed);
  EXPECT_NE(heap.phase(), MajorPhase::kIdle);
}

TEST_F(ScheduleTest, TriggerFollowsLiveBytesTimesFactor) {
  EXPECT_FALSE(heap.major_work_pending());
  std::vector<Persistent<Named>> kept;
  for (int i = 0; i < 20000; ++i) kept.emplace_back(heap, heap.make<Named>(i, "live"));
  EXPECT_TRUE(heap.major_work_pending());  // > 1 MiB minimum trigger
  heap.collect();
  const size_t live = heap.live_bytes_after_last_major();
  EXPECT_EQ(live, heap.old_bytes());
  EXPECT_FALSE(heap.major_work_pending());
  // Allocate garbage until old bytes reach 1.82 x live.
  while (heap.old_bytes() < static_cast<size_t>(1.82 * live) - 64) {
    EXPECT_FALSE(heap.major_work_pending());
    heap.make<Named>(0, "garbage");
  }
  for (int i = 0; i < 10; ++i) heap.make<Named>(0, "garbage");
  EXPECT_TRUE(heap.major_work_pending());
}

TEST_F(ScheduleTest, ExplicitModeNeverCollectsOnItsOwn) {
  for (int i = 0; i < 20000; ++i) heap.make<Node>(i);  // ~4 nurseries
  const HeapStatistics s = heap.statistics();
  EXPECT_EQ(s.minor_collections, 0u);
  EXPECT_GT(s.nursery_overflows, 0u);
  EXPECT_EQ(s.region_overflows, 0u);
}

TEST(ClassicModeTest, AllocationTriggersMinorAndMajorWork) {
  Policy p = small_policy();
  p.mode = GcMode::kClassic;
  Heap heap(p);
  Persistent<Node> keep(heap, heap.make<Node>(0));
  for (int i = 0; i < 400000; ++i) {
    Local<Node> n(heap, heap.make<Node>(i));
    if (i % 8 == 0) {
      n->left = keep.get();
      keep = n.get();  // an ever growing list
    }
    if (i % 50000 == 0) keep = heap.make<Node>(i);  // drop the list now and then
  }
  const HeapStatistics s = heap.statistics();
  EXPECT_GT(s.minor_collections, 10u);
  EXPECT_EQ(s.nursery_overflows, 0u);
  EXPECT_GT(s.major_cycles, 0u);
  EXPECT_TRUE(testing::verify_heap_for_testing(heap).empty());
}

TEST(ClassicModeTest, DisableStopsMajorWorkButNotMinors) {
  Policy p = small_policy();
  p.mode = GcMode::kClassic;
  Heap heap(p);
  heap.disable();
  EXPECT_FALSE(heap.enabled());
  std::vector<Persistent<Named>> kept;
  for (int i = 0; i < 40000; ++i) kept.emplace_back(heap, heap.make<Named>(i, "live"));
  for (int i = 0; i < 100000; ++i) heap.make<Node>(i);
  EXPECT_TRUE(heap.major_work_pending());
  EXPECT_EQ(heap.statistics().major_cycles, 0u);
  EXPECT_GT(heap.statistics().minor_collections, 0u);
  heap.enable();
  for (int i = 0; i < 100000; ++i) heap.make<Node>(i);
  EXPECT_GT(heap.statistics().major_cycles + (heap.phase() != MajorPhase::kIdle), 0u);
}

}  // namespace
}  // namespace lull::gc::test
