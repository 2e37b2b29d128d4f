// nats_output.cc: see nats_output.h.
#include "bench/ticks/nats_output.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>  // std::greater
#include <limits>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench/ticks/tick_stream.h"
#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"

namespace lull::bench {

namespace nats = lull::daemon::nats;

namespace {

constexpr std::int64_t kFirstBackoffNs = 25'000'000;  // after "no responders": 25 ms, doubling
constexpr std::int64_t kMaxBackoffNs = 500'000'000;   // up to 0.5 s
constexpr std::int64_t kMaxWaitNs = 50'000'000;       // a waiting sender looks again this often

// The connection for publishing. As nats::connect() (reconnects forever), and each publish is
// written to the socket at once (SendAsap): libnats' flusher thread would otherwise hold it
// for up to 1 ms to gather more, and that wait would count in the events' latency.
nats::Connection connect_for_publishing(const std::string& url) {
  natsOptions* raw_options = nullptr;
  nats::check(natsOptions_Create(&raw_options), "nats options");
  nats::Options options(raw_options);
  nats::check(natsOptions_SetURL(options.get(), url.c_str()), "nats url");
  nats::check(natsOptions_SetName(options.get(), "lull-ticks"), "nats client name");
  nats::check(natsOptions_SetTimeout(options.get(), 2000), "nats connect timeout");
  nats::check(natsOptions_SetMaxReconnect(options.get(), -1), "nats reconnects");
  nats::check(natsOptions_SetReconnectWait(options.get(), 250), "nats reconnect wait");
  // While reconnecting, publishes go to this buffer; when it is full they fail and are
  // retried like a publish without an ack.
  nats::check(natsOptions_SetReconnectBufSize(options.get(), 64 << 20), "nats reconnect buffer");
  nats::check(natsOptions_SetSendAsap(options.get(), true), "nats send asap");
  natsConnection* raw_connection = nullptr;
  nats::check(natsConnection_Connect(&raw_connection, options.get()), "nats connect to " + url);
  return nats::Connection(raw_connection);
}

bool retryable(natsStatus status, jsErrCode code) {
  return status == NATS_TIMEOUT || status == NATS_NO_RESPONDERS ||
         status == NATS_INSUFFICIENT_BUFFER || status == NATS_NOT_YET_CONNECTED ||
         (status == NATS_ERR && code == JSClusterNotAvailErr);
}

}  // namespace

struct NatsOutput::State {
  // An event published and not acked yet: in flight in libnats, waiting in `resends`, or
  // being handed to libnats by the sender thread.
  struct Unresolved {
    std::uint64_t seq;
    std::int64_t first_ns;  // its first attempt (CLOCK_REALTIME)
    int attempts;
  };
  struct Resend {
    std::int64_t due_ns;
    natsMsg* message;
    bool operator>(const Resend& other) const { return due_ns > other.due_ns; }
  };

  SharedRun* run;
  std::size_t max_pending;
  std::int64_t retry_for_ns;
  jsPubOptions publish_options;  // MaxWait: the ack timeout

  std::mutex mutex;
  std::condition_variable changed;  // an event was resolved, or a resend was queued
  // Under `mutex`:
  std::unordered_map<natsMsg*, Unresolved> unresolved;  // by message, which stays the same
  std::vector<Resend> resends;                          // a min-heap by due_ns
  // resends.front().due_ns (INT64_MAX if none), for the sender to look at without the mutex.
  std::atomic<std::int64_t> next_due_ns{std::numeric_limits<std::int64_t>::max()};
  LatencyHistogram ack_latency;
  std::vector<std::pair<natsStatus, jsErrCode>> kinds_reported;  // errors reported on stderr
  bool closed = false;  // after finish(): the handler touches nothing

  nats::Connection connection;
  nats::JetStream js;  // after the connection: destroyed first

