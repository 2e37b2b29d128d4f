// jetstream_input.cc: the client thread (connect, fence, commit), the fetchers, and the
// reactor side (drain, replay marking, position candidates).
#include "daemon/jetstream_input.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"
#include "daemon/nats/setup.h"

namespace lull::daemon {

namespace {

using Clock = std::chrono::steady_clock;

// How long the server keeps an ephemeral consumer nobody pulls from. Above the longest a
// fetcher can wait on a full queue; a consumer lost anyway is made again from the last
// sequence read.
constexpr std::int64_t kConsumerInactiveNs = 10LL * 60 * 1'000'000'000;
constexpr auto kRetryDelay = std::chrono::milliseconds(500);

// Whether a message stored as <subject>.<p>.<key> belongs to partition p by lull's reckoning:
// false when the server's mapping uses another partition count than the config, or a
// producer published to a partition's subject directly.
bool maps_to(std::string_view subject, std::uint32_t partition, std::uint32_t partitions) {
  const std::size_t dot = subject.rfind('.');
  const std::string_view key = dot == std::string_view::npos ? subject : subject.substr(dot + 1);
  return nats::is_subject_token(key) && nats::partition_of(key, partitions) == partition;
}

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Reload may lengthen it; the replay of the next restart uses the rules then in force.
std::chrono::nanoseconds replay_span(const std::vector<config::RuleConfig>& rules) {
  std::chrono::nanoseconds span{0};
  for (const auto& rule : rules) {
    if (!rule.enabled) continue;
    span = std::max(span, rule.cooldown);
    switch (rule.kind) {
      case config::RuleKind::kDeviation:
      case config::RuleKind::kRate: span = std::max(span, rule.window); break;
      case config::RuleKind::kSequence: span = std::max(span, rule.within); break;
      case config::RuleKind::kAbsence: span = std::max(span, rule.timeout); break;
      case config::RuleKind::kThreshold: break;
    }
  }
  return span;
}

struct JetStreamInput::Nats {
  nats::Connection connection;
  nats::JetStream js;
  nats::KeyValue positions;
};

// Owned partition p. The thread side (fetcher) and the reactor side never touch each other's
// fields; `to_commit` and `revision` are the client thread's, guarded by commit_mutex_.
struct JetStreamInput::Partition {
  std::uint32_t number = 0;
  std::string stream;
  std::string subjects;
  std::thread fetcher;

  // Set by the client thread before the fetcher starts.
  nats::Position start;  // the committed position found (or made) at start
  bool had_position = false;
  std::uint64_t revision = 0;  // of pos.<p> in KV, for compare-and-set

  // Reactor side.
  nats::Position handled;      // the last message handled, or the start position if later
  std::uint64_t last_seq = 0;  // the last sequence handled, replays included
  std::deque<Candidate> candidates;
  bool fenced = false;
  bool rebuilding = false;
  Clock::time_point rebuild_started;
  prometheus::Gauge* lag = nullptr;
  prometheus::Gauge* live = nullptr;
  prometheus::Gauge* rebuild = nullptr;

