// reload_test.cc: SIGHUP against the real lulld, with a client connection kept open and
// traffic flowing: what a reload keeps (connections, unchanged rules' state, every event),
// what it changes (rules, GC budgets), and that a bad file changes nothing.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/line_server.h"
#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

// min_events 5: five ticks of a key make its window able to fire.
const std::string kJump =
    "  - {name: jump, kind: deviation, match: {type: tick}, field: price, window: 60s,\n"
    "     min_events: 5, threshold: 0.05, action: sink}\n";
const std::string kBigAbove100 =
    "  - {name: big, kind: threshold, match: {type: tick}, field: size, above: 100, "
    "action: sink}\n";
const std::string kBigAbove50 =
    "  - {name: big, kind: threshold, match: {type: tick}, field: size, above: 50, "
    "action: sink}\n";

std::string tick(int seq, const std::string& key, double price, int size) {
  return R"({"seq":)" + std::to_string(seq) + R"(,"ts":)" + std::to_string(1000000 + seq) +
         R"(,"key":")" + key + R"(","type":"tick","price":)" + std::to_string(price) +
         R"(,"size":)" + std::to_string(size) + "}\n";
}

class ReloadTest : public ::testing::Test {
 protected:
  void start(const std::string& rules) {
    sink_ = std::make_unique<LineServer>(free_port_outside_ephemeral_range());
    sink_->start();
    config_path_ = "/tmp/lull-reload-" + std::to_string(getpid()) + ".yaml";
    write_config(rules);
    lulld_ = std::make_unique<Subprocess>(
        std::vector<std::string>{LULLD_PATH, "--config", config_path_});
    ASSERT_TRUE(
        eventually([&] { return http_get(metrics_port_, "/metrics", 200ms).has_value(); }, 10s))
        << lulld_->errors();
    ASSERT_TRUE(eventually([&] { return sink_->connections() == 1; }, 5s));
    client_ = std::make_unique<TcpClient>(event_port_);
    ASSERT_TRUE(client_->connected());
  }
  void TearDown() override {
    client_.reset();
    lulld_.reset();
    unlink(config_path_.c_str());
  }

  void write_config(const std::string& rules, const std::string& extra = "",
                    std::uint16_t event_port = 0) {
    std::ofstream(config_path_) << "inputs:\n  - {type: tcp, listen: 127.0.0.1:"
                                << (event_port ? event_port : event_port_) << "}\n"
                                << "metrics: {listen: 127.0.0.1:" << metrics_port_
                                << "}\n"
                                // A small key table: the idle sweep passes it in one tick.
                                << "state: {max_keys: 1000}\n"
                                << "actions:\n  sink: {type: tcp, target: 127.0.0.1:"
                                << sink_->port() << "}\n"
                                << "rules:\n"
                                << rules << extra;
  }
  // Sends SIGHUP and waits for lulld to log the `outcome` of it ("reloaded" or "reload
  // rejected") once more than before.
  void reload(const std::string& outcome) {
    const std::size_t before = occurrences(lulld_->errors(), outcome);
    lulld_->signal(SIGHUP);
    ASSERT_TRUE(eventually([&] { return occurrences(lulld_->errors(), outcome) > before; }, 10s))
        << lulld_->errors();
  }
  // reload(`outcome`) while a second producer sends 3,000 ticks of other keys over its own
  // connection; returns how many it sent.
  int reload_under_traffic(const std::string& outcome) {
    std::atomic<int> sent{0};
    std::thread producer([&] {
      TcpClient other(event_port_);
      for (int batch = 0; batch < 300; ++batch) {
        std::string lines;
        for (int i = 0; i < 10; ++i) lines += tick(1000 + sent + i, "bg" + std::to_string(i), 1, 1);
        if (!other.send(lines)) return;
        sent += 10;
        std::this_thread::sleep_for(1ms);
      }
    });
    std::this_thread::sleep_for(50ms);
    reload(outcome);
    producer.join();
    return sent;
  }
  static std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
      ++count;
    return count;
  }

  // Five ordinary ticks of m1 (seq 1-5): its jump window can fire from now on.
  void fill_window() {
    std::string lines;
    for (int seq = 1; seq <= 5; ++seq) lines += tick(seq, "m1", 100, 1);
    ASSERT_TRUE(client_->send(lines));
    ASSERT_TRUE(eventually([&] { return metric("lull_events_total", R"(input="tcp")") == 5; }, 5s));
  }
  // The sink's lines from rule `rule` for event `seq`.
  std::size_t actions(const std::string& rule, int seq) {
    const auto lines = sink_->lines();
    const std::string prefix =
        R"({"rule":")" + rule + R"(","key":"m1","seq":)" + std::to_string(seq) + ",";
    return static_cast<std::size_t>(std::count_if(
        lines.begin(), lines.end(), [&](const auto& l) { return l.rfind(prefix, 0) == 0; }));
  }
  double metric(const std::string& name, const std::string& labels = "") {
    auto page = http_get(metrics_port_, "/metrics");
    return page ? metric_value(page->body, name, labels).value_or(-1) : -1;
  }

  std::uint16_t event_port_ = free_port();
  std::uint16_t metrics_port_ = free_port();
  std::string config_path_;
  std::unique_ptr<LineServer> sink_;
  std::unique_ptr<Subprocess> lulld_;
  std::unique_ptr<TcpClient> client_;
};

