// jetstream_ownership.cc: the client thread: connecting, deciding which partitions this
// instance reads (static, or leases over rendezvous hashing), taking one (fence, rebuild),
// giving one up (gracefully, or because it was lost), and writing positions.
//
// Leases. Every lease_ttl / 3 a round: renew this instance's key in <prefix>_members; renew
// every lease held (compare-and-set on the revision this instance wrote; refused means it
// lapsed and another instance may have it: give it up at once, lease_expired; a timeout is
// retried next round); list the members (on failure the last list stands); then per partition
// compute the owner rendezvous hashing wants: held here but wanted elsewhere, give it up
// gracefully (stop fetching, let the queue and the sinks settle, commit the position, delete
// the lease); wanted here and free, create its lease (create-if-absent) and take it.
// A lease in KV lapses lease_ttl after the owner's last renewal; the owner stops by its own
// clock earlier, at the start of its last successful renewal + lease_ttl less kLeaseMargin of
// it, so that it never reads a partition another instance may already have. Fencing covers
// the rest: a taker rewrites the position, so a stalled owner's next commit fails.
#include <algorithm>
#include <functional>

#include <spdlog/spdlog.h>

#include "daemon/jetstream_input.h"
#include "daemon/jetstream_partition.h"
#include "daemon/nats/rendezvous.h"
#include "daemon/nats/setup.h"

namespace lull::daemon {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRetryDelay = std::chrono::milliseconds(500);
constexpr double kLeaseMargin = 0.2;  // of lease_ttl: stop reading this long before it lapses
// A graceful release waits at most this share of lease_ttl for the sinks to settle its
// last actions; after that it commits what has settled and lets the next owner repeat
// the rest.
constexpr double kReleaseWait = 0.5;

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nats::KeyValue bind_bucket(jsCtx* js, const std::string& bucket) {
  kvStore* raw = nullptr;
  nats::check(js_KeyValue(&raw, js, bucket.c_str()), "KV bucket " + bucket);
  return nats::KeyValue(raw);
}

enum class CasResult { kWritten, kRefused, kFailed };

// Writes `value` to `key` if the key's revision is still `revision` (then updated). A
// refusal ("wrong last sequence") is checked against the value there: if `is_own` says it is
// this instance's, the revision held here was only stale (an earlier write of ours was
// applied and its reply lost: a timeout), and the write is made once more on the revision
// read. kRefused: the value is another instance's, or gone. kFailed (`failure` says why): no
// answer, or another error; the revision held is then unsure, and the next write finds out.
CasResult update_if_unchanged(kvStore* bucket, const std::string& key, std::string_view value,
                              std::uint64_t& revision,
                              const std::function<bool(std::string_view)>& is_own,
                              std::string* failure = nullptr) {
  auto update = [&] {
    std::uint64_t written = 0;
    const natsStatus status = kvStore_Update(&written, bucket, key.c_str(), value.data(),
                                             static_cast<int>(value.size()), revision);
    if (status == NATS_OK) {
      revision = written;
      return CasResult::kWritten;
    }
    const nats::Error error("update " + key, status);
    if (std::string_view(error.what()).find("wrong last sequence") != std::string_view::npos) {
      return CasResult::kRefused;
    }
    if (failure != nullptr) *failure = error.what();
    return CasResult::kFailed;
  };
  const CasResult first = update();
  if (first != CasResult::kRefused) return first;
  kvEntry* raw_entry = nullptr;
  const natsStatus status = kvStore_Get(&raw_entry, bucket, key.c_str());
  nats::KeyValueEntry entry(raw_entry);
  if (status == NATS_NOT_FOUND) return CasResult::kRefused;
  if (status != NATS_OK) {
    if (failure != nullptr) *failure = nats::Error("read " + key, status).what();
    return CasResult::kFailed;
  }
  const std::string_view there(static_cast<const char*>(kvEntry_Value(entry.get())),
                               static_cast<std::size_t>(kvEntry_ValueLen(entry.get())));
  if (!is_own(there)) return CasResult::kRefused;
  revision = kvEntry_Revision(entry.get());
  return update();
}

}  // namespace

std::string JetStreamInput::label(Handoff reason) {
  switch (reason) {
    case Handoff::kGraceful: return "graceful";
    case Handoff::kLeaseExpired: return "lease_expired";
    case Handoff::kFenced: return "fenced";
  }
  return "?";
}

