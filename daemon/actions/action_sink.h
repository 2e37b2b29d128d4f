// action_sink.h: where a rule's firing goes: a TCP connection (tcp_sink.h), one UDP datagram
// (udp_sink.h), a log line (log_sink.h) or a NATS JetStream publish (jetstream_sink.h), each
// taking one JSON action without its newline.
// emit() never blocks the reactor and never loses an action silently: what a sink cannot
// deliver it counts as dropped. Action latency (the firing event's arrival to the action's
// write completing, time queued included) is recorded by the sink, once per delivered action,
// into the rule's metric: only the sink knows when the write completed. Reactor thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <prometheus/registry.h>

#include "config/config.h"
#include "runtime/arrival.h"
#include "runtime/asio.h"
#include "runtime/duration_metrics.h"
#include "runtime/timer.h"

namespace lull::daemon {

class ActionSink {
 public:
  virtual ~ActionSink() = default;

  // Connects (tcp) or opens (udp); returns at once, connecting in the background.
  virtual void start() = 0;
  // One action, `json` without a trailing newline (copied if it must wait). `latency` is
  // the firing rule's metric (from DurationFamily::add(), never default-constructed).
  virtual void emit(std::string_view json, const runtime::Arrival& arrival,
                    runtime::DurationMetric latency) = 0;
  // Starts shutdown and returns at once: no more reconnects; what is queued is written if
  // the sink is connected, for at most `bound` (a Timer), then the sink closes and whatever
  // is still queued is counted as dropped. The reactor keeps running until every sink has
  // closed, since their pending writes and timers are its remaining work.
  virtual void stop(std::chrono::milliseconds bound) = 0;

  virtual const std::string& name() const = 0;

  // Every emit() takes the next number (1, 2, ...); an action is settled once delivered or
  // counted as dropped. settled_through() is the largest n such that actions 1..n are all
  // settled: a stream input may commit a position once every sink has settled every action
  // emitted before it (jetstream_input.h). Never decreases.
  virtual std::uint64_t emitted() const = 0;
  virtual std::uint64_t settled_through() const = 0;
};

// The sink an `actions:` entry describes. Registers its series (lull_actions_total{action},
// lull_action_queue_depth{action}, lull_action_queue_dropped_total{action}, ...) in `registry`.
std::unique_ptr<ActionSink> make_action_sink(const config::ActionConfig& config,
                                             boost::asio::io_context& io,
                                             runtime::TimerQueue& timers,
                                             prometheus::Registry& registry);

}  // namespace lull::daemon
