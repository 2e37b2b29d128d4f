// sweeper_test.cc: sweeping: exact destructor calls for old deaths, resumable inside a page,
// large blocks unmapped in chunks, empty pages returned, objects allocated during sweeping kept.
#include <gtest/gtest.h>

#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using SweeperTest = HeapTest;

TEST_F(SweeperTest, OldDeathsRunTheirDestructorExactlyOnce) {
  std::vector<Persistent<Named>> kept;
  for (int i = 0; i < 1000; ++i) {
    Named* n = heap.make<Named>(i, std::string(40, 'x'));  // heap-allocated std::string
    if (i % 2 == 0) kept.emplace_back(heap, n);
  }
  heap.collect();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(destroyed()[i], i % 2 == 0 ? 0 : 1) << i;
  heap.collect();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(destroyed()[i], i % 2 == 0 ? 0 : 1) << i;
  for (auto& k : kept) EXPECT_EQ(k->name, std::string(40, 'x'));
  expect_healthy();
}

TEST_F(SweeperTest, SweepingIsResumableInsideAPage) {
  // ~800 dying objects with destructors in one or two pages (Named: 64-byte slots).
  for (int i = 0; i < 800; ++i) heap.make<Named>(i, "n");
  heap.collect_minor();
  while (heap.phase() != MajorPhase::kSweeping) testing::collect_step_units_for_testing(heap, 64);
  int steps = 0;
  uint64_t freed = 0;
  while (heap.phase() == MajorPhase::kSweeping) {
    const StepResult r = testing::collect_step_units_for_testing(heap, 32);
    EXPECT_LE(r.objects, 32u);
    freed += r.objects;
    ++steps;
  }
  EXPECT_GE(freed, 700u);  // the step that finished marking may have swept a few
  EXPECT_GT(steps, 20);
  for (int i = 0; i < 800; ++i) ASSERT_EQ(destroyed()[i], 1);
}

TEST_F(SweeperTest, EmptyPagesAreReturnedToTheOs) {
  const uint64_t committed0 = heap.statistics().committed_bytes;
  for (int i = 0; i < 100000; ++i) heap.make<Named>(i, "garbage");
  const uint64_t committed1 = heap.statistics().committed_bytes;
  EXPECT_GT(committed1 - committed0, 5u << 20);
  heap.collect();
  const HeapStatistics s = heap.statistics();
  EXPECT_GT(s.pages_returned, 50u);
  EXPECT_LE(s.committed_bytes, committed0 + testing::cached_empty_page_bytes_for_testing(heap));
  EXPECT_EQ(s.old_bytes, 0u);
}

TEST_F(SweeperTest, DeadLargeBlocksAreFreedByOneBoundedStep) {
  heap.make_array<double>(1 << 20);  // 8 MiB, dead at once
  Local<Array<double>> live(heap, heap.make_array<double>(100000));
  (*live)[99999] = 7;
  EXPECT_GT(heap.statistics().large_bytes, 8u << 20);
  while (heap.phase() != MajorPhase::kSweeping) testing::collect_step_units_for_testing(heap, 1);
  // The dead block leaves the heap in a step of a few units: the unmapping itself happens on the
  // releaser thread, in 64 KiB chunks.
  while (heap.phase() == MajorPhase::kSweeping) testing::collect_step_units_for_testing(heap, 1);
  EXPECT_LT(heap.statistics().large_bytes, 1u << 20);
  EXPECT_LT(heap.statistics().committed_bytes, 4u << 20);
  testing::drain_releases_for_testing(heap);
  EXPECT_EQ((*live)[99999], 7);
  expect_healthy();
}

TEST_F(SweeperTest, ObjectsAllocatedDuringSweepingSurvive) {
  for (int i = 0; i < 2000; ++i) heap.make<Named>(i, "dead");
  heap.collect_minor();
  while (heap.phase() != MajorPhase::kSweeping) testing::collect_step_units_for_testing(heap, 64);
  testing::collect_step_units_for_testing(heap, 32);
  ASSERT_EQ(heap.phase(), MajorPhase::kSweeping);
  std::vector<Persistent<Named>> fresh;
  for (int i = 0; i < 500; ++i) fresh.emplace_back(heap, heap.make<Named>(100000 + i, "fresh"));
  finish_cycle();
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(fresh[i]->name, "fresh");
    EXPECT_EQ(destroyed()[100000 + i], 0);
  }
  expect_healthy();
}

}  // namespace
}  // namespace lull::gc::test
