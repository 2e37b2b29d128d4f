// monitor_harness.h: one real Monitor for rule tests, with its own reactor (and so its own
// heap), field names, a RecordingSink as the action "sink" of every rule, a Prometheus
// registry, and the parser and builder that turn an NDJSON line into the event it is fed.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "config/config.h"
#include "daemon/event_builder.h"
#include "daemon/event_parser.h"
#include "daemon/field_names.h"
#include "daemon/monitor.h"
#include "gc/handles.h"
#include "gc/testing.h"
#include "runtime/reactor.h"
#include "tests/daemon/recording_sink.h"

namespace lull::daemon::testing {

// Outside MonitorHarness so that `= {}` can default it there (a nested class's member
// initializers are not usable inside the enclosing class).
struct MonitorHarnessOptions {
  std::size_t max_keys = 1000;  // config.state.max_keys
  bool torture = false;         // the heap collects at every allocation, from the start
};

class MonitorHarness {
 public:
  using Options = MonitorHarnessOptions;

  // Every rule's action is set to "sink".
  explicit MonitorHarness(std::vector<config::RuleConfig> rules, Options options = {}) {
    config_.rules = std::move(rules);
    config_.state.max_keys = options.max_keys;
    for (auto& rule : config_.rules) rule.action = "sink";
    if (options.torture) gc::testing::set_torture_for_testing(reactor_.heap(), true);
    monitor_ = std::make_unique<Monitor>(
        config_, reactor_, names_, std::map<std::string, ActionSink*>{{"sink", &sink_}}, registry_);
    builder_ = std::make_unique<EventBuilder>(reactor_.heap(), names_, *names_.intern("ts"));
  }
  ~MonitorHarness() { gc::testing::set_torture_for_testing(reactor_.heap(), false); }
  MonitorHarness(const MonitorHarness&) = delete;
  MonitorHarness& operator=(const MonitorHarness&) = delete;

  // Parses `line` (a failure to parse fails the test) and hands the event to the monitor.
  Monitor::Outcome feed(const std::string& line,
                        const runtime::Arrival& arrival = runtime::Arrival::now()) {
    auto parsed = parser_.parse(line);
    EXPECT_TRUE(parsed.event) << line;
    gc::Local<Event> event(reactor_.heap(), builder_->build(*parsed.event, 0));
    return monitor_->on_event(event, arrival);
  }

  const config::Config& config() const { return config_; }
  runtime::Reactor& reactor() { return reactor_; }
  gc::Heap& heap() { return reactor_.heap(); }
  Monitor& monitor() { return *monitor_; }
  RecordingSink& sink() { return sink_; }
  std::vector<std::string>& lines() { return sink_.lines; }
  // The lull_state_keys gauge as a scrape would read it; -1 when it is absent.
  double keys_gauge() const {
    for (const auto& family : registry_.Collect()) {
      if (family.name == "lull_state_keys") return family.metric.at(0).gauge.value;
    }
    return -1;
  }

 private:
  config::Config config_;
  runtime::Reactor reactor_{config::GcConfig{}};
  FieldNames names_;
  RecordingSink sink_;
  prometheus::Registry registry_;
  EventParser parser_{"key"};
  std::unique_ptr<EventBuilder> builder_;
  std::unique_ptr<Monitor> monitor_;
};

}  // namespace lull::daemon::testing
