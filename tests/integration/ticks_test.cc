// ticks_test.cc: the reference workload end to end: the real lulld with a price-jump rule,
// a producer sending ticks over TCP and UDP with known jumps, and a test sink that must
// receive exactly the actions a straightforward reference model of the rule predicts.
// Then the sink goes away and comes back: queued actions arrive, and beyond the queue
// bound the drop counter is exact.
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <deque>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/line_server.h"
#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kBaseTs = 1'732'460'000'000'000'000;

struct Tick {
  std::uint64_t seq;
  std::int64_t ts;
  std::string key;
  double price;
  std::string line() const {
    char price_text[32];
    std::snprintf(price_text, sizeof price_text, "%.4f", price);
    return R"({"seq":)" + std::to_string(seq) + R"(,"ts":)" + std::to_string(ts) + R"(,"key":")" +
           key + R"(","type":"tick","price":)" + price_text + R"(,"size":3})";
  }
};

// Ordinary prices stay within 0.5 % of the key's base; every `jump_every`-th tick jumps 10 %.
std::vector<Tick> make_ticks(int count, int keys, int jump_every, std::uint64_t first_seq,
                             std::int64_t first_ts, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> wiggle(-0.005, 0.005);
  std::vector<Tick> ticks;
  for (int i = 0; i < count; ++i) {
    const int key = i % keys;
    const double base = 100.0 + key;
    const bool jump = (i + 1) % jump_every == 0;
    // Read the price back as the producer's text will have it, so the model and lulld agree.
    double price = std::round(base * (jump ? 1.10 : 1.0 + wiggle(random)) * 1e4) / 1e4;
    ticks.push_back({first_seq + static_cast<std::uint64_t>(i), first_ts + i * 1'000'000LL,
                     "m" + std::to_string(key), price});
  }
  return ticks;
}

// The rule, written the obvious way: the seqs that must fire.
class ReferenceModel {
 public:
  std::vector<std::uint64_t> feed(const std::vector<Tick>& ticks) {
    std::vector<std::uint64_t> fired;
    for (const auto& tick : ticks) {
      auto& window = windows_[tick.key];
      while (!window.empty() && window.front().first < tick.ts - 60'000'000'000LL)
        window.pop_front();
      if (window.size() >= 10) {
        double sum = 0;
        for (auto& [ts, price] : window) sum += price;
        const double mean = sum / static_cast<double>(window.size());
        if (std::fabs(tick.price - mean) / mean > 0.05) fired.push_back(tick.seq);
      }
      window.emplace_back(tick.ts, tick.price);
    }
    return fired;
  }

 private:
  std::map<std::string, std::deque<std::pair<std::int64_t, double>>> windows_;
};

std::uint64_t seq_of(const std::string& action) {
  auto at = action.find(R"("seq":)");
  return at == std::string::npos ? 0 : std::stoull(action.substr(at + 6));
}

class TicksTest : public ::testing::Test {
 protected:
  void start(std::size_t queue) {
    sink_ = std::make_unique<LineServer>(free_port_outside_ephemeral_range());
    sink_->start();
    event_port_ = free_port();
    metrics_port_ = free_port();
    config_path_ = "/tmp/lull-ticks-" + std::to_string(getpid()) + ".yaml";
    std::ofstream(config_path_)
        << "inputs:\n"
        << "  - {type: tcp, listen: 127.0.0.1:" << event_port_ << "}\n"
        << "  - {type: udp, listen: 127.0.0.1:" << event_port_ << "}\n"
        << "metrics: {listen: 127.0.0.1:" << metrics_port_ << "}\n"
        << "actions:\n  sink: {type: tcp, target: 127.0.0.1:" << sink_->port()
        << ", queue: " << queue << ", drop: oldest, reconnect_min: 10ms, reconnect_max: 50ms}\n"
        << "rules:\n  - {name: price-jump, kind: deviation, match: {type: tick}, field: price,\n"
        << "     window: 60s, min_events: 10, threshold: 0.05, action: sink}\n";
    lulld_ = std::make_unique<Subprocess>(
        std::vector<std::string>{LULLD_PATH, "--config", config_path_});
    ASSERT_TRUE(
        eventually([&] { return http_get(metrics_port_, "/metrics", 200ms).has_value(); }, 10s))
        << lulld_->errors();
    ASSERT_TRUE(eventually([&] { return sink_->connections() == 1; }, 5s))
        << "lulld never connected";
  }
  void TearDown() override {
    lulld_.reset();
    unlink(config_path_.c_str());
  }

