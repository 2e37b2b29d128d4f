// daemon.cc: wiring and the signal-driven shutdown.
#include "daemon/daemon.h"

#include <algorithm>
#include <csignal>

#include <spdlog/spdlog.h>

#include "daemon/process_metrics.h"
#include "daemon/version.h"

namespace lull::daemon {

Daemon::Daemon(const config::Config& config, ConfigSource source)
    : config_(config),
      source_(std::move(source)),
      registry_(std::make_shared<prometheus::Registry>()),
      gc_metrics_(
          std::make_shared<runtime::GcMetrics>(config_.gc, config_.metrics.window, *registry_)),
      reactor_(config_.gc, gc_metrics_.get()),
      metrics_(*registry_),
      monitor_(make_monitor()),
      ingest_(config_.events, reactor_.heap(), names_, monitor_.get(), metrics_),
      notifier_(reactor_, [this] { return status_line(); }),
      signals_(reactor_.io(), SIGINT, SIGTERM, SIGHUP) {
  auto text = [](const auto& endpoint) {
    return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  };
  for (const auto& input : config_.inputs) {
    auto counters = metrics_.input(input.name);
    input_events_.push_back(&counters.events);
    if (input.type == config::InputType::kTcp) {
      tcp_inputs_.push_back(std::make_unique<TcpInput>(reactor_.io(), input, ingest_, counters));
      spdlog::info("input {}: listening on tcp {}", input.name,
                   text(tcp_inputs_.back()->local_endpoint()));
    } else if (input.type == config::InputType::kUdp) {
      udp_inputs_.push_back(std::make_unique<UdpInput>(reactor_.io(), input, ingest_, counters));
      spdlog::info("input {}: listening on udp {}", input.name,
                   text(udp_inputs_.back()->local_endpoint()));
    } else {
      jetstream_inputs_.push_back(std::make_unique<JetStreamInput>(
          reactor_, input, ingest_, counters, replay_span(config_.rules),
          [this] { return all_sinks(); }, *registry_));
      spdlog::info("input {}: jetstream {} partitions {} of {} from {}", input.name,
                   input.stream_prefix, fmt::join(input.owned, ","), input.partitions,
                   fmt::join(input.servers, ","));
    }
  }
  if (config_.metrics.enabled) {
    metrics_server_ = std::make_unique<MetricsServer>(
        config_.metrics.listen, MetricsServer::Sources{registry_, gc_metrics_, monitor_->latency(),
                                                       std::make_shared<ProcessMetrics>()});
    spdlog::info("metrics on http://{}/metrics", text(metrics_server_->local_endpoint()));
  }
}

Daemon::~Daemon() = default;

std::unique_ptr<Monitor> Daemon::make_monitor() {
  std::map<std::string, ActionSink*> by_name;
  for (const auto& action : config_.actions) {
    sinks_.push_back(make_action_sink(action, reactor_.io(), reactor_.timers(), *registry_));
    by_name[action.name] = sinks_.back().get();
  }
  return std::make_unique<Monitor>(config_, reactor_, names_, std::move(by_name), *registry_);
}

int Daemon::run() {
  for (auto& input : tcp_inputs_) input->start();
  for (auto& input : udp_inputs_) input->start();
  for (auto& input : jetstream_inputs_) input->start();
  for (auto& sink : sinks_) sink->start();
  monitor_->start();
  if (metrics_server_) metrics_server_->start();
  wait_for_signals();
  notifier_.ready();
  spdlog::info("lulld {} running", kVersion);
  reactor_.run();
  // Every sink has flushed or closed: the positions reached are settled.
  for (auto& input : jetstream_inputs_) input->final_commit();
  if (metrics_server_) metrics_server_->stop();
  spdlog::info("lulld stopped");
  return 0;
}

void Daemon::wait_for_signals() {
  signals_.async_wait([this](boost::system::error_code error, int signal_number) {
    if (error) return;
    if (signal_number == SIGHUP) {
      reload();
      wait_for_signals();
      return;
    }
    shut_down(signal_number);
  });
}

void Daemon::shut_down(int signal_number) {
  spdlog::info("{}: closing inputs", strsignal(signal_number));
  notifier_.stopping();
  // Each input's stop() drains what its sockets already received, so events read are not
  // lost; the drains are bounded by the kernel's socket buffers. The sinks then flush for
  // at most kSinkFlushBound; afterwards no work is left and the reactor runs dry.
  for (auto& input : tcp_inputs_) input->stop();
  for (auto& input : udp_inputs_) input->stop();
  for (auto& input : jetstream_inputs_) input->stop();
  monitor_->stop();
  // The reactor runs on until every sink has written its queue or given up.
  for (auto& sink : sinks_) sink->stop(kSinkFlushBound);
  signals_.cancel();
}

std::vector<const ActionSink*> Daemon::all_sinks() const {
  std::vector<const ActionSink*> sinks;
  for (const auto& sink : sinks_) sinks.push_back(sink.get());
  for (const auto& sink : retired_sinks_) sinks.push_back(sink.get());
  return sinks;
}

std::string Daemon::status_line() {
  double events = 0;
  for (const auto* counter : input_events_) events += counter->Value();
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - last_status_time_).count();
  const double rate = seconds > 0 ? (events - last_status_events_) / seconds : 0;
  last_status_events_ = events;
  last_status_time_ = now;
  const gc::HeapStatistics heap = reactor_.heap().statistics();
  constexpr double kMiB = 1024.0 * 1024.0;
  return fmt::format(
      "{:.0f} events/s, {} keys; heap {:.0f} MiB; {} major cycles, the last left "
      "{:.0f} MiB live",
      rate, monitor_->keys(), heap.committed_bytes / kMiB, heap.major_cycles,
      heap.live_bytes_after_last_major / kMiB);
}

}  // namespace lull::daemon
