// log_sink.h: an action sink that writes each action as one spdlog line at the configured
// level: `action <name>: <json>`. An action whose level the logger filters out is counted
// as dropped, not delivered, so a level below the log level is visible in the metrics.
// Reactor thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "daemon/actions/action_metrics.h"
#include "daemon/actions/action_sink.h"

namespace lull::daemon {

class LogSink final : public ActionSink {
 public:
  // Throws std::invalid_argument for a level parse_log_level() does not know. A null
  // `logger` means spdlog's default logger as it is at each emit (set-up may replace it).
  LogSink(const config::ActionConfig& config, prometheus::Registry& registry,
          std::shared_ptr<spdlog::logger> logger = nullptr);

  void start() override {}
  // Delivered once the line is handed to the logger (its sinks may buffer it).
  void emit(std::string_view json, const runtime::Arrival& arrival,
            runtime::DurationMetric latency) override;
  // Nothing to close or flush: actions emitted after stop() are still logged.
  void stop(std::chrono::milliseconds) override {}
  const std::string& name() const override { return config_.name; }
  // Each action is settled within its emit().
  std::uint64_t emitted() const override { return delivered_ + dropped_; }
  std::uint64_t settled_through() const override { return delivered_ + dropped_; }

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  config::ActionConfig config_;
  spdlog::level::level_enum level_;
  std::shared_ptr<spdlog::logger> logger_;
  ActionMetrics metrics_;
  std::uint64_t delivered_ = 0, dropped_ = 0;
};

}  // namespace lull::daemon
