// daemon_reload.cc: SIGHUP. Reads the configuration file again and applies what a running
// daemon can change, without dropping a connection or a rule's state:
//   - rules: unchanged ones keep their state and timers; changed and new ones start empty;
//     removed ones go (Monitor::reload);
//   - actions: an unchanged sink keeps its connection and queue; a changed one is replaced, the
//     old one flushing its queue for at most kSinkFlushBound;
//   - gc: every budget but mode and nursery (Reactor::set_budgets); state.key_ttl; log.level.
// Settings that need a restart (inputs, events, metrics, gc.mode, gc.nursery, state.max_keys)
// keep their running values, each change logged as a warning. A file that does not load, a
// gc.hard_limit below what the heap holds now, or a jetstream input with other partitions or
// another stream set (which no restart of one instance can change alone) is rejected whole:
// errors logged, the old configuration kept, lull_config_last_reload_successful 0.
#include <spdlog/spdlog.h>

#include "config/loader.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"

namespace lull::daemon {
namespace {

// `next` with the settings that need a restart put back to their `running` values; the names
// of those that differed go to `ignored`.
config::Config keep_restart_only(const config::Config& running, config::Config next,
                                 std::vector<std::string>& ignored) {
  auto keep = [&](auto& setting, const auto& value, const char* name) {
    if (setting == value) return;
    ignored.emplace_back(name);
    setting = value;
  };
  keep(next.inputs, running.inputs, "inputs");
  keep(next.events, running.events, "events");
  keep(next.metrics, running.metrics, "metrics");
  keep(next.gc.mode, running.gc.mode, "gc.mode");
  keep(next.gc.nursery, running.gc.nursery, "gc.nursery");
  keep(next.state.max_keys, running.state.max_keys, "state.max_keys");
  return next;
}

// A jetstream input's stream set is fixed for every instance that shares it: changing it is a
// new deployment, never a reload.
void check_stream_sets(const config::Config& running, const config::Config& next,
                       const std::string& file, std::vector<std::string>& errors) {
  for (const auto& now : running.inputs) {
    if (now.type != config::InputType::kJetStream) continue;
    for (const auto& then : next.inputs) {
      if (then.name != now.name) continue;
      if (then.type != now.type || then.partitions != now.partitions ||
          then.stream_prefix != now.stream_prefix || then.subject != now.subject) {
        errors.push_back(fmt::format(
            "{}: input {}: its partitions, stream_prefix and subject are those of the stream set "
            "({} x {}_<p>, {}.<p>.<key>) and cannot change; a new stream set is a new deployment",
            file, now.name, now.partitions, now.stream_prefix, now.subject));
      }
    }
  }
}

}  // namespace

void Daemon::reload() {
  notifier_.reloading();
  const std::string file = source_.path.value_or(std::string(config::kBuiltinConfigName));
  spdlog::info("SIGHUP: reloading {}", file);
  auto loaded =
      source_.path ? config::load_config_file(*source_.path) : config::load_default_config();
  std::vector<std::string> errors;
  for (const auto& error : loaded.errors) errors.push_back(error.to_string());
  if (loaded.config) {
    check_stream_sets(config_, *loaded.config, file, errors);
    const std::size_t committed = reactor_.heap().statistics().committed_bytes;
    const std::size_t limit = loaded.config->gc.hard_limit;
    if (limit != 0 && limit < committed) {
      errors.push_back(
          fmt::format("{}: gc.hard_limit: {} bytes is below the {} bytes the heap "
                      "holds now; restart lulld to lower it that far",
                      file, limit, committed));
    }
  }
  if (!loaded.config || !errors.empty()) {
    for (const auto& error : errors) spdlog::error("reload: {}", error);
    spdlog::error("reload rejected: the running configuration stays in force");
    metrics_.config_loaded(false);
    notifier_.ready();
    return;
  }

  std::vector<std::string> ignored;
  config::Config next = keep_restart_only(config_, *loaded.config, ignored);
  for (const auto& name : ignored) {
    spdlog::warn("reload: {} changed; it takes effect only when lulld restarts", name);
  }
  const auto sinks = reload_sinks(next.actions);
  const Monitor::Changes rules = monitor_->reload(next, sinks);
  for (auto& input : jetstream_inputs_) input->set_replay_span(replay_span(next.rules));
  reactor_.set_budgets(next.gc);
  gc_metrics_->set_budgets(next.gc);
  if (!source_.log_level && next.log.level != config_.log.level) {
    if (auto level = parse_log_level(next.log.level)) spdlog::set_level(*level);
  }
  config_ = std::move(next);
  metrics_.config_loaded(true);
  spdlog::info("reloaded {}: rules {} kept, {} new, {} removed", file, rules.kept, rules.added,
               rules.removed);
  notifier_.ready();
}

std::map<std::string, ActionSink*> Daemon::reload_sinks(
    const std::vector<config::ActionConfig>& actions) {
  std::vector<std::unique_ptr<ActionSink>> next;
  std::map<std::string, ActionSink*> by_name;
  for (const auto& action : actions) {
    std::unique_ptr<ActionSink> sink;
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      if (sinks_[i] && config_.actions[i] == action) sink = std::move(sinks_[i]);
    }
    if (!sink) {
      sink = make_action_sink(action, reactor_.io(), reactor_.timers(), *registry_);
      sink->start();
    }
    by_name[action.name] = sink.get();
    next.push_back(std::move(sink));
  }
  for (auto& old : sinks_) {
    if (!old) continue;
    old->stop(kSinkFlushBound);
    retired_sinks_.push_back(std::move(old));
  }
  sinks_ = std::move(next);
  return by_name;
}

}  // namespace lull::daemon
