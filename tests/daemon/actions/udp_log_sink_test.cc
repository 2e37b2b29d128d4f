// udp_log_sink_test.cc: one datagram per action and counted send failures (UDP); one log
// line per action at the configured level, and a filtered level counted as dropped (log);
// the factory's choice of sink.
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "daemon/actions/log_sink.h"
#include "daemon/actions/tcp_sink.h"
#include "daemon/actions/udp_sink.h"
#include "tests/daemon/actions/sink_test_support.h"

namespace lull::daemon {
namespace {

using namespace lull::daemon::testing;
using udp = asio::ip::udp;

class SinkTest : public SinkFixture {
 protected:
  config::ActionConfig action(config::ActionType type, std::uint16_t port = 0) {
    config::ActionConfig action;
    action.name = "act";
    action.type = type;
    action.target = {"127.0.0.1", port};
    return action;
  }
};

TEST_F(SinkTest, UdpSendsOneDatagramPerAction) {
  udp::socket receiver(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  receiver.set_option(asio::socket_base::receive_buffer_size(1 << 20));
  UdpSink sink(action(config::ActionType::kUdp, receiver.local_endpoint().port()), io, registry);
  sink.start();
  for (int i = 0; i < 100; ++i) sink.emit(action_line(i), runtime::Arrival::now(), latency);

  receiver.non_blocking(true);
  std::vector<std::string> datagrams;
  std::array<char, 65536> buffer;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (datagrams.size() < 100 && std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code error;
    const std::size_t n = receiver.receive(asio::buffer(buffer), 0, error);
    if (error == asio::error::would_block) {
      std::this_thread::sleep_for(1ms);
      continue;
    }
    ASSERT_FALSE(error) << error.message();
    datagrams.emplace_back(buffer.data(), n);
  }
  ASSERT_EQ(datagrams.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(datagrams[i], action_line(i) + "\n");
  EXPECT_EQ(sink.delivered(), 100u);
  EXPECT_EQ(sink.dropped(), 0u);
  EXPECT_EQ(latency_count(), 100u);
  EXPECT_EQ(series_value(registry, "lull_actions_total", "act"), 100);
  EXPECT_EQ(series_value(registry, "lull_action_queue_depth", "act"), -1);  // tcp only

  sink.stop(10ms);
  sink.emit(action_line(100), runtime::Arrival::now(), latency);
  EXPECT_EQ(sink.dropped(), 1u);
}

TEST_F(SinkTest, UdpSendsNobodyReceivesAreCountedDrops) {
  UdpSink sink(action(config::ActionType::kUdp, unused_port()), io, registry);
  sink.start();
  // Each refused datagram comes back as ICMP; the kernel reports it on the next send,
  // which then fails and is counted.
  for (int i = 0; i < 10; ++i) {
    sink.emit(action_line(i), runtime::Arrival::now(), latency);
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(sink.dropped(), 1u);
  EXPECT_EQ(sink.delivered() + sink.dropped(), 10u);
  EXPECT_EQ(latency_count(), sink.delivered());
  EXPECT_EQ(series_value(registry, "lull_action_queue_dropped_total", "act"),
            static_cast<double>(sink.dropped()));
}

TEST_F(SinkTest, LogWritesOneLinePerActionAtItsLevel) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "actions", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%l|%v");
  logger->set_level(spdlog::level::info);
  auto config = action(config::ActionType::kLog);
  config.level = "warn";
  LogSink sink(config, registry, logger);
  sink.start();
  sink.emit(action_line(1), runtime::Arrival::now(), latency);
  EXPECT_EQ(out.str(), "warning|action act: " + action_line(1) + "\n");
  EXPECT_EQ(sink.delivered(), 1u);
  EXPECT_EQ(latency_count(), 1u);
  EXPECT_EQ(series_value(registry, "lull_actions_total", "act"), 1);

  config.name = "quiet";
  config.level = "debug";  // below the logger's level: not written, counted as dropped
  LogSink quiet(config, registry, logger);
  quiet.emit(action_line(2), runtime::Arrival::now(), latency);
  EXPECT_EQ(out.str(), "warning|action act: " + action_line(1) + "\n");
  EXPECT_EQ(quiet.dropped(), 1u);
  EXPECT_EQ(series_value(registry, "lull_action_queue_dropped_total", "quiet"), 1);
}

TEST_F(SinkTest, LogRejectsAnUnknownLevel) {
  auto config = action(config::ActionType::kLog);
  config.level = "loud";
  EXPECT_THROW(LogSink(config, registry), std::invalid_argument);
}

TEST_F(SinkTest, FactoryBuildsTheSinkOfTheActionType) {
  auto tcp = make_action_sink(action(config::ActionType::kTcp, 9), io, reactor.timers(), registry);
  auto config = action(config::ActionType::kUdp, 9);
  config.name = "u";
  auto udp_sink = make_action_sink(config, io, reactor.timers(), registry);
  config.type = config::ActionType::kLog;
  config.name = "l";
  auto log = make_action_sink(config, io, reactor.timers(), registry);
  EXPECT_NE(dynamic_cast<TcpSink*>(tcp.get()), nullptr);
  EXPECT_NE(dynamic_cast<UdpSink*>(udp_sink.get()), nullptr);
  EXPECT_NE(dynamic_cast<LogSink*>(log.get()), nullptr);
  EXPECT_EQ(tcp->name(), "act");
  EXPECT_EQ(log->name(), "l");
}

}  // namespace
}  // namespace lull::daemon
