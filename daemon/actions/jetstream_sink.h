// jetstream_sink.h: an action sink that publishes each action to NATS JetStream, on subject
// <subject>.<rule>, and waits for the stream's PubAck before counting it delivered.
// An action fired by an event from a jetstream input carries the header
// Nats-Msg-Id: <rule>/<partition>/<stream seq>; the server drops a second publish with the
// same id within its duplicates window (2 min by default), so the repeats a rebuild or a
// restart makes never reach the action stream twice (counted in
// lull_actions_duplicate_suppressed_total when the PubAck says so). Any other action gets
// <rule>/<run>/<n>, unique to this sink's life, so that its own retries are stored once.
//
// The reactor never calls libnats: emit() queues the action (at most `queue`, dropping by
// `drop` beyond it, every drop counted) and a publisher thread publishes in order, one at a
// time, retrying a publish that timed out or found no responders (a stream leader election)
// until it is acknowledged, so a NATS outage holds actions in the queue rather than losing
// them. Completions come back to the reactor as posted handlers, where latency (the firing
// event's arrival to the PubAck) is recorded.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <prometheus/counter.h>

#include "daemon/actions/action_metrics.h"
#include "daemon/actions/action_sink.h"

namespace lull::daemon {

class JetStreamSink final : public ActionSink {
 public:
  // The longest one publish waits for its PubAck before it is tried again.
  static constexpr auto kPublishTimeout = std::chrono::seconds(2);

  JetStreamSink(const config::ActionConfig& config, boost::asio::io_context& io,
                prometheus::Registry& registry);
  // Stops the publisher (whatever is queued is counted as dropped) and joins it.
  ~JetStreamSink() override;

  void start() override;
  void emit(std::string_view json, const runtime::Arrival& arrival,
            runtime::DurationMetric latency) override;
  // Publishes what is queued for at most `bound`, then drops the rest (counted). The
  // reactor keeps running until then (a work guard).
  void stop(std::chrono::milliseconds bound) override;
  const std::string& name() const override { return config_.name; }
  std::uint64_t emitted() const override { return emitted_; }
  std::uint64_t settled_through() const override;

  // The Nats-Msg-Id of an action: "<rule>/<partition>/<stream seq>" when it came from a
  // stream, else empty (no de-duplication). `json` starts with {"rule":"<name>".
  static std::string message_id(std::string_view json, const runtime::Arrival& arrival);

 private:
  struct Item {
    std::string subject;
    std::string json;
    std::string id;
    runtime::Arrival arrival;
    runtime::DurationMetric latency;
    std::uint64_t ticket = 0;
  };
  struct Shared;  // what the publisher thread and the reactor share, under one mutex

  void run_publisher();

  config::ActionConfig config_;
  boost::asio::io_context& io_;
  ActionMetrics metrics_;
  prometheus::Counter& duplicates_;
  std::uint64_t emitted_ = 0;
  std::string run_id_;  // wall-clock ns at construction: ids of non-stream actions
  std::shared_ptr<Shared> shared_;
  std::thread publisher_;
};

}  // namespace lull::daemon
