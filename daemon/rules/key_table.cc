// key_table.cc: linear probing, insertion, backward-shift deletion, the idle sweep.
#include "daemon/rules/key_table.h"

#include <bit>

namespace lull::daemon {

void KeyTable::initialize(gc::Heap& heap, gc::Local<KeyTable>& self) {
  const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(2 * self->max_keys_, 16));
  auto* slots = heap.make_array<gc::Member<KeyState>>(capacity);
  self->slots_ = slots;
}

KeyState* KeyTable::find(std::string_view key) const {
  const auto& slots = *slots_.get();
  for (std::size_t slot = home(key);; slot = (slot + 1) & mask()) {
    KeyState* state = slots[slot].get();
    if (state == nullptr) return nullptr;
    if (state->key->view() == key) return state;
  }
}

KeyState* KeyTable::insert(gc::Heap& heap, gc::Local<KeyTable>& self, std::string_view key,
                           std::int64_t now_ns) {
  if (self->count_ >= self->max_keys_) return nullptr;
  gc::Local<gc::String> name(heap, heap.make_string(key));
  gc::Local<KeyState> state(heap, heap.make<KeyState>(now_ns));
  state->key = name.get();
  state->rules = heap.make_array<gc::Member<RuleState>>(self->rule_count_);
  // Probe only after the allocations, which may have collected (classic mode) and moved the
  // table or its slots: both are reloaded through the handle from here on.
  // `key` may view heap memory that a collection moved: use the new String from here on.
  KeyTable& table = *self;
  auto& slots = *table.slots_.get();
  std::size_t slot = table.home(name->view());
  while (slots[slot].get() != nullptr) slot = (slot + 1) & table.mask();
  slots[slot] = state.get();
  ++table.count_;
  return state.get();
}

void KeyTable::erase_at(std::size_t hole) {
  auto& slots = *slots_.get();
  slots[hole] = nullptr;
  --count_;
  // Shift back every entry of the run after the hole whose home is not in (hole, next].
  for (std::size_t next = (hole + 1) & mask(); slots[next].get() != nullptr;
       next = (next + 1) & mask()) {
    const std::size_t want = home(slots[next]->key->view());
    const bool movable =
        hole <= next ? (want <= hole || want > next) : (want <= hole && want > next);
    if (movable) {
      slots[hole] = slots[next].get();
      slots[next] = nullptr;
      hole = next;
    }
  }
}

KeyTable::Swept KeyTable::sweep(std::int64_t cutoff_ns, std::size_t max_visits,
                                const std::vector<std::uint32_t>& owners) {
  Swept swept;
  const auto& slots = *slots_.get();
  for (std::size_t visit = 0; visit < max_visits && count_ > 0; ++visit) {
    KeyState* state = slots[cursor_].get();
    if (state != nullptr && state->last_seen_ns < cutoff_ns) {
      swept.events_held += state->events_held;
      erase_at(cursor_);  // the entry shifted into cursor_ (if any) is looked at next
      ++swept.keys;
      continue;
    }
    if (state != nullptr) {
      auto& rules = *state->rules.get();
      for (std::size_t i = 0; i < rules.size(); ++i) {
        RuleState* rule_state = rules[i].get();
        if (rule_state == nullptr || (i < owners.size() && rule_state->owner == owners[i])) {
          continue;
        }
        state->events_held -= rule_state->held;
        swept.events_held += rule_state->held;
        ++swept.stale_states;
        rules[i] = nullptr;
      }
    }
    cursor_ = (cursor_ + 1) & mask();
  }
  return swept;
}

std::int64_t KeyTable::events_held() const {
  std::int64_t held = 0;
  for (std::size_t slot = 0; slot < capacity(); ++slot) {
    if (const KeyState* key = (*slots_.get())[slot].get()) held += key->events_held;
  }
  return held;
}

}  // namespace lull::daemon
