// marker_test.cc: incremental marking: reachability, interleaving with minor collections and
// mutation, huge reference arrays traced in slices.
#include <gtest/gtest.h>

#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using MarkerTest = HeapTest;

Node* build_list(Heap& heap, Local<Node>& head, int n) {
  head = heap.make<Node>(0, 0);
  Local<Node> tail(heap, head.get());
  for (int i = 1; i < n; ++i) {
    tail->left = heap.make<Node>(i, i);
    tail = tail->left.get();
  }
  return tail.get();
}

// Marks in steps of at most 64 units (each marking at most 64 objects) until sweeping starts;
// returns how many steps it took.
int mark_in_small_steps(Heap& heap) {
  int steps = 0;
  while (heap.phase() != MajorPhase::kSweeping) {
    const StepResult r = testing::collect_step_units_for_testing(heap, 64);
    EXPECT_LE(r.objects, 64u);
    ++steps;
  }
  return steps;
}

TEST_F(MarkerTest, MarksExactlyTheReachable) {
  Local<Node> head(heap, nullptr);
  build_list(heap, head, 1000);
  Node* garbage = heap.make<Node>(9999);
  heap.collect_minor();
  garbage = nullptr;  // (was young: not promoted)
  Local<Node> white(heap, heap.make<Node>(5000));
  heap.collect_minor();
  Node* unreachable = white.get();
  white.reset();
  int steps = 0;
  while (heap.phase() != MajorPhase::kSweeping) {
    testing::collect_step_units_for_testing(heap, 16);
    ASSERT_LT(++steps, 100000);
  }
  EXPECT_GT(steps, 10);  // 1000 objects, 16 units per step
  expect_healthy();      // includes: every reachable old object is black
  int marked = 0;
  for (Node* n = head.get(); n != nullptr; n = n->left.get())
    marked += testing::is_marked_for_testing(heap, n) ? 1 : 0;
  EXPECT_EQ(marked, 1000);
  EXPECT_FALSE(testing::is_marked_for_testing(heap, unreachable));
  (void)garbage;
  finish_cycle();
}

TEST_F(MarkerTest, MarkingSurvivesMinorCollectionsAndMutation) {
  Local<Node> head(heap, nullptr);
  build_list(heap, head, 500);
  heap.collect_minor();
  testing::collect_step_units_for_testing(heap, 8);
  ASSERT_EQ(heap.phase(), MajorPhase::kMarking);
  // While marking: hang young objects off old ones, cut and re-link parts of the list, run
  // minor collections in between.
  for (int round = 0; round < 20; ++round) {
    Node* n = head.get();
    for (int k = 0; k < round * 10 && n->left; ++k) n = n->left.get();
    n->right = heap.make<Node>(10000 + round, round);
    n->right->left = heap.make<Node>(20000 + round, round);
    if (round % 3 == 0) {
      // Detach the node after n and re-attach it as n's right's right.
      Local<Node> cut(heap, n->left.get());
      if (cut) {
        n->left = cut->left.get();
        n->right->right = cut.get();
      }
    }
    heap.collect_minor();
    testing::collect_step_units_for_testing(heap, 8);
    expect_healthy();
  }
  finish_cycle();
  expect_healthy();
  heap.collect();
  expect_healthy();
  // Everything reachable still has its payload.
  int count = 0;
  for (Node* n = head.get(); n != nullptr; n = n->left.get()) {
    ++count;
    if (n->right) {
      EXPECT_EQ(n->right->id, 10000u + n->right->value);
      ASSERT_TRUE(n->right->left);
      EXPECT_EQ(n->right->left->id, 20000u + n->right->value);
    }
  }
  EXPECT_GT(count, 400);
}

TEST_F(MarkerTest, HugeReferenceArrayIsTracedInSlices) {
  constexpr size_t kLength = 100000;
  Local<Array<Member<Node>>> array(heap, heap.make_array<Member<Node>>(kLength));
  for (size_t i = 0; i < kLength; i += 100) {
    (*array)[i] = heap.make<Node>(i, static_cast<int64_t>(i));
    if (heap.nursery_used_bytes() > 200000) heap.collect_minor();
  }
  heap.collect_minor();
  EXPECT_GT(mark_in_small_steps(heap), 10);  // one array, many steps
  expect_healthy();
  finish_cycle();
  for (size_t i = 0; i < kLength; i += 100) EXPECT_EQ((*array)[i]->value, (int64_t)i);
}

TEST_F(MarkerTest, HugeRecordArrayIsTracedInSlicesAndKeepsWhatItHolds) {
  constexpr size_t kLength = 50000;
  Local<Array<Stamped>> array(heap, heap.make_array<Stamped>(kLength));
  for (size_t i = 0; i < kLength; i += 100) {
    (*array)[i].time = static_cast<int64_t>(i);
    (*array)[i].node = heap.make<Node>(i, static_cast<int64_t>(i) * 2);
    if (heap.nursery_used_bytes() > 200000) heap.collect_minor();
  }
  heap.collect_minor();
  const size_t old_before = heap.old_bytes();
  EXPECT_GT(mark_in_small_steps(heap), 5);  // one array, many steps
  expect_healthy();
  finish_cycle();
  EXPECT_EQ(heap.old_bytes(), old_before);  // every node the array holds survived
  for (size_t i = 0; i < kLength; i += 100) {
    EXPECT_EQ((*array)[i].time, static_cast<int64_t>(i));
    EXPECT_EQ((*array)[i].node->value, static_cast<int64_t>(i) * 2);
  }
}

}  // namespace
}  // namespace lull::gc::test