  // Under `mutex`: `message` failed with `status`: queues it for a resend, or gives it up.
  // Returns the message if it is to be destroyed (after unlocking), else nullptr.
  natsMsg* failed(natsMsg* message, natsStatus status, jsErrCode code, const char* text,
                  std::int64_t now) {
    const auto found = unresolved.find(message);
    if (found == unresolved.end()) return message;
    Unresolved& event = found->second;
    const bool retry = retryable(status, code) && now - event.first_ns < retry_for_ns;
    // The first error of each kind, on stderr; the rest are counted.
    const auto kind = std::make_pair(status, code);
    if (std::find(kinds_reported.begin(), kinds_reported.end(), kind) == kinds_reported.end()) {
      kinds_reported.push_back(kind);
      std::fprintf(stderr, "lull-ticks: publishing event %llu to %s (attempt %d): %s%s%s\n",
                   static_cast<unsigned long long>(event.seq), natsMsg_GetSubject(message),
                   event.attempts, text,
                   status == NATS_NO_RESPONDERS ? " (is there a stream?)" : "",
                   retry ? ", will retry" : ", given up");
    }
    if (!retry) {
      unresolved.erase(found);
      run->sender.publish_failed.fetch_add(1, std::memory_order_relaxed);
      run->sender.unacked.store(unresolved.size(), std::memory_order_relaxed);
      changed.notify_all();
      return message;
    }
    // A timeout has waited long enough already; "no responders" comes back at once while no
    // stream leader is there, so wait a little before the next attempt.
    std::int64_t backoff = 0;
    if (status != NATS_TIMEOUT) {
      backoff = kFirstBackoffNs << std::min(event.attempts - 1, 5);
      backoff = std::min(backoff, kMaxBackoffNs);
    }
    ++event.attempts;
    resends.push_back({now + backoff, message});
    std::push_heap(resends.begin(), resends.end(), std::greater<>());
    next_due_ns.store(resends.front().due_ns, std::memory_order_relaxed);
    changed.notify_all();
    return nullptr;
  }

  // Hands `message` (in `unresolved`) to libnats; called without the mutex. On a failure to
  // hand it over, queues a resend or gives it up; false if the connection is closed for good.
  bool send(natsMsg* message) {
    natsMsg* handed = message;
    const natsStatus status = js_PublishMsgAsync(js.get(), &handed, &publish_options);
    if (status == NATS_OK) return true;  // libnats owns it until the ack handler
    natsMsg* destroy;
    {
      std::lock_guard lock(mutex);
      destroy = failed(message, status, static_cast<jsErrCode>(0), natsStatus_GetText(status),
                       realtime_ns());
    }
    natsMsg_Destroy(destroy);
    return status != NATS_CONNECTION_CLOSED;
  }

  // Under `mutex` (held by `lock`, released around each send): sends again every message whose
  // backoff is over. False if the connection is closed for good.
  bool resend_due(std::unique_lock<std::mutex>& lock) {
    const std::int64_t now = realtime_ns();
    while (!resends.empty() && resends.front().due_ns <= now) {
      std::pop_heap(resends.begin(), resends.end(), std::greater<>());
      natsMsg* message = resends.back().message;
      resends.pop_back();
      next_due_ns.store(
          resends.empty() ? std::numeric_limits<std::int64_t>::max() : resends.front().due_ns,
          std::memory_order_relaxed);
      run->sender.retries.fetch_add(1, std::memory_order_relaxed);
      lock.unlock();
      const bool ok = send(message);
      lock.lock();
      if (!ok) return false;
    }
    return true;
  }

  // Under `mutex`: waits for a change, for the next resend to be due, or kMaxWaitNs.
  void wait(std::unique_lock<std::mutex>& lock) {
    std::int64_t wait_ns = kMaxWaitNs;
    if (!resends.empty())
      wait_ns = std::clamp(resends.front().due_ns - realtime_ns(), std::int64_t{0}, wait_ns);
    changed.wait_for(lock, std::chrono::nanoseconds(wait_ns));
  }

  // libnats' ack handler, on its thread: a PubAck, or an error (a timeout included).
  static void on_ack(jsCtx*, natsMsg* message, jsPubAck* ack, jsPubAckErr* error, void* closure) {
    auto& state = *static_cast<State*>(closure);
    natsMsg* destroy = message;
    {
      std::lock_guard lock(state.mutex);
      if (!state.closed) destroy = state.resolve(message, ack, error);
      // Nothing of `state` is touched after this: once `unresolved` is empty, the sender
      // thread may destroy it.
    }
    natsMsg_Destroy(destroy);
  }

  // Under `mutex`: see on_ack.
  natsMsg* resolve(natsMsg* message, jsPubAck* ack, jsPubAckErr* error) {
    const std::int64_t now = realtime_ns();
    if (ack == nullptr) {
      return failed(message, error->Err, error->ErrCode,
                    error->ErrText ? error->ErrText : natsStatus_GetText(error->Err), now);
    }
    const auto found = unresolved.find(message);
    if (found == unresolved.end()) return message;
    const std::int64_t stall = now - found->second.first_ns;
    ack_latency.record(stall);
    store_max(run->sender.stall_max_ns, stall);
    store_max(run->sender.stall_run_max_ns, stall);
    run->sender.acked.fetch_add(1, std::memory_order_relaxed);
    if (ack->Duplicate) run->sender.duplicates.fetch_add(1, std::memory_order_relaxed);
    unresolved.erase(found);
    run->sender.unacked.store(unresolved.size(), std::memory_order_relaxed);
    changed.notify_all();
    return message;
  }
};

NatsOutput::NatsOutput(const TicksOptions& options, SharedRun& run, std::int64_t t0_ns)
    : state_(std::make_unique<State>()),
      subject_prefix_(options.nats_subject + "."),
      id_prefix_(std::to_string(options.seed) + "-" + std::to_string(t0_ns) + "-") {
  State& state = *state_;
  state.run = &run;
  state.max_pending = static_cast<std::size_t>(options.nats_max_pending);
  state.retry_for_ns = static_cast<std::int64_t>(options.nats_retry_for_s * 1e9);
  nats::check(jsPubOptions_Init(&state.publish_options), "jetstream publish options");
  state.publish_options.MaxWait =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(options.nats_ack_timeout_s * 1e3));

