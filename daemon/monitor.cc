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
                        .Add({})),
      fired_(prometheus::BuildCounter()
                 .Name("lull_rule_fired_total")
                 .Help("Times each rule fired (each firing is one action).")
                 .Register(registry)),
      names_(names),
      seq_field_(intern_or_throw(names, "seq")),
      time_field_(intern_or_throw(names, config.events.time_field)) {
  install(config, sinks);
}

Monitor::~Monitor() = default;

void Monitor::start() {
  started_ = true;
  for (auto& group : groups_) {
    for (auto& rule : group->rules) rule->start();
  }
  sweep();
}

void Monitor::stop() {
  started_ = false;
  sweep_timer_.cancel();
  for (auto& group : groups_) {
    for (auto& rule : group->rules) rule->stop();
  }
}

Monitor::Changes Monitor::reload(const config::Config& config,
                                 const std::map<std::string, ActionSink*>& sinks) {
  state_.key_ttl = config.state.key_ttl;  // max_keys sized the tables: it stays
  return install(config, sinks);
}

Monitor::Changes Monitor::install(const config::Config& config,
                                  const std::map<std::string, ActionSink*>& sinks) {
  gc::Heap& heap = reactor_.heap();
  Changes changes;
  std::vector<std::unique_ptr<Group>> old_groups = std::move(groups_);
  groups_.clear();
  std::vector<Group*> old_group_of;  // per new group: its key field's old group, or null
  std::vector<Rule*> added;

  for (const auto& rule_config : config.rules) {
    if (!rule_config.enabled) continue;
    const std::string& key_name =
        rule_config.key.empty() ? config.events.key_field : rule_config.key;
    const FieldId key_field = intern_or_throw(names_, key_name);
    auto found = std::find_if(groups_.begin(), groups_.end(),
                              [&](const auto& g) { return g->key_field == key_field; });
    if (found == groups_.end()) {
      groups_.push_back(std::make_unique<Group>(
          Group{key_field, key_name == config.events.key_field, {}, {}, {}}));
      found = std::prev(groups_.end());
      auto old = std::find_if(old_groups.begin(), old_groups.end(),
                              [&](const auto& g) { return g->key_field == key_field; });
      old_group_of.push_back(old == old_groups.end() ? nullptr : old->get());
    }
    Group& group = **found;
    Group* old = old_group_of[static_cast<std::size_t>(found - groups_.begin())];
    ActionSink& sink = *sinks.at(rule_config.action);

    // A rule whose settings did not change keeps its object, its slot, its timers and so
    // every key's state.
    std::unique_ptr<Rule> rule;
    if (old != nullptr) {
      auto same = std::find_if(old->rules.begin(), old->rules.end(),
                               [&](const auto& r) { return r && r->config() == rule_config; });
      if (same != old->rules.end()) rule = std::move(*same);
    }
    if (rule) {
      rule->rebind(sink);
      ++changes.kept;
    } else {
      rule = make_rule(
          rule_config,
          RuleEnvironment{reactor_, names_, &sink, latency_->add({{"rule", rule_config.name}}),
                          fired_.Add({{"rule", rule_config.name}}), seq_field_, time_field_});
      added.push_back(rule.get());
    }
    group.rules.push_back(std::move(rule));
  }

  for (std::size_t index = 0; index < groups_.size(); ++index) {
    Group& group = *groups_[index];
    assign_slots(group);
    if (Group* old = old_group_of[index]) {
      // The key field's table carries over. States of slots that changed hands stay until
      // the sweep drops them; their new rules ignore them (RuleState::owner).
      group.table = old->table;
      old->table.reset();
      group.table->set_rule_count(group.slot_owners.size());
      continue;
    }
    gc::Local<KeyTable> table(heap, heap.make<KeyTable>(state_.max_keys, group.slot_owners.size()));
    KeyTable::initialize(heap, table);
    group.table = gc::Persistent<KeyTable>(heap, table.get());
  }

  // What is left of the old groups: rules that changed or went, tables no rule uses.
  auto retired = std::make_shared<std::vector<std::unique_ptr<Rule>>>();
  for (auto& old : old_groups) {
    if (old->table) events_held_ -= old->table->events_held();
    for (auto& rule : old->rules) {
      if (!rule) continue;
      if (started_) rule->stop();
      retired->push_back(std::move(rule));
      ++changes.removed;
    }
  }
  // A stopped rule's cancelled timer still has its handler queued, which reads the Timer:
  // the rule is destroyed by a handler queued after it.
  if (!retired->empty()) boost::asio::post(reactor_.io(), [retired] {});
  changes.added = added.size();
  if (started_) {
    for (Rule* rule : added) rule->start();
  }
  keys_gauge_.Set(static_cast<double>(keys()));
  events_gauge_.Set(static_cast<double>(events_held_));
  return changes;
}

void Monitor::assign_slots(Group& group) {
  // Kept rules hold their slots; new ones take the lowest free ones (a slot a removed or
  // changed rule had included: its states there are stale from now on).
  group.slot_owners.clear();
  for (const auto& rule : group.rules) {
    if (rule->slot() == Rule::kNoSlot) continue;
    if (group.slot_owners.size() <= rule->slot()) group.slot_owners.resize(rule->slot() + 1, 0);
    group.slot_owners[rule->slot()] = rule->id();
  }
  std::size_t next_free = 0;
  for (const auto& rule : group.rules) {
    if (rule->slot() != Rule::kNoSlot) continue;
    while (next_free < group.slot_owners.size() && group.slot_owners[next_free] != 0) ++next_free;
    if (next_free == group.slot_owners.size()) group.slot_owners.push_back(0);
    group.slot_owners[next_free] = rule->id();
    rule->set_slot(next_free);
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

    const std::optional<std::string_view> key_text =
        group.is_event_key ? event->key_view() : event->string(group.key_field);
    if (!key_text) continue;  // this event has no key for these rules
    gc::Local<KeyTable> table(heap, group.table.get());
    KeyState* found = table->find(*key_text);
    if (found == nullptr) {
      // A new key. A copy: the insertion allocates, which may move the event and its bytes.
      const std::string copy(*key_text);
      found = KeyTable::insert(heap, table, copy, runtime::steady_ns(arrival.steady));
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
  bool changed = false;
  for (auto& group : groups_) {
    auto swept = group->table->sweep(cutoff, kSweepSlots, group->slot_owners);
    expired += swept.keys;
    events_held_ -= swept.events_held;
    changed |= swept.keys > 0 || swept.stale_states > 0;
  }
  if (expired > 0) keys_expired_.Increment(static_cast<double>(expired));
  if (changed) {
    keys_gauge_.Set(static_cast<double>(keys()));
    events_gauge_.Set(static_cast<double>(events_held_));
  }
  sweep_timer_.async_wait_after(kSweepInterval, [this](boost::system::error_code error) {
    if (!error) sweep();
  });
}

}  // namespace lull::daemon
