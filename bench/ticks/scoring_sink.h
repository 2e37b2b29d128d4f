// scoring_sink.h: the scoring sink: a TCP server that lulld connects to (and reconnects to);
// every action line is scored by now(CLOCK_REALTIME) - ts and checked against the verdict the
// sender recorded for its seq. Runs on its own thread until run.stop.
// With --actions-stream, the actions come from a JetStream stream instead (nats_actions.h),
// one or more lines a message, scored the same way; with --produce-only, none are read.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "bench/ticks/latency_histogram.h"
#include "bench/ticks/options.h"
#include "bench/ticks/shared_run.h"

namespace lull::bench {

struct SinkResult {
  LatencyHistogram scored;             // actions of events scheduled after the warm-up
  LatencyHistogram warmup;             // the rest
  std::vector<std::uint8_t> received;  // by seq: how many actions came for it (saturating)
  std::uint64_t unknown_seq = 0;       // a seq that was never sent (or not parsable)
  std::uint64_t ts_mismatch = 0;       // ts differs from the seq's scheduled ts
  std::uint64_t connections = 0;
  // From a JetStream stream: action messages without a Nats-Msg-Id, failed reads.
  std::uint64_t without_msg_id = 0;
  std::uint64_t read_errors = 0;
};

class NatsActionSource;

class ScoringSink {
 public:
  // Listens at once (before lulld starts connecting), or subscribes to the actions stream
  // (then run.sink_connected is set at once); `ok()` says whether it could.
  ScoringSink(const TicksOptions& options, SharedRun& run);
  ~ScoringSink();
  bool ok() const { return listen_fd_ >= 0 || nats_ != nullptr || produce_only_; }

  // The thread's body: accept, read, score; returns when run.stop is set.
  void serve();
  // After serve() returned.
  SinkResult& result() { return result_; }

 private:
  void on_line(const char* begin, const char* end, std::int64_t now);
  void serve_tcp();
  void serve_nats();

  SharedRun& run_;
  std::int64_t warmup_ns_;
  double rate_;
  int listen_fd_ = -1;
  std::unique_ptr<NatsActionSource> nats_;
  bool produce_only_ = false;
  SinkResult result_;
};

}  // namespace lull::bench
