// pretenure_test.cc: survival-driven pretenuring: high survival switches young allocation to the
// old space (statistics move, the nursery stays empty), low survival switches it back after the
// sampling window, objects pretenured during marking and sweeping survive the cycle, destructors
// of pretenured objects run exactly once, and pretenure_survival = 0 turns it off.
#include <gtest/gtest.h>

#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

constexpr size_t kNodeBytes = 16 + sizeof(Node);  // allocation size, header included

class PretenureTest : public HeapTest {
 protected:
  // Allocates about `bytes` of nodes chained onto `head` (all of them stay reachable).
  void allocate_kept(size_t bytes) {
    for (size_t done = 0; done < bytes; done += kNodeBytes) {
      Node* n = heap.make<Node>(next_id_++);
      n->left = head.get();
      head = n;
    }
  }
  // Allocates about `bytes` of nodes that die at once.
  void allocate_garbage(size_t bytes) {
    for (size_t done = 0; done < bytes; done += kNodeBytes) heap.make<Node>(next_id_++);
  }
  // Half-nursery windows of fully surviving minors until pretenuring is on.
  void reach_pretenuring() {
    const size_t window = heap.nursery_capacity_bytes() / 2;
    for (int i = 0; i < 4 && !testing::pretenuring_for_testing(heap); ++i) {
      allocate_kept(window + kNodeBytes);
      ASSERT_TRUE(heap.collect_minor());
    }
    ASSERT_TRUE(testing::pretenuring_for_testing(heap));
  }
  size_t chain_length() {
    size_t n = 0;
    for (Node* p = head.get(); p != nullptr; p = p->left.get()) ++n;
    return n;
  }

  Local<Node> head{heap, nullptr};
  uint64_t next_id_ = 1;
};

TEST_F(PretenureTest, HighSurvivalSwitchesToPretenuring) {
  const size_t window = heap.nursery_capacity_bytes() / 2;
  allocate_kept(window + kNodeBytes);
  heap.collect_minor();
  EXPECT_FALSE(testing::pretenuring_for_testing(heap)) << "one window is not enough";
  allocate_kept(window + kNodeBytes);
  heap.collect_minor();
  ASSERT_TRUE(testing::pretenuring_for_testing(heap));
  EXPECT_EQ(heap.statistics().pretenured_objects, 0u);

  const uint64_t promoted = heap.statistics().promoted_bytes_total;
  const uint64_t allocated = heap.statistics().allocated_bytes_total;
  allocate_kept(100 * kNodeBytes);
  EXPECT_FALSE(testing::is_young_for_testing(heap, head.get()));
  EXPECT_EQ(heap.nursery_used_bytes(), 0u) << "the fast path must stay closed";
  EXPECT_EQ(heap.statistics().pretenured_objects, 100u);
  EXPECT_EQ(heap.statistics().pretenured_bytes, 100 * kNodeBytes);
  EXPECT_EQ(heap.statistics().allocated_bytes_total - allocated, 100 * kNodeBytes);
  // Strings and arrays that would be young are pretenured too; large ones never were young.
  Local<String> s(heap, heap.make_string("pretenured"));
  Local<Array<double>> d(heap, heap.make_array<double>(4));
  EXPECT_FALSE(testing::is_young_for_testing(heap, s.get()));
  EXPECT_FALSE(testing::is_young_for_testing(heap, d.get()));
  EXPECT_EQ(heap.statistics().pretenured_objects, 102u);
  heap.collect_minor();
  EXPECT_EQ(heap.statistics().promoted_bytes_total, promoted) << "nothing left to copy";
  EXPECT_EQ(s->view(), "pretenured");
  EXPECT_EQ(chain_length(), next_id_ - 1);
  expect_healthy();
}

TEST_F(PretenureTest, PretenuredObjectsHoldingYoungOnesAreRemembered) {
  reach_pretenuring();
  testing::set_pretenuring_for_testing(heap, testing::PretenureMode::kNever);
  Local<Node> young(heap, heap.make<Node>(1000000, 7));
  testing::set_pretenuring_for_testing(heap, testing::PretenureMode::kAlways);
  Local<Node> old(heap, heap.make<Node>(1000001));
  EXPECT_FALSE(testing::is_young_for_testing(heap, old.get()));
  ASSERT_TRUE(testing::is_young_for_testing(heap, young.get()));
  old->right = young.get();
  EXPECT_EQ(testing::remembered_set_size_for_testing(heap), 1u);
  young.reset();
  expect_healthy();
  heap.collect_minor();
  EXPECT_FALSE(testing::is_young_for_testing(heap, old->right.get()));
  EXPECT_EQ(old->right->value, 7);
  expect_healthy();
}

