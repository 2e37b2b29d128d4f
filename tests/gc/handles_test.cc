// handles_test.cc: Local and Persistent handles are the roots: they keep objects alive, follow
// them when a minor collection moves them, and unlink cleanly.
#include <gtest/gtest.h>

#include <memory>

#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using HandlesTest = HeapTest;

TEST_F(HandlesTest, PersistentKeepsAliveAndFollowsMoves) {
  auto p = std::make_unique<Persistent<Named>>(heap, heap.make<Named>(1, "kept"));
  (*p)->next = heap.make<Node>(2, 22);
  heap.collect();
  EXPECT_EQ(destroyed()[1], 0);
  EXPECT_EQ((*p)->next->value, 22);
  EXPECT_FALSE(testing::is_young_for_testing(heap, (*p)->next.get()));
  p.reset();
  heap.collect();
  EXPECT_EQ(destroyed()[1], 1);
}

TEST_F(HandlesTest, CopiesAreRootsAndSurviveTheOriginal) {
  Local<Node> copy;
  {
    Local<Node> original(heap, heap.make<Node>(1, 11));
    copy = original;
  }
  heap.collect();
  EXPECT_EQ(copy->value, 11);
  Local<Node> copy2(copy);
  copy.reset();
  heap.collect_minor();
  EXPECT_EQ(copy2->value, 11);
  expect_healthy();
}

TEST_F(HandlesTest, ManyHandlesInAVectorStayLinked) {
  std::vector<Local<Node>> handles;
  for (int i = 0; i < 1000; ++i) handles.emplace_back(heap, heap.make<Node>(i, i));
  handles.erase(handles.begin(), handles.begin() + 500);  // moves/copies and destroys handles
  heap.collect();
  for (int i = 0; i < 500; ++i) ASSERT_EQ(handles[i]->value, 500 + i);
  expect_healthy();
}

TEST(HandlesLifetimeTest, HandlesOutlivingTheHeapBecomeEmpty) {
  Persistent<Node> outlives;
  {
    Heap heap(small_policy());
    outlives = Persistent<Node>(heap, heap.make<Node>(1));
  }
  EXPECT_FALSE(outlives);
  EXPECT_FALSE(outlives.bound());
}

}  // namespace
}  // namespace lull::gc::test
