// scavenger_test.cc: minor collections: with and without survivors, reference fixing, young
// destructors, strings and arrays moved out of the nursery.
#include <gtest/gtest.h>

#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using MinorCollectionTest = HeapTest;

TEST_F(MinorCollectionTest, WithoutSurvivorsPromotesNothing) {
  for (int i = 0; i < 1000; ++i) heap.make<Node>(i);
  const size_t old_before = heap.old_bytes();
  ASSERT_TRUE(heap.collect_minor());
  EXPECT_EQ(heap.nursery_used_bytes(), 0u);
  EXPECT_EQ(heap.old_bytes(), old_before);
  EXPECT_EQ(heap.statistics().promoted_bytes_total, 0u);
  EXPECT_EQ(heap.statistics().minor_collections, 1u);
}

TEST_F(MinorCollectionTest, SurvivorsArePromotedAndEveryReferenceIsFixed) {
  Local<Node> a(heap, heap.make<Node>(1, 100));
  a->left = heap.make<Node>(2, 200);
  a->left->left = heap.make<Node>(3, 300);
  a->right = a->left.get();  // shared: must be copied once
  Local<Node> alias(heap, a->left->left.get());
  for (int i = 0; i < 100; ++i) heap.make<Node>(1000 + i);  // garbage in between
  heap.collect_minor();
  EXPECT_FALSE(testing::is_young_for_testing(heap, a.get()));
  EXPECT_EQ(a->id, 1u);
  EXPECT_EQ(a->value, 100);
  EXPECT_EQ(a->left->id, 2u);
  EXPECT_EQ(a->left.get(), a->right.get());
  EXPECT_EQ(a->left->left.get(), alias.get());
  EXPECT_EQ(alias->value, 300);
  static_assert(sizeof(Node) == 32);  // 48-byte slots with the header
  EXPECT_EQ(heap.statistics().promoted_bytes_total, 3 * 48u);
  expect_healthy();
}

TEST_F(MinorCollectionTest, YoungDestructorsRunExactlyForTheDead) {
  Local<Buffer> kept(heap, heap.make<Buffer>(1, 100));
  heap.make<Buffer>(2, 100);
  heap.make<Buffer>(3, 100);
  heap.collect_minor();
  EXPECT_EQ(destroyed()[1], 0);
  EXPECT_EQ(destroyed()[2], 1);
  EXPECT_EQ(destroyed()[3], 1);
  // The std::vector was moved by memcpy (opt-in relocatable) and is intact.
  ASSERT_EQ(kept->data.size(), 100u);
  EXPECT_EQ(kept->data[99], 1);
  heap.collect_minor();
  EXPECT_EQ(destroyed()[1], 0);
  kept.reset();
  heap.collect();
  EXPECT_EQ(destroyed()[1], 1);
  EXPECT_EQ(destroyed()[2], 1);
  EXPECT_EQ(heap.statistics().destructors_run, 3u);
}

TEST_F(MinorCollectionTest, StringsAndArraysMoveWithTheirContents) {
  Local<String> s(heap, heap.make_string("a managed string of some length"));
  Local<Array<double>> d(heap, heap.make_array<double>(10));
  Local<Array<Member<Node>>> refs(heap, heap.make_array<Member<Node>>(3));
  for (int i = 0; i < 10; ++i) (*d)[i] = i * 1.5;
  (*refs)[1] = heap.make<Node>(42, 4242);
  heap.collect_minor();
  EXPECT_EQ(s->view(), "a managed string of some length");
  EXPECT_EQ(s->hash(), String::hash_bytes("a managed string of some length"));
  EXPECT_EQ((*d)[9], 13.5);
  EXPECT_EQ((*refs)[0].get(), nullptr);
  ASSERT_NE((*refs)[1].get(), nullptr);
  EXPECT_EQ((*refs)[1]->value, 4242);
  EXPECT_FALSE(testing::is_young_for_testing(heap, (*refs)[1].get()));
  expect_healthy();
}

TEST_F(MinorCollectionTest, RecordArraysMoveWithTheirValuesAndUpdatedReferences) {
  Local<Array<Stamped>> young(heap, heap.make_array<Stamped>(4));
  (*young)[2].time = 7;
  (*young)[2].node = heap.make<Node>(1, 11);
  heap.collect_minor();  // the array and its node are promoted, the reference follows
  EXPECT_FALSE(testing::is_young_for_testing(heap, young.get()));
  EXPECT_EQ((*young)[2].time, 7);
  ASSERT_NE((*young)[2].node.get(), nullptr);
  EXPECT_EQ((*young)[2].node->value, 11);
  // An old record array storing a young reference: the barrier remembers the element's slot.
  (*young)[3].node = heap.make<Node>(2, 22);
  (*young)[3].time = 8;
  heap.collect_minor();
  EXPECT_FALSE(testing::is_young_for_testing(heap, (*young)[3].node.get()));
  EXPECT_EQ((*young)[3].node->value, 22);
  EXPECT_EQ((*young)[0].node.get(), nullptr);
  expect_healthy();
}

TEST_F(MinorCollectionTest, EstimateFollowsNurseryUse) {
  EXPECT_EQ(heap.estimate_minor_duration().count(), 0);
  Local<Node> keep(heap, heap.make<Node>(1));
  const auto small = heap.estimate_minor_duration();
  for (int i = 0; i < 2000; ++i) heap.make<Node>(i);
  EXPECT_GT(heap.estimate_minor_duration(), small);
}

}  // namespace
}  // namespace lull::gc::test