bool JetStreamInput::wait_or_stop(std::chrono::nanoseconds timeout) {
  std::unique_lock lock(commit_mutex_);
  commit_wake_.wait_for(lock, timeout, [this] { return stopping_.load(); });
  return stopping_;
}

void JetStreamInput::run_client() {
  if (!connect()) return;
  check_stream_set();
  if (config_.assignment == config::Assignment::kLease) {
    run_leases();
  } else {
    run_static();
  }
}

// nats_ is written here, before any fetcher starts (thread creation orders it before their
// reads), and read by final_commit() only after this thread has been joined.
bool JetStreamInput::connect() {
  nats_ = std::make_unique<Nats>();
  bool warned = false;
  while (!stopping_) {
    try {
      nats_->connection = nats::connect(config_.servers, "lulld " + instance_);
      // Every KV and JetStream API call of a round waits at most this long: during a stream
      // leader election requests go unanswered, and a round that blocks past lease_ttl lets
      // every lease lapse. (5 s, libnats' default, with the default lease_ttl of 10 s.)
      const auto api_wait = std::clamp<std::chrono::nanoseconds>(
          config_.assignment == config::Assignment::kLease ? config_.lease_ttl / 4
                                                           : std::chrono::seconds(5),
          std::chrono::milliseconds(250), std::chrono::seconds(5));
      nats_->js = nats::jetstream(
          *nats_->connection,
          static_cast<int>(
              std::chrono::duration_cast<std::chrono::milliseconds>(api_wait).count()));
      nats_->positions =
          bind_bucket(nats_->js.get(), nats::positions_bucket(config_.stream_prefix));
      if (config_.assignment == config::Assignment::kLease) {
        nats_->members = bind_bucket(nats_->js.get(), nats::members_bucket(config_.stream_prefix));
        nats_->leases = bind_bucket(nats_->js.get(), nats::leases_bucket(config_.stream_prefix));
      }
      connected_.Set(1);
      spdlog::info("input {}: connected to NATS as {}", config_.name, instance_);
      return true;
    } catch (const nats::Error& error) {
      nats_ = std::make_unique<Nats>();
      if (!warned) {
        spdlog::warn("input {}: {}; retrying every {} ms", config_.name, error.what(),
                     std::chrono::milliseconds(kRetryDelay).count());
        warned = true;
      }
      if (wait_or_stop(kRetryDelay)) break;
    }
  }
  return false;
}

// A stream set made for more partitions means the server maps keys with another P: every
// event would then be rejected as unmappable_key. Said once, loudly, at start.
void JetStreamInput::check_stream_set() {
  const std::string beyond =
      nats::partition_stream(config_.stream_prefix, static_cast<std::uint32_t>(config_.partitions));
  jsStreamInfo* raw_info = nullptr;
  if (js_GetStreamInfo(&raw_info, nats_->js.get(), beyond.c_str(), nullptr, nullptr) == NATS_OK) {
    spdlog::error(
        "input {}: stream {} exists, so the stream set has more than the {} partitions "
        "configured; set `partitions` to the P of the server's mapping",
        config_.name, beyond, config_.partitions);
  }
  jsStreamInfo_Destroy(raw_info);
}

// Polled every commit_interval (every API call of the client thread may block meanwhile):
// the reconnections come from libnats' count, so that an outage that began and ended between
// two polls is counted too.
void JetStreamInput::note_connection() {
  const bool is_connected =
      natsConnection_Status(nats_->connection.get()) == NATS_CONN_STATUS_CONNECTED;
  const std::uint64_t reconnects = nats::reconnects(*nats_->connection);
  const std::uint64_t new_reconnects =
      reconnects > reconnects_seen_ ? reconnects - reconnects_seen_ : 0;
  reconnects_seen_ = reconnects;
  if (new_reconnects > 0) reconnects_.Increment(static_cast<double>(new_reconnects));
  if (is_connected == connection_up_ && (new_reconnects == 0 || !is_connected)) return;
  connected_.Set(is_connected ? 1 : 0);
  spdlog::log(is_connected ? spdlog::level::info : spdlog::level::warn,
              "input {}: NATS connection {}", config_.name,
              !is_connected    ? "lost; reconnecting"
              : connection_up_ ? "was lost and is back"
                               : "is back");
  connection_up_ = is_connected;
}

