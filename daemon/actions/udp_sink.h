// udp_sink.h: an action sink that sends each action as one UDP datagram to `target` (the
// JSON and a '\n', so a sink that concatenates datagrams still reads lines). Sends are
// non-blocking and never queued: a send that fails (send buffer full, nothing listening,
// reported by the kernel as ECONNREFUSED on a later send) is a counted drop.
// Reactor thread only.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/actions/action_metrics.h"
#include "daemon/actions/action_sink.h"
#include "daemon/rate_limited_log.h"

namespace lull::daemon {

class UdpSink final : public ActionSink {
 public:
  // Resolves `config.target` now (throws std::runtime_error if it cannot).
  UdpSink(const config::ActionConfig& config, boost::asio::io_context& io,
          prometheus::Registry& registry);

  // Opens a socket connected to the target (no packet is sent: connecting a UDP socket only
  // fixes its peer, which also lets the kernel report ICMP errors back to it).
  void start() override;
  // Delivered when the kernel accepted the datagram; latency is recorded then.
  void emit(std::string_view json, const runtime::Arrival& arrival,
            runtime::DurationMetric latency) override;
  // Closes the socket at once: nothing is ever queued. Later emits count as dropped.
  void stop(std::chrono::milliseconds bound) override;
  const std::string& name() const override { return config_.name; }
  // Each action is settled within its emit().
  std::uint64_t emitted() const override { return delivered_ + dropped_; }
  std::uint64_t settled_through() const override { return delivered_ + dropped_; }

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  void drop(const boost::system::error_code& error);

  config::ActionConfig config_;
  boost::asio::ip::udp::endpoint endpoint_;
  boost::asio::ip::udp::socket socket_;
  ActionMetrics metrics_;
  RateLimitedLog drop_log_{1, std::chrono::seconds(10)};
  std::uint64_t delivered_ = 0, dropped_ = 0;
};

}  // namespace lull::daemon