  // Reactor to client thread (commit_mutex_).
  std::optional<nats::Position> to_commit;
  nats::Position committed;
};

JetStreamInput::JetStreamInput(runtime::Reactor& reactor, const config::InputConfig& config,
                               Ingest& ingest, DaemonMetrics::Input counters,
                               std::chrono::nanoseconds replay_span, SinkList sinks,
                               prometheus::Registry& registry)
    : reactor_(reactor),
      config_(config),
      ingest_(ingest),
      counters_(counters),
      replay_span_(replay_span),
      sinks_(std::move(sinks)),
      commit_timer_(reactor.io(), reactor.timers()),
      owned_(prometheus::BuildGauge()
                 .Name("lull_partitions_owned")
                 .Help("Partitions of the jetstream input this instance reads")
                 .Register(registry)
                 .Add({})),
      connected_(prometheus::BuildGauge()
                     .Name("lull_jetstream_connected")
                     .Help("1 while the jetstream input's NATS connection is up")
                     .Register(registry)
                     .Add({})),
      reconnects_(prometheus::BuildCounter()
                      .Name("lull_jetstream_reconnects_total")
                      .Help("NATS reconnections of the jetstream input after the first connect")
                      .Register(registry)
                      .Add({})),
      commits_(prometheus::BuildCounter()
                   .Name("lull_position_commits_total")
                   .Help("Partition positions written to the KV bucket")
                   .Register(registry)
                   .Add({})),
      commit_failures_(prometheus::BuildCounter()
                           .Name("lull_position_commit_failures_total")
                           .Help("Position writes that failed (NATS errors and fencing)")
                           .Register(registry)
                           .Add({})),
      rebuild_events_(prometheus::BuildCounter()
                          .Name("lull_partition_rebuild_events_total")
                          .Help("Events replayed to rebuild rule state, firing nothing")
                          .Register(registry)
                          .Add({})),
      fetch_batch_(
          prometheus::BuildHistogram()
              .Name("lull_jetstream_fetch_batch_size")
              .Help("Messages per pull request that returned any")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 5, 10, 20, 50, 100, 200, 500,
                                                               1000, 2000, 5000})),
      lag_family_(prometheus::BuildGauge()
                      .Name("lull_jetstream_lag_messages")
                      .Help("Messages in a partition's stream after the last one handled")
                      .Register(registry)),
      state_family_(prometheus::BuildGauge()
                        .Name("lull_partition_state")
                        .Help("1 for the state each owned partition is in")
                        .Register(registry)),
      handoffs_family_(prometheus::BuildCounter()
                           .Name("lull_partition_handoffs_total")
                           .Help("Partitions this instance stopped reading, by reason")
                           .Register(registry)) {
  for (std::size_t number : config_.owned) {
    auto partition = std::make_unique<Partition>();
    partition->number = static_cast<std::uint32_t>(number);
    partition->stream = nats::partition_stream(config_.stream_prefix, partition->number);
    partition->subjects = nats::partition_subjects(config_.subject, partition->number);
    const std::string label = std::to_string(number);
    partition->lag = &lag_family_.Add({{"partition", label}});
    partition->live = &state_family_.Add({{"partition", label}, {"state", "live"}});
    partition->rebuild = &state_family_.Add({{"partition", label}, {"state", "rebuilding"}});
    by_number_[partition->number] = partition.get();
    partitions_.push_back(std::move(partition));
  }
  handoffs_family_.Add({{"reason", "fenced"}});
  owned_.Set(static_cast<double>(partitions_.size()));
  connected_.Set(0);
}

JetStreamInput::~JetStreamInput() {
  stop();
  {
    std::lock_guard lock(commit_mutex_);
    commit_wake_.notify_all();
  }
  if (client_.joinable()) client_.join();
  for (auto& partition : partitions_) {
    if (partition->fetcher.joinable()) partition->fetcher.join();
  }
}

void JetStreamInput::start() {
  client_ = std::thread([this] { run_client(); });
  auto tick = std::make_shared<std::function<void()>>();
  *tick = [this, tick] {
    commit_timer_.async_wait_after(config_.commit_interval,
                                   [this, tick](boost::system::error_code error) {
                                     if (error || stopping_) return;
                                     take_candidates();
                                     (*tick)();
                                   });
  };
  (*tick)();
}

void JetStreamInput::stop() {
  if (stopping_.exchange(true)) return;
  commit_timer_.cancel();
  std::lock_guard lock(queue_mutex_);
  queue_.clear();
  queue_space_.notify_all();
}

// --- client thread ------------------------------------------------------------------------

