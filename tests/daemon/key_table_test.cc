// key_table_test.cc: insertion, lookup, the max_keys bound, and idle-key deletion that
// keeps every remaining key findable (the backward-shift invariant), across collections.
#include "daemon/rules/key_table.h"

#include <map>
#include <random>

#include <gtest/gtest.h>

#include "gc/testing.h"

namespace lull::daemon {
namespace {

class KeyTableTest : public ::testing::Test {
 protected:
  explicit KeyTableTest(std::size_t max_keys = 1000)
      : table_(heap_, heap_.make<KeyTable>(max_keys, 2)) {
    gc::Local<KeyTable> table(heap_, table_.get());
    KeyTable::initialize(heap_, table);
  }
  KeyState* insert(const std::string& key, std::int64_t now) {
    gc::Local<KeyTable> table(heap_, table_.get());
    return KeyTable::find_or_insert(heap_, table, key, nullptr, now);
  }

  gc::Heap heap_;
  gc::Persistent<KeyTable> table_;
};

TEST_F(KeyTableTest, FindsWhatWasInsertedAndNothingElse) {
  for (int i = 0; i < 500; ++i) ASSERT_NE(insert("k" + std::to_string(i), 0), nullptr);
  EXPECT_EQ(table_->size(), 500u);
  EXPECT_GE(table_->capacity(), 2000u);
  for (int i = 0; i < 500; ++i) {
    KeyState* state = table_->find("k" + std::to_string(i));
    ASSERT_NE(state, nullptr);
    EXPECT_EQ(state->key->view(), "k" + std::to_string(i));
    EXPECT_EQ(state->rules->size(), 2u);
  }
  EXPECT_EQ(table_->find("k500"), nullptr);
  EXPECT_EQ(insert("k7", 0), table_->find("k7")) << "a second insert finds the first";
}

TEST_F(KeyTableTest, RefusesNewKeysAtMaxKeys) {
  for (int i = 0; i < 1000; ++i) ASSERT_NE(insert("k" + std::to_string(i), 0), nullptr);
  EXPECT_EQ(insert("one-too-many", 0), nullptr);
  EXPECT_NE(insert("k1", 0), nullptr);
}

TEST_F(KeyTableTest, EraseIdleDropsExactlyTheIdleKeysAndKeepsTheRestFindable) {
  std::mt19937 random(7);
  std::map<std::string, std::int64_t> last_seen;  // the model
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 300; ++i) {
      std::string key = "k" + std::to_string(random() % 5000);
      KeyState* state = insert(key, round);
      if (state == nullptr) continue;
      state->last_seen_ns = round;
      last_seen[key] = round;
    }
    // Drop everything not seen in the last 3 rounds, in small bounded sweeps that add up
    // to more than one pass over the table.
    const std::int64_t cutoff = round - 3;
    for (int sweep = 0; sweep < 64; ++sweep) table_->erase_idle(cutoff, 128);
    for (auto it = last_seen.begin(); it != last_seen.end();) {
      const bool idle = it->second < cutoff;
      ASSERT_EQ(table_->find(it->first) == nullptr, idle) << it->first << " round " << round;
      it = idle ? last_seen.erase(it) : std::next(it);
    }
    EXPECT_EQ(table_->size(), last_seen.size());
    if (round % 5 == 0) heap_.collect();
  }
  EXPECT_TRUE(gc::testing::verify_heap_for_testing(heap_).empty());
}

// A rule state that says which key and old slot it belongs to.
struct TaggedState : RuleState {
  TaggedState(int key, int slot) : key(key), slot(slot) {}
  int key, slot;
};

TEST_F(KeyTableTest, RemapRulesMovesKeptStatesToTheirNewSlotsAndReportsTheRest) {
  constexpr int kKeys = 300;
  for (int i = 0; i < kKeys; ++i) {
    gc::Local<KeyState> state(heap_, insert("k" + std::to_string(i), 0));
    for (int slot = 0; slot < 2; ++slot) {
      auto* tagged = heap_.make<TaggedState>(i, slot);
      (*state->rules.get())[slot] = tagged;
    }
  }
  // Two rules now: the old slot 1 first, then a new one; the old slot 0 is gone.
  std::map<int, int> dropped;  // key -> the old slot reported
  gc::Local<KeyTable> table(heap_, table_.get());
  KeyTable::remap_rules(heap_, table, {1, KeyTable::kNoSlot},
                        [&](std::size_t slot, const RuleState& state, KeyState&) {
                          const auto& tagged = static_cast<const TaggedState&>(state);
                          EXPECT_EQ(tagged.slot, static_cast<int>(slot));
                          dropped[tagged.key] = tagged.slot;
                        });
  heap_.collect();  // the dropped states are garbage now; the kept ones must survive
  EXPECT_EQ(dropped.size(), static_cast<std::size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    KeyState* state = table_->find("k" + std::to_string(i));
    ASSERT_NE(state, nullptr);
    ASSERT_EQ(state->rules->size(), 2u);
    auto* kept = static_cast<TaggedState*>((*state->rules.get())[0].get());
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(kept->key, i);
    EXPECT_EQ(kept->slot, 1);
    EXPECT_EQ((*state->rules.get())[1].get(), nullptr);
    EXPECT_EQ(dropped[i], 0);
  }
  EXPECT_TRUE(gc::testing::verify_heap_for_testing(heap_).empty());
}

}  // namespace
}  // namespace lull::daemon