  state.connection = connect_for_publishing(options.nats_url);
  jsOptions js_options;
  nats::check(jsOptions_Init(&js_options), "jetstream options");
  // No bound inside libnats (MaxPending 0): publish() keeps its own, which counts the events
  // waiting for a resend too, and never stalls inside a libnats call.
  js_options.PublishAsync.AckHandler = &State::on_ack;
  js_options.PublishAsync.AckHandlerClosure = &state;
  jsCtx* js = nullptr;
  nats::check(natsConnection_JetStream(&js, state.connection.get(), &js_options),
              "jetstream context");
  state.js.reset(js);
}

NatsOutput::~NatsOutput() {
  bool abandoned;
  {
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
    abandoned = !state_->unresolved.empty();
  }
  if (abandoned) {
    // libnats may still call the handler for an event given up in flight: leave the state
    // (and its connection) as it is, to go with the process.
    static_cast<void>(state_.release());
  }
}

bool NatsOutput::publish(std::uint64_t seq, std::string_view key, std::string_view line) {
  State& state = *state_;
  {
    std::unique_lock lock(state.mutex);
    while (state.unresolved.size() >= state.max_pending) {
      if (!state.resend_due(lock)) return false;
      if (state.unresolved.size() < state.max_pending) break;
      state.wait(lock);
    }
  }
  // A key is one subject token: a '.' would make it two, and no stream would capture it.
  if (!nats::is_subject_token(key)) {
    std::fprintf(stderr, "lull-ticks: event %llu: key \"%.*s\" is not a subject token\n",
                 static_cast<unsigned long long>(seq), static_cast<int>(key.size()), key.data());
    state.run->sender.publish_failed.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const std::string subject = subject_prefix_ + std::string(key);
  const std::string id = id_prefix_ + std::to_string(seq);
  natsMsg* raw = nullptr;
  nats::Message message;
  natsStatus status =
      natsMsg_Create(&raw, subject.c_str(), nullptr, line.data(), static_cast<int>(line.size()));
  message.reset(raw);
  if (status == NATS_OK) status = natsMsgHeader_Set(raw, "Nats-Msg-Id", id.c_str());
  if (status != NATS_OK) {
    std::fprintf(stderr, "lull-ticks: event %llu: %s\n", static_cast<unsigned long long>(seq),
                 natsStatus_GetText(status));
    state.run->sender.publish_failed.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  {
    std::lock_guard lock(state.mutex);
    state.unresolved.emplace(raw, State::Unresolved{seq, realtime_ns(), 1});
    state.run->sender.unacked.store(state.unresolved.size(), std::memory_order_relaxed);
  }
  return state.send(message.release());
}

bool NatsOutput::resend_due() {
  if (state_->next_due_ns.load(std::memory_order_relaxed) > realtime_ns()) return true;
  std::unique_lock lock(state_->mutex);
  return state_->resend_due(lock);
}

std::int64_t NatsOutput::next_resend_ns() {
  return state_->next_due_ns.load(std::memory_order_relaxed);
}

void NatsOutput::finish() {
  State& state = *state_;
  const std::int64_t deadline = realtime_ns() + state.retry_for_ns +
                                state.publish_options.MaxWait * 1'000'000 + 1'000'000'000;
  std::unique_lock lock(state.mutex);
  while (!state.unresolved.empty() && realtime_ns() < deadline) {
    if (!state.resend_due(lock)) break;
    if (state.unresolved.empty()) break;
    state.wait(lock);
  }
  if (!state.unresolved.empty()) {
    std::fprintf(stderr, "lull-ticks: %zu events still without an ack after the retries: failed\n",
                 state.unresolved.size());
    state.run->sender.publish_failed.fetch_add(state.unresolved.size(), std::memory_order_relaxed);
    for (const auto& resend : state.resends) {
      state.unresolved.erase(resend.message);
      natsMsg_Destroy(resend.message);
    }
    state.resends.clear();
    state.next_due_ns.store(std::numeric_limits<std::int64_t>::max(), std::memory_order_relaxed);
  }
  state.closed = true;  // events given up in flight stay in `unresolved`: see the destructor
  state.run->sender.unacked.store(0, std::memory_order_relaxed);
}

const LatencyHistogram& NatsOutput::ack_latency() const {
  return state_->ack_latency;
}

}  // namespace lull::bench
