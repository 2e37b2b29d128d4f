// time_faults_test.cc: event times far in the future or past, and a sender's clock that
// steps. Windows go by event time; these tests hold lull_state_events (the events the
// windows hold) to exact values, so a window that stops expiring or empties wrongly shows.
// lulld's own clock cannot be stepped by a test without privileges: it only dates events
// without a time field, and is covered by the rules' unit tests with a replaced clock.
#include <chrono>

#include "tests/faults/lulld_fixture.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kDay = 86'400 * kSecond;

// A 10 s deviation window: firing needs three events in it and a 5 % jump from their mean.
const std::string kConfig =
    "actions:\n  audit: {type: log}\n"
    "rules:\n  - {name: jump, kind: deviation, field: price, window: 10s, min_events: 3,\n"
    "     threshold: 0.05, action: audit}\n";

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string tick(std::int64_t ts, double price, int seq = 0) {
  return event("k", seq, "\"ts\":" + std::to_string(ts) + ",\"price\":" + std::to_string(price)) +
         "\n";
}

class TimeFaults : public FaultTest {
 protected:
  double held() { return metric("lull_state_events"); }
  double fired() { return metric("lull_rule_fired_total", R"(rule="jump")"); }
  // Sends one line and waits until it is counted, accepted or rejected.
  void send(const std::string& line) {
    const double before = events() + rejected("future_time");
    ASSERT_TRUE(client_->send(line));
    ASSERT_TRUE(eventually([&] { return events() + rejected("future_time") == before + 1; }, 5s))
        << log();
  }
  void start_with(const std::string& extra) {
    start(extra + kConfig);
    client_ = std::make_unique<TcpClient>(event_port_);
    ASSERT_TRUE(client_->connected());
  }
  std::unique_ptr<TcpClient> client_;
};

TEST_F(TimeFaults, AnEventFromNextYearIsRejectedAndLeavesTheWindowAlone) {
  start_with("events: {max_future: 1m}\n");
  const std::int64_t now = now_ns();
  for (int i = 0; i < 5; ++i) send(tick(now + i * 1'000'000, 100));
  send(tick(now + 365 * kDay, 100));
  EXPECT_EQ(rejected("future_time"), 1);
  EXPECT_NE(log().find("rejected line (future_time)"), std::string::npos) << log();
  EXPECT_EQ(held(), 5) << "the future event emptied the window";
  // Still a window of five: a jump fires.
  send(tick(now + 10'000'000, 120));
  EXPECT_TRUE(wait_for("lull_rule_fired_total", R"(rule="jump")", 1, 2s));
  EXPECT_EQ(held(), 6);
  // Within max_future is a sender's clock skew, accepted.
  send(tick(now + 30 * kSecond, 100));
  EXPECT_EQ(events(), 7);
}

TEST_F(TimeFaults, WithoutTheBoundAFarFutureEventIsHeldButExpiresNothing) {
  start_with("events: {max_future: 0s}\n");  // the bound off: what it protects against
  const std::int64_t now = now_ns();
  for (int i = 0; i < 5; ++i) send(tick(now + i * 1'000'000, 100));
  send(tick(now + 365 * kDay, 100));
  EXPECT_EQ(rejected("future_time"), 0);
  EXPECT_EQ(held(), 6) << "expiry goes by lulld's clock, not by an event dated ahead of it";
  // The on-time events are compared with each other, not with the one from next year.
  send(tick(now + 10'000'000, 120));
  EXPECT_TRUE(wait_for("lull_rule_fired_total", R"(rule="jump")", 1, 2s));
  EXPECT_EQ(held(), 7) << "held until its time comes: what max_future bounds";
}

TEST_F(TimeFaults, ASenderClockSteppingForwardEmptiesTheWindowOnceAndItStaysBounded) {
  start_with("");
  // An hour ago, one tick a second: the 10 s window holds 11 (both ends included).
  const std::int64_t base = now_ns() - 3600 * kSecond;
  for (int i = 0; i < 20; ++i) send(tick(base + i * kSecond, 100));
  EXPECT_EQ(held(), 11);
  // The sender's clock steps 30 minutes forward: the window empties at once, then refills to
  // the same bound.
  const std::int64_t stepped = base + 1800 * kSecond;
  send(tick(stepped, 100));
  EXPECT_EQ(held(), 1);
  for (int i = 1; i < 20; ++i) send(tick(stepped + i * kSecond, 100));
  EXPECT_EQ(held(), 11);
  EXPECT_EQ(fired(), 0);
}

TEST_F(TimeFaults, AStrayEventFromLongAgoIsComparedWithNothingAndLeavesAtOnce) {
  start_with("");
  const std::int64_t base = now_ns() - 3600 * kSecond;
  for (int i = 0; i < 20; ++i) send(tick(base + i * kSecond, 100));
  ASSERT_EQ(held(), 11);
  send(tick(base - 365 * kDay, 200));  // a replayed line from last year: its window is empty
  EXPECT_EQ(held(), 12);
  EXPECT_EQ(fired(), 0) << "compared with this hour's prices";
  // It sits at the old end of the window and leaves with the next on-time event.
  send(tick(base + 20 * kSecond, 100));
  EXPECT_EQ(held(), 11);
}

TEST_F(TimeFaults, ASenderClockSteppingBackStartsAFreshWindowAndStaysBounded) {
  start_with("");
  const std::int64_t base = now_ns() - 3600 * kSecond;
  for (int i = 0; i < 20; ++i) send(tick(base + i * kSecond, 200));
  ASSERT_EQ(held(), 11);
  // The sender's clock steps back 30 minutes. Against the old window's mean of 200 each new
  // tick would fire; in its own window it is compared with the ticks since the step.
  const std::int64_t stepped = base - 1800 * kSecond;
  for (int i = 0; i < 20; ++i) send(tick(stepped + i * kSecond, 100));
  EXPECT_EQ(fired(), 0);
  // Bounded: the 11 from before the step (in the window again once the clock passes them)
  // and the 11 of the new window.
  EXPECT_EQ(held(), 22);
  send(tick(stepped + 20 * kSecond, 120));  // a jump against the new window's mean of 100
  EXPECT_TRUE(wait_for("lull_rule_fired_total", R"(rule="jump")", 1, 2s));
}

}  // namespace
}  // namespace lull::testing
