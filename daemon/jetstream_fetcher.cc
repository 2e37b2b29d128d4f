// jetstream_fetcher.cc: one thread per partition read: an ephemeral pull consumer on the
// partition's stream, batches fetched and pushed into the hand-off queue.
#include <spdlog/spdlog.h>

#include "daemon/jetstream_input.h"
#include "daemon/jetstream_partition.h"
#include "daemon/nats/partition.h"

namespace lull::daemon {

namespace {

// How long the server keeps an ephemeral consumer nobody pulls from. Above the longest a
// fetcher can wait on a full queue; a consumer lost anyway is made again after the last
// sequence read.
constexpr std::int64_t kConsumerInactiveNs = 10LL * 60 * 1'000'000'000;
constexpr auto kRetryDelay = std::chrono::milliseconds(500);
// The longest a consumer create may take before it is asked again (fetch_expires if longer).
// On a replicated stream, nats-server 2.9 places an ephemeral consumer on one peer of the
// stream picked at random, an unreachable one included: a create that lands on a dead peer
// is never answered. Asked again, it lands elsewhere (2 chances in 3 on R3). Waiting the
// JetStream context's 5 s instead stalled the fetcher, and the client thread joining it to
// give the partition up, past the lease TTL: every other lease lapsed meanwhile.
constexpr std::int64_t kConsumerCreateWaitMs = 1000;
// After this long without a message, the consumer is asked whether it is still there and
// has nothing to deliver. A pull request for a consumer on a server that died is dropped
// by the JetStream API of whichever server gets it (every server subscribes to $JS.API.>),
// so Fetch times out as if the partition were idle, for ever: the partition stalled while
// its stream, with a new leader, kept filling.
constexpr auto kConsumerCheckAfter = std::chrono::seconds(3);

// Whether the consumer behind `subscription` must be made again: it does not answer (its
// server is gone, or JetStream says it is offline or unknown), it has messages it did not
// deliver to the fetch that just timed out, or it delivered messages after the `received`th
// that never arrived (lost with a connection, see run_fetcher).
bool consumer_stalled(natsSubscription* subscription, jsOptions* options, std::uint64_t received,
                      std::string& why) {
  jsConsumerInfo* info = nullptr;
  jsErrCode code{};
  const natsStatus status = natsSubscription_GetConsumerInfo(&info, subscription, options, &code);
  if (status != NATS_OK) {
    why = nats::Error("consumer info", status, code).what();
    return true;
  }
  const std::uint64_t pending = info->NumPending;
  const std::uint64_t delivered = info->Delivered.Consumer;
  jsConsumerInfo_Destroy(info);
  if (delivered > received) {
    why = std::to_string(delivered - received) + " messages delivered, not received";
    return true;
  }
  if (pending == 0) return false;
  why = std::to_string(pending) + " messages pending, none delivered";
  return true;
}

// Whether a message stored as <subject>.<p>.<key> belongs to partition p by lull's reckoning:
// false when the server's mapping uses another partition count than the config, or a
// producer published to a partition's subject directly.
bool maps_to(std::string_view subject, std::uint32_t partition, std::uint32_t partitions) {
  const std::size_t dot = subject.rfind('.');
  const std::string_view key = dot == std::string_view::npos ? subject : subject.substr(dot + 1);
  return nats::is_subject_token(key) && nats::partition_of(key, partitions) == partition;
}

}  // namespace

bool JetStreamInput::maps_here(const char* subject, std::uint32_t partition) const {
  return subject != nullptr &&
         maps_to(subject, partition, static_cast<std::uint32_t>(config_.partitions));
}

// Starts at the claimed position: replaying from its time less the rules' span when there
// was one, else after its sequence (the stream's end at the first claim). A consumer lost
// later (a server restart, inactivity) is made again after the last sequence pushed.
//
// Invariant: every message pushed is the consumer's next delivery. With AckPolicy none the
// server counts a message as consumed once sent, so one lost on the way (the connection
// dropped, or the route from the consumer's server died with a cluster node) is never sent
// again, and the same consumer, still there after libnats reconnected, goes on after it.
// Its consumer sequence then skips a number: the consumer is made again after the last
// sequence pushed. A loss at the end of a burst shows in the consumer info (delivered more
// than received) at the next check.
void JetStreamInput::run_fetcher(Partition& partition, std::uint64_t epoch) {
  jsCtx* js = nats_->js.get();
  const bool rebuilds = partition.rebuilds(config_);
  const std::uint64_t replay_until = rebuilds ? partition.start.seq : 0;
  // Silences that ended before this were reported by the previous owner; a first start
  // reports none from before it began.
  const std::int64_t reported_before_ns =
      partition.start.time_ns - (partition.had_position ? config_.replay_slack.count() : 0);
  std::uint64_t last_seq = 0;
  std::uint64_t received = 0;  // the consumer sequence of its last delivery pushed
  nats::Subscription subscription;
  bool warned = false;
  const std::int64_t expires_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.fetch_expires).count();
  jsOptions create_options;
  jsOptions_Init(&create_options);
  create_options.Wait = std::max(kConsumerCreateWaitMs, expires_ms);
  auto running = [&] { return !stopping_ && !partition.stop_fetch; };
  auto last_delivery = std::chrono::steady_clock::now();  // or the consumer's making or check

