// rule.h: what every rule kind shares: its config, match filter, per-key state slot,
// cooldown, and fire(), which formats the action line and hands it to the rule's sink.
// A rule sees only events that passed its match and carry its key; it keeps its per-key
// state in KeyState::rules[slot] as its own RuleState subtype. Reactor thread only.
//
// Action line (ticks spec, then the kind's own values, then `copy` fields):
//   {"rule":"price-jump","key":"m00042","seq":123,"ts":1732460000123456789,"price":111.4,"mean":101.2}
// seq and ts are the firing event's fields, copied as written, when it has them.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>

#include "config/config.h"
#include "daemon/actions/action_sink.h"
#include "daemon/event.h"
#include "daemon/field_names.h"
#include "daemon/rules/key_table.h"
#include "daemon/rules/match.h"
#include "gc/handles.h"
#include "gc/heap.h"
#include "runtime/arrival.h"
#include "runtime/duration_metrics.h"
#include "runtime/reactor.h"

namespace lull::daemon {

// What a rule is built with.
struct RuleEnvironment {
  runtime::Reactor& reactor;
  FieldNames& names;
  ActionSink* sink;  // never null; a reload may point it at a new sink (Rule::rebind)
  runtime::DurationMetric latency;  // lull_action_latency_seconds{rule}
  prometheus::Counter& fired;       // lull_rule_fired_total{rule}
  FieldId seq_field;
  FieldId time_field;
};

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();

// a - b, saturated at the int64 range: event times are whatever integer a line carried.
inline std::int64_t time_minus(std::int64_t a, std::int64_t b) {
  std::int64_t difference;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return a < b ? std::numeric_limits<std::int64_t>::min()
               : std::numeric_limits<std::int64_t>::max();
}

class Rule {
 public:
  virtual ~Rule() = default;

  const config::RuleConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  bool matches(const Event& event) const { return match_(event); }
  // This rule's index in KeyState::rules of its key table; kNoSlot until the monitor places it.
  static constexpr std::size_t kNoSlot = std::numeric_limits<std::size_t>::max();
  std::size_t slot() const { return slot_; }
  void set_slot(std::size_t slot) { slot_ = slot; }

  // One matching event of `key`. May allocate (GC points in classic mode): everything held
  // across allocations is in handles.
  virtual void on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                        const runtime::Arrival& arrival) = 0;
  // Timer-driven rules start their timers here.
  virtual void start() {}
  virtual void stop() {}

  // Reload: this rule, kept with its state, fires into `sink` from now on.
  void rebind(ActionSink& sink) { environment_.sink = &sink; }
  // Unique in the process, never reused: it marks the RuleStates this rule made.
  std::uint32_t id() const { return id_; }

  // Builds one action line; fire() sends it.
  class Action {
   public:
    Action(const Rule& rule, const Event& event, std::string_view key);
    Action& number(std::string_view name, double value);
    Action& integer(std::string_view name, std::int64_t value);
    std::string& text() { return text_; }

   private:
    void name(std::string_view name);
    std::string text_;
  };

 protected:
  Rule(const config::RuleConfig& config, RuleEnvironment& environment);

  // The state of this rule for `key`, created on first use. A state in this rule's slot
  // that another rule made (before a reload) is stale: it is replaced, its events uncounted.
  template <class State>
  State* state(gc::Heap& heap, gc::Local<KeyState>& key) {
    if (RuleState* current = own_state(*key)) return static_cast<State*>(current);
    reserve_slot(heap, key);              // may allocate
    State* created = heap.make<State>();  // may collect: `key` is reloaded through its handle
    put_state(*key, created);
    return created;
  }
  // This rule's state for `key`, or null (none yet, or the slot holds another rule's).
  RuleState* own_state(const KeyState& key) const {
    const auto& states = *key.rules.get();
    if (slot_ >= states.size()) return nullptr;
    RuleState* state = states[slot_].get();
    return state != nullptr && state->owner == id_ ? state : nullptr;
  }
  // `delta` events joined (or left) the window of `state`, one of `key`'s.
  static void hold(KeyState& key, RuleState& state, std::int32_t delta) {
    state.held += delta;
    key.events_held += delta;
  }
  // Within the cooldown of the last firing, on either side: an event dated before it (late,
  // or from a clock that stepped back) is as close to it as one after.
  bool cooling_down(std::int64_t last_fired_ns, std::int64_t now_ns) const {
    if (last_fired_ns == kNever) return false;
    const std::int64_t since = time_minus(now_ns, last_fired_ns);
    return since < config_.cooldown.count() && since > -config_.cooldown.count();
  }
  // Completes `action` with the copied fields and emits it.
  void fire(Action& action, const Event& event, const runtime::Arrival& arrival);

  config::RuleConfig config_;
  RuleEnvironment environment_;
  Match match_;
  std::vector<FieldId> copy_;
  std::size_t slot_ = kNoSlot;

 private:
  void reserve_slot(gc::Heap& heap, gc::Local<KeyState>& key);  // grows key's array to slot_
  void put_state(KeyState& key, RuleState* state);

  std::uint32_t id_;
};

// Builds the rule a config entry describes.
std::unique_ptr<Rule> make_rule(const config::RuleConfig& config, RuleEnvironment environment);

}  // namespace lull::daemon
