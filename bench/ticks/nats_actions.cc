// nats_actions.cc: see nats_actions.h.
#include "bench/ticks/nats_actions.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "daemon/nats/nats_handles.h"

namespace lull::bench {

namespace nats = lull::daemon::nats;

namespace {
constexpr const char* kActionSubjects = "lull.actions.>";
constexpr int kErrorsReported = 5;

// The stream's info, or null if it does not exist.
nats::StreamInfo stream_info(jsCtx& js, const std::string& stream) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus status = js_GetStreamInfo(&info, &js, stream.c_str(), nullptr, &code);
  if (status == NATS_NOT_FOUND || code == JSStreamNotFoundErr) return nullptr;
  nats::check(status, "stream info of " + stream, code);
  return nats::StreamInfo(info);
}
}  // namespace

struct NatsActionSource::State {
  nats::Connection connection;
  nats::JetStream js;
  nats::Subscription subscription;
  nats::Message current;  // the last message returned by next()
  std::uint64_t start_sequence = 0;
  bool created = false;
  std::uint64_t errors = 0;
};

NatsActionSource::NatsActionSource(const std::string& url, const std::string& stream)
    : state_(std::make_unique<State>()) {
  State& state = *state_;
  state.connection = nats::connect({url}, "lull-ticks sink");
  state.js = nats::jetstream(*state.connection);
  nats::StreamInfo info = stream_info(*state.js, stream);
  if (!info) {
    jsStreamConfig config;
    nats::check(jsStreamConfig_Init(&config), "stream config");
    config.Name = stream.c_str();
    const char* subjects[] = {kActionSubjects};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_MemoryStorage;
    jsStreamInfo* created = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus status = js_AddStream(&created, state.js.get(), &config, nullptr, &code);
    if (status == NATS_OK) {
      info.reset(created);
      state.created = true;
    } else if (code == JSStreamNameExistErr) {  // created meanwhile by someone else
      info = stream_info(*state.js, stream);
    }
    if (!info) nats::check(status, "creating stream " + stream, code);
  }
  state.start_sequence = info->State.LastSeq + 1;

  jsSubOptions options;
  nats::check(jsSubOptions_Init(&options), "subscription options");
  options.Stream = stream.c_str();
  options.Ordered = true;
  options.Config.DeliverPolicy = js_DeliverByStartSequence;
  options.Config.OptStartSeq = state.start_sequence;
  natsSubscription* subscription = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  nats::check(
      js_SubscribeSync(&subscription, state.js.get(), kActionSubjects, nullptr, &options, &code),
      "ordered consumer on " + stream, code);
  state.subscription.reset(subscription);
  // The actions of a long run all wait here if the sink falls behind: no limit.
  nats::check(natsSubscription_SetPendingLimits(subscription, -1, -1), "pending limits");
}

NatsActionSource::~NatsActionSource() = default;

bool NatsActionSource::next(int timeout_ms, std::string_view& data, bool& has_msg_id) {
  State& state = *state_;
  state.current.reset();
  natsMsg* message = nullptr;
  const natsStatus status =
      natsSubscription_NextMsg(&message, state.subscription.get(), timeout_ms);
  if (status == NATS_TIMEOUT) return false;
  if (status != NATS_OK) {
    if (++state.errors <= kErrorsReported) {
      std::fprintf(stderr, "lull-ticks: reading actions: %s\n", natsStatus_GetText(status));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // it may fail at once again
    return false;
  }
  state.current.reset(message);
  data = std::string_view(natsMsg_GetData(message),
                          static_cast<std::size_t>(natsMsg_GetDataLength(message)));
  const char* id = nullptr;
  has_msg_id = natsMsgHeader_Get(message, "Nats-Msg-Id", &id) == NATS_OK && id && *id;
  return true;
}

std::uint64_t NatsActionSource::start_sequence() const {
  return state_->start_sequence;
}
bool NatsActionSource::created() const {
  return state_->created;
}
std::uint64_t NatsActionSource::errors() const {
  return state_->errors;
}

}  // namespace lull::bench