TEST_F(PretenureTest, LowSurvivalSwitchesBackAfterTheSamplingWindow) {
  reach_pretenuring();
  const size_t kept = chain_length();
  // Survival drops: everything allocated from here on dies. Pretenuring goes on until the
  // sampling period (8 nurseries' worth) is pretenured...
  const size_t sample_every = 8 * heap.nursery_capacity_bytes();
  const uint64_t before = heap.statistics().pretenured_bytes;
  for (size_t i = 0; i < 2 * sample_every / kNodeBytes && testing::pretenuring_for_testing(heap);
       ++i)
    heap.make<Node>(next_id_++);
  EXPECT_FALSE(testing::pretenuring_for_testing(heap)) << "sampling window";
  EXPECT_GE(heap.statistics().pretenured_bytes - before, sample_every);
  EXPECT_LT(heap.statistics().pretenured_bytes - before, sample_every + kNodeBytes);
  // ... then one window is allocated young and measured by the next minor collection.
  const uint64_t pretenured = heap.statistics().pretenured_objects;
  allocate_garbage(heap.nursery_capacity_bytes() / 2 + kNodeBytes);
  EXPECT_EQ(heap.statistics().pretenured_objects, pretenured);
  EXPECT_GT(heap.nursery_used_bytes(), heap.nursery_capacity_bytes() / 2);
  heap.collect_minor();
  EXPECT_FALSE(testing::pretenuring_for_testing(heap)) << "low survival: back to the nursery";
  allocate_kept(10 * kNodeBytes);
  EXPECT_TRUE(testing::is_young_for_testing(heap, head.get()));
  EXPECT_EQ(heap.statistics().pretenured_objects, pretenured);
  // The pretenured garbage is an ordinary old-space death.
  const size_t old_before = heap.old_bytes();
  heap.collect();
  EXPECT_LE(heap.old_bytes() + sample_every, old_before + 10 * 48);
  EXPECT_EQ(chain_length(), kept + 10);
  expect_healthy();
}

TEST_F(PretenureTest, HighSurvivalInTheSamplingWindowResumesPretenuring) {
  reach_pretenuring();
  allocate_kept(8 * heap.nursery_capacity_bytes());
  ASSERT_FALSE(testing::pretenuring_for_testing(heap));
  allocate_kept(heap.nursery_capacity_bytes() / 2 + kNodeBytes);
  EXPECT_TRUE(testing::is_young_for_testing(heap, head.get()));
  heap.collect_minor();
  EXPECT_TRUE(testing::pretenuring_for_testing(heap)) << "one high window resumes at once";
  EXPECT_EQ(chain_length(), next_id_ - 1);
  expect_healthy();
}

TEST_F(PretenureTest, ObjectsPretenuredDuringMarkingAndSweepingSurviveTheCycle) {
  testing::set_pretenuring_for_testing(heap, testing::PretenureMode::kAlways);
  allocate_kept(4000 * kNodeBytes);  // an old graph that takes many steps to mark
  Local<Node> dead(heap, heap.make<Node>(999999));
  testing::collect_step_units_for_testing(heap, 8);
  ASSERT_EQ(heap.phase(), MajorPhase::kMarking);
  dead.reset();  // unreachable, but reachable at the start: survives this cycle (SATB)
  Local<Node> born_marking(heap, heap.make<Node>(1000000, 11));
  EXPECT_FALSE(testing::is_young_for_testing(heap, born_marking.get()));
  EXPECT_TRUE(testing::is_marked_for_testing(heap, born_marking.get())) << "allocate-black";
  born_marking->left = heap.make<Node>(1000001, 12);  // child born black too
  Node* temp = heap.make<Node>(1000002);              // dies at once: freed by the next cycle
  (void)temp;
  for (int i = 0; i < 1000000 && heap.phase() == MajorPhase::kMarking; ++i)
    testing::collect_step_units_for_testing(heap, 64);
  ASSERT_EQ(heap.phase(), MajorPhase::kSweeping);
  expect_healthy();  // check_marking: every reachable old object is black
  Local<Node> born_sweeping(heap, heap.make<Node>(1000003, 13));
  EXPECT_TRUE(testing::is_marked_for_testing(heap, born_sweeping.get()));
  finish_cycle();
  EXPECT_EQ(born_marking->value, 11);
  EXPECT_EQ(born_marking->left->value, 12);
  EXPECT_EQ(born_sweeping->value, 13);
  EXPECT_EQ(chain_length(), 4000u);
  expect_healthy();
  heap.collect();
  EXPECT_EQ(born_marking->left->value, 12);
  EXPECT_EQ(born_sweeping->value, 13);
  expect_healthy();
}