// Static: take every configured partition (retrying those whose stream or position cannot
// be read yet), then commit positions until stopped.
void JetStreamInput::run_static() {
  std::vector<Partition*> waiting;
  for (auto& partition : partitions_) waiting.push_back(partition.get());
  while (!waiting.empty()) {
    std::vector<Partition*> failed;
    for (Partition* partition : waiting) {
      try {
        claim(*partition);
      } catch (const nats::Error& error) {
        spdlog::warn("input {}: partition {}: {}; retrying", config_.name, partition->number,
                     error.what());
        failed.push_back(partition);
      }
    }
    waiting = std::move(failed);
    if (!waiting.empty() && wait_or_stop(kRetryDelay)) return;
  }
  spdlog::info("input {}: reading partitions {}", config_.name, fmt::join(config_.owned, ","));
  while (!wait_or_stop(config_.commit_interval)) {
    note_connection();
    if (connected_.Value() == 1) write_positions();
  }
}

void JetStreamInput::run_leases() {
  const auto period = config_.lease_ttl / 3;
  const std::string alive = "alive";
  bool first_round = true;
  spdlog::info("input {}: sharing {} partitions by lease as {}", config_.name, config_.partitions,
               instance_);
  auto next_round = Clock::now();
  while (!stopping_) {
    if (Clock::now() >= next_round) {
      next_round = Clock::now() + period;
      const std::int64_t round_started = runtime::steady_ns(Clock::now());
      note_connection();
      std::uint64_t revision = 0;
      const bool registered = kvStore_Put(&revision, nats_->members.get(), instance_.c_str(),
                                          alive.data(), static_cast<int>(alive.size())) == NATS_OK;
      if (!registered) renew_failures_.Increment();
      if (first_round) {
        // Let the other members see this one before taking anything, so that a start does
        // not take every partition only to hand most of them back.
        first_round = !registered;
      } else {
        renew_leases(round_started);
        update_members();
        std::vector<Partition*> leaving;
        for (auto& owned : partitions_) {
          Partition& partition = *owned;
          const bool wanted = nats::rendezvous_owner(partition.number, members_) == instance_;
          if (partition.owned) {
            if (!wanted) leaving.push_back(&partition);
            continue;
          }
          if (!wanted) continue;
          const std::string key = std::to_string(partition.number);
          std::uint64_t created = 0;
          if (kvStore_Create(&created, nats_->leases.get(), key.c_str(), instance_.data(),
                             static_cast<int>(instance_.size())) != NATS_OK) {
            continue;  // still held: its owner gives it up, or its lease lapses
          }
          partition.lease_revision = created;
          partition.valid_until_ns = round_started + lease_span();
          try {
            claim(partition);
          } catch (const nats::Error& error) {
            spdlog::warn("input {}: partition {}: {}; leaving it for now", config_.name,
                         partition.number, error.what());
            kvStore_Delete(nats_->leases.get(), key.c_str());
          }
        }
        // Every fetcher told first, so that their last fetches run out together rather than
        // one after another (each may wait up to fetch_expires).
        for (Partition* partition : leaving) stop_fetching(*partition);
        for (Partition* partition : leaving) release(*partition, Handoff::kGraceful);
      }
    }
    const auto until_round = next_round - Clock::now();
    if (wait_or_stop(std::min<std::chrono::nanoseconds>(config_.commit_interval, until_round))) {
      break;
    }
    if (connected_.Value() == 1) write_positions();
  }
}

// How long a lease renewed (or taken) at some moment may be read under: lease_ttl less the
// margin, counted from before the request went out.
std::int64_t JetStreamInput::lease_span() const {
  return static_cast<std::int64_t>(static_cast<double>(config_.lease_ttl.count()) *
                                   (1 - kLeaseMargin));
}

// Renews every lease held, first thing in a round, so that nothing slower (listing members)
// can make them lapse. Only a refusal (it lapsed and may have been taken: the lease is not
// this instance's any more) gives a partition up at once; a timeout or no responders (an
// election) is retried next round, and the partition is read only until its deadline passes
// meanwhile.
void JetStreamInput::renew_leases(std::int64_t round_started) {
  const auto is_own = [this](std::string_view holder) { return holder == instance_; };
  for (auto& owned : partitions_) {
    Partition& partition = *owned;
    if (!partition.owned) continue;
    const CasResult result =
        update_if_unchanged(nats_->leases.get(), std::to_string(partition.number), instance_,
                            partition.lease_revision, is_own);
    if (result == CasResult::kWritten) {
      partition.valid_until_ns = round_started + lease_span();
      continue;
    }
    renew_failures_.Increment();
    const bool refused = result == CasResult::kRefused;
    if (refused || runtime::steady_ns(Clock::now()) > partition.valid_until_ns) {
      spdlog::warn("input {}: partition {}: lease lost ({}); giving it up", config_.name,
                   partition.number, refused ? "it lapsed" : "not renewed in time");
      release(partition, Handoff::kLeaseExpired);
    }
  }
}

