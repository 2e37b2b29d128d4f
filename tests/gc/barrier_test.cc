// barrier_test.cc: the write barrier: old-to-young stores fill the remembered set, young and
// initialising stores too where needed, and the deletion half shades overwritten values while
// marking (SATB).
#include <gtest/gtest.h>

#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using BarrierTest = HeapTest;

// Pretenured (non-trivial destructor) holder whose constructor initialises a Member.
struct Holder : GarbageCollected<Holder> {
  explicit Holder(Node* n) : node(n) {}
  ~Holder() {}
  void trace(Visitor& v) const { v.trace(node); }
  Member<Node> node;
};

TEST_F(BarrierTest, OldToYoungStoreIsRememberedAndFixedByMinor) {
  Local<Node> old_node(heap, heap.make<Node>(1));
  heap.collect_minor();
  ASSERT_FALSE(testing::is_young_for_testing(heap, old_node.get()));
  EXPECT_EQ(testing::remembered_set_size_for_testing(heap), 0u);
  old_node->left = heap.make<Node>(2, 22);
  EXPECT_EQ(testing::remembered_set_size_for_testing(heap), 1u);
  old_node->left = heap.make<Node>(3, 33);  // same slot: folded
  EXPECT_EQ(testing::remembered_set_size_for_testing(heap), 1u);
  expect_healthy();
  heap.collect_minor();
  EXPECT_EQ(testing::remembered_set_size_for_testing(heap), 0u);
  EXPECT_EQ(old_node->left->value, 33);
  EXPECT_FALSE(testing::is_young_for_testing(heap, old_node->left.get()));
  expect_healthy();
}

TEST_F(BarrierTest, YoungToYoungStoreIsNotRemembered) {
  Local<Node> a(heap, heap.make<Node>(1));
  a->left = heap.make<Node>(2);
  EXPECT_EQ(testing::remembered_set_size_for_testing(heap), 0u);
}

TEST_F(BarrierTest, InitialisingStoreInAnOldObjectIsRemembered) {
  Local<Node> young(heap, heap.make<Node>(5, 55));
  Local<Holder> holder(heap, heap.make<Holder>(young.get()));
  ASSERT_FALSE(testing::is_young_for_testing(heap, holder.get()));
  EXPECT_EQ(testing::remembered_set_size_for_testing(heap), 1u);
  young.reset();
  heap.collect_minor();
  EXPECT_EQ(holder->node->value, 55);
  expect_healthy();
}

// One root, n1 -> n2 -> x, all old. A step of zero units traces exactly n1 (the root's object):
// n1 black, n2 grey, x white.
class MarkingBarrierTest : public HeapTest {
 protected:
  void SetUp() override {
    root = Local<Node>(heap, heap.make<Node>(1));
    root->left = heap.make<Node>(2);
    root->left->left = heap.make<Node>(3, 333);
    heap.collect_minor();
    x = root->left->left.get();
    testing::collect_step_units_for_testing(heap, 0);
    ASSERT_EQ(heap.phase(), MajorPhase::kMarking);
    ASSERT_TRUE(testing::is_marked_for_testing(heap, root->left.get()));  // grey
    ASSERT_FALSE(testing::is_marked_for_testing(heap, x));                // white
  }
  Local<Node> root;
  Node* x = nullptr;
};

TEST_F(MarkingBarrierTest, DeletionShadesTheOverwrittenObject) {
  root->left->left = nullptr;
  EXPECT_TRUE(testing::is_marked_for_testing(heap, x));
}

TEST_F(MarkingBarrierTest, AnObjectMovedBehindTheMarkerSurvives) {
  // x moves from n2 (not yet traced) into n1 (already black). Without the deletion barrier x
  // would stay white and be freed while reachable.
  root->right = x;
  root->left->left = nullptr;
  finish_cycle();
  expect_healthy();
  ASSERT_EQ(root->right.get(), x);
  EXPECT_EQ(root->right->value, 333);
  heap.collect();
  EXPECT_EQ(root->right->value, 333);
  expect_healthy();
}

TEST_F(MarkingBarrierTest, WithoutTheStoreTheVerifierWouldSeeAWhiteReachableObject) {
  // The check the barrier keeps can fail: finish marking without the barrier's help by
  // clearing n2's edge with a raw write, then store x into black n1 the same way.
  root->right.slot_for_gc()[0] = x;  // raw store: no barrier
  *root->left->left.slot_for_gc() = nullptr;
  for (int i = 0; i < 1000 && heap.phase() == MajorPhase::kMarking; ++i)
    testing::collect_step_units_for_testing(heap, 0);
  ASSERT_EQ(heap.phase(), MajorPhase::kSweeping);
  const std::vector<std::string> errors = testing::verify_heap_for_testing(heap);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("white after marking"), std::string::npos) << errors[0];
  root->right.slot_for_gc()[0] = nullptr;  // do not let the sweeper free a reachable object
}

}  // namespace
}  // namespace lull::gc::test