void JetStreamInput::run_client() {
  // nats_ is written here, before any fetcher starts (thread creation orders it before their
  // reads), and read by final_commit() only after this thread has been joined.
  nats_ = std::make_unique<Nats>();
  Nats* nats = nats_.get();
  bool warned = false;
  while (!stopping_) {
    try {
      nats->connection = nats::connect(config_.servers, "lulld " + config_.name);
      nats->js = nats::jetstream(*nats->connection);
      kvStore* raw = nullptr;
      const std::string bucket = nats::positions_bucket(config_.stream_prefix);
      nats::check(js_KeyValue(&raw, nats->js.get(), bucket.c_str()), "KV bucket " + bucket);
      nats->positions.reset(raw);
      break;
    } catch (const nats::Error& error) {
      nats->positions.reset();
      nats->js.reset();
      nats->connection.reset();
      if (!warned) {
        spdlog::warn("input {}: {}; retrying every {} ms", config_.name, error.what(),
                     std::chrono::milliseconds(kRetryDelay).count());
        warned = true;
      }
      std::unique_lock lock(commit_mutex_);
      commit_wake_.wait_for(lock, kRetryDelay, [this] { return stopping_.load(); });
    }
  }
  if (stopping_) return;
  connected_.Set(1);
  spdlog::info("input {}: connected to NATS; reading partitions {}", config_.name,
               fmt::join(config_.owned, ","));
  // A stream set made for more partitions means the server maps keys with another P: every
  // event would then be rejected as unmappable_key. Said once, loudly, at start.
  {
    const std::string beyond = nats::partition_stream(
        config_.stream_prefix, static_cast<std::uint32_t>(config_.partitions));
    jsStreamInfo* raw_info = nullptr;
    if (js_GetStreamInfo(&raw_info, nats->js.get(), beyond.c_str(), nullptr, nullptr) == NATS_OK) {
      spdlog::error(
          "input {}: stream {} exists, so the stream set has more than the {} "
          "partitions configured; set `partitions` to the P of the server's mapping",
          config_.name, beyond, config_.partitions);
    }
    jsStreamInfo_Destroy(raw_info);
  }

  // Fence and find where each partition starts, then start its fetcher. A partition that
  // cannot be set up (its stream missing) is retried until it can.
  std::vector<Partition*> waiting;
  for (auto& partition : partitions_) waiting.push_back(partition.get());
  while (!waiting.empty() && !stopping_) {
    std::vector<Partition*> failed;
    for (Partition* partition : waiting) {
      try {
        const std::string key = nats::position_key(partition->number);
        kvEntry* raw_entry = nullptr;
        const natsStatus status = kvStore_Get(&raw_entry, nats->positions.get(), key.c_str());
        nats::KeyValueEntry entry(raw_entry);
        if (status == NATS_OK) {
          const std::string_view text(static_cast<const char*>(kvEntry_Value(entry.get())),
                                      static_cast<std::size_t>(kvEntry_ValueLen(entry.get())));
          const auto position = nats::decode_position(text);
          if (!position) {
            throw nats::Error(
                "position " + key + " is not \"<seq> <time_ns>\": " + std::string(text),
                NATS_INVALID_ARG);
          }
          partition->start = *position;
          partition->had_position = true;
          // Fencing: rewriting the value bumps its revision, so a previous owner's next
          // compare-and-set fails and it stops.
          std::uint64_t revision = 0;
          const std::string value = nats::encode(*position);
          nats::check(kvStore_Update(&revision, nats->positions.get(), key.c_str(), value.data(),
                                     static_cast<int>(value.size()), kvEntry_Revision(entry.get())),
                      "fence " + key);
          partition->revision = revision;
        } else if (status == NATS_NOT_FOUND) {
          // First start: begin at the stream's end, and say so in KV at once.
          jsStreamInfo* raw_info = nullptr;
          jsErrCode code{};
          nats::check(js_GetStreamInfo(&raw_info, nats->js.get(), partition->stream.c_str(),
                                       nullptr, &code),
                      "stream " + partition->stream, code);
          nats::StreamInfo info(raw_info);
          partition->start = {info->State.LastSeq, wall_ns()};
          const std::string value = nats::encode(partition->start);
          std::uint64_t revision = 0;
          nats::check(kvStore_Create(&revision, nats->positions.get(), key.c_str(), value.data(),
                                     static_cast<int>(value.size())),
                      "create " + key);
          partition->revision = revision;
        } else {
          nats::check(status, "read " + key);
        }
        partition->committed = partition->start;
        Partition& p = *partition;
        boost::asio::post(reactor_.io(), [&p, start = p.start] {
          p.handled = start;
          p.rebuilding = p.had_position;
          p.rebuild_started = Clock::now();
          p.rebuild->Set(p.rebuilding ? 1 : 0);
          p.live->Set(p.rebuilding ? 0 : 1);
        });
        partition->fetcher = std::thread([this, &p] { run_fetcher(p); });
      } catch (const nats::Error& error) {
        spdlog::warn("input {}: partition {}: {}; retrying", config_.name, partition->number,
                     error.what());
        failed.push_back(partition);
      }
    }
    waiting = std::move(failed);
    if (!waiting.empty()) {
      std::unique_lock lock(commit_mutex_);
      commit_wake_.wait_for(lock, kRetryDelay, [this] { return stopping_.load(); });
    }
  }

  bool was_connected = true;
  while (!stopping_) {
    {
      std::unique_lock lock(commit_mutex_);
      commit_wake_.wait_for(lock, config_.commit_interval, [this] { return stopping_.load(); });
    }
    const bool is_connected =
        natsConnection_Status(nats_->connection.get()) == NATS_CONN_STATUS_CONNECTED;
    if (is_connected != was_connected) {
      connected_.Set(is_connected ? 1 : 0);
      if (is_connected) reconnects_.Increment();
      spdlog::log(is_connected ? spdlog::level::info : spdlog::level::warn,
                  "input {}: NATS connection {}", config_.name,
                  is_connected ? "is back" : "lost; reconnecting");
      was_connected = is_connected;
    }
    if (is_connected) write_positions();
  }
}