TEST_F(ReloadTest, UnchangedRulesKeepTheirStateAndNoEventIsLostUnderTraffic) {
  start(kJump + kBigAbove100);
  fill_window();
  write_config(kJump + kBigAbove50);

  EXPECT_EQ(reload_under_traffic("reloaded"), 3000);
  EXPECT_NE(lulld_->errors().find("rules 1 kept, 1 new, 1 removed"), std::string::npos)
      << lulld_->errors();

  // The same connection still works; jump's window of m1 survived (a fresh one would need
  // five ticks before it fires), and big now fires at 60.
  ASSERT_TRUE(client_->send(tick(6, "m1", 120, 60)));
  ASSERT_TRUE(eventually([&] { return actions("jump", 6) == 1 && actions("big", 6) == 1; }, 5s))
      << lulld_->errors();
  EXPECT_EQ(metric("lull_events_total", R"(input="tcp")"), 5 + 3000 + 1);
  EXPECT_EQ(metric("lull_config_last_reload_successful"), 1);
  EXPECT_EQ(sink_->connections(), 1u) << "the unchanged sink kept its connection";
}

TEST_F(ReloadTest, AnInvalidFileIsRejectedAndTheRunningConfigurationStays) {
  start(kJump + kBigAbove100);
  fill_window();
  const double loaded_at = metric("lull_config_last_reload_success_timestamp_seconds");
  EXPECT_GT(loaded_at, 1.7e9);
  write_config(kJump + kBigAbove50, "gc: {quantum: 50 parsecs}\n");
  EXPECT_EQ(reload_under_traffic("reload rejected"), 3000);
  EXPECT_NE(lulld_->errors().find("gc.quantum"), std::string::npos) << lulld_->errors();
  EXPECT_EQ(metric("lull_config_last_reload_successful"), 0);
  EXPECT_EQ(metric("lull_config_last_reload_success_timestamp_seconds"), loaded_at);

  // Still the old rules, with their state: jump fires, big (above 100) does not at 60.
  ASSERT_TRUE(client_->send(tick(6, "m1", 120, 60) + tick(7, "m1", 100, 200)));
  ASSERT_TRUE(eventually([&] { return actions("jump", 6) == 1 && actions("big", 7) == 1; }, 5s));
  EXPECT_EQ(actions("big", 6), 0u);
  EXPECT_EQ(metric("lull_events_total", R"(input="tcp")"), 5 + 3000 + 2);

  write_config(kJump + kBigAbove50);
  reload("reloaded");
  EXPECT_EQ(metric("lull_config_last_reload_successful"), 1);
}

