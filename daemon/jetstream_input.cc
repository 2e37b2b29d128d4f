// jetstream_input.cc: construction, start and stop, and the reactor side: draining the
// hand-off queue, replay marking, and the position candidates that wait for the sinks.
#include "daemon/jetstream_input.h"

#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "daemon/jetstream_partition.h"
#include "daemon/nats/setup.h"

namespace lull::daemon {

namespace {

using Clock = std::chrono::steady_clock;

std::string default_instance() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string id;
  for (const char* c = host; *c != '\0'; ++c) {
    const bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_';
    id.push_back(ok ? *c : '_');
  }
  return id + "-" + std::to_string(getpid());
}

}  // namespace

// Reload may lengthen it; the replay of the next takeover uses the rules then in force.
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

JetStreamInput::JetStreamInput(runtime::Reactor& reactor, const config::InputConfig& config,
                               Ingest& ingest, DaemonMetrics::Input counters,
                               std::chrono::nanoseconds replay_span, SinkList sinks,
                               prometheus::Registry& registry)
    : reactor_(reactor),
      config_(config),
      instance_(config.instance.empty() ? default_instance() : config.instance),
      ingest_(ingest),
      counters_(counters),
      replay_span_ns_(replay_span.count()),
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
      renew_failures_(prometheus::BuildCounter()
                          .Name("lull_lease_renew_failures_total")
                          .Help("Lease renewals that failed (the partition was then given up)")
                          .Register(registry)
                          .Add({})),
      rebuild_events_(prometheus::BuildCounter()
                          .Name("lull_partition_rebuild_events_total")
                          .Help("Events replayed to rebuild rule state, firing nothing")
                          .Register(registry)
                          .Add({})),
      rebuild_seconds_(
          prometheus::BuildHistogram()
              .Name("lull_partition_rebuild_seconds")
              .Help("From taking a partition with a position to its first live "
                    "event: the replay of its rule state")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                               5, 10, 30, 60})),
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
                        .Help("1 for the state each partition read here is in")
                        .Register(registry)),
      handoffs_family_(prometheus::BuildCounter()
                           .Name("lull_partition_handoffs_total")
                           .Help("Partitions this instance stopped reading, by reason: "
                                 "graceful (rebalance, stop), lease_expired, fenced")
                           .Register(registry)) {
  std::vector<std::size_t> numbers = config_.owned;
  if (config_.assignment == config::Assignment::kLease) {
    numbers.clear();
    for (std::size_t p = 0; p < config_.partitions; ++p) numbers.push_back(p);
  }
  for (std::size_t number : numbers) {
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
  queue_share_ =
      std::max<std::size_t>(1, config_.max_pending / std::max<std::size_t>(1, partitions_.size()));
  for (const char* reason : {"graceful", "lease_expired", "fenced"}) {
    handoffs_family_.Add({{"reason", reason}});
  }
  owned_.Set(0);
  connected_.Set(0);
}

JetStreamInput::~JetStreamInput() {
  stop();
  if (client_.joinable()) client_.join();
  for (auto& partition : partitions_) {
    if (partition->fetcher.joinable()) partition->fetcher.join();
  }
}

void JetStreamInput::start() {
  client_ = std::thread([this] { run_client(); });
  schedule_commit();
}

void JetStreamInput::schedule_commit() {
  commit_timer_.async_wait_after(config_.commit_interval, [this](boost::system::error_code error) {
    if (error || stopping_) return;
    take_candidates();
    schedule_commit();
  });
}

void JetStreamInput::stop() {
  if (stopping_.exchange(true)) return;
  commit_timer_.cancel();
  {
    std::lock_guard lock(queue_mutex_);
    for (auto& partition : partitions_) partition->queue.clear();
    queued_ = 0;
    queue_space_.notify_all();
  }
  std::lock_guard lock(commit_mutex_);
  commit_wake_.notify_all();
}

void JetStreamInput::final_commit() {
  // The reactor has stopped: every sink has settled everything (delivered, or dropped at
  // its flush bound), so what was handled last is the position.
  {
    std::lock_guard lock(commit_mutex_);
    for (auto& partition : partitions_) {
      if (partition->active_epoch != 0) partition->to_commit = partition->handled;
    }
  }
  stop();
  if (client_.joinable()) client_.join();
  for (auto& partition : partitions_) {
    partition->stop_fetch = true;
    if (partition->fetcher.joinable()) partition->fetcher.join();
  }
  if (nats_ == nullptr || nats_->connection == nullptr ||
      natsConnection_Status(nats_->connection.get()) != NATS_CONN_STATUS_CONNECTED) {
    return;
  }
  write_positions();
  if (config_.assignment == config::Assignment::kLease) {
    for (auto& partition : partitions_) {
      if (!partition->owned) continue;
      const std::string key = std::to_string(partition->number);
      kvStore_Delete(nats_->leases.get(), key.c_str());
      handoffs_family_.Add({{"reason", label(Handoff::kGraceful)}}).Increment();
    }
    kvStore_Delete(nats_->members.get(), instance_.c_str());
  }
  natsConnection_FlushTimeout(nats_->connection.get(), 2000);
}

// --- reactor side -------------------------------------------------------------------------

// Takes one message from each partition with any, in turn, from where the last drain left
// off: per partition the order stays as fetched, and a partition with a few live events
// gets them handled in this handler even while another has thousands queued to replay.
void JetStreamInput::drain() {
  scratch_.clear();
  {
    std::lock_guard lock(queue_mutex_);
    const std::size_t n = std::min(queued_, kDrainBatch);
    for (std::size_t i = drain_next_; scratch_.size() < n; i = (i + 1) % partitions_.size()) {
      auto& queue = partitions_[i]->queue;
      if (queue.empty()) continue;
      scratch_.push_back(std::move(queue.front()));
      queue.pop_front();
      drain_next_ = (i + 1) % partitions_.size();
    }
    queued_ -= n;
    if (queued_ == 0) {
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
  // Fetched under an ownership since given up, or a lease that lapsed while it waited.
  if (message.epoch != partition.active_epoch ||
      runtime::steady_ns(Clock::now()) > partition.valid_until_ns.load()) {
    return;
  }
  if (message.seq <= partition.last_seq) return;  // a repeat after a consumer was remade
  partition.last_seq = message.seq;
  // The replay ends at the position's own event (below), or, if that left the stream
  // (max_age), at the first live one.
  if (partition.rebuilding && !message.arrival.replay) end_rebuild(partition);
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
  if (message.arrival.replay) {
    rebuild_events_.Increment();
    // The position's own event: the replay is done.
    if (partition.rebuilding && message.seq >= partition.handled.seq) end_rebuild(partition);
  }
  // A replay re-reads events before the position: the position stays where it was.
  if (message.seq > partition.handled.seq) partition.handled = {message.seq, message.time_ns};
  partition.lag->Set(static_cast<double>(message.pending));
}

void JetStreamInput::end_rebuild(Partition& partition) {
  partition.rebuilding = false;
  partition.rebuild->Set(0);
  partition.live->Set(1);
  const std::chrono::duration<double> took = Clock::now() - partition.rebuild_started;
  rebuild_seconds_.Observe(took.count());
  spdlog::info("input {}: partition {} rebuilt in {:.0f} ms; live", config_.name,
               partition.number, took.count() * 1000);
}

// Every commit_interval: note where each partition is and what the sinks had been given,
// then hand the client thread the newest position all of whose actions are settled.
void JetStreamInput::take_candidates() {
  const std::vector<const ActionSink*> sinks = sinks_();
  for (auto& partition : partitions_) {
    if (partition->active_epoch == 0) continue;
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
    if (!settled && !(partition->finishing && candidates.empty())) continue;
    std::lock_guard lock(commit_mutex_);
    if (settled) partition->to_commit = settled;
    if (partition->finishing && candidates.empty()) {
      partition->final_ready = true;
      partition->finishing = false;
      partition->active_epoch = 0;
      partition->live->Set(0);
      partition->rebuild->Set(0);
      commit_wake_.notify_all();
    }
  }
}

// A graceful release: the fetcher has stopped. Once the queue holds none of this
// partition's messages, its last position is the final candidate; take_candidates() hands it
// over when settled.
void JetStreamInput::finish_partition(Partition& partition, std::uint64_t epoch) {
  if (partition.active_epoch != epoch) return;
  {
    std::lock_guard lock(queue_mutex_);
    if (!partition.queue.empty()) {
      boost::asio::post(reactor_.io(),
                        [this, &partition, epoch] { finish_partition(partition, epoch); });
      return;
    }
  }
  partition.finishing = true;
}

}  // namespace lull::daemon
