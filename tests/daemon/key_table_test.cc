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
  // The monitor's look-up: the key's state, inserted if new.
  KeyState* insert(const std::string& key, std::int64_t now) {
    if (KeyState* found = table_->find(key)) return found;
    gc::Local<KeyTable> table(heap_, table_.get());
    return KeyTable::insert(heap_, table, key, now);
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
    for (int sweep = 0; sweep < 64; ++sweep) table_->sweep(cutoff, 128, {});
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

TEST_F(KeyTableTest, SweepDropsStatesWhoseSlotNowBelongsToAnotherRule) {
  // Before a reload: rule 11 in slot 0, rule 12 in slot 1; each state holds 3 events.
  constexpr int kKeys = 300;
  for (int i = 0; i < kKeys; ++i) {
    gc::Local<KeyState> key(heap_, insert("k" + std::to_string(i), 0));
    for (std::uint32_t slot = 0; slot < 2; ++slot) {
      auto* state = heap_.make<RuleState>();
      state->owner = 11 + slot;
      state->held = 3;
      (*key->rules.get())[slot] = state;
    }
    key->events_held = 6;
  }
  ASSERT_EQ(table_->events_held(), 6 * kKeys);
  // After: rule 11 kept slot 0, slot 1 went to a new rule 13.
  const std::vector<std::uint32_t> owners{11, 13};
  KeyTable::Swept swept;
  for (std::size_t visited = 0; visited < table_->capacity(); visited += 256) {
    auto part = table_->sweep(/*cutoff_ns=*/-1, 256, owners);
    swept.keys += part.keys;
    swept.stale_states += part.stale_states;
    swept.events_held += part.events_held;
  }
  EXPECT_EQ(swept.keys, 0u);
  EXPECT_EQ(swept.stale_states, static_cast<std::size_t>(kKeys));
  EXPECT_EQ(swept.events_held, 3 * kKeys);
  EXPECT_EQ(table_->events_held(), 3 * kKeys);
  heap_.collect();  // the dropped states are garbage now; the kept ones must survive
  for (int i = 0; i < kKeys; ++i) {
    KeyState* key = table_->find("k" + std::to_string(i));
    ASSERT_NE(key, nullptr);
    ASSERT_NE((*key->rules.get())[0].get(), nullptr);
    EXPECT_EQ((*key->rules.get())[0]->owner, 11u);
    EXPECT_EQ((*key->rules.get())[1].get(), nullptr);
  }
  EXPECT_TRUE(gc::testing::verify_heap_for_testing(heap_).empty());
}

}  // namespace
}  // namespace lull::daemon