// The live members, from the members bucket; on a failure (a slow or dead peer during an
// election) the last list stands, this instance always in it. Bounded well below lease_ttl.
void JetStreamInput::update_members() {
  kvWatchOptions options;
  kvWatchOptions_Init(&options);
  options.Timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.lease_ttl / 6).count();
  options.IgnoreDeletes = true;
  kvKeysList keys{};
  if (kvStore_Keys(&keys, nats_->members.get(), &options) == NATS_OK) {
    members_.clear();
    for (int i = 0; i < keys.Count; ++i) members_.emplace_back(keys.Keys[i]);
    kvKeysList_Destroy(&keys);
  }
  if (std::find(members_.begin(), members_.end(), instance_) == members_.end()) {
    members_.push_back(instance_);
  }
}

// Takes `partition`: finds its position (or starts one at the stream's end), fences it by
// rewriting it, has the reactor start it over, and starts its fetcher.
void JetStreamInput::claim(Partition& partition) {
  const std::string key = nats::position_key(partition.number);
  kvEntry* raw_entry = nullptr;
  const natsStatus status = kvStore_Get(&raw_entry, nats_->positions.get(), key.c_str());
  nats::KeyValueEntry entry(raw_entry);
  if (status == NATS_OK) {
    const std::string_view text(static_cast<const char*>(kvEntry_Value(entry.get())),
                                static_cast<std::size_t>(kvEntry_ValueLen(entry.get())));
    const auto stored = nats::decode_position(text);
    if (!stored) {
      throw nats::Error(
          "position " + key + " is not \"<seq> <time_ns> <instance>\": " + std::string(text),
          NATS_INVALID_ARG);
    }
    const nats::Position* position = &stored->position;
    // Fencing: rewriting the value, as this instance's, bumps its revision, so a previous
    // owner's next compare-and-set fails, and the value tells it that it was not its own.
    const std::string value = nats::encode(*position, instance_);
    std::uint64_t revision = 0;
    nats::check(kvStore_Update(&revision, nats_->positions.get(), key.c_str(), value.data(),
                               static_cast<int>(value.size()), kvEntry_Revision(entry.get())),
                "fence " + key);
    partition.start = *position;
    partition.had_position = true;
    partition.revision = revision;
  } else if (status == NATS_NOT_FOUND) {
    // First claim ever: begin at the stream's end, and say so in KV at once.
    jsStreamInfo* raw_info = nullptr;
    jsErrCode code{};
    nats::check(
        js_GetStreamInfo(&raw_info, nats_->js.get(), partition.stream.c_str(), nullptr, &code),
        "stream " + partition.stream, code);
    nats::StreamInfo info(raw_info);
    partition.start = {info->State.LastSeq, wall_ns()};
    partition.had_position = false;
    const std::string value = nats::encode(partition.start, instance_);
    std::uint64_t revision = 0;
    nats::check(kvStore_Create(&revision, nats_->positions.get(), key.c_str(), value.data(),
                               static_cast<int>(value.size())),
                "create " + key);
    partition.revision = revision;
  } else {
    nats::check(status, "read " + key);
  }
  partition.committed = partition.start;
  partition.owned = true;
  partition.stop_fetch = false;
  const std::uint64_t epoch = ++partition.epoch;
  {
    std::lock_guard lock(commit_mutex_);
    partition.to_commit.reset();
    partition.final_ready = false;
  }
  owned_.Increment();
  const bool rebuild = partition.rebuilds(config_);
  spdlog::info("input {}: partition {}: taken at seq {}{}", config_.name, partition.number,
               partition.start.seq, rebuild ? ", rebuilding" : "");
  Partition* p = &partition;
  boost::asio::post(reactor_.io(), [p, epoch, start = partition.start, rebuild] {
    p->active_epoch = epoch;
    p->handled = start;
    p->last_seq = 0;
    p->candidates.clear();
    p->finishing = false;
    p->rebuilding = rebuild;
    p->rebuild_started = Clock::now();
    p->rebuild->Set(rebuild ? 1 : 0);
    p->live->Set(rebuild ? 0 : 1);
  });
  partition.fetcher = std::thread([this, p, epoch] { run_fetcher(*p, epoch); });
}

