// log_sink.cc: the level check, the line, and its counting.
#include "daemon/actions/log_sink.h"

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "daemon/logging.h"

namespace lull::daemon {
namespace {

spdlog::level::level_enum level_of(const config::ActionConfig& config) {
  auto level = parse_log_level(config.level);
  if (!level) {
    throw std::invalid_argument("action " + config.name + ": unknown log level '" + config.level +
                                "'");
  }
  return *level;
}

}  // namespace

LogSink::LogSink(const config::ActionConfig& config, prometheus::Registry& registry,
                 std::shared_ptr<spdlog::logger> logger)
    : config_(config),
      level_(level_of(config)),
      logger_(std::move(logger)),
      metrics_(registry, config.name, /*queued=*/false) {}

void LogSink::emit(std::string_view json, const runtime::Arrival& arrival,
                   runtime::DurationMetric latency) {
  spdlog::logger* logger = logger_ ? logger_.get() : spdlog::default_logger_raw();
  if (!logger->should_log(level_)) {
    ++dropped_;
    metrics_.dropped.Increment();
    return;
  }
  logger->log(level_, "action {}: {}", config_.name, json);
  ++delivered_;
  metrics_.delivered.Increment();
  const auto now = std::chrono::steady_clock::now();
  latency.record(now - arrival.steady, now);
}

}  // namespace lull::daemon