  while (running()) {
    if (!subscription) {
      jsSubOptions options;
      jsSubOptions_Init(&options);
      options.Stream = partition.stream.c_str();
      options.Config.AckPolicy = js_AckNone;
      options.Config.InactiveThreshold = kConsumerInactiveNs;
      if (last_seq > 0) {
        options.Config.DeliverPolicy = js_DeliverByStartSequence;
        options.Config.OptStartSeq = last_seq + 1;
      } else if (rebuilds) {
        options.Config.DeliverPolicy = js_DeliverByStartTime;
        options.Config.OptStartTime = std::max<std::int64_t>(
            0, partition.start.time_ns - replay_span_ns_.load() - config_.replay_slack.count());
      } else {
        options.Config.DeliverPolicy = js_DeliverByStartSequence;
        options.Config.OptStartSeq = partition.start.seq + 1;
      }
      natsSubscription* raw = nullptr;
      jsErrCode code{};
      const natsStatus status = js_PullSubscribe(&raw, js, partition.subjects.c_str(), nullptr,
                                                 &create_options, &options, &code);
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
      received = 0;
      last_delivery = std::chrono::steady_clock::now();
      warned = false;
    }
    natsMsgList list{};
    jsErrCode code{};
    const natsStatus status = natsSubscription_Fetch(
        &list, subscription.get(), static_cast<int>(config_.fetch_batch), expires_ms, &code);
    if (status == NATS_TIMEOUT) {
      if (std::chrono::steady_clock::now() - last_delivery < kConsumerCheckAfter) continue;
      std::string why;
      if (consumer_stalled(subscription.get(), &create_options, received, why) && running()) {
        spdlog::warn("input {}: partition {}: consumer on {} stalled ({}); making it again",
                     config_.name, partition.number, partition.stream, why);
        subscription.reset();
      }
      last_delivery = std::chrono::steady_clock::now();
      continue;
    }
    if (status != NATS_OK) {
      natsMsgList_Destroy(&list);
      // The connection is down (libnats reconnects) or the consumer is gone: make it again.
      subscription.reset();
      std::this_thread::sleep_for(kRetryDelay);
      continue;
    }
    fetch_batch_.Observe(list.Count);
    last_delivery = std::chrono::steady_clock::now();
    const runtime::Arrival arrival = runtime::Arrival::now();
    for (int i = 0; i < list.Count && running(); ++i) {
      natsMsg* msg = list.Msgs[i];
      jsMsgMetaData* raw_meta = nullptr;
      if (natsMsg_GetMetaData(&raw_meta, msg) != NATS_OK) continue;  // not a stream message
      nats::MessageMetadata meta(raw_meta);
      if (meta->Sequence.Consumer != received + 1) {
        spdlog::warn(
            "input {}: partition {}: consumer on {} delivered #{} after #{} (lost on "
            "the way); making it again after seq {}",
            config_.name, partition.number, partition.stream, meta->Sequence.Consumer, received,
            last_seq);
        subscription.reset();
        break;
      }
      received = meta->Sequence.Consumer;
      Message message{
          partition.number,
          epoch,
          meta->Sequence.Stream,
          meta->Timestamp,
          meta->NumPending,
          !maps_here(natsMsg_GetSubject(msg), partition.number),
          arrival,
          std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)))};
      message.arrival.partition = static_cast<std::int32_t>(partition.number);
      message.arrival.stream_seq = message.seq;
      message.arrival.replay = message.seq <= replay_until;
      if (message.arrival.replay) {
        message.arrival.stream_time_ns = message.time_ns;
        message.arrival.reported_before_ns = reported_before_ns;
      }
      last_seq = message.seq;
      if (!push(partition, std::move(message))) break;
    }
    natsMsgList_Destroy(&list);
  }
}

bool JetStreamInput::push(Partition& partition, Message&& message) {
  std::unique_lock lock(queue_mutex_);
  queue_space_.wait(lock, [&] {
    return stopping_ || partition.stop_fetch || partition.queue.size() < queue_share_;
  });
  if (stopping_ || partition.stop_fetch) return false;
  partition.queue.push_back(std::move(message));
  ++queued_;
  if (!drain_posted_) {
    drain_posted_ = true;
    boost::asio::post(reactor_.io(), [this] { drain(); });
  }
  return true;
}

}  // namespace lull::daemon
