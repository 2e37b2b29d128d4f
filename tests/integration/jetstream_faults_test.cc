// jetstream_faults_test.cc: the real lulld and a real nats-server, with faults: NATS not up
// when lulld starts, NATS going away mid-stream and coming back (file-backed store kept),
// messages lost on a connection that then drops, two instances configured to own one
// partition (the later one fences the earlier), and the jetstream action sink holding actions
// through an outage. Every wait is bounded.
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"
#include "daemon/nats/setup.h"
#include "tests/integration/jetstream_support.h"
#include "tests/support/line_server.h"
#include "tests/support/nats_server.h"
#include "tests/support/net.h"
#include "tests/support/tcp_proxy.h"

namespace lull::testing {
namespace {

namespace nats = daemon::nats;
using namespace std::chrono_literals;

constexpr int kTcpKeys = 10;

std::string tcp_key(int i) {
  return "t" + std::to_string(100 + i);
}

std::string live(int partition) {
  return "partition=\"" + std::to_string(partition) + "\",state=\"live\"";
}

class JetStreamFaultTest : public OneNatsServerTest {
 protected:
  // The partition streams and KV buckets (file storage).
  void set_up_streams() { testing::set_up_streams({server_->url()}, std::chrono::seconds(10)); }
  // Those, and client_ with a file-backed action stream.
  void set_up_streams_and_actions() {
    set_up_streams();
    client_ = std::make_unique<Client>(server_->url());
    client_->add_action_stream(js_FileStorage);
  }

  std::vector<std::string> actions(std::size_t count) {
    return await_actions(*client_, count, 500ms);
  }

  // Every partition of `instance` live within `timeout`.
  static bool all_live(const Instance& instance, std::chrono::milliseconds timeout) {
    return eventually(
        [&] {
          for (int p = 0; p < static_cast<int>(kPartitions); ++p) {
            if (instance.metric("lull_partition_state", live(p)) != 1) return false;
          }
          return true;
        },
        timeout);
  }

  // How many times each (key, seq) was acted on.
  static std::map<std::string, int> counts(const std::vector<std::string>& actions) {
    std::map<std::string, int> seen;
    for (const auto& action : actions) ++seen[field(action, "key") + "/" + field(action, "seq")];
    return seen;
  }