// Writes the positions the reactor handed over. Compare-and-set on the revision this
// instance wrote last: a failure on "wrong last sequence" means another instance fenced the
// partition, which is then given up.
void JetStreamInput::write_positions() {
  for (auto& partition : partitions_) {
    std::optional<nats::Position> position;
    {
      std::lock_guard lock(commit_mutex_);
      position.swap(partition->to_commit);
    }
    if (!position || *position == partition->committed) continue;
    const std::string key = nats::position_key(partition->number);
    const std::string value = nats::encode(*position);
    std::uint64_t revision = 0;
    const natsStatus status =
        kvStore_Update(&revision, nats_->positions.get(), key.c_str(), value.data(),
                       static_cast<int>(value.size()), partition->revision);
    if (status == NATS_OK) {
      partition->revision = revision;
      partition->committed = *position;
      commits_.Increment();
      continue;
    }
    commit_failures_.Increment();
    const char* detail = nats_GetLastError(nullptr);
    const bool fenced = detail != nullptr && std::string_view(detail).find("wrong last sequence") !=
                                                 std::string_view::npos;
    if (!fenced) {
      // Retried with the next position; the reactor hands a newer one.
      spdlog::warn("input {}: partition {}: writing the position failed: {}", config_.name,
                   partition->number, natsStatus_GetText(status));
      continue;
    }
    spdlog::error(
        "input {}: partition {}: another instance took it over (its position was "
        "rewritten); no longer reading it",
        config_.name, partition->number);
    Partition& p = *partition;
    boost::asio::post(reactor_.io(), [this, &p] {
      p.fenced = true;
      p.live->Set(0);
      p.rebuild->Set(0);
      owned_.Decrement();
      handoffs_family_.Add({{"reason", "fenced"}}).Increment();
    });
  }
}

// --- fetchers -----------------------------------------------------------------------------

bool JetStreamInput::maps_here(const char* subject, std::uint32_t partition) const {
  return subject != nullptr &&
         maps_to(subject, partition, static_cast<std::uint32_t>(config_.partitions));
}

