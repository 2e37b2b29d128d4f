// no_gc_scope_test.cc: no-GC regions (refusal, nesting, nursery overflow into the old space)
// and the hard heap limit (the only thing that breaks a region; then a clear failure).
#include <gtest/gtest.h>

#include "gc/errors.h"
#include "gc/no_gc_scope.h"
#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using NoGcScopeTest = HeapTest;

struct Recorder : GcObserver {
  void on_gc_event(const GcEvent& e) override { events.push_back(e); }
  std::vector<GcEvent> events;
};

TEST_F(NoGcScopeTest, CollectionsAreRefusedInsideAndNested) {
  heap.make<Node>(1);
  {
    NoGcScope outer(heap);
    {
      NoGcScope inner(heap);
      EXPECT_TRUE(heap.in_no_gc_scope());
    }
    EXPECT_TRUE(heap.in_no_gc_scope());
    EXPECT_FALSE(heap.collect_minor());
    EXPECT_FALSE(heap.collect());
    const StepResult r = heap.collect_step(Heap::Clock::now() + std::chrono::milliseconds(1));
    EXPECT_TRUE(r.refused);
    EXPECT_EQ(heap.phase(), MajorPhase::kIdle);
    EXPECT_EQ(heap.statistics().minor_collections, 0u);
  }
  EXPECT_FALSE(heap.in_no_gc_scope());
  EXPECT_TRUE(heap.collect_minor());
}

TEST_F(NoGcScopeTest, FullNurseryOverflowsIntoTheOldSpaceAndIsCounted) {
  Local<Node> head(heap, nullptr);
  {
    NoGcScope region(heap);
    // Twice the nursery capacity, all kept alive.
    const size_t n = 2 * heap.nursery_capacity_bytes() / 48;
    Node* tail = nullptr;
    for (size_t i = 0; i < n; ++i) {
      Node* node = heap.make<Node>(i, static_cast<int64_t>(i));
      if (tail)
        tail->left = node;
      else
        head = node;
      tail = node;
    }
    const HeapStatistics s = heap.statistics();
    EXPECT_GT(s.region_overflows, n / 3);
    EXPECT_GT(s.region_overflow_bytes, heap.nursery_capacity_bytes() / 2);
    EXPECT_EQ(s.minor_collections, 0u);
    expect_healthy();  // overflowed old objects point to young ones: remembered
  }
  // The minor collection was left for the next call outside.
  EXPECT_TRUE(heap.collect_minor());
  heap.collect();
  size_t i = 0;
  for (Node* n = head.get(); n != nullptr; n = n->left.get(), ++i) ASSERT_EQ(n->id, i);
  EXPECT_EQ(i, 2 * heap.nursery_capacity_bytes() / 48);
  expect_healthy();
}

class HardLimitTest : public ::testing::Test {
 protected:
  static Policy limited() {
    Policy p = small_policy();
    p.hard_limit_bytes = 8u << 20;
    p.empty_page_cache_bytes = 0;
    return p;
  }
  HardLimitTest() : heap(limited()) { destroyed().clear(); }
  Heap heap;
};

TEST_F(HardLimitTest, BreaksARegionWithACountedReportedFullCollection) {
  Recorder recorder;
  heap.set_observer(&recorder);
  {
    NoGcScope region(heap);
    for (int i = 0; i < 300000; ++i) heap.make<Named>(i, "garbage");  // ~19 MiB, all dead
  }
  const HeapStatistics s = heap.statistics();
  EXPECT_GE(s.hard_limit_collections, 1u);
  EXPECT_GE(s.region_breaks, 1u);
  EXPECT_LE(s.committed_bytes, 8u << 20);
  ASSERT_FALSE(recorder.events.empty());
  EXPECT_EQ(recorder.events[0].kind, GcKind::kFull);
  EXPECT_EQ(recorder.events[0].context, GcContext::kRegion);
  heap.set_observer(nullptr);
}

TEST_F(HardLimitTest, ThrowsHeapLimitErrorWhenLiveDataDoesNotFit) {
  std::vector<Persistent<Named>> kept;
  EXPECT_THROW(
      {
        for (int i = 0; i < 300000; ++i) kept.emplace_back(heap, heap.make<Named>(i, "live"));
      },
      HeapLimitError);
  EXPECT_GE(heap.statistics().hard_limit_collections, 1u);
  // The heap is still usable and intact after the failure.
  EXPECT_EQ(kept.back()->name, "live");
  kept.clear();
  heap.collect();
  heap.make<Named>(1, "after");
}

}  // namespace
}  // namespace lull::gc::test
