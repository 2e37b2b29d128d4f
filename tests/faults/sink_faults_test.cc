// sink_faults_test.cc: a tcp action sink that is down at start, accepts but never reads,
// or reads slowly. In each case the reactor keeps handling events (new clients' events are
// counted while the sink is stalled), the queue never passes its bound, every firing is
// accounted for exactly (delivered + dropped + queued == fired), and delivery resumes when
// the sink does. The sink going down mid-stream is ticks_test's
// QueuesWhileTheSinkIsDownAndCountsDropsBeyondTheBound.
#include <algorithm>
#include <thread>

#include "tests/faults/lulld_fixture.h"
#include "tests/faults/stall_sink.h"
#include "tests/support/line_server.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

const std::string kAction = R"(action="sink")";
const std::string kRule = R"(rule="big")";

// Every event of a new key with size above 100 fires once; the firing copies `pad`, so the
// action lines are as big as the test wants them.
std::string sink_config(std::uint16_t port, int queue, const std::string& drop) {
  return "actions:\n  sink: {type: tcp, target: 127.0.0.1:" + std::to_string(port) +
         ", queue: " + std::to_string(queue) + ", drop: " + drop +
         ", reconnect_min: 10ms, reconnect_max: 50ms}\n"
         "rules:\n  - {name: big, kind: threshold, field: size, above: 100, action: sink, "
         "copy: [pad]}\n";
}

// `count` firing events with keys prefix0, prefix1, ... and `pad` bytes of padding each.
std::string firing_events(const std::string& prefix, int first, int count, std::size_t pad) {
  std::string stream;
  const std::string padding = "\"pad\":\"" + std::string(pad, 'p') + "\"";
  for (int i = first; i < first + count; ++i) {
    stream += event(prefix + std::to_string(i), i, "\"size\":200," + padding) + "\n";
  }
  return stream;
}

std::string key_of(const std::string& action) {
  auto at = action.find(R"("key":")");
  return at == std::string::npos ? "" : action.substr(at + 7, action.find('"', at + 7) - at - 7);
}

class SinkFaults : public FaultTest {
 protected:
  double fired() { return metric("lull_rule_fired_total", kRule); }
  double delivered() { return metric("lull_actions_total", kAction); }
  double dropped() { return metric("lull_action_queue_dropped_total", kAction); }
  double depth() { return metric("lull_action_queue_depth", kAction); }

  // The reactor is not blocked: a new client's (non-firing) events are counted at once.
  void expect_events_flow(int seq) {
    const double before = events();
    TcpClient client(event_port_);
    ASSERT_TRUE(client.connected());
    std::string stream;
    for (int i = 0; i < 10; ++i) stream += event("quiet", seq + i, "\"size\":1") + "\n";
    ASSERT_TRUE(client.send(stream));
    EXPECT_TRUE(wait_for("lull_events_total", R"(input="tcp")", before + 10, 5s))
        << "events stopped being handled while the sink is stalled";
    ASSERT_TRUE(udp_send(event_port_, {event("quiet-udp", seq, "\"size\":1")}));
    EXPECT_TRUE(eventually([&] { return events("udp") >= 1; }, 5s));
  }
  // Sends batches of big firings until the queue overflows (`until_stalled`: until the queue
  // stays full and nothing more is written). How much the kernel's socket buffers swallow
  // first is the kernel's business (send buffers grow by themselves), so the test watches
  // the counters rather than guess a count. Returns the number of firings sent.
  int overflow_the_queue(int queue, bool until_stalled) {
    constexpr int kBatch = 200;
    int sent = 0;
    double delivered_before = 0;
    for (int batch = 0; batch < 100; ++batch) {
      EXPECT_TRUE(tcp_send(event_port_, firing_events("s", sent, kBatch, 2000)));
      sent += kBatch;
      EXPECT_TRUE(eventually([&] { return fired() == sent; }, 10s));
      EXPECT_LE(depth(), queue) << "the queue passed its bound";
      if (!until_stalled && dropped() > 0) return sent;
      if (until_stalled && dropped() > 0) {
        std::this_thread::sleep_for(50ms);  // a write the kernel would still take completes
        const double now = delivered();
        if (now == delivered_before && depth() == queue) return sent;
        delivered_before = now;
      }
    }
    ADD_FAILURE() << "the queue never overflowed after " << sent << " firings";
    return sent;
  }
};