void JetStreamInput::run_fetcher(Partition& partition) {
  jsCtx* js = nats_->js.get();
  const std::uint64_t replay_until = partition.had_position ? partition.start.seq : 0;
  std::uint64_t last_seq = 0;  // the last sequence pushed: a lost consumer resumes after it
  nats::Subscription subscription;
  bool warned = false;
  const std::int64_t expires_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.fetch_expires).count();

  while (!stopping_) {
    if (!subscription) {
      jsSubOptions options;
      jsSubOptions_Init(&options);
      options.Stream = partition.stream.c_str();
      options.Config.AckPolicy = js_AckNone;
      options.Config.InactiveThreshold = kConsumerInactiveNs;
      if (last_seq > 0) {
        options.Config.DeliverPolicy = js_DeliverByStartSequence;
        options.Config.OptStartSeq = last_seq + 1;
      } else if (partition.had_position) {
        options.Config.DeliverPolicy = js_DeliverByStartTime;
        options.Config.OptStartTime = std::max<std::int64_t>(
            0, partition.start.time_ns - replay_span_.count() - config_.replay_slack.count());
      } else {
        options.Config.DeliverPolicy = js_DeliverByStartSequence;
        options.Config.OptStartSeq = partition.start.seq + 1;
      }
      natsSubscription* raw = nullptr;
      jsErrCode code{};
      const natsStatus status =
          js_PullSubscribe(&raw, js, partition.subjects.c_str(), nullptr, nullptr, &options, &code);
      if (status != NATS_OK) {
        if (!warned) {
          spdlog::warn("input {}: partition {}: {}; retrying", config_.name, partition.number,
                       nats::Error("pull consumer on " + partition.stream, status, code).what());
          warned = true;
        }
        std::this_thread::sleep_for(kRetryDelay);
        continue;
      }
      subscription.reset(raw);
      warned = false;
    }
    natsMsgList list{};
    jsErrCode code{};
    const natsStatus status = natsSubscription_Fetch(
        &list, subscription.get(), static_cast<int>(config_.fetch_batch), expires_ms, &code);
    if (status == NATS_TIMEOUT) continue;
    if (status != NATS_OK) {
      natsMsgList_Destroy(&list);
      // The connection is down (libnats reconnects) or the consumer is gone: make it again.
      subscription.reset();
      std::this_thread::sleep_for(kRetryDelay);
      continue;
    }
    fetch_batch_.Observe(list.Count);
    const runtime::Arrival arrival = runtime::Arrival::now();
    for (int i = 0; i < list.Count && !stopping_; ++i) {
      natsMsg* msg = list.Msgs[i];
      jsMsgMetaData* raw_meta = nullptr;
      if (natsMsg_GetMetaData(&raw_meta, msg) != NATS_OK) continue;  // not a stream message
      nats::MessageMetadata meta(raw_meta);
      Message message{
          partition.number,
          meta->Sequence.Stream,
          meta->Timestamp,
          meta->NumPending,
          !maps_here(natsMsg_GetSubject(msg), partition.number),
          arrival,
          std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)))};
      message.arrival.partition = static_cast<std::int32_t>(partition.number);
      message.arrival.stream_seq = message.seq;
      message.arrival.replay = message.seq <= replay_until;
      last_seq = message.seq;
      if (!push(std::move(message))) break;
    }
    natsMsgList_Destroy(&list);
  }
}

bool JetStreamInput::push(Message&& message) {
  std::unique_lock lock(queue_mutex_);
  queue_space_.wait(lock, [this] { return stopping_ || queue_.size() < config_.max_pending; });
  if (stopping_) return false;
  queue_.push_back(std::move(message));
  if (!drain_posted_) {
    drain_posted_ = true;
    boost::asio::post(reactor_.io(), [this] { drain(); });
  }
  return true;
}

// --- reactor side -------------------------------------------------------------------------