void JetStreamInput::stop_fetching(Partition& partition) {
  std::lock_guard lock(queue_mutex_);
  partition.stop_fetch = true;
  queue_space_.notify_all();  // a fetcher waiting for room in the queue
}

// Gives `partition` up. Graceful: its last actions settle and its position is committed
// before the lease goes, so the next owner repeats nothing. Lost (lease lapsed, or fenced):
// stop at once; the next owner replays from the last committed position.
void JetStreamInput::release(Partition& partition, Handoff reason) {
  if (!partition.owned) return;
  if (reason != Handoff::kGraceful) partition.valid_until_ns = 0;
  stop_fetching(partition);
  if (partition.fetcher.joinable()) partition.fetcher.join();
  Partition* p = &partition;
  const std::uint64_t epoch = partition.epoch;
  if (reason == Handoff::kGraceful) {
    boost::asio::post(reactor_.io(), [this, p, epoch] { finish_partition(*p, epoch); });
    const auto wait =
        std::chrono::duration_cast<std::chrono::nanoseconds>(config_.lease_ttl * kReleaseWait);
    {
      std::unique_lock lock(commit_mutex_);
      commit_wake_.wait_for(lock, wait, [&] { return stopping_ || partition.final_ready; });
    }
    if (!write_position(partition)) return;  // fenced meanwhile: released as such
    kvStore_Delete(nats_->leases.get(), std::to_string(partition.number).c_str());
  }
  boost::asio::post(reactor_.io(), [p, epoch] {
    if (p->active_epoch != epoch) return;
    p->active_epoch = 0;
    p->candidates.clear();
    p->live->Set(0);
    p->rebuild->Set(0);
  });
  partition.owned = false;
  partition.valid_until_ns = std::numeric_limits<std::int64_t>::max();
  owned_.Decrement();
  handoffs_family_.Add({{"reason", label(reason)}}).Increment();
  spdlog::info("input {}: partition {}: given up ({})", config_.name, partition.number,
               label(reason));
}

void JetStreamInput::write_positions() {
  for (auto& partition : partitions_) {
    if (partition->owned) write_position(*partition);
  }
}

// Writes the position the reactor handed over, by compare-and-set on the revision this
// instance wrote last. Refused, with another instance's value there: that instance fenced the
// partition, which is then given up.
bool JetStreamInput::write_position(Partition& partition) {
  std::optional<nats::Position> position;
  {
    std::lock_guard lock(commit_mutex_);
    position.swap(partition.to_commit);
  }
  if (!position || *position == partition.committed) return true;
  const auto is_own = [this](std::string_view value) {
    const auto stored = nats::decode_position(value);
    return stored && stored->writer == instance_;
  };
  std::string failure;
  const CasResult result =
      update_if_unchanged(nats_->positions.get(), nats::position_key(partition.number),
                          nats::encode(*position, instance_), partition.revision, is_own, &failure);
  if (result == CasResult::kWritten) {
    partition.committed = *position;
    commits_.Increment();
    return true;
  }
  commit_failures_.Increment();
  if (result == CasResult::kFailed) {
    {
      // Written again next time, unless the reactor hands over a later one meanwhile.
      std::lock_guard lock(commit_mutex_);
      if (!partition.to_commit) partition.to_commit = position;
    }
    // Every commit_interval during an election: ten lines a second without the limit.
    if (auto permit = commit_log_.acquire(); permit.allowed) {
      spdlog::warn("input {}: partition {}: writing the position failed: {}{}", config_.name,
                   partition.number, failure,
                   permit.suppressed_before > 0
                       ? fmt::format(" ({} more failures not logged)", permit.suppressed_before)
                       : std::string());
    }
    return true;
  }
  spdlog::error(
      "input {}: partition {}: another instance took it over (its position was rewritten); "
      "no longer reading it",
      config_.name, partition.number);
  release(partition, Handoff::kFenced);
  return false;
}

}  // namespace lull::daemon
