// jetstream_input.h: an input that reads the partitions this instance owns from NATS
// JetStream (one stream per partition, <stream_prefix>_<p>) and hands their messages to
// Ingest, each message one or more NDJSON lines.
//
// Threads. The reactor never calls libnats (its connect, fetch and acked publish block):
//   - the client thread (jetstream_ownership.cc) connects, retrying until it can, and decides
//     which partitions this instance reads: the configured ones (static), or those that
//     rendezvous hashing over the live members gives it, each held by a lease in KV (lease).
//     Taking a partition fences its position; giving one up gracefully commits it first.
//     It also writes the positions the reactor hands it, every commit_interval;
//   - one fetcher thread per partition read (jetstream_fetcher.cc) pulls batches from an
//     ephemeral consumer (AckPolicy none: the position, not server-side acks, is the
//     checkpoint: a new owner bound to an acked durable would get a dead owner's unacked
//     events only after AckWait, after newer ones) and pushes each message into its
//     partition's bounded queue; when that is full it waits, and JetStream keeps the rest;
//   - the reactor (here) drains the queues in handlers of at most kDrainBatch messages, so GC
//     work and other inputs run between them, taking from each partition in turn: a live
//     partition's events wait for one handler at most, whatever another's rebuild has
//     queued. Heap objects never cross threads: bytes do.
//
// Position and rebuild. A partition's position {seq, time} is the last event whose actions
// every sink has settled (ActionSink::settled_through). When a partition is taken with a
// position, it is replayed from time - replay_span - replay_slack: events up to seq go through
// the rules as replays (state restored, nothing fired), later ones are live. A partition
// without one starts at the stream's end. Events after the position may be handled twice
// across a takeover: their actions repeat (a jetstream sink's server drops them by
// Nats-Msg-Id); no event is skipped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "config/config.h"
#include "daemon/actions/action_sink.h"
#include "daemon/daemon_metrics.h"
#include "daemon/ingest.h"
#include "daemon/nats/position.h"
#include "daemon/rate_limited_log.h"
#include "runtime/reactor.h"
#include "runtime/timer.h"

namespace lull::daemon {

// How far back from a position a rebuild must replay for every enabled rule to be as it was:
// the longest span a rule looks back over (deviation and rate windows, sequence `within`,
// absence `timeout`, and every rule's cooldown).
std::chrono::nanoseconds replay_span(const std::vector<config::RuleConfig>& rules);

class JetStreamInput {
 public:
  static constexpr std::size_t kDrainBatch = 256;

  // Every sink whose settling a position waits for (retired ones included).
  using SinkList = std::function<std::vector<const ActionSink*>()>;

  // Connects in start(), never here.
  JetStreamInput(runtime::Reactor& reactor, const config::InputConfig& config, Ingest& ingest,
                 DaemonMetrics::Input counters, std::chrono::nanoseconds replay_span,
                 SinkList sinks, prometheus::Registry& registry);
  // Joins the threads; call after the reactor stopped.
  ~JetStreamInput();

  void start();
  // Stops fetching and drops what is queued (it is after the position, so read again by the
  // next owner). The commit timer stops; final_commit() writes the last positions.
  void stop();
  // After the reactor has run dry (every sink flushed or closed): writes each partition's
  // last position, settled by then, gives up its leases so that others take over at once,
  // and joins the threads. Blocks, bounded by NATS timeouts.
  void final_commit();

  const std::string& instance() const { return instance_; }
  // Reload: the rules' span for the rebuilds of partitions taken from now on.
  void set_replay_span(std::chrono::nanoseconds span) { replay_span_ns_ = span.count(); }

