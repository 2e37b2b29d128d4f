// monitor.cc: grouping rules by key field, the per-event path, the idle-key sweep.
#include "daemon/monitor.h"

#include <spdlog/spdlog.h>

namespace lull::daemon {
Monitor::Monitor(const config::Config& config, runtime::Reactor& reactor, FieldNames& names,
                 std::map<std::string, ActionSink*> sinks, prometheus::Registry& registry)
    : reactor_(reactor),
      state_(config.state),
      latency_(std::make_shared<runtime::DurationFamily>(
          "lull_action_latency",
          "Time from the firing event's arrival (its socket read) to the action's write "
          "completing, by rule; queueing inside lulld and time spent waiting for a sink "
          "that was down are included.",
          "Longest action latency of each rule in the last metrics window.",
          std::vector<std::string>{"rule"}, config.metrics.window)),
      sweep_timer_(reactor.io(), reactor.timers()),
      keys_gauge_(prometheus::BuildGauge()
                      .Name("lull_state_keys")
                      .Help("Keys with state on the heap, over all key fields; bounded by "
                            "state.max_keys per key field.")
                      .Register(registry)
                      .Add({})),
      events_gauge_(prometheus::BuildGauge()
                        .Name("lull_state_events")
                        .Help("Events held in rule windows (deviation, rate); each is live on "
                              "the heap until it leaves its window or its key expires.")
                        .Register(registry)
                        .Add({})),
      keys_expired_(prometheus::BuildCounter()
                        .Name("lull_state_keys_expired_total")
                        .Help("Keys dropped with their state after state.key_ttl without an "
                              "event.")
                        .Register(registry)
                        .Add({})) {
  auto& fired = prometheus::BuildCounter()
                    .Name("lull_rule_fired_total")
                    .Help("Times each rule fired (each firing is one action).")
                    .Register(registry);
  const FieldId seq = intern_or_throw(names, "seq");
  const FieldId time = intern_or_throw(names, config.events.time_field);
  gc::Heap& heap = reactor.heap();
  for (const auto& rule_config : config.rules) {
    if (!rule_config.enabled) continue;
    const std::string& key_name =
        rule_config.key.empty() ? config.events.key_field : rule_config.key;
    const FieldId key_field = intern_or_throw(names, key_name);
    auto found = std::find_if(groups_.begin(), groups_.end(),
                              [&](const auto& g) { return g->key_field == key_field; });
    if (found == groups_.end()) {
      groups_.push_back(
          std::make_unique<Group>(Group{key_field, key_name == config.events.key_field, {}, {}}));
      found = std::prev(groups_.end());
    }
    Group* group = found->get();
    RuleEnvironment environment{reactor,
                                names,
                                *sinks.at(rule_config.action),
                                latency_->add({{"rule", rule_config.name}}),
                                fired.Add({{"rule", rule_config.name}}),
                                seq,
                                time};
    group->rules.push_back(make_rule(rule_config, environment));
    group->rules.back()->set_slot(group->rules.size() - 1);
  }
  for (auto& group : groups_) {
    gc::Local<KeyTable> table(heap, heap.make<KeyTable>(state_.max_keys, group->rules.size()));
    KeyTable::initialize(heap, table);
    group->table = gc::Persistent<KeyTable>(heap, table.get());
  }
}

Monitor::~Monitor() = default;

void Monitor::start() {
  for (auto& group : groups_) {
    for (auto& rule : group->rules) rule->start();
  }
  sweep();
}

void Monitor::stop() {
  sweep_timer_.cancel();
  for (auto& group : groups_) {
    for (auto& rule : group->rules) rule->stop();
  }
}

std::size_t Monitor::keys() const {
  std::size_t total = 0;
  for (const auto& group : groups_) total += group->table->size();
  return total;
}

Monitor::Outcome Monitor::on_event(gc::Local<Event>& event, const runtime::Arrival& arrival) {
  gc::Heap& heap = reactor_.heap();
  Outcome outcome = Outcome::kAccepted;
  for (auto& owned : groups_) {
    Group& group = *owned;
    matched_.clear();
    for (auto& rule : group.rules) {
      if (rule->matches(*event)) matched_.push_back(rule.get());
    }
    if (matched_.empty()) continue;

    gc::Local<KeyTable> table(heap, group.table.get());
    KeyState* found;
    if (group.is_event_key) {
      found = KeyTable::find_or_insert(heap, table, event->key_view(), event->key.get(),
                                       runtime::steady_ns(arrival.steady));
    } else {
      auto key = event->string(group.key_field);
      if (!key) continue;  // this event has no key for these rules
      // A copy: allocation may move the event's strings, and with them the view.
      const std::string copy(*key);
      found =
          KeyTable::find_or_insert(heap, table, copy, nullptr, runtime::steady_ns(arrival.steady));
    }
    if (found == nullptr) {
      outcome = Outcome::kKeyLimit;
      continue;
    }
    gc::Local<KeyState> key(heap, found);
    key->last_seen_ns = runtime::steady_ns(arrival.steady);
    const std::int64_t held_before = key->events_held;
    for (Rule* rule : matched_) rule->on_event(heap, key, event, arrival);
    events_held_ += key->events_held - held_before;
  }
  keys_gauge_.Set(static_cast<double>(keys()));
  events_gauge_.Set(static_cast<double>(events_held_));
  return outcome;
}

void Monitor::sweep() {
  const std::int64_t cutoff =
      runtime::steady_ns(std::chrono::steady_clock::now()) - state_.key_ttl.count();
  std::size_t expired = 0;
  for (auto& group : groups_) {
    auto erased = group->table->erase_idle(cutoff, kSweepSlots);
    expired += erased.keys;
    events_held_ -= erased.events_held;
  }
  if (expired > 0) {
    keys_expired_.Increment(static_cast<double>(expired));
    keys_gauge_.Set(static_cast<double>(keys()));
    events_gauge_.Set(static_cast<double>(events_held_));
  }
  sweep_timer_.async_wait_after(kSweepInterval, [this](boost::system::error_code error) {
    if (!error) sweep();
  });
}

}  // namespace lull::daemon