TEST_F(ReloadTest, AChangedRuleStartsEmptyAndItsEventsLeaveTheHeap) {
  start(kJump + kBigAbove100);
  fill_window();
  EXPECT_EQ(metric("lull_state_events"), 5);
  std::string jump_changed = kJump;
  jump_changed.replace(jump_changed.find("0.05"), 4, "0.10");
  write_config(jump_changed + kBigAbove100);
  reload("reloaded");
  // The old jump's window is dropped by the idle-key sweep (every 250 ms).
  EXPECT_TRUE(eventually([&] { return metric("lull_state_events") == 0; }, 5s));

  // 20 % up: the old window would fire; the new, empty one cannot. big, unchanged, fires on
  // the next tick, which orders the check.
  ASSERT_TRUE(client_->send(tick(6, "m1", 120, 1) + tick(7, "m1", 100, 200)));
  ASSERT_TRUE(eventually([&] { return actions("big", 7) == 1; }, 5s));
  EXPECT_EQ(actions("jump", 6), 0u);
  // The action may reach the sink before the handler that fired it updates the gauge.
  EXPECT_TRUE(eventually([&] { return metric("lull_state_events") == 2; }, 5s));

  write_config(kBigAbove100);
  reload("reloaded");
  EXPECT_NE(lulld_->errors().find("rules 1 kept, 0 new, 1 removed"), std::string::npos);
  EXPECT_TRUE(eventually([&] { return metric("lull_state_events") == 0; }, 5s));
}

TEST_F(ReloadTest, GcBudgetsChangeAndRestartOnlySettingsKeepTheirRunningValues) {
  start(kJump);
  EXPECT_DOUBLE_EQ(metric("lull_gc_budget", R"(setting="quantum_seconds")"), 50e-6);
  const std::uint16_t other_port = free_port();
  write_config(kJump, "gc: {quantum: 20us, nursery: 8MiB}\n", other_port);
  reload("reloaded");
  EXPECT_DOUBLE_EQ(metric("lull_gc_budget", R"(setting="quantum_seconds")"), 20e-6);
  EXPECT_DOUBLE_EQ(metric("lull_gc_budget", R"(setting="nursery_bytes")"), 4 << 20);
  const std::string log = lulld_->errors();
  EXPECT_NE(log.find("inputs changed; it takes effect only when lulld restarts"), std::string::npos)
      << log;
  EXPECT_NE(log.find("gc.nursery changed"), std::string::npos) << log;
  EXPECT_TRUE(client_->send(tick(1, "m1", 100, 1)));
  EXPECT_TRUE(tcp_send(event_port_, tick(2, "m1", 100, 1))) << "the running listener stays";
  EXPECT_FALSE(tcp_send(other_port, tick(3, "m1", 100, 1)));
  EXPECT_TRUE(eventually([&] { return metric("lull_events_total", R"(input="tcp")") == 2; }, 5s));
}

// A jetstream input's stream set (partitions, stream_prefix, subject) is shared by every
// instance: a reload that changes it is rejected whole; one that changes only rules applies.
// No NATS server is needed: the input keeps trying to connect meanwhile.
TEST(ReloadStreamSet, AChangedStreamSetIsRejectedWhole) {
  const std::uint16_t metrics_port = free_port();
  const std::string path = "/tmp/lull-reload-js-" + std::to_string(getpid()) + ".yaml";
  auto write = [&](int partitions, double above) {
    std::ofstream(path) << "inputs:\n  - {type: jetstream, servers: [nats://127.0.0.1:1], "
                        << "partitions: " << partitions << ", owned: [0]}\n"
                        << "metrics: {listen: 127.0.0.1:" << metrics_port << "}\n"
                        << "actions:\n  log: {type: log}\n"
                        << "rules:\n  - {name: high, kind: threshold, field: price, above: "
                        << above << ", action: log}\n";
  };
  write(4, 100);
  Subprocess lulld({LULLD_PATH, "--config", path});
  ASSERT_TRUE(
      eventually([&] { return http_get(metrics_port, "/metrics", 200ms).has_value(); }, 10s))
      << lulld.errors();
  auto reload_says = [&](const std::string& outcome) {
    lulld.signal(SIGHUP);
    return eventually([&] { return lulld.errors().find(outcome) != std::string::npos; }, 10s);
  };
  write(8, 100);
  ASSERT_TRUE(reload_says("reload rejected")) << lulld.errors();
  EXPECT_NE(lulld.errors().find("cannot change"), std::string::npos) << lulld.errors();
  write(4, 200);
  ASSERT_TRUE(reload_says("rules 0 kept, 1 new, 1 removed")) << lulld.errors();
  lulld.signal(SIGTERM);
  EXPECT_EQ(lulld.wait(10s), 0) << lulld.errors();
  unlink(path.c_str());
}

}  // namespace
}  // namespace lull::testing