 private:
  struct Message {
    std::uint32_t partition;
    std::uint64_t epoch;  // of the partition's ownership it was fetched under
    std::uint64_t seq;
    std::int64_t time_ns;
    std::uint64_t pending;  // messages left in the stream after this one, for the consumer
    bool unmappable;        // its subject's key does not hash to this partition
    runtime::Arrival arrival;
    std::string bytes;
  };
  // A position and what every sink had been given when it was reached.
  struct Candidate {
    nats::Position position;
    std::vector<std::pair<const ActionSink*, std::uint64_t>> emitted;
  };
  struct Partition;  // one partition this instance may read; see the .cc
  struct Nats;       // the connection and KV handles: client thread and fetchers
  enum class Handoff { kGraceful, kLeaseExpired, kFenced };

  // Client thread (jetstream_ownership.cc).
  void run_client();
  bool connect();
  void check_stream_set();
  void run_static();
  void run_leases();
  void claim(Partition& partition);  // throws nats::Error
  void release(Partition& partition, Handoff reason);
  void stop_fetching(Partition& partition);  // tells its fetcher, does not wait for it
  void write_positions();
  bool write_position(Partition& partition);  // false: fenced (and released)
  void note_connection();  // connected_, reconnects_ and a log line on each change
  void renew_leases(std::int64_t round_started);
  void update_members();
  std::int64_t lease_span() const;
  static std::string label(Handoff reason);
  bool wait_or_stop(std::chrono::nanoseconds timeout);  // true once stopping

  // Fetchers (jetstream_fetcher.cc).
  void run_fetcher(Partition& partition, std::uint64_t epoch);
  bool push(Partition& partition, Message&& message);  // false once stopping
  bool maps_here(const char* subject, std::uint32_t partition) const;

  // Reactor (here).
  void drain();
  void handle(Message& message);
  void end_rebuild(Partition& partition);  // every event up to its position replayed
  void schedule_commit();  // take_candidates() every commit_interval
  void take_candidates();
  void finish_partition(Partition& partition, std::uint64_t epoch);  // graceful release

  runtime::Reactor& reactor_;
  config::InputConfig config_;
  std::string instance_;
  Ingest& ingest_;
  DaemonMetrics::Input counters_;
  std::atomic<std::int64_t> replay_span_ns_;  // read by fetchers
  SinkList sinks_;
  std::vector<std::unique_ptr<Partition>> partitions_;
  std::map<std::uint32_t, Partition*> by_number_;
  std::atomic<bool> stopping_{false};

  // The hand-off queue, fetchers to reactor: a queue per partition (Partition::queue), each
  // bounded by queue_share_ (max_pending split evenly), drained in turn.
  std::mutex queue_mutex_;
  std::condition_variable queue_space_;
  std::size_t queue_share_;
  std::size_t queued_ = 0;        // over all partitions
  std::size_t drain_next_ = 0;    // the partition a drain() starts with, in partitions_
  bool drain_posted_ = false;     // a drain() is posted and has not yet taken the queue
  std::vector<Message> scratch_;  // reactor: a batch taken from the queues

  // Positions to write and partitions finished, reactor to client thread.
  std::mutex commit_mutex_;
  std::condition_variable commit_wake_;
  runtime::Timer commit_timer_;

  std::thread client_;
  std::unique_ptr<Nats> nats_;
  bool connection_up_ = true;          // client thread: as note_connection() last saw it
  std::uint64_t reconnects_seen_ = 0;  // client thread: libnats' count at the last look
  std::vector<std::string> members_;   // client thread: the live members, as last listed
  RateLimitedLog commit_log_{1, std::chrono::seconds(10)};  // client thread

  prometheus::Gauge& owned_;
  prometheus::Gauge& connected_;
  prometheus::Counter& reconnects_;
  prometheus::Counter& commits_;
  prometheus::Counter& commit_failures_;
  prometheus::Counter& renew_failures_;
  prometheus::Counter& rebuild_events_;
  prometheus::Histogram& rebuild_seconds_;
  prometheus::Histogram& fetch_batch_;
  prometheus::Family<prometheus::Gauge>& lag_family_;
  prometheus::Family<prometheus::Gauge>& state_family_;
  prometheus::Family<prometheus::Counter>& handoffs_family_;
};

}  // namespace lull::daemon
