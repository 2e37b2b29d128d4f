// udp_sink.cc: one non-blocking send per action; failures are counted, and logged at most
// once every 10 s with the count held back, since a missing sink fails every send.
#include "daemon/actions/udp_sink.h"

#include <array>

#include <spdlog/spdlog.h>

#include "daemon/endpoint.h"

namespace lull::daemon {

namespace asio = boost::asio;

UdpSink::UdpSink(const config::ActionConfig& config, asio::io_context& io,
                 prometheus::Registry& registry)
    : config_(config),
      endpoint_(udp_endpoint(config.target)),
      socket_(io),
      metrics_(registry, config.name, /*queued=*/false) {}

void UdpSink::start() {
  boost::system::error_code error;
  socket_.open(endpoint_.protocol(), error);
  if (!error) socket_.non_blocking(true, error);
  if (!error) socket_.connect(endpoint_, error);
  if (error) {
    // Every action will be counted as dropped; the log says why once.
    spdlog::error("action {}: cannot open udp socket to {}: {}", config_.name,
                  config_.target.to_string(), error.message());
    socket_.close(error);
  }
}

void UdpSink::emit(std::string_view json, const runtime::Arrival& arrival,
                   runtime::DurationMetric latency) {
  if (!socket_.is_open()) return drop(asio::error::not_connected);
  const std::array<asio::const_buffer, 2> datagram{asio::buffer(json.data(), json.size()),
                                                   asio::buffer("\n", 1)};
  boost::system::error_code error;
  socket_.send(datagram, 0, error);  // one sendmsg, gathering both parts; never blocks
  if (error) return drop(error);
  ++delivered_;
  metrics_.delivered.Increment();
  const auto now = std::chrono::steady_clock::now();
  latency.record(now - arrival.steady, now);
}

void UdpSink::stop(std::chrono::milliseconds) {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void UdpSink::drop(const boost::system::error_code& error) {
  ++dropped_;
  metrics_.dropped.Increment();
  if (auto permit = drop_log_.acquire(); permit.allowed) {
    spdlog::warn(
        "action {}: udp send to {} failed: {} (counted as dropped; {} more since "
        "the last message)",
        config_.name, config_.target.to_string(), error.message(), permit.suppressed_before);
  }
}

}  // namespace lull::daemon