TEST_F(PretenureTest, DestructorsOfPretenuredObjectsRunExactlyOnce) {
  reach_pretenuring();
  {
    Local<Buffer> kept(heap, heap.make<Buffer>(1, 50));
    heap.make<Buffer>(2, 50);  // dies at once
    Local<Buffer> dropped(heap, heap.make<Buffer>(3, 50));
    EXPECT_FALSE(testing::is_young_for_testing(heap, kept.get()));
    EXPECT_EQ(heap.statistics().pretenured_objects, 3u);
    heap.collect_minor();  // not young: no minor collection destroys them
    EXPECT_EQ(destroyed()[2], 0);
    dropped.reset();
    heap.collect();
    EXPECT_EQ(destroyed()[1], 0);
    EXPECT_EQ(destroyed()[2], 1);
    EXPECT_EQ(destroyed()[3], 1);
    EXPECT_EQ(kept->data[49], 1);
    // Back to young allocation: a young death runs from the nursery, once.
    testing::set_pretenuring_for_testing(heap, testing::PretenureMode::kNever);
    heap.make<Buffer>(4, 10);
    Local<Buffer> young(heap, heap.make<Buffer>(5, 10));
    EXPECT_TRUE(testing::is_young_for_testing(heap, young.get()));
    heap.collect_minor();
    EXPECT_EQ(destroyed()[4], 1);
    EXPECT_EQ(destroyed()[5], 0);
    heap.collect();
    EXPECT_EQ(destroyed()[1], 0);
    EXPECT_EQ(heap.statistics().destructors_run, 3u);
  }
  heap.collect();
  for (uint64_t id = 1; id <= 5; ++id) EXPECT_EQ(destroyed()[id], 1) << "buffer " << id;
  EXPECT_EQ(heap.statistics().destructors_run, 5u);
}

TEST_F(PretenureTest, TortureModeWithPretenuringKeepsTheHeapHealthy) {
  testing::set_torture_for_testing(heap, true);
  testing::set_pretenuring_for_testing(heap, testing::PretenureMode::kAlways);
  allocate_kept(300 * kNodeBytes);
  Local<Buffer> b(heap, heap.make<Buffer>(1, 5));
  testing::set_pretenuring_for_testing(heap, testing::PretenureMode::kAuto);
  allocate_kept(300 * kNodeBytes);
  testing::set_torture_for_testing(heap, false);
  heap.collect();
  EXPECT_EQ(chain_length(), 600u);
  EXPECT_EQ(destroyed()[1], 0);
  expect_healthy();
}

TEST(PretenurePolicyTest, ZeroTurnsPretenuringOff) {
  Policy p = small_policy();
  p.pretenure_survival = 0;
  Heap heap(p);
  Local<Node> head(heap, nullptr);
  for (int minor = 0; minor < 6; ++minor) {
    for (size_t done = 0; done < p.nursery_bytes * 3 / 4; done += kNodeBytes) {
      Node* n = heap.make<Node>(1);
      n->left = head.get();
      head = n;
    }
    heap.collect_minor();
  }
  EXPECT_FALSE(testing::pretenuring_for_testing(heap));
  EXPECT_EQ(heap.statistics().pretenured_objects, 0u);
  EXPECT_TRUE(testing::is_young_for_testing(heap, heap.make<Node>(2)));
}

TEST(PretenurePolicyTest, ClassicModeSwitchesWithoutExplicitMinorCollections) {
  Policy p = small_policy();
  p.mode = GcMode::kClassic;
  Heap heap(p);
  Local<Node> head(heap, nullptr);
  // Twelve nurseries of survivors: minors triggered by allocation switch pretenuring on, the
  // sampling period switches it off once, and the sampled window switches it on again.
  for (size_t done = 0; done < 12 * p.nursery_bytes; done += kNodeBytes) {
    Node* n = heap.make<Node>(1);
    n->left = head.get();
    head = n;
  }
  EXPECT_GT(heap.statistics().pretenured_objects, 0u);
  EXPECT_LT(heap.statistics().minor_collections, 10u);  // 12+ without pretenuring
  EXPECT_TRUE(testing::verify_heap_for_testing(heap).empty());
}

}  // namespace
}  // namespace lull::gc::test