  // Sends events of `type` above 100 (each fires) for tcp_key(first) .. tcp_key(first + n - 1).
  static bool send_tcp(std::uint16_t port, int first, int n, int& seq,
                       const std::string& type = "tick") {
    std::string lines;
    for (int i = first; i < first + n; ++i) {
      lines += tick_line(++seq, tcp_key(i), 150, type) + "\n";
    }
    return tcp_send(port, lines);
  }
};

// lulld starts while nats-server is down: it serves metrics, reports the input disconnected,
// and its tcp input fires actions; once the server is up, it reads NATS too.
TEST_F(JetStreamFaultTest, StartsWithoutNatsAndReadsItOnceItIsUp) {
  server_->stop();
  LineServer sink(0);
  sink.start();
  const std::uint16_t tcp_port = free_port();
  Instance a({server_->url(), {0, 1, 2, 3}, "100ms", tcp_port, sink.port()});
  ASSERT_NO_FATAL_FAILURE(a.start_unconnected());
  EXPECT_EQ(a.metric("lull_jetstream_connected"), 0) << a.log();

  int tcp_seq = 0;
  ASSERT_TRUE(eventually([&] { return tcp_send(tcp_port, ""); }, 5s));
  ASSERT_TRUE(send_tcp(tcp_port, 0, kTcpKeys, tcp_seq));
  ASSERT_TRUE(eventually([&] { return sink.count() == static_cast<std::size_t>(kTcpKeys); }, 10s))
      << sink.count() << "\n"
      << a.log();
  EXPECT_EQ(a.metric("lull_events_total", "input=\"tcp\""), kTcpKeys);
  EXPECT_EQ(a.metric("lull_jetstream_connected"), 0) << a.log();

  server_->start();
  ASSERT_NO_THROW(set_up_streams());
  client_ = std::make_unique<Client>(server_->url());
  // Connected, and every partition's start position made: a tick from now on is read.
  ASSERT_TRUE(eventually(
      [&] {
        if (a.metric("lull_jetstream_connected") != 1) return false;
        for (int p = 0; p < static_cast<int>(kPartitions); ++p) {
          if (a.metric("lull_partition_state", live(p)) != 1) return false;
        }
        return true;
      },
      20s))
      << a.log();
  std::map<std::string, int> firing;
  for (int i = 0; i < kKeys; ++i) {
    client_->tick(key_name(i), 150);
    firing[key_name(i)] = client_->last_seq();
  }
  ASSERT_TRUE(
      eventually([&] { return sink.count() == static_cast<std::size_t>(kTcpKeys + kKeys); }, 20s))
      << sink.count() << "\n"
      << a.log();
  std::this_thread::sleep_for(300ms);
  const auto lines = sink.lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kTcpKeys + kKeys));
  std::map<std::string, int> nats_seen;
  for (const auto& line : lines) {
    const std::string key = field(line, "key");
    if (key.starts_with("t")) {
      EXPECT_EQ(field(line, "partition"), "") << line;
      continue;
    }
    ++nats_seen[key];
    EXPECT_EQ(std::stoi(field(line, "seq")), firing[key]) << line;
    EXPECT_EQ(field(line, "partition"), std::to_string(nats::partition_of(key, kPartitions)))
        << line;
  }
  EXPECT_EQ(nats_seen.size(), static_cast<std::size_t>(kKeys));
  EXPECT_EQ(a.metric("lull_events_total", "input=\"jetstream\""), kKeys) << a.log();
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// nats-server stops mid-stream and comes back with its store: the input reports the outage,
// the tcp input keeps firing (to a tcp sink: the jetstream sink's own outage is the last test),
// the input reconnects and reads on, and every action is on the (file-backed) action stream
// exactly once.
TEST_F(JetStreamFaultTest, NatsGoingAwayMidStreamLosesAndDoublesNothing) {
  set_up_streams_and_actions();
  LineServer side(0);
  side.start();
  const std::uint16_t tcp_port = free_port();
  Instance a({server_->url(), {0, 1, 2, 3}, "100ms", tcp_port, 0, side.port()});
  ASSERT_NO_FATAL_FAILURE(a.start());
  ASSERT_TRUE(all_live(a, 10s)) << a.log();

  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 150);
  ASSERT_EQ(actions(kKeys).size(), static_cast<std::size_t>(kKeys)) << a.log();

  server_->stop();
  ASSERT_TRUE(eventually([&] { return a.metric("lull_jetstream_connected") == 0; }, 10s))
      << a.log();
  int tcp_seq = 1000;
  ASSERT_TRUE(send_tcp(tcp_port, 0, kTcpKeys, tcp_seq, "side"));
  ASSERT_TRUE(eventually([&] { return side.count() == static_cast<std::size_t>(kTcpKeys); }, 10s))
      << side.count() << "\n"
      << a.log();
  EXPECT_EQ(a.metric("lull_events_total", "input=\"tcp\""), kTcpKeys);
  std::this_thread::sleep_for(3s);  // fetches and commits fail meanwhile
  EXPECT_EQ(a.metric("lull_jetstream_connected"), 0);

  server_->start();
  ASSERT_TRUE(eventually([&] { return a.metric("lull_jetstream_connected") == 1; }, 15s))
      << a.log();
  EXPECT_GE(a.metric("lull_jetstream_reconnects_total"), 1);
  std::map<std::string, int> firing;
  for (int i = kKeys; i < 2 * kKeys; ++i) {
    client_->tick(key_name(i), 150);
    firing[key_name(i)] = client_->last_seq();
  }

