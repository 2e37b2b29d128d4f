// tcp_sink_test.cc: the TCP sink against a loopback server on the same io_context: framing
// and order, a sink down at start, gone mid-stream, or never reading; exact drop counts for
// both policies; backoff growth and reset; latency per delivered action; stop() with and
// without a connection. Every wait is bounded.
#include "daemon/actions/tcp_sink.h"

#include <algorithm>
#include <functional>

#include <gtest/gtest.h>

#include "tests/daemon/actions/sink_test_support.h"

namespace lull::daemon {
namespace {

using namespace lull::daemon::testing;
using config::DropPolicy;
using Clock = std::chrono::steady_clock;

class TcpSinkTest : public SinkFixture {
 protected:
  std::unique_ptr<TcpSink> make_sink(const config::ActionConfig& action) {
    return std::make_unique<TcpSink>(action, io, reactor.timers(), registry);
  }
  void emit(TcpSink& sink, int from, int to, std::size_t size = 0) {
    for (int i = from; i < to; ++i)
      sink.emit(action_line(i, size), runtime::Arrival::now(), latency);
  }
  static std::vector<std::string> expected(int from, int to, std::size_t size = 0) {
    std::vector<std::string> lines;
    for (int i = from; i < to; ++i) lines.push_back(action_line(i, size));
    return lines;
  }
  double latency_sum() { return latency_family.Collect().at(0).metric.at(0).histogram.sample_sum; }
  double series(const std::string& name) { return series_value(registry, name, "sink"); }
};

TEST_F(TcpSinkTest, DeliversEveryActionInOrderAsOneLine) {
  SinkServer server(io);
  auto sink = make_sink(tcp_action(server.port()));
  sink->start();
  emit(*sink, 0, 500);  // before the connection is up: queued
  ASSERT_TRUE(run_until(io, [&] { return sink->connected(); }));
  emit(*sink, 500, 1000);
  ASSERT_TRUE(run_until(io, [&] { return server.lines().size() >= 1000; }));
  run_for(io, 10ms);  // nothing more arrives

  EXPECT_EQ(server.lines(), expected(0, 1000));
  EXPECT_EQ(server.accepted(), 1u);
  EXPECT_EQ(server.connection(0).data.back(), '\n');
  EXPECT_EQ(sink->delivered(), 1000u);
  EXPECT_EQ(sink->dropped(), 0u);
  EXPECT_EQ(sink->queue_depth(), 0u);
  EXPECT_EQ(series("lull_actions_total"), 1000);
  EXPECT_EQ(series("lull_action_queue_dropped_total"), 0);
  EXPECT_EQ(series("lull_action_queue_depth"), 0);
  EXPECT_EQ(series("lull_action_sink_connected"), 1);
  EXPECT_EQ(series("lull_action_sink_reconnects_total"), 0);
}

TEST_F(TcpSinkTest, SinkDownAtStartGetsWhatWasQueuedOnceItIsUp) {
  const std::uint16_t port = unused_port();
  auto sink = make_sink(tcp_action(port));
  sink->start();
  emit(*sink, 0, 200);
  run_for(io, 30ms);
  EXPECT_FALSE(sink->connected());
  EXPECT_GE(sink->connect_attempts(), 2u);
  EXPECT_EQ(sink->queue_depth(), 200u);
  EXPECT_EQ(series("lull_action_queue_depth"), 200);
  EXPECT_EQ(series("lull_action_sink_connected"), 0);

  SinkServer server(io, port);
  ASSERT_TRUE(run_until(io, [&] { return server.lines().size() >= 200; }));
  EXPECT_EQ(server.lines(), expected(0, 200));
  EXPECT_EQ(sink->delivered(), 200u);
  EXPECT_EQ(sink->dropped(), 0u);
  EXPECT_EQ(sink->reconnects(), 0u);  // the first connection is not a reconnect
  EXPECT_EQ(series("lull_action_sink_connected"), 1);
}

TEST_F(TcpSinkTest, SinkGoneMidStreamComesBackAndDeliveryResumes) {
  const std::uint16_t port = unused_port();
  auto first = std::make_unique<SinkServer>(io, port);
  auto sink = make_sink(tcp_action(port));
  sink->start();
  emit(*sink, 0, 100);
  ASSERT_TRUE(run_until(io, [&] { return first->lines().size() >= 100; }));

  first->close();
  ASSERT_TRUE(run_until(io, [&] { return !sink->connected(); }));
  EXPECT_EQ(series("lull_action_sink_connected"), 0);
  emit(*sink, 100, 200);
  run_for(io, 20ms);  // a retry or two fails meanwhile
  EXPECT_EQ(sink->queue_depth(), 100u);

  SinkServer second(io, port);
  ASSERT_TRUE(run_until(io, [&] { return second.lines().size() >= 100; }));
  run_for(io, 10ms);
  EXPECT_EQ(first->lines(), expected(0, 100));
  EXPECT_EQ(second.lines(), expected(100, 200));
  EXPECT_EQ(sink->delivered(), 200u);
  EXPECT_EQ(sink->dropped(), 0u);
  EXPECT_EQ(sink->reconnects(), 1u);
  EXPECT_EQ(series("lull_action_sink_reconnects_total"), 1);
  EXPECT_EQ(series("lull_action_sink_connected"), 1);
}

// The connection breaks while a write is stuck in a full socket buffer: the new connection
// starts with a whole line, right after the last one counted as delivered, and nothing is
// missing from there on.
TEST_F(TcpSinkTest, BrokenConnectionResendsFromTheFirstUndeliveredLineWhole) {
  constexpr int kLines = 3000;
  constexpr std::size_t kSize = 1000;
  SinkServer server(io, 0, /*reading=*/false, /*receive_buffer=*/4096);
  auto sink = make_sink(tcp_action(server.port(), 100'000, DropPolicy::kDropNewest));
  sink->start();
  ASSERT_TRUE(run_until(io, [&] { return sink->connected(); }));
  emit(*sink, 0, kLines, kSize);
  run_for(io, 50ms);
  ASSERT_GT(sink->queue_depth(), 0u) << "the socket buffers took everything";

  server.set_reading(true);
  server.drop_connections();  // unread data: the kernel resets the connection
  ASSERT_TRUE(run_until(io, [&] { return sink->reconnects() == 1 && sink->queue_depth() == 0; }));
  ASSERT_TRUE(run_until(io, [&] {
    auto lines = server.lines();
    return !lines.empty() && lines.back() == action_line(kLines - 1, kSize);
  }));
  const auto resent = server.lines(1);
  ASSERT_FALSE(resent.empty());
  const auto first = static_cast<int>(sink->delivered() - resent.size());
  EXPECT_EQ(resent, expected(first, kLines, kSize));
  EXPECT_EQ(sink->delivered(), static_cast<std::uint64_t>(kLines));
  EXPECT_EQ(sink->dropped(), 0u);
}

TEST_F(TcpSinkTest, FullQueueDropsTheOldest) {
  const std::uint16_t port = unused_port();
  auto sink = make_sink(tcp_action(port, 5, DropPolicy::kDropOldest));
  sink->start();
  emit(*sink, 0, 8);
  EXPECT_EQ(sink->dropped(), 3u);
  EXPECT_EQ(sink->queue_depth(), 5u);
  EXPECT_EQ(series("lull_action_queue_dropped_total"), 3);
  EXPECT_EQ(series("lull_action_queue_depth"), 5);

  SinkServer server(io, port);
  ASSERT_TRUE(run_until(io, [&] { return server.lines().size() >= 5; }));
  run_for(io, 10ms);
  EXPECT_EQ(server.lines(), expected(3, 8));
  EXPECT_EQ(sink->delivered(), 5u);
  EXPECT_EQ(sink->dropped(), 3u);
}

TEST_F(TcpSinkTest, FullQueueDropsTheNewest) {
  const std::uint16_t port = unused_port();
  auto sink = make_sink(tcp_action(port, 5, DropPolicy::kDropNewest));
  sink->start();
  emit(*sink, 0, 8);
  EXPECT_EQ(sink->dropped(), 3u);
  EXPECT_EQ(series("lull_action_queue_dropped_total"), 3);

  SinkServer server(io, port);
  ASSERT_TRUE(run_until(io, [&] { return server.lines().size() >= 5; }));
  run_for(io, 10ms);
  EXPECT_EQ(server.lines(), expected(0, 5));
  EXPECT_EQ(sink->delivered(), 5u);
}

// A sink that accepts and never reads: socket buffers fill, then the queue, then actions
// are dropped; emit() stays quick, the queue stays bounded, and a timer on the reactor
// fires on time meanwhile.
TEST_F(TcpSinkTest, SinkThatNeverReadsNeverBlocksTheReactor) {
  constexpr std::size_t kQueue = 1000;
  SinkServer server(io, 0, /*reading=*/false, /*receive_buffer=*/4096);
  auto sink = make_sink(tcp_action(server.port(), kQueue));
  sink->start();
  ASSERT_TRUE(run_until(io, [&] { return sink->connected(); }));

  int emitted = 0;
  std::size_t deepest = 0;
  Clock::duration slowest_emit{};
  bool producing = true;
  std::function<void()> produce = [&] {
    for (int i = 0; i < 100; ++i) {
      const auto before = Clock::now();
      sink->emit(action_line(emitted++, 1000), runtime::Arrival::now(), latency);
      slowest_emit = std::max(slowest_emit, Clock::now() - before);
      deepest = std::max(deepest, sink->queue_depth());
    }
    if (producing) asio::post(io, produce);
  };
  asio::post(io, produce);

  runtime::Timer probe(io, reactor.timers()), end(io, reactor.timers());
  const auto due = Clock::now() + 100ms;
  Clock::time_point fired{};
  probe.async_wait_until(due, [&](boost::system::error_code error) {
    if (!error) fired = Clock::now();
  });
  end.async_wait_after(300ms, [&](boost::system::error_code) {
    producing = false;
    reactor.stop();
  });
  reactor.run();

  ASSERT_NE(fired, Clock::time_point{});
  // Generous bounds: the machine is shared. A blocked reactor would miss them by seconds.
  EXPECT_LT(fired - due, 100ms);
  EXPECT_LT(slowest_emit, 100ms);
  EXPECT_GT(emitted, static_cast<int>(kQueue) * 2);  // well past the bound (ThreadSanitizer: ~4x)
  EXPECT_LE(deepest, kQueue);
  EXPECT_EQ(sink->queue_depth(), kQueue);
  EXPECT_GT(sink->dropped(), 0u);
  EXPECT_EQ(sink->delivered() + sink->dropped() + sink->queue_depth(),
            static_cast<std::uint64_t>(emitted));
  EXPECT_EQ(series("lull_action_queue_dropped_total"), static_cast<double>(sink->dropped()));
  EXPECT_EQ(series("lull_action_queue_depth"), static_cast<double>(kQueue));
  EXPECT_TRUE(sink->connected());  // full, not gone
}

TEST_F(TcpSinkTest, BackoffDoublesUpToTheMaximumAndResetsOnConnect) {
  const std::uint16_t port = unused_port();
  auto sink = make_sink(tcp_action(port));  // 5 ms .. 40 ms
  sink->start();
  std::vector<Clock::time_point> attempts{Clock::now()};
  std::vector<std::chrono::nanoseconds> next{};
  ASSERT_TRUE(run_until(io, [&] {
    if (sink->connect_attempts() > attempts.size()) {
      attempts.push_back(Clock::now());
      next.push_back(sink->next_backoff());
    }
    return attempts.size() >= 7;
  }));
  // Before attempt k + 1 the sink waited 5, 10, 20, 40, 40, 40 ms.
  const std::vector<std::chrono::milliseconds> waits{5ms, 10ms, 20ms, 40ms, 40ms, 40ms};
  for (std::size_t k = 0; k < waits.size(); ++k) {
    const auto gap = attempts[k + 1] - attempts[k];
    EXPECT_GE(gap, waits[k] - 1ms) << "attempt " << k + 2;
    EXPECT_LT(gap, waits[k] + 60ms) << "attempt " << k + 2;
  }
  // Read as attempt k + 1 started: the wait after it fails.
  const std::vector<std::chrono::nanoseconds> backoffs{10ms, 20ms, 40ms, 40ms, 40ms, 40ms};
  EXPECT_EQ(next, backoffs);

  auto server = std::make_unique<SinkServer>(io, port);
  ASSERT_TRUE(run_until(io, [&] { return sink->connected(); }));
  EXPECT_EQ(sink->next_backoff(), 5ms);

  server->close();
  ASSERT_TRUE(run_until(io, [&] { return !sink->connected(); }));
  const auto lost = Clock::now();
  const auto before = sink->connect_attempts();
  ASSERT_TRUE(run_until(io, [&] { return sink->connect_attempts() > before; }));
  EXPECT_GE(Clock::now() - lost, 4ms);
  EXPECT_EQ(sink->next_backoff(), 10ms);  // started again from 5 ms
}

TEST_F(TcpSinkTest, LatencyIsRecordedOncePerDeliveredAction) {
  const std::uint16_t port = unused_port();
  auto sink = make_sink(tcp_action(port, 50));
  sink->start();
  emit(*sink, 0, 60);  // 10 dropped: no latency for them
  run_for(io, 30ms);
  EXPECT_EQ(latency_count(), 0u);

  SinkServer server(io, port);
  ASSERT_TRUE(run_until(io, [&] { return sink->delivered() == 50; }));
  ASSERT_TRUE(run_until(io, [&] { return sink->connected(); }));
  emit(*sink, 60, 70);
  ASSERT_TRUE(run_until(io, [&] { return sink->delivered() == 60; }));
  EXPECT_EQ(latency_count(), 60u);
  EXPECT_EQ(sink->dropped(), 10u);
  // The 50 that waited in the queue for at least 30 ms carry that wait.
  EXPECT_GE(latency_sum(), 50 * 0.030);
}

TEST_F(TcpSinkTest, StopFlushesAConnectedSinkThenCloses) {
  SinkServer server(io);
  auto sink = make_sink(tcp_action(server.port()));
  sink->start();
  ASSERT_TRUE(run_until(io, [&] { return sink->connected(); }));
  emit(*sink, 0, 500, 200);
  sink->stop(1000ms);
  EXPECT_FALSE(sink->closed());
  ASSERT_TRUE(run_until(io, [&] { return sink->closed(); }));
  ASSERT_TRUE(run_until(io, [&] { return server.connection(0).ended; }));
  EXPECT_EQ(server.lines(), expected(0, 500, 200));
  EXPECT_EQ(sink->delivered(), 500u);
  EXPECT_EQ(sink->dropped(), 0u);
  EXPECT_EQ(series("lull_action_sink_connected"), 0);

  sink->emit(action_line(500), runtime::Arrival::now(), latency);  // after stop: dropped
  EXPECT_EQ(sink->dropped(), 1u);
}

TEST_F(TcpSinkTest, StopWhileDownCountsLeftoversAndLeavesNoWork) {
  auto sink = make_sink(tcp_action(unused_port()));
  sink->start();
  emit(*sink, 0, 20);
  run_for(io, 10ms);
  sink->stop(100ms);
  EXPECT_TRUE(sink->closed());
  EXPECT_EQ(sink->dropped(), 20u);
  EXPECT_EQ(sink->queue_depth(), 0u);
  EXPECT_EQ(series("lull_action_queue_dropped_total"), 20);
  EXPECT_EQ(series("lull_action_queue_depth"), 0);
  // No timer or socket of the sink is left: the io_context runs dry at once.
  const auto before = Clock::now();
  io.restart();
  io.run_for(2s);
  EXPECT_LT(Clock::now() - before, 1s);
}

TEST_F(TcpSinkTest, StopBoundEndsAFlushTheSinkNeverReads) {
  SinkServer server(io, 0, /*reading=*/false, /*receive_buffer=*/4096);
  auto sink = make_sink(tcp_action(server.port(), 100'000));
  sink->start();
  ASSERT_TRUE(run_until(io, [&] { return sink->connected(); }));
  emit(*sink, 0, 5000, 1000);
  run_for(io, 30ms);
  const auto left = sink->queue_depth();
  ASSERT_GT(left, 0u);
  const auto stopped = Clock::now();
  sink->stop(50ms);
  ASSERT_TRUE(run_until(io, [&] { return sink->closed(); }));
  EXPECT_GE(Clock::now() - stopped, 49ms);
  EXPECT_EQ(sink->queue_depth(), 0u);
  EXPECT_EQ(sink->delivered() + sink->dropped(), 5000u);
  EXPECT_GE(sink->dropped(), 1u);
}

TEST_F(TcpSinkTest, SinksShareTheFamiliesOfOneRegistry) {
  SinkServer server(io);
  auto a = tcp_action(server.port());
  a.name = "a";
  auto b = tcp_action(server.port());
  b.name = "b";
  auto sink_a = make_sink(a);
  auto sink_b = make_sink(b);
  sink_a->start();
  sink_b->start();
  sink_a->emit(action_line(1), runtime::Arrival::now(), latency);
  ASSERT_TRUE(run_until(io, [&] { return sink_a->delivered() == 1 && sink_b->connected(); }));
  EXPECT_EQ(series_value(registry, "lull_actions_total", "a"), 1);
  EXPECT_EQ(series_value(registry, "lull_actions_total", "b"), 0);
  EXPECT_EQ(series_value(registry, "lull_action_sink_connected", "b"), 1);
}

}  // namespace
}  // namespace lull::daemon
