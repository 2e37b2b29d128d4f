// shared_run.h: what the sender, the sink and the reporter threads of one run share. The
// sender stores each event's verdict before it sends the event; the sink reads it after the
// action came back (release/acquire: the store happens before the load). Interval figures
// are swapped out by the reporter once a second.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "bench/ticks/latency_histogram.h"

namespace lull::bench {

// Raises `target` to `value` if it is larger.
inline void store_max(std::atomic<std::int64_t>& target, std::int64_t value) {
  std::int64_t seen = target.load(std::memory_order_relaxed);
  while (value > seen && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

struct SenderTotals {
  std::atomic<std::uint64_t> sent{0};        // events handed to the kernel
  std::atomic<std::uint64_t> must_fire{0};   // of them, the model says fire
  std::atomic<std::uint64_t> borderline{0};  // either answer accepted
  std::atomic<std::int64_t> lag_max_ns{0};   // this interval: write start - scheduled ts
  std::atomic<std::int64_t> blocked_ns{0};   // this interval: time inside write/send calls
  std::atomic<bool> done{false};
  std::atomic<bool> failed{false};
  // The NATS output only (nats_output.h): PubAcks received, of them reported as duplicates
  // (a resend of a publish that had been stored), publishes sent again, events given up on,
  // events published and not acked yet; the longest time from an event's first publish
  // attempt to its ack, this interval and the whole run.
  std::atomic<std::uint64_t> acked{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> publish_failed{0};
  std::atomic<std::uint64_t> unacked{0};
  std::atomic<std::int64_t> stall_max_ns{0};
  std::atomic<std::int64_t> stall_run_max_ns{0};
};

struct SinkInterval {
  LatencyHistogram latency;  // now - ts of every action received in the interval
  std::uint64_t actions = 0;
};

struct SharedRun {
  explicit SharedRun(std::uint64_t total_events)
      : total(total_events), verdicts(new std::atomic<std::uint8_t>[total_events + 1]) {
    for (std::uint64_t i = 0; i <= total_events; ++i) verdicts[i].store(0);
  }
  const std::uint64_t total;
  // The schedule's start (CLOCK_REALTIME ns), set once lulld has connected to the sink and
  // before the first event is sent; 0 before.
  std::atomic<std::int64_t> t0_ns{0};
  std::unique_ptr<std::atomic<std::uint8_t>[]> verdicts;  // by seq: a Verdict
  SenderTotals sender;
  LatencyHistogram send_lag;  // the sender's own: write start - scheduled ts, every event
  LatencyHistogram nats_ack;  // NATS output: first publish attempt to PubAck; set at the end
  std::mutex sink_mutex;
  SinkInterval sink_interval;  // under sink_mutex
  std::atomic<std::uint64_t> actions_received{0};
  std::atomic<bool> sink_connected{false};
  std::atomic<bool> stop{false};
};

}  // namespace lull::bench