  const auto got = actions(2 * kKeys);
  const auto seen = counts(got);
  EXPECT_EQ(got.size(), static_cast<std::size_t>(2 * kKeys)) << a.log();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(2 * kKeys));
  for (const auto& [action, n] : seen) EXPECT_EQ(n, 1) << action;
  for (const auto& [key, seq] : firing) {
    EXPECT_EQ(seen.count(key + "/" + std::to_string(seq)), 1u) << key;
  }
  EXPECT_EQ(a.metric("lull_events_total", "input=\"jetstream\""), 2 * kKeys) << a.log();
  EXPECT_EQ(side.count(), static_cast<std::size_t>(kTcpKeys));
  // The positions are written again.
  const double commits = a.metric("lull_position_commits_total");
  client_->tick(key_name(0), 50);
  EXPECT_TRUE(eventually([&] { return a.metric("lull_position_commits_total") > commits; }, 10s))
      << a.log();
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// lulld's connection goes through a proxy that loses what the server sends for a moment and
// then cuts the connection: the messages delivered meanwhile are gone, and libnats, once
// reconnected, resumes the same consumers after them (AckPolicy none: the server counts them
// consumed). lulld must notice and read them again. Twice: the loss at the end of a burst,
// found by asking the consumer (nothing follows it), and a loss followed by more messages,
// found by the gap in the consumer's sequence.
TEST_F(JetStreamFaultTest, MessagesLostWithAConnectionAreReadAgain) {
  set_up_streams_and_actions();
  TcpProxy proxy(server_->port());
  Instance a({"nats://127.0.0.1:" + std::to_string(proxy.port()), {0, 1, 2, 3}});
  ASSERT_NO_FATAL_FAILURE(a.start());
  ASSERT_TRUE(all_live(a, 10s)) << a.log();
  int next_key = 0;
  int fired = 0;
  auto tick_round = [&] {
    for (int i = 0; i < kKeys; ++i, ++fired) client_->tick(key_name(next_key++), 150);
  };
  auto tick_each_partition_once = [&] {
    for (std::uint32_t p = 0; p < kPartitions; ++p, ++fired) {
      const std::string key = keys_of_partition(p, 1, next_key).front();
      client_->tick(key, 150);
      next_key = std::stoi(key.substr(1)) - 100 + 1;
    }
  };
  // What `publish` sends is lost on the way; then the connection drops, and lulld reconnects
  // through the proxy.
  auto lose = [&](auto publish) {
    proxy.drop_replies(true);
    publish();
    std::this_thread::sleep_for(300ms);
    const double reconnects = a.metric("lull_jetstream_reconnects_total");
    proxy.cut();
    proxy.drop_replies(false);
    ASSERT_TRUE(
        eventually([&] { return a.metric("lull_jetstream_reconnects_total") > reconnects; }, 10s))
        << a.log();
  };

  tick_round();
  ASSERT_EQ(actions(fired).size(), static_cast<std::size_t>(fired)) << a.log();
  // A waiting pull request takes each partition's one message: none follows it.
  ASSERT_NO_FATAL_FAILURE(lose(tick_each_partition_once));
  EXPECT_EQ(actions(fired).size(), static_cast<std::size_t>(fired)) << a.log();
  EXPECT_NE(a.log().find("delivered, not received"), std::string::npos) << a.log();

  tick_round();
  ASSERT_NO_FATAL_FAILURE(lose(tick_round));
  tick_round();  // at once: its first message shows the gap, before any consumer check
  const auto got = actions(fired);
  const auto seen = counts(got);
  EXPECT_EQ(got.size(), static_cast<std::size_t>(fired)) << a.log();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(fired));
  for (const auto& [action, n] : seen) EXPECT_EQ(n, 1) << action;
  EXPECT_NE(a.log().find("(lost on the way)"), std::string::npos) << a.log();
  EXPECT_EQ(a.metric("lull_partition_handoffs_total", "reason=\"fenced\""), 0) << a.log();
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// A position write whose reply is lost (applied by the server, the reply gone with the
// connection) leaves lulld without the revision it wrote. That is no fence: lulld keeps its
// partitions, and every later tick fires once.
TEST_F(JetStreamFaultTest, APositionWriteWhoseReplyIsLostIsNoFence) {
  set_up_streams_and_actions();
  TcpProxy proxy(server_->port());
  Instance a({"nats://127.0.0.1:" + std::to_string(proxy.port()), {0, 1, 2, 3}});
  ASSERT_NO_FATAL_FAILURE(a.start());
  ASSERT_TRUE(all_live(a, 10s)) << a.log();
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 150);
  ASSERT_EQ(actions(kKeys).size(), static_cast<std::size_t>(kKeys)) << a.log();
  // Each partition's next event and, within a commit interval, its position write.
  const double commits = a.metric("lull_position_commits_total");
  for (std::uint32_t p = 0; p < kPartitions; ++p) client_->tick(keys_of_partition(p, 1)[0], 50);
  proxy.drop_replies(true);
  std::this_thread::sleep_for(500ms);
  const double reconnects = a.metric("lull_jetstream_reconnects_total");
  proxy.cut();
  proxy.drop_replies(false);
  ASSERT_TRUE(
      eventually([&] { return a.metric("lull_jetstream_reconnects_total") > reconnects; }, 10s))
      << a.log();
  ASSERT_TRUE(eventually([&] { return a.metric("lull_position_commit_failures_total") >= 1; }, 10s))
      << "no position write was in flight: the test did not test\n"
      << a.log();

  for (int i = kKeys; i < 2 * kKeys; ++i) client_->tick(key_name(i), 150);
  const auto got = actions(2 * kKeys);
  EXPECT_EQ(got.size(), static_cast<std::size_t>(2 * kKeys)) << a.log();
  for (const auto& [action, n] : counts(got)) EXPECT_EQ(n, 1) << action;
  EXPECT_TRUE(eventually([&] { return a.metric("lull_position_commits_total") > commits; }, 10s))
      << a.log();
  EXPECT_EQ(a.metric("lull_partition_handoffs_total", "reason=\"fenced\""), 0) << a.log();
  EXPECT_EQ(a.metric("lull_partitions_owned"), kPartitions) << a.log();
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// Two instances configured to own partition 0: the later one fences it, the earlier one's
// next position commit fails and it stops reading; from then on, partition 0's actions come
// once, from the later one.
TEST_F(JetStreamFaultTest, TheLaterOwnerFencesTheEarlierOne) {
  set_up_streams();
  client_ = std::make_unique<Client>(server_->url());
  LineServer sink_a(0);
  LineServer sink_b(0);
  sink_a.start();
  sink_b.start();
  Instance a({server_->url(), {0}, "100ms", 0, sink_a.port()});
  Instance b({server_->url(), {0}, "100ms", 0, sink_b.port()});
  ASSERT_NO_FATAL_FAILURE(a.start());
  ASSERT_TRUE(eventually([&] { return a.metric("lull_partition_state", live(0)) == 1; }, 10s))
      << a.log();
  ASSERT_NO_FATAL_FAILURE(b.start());

  // The first event after b took over: both read it, a's commit of it fails.
  const auto keys = keys_of_partition(0, 11);
  client_->tick(keys[0], 150);
  ASSERT_TRUE(eventually(
      [&] { return a.metric("lull_partition_handoffs_total", "reason=\"fenced\"") == 1; }, 10s))
      << a.log();
  EXPECT_GE(a.metric("lull_position_commit_failures_total"), 1);
  EXPECT_EQ(a.metric("lull_partitions_owned"), 0);
  EXPECT_EQ(a.metric("lull_partition_state", live(0)), 0);
  ASSERT_TRUE(eventually([&] { return sink_b.count() == 1; }, 10s)) << b.log();
  const std::size_t a_actions = sink_a.count();  // 0 or 1: a zombie's window
  EXPECT_LE(a_actions, 1u);
  const double a_events = a.metric("lull_events_total");

  for (std::size_t i = 1; i < keys.size(); ++i) client_->tick(keys[i], 150);
  ASSERT_TRUE(eventually([&] { return sink_b.count() == keys.size(); }, 10s))
      << sink_b.count() << "\n"
      << b.log();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(sink_b.count(), keys.size());
  std::set<std::string> keys_b;
  for (const auto& line : sink_b.lines()) keys_b.insert(field(line, "key"));
  EXPECT_EQ(keys_b.size(), keys.size());
  EXPECT_EQ(sink_a.count(), a_actions) << a.log();
  EXPECT_EQ(a.metric("lull_events_total"), a_events) << a.log();
  EXPECT_EQ(b.metric("lull_partition_handoffs_total", "reason=\"fenced\""), 0) << b.log();
  EXPECT_EQ(b.metric("lull_partitions_owned"), 1);
  EXPECT_EQ(b.metric("lull_position_commit_failures_total"), 0) << b.log();
  EXPECT_EQ(b.stop(), 0) << b.log();
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// The jetstream sink through an outage: actions queue (none dropped), the sink reports itself
// disconnected, and each action reaches the action stream once when the server is back.
TEST_F(JetStreamFaultTest, TheSinkHoldsActionsThroughAnOutage) {
  client_ = std::make_unique<Client>(server_->url());
  client_->add_action_stream(js_FileStorage);
  const std::uint16_t tcp_port = free_port();
  Instance a({server_->url(), {}, "100ms", tcp_port, 0});
  ASSERT_NO_FATAL_FAILURE(a.start_unconnected());
  ASSERT_TRUE(eventually(
      [&] { return a.metric("lull_action_sink_connected", "action=\"out\"") == 1; }, 10s))
      << a.log();
  int seq = 0;
  ASSERT_TRUE(send_tcp(tcp_port, 0, 5, seq));
  ASSERT_EQ(actions(5).size(), 5u) << a.log();

  server_->stop();
  constexpr int kDown = 20;
  ASSERT_TRUE(send_tcp(tcp_port, 5, kDown, seq));
  ASSERT_TRUE(eventually([&] { return a.metric("lull_rule_fired_total") == 5 + kDown; }, 10s))
      << a.log();
  EXPECT_GT(a.metric("lull_action_queue_depth", "action=\"out\""), 0);
  std::this_thread::sleep_for(3s);  // longer than a publish waits for its PubAck
  EXPECT_EQ(a.metric("lull_action_queue_depth", "action=\"out\""), kDown);
  EXPECT_EQ(a.metric("lull_action_sink_connected", "action=\"out\""), 0);
  EXPECT_EQ(a.metric("lull_action_queue_dropped_total", "action=\"out\""), 0);

  server_->start();
  const auto got = actions(5 + kDown);
  const auto seen = counts(got);
  EXPECT_EQ(got.size(), static_cast<std::size_t>(5 + kDown)) << a.log();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(5 + kDown));
  for (const auto& [action, n] : seen) EXPECT_EQ(n, 1) << action;
  EXPECT_TRUE(
      eventually([&] { return a.metric("lull_action_queue_depth", "action=\"out\"") == 0; }, 10s));
  EXPECT_EQ(a.metric("lull_action_queue_dropped_total", "action=\"out\""), 0);
  EXPECT_EQ(a.metric("lull_actions_total", "action=\"out\""), 5 + kDown);
  EXPECT_EQ(a.metric("lull_action_sink_connected", "action=\"out\""), 1);
  EXPECT_EQ(a.stop(), 0) << a.log();
}

}  // namespace
}  // namespace lull::testing
