// action_sink.cc: the factory that turns an `actions:` entry into its sink.
#include "daemon/actions/action_sink.h"

#include <stdexcept>

#include "daemon/actions/jetstream_sink.h"
#include "daemon/actions/log_sink.h"
#include "daemon/actions/tcp_sink.h"
#include "daemon/actions/udp_sink.h"

namespace lull::daemon {

std::unique_ptr<ActionSink> make_action_sink(const config::ActionConfig& config,
                                             boost::asio::io_context& io,
                                             runtime::TimerQueue& timers,
                                             prometheus::Registry& registry) {
  switch (config.type) {
    case config::ActionType::kTcp: return std::make_unique<TcpSink>(config, io, timers, registry);
    case config::ActionType::kUdp: return std::make_unique<UdpSink>(config, io, registry);
    case config::ActionType::kLog: return std::make_unique<LogSink>(config, registry);
    case config::ActionType::kJetStream:
      return std::make_unique<JetStreamSink>(config, io, registry);
  }
  throw std::invalid_argument("action " + config.name + ": unknown type");
}

}  // namespace lull::daemon
