// heap_test.cc: allocation (nursery, old, large, strings, arrays), statistics and observer.
#include <gtest/gtest.h>

#include "gc/no_gc_scope.h"
#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using HeapAllocationTest = HeapTest;

TEST_F(HeapAllocationTest, SmallRelocatableObjectsAreBumpAllocatedInTheNursery) {
  Node* a = heap.make<Node>(1, 10);
  Node* b = heap.make<Node>(2, 20);
  EXPECT_TRUE(testing::is_young_for_testing(heap, a));
  EXPECT_EQ(reinterpret_cast<char*>(b) - reinterpret_cast<char*>(a), 16 + sizeof(Node));
  EXPECT_EQ(a->id, 1u);
  EXPECT_EQ(b->value, 20);
  EXPECT_EQ(heap.nursery_used_bytes(), 2 * (16 + sizeof(Node)));
  expect_healthy();
}

TEST_F(HeapAllocationTest, NonRelocatableTypesAreAllocatedOld) {
  Named* n = heap.make<Named>(7, "a string long enough to live on the heap, not in SSO");
  EXPECT_FALSE(testing::is_young_for_testing(heap, n));
  EXPECT_EQ(n->name, "a string long enough to live on the heap, not in SSO");
  EXPECT_GT(heap.old_bytes(), 0u);
}

TEST_F(HeapAllocationTest, LargeArraysGoToTheLargeSpace) {
  Array<double>* big = heap.make_array<double>(100000);
  EXPECT_FALSE(testing::is_young_for_testing(heap, big));
  EXPECT_EQ(big->size(), 100000u);
  EXPECT_EQ((*big)[99999], 0.0);
  (*big)[5] = 2.5;
  EXPECT_EQ((*big)[5], 2.5);
  EXPECT_GE(heap.statistics().large_bytes, 800000u);
}

TEST_F(HeapAllocationTest, StringsKeepTheirBytesAndHash) {
  String* s = heap.make_string("hello, lull");
  EXPECT_EQ(s->view(), "hello, lull");
  EXPECT_EQ(s->hash(), String::hash_bytes("hello, lull"));
  String* empty = heap.make_string("");
  EXPECT_TRUE(empty->empty());
}

TEST_F(HeapAllocationTest, StatisticsCountAllocatedBytes) {
  const uint64_t before = heap.statistics().allocated_bytes_total;
  for (int i = 0; i < 100; ++i) heap.make<Node>(i);
  EXPECT_EQ(heap.statistics().allocated_bytes_total - before, 100 * (16 + sizeof(Node)));
}

struct Recorder : GcObserver {
  void on_gc_event(const GcEvent& e) override { events.push_back(e); }
  std::vector<GcEvent> events;
};

TEST_F(HeapAllocationTest, ObserverSeesOneEventPerCollection) {
  Recorder recorder;
  heap.set_observer(&recorder);
  Local<Node> keep(heap, heap.make<Node>(1));
  heap.collect_minor(GcContext::kIdle);
  ASSERT_EQ(recorder.events.size(), 1u);
  EXPECT_EQ(recorder.events[0].kind, GcKind::kMinor);
  EXPECT_EQ(recorder.events[0].context, GcContext::kIdle);
  EXPECT_EQ(recorder.events[0].objects, 1u);
  recorder.events.clear();
  heap.collect(GcContext::kForced);
  ASSERT_EQ(recorder.events.size(), 1u);
  EXPECT_EQ(recorder.events[0].kind, GcKind::kFull);
  EXPECT_EQ(heap.statistics().forced_collections, 1u);
  heap.set_observer(nullptr);
}

TEST_F(HeapAllocationTest, RetuneChangesTheTriggerAndLimitButNotTheNurseryOrMode) {
  Local<Array<std::uint64_t>> held(heap, heap.make_array<std::uint64_t>(64 * 1024));  // 512 KiB
  ASSERT_FALSE(heap.major_work_pending());  // below small_policy's minimum trigger

  Policy retuned = heap.policy();
  retuned.min_major_trigger_bytes = 64 * 1024;
  retuned.hard_limit_bytes = 64u << 20;
  retuned.nursery_bytes = 8u << 20;  // not a knob a running heap takes
  retuned.mode = GcMode::kClassic;   // nor this
  heap.retune(retuned);

  EXPECT_TRUE(heap.major_work_pending());
  EXPECT_EQ(heap.policy().hard_limit_bytes, 64u << 20);
  EXPECT_EQ(heap.nursery_capacity_bytes(), small_policy().nursery_bytes);
  EXPECT_EQ(heap.policy().nursery_bytes, small_policy().nursery_bytes);
  EXPECT_EQ(heap.policy().mode, small_policy().mode);
}

}  // namespace
}  // namespace lull::gc::test
