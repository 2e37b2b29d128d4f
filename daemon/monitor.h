// monitor.h: the stream monitor: per-key state on the heap, the rules, and their sinks.
// Rules are grouped by key field; each group has one KeyTable. An event goes to every group
// whose key it carries; a key's state is created only when some rule of the group matches.
// Keys idle longer than state.key_ttl (arrival time) are dropped by a sweep that visits a
// bounded number of slots per tick, so no handler pays for the whole table.
// Reactor thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "config/config.h"
#include "daemon/actions/action_sink.h"
#include "daemon/event.h"
#include "daemon/field_names.h"
#include "daemon/rules/key_table.h"
#include "daemon/rules/rule.h"
#include "gc/handles.h"
#include "runtime/duration_metrics.h"
#include "runtime/reactor.h"
#include "runtime/timer.h"

namespace lull::daemon {

class Monitor {
 public:
  static constexpr auto kSweepInterval = std::chrono::milliseconds(250);
  static constexpr std::size_t kSweepSlots = 16384;  // per table and tick: ~0.1 ms

  // `sinks` by action name; every enabled rule's action must be there (config validation
  // guarantees it). Throws std::runtime_error if the field-name table overflows.
  Monitor(const config::Config& config, runtime::Reactor& reactor, FieldNames& names,
          std::map<std::string, ActionSink*> sinks, prometheus::Registry& registry);
  ~Monitor();

  enum class Outcome { kAccepted, kKeyLimit };
  // One accepted event. kKeyLimit: its key was new to some table that holds max_keys (the
  // rules of that table did not see it).
  Outcome on_event(gc::Local<Event>& event, const runtime::Arrival& arrival);

  void start();
  void stop();

  // Reload: the rules of `config` replace the current ones. A rule whose settings are all
  // unchanged (name, kind, match, key field, action name, ...) keeps its object, its timers and
  // every key's state; it fires into the sink now named by its action. Other rules start
  // empty; rules that went stop. A key field no rule uses any more loses its table.
  // state.key_ttl takes effect; state.max_keys sized the tables and stays. No pass over the
  // keys: the states of changed and removed rules are dropped by the idle-key sweep as it
  // passes (one whole table every capacity / kSweepSlots x kSweepInterval), and until then
  // still count in lull_state_events.
  struct Changes {
    std::size_t kept = 0, added = 0, removed = 0;
  };
  Changes reload(const config::Config& config, const std::map<std::string, ActionSink*>& sinks);

  // lull_action_latency_seconds{rule} and its windowed max: a scrape source.
  std::shared_ptr<runtime::DurationFamily> latency() const { return latency_; }
  std::size_t keys() const;
  std::int64_t events_held() const { return events_held_; }  // in rule windows

 private:
  struct Group {
    FieldId key_field;
    bool is_event_key;  // the events.key_field: share the event's key String
    gc::Persistent<KeyTable> table;
    std::vector<std::unique_ptr<Rule>> rules;  // in config order
    std::vector<std::uint32_t> slot_owners;    // Rule::id() by slot; 0: free
  };

  // Builds the groups of `config`, carrying over what reload() promises to keep.
  Changes install(const config::Config& config, const std::map<std::string, ActionSink*>& sinks);
  void assign_slots(Group& group);  // gives new rules (slot kNoSlot) free slots
  void sweep();

  runtime::Reactor& reactor_;
  config::StateConfig state_;
  std::shared_ptr<runtime::DurationFamily> latency_;
  std::vector<std::unique_ptr<Group>> groups_;  // pointers: a Group holds a Persistent
  std::vector<Rule*> matched_;  // scratch: the rules of one group matching one event
  runtime::Timer sweep_timer_;
  std::int64_t events_held_ = 0;
  prometheus::Gauge& keys_gauge_;
  prometheus::Gauge& events_gauge_;
  prometheus::Counter& keys_expired_;
  prometheus::Family<prometheus::Counter>& fired_;
  FieldNames& names_;
  FieldId seq_field_;
  FieldId time_field_;
  bool started_ = false;
};

}  // namespace lull::daemon