TEST_F(SinkFaults, SinkDownAtStartQueuesToTheBoundThenDeliversWhenItComes) {
  const std::uint16_t sink_port = free_port_outside_ephemeral_range();
  start(sink_config(sink_port, 20, "newest"));
  ASSERT_TRUE(tcp_send(event_port_, firing_events("d", 0, 30, 10)));
  ASSERT_TRUE(wait_for("lull_rule_fired_total", kRule, 30)) << scrape();
  EXPECT_EQ(dropped(), 10);  // drop newest: d20..d29 are lost
  EXPECT_EQ(depth(), 20);
  EXPECT_EQ(delivered(), 0);
  EXPECT_EQ(metric("lull_action_sink_connected", kAction), 0);
  expect_events_flow(1000);

  LineServer sink(sink_port);
  sink.start();
  ASSERT_TRUE(eventually([&] { return sink.count() == 20; }, 10s)) << sink.count();
  auto lines = sink.lines();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(key_of(lines[static_cast<std::size_t>(i)]), "d" + std::to_string(i));
  EXPECT_TRUE(wait_for("lull_actions_total", kAction, 20));
  EXPECT_EQ(depth(), 0);

  // Connected now: new firings go straight through, and nothing more is dropped.
  ASSERT_TRUE(tcp_send(event_port_, firing_events("e", 0, 5, 10)));
  EXPECT_TRUE(eventually([&] { return sink.count() == 25; }, 10s)) << sink.count();
  EXPECT_EQ(dropped(), 10);
}

TEST_F(SinkFaults, SinkThatNeverReadsFillsTheQueueNotTheReactor) {
  StallSink sink(0);
  start(sink_config(sink.port(), 50, "oldest"));
  ASSERT_TRUE(eventually([&] { return sink.connected(); }, 5s)) << "lulld never connected";
  const int sent = overflow_the_queue(50, /*until_stalled=*/true);
  // Stalled: the queue is full, and every firing is delivered (to the kernel), queued or
  // dropped.
  EXPECT_EQ(depth(), 50) << scrape() << log();
  EXPECT_EQ(delivered() + dropped() + depth(), sent) << scrape();
  expect_events_flow(100'000);
  EXPECT_EQ(depth(), 50);

  sink.read_at(StallSink::kFullSpeed);
  ASSERT_TRUE(wait_for("lull_action_queue_depth", kAction, 0)) << scrape();
  EXPECT_EQ(delivered() + dropped(), sent);
  EXPECT_TRUE(eventually([&] { return static_cast<double>(sink.count()) == delivered(); }, 10s))
      << sink.count() << " lines read, " << delivered() << " delivered";
  // Drop-oldest: what arrives is in firing order, the newest included.
  auto lines = sink.lines();
  EXPECT_EQ(key_of(lines.back()), "s" + std::to_string(sent - 1));
}

TEST_F(SinkFaults, SlowSinkGetsEverythingTheQueueKeptInOrder) {
  StallSink sink(16 * 1024);  // 16 KiB per 5 ms: about 1,500 of these actions a second
  start(sink_config(sink.port(), 100, "oldest"));
  ASSERT_TRUE(eventually([&] { return sink.connected(); }, 5s)) << "lulld never connected";
  const int sent = overflow_the_queue(100, /*until_stalled=*/false);
  expect_events_flow(100'000);

  ASSERT_TRUE(wait_for("lull_action_queue_depth", kAction, 0, 20s)) << scrape();
  EXPECT_EQ(delivered() + dropped(), sent);
  EXPECT_TRUE(eventually([&] { return static_cast<double>(sink.count()) == delivered(); }, 20s))
      << sink.count() << " lines read, " << delivered() << " delivered";
  auto lines = sink.lines();
  std::vector<int> seqs;
  for (const auto& line : lines) seqs.push_back(std::stoi(key_of(line).substr(1)));
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << "actions out of order";
  EXPECT_EQ(seqs.back(), sent - 1);
}

}  // namespace
}  // namespace lull::testing
