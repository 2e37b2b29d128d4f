// options.h: lull-ticks' command line: the workload's scale knobs (ticks-workload.md), the
// rule's parameters that the expected set is computed with, the addresses, and the reports.
// Every address must be on the loopback network: this tool sends nowhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lull::bench {

struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

struct TicksOptions {
  // The load: open-loop, a fixed schedule of `rate` events/s for warmup + duration seconds.
  double rate = 50'000;
  int keys = 10'000;
  double warmup_s = 60;  // actions are checked but not scored until this many seconds in
  double duration_s = 180;
  std::uint64_t seed = 1;
  double jump_fraction = 0.005;  // share of events whose price jumps 10 % off the key's base
  bool udp = false;
  bool nats = false;            // events go to NATS JetStream (--transport nats, or --nats alone)
  int batch_max = 64;           // most events in one write (TCP) or datagram (UDP)
  double send_interval_us = 0;  // at most one write per interval (0: whenever one is due)
  // The rule, as lulld is configured (deploy/ticks.yaml's price-jump).
  double window_s = 60;
  int min_events = 10;
  double threshold = 0.05;
  // Where events go, where the sink listens, where lulld's metrics are (port 0: none).
  Endpoint events{"127.0.0.1", 7400};
  Endpoint sink{"127.0.0.1", 7500};
  Endpoint metrics{"127.0.0.1", 0};
  // NATS JetStream (issue 10): the server, the events' subject prefix (each event is published
  // to <subject>.<key> with a PubAck), the publisher's bounds, and the stream the sink reads
  // lulld's actions from instead of listening on TCP (empty: TCP).
  std::string nats_url;  // nats://127.x.x.x:PORT
  std::string nats_subject = "ticks";
  int nats_max_pending = 4096;    // publishes without an ack yet (in flight or to be retried)
  double nats_ack_timeout_s = 1;  // a publish without an ack after this is sent again
  double nats_retry_for_s = 30;   // an event not acked this long after its first attempt fails
  std::string actions_stream;     // e.g. LULL_ACTIONS, subjects lull.actions.>
  bool produce_only = false;      // no sink and no action check: send, count acks, exit
  double connect_timeout_s = 30;  // for lulld's connection to the sink, before sending
  double drain_timeout_s = 10;    // after the last event, for the last expected actions
  // Reports: per-second CSV, the latency distribution of the scored phase, a summary.
  std::string csv_path, percentiles_path, summary_path;
  std::string final_metrics_path;  // lulld's /metrics page after the drain, as it is
  int lulld_pid = 0;  // when known: its main (reactor) thread's CPU and run-queue wait a second

  bool progress = true;
};

// Parses argv; prints the usage or the error and returns nullopt when the tool should exit
// (`exit_code` says with what).
std::optional<TicksOptions> parse_options(int argc, char** argv, int& exit_code);

}  // namespace lull::bench