  // Even keys over one TCP connection, odd keys over UDP (20 lines per datagram), so each
  // key's ticks stay in order.
  void send(const std::vector<Tick>& ticks) {
    std::string stream;
    std::vector<std::string> datagrams;
    std::string datagram;
    int in_datagram = 0;
    for (const auto& tick : ticks) {
      if (std::stoi(tick.key.substr(1)) % 2 == 0) {
        stream += tick.line() + "\n";
      } else {
        datagram += tick.line() + "\n";
        if (++in_datagram == 20) {
          datagrams.push_back(std::move(datagram));
          datagram.clear();
          in_datagram = 0;
        }
      }
    }
    if (!datagram.empty()) datagrams.push_back(datagram);
    ASSERT_TRUE(tcp_send(event_port_, stream));
    // UDP is best effort: a burst beyond the socket's buffer would be dropped by the kernel.
    // Send a few datagrams at a time and wait until lulld has counted them.
    std::size_t lines_sent = 0;
    const double udp_before = metric("lull_events_total", R"(input="udp")");
    for (std::size_t i = 0; i < datagrams.size(); i += 5) {
      std::vector<std::string> burst(
          datagrams.begin() + static_cast<long>(i),
          datagrams.begin() + static_cast<long>(std::min(i + 5, datagrams.size())));
      for (const auto& datagram : burst) {
        lines_sent += static_cast<std::size_t>(std::count(datagram.begin(), datagram.end(), '\n'));
      }
      ASSERT_TRUE(udp_send(event_port_, burst));
      ASSERT_TRUE(eventually(
          [&] {
            return metric("lull_events_total", R"(input="udp")") ==
                   udp_before + static_cast<double>(lines_sent);
          },
          10s))
          << "datagrams lost";
    }
  }
  double events_counted() {
    return metric("lull_events_total", R"(input="tcp")") +
           metric("lull_events_total", R"(input="udp")");
  }
  double metric(const std::string& name, const std::string& labels) {
    auto page = http_get(metrics_port_, "/metrics");
    return page ? metric_value(page->body, name, labels).value_or(-1) : -1;
  }

  std::uint16_t event_port_ = 0, metrics_port_ = 0;
  std::string config_path_;
  std::unique_ptr<LineServer> sink_;
  std::unique_ptr<Subprocess> lulld_;
};

TEST_F(TicksTest, FiresExactlyTheExpectedActionsWithTheirFields) {
  start(100'000);
  auto ticks = make_ticks(4000, 20, 97, 1, kBaseTs, 1);
  auto expected = ReferenceModel().feed(ticks);
  ASSERT_GT(expected.size(), 30u);
  send(ticks);
  ASSERT_TRUE(eventually([&] { return events_counted() == 4000; }, 10s))
      << "events lost on the way in";
  ASSERT_TRUE(eventually([&] { return sink_->count() >= expected.size(); }, 10s));
  std::this_thread::sleep_for(100ms);  // anything extra would arrive by now

  auto lines = sink_->lines();
  std::multiset<std::uint64_t> got;
  for (const auto& line : lines) got.insert(seq_of(line));
  EXPECT_EQ(got, std::multiset<std::uint64_t>(expected.begin(), expected.end()))
      << "missing or extra actions";
  // One action in full: the spec's fields, seq and ts copied from the firing tick.
  const Tick& first = ticks[expected.front() - 1];
  auto action = std::find_if(lines.begin(), lines.end(),
                             [&](const std::string& l) { return seq_of(l) == first.seq; });
  ASSERT_NE(action, lines.end());
  char price[32];
  std::snprintf(price, sizeof price, "%g", first.price);
  EXPECT_EQ(action->rfind(R"({"rule":"price-jump","key":")" + first.key + R"(","seq":)" +
                              std::to_string(first.seq) + R"(,"ts":)" + std::to_string(first.ts) +
                              R"(,"price":)" + price + R"(,"mean":)",
                          0),
            0u)
      << *action;
  EXPECT_EQ(metric("lull_rule_fired_total", R"(rule="price-jump")"), expected.size());
  EXPECT_EQ(metric("lull_action_latency_seconds_count", R"(rule="price-jump")"), expected.size());
}

TEST_F(TicksTest, QueuesWhileTheSinkIsDownAndCountsDropsBeyondTheBound) {
  start(5);
  ReferenceModel model;
  // Warm the windows up: 20 ticks per key, no jumps; nothing fires.
  auto warm = make_ticks(200, 10, 1'000'000, 1, kBaseTs, 2);
  ASSERT_TRUE(model.feed(warm).empty());
  send(warm);
  ASSERT_TRUE(eventually([&] { return events_counted() == 200; }, 10s));

  sink_->stop();
  std::this_thread::sleep_for(300ms);  // lulld sees the connection close
  // While the sink is down: 12 jumps fire; the queue keeps the newest 5.
  auto down = make_ticks(120, 10, 10, 201, kBaseTs + 200'000'000, 3);
  auto fired = model.feed(down);
  ASSERT_EQ(fired.size(), 12u);
  send(down);
  ASSERT_TRUE(eventually(
      [&] { return metric("lull_action_queue_dropped_total", R"(action="sink")") == 7; }, 10s))
      << metric("lull_action_queue_dropped_total", R"(action="sink")");

  const std::size_t before = sink_->count();
  sink_->start();
  ASSERT_TRUE(eventually([&] { return sink_->count() >= before + 5; }, 10s));
  std::this_thread::sleep_for(100ms);
  auto lines = sink_->lines();
  std::vector<std::uint64_t> delivered;
  for (std::size_t i = before; i < lines.size(); ++i) delivered.push_back(seq_of(lines[i]));
  EXPECT_EQ(delivered, std::vector<std::uint64_t>(fired.end() - 5, fired.end()))
      << "drop-oldest keeps the newest five, in order";
}

}  // namespace
}  // namespace lull::testing