void JetStreamInput::drain() {
  scratch_.clear();
  {
    std::lock_guard lock(queue_mutex_);
    const std::size_t n = std::min(queue_.size(), kDrainBatch);
    for (std::size_t i = 0; i < n; ++i) {
      scratch_.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (queue_.empty()) {
      drain_posted_ = false;
    } else {
      boost::asio::post(reactor_.io(), [this] { drain(); });
    }
    queue_space_.notify_all();
  }
  for (Message& message : scratch_) handle(message);
}

void JetStreamInput::handle(Message& message) {
  Partition& partition = *by_number_.at(message.partition);
  if (partition.fenced || message.seq <= partition.last_seq) return;  // given up; or a repeat
  partition.last_seq = message.seq;
  if (partition.rebuilding && !message.arrival.replay) {
    partition.rebuilding = false;
    partition.rebuild->Set(0);
    partition.live->Set(1);
    spdlog::info("input {}: partition {} rebuilt in {} ms; live", config_.name, partition.number,
                 std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                       partition.rebuild_started)
                     .count());
  }
  std::string_view bytes = message.bytes;
  if (message.unmappable) {
    ingest_.reject(RejectReason::kUnmappableKey, config_.name,
                   "stream " + partition.stream + " seq " + std::to_string(message.seq) +
                       ": its key is of another partition (partitions: " +
                       std::to_string(config_.partitions) + "; is the server's mapping the same?)");
    bytes = {};
  }
  while (!bytes.empty()) {
    const std::size_t end = bytes.find('\n');
    ingest_.line(bytes.substr(0, end), message.arrival, counters_, config_.name);
    if (end == std::string_view::npos) break;
    bytes.remove_prefix(end + 1);
  }
  if (message.arrival.replay) rebuild_events_.Increment();
  // A replay re-reads events before the position: the position stays where it was.
  if (message.seq > partition.handled.seq) partition.handled = {message.seq, message.time_ns};
  partition.lag->Set(static_cast<double>(message.pending));
}

// Every commit_interval: note where each partition is and what the sinks had been given,
// then hand the client thread the newest position all of whose actions are settled.
void JetStreamInput::take_candidates() {
  const std::vector<const ActionSink*> sinks = sinks_();
  for (auto& partition : partitions_) {
    if (partition->fenced) continue;
    auto& candidates = partition->candidates;
    if (candidates.empty() || candidates.back().position != partition->handled) {
      Candidate candidate{partition->handled, {}};
      for (const ActionSink* sink : sinks) candidate.emitted.emplace_back(sink, sink->emitted());
      candidates.push_back(std::move(candidate));
    }
    std::optional<nats::Position> settled;
    while (!candidates.empty()) {
      const Candidate& oldest = candidates.front();
      const bool done = std::all_of(oldest.emitted.begin(), oldest.emitted.end(), [](auto& entry) {
        return entry.first->settled_through() >= entry.second;
      });
      if (!done) break;
      settled = oldest.position;
      candidates.pop_front();
    }
    if (settled) {
      std::lock_guard lock(commit_mutex_);
      partition->to_commit = settled;
    }
  }
}

void JetStreamInput::final_commit() {
  // The reactor has stopped: every sink has settled everything (delivered, or dropped at
  // its flush bound), so what was handled last is the position.
  for (auto& partition : partitions_) {
    if (partition->fenced) continue;
    std::lock_guard lock(commit_mutex_);
    partition->to_commit = partition->handled;
  }
  stop();
  if (client_.joinable()) {
    {
      std::lock_guard lock(commit_mutex_);
      commit_wake_.notify_all();
    }
    client_.join();
  }
  for (auto& partition : partitions_) {
    if (partition->fetcher.joinable()) partition->fetcher.join();
  }
  if (nats_ != nullptr && nats_->connection != nullptr &&
      natsConnection_Status(nats_->connection.get()) == NATS_CONN_STATUS_CONNECTED) {
    write_positions();
    natsConnection_FlushTimeout(nats_->connection.get(), 2000);
  }
}

}  // namespace lull::daemon
