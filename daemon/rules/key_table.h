// key_table.h: the managed map from a key (the key field's string) to that key's state.
// Open addressing with linear probing over one Array<Member<KeyState>>, sized once at
// start-up to the next power of two >= 2 x max_keys, so it never rehashes: no handler ever
// pays for growing it (the cost: 8 bytes x 2 x max_keys, 16 MiB at the default 1,000,000).
// Deletion shifts the following run back (no tombstones), so probe lengths stay short.
// Invariant: every key sits in the run that starts at its home slot (hash & mask) without a
// null in between; kept by insert() and erase(); checked by KeyTableTest.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "gc/array.h"
#include "gc/garbage_collected.h"
#include "gc/handles.h"
#include "gc/heap.h"
#include "gc/member.h"
#include "gc/string.h"
#include "gc/visitor.h"

namespace lull::daemon {

// What one rule keeps for one key; each rule derives its own (no virtual functions: the rule
// that made a state is the only one that reads it, which `owner` lets it check: after a
// reload a slot may belong to another rule).
struct RuleState : gc::GarbageCollected<RuleState> {
  std::uint32_t owner = 0;  // Rule::id() of its maker
  std::int32_t held = 0;    // events in its window; their sum per key is KeyState::events_held
};

class KeyState : public gc::GarbageCollected<KeyState> {
 public:
  explicit KeyState(std::int64_t now_ns) : last_seen_ns(now_ns) {}
  void trace(gc::Visitor& visitor) const {
    visitor.trace(key);
    visitor.trace(rules);
  }

  gc::Member<gc::String> key;
  gc::Member<gc::Array<gc::Member<RuleState>>> rules;  // one slot per rule of the table
  std::int64_t last_seen_ns;                           // steady clock, for state.key_ttl
  std::int64_t events_held = 0;  // events in this key's rule windows (lull_state_events)
};

class KeyTable : public gc::GarbageCollected<KeyTable> {
 public:
  KeyTable(std::size_t max_keys, std::size_t rule_count)
      : max_keys_(max_keys), rule_count_(rule_count) {}
  void trace(gc::Visitor& visitor) const { visitor.trace(slots_); }

  // Allocates the slot array; call once, right after make<KeyTable>.
  static void initialize(gc::Heap& heap, gc::Local<KeyTable>& self);

  KeyState* find(std::string_view key) const;
  // The state of `key`, which find() did not find, created with an empty rule-state array;
  // nullptr when max_keys are held. Allocates (a GC point in classic mode), so `key` must not
  // view memory a collection could move.
  static KeyState* insert(gc::Heap& heap, gc::Local<KeyTable>& self, std::string_view key,
                          std::int64_t now_ns);

  // Reload: new keys get arrays of `count` rule slots (older keys grow theirs on use).
  void set_rule_count(std::size_t count) { rule_count_ = count; }

  // Visits up to `max_visits` slots from where the last call stopped; drops the keys last seen
  // before `cutoff_ns`, and from the others every rule state whose slot `owners` (each
  // slot's Rule::id() now, 0 for none) does not give to its maker: what a reload left stale.
  // Never allocates.
  struct Swept {
    std::size_t keys = 0;          // keys dropped
    std::size_t stale_states = 0;  // states dropped from the keys that stay
    std::int64_t events_held = 0;  // what both held
  };
  Swept sweep(std::int64_t cutoff_ns, std::size_t max_visits,
              const std::vector<std::uint32_t>& owners);
  // The sum of every key's events_held; O(capacity).
  std::int64_t events_held() const;

  std::size_t size() const { return count_; }
  std::size_t capacity() const { return slots_ ? slots_->size() : 0; }
  std::size_t max_keys() const { return max_keys_; }

 private:
  std::size_t mask() const { return capacity() - 1; }
  std::size_t home(std::string_view key) const { return gc::String::hash_bytes(key) & mask(); }
  void erase_at(std::size_t slot);

  gc::Member<gc::Array<gc::Member<KeyState>>> slots_;
  std::size_t count_ = 0;
  std::size_t max_keys_;
  std::size_t rule_count_;
  std::size_t cursor_ = 0;  // sweep's position
};

}  // namespace lull::daemon
