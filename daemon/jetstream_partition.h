// jetstream_partition.h: the state JetStreamInput keeps per partition and per connection,
// shared by its three source files (jetstream_input.cc: reactor side; jetstream_fetcher.cc;
// jetstream_ownership.cc: client thread). Not for use outside them.
//
// Who touches what: the reactor fields only on the reactor thread; the client fields only on
// the client thread (and, after it was joined, final_commit); `to_commit` and `final_ready`
// under commit_mutex_; `queue` under queue_mutex_; the atomics anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <thread>

#include <prometheus/gauge.h>

#include "daemon/jetstream_input.h"
#include "daemon/nats/nats_handles.h"
#include "daemon/nats/position.h"

namespace lull::daemon {

struct JetStreamInput::Nats {
  nats::Connection connection;
  nats::JetStream js;
  nats::KeyValue positions;
  nats::KeyValue members;  // lease assignment only
  nats::KeyValue leases;
};

struct JetStreamInput::Partition {
  std::uint32_t number = 0;
  std::string stream;    // <prefix>_<p>
  std::string subjects;  // <subject>.<p>.*

  // Client thread.
  bool owned = false;
  std::uint64_t epoch = 0;  // bumped by every claim(); tags its fetcher's messages
  std::thread fetcher;
  nats::Position start;  // the position found (or made) when claimed
  bool had_position = false;
  // Whether the events up to `start` are replayed first: a position was found, or a first
  // start was asked to replay (and its stream holds anything).
  bool rebuilds(const config::InputConfig& config) const {
    return had_position || (config.replay_first_start && start.seq > 0);
  }
  std::uint64_t revision = 0;  // of pos.<p> in KV, for compare-and-set
  nats::Position committed;
  std::uint64_t lease_revision = 0;

  // Any thread. The fetcher stops when told; the reactor drops this partition's messages once
  // the steady clock passes valid_until (a lease not renewed in time: after a stall of the
  // whole process, its queued messages must not fire what the new owner fires too).
  std::atomic<bool> stop_fetch{false};
  std::atomic<std::int64_t> valid_until_ns{std::numeric_limits<std::int64_t>::max()};

  // queue_mutex_: this partition's share of the hand-off queue, fetched and not yet taken by
  // the reactor. One per partition, so that a rebuild's backlog never holds up live ones.
  std::deque<Message> queue;

  // Reactor thread.
  std::uint64_t active_epoch = 0;  // 0: not read here; else messages of other epochs are stale
  nats::Position handled;          // the last message handled, or the start if later
  std::uint64_t last_seq = 0;      // the last sequence handled, replays included
  std::deque<Candidate> candidates;
  bool rebuilding = false;
  bool finishing = false;  // a graceful release waits for its last position to settle
  std::chrono::steady_clock::time_point rebuild_started;
  prometheus::Gauge* lag = nullptr;
  prometheus::Gauge* live = nullptr;
  prometheus::Gauge* rebuild = nullptr;

  // commit_mutex_.
  std::optional<nats::Position> to_commit;
  bool final_ready = false;  // finishing: every action of `to_commit` is settled
};

}  // namespace lull::daemon
