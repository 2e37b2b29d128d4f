// jetstream_sink.cc: the queue the reactor fills and the publisher thread that empties it.
#include "daemon/actions/jetstream_sink.h"

#include <optional>

#include <spdlog/spdlog.h>

#include "daemon/nats/nats_handles.h"

namespace lull::daemon {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRetryDelay = std::chrono::milliseconds(200);

}  // namespace

struct JetStreamSink::Shared {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Item> queue;              // not yet taken by the publisher, in emit order
  std::optional<std::uint64_t> taken;  // the ticket being published
  bool stopping = false;
  Clock::time_point deadline;  // with stopping: drop what is left after it
  // Reactor thread only: keeps the reactor running while stop() flushes.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard;
};

JetStreamSink::JetStreamSink(const config::ActionConfig& config, boost::asio::io_context& io,
                             prometheus::Registry& registry)
    : config_(config),
      io_(io),
      metrics_(registry, config.name, /*queued=*/true),
      duplicates_(prometheus::BuildCounter()
                      .Name("lull_actions_duplicate_suppressed_total")
                      .Help("Actions a jetstream sink published that the server had already "
                            "(same Nats-Msg-Id within its duplicates window): repeats of a "
                            "rebuild or restart, kept out of the action stream")
                      .Register(registry)
                      .Add({{"action", config.name}})),
      run_id_(std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count())),
      shared_(std::make_shared<Shared>()) {
  metrics_.connected->Set(0);
  metrics_.queue_depth->Set(0);
}

JetStreamSink::~JetStreamSink() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    shared_->deadline = Clock::now();
    shared_->wake.notify_all();
  }
  if (publisher_.joinable()) publisher_.join();
}

void JetStreamSink::start() {
  if (!publisher_.joinable()) publisher_ = std::thread([this] { run_publisher(); });
}

std::string JetStreamSink::message_id(std::string_view json, const runtime::Arrival& arrival) {
  if (arrival.partition < 0) return {};
  constexpr std::string_view kPrefix = "{\"rule\":\"";
  if (!json.starts_with(kPrefix)) return {};
  json.remove_prefix(kPrefix.size());
  // Rule names are letters, digits, '_', '.', '-' (config): never escaped in JSON.
  const std::string_view rule = json.substr(0, json.find('"'));
  return std::string(rule) + "/" + std::to_string(arrival.partition) + "/" +
         std::to_string(arrival.stream_seq);
}

void JetStreamSink::emit(std::string_view json, const runtime::Arrival& arrival,
                         runtime::DurationMetric latency) {
  const std::uint64_t ticket = ++emitted_;
  std::lock_guard lock(shared_->mutex);
  if (shared_->stopping) {
    metrics_.dropped.Increment();
    return;
  }
  const std::size_t depth = shared_->queue.size() + (shared_->taken ? 1 : 0);
  if (depth >= config_.queue) {
    // The publish under way is never dropped: it may be acknowledged already.
    if (config_.drop == config::DropPolicy::kDropNewest || shared_->queue.empty()) {
      metrics_.dropped.Increment();
      return;
    }
    shared_->queue.pop_front();
    metrics_.dropped.Increment();
  }
  constexpr std::string_view kRulePrefix = "{\"rule\":\"";
  std::string_view rule = json.substr(std::min(json.size(), kRulePrefix.size()));
  rule = rule.substr(0, rule.find('"'));
  std::string id = message_id(json, arrival);
  // Not from a stream: still an id of its own, so that a publish retried after a lost PubAck
  // (libnats may have sent the first copy from its reconnect buffer) is stored once.
  if (id.empty()) id = std::string(rule) + "/" + run_id_ + "/" + std::to_string(ticket);
  shared_->queue.push_back(Item{config_.subject + "." + std::string(rule), std::string(json),
                                std::move(id), arrival, latency, ticket});
  metrics_.queue_depth->Set(static_cast<double>(shared_->queue.size() + (shared_->taken ? 1 : 0)));
  shared_->wake.notify_one();
}

void JetStreamSink::stop(std::chrono::milliseconds bound) {
  std::lock_guard lock(shared_->mutex);
  if (shared_->stopping) return;
  shared_->stopping = true;
  shared_->deadline = Clock::now() + bound;
  if (publisher_.joinable() && (!shared_->queue.empty() || shared_->taken)) {
    shared_->guard.emplace(io_.get_executor());
  }
  shared_->wake.notify_all();
}

