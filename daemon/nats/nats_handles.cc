#include "daemon/nats/nats_handles.h"

namespace lull::daemon::nats {

namespace {
std::string describe(std::string_view what, natsStatus status, jsErrCode code) {
  std::string text(what);
  text += ": ";
  text += natsStatus_GetText(status);
  if (code != 0) text += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  // libnats keeps a per-thread detail of the last error ("no responders", a server message).
  if (const char* detail = nats_GetLastError(nullptr); detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  return text;
}
}  // namespace

Error::Error(std::string_view what, natsStatus status, jsErrCode code)
    : std::runtime_error(describe(what, status, code)), status_(status), code_(code) {}

Connection connect(const std::vector<std::string>& servers, const std::string& name,
                   int timeout_ms) {
  natsOptions* raw_options = nullptr;
  check(natsOptions_Create(&raw_options), "nats options");
  Options options(raw_options);
  std::vector<const char*> urls;
  for (const auto& server : servers) urls.push_back(server.c_str());
  check(natsOptions_SetServers(options.get(), urls.data(), static_cast<int>(urls.size())),
        "nats servers");
  check(natsOptions_SetName(options.get(), name.c_str()), "nats client name");
  check(natsOptions_SetTimeout(options.get(), timeout_ms), "nats connect timeout");
  // Reconnect forever: an outage is reported by metrics, and the fetchers wait it out.
  check(natsOptions_SetMaxReconnect(options.get(), -1), "nats reconnects");
  check(natsOptions_SetReconnectWait(options.get(), 250), "nats reconnect wait");
  check(natsOptions_SetRetryOnFailedConnect(options.get(), false, nullptr, nullptr),
        "nats retry on failed connect");
  natsConnection* raw_connection = nullptr;
  check(natsConnection_Connect(&raw_connection, options.get()), "nats connect");
  return Connection(raw_connection);
}

std::uint64_t reconnects(natsConnection& connection) {
  natsStatistics* raw = nullptr;
  check(natsStatistics_Create(&raw), "nats statistics");
  std::unique_ptr<natsStatistics, Destroyer<natsStatistics, natsStatistics_Destroy>> stats(raw);
  std::uint64_t count = 0;
  check(natsConnection_GetStats(&connection, stats.get()), "nats statistics");
  check(natsStatistics_GetCounts(stats.get(), nullptr, nullptr, nullptr, nullptr, &count),
        "nats statistics");
  return count;
}

JetStream jetstream(natsConnection& connection, int timeout_ms) {
  jsOptions options;
  check(jsOptions_Init(&options), "jetstream options");
  options.Wait = timeout_ms;
  jsCtx* raw = nullptr;
  check(natsConnection_JetStream(&raw, &connection, &options), "jetstream context");
  return JetStream(raw);
}

}  // namespace lull::daemon::nats
