// tcp_sink.h: an action sink that keeps one TCP connection open to `target` and writes each
// action as a line (the JSON and '\n'). Reconnects with exponential backoff; holds at most
// `queue` actions while the sink is down or slow, dropping by the configured policy, each
// drop counted. Never blocks the reactor. Delivery, latency and partial-write semantics
// are spelled out at the top of tcp_sink.cc. Reactor thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/actions/action_sink.h"

namespace lull::daemon {

class TcpSink final : public ActionSink {
 public:
  // A connection attempt that has not completed after this long is abandoned and retried
  // (a black-holed address would otherwise hold one attempt for minutes).
  static constexpr auto kConnectTimeout = std::chrono::seconds(5);
  // A write gathers queued lines up to about this many bytes (at least one line).
  static constexpr std::size_t kBatchBytes = 64 * 1024;

  // Resolves `config.target` now (throws std::runtime_error if it cannot); connects in
  // start(). `timers` is the reactor's, so backoff waits are visible to it.
  TcpSink(const config::ActionConfig& config, boost::asio::io_context& io,
          runtime::TimerQueue& timers, prometheus::Registry& registry);
  // Closes at once; anything still queued is counted as dropped. The connection state
  // outlives this object until its last pending handler has run or been destroyed.
  ~TcpSink() override;

  void start() override;
  void emit(std::string_view json, const runtime::Arrival& arrival,
            runtime::DurationMetric latency) override;
  void stop(std::chrono::milliseconds bound) override;
  const std::string& name() const override;
  std::uint64_t emitted() const override;
  std::uint64_t settled_through() const override;

  // Introspection for tests and the daemon. Reactor thread only.
  bool connected() const;
  bool closed() const;              // stop() has finished (or was never needed)
  std::size_t queue_depth() const;  // queued, the write under way included
  std::uint64_t delivered() const;  // lines written whole to a connection
  std::uint64_t dropped() const;    // policy drops, leftovers at stop, emits after it
  std::uint64_t connect_attempts() const;
  std::uint64_t reconnects() const;               // connections established after the first
  std::chrono::nanoseconds next_backoff() const;  // the wait after the next failed attempt

 private:
  class State;
  std::shared_ptr<State> state_;
};

}  // namespace lull::daemon