std::uint64_t JetStreamSink::settled_through() const {
  std::lock_guard lock(shared_->mutex);
  if (shared_->taken) return *shared_->taken - 1;
  if (!shared_->queue.empty()) return shared_->queue.front().ticket - 1;
  return emitted_;
}

void JetStreamSink::run_publisher() {
  Shared& shared = *shared_;
  auto past_deadline = [&shared] {  // with shared.mutex held
    return shared.stopping && Clock::now() >= shared.deadline;
  };
  auto pause = [&shared] {
    std::unique_lock lock(shared.mutex);
    shared.wake.wait_for(lock, kRetryDelay);
  };

  nats::Connection connection;
  nats::JetStream js;
  bool warned = false;
  while (js == nullptr) {
    {
      std::lock_guard lock(shared.mutex);
      if (past_deadline()) break;
    }
    try {
      connection = nats::connect(config_.servers, "lulld action " + config_.name);
      js = nats::jetstream(*connection);
      metrics_.connected->Set(1);
      spdlog::info("action {}: connected to NATS", config_.name);
    } catch (const nats::Error& error) {
      connection.reset();
      if (!warned) spdlog::warn("action {}: {}; retrying", config_.name, error.what());
      warned = true;
      pause();
    }
  }

  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = std::chrono::duration_cast<std::chrono::milliseconds>(kPublishTimeout).count();
  for (;;) {
    Item item;
    {
      std::unique_lock lock(shared.mutex);
      shared.wake.wait(lock, [&shared] { return shared.stopping || !shared.queue.empty(); });
      if (shared.queue.empty() || past_deadline() || js == nullptr) break;
      item = std::move(shared.queue.front());
      shared.queue.pop_front();
      shared.taken = item.ticket;
    }
    bool published = false;
    warned = false;
    for (;;) {
      // While libnats reconnects, a publish goes into its reconnect buffer and times out:
      // wait for the connection instead of piling up copies there.
      if (natsConnection_Status(connection.get()) != NATS_CONN_STATUS_CONNECTED) {
        metrics_.connected->Set(0);
        {
          std::lock_guard lock(shared.mutex);
          if (past_deadline()) break;
        }
        pause();
        continue;
      }
      natsMsg* raw = nullptr;
      nats::check(natsMsg_Create(&raw, item.subject.c_str(), nullptr, item.json.data(),
                                 static_cast<int>(item.json.size())),
                  "action message");
      nats::Message message(raw);
      natsMsgHeader_Set(message.get(), "Nats-Msg-Id", item.id.c_str());
      jsPubAck* raw_ack = nullptr;
      jsErrCode code{};
      const natsStatus status = js_PublishMsg(&raw_ack, js.get(), message.get(), &options, &code);
      nats::PubAck ack(raw_ack);
      if (status == NATS_OK) {
        published = true;
        metrics_.connected->Set(1);
        if (ack->Duplicate) duplicates_.Increment();
        break;
      }
      // Timeout, no responders (an election), a lost connection: the same action again,
      // so that order holds. An error the server gave for this message (a stream that
      // does not capture the subject) is retried too, and logged, since a fixed config
      // needs no restart of the sink.
      if (!warned) {
        spdlog::warn("action {}: publish to {} failed: {}; retrying", config_.name, item.subject,
                     nats::Error("publish", status, code).what());
        warned = true;
      }
      {
        std::lock_guard lock(shared.mutex);
        if (past_deadline()) break;
      }
      pause();
    }
    const auto now = Clock::now();
    if (published) {
      metrics_.delivered.Increment();
      boost::asio::post(io_, [latency = item.latency, arrival = item.arrival.steady,
                              now]() mutable { latency.record(now - arrival, now); });
    } else {
      metrics_.dropped.Increment();
    }
    std::lock_guard lock(shared.mutex);
    shared.taken.reset();
    metrics_.queue_depth->Set(static_cast<double>(shared.queue.size()));
  }

  // Stopping: what is left is lost, and counted.
  std::lock_guard lock(shared.mutex);
  if (!shared.queue.empty()) {
    spdlog::warn("action {}: stopped with {} actions unpublished, counted as dropped", config_.name,
                 shared.queue.size());
    metrics_.dropped.Increment(static_cast<double>(shared.queue.size()));
    shared.queue.clear();
  }
  metrics_.queue_depth->Set(0);
  metrics_.connected->Set(0);
  if (connection != nullptr) natsConnection_FlushTimeout(connection.get(), 1000);
  boost::asio::post(io_, [shared = shared_] { shared->guard.reset(); });
}

}  // namespace lull::daemon
