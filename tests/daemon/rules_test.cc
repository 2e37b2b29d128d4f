// rules_test.cc: every rule kind fires exactly when it must, through the real Monitor,
// key table and heap; event time comes from each line's ts, so no test waits except the
// absence rule's (a few milliseconds of real time).
#include <gtest/gtest.h>

#include <optional>

#include "daemon/monitor.h"
#include "gc/testing.h"
#include "tests/daemon/monitor_harness.h"

namespace lull::daemon {
namespace {

using namespace std::chrono_literals;

using testing::MonitorHarness;

config::FieldMatch equals(std::string field, std::string value) {
  return {std::move(field), config::FieldMatch::Op::kEquals, {std::move(value)}, 0};
}

class RulesTest : public ::testing::Test {
 protected:
  void start(std::vector<config::RuleConfig> rules, MonitorHarness::Options options = {}) {
    harness_.emplace(std::move(rules), options);
  }

  Monitor::Outcome feed(const std::string& line) { return harness_->feed(line); }
  // A tick of `key` at `seconds` (event time) with `price`.
  Monitor::Outcome tick(const std::string& key, double seconds, double price, int seq = 0) {
    return feed(R"({"seq":)" + std::to_string(seq) + R"(,"ts":)" +
                std::to_string(static_cast<std::int64_t>(seconds * 1e9)) + R"(,"key":")" + key +
                R"(","type":"tick","price":)" + std::to_string(price) + "}");
  }
  std::vector<std::string>& lines() { return harness_->lines(); }
  Monitor& monitor() { return harness_->monitor(); }
  runtime::Reactor& reactor() { return harness_->reactor(); }

  std::optional<MonitorHarness> harness_;
};

config::RuleConfig price_jump() {
  config::RuleConfig rule;
  rule.name = "price-jump";
  rule.kind = config::RuleKind::kDeviation;
  rule.match = {equals("type", "tick")};
  rule.field = "price";
  rule.window = 60s;
  rule.min_events = 10;
  rule.threshold = 0.05;
  return rule;
}

config::RuleConfig burst_of_3(std::chrono::nanoseconds window) {
  config::RuleConfig rule;
  rule.name = "burst";
  rule.kind = config::RuleKind::kRate;
  rule.window = window;
  rule.count = 3;
  return rule;
}

config::RuleConfig quiet_for_20ms() {
  config::RuleConfig rule;
  rule.name = "quiet";
  rule.kind = config::RuleKind::kAbsence;
  rule.timeout = 20ms;
  return rule;
}

config::RuleConfig login_then_trade() {
  config::RuleConfig rule;
  rule.name = "login-trade";
  rule.kind = config::RuleKind::kSequence;
  rule.first = {equals("type", "login")};
  rule.then = {equals("type", "trade")};
  rule.within = 5s;
  return rule;
}

TEST_F(RulesTest, DeviationFiresOnAJumpOnceTheWindowHoldsMinEvents) {
  start({price_jump()});
  for (int i = 0; i < 9; ++i) tick("m1", i, 100);
  tick("m1", 9, 120, 9);  // only 9 events in the window: no firing
  EXPECT_TRUE(lines().empty());
  tick("m1", 10, 100);      // window 9 x 100 + 120, mean 102: 0.0196, quiet; then it joins
  tick("m1", 11, 108, 77);  // mean 1120 / 11 = 101.818..: 0.0607 > 0.05
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_EQ(
      lines()[0],
      R"({"rule":"price-jump","key":"m1","seq":77,"ts":11000000000,"price":108,"mean":101.81818181818181})");
  tick("m1", 12, 106);  // mean 1228 / 12 = 102.33..: 0.0358, quiet
  EXPECT_EQ(lines().size(), 1u);
  EXPECT_EQ(monitor().events_held(), 13);
}

TEST_F(RulesTest, DeviationDoesNotFireAtExactlyTheThreshold) {
  start({price_jump()});
  for (int i = 0; i < 10; ++i) tick("m1", i, 100);
  tick("m1", 10, 105);  // exactly 0.05: not above
  EXPECT_TRUE(lines().empty());
  tick("m1", 11, 94.5);  // mean 100.4545..: 0.0593
  EXPECT_EQ(lines().size(), 1u);
}

TEST_F(RulesTest, DeviationWindowExpiresByEventTime) {
  start({price_jump()});
  for (int i = 0; i < 10; ++i) tick("m1", i, 50);        // t = 0..9
  for (int i = 0; i < 10; ++i) tick("m1", 70 + i, 100);  // the 50s left the 60 s window
  EXPECT_EQ(lines().size(), 0u) << "a stale mean of 50 would have fired";
  EXPECT_EQ(monitor().events_held(), 10);
  // Exactly 60 s old stays: at t = 130 the window is [70, 130] (events at 70..79).
  tick("m1", 130, 100);
  tick("m1", 131, 120);
  EXPECT_EQ(lines().size(), 1u);
}

TEST_F(RulesTest, KeysHaveSeparateWindows) {
  start({price_jump()});
  for (int i = 0; i < 10; ++i) {
    tick("a", i, 100);
    tick("b", i, 200);
  }
  tick("b", 10, 100);  // a jump for b only
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_NE(lines()[0].find(R"("key":"b")"), std::string::npos);
  EXPECT_EQ(monitor().keys(), 2u);
}

TEST_F(RulesTest, MatchFiltersEvents) {
  start({price_jump()});
  for (int i = 0; i < 10; ++i) tick("m1", i, 100);
  feed(R"({"seq":1,"ts":10000000000,"key":"m1","type":"quote","price":200})");
  EXPECT_TRUE(lines().empty());
}

TEST_F(RulesTest, CooldownSuppressesRepeatsPerKey) {
  auto rule = price_jump();
  rule.cooldown = 5s;
  start({rule});
  for (int i = 0; i < 10; ++i) tick("m1", i, 100);
  tick("m1", 10, 200);  // fires
  tick("m1", 11, 300);  // within 5 s: suppressed
  tick("m1", 16, 900);  // 6 s later: fires
  EXPECT_EQ(lines().size(), 2u);
}

TEST_F(RulesTest, ThresholdFiresOnCrossingOnly) {
  config::RuleConfig rule;
  rule.name = "hot";
  rule.kind = config::RuleKind::kThreshold;
  rule.field = "price";
  rule.above = 150;
  rule.below = 50;
  start({rule});
  tick("k", 1, 100);
  tick("k", 2, 160);  // crosses above: fires
  tick("k", 3, 170);  // still above: quiet
  tick("k", 4, 100);
  tick("k", 5, 40);  // crosses below: fires
  ASSERT_EQ(lines().size(), 2u);
  EXPECT_NE(lines()[0].find(R"("price":160,"above":150})"), std::string::npos) << lines()[0];
  EXPECT_NE(lines()[1].find(R"("price":40,"below":50})"), std::string::npos) << lines()[1];
}

TEST_F(RulesTest, RateFiresWhenTheCountIsReachedInTheWindow) {
  start({burst_of_3(10s)});
  tick("k", 0, 1);
  tick("k", 5, 1);
  tick("k", 11, 1);  // 0 left the window: 2 in it
  EXPECT_TRUE(lines().empty());
  tick("k", 12, 1);  // 5, 11, 12
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_NE(lines()[0].find(R"("count":3,"window_seconds":10})"), std::string::npos);
  tick("k", 13, 1);  // still over: no repeat
  EXPECT_EQ(lines().size(), 1u);
}

TEST_F(RulesTest, SequenceFiresForAThenBWithinTheTimeAndNotAfter) {
  start({login_then_trade()});
  feed(R"({"seq":1,"ts":1000000000,"key":"u","type":"login"})");
  feed(R"({"seq":2,"ts":3000000000,"key":"u","type":"trade"})");  // 2 s later: fires
  feed(R"({"seq":3,"ts":4000000000,"key":"u","type":"trade"})");  // no pending A
  feed(R"({"seq":4,"ts":10000000000,"key":"u","type":"login"})");
  feed(R"({"seq":5,"ts":16000000000,"key":"u","type":"trade"})");  // 6 s later: timed out
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_EQ(
      lines()[0],
      R"({"rule":"login-trade","key":"u","seq":2,"ts":3000000000,"first_seq":1,"first_ts":1000000000})");
}

// Out of time order: each event is compared with the events dated in its own window.

TEST_F(RulesTest, ALateEventIsComparedWithItsOwnWindowNotWithNewerEvents) {
  auto rule = price_jump();
  rule.window = 10s;
  rule.min_events = 3;
  rule.threshold = 0.15;
  start({rule});
  for (int i = 0; i <= 5; ++i) tick("m1", i, 100);
  for (int i = 6; i <= 9; ++i) tick("m1", i, 110);  // 0.1 at most from their means: quiet
  ASSERT_TRUE(lines().empty());
  // Dated 5.5: its window [-4.5, 5.5] holds the six 100s. Over all ten (mean 104) it would be
  // 0.125, quiet.
  tick("m1", 5.5, 117, 42);
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_NE(lines()[0].find(R"("price":117,"mean":100})"), std::string::npos) << lines()[0];
  EXPECT_EQ(monitor().events_held(), 11);
  // It joined at its place in time: at 15.5 the window [5.5, 15.5] is it and the four 110s.
  tick("m1", 15.5, 100);      // mean (117 + 440) / 5 = 111.4: 0.102, quiet
  tick("m1", 15.5, 140, 43);  // mean (557 + 100) / 6 = 109.5: 0.278
  ASSERT_EQ(lines().size(), 2u);
  EXPECT_NE(lines()[1].find(R"("price":140,"mean":109.5})"), std::string::npos) << lines()[1];
  EXPECT_EQ(monitor().events_held(), 7);
}

TEST_F(RulesTest, AfterTheSendersClockStepsBackTheNewEventsMakeTheirOwnWindow) {
  auto rule = price_jump();
  rule.window = 10s;
  rule.min_events = 3;
  start({rule});
  for (int i = 0; i < 10; ++i) tick("m1", 1000 + i, 200);
  // The clock steps back 500 s: against the old mean of 200 every new event would fire.
  for (int i = 0; i < 10; ++i) tick("m1", 500 + i, 100);
  EXPECT_TRUE(lines().empty());
  tick("m1", 510, 130, 7);  // its window [500, 510]: the ten 100s
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_NE(lines()[0].find(R"("price":130,"mean":100})"), std::string::npos) << lines()[0];
  // Bounded: the ten events from before the step wait at the window's far end (they are in
  // the window again once the clock passes 990), besides the eleven of the new window.
  EXPECT_EQ(monitor().events_held(), 21);
  for (int i = 11; i < 30; ++i) tick("m1", 500 + i, 100);
  EXPECT_EQ(monitor().events_held(), 21);
}

TEST_F(RulesTest, RateCountsTheEventsInTheLateEventsOwnWindow) {
  start({burst_of_3(5s)});
  tick("k", 10, 1);
  tick("k", 11, 1);
  tick("k", 3, 1);  // late: alone in [-2, 3], though the ring holds three
  EXPECT_TRUE(lines().empty());
  tick("k", 12, 1);  // [7, 12]: 10, 11, 12; the late one expired
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_NE(lines()[0].find(R"("count":3,)"), std::string::npos) << lines()[0];
  EXPECT_EQ(monitor().events_held(), 3);
}

TEST_F(RulesTest, CooldownHoldsOnEitherSideOfTheLastFiringSoAStepBackCanFireAgain) {
  config::RuleConfig rule;
  rule.name = "hot";
  rule.kind = config::RuleKind::kThreshold;
  rule.field = "price";
  rule.above = 110;
  rule.cooldown = 10s;
  start({rule});
  tick("k", 100, 120);  // fires
  tick("k", 101, 100);
  tick("k", 95, 120);  // late, 5 s before the firing: within the cooldown
  EXPECT_EQ(lines().size(), 1u);
  tick("k", 96, 100);
  tick("k", 51, 120);  // the clock stepped back 50 s: not within 10 s of the firing
  EXPECT_EQ(lines().size(), 2u);
}

TEST_F(RulesTest, SequenceIgnoresABDatedBeforeThePendingA) {
  start({login_then_trade()});
  feed(R"({"seq":1,"ts":10000000000,"key":"u","type":"login"})");
  feed(R"({"seq":2,"ts":9000000000,"key":"u","type":"trade"})");  // before the login
  EXPECT_TRUE(lines().empty());
  feed(R"({"seq":3,"ts":11000000000,"key":"u","type":"trade"})");  // A still pending
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_NE(lines()[0].find(R"("seq":3,"ts":11000000000,"first_seq":1,)"), std::string::npos)
      << lines()[0];
}

// A takeover's rebuild (jetstream input) replays a key's past: a silence the previous owner
// reported (it ended before the position, less replay_slack) is not reported again; one that
// ended after it, in the takeover gap, fires late, once.
TEST_F(RulesTest, AbsenceAfterARebuildReportsOnlyTheSilencesThePreviousOwnerCouldNot) {
  start({quiet_for_20ms()});
  monitor().start();
  const runtime::Arrival now = runtime::Arrival::now();
  const std::int64_t position = now.realtime_ns - 1'000'000'000;  // handled up to 1 s ago
  auto replayed = [&](const std::string& key, int seq, std::int64_t stored_ns) {
    runtime::Arrival arrival = runtime::Arrival::now();
    arrival.partition = 0;
    arrival.stream_seq = static_cast<std::uint64_t>(seq);
    arrival.replay = true;
    arrival.stream_time_ns = stored_ns;
    arrival.reported_before_ns = position;
    harness_->feed(R"({"seq":)" + std::to_string(seq) + R"(,"key":")" + key + R"("})", arrival);
  };
  replayed("reported", 1, position - 30'000'000);  // silent from 10 ms before the position
  replayed("in-gap", 2, position - 10'000'000);    // silent from 10 ms after it
  replayed("spoke-again", 3, position - 30'000'000);
  replayed("spoke-again", 4, position - 5'000'000);  // its later event starts a new silence
  runtime::Timer done(reactor().io(), reactor().timers());
  done.async_wait_after(100ms, [&](boost::system::error_code) {
    monitor().stop();
    reactor().stop();
  });
  reactor().run();
  ASSERT_EQ(lines().size(), 2u);
  EXPECT_NE(lines()[0].find(R"("key":"in-gap","seq":2)"), std::string::npos) << lines()[0];
  EXPECT_NE(lines()[1].find(R"("key":"spoke-again","seq":4)"), std::string::npos) << lines()[1];
}

TEST_F(RulesTest, AbsenceFiresOncePerSilence) {
  start({quiet_for_20ms()});
  monitor().start();
  tick("a", 1, 1, 1);
  tick("b", 1, 1, 2);
  // a keeps talking every 5 ms; b goes silent.
  runtime::Timer keepalive(reactor().io(), reactor().timers()),
      done(reactor().io(), reactor().timers());
  int sent = 0;
  std::function<void()> talk = [&] {
    keepalive.async_wait_after(5ms, [&](boost::system::error_code error) {
      if (error) return;
      tick("a", 2 + sent, 1, 10 + sent);
      if (++sent < 12) talk();
    });
  };
  talk();
  done.async_wait_after(100ms, [&](boost::system::error_code) {
    monitor().stop();
    reactor().stop();
  });
  reactor().run();
  ASSERT_EQ(lines().size(), 2u) << "b once while a talked, then a once after it stopped";
  EXPECT_NE(lines()[0].find(R"("key":"b","seq":2)"), std::string::npos) << lines()[0];
  EXPECT_NE(lines()[1].find(R"("key":"a","seq":21)"), std::string::npos) << lines()[1];
}

TEST_F(RulesTest, NewKeysBeyondMaxKeysAreRefused) {
  start({price_jump()}, {.max_keys = 3});
  EXPECT_EQ(tick("a", 0, 1), Monitor::Outcome::kAccepted);
  EXPECT_EQ(tick("b", 0, 1), Monitor::Outcome::kAccepted);
  EXPECT_EQ(tick("c", 0, 1), Monitor::Outcome::kAccepted);
  EXPECT_EQ(tick("d", 0, 1), Monitor::Outcome::kKeyLimit);
  EXPECT_EQ(tick("a", 1, 1), Monitor::Outcome::kAccepted) << "known keys still work";
  EXPECT_EQ(monitor().keys(), 3u);
}

TEST_F(RulesTest, StateSurvivesCollectionsAndTheHeapVerifies) {
  start({price_jump()});
  for (int i = 0; i < 2000; ++i) {
    tick("k" + std::to_string(i % 50), i / 50.0, 100 + (i % 7));
    if (i % 100 == 0) reactor().heap().collect_minor();
    if (i % 500 == 0) reactor().heap().collect();
  }
  EXPECT_TRUE(gc::testing::verify_heap_for_testing(reactor().heap()).empty());
  // Every key's window still has its events: one more big jump per key fires for each.
  lines().clear();
  for (int k = 0; k < 50; ++k) tick("k" + std::to_string(k), 41, 1000);
  EXPECT_EQ(lines().size(), 50u);
}

// Reload without the idle sweep running (the monitor is not started): a changed rule gets
// the old one's slot and must ignore the state left there, whose events it uncounts.
TEST_F(RulesTest, AReloadedRuleKeepsItsWindowAndAChangedOneIgnoresTheStaleOne) {
  config::RuleConfig jump = price_jump();
  config::RuleConfig other = price_jump();
  other.name = "other-jump";
  other.threshold = 0.5;
  start({jump, other});
  for (int i = 0; i < 10; ++i) tick("m1", i, 100);
  EXPECT_EQ(monitor().events_held(), 20);

  config::Config next = harness_->config();
  next.rules[1].threshold = 0.1;  // changed: starts empty in the slot it had
  const std::map<std::string, ActionSink*> sinks{{"sink", &harness_->sink()}};
  const Monitor::Changes changes = monitor().reload(next, sinks);
  EXPECT_EQ(changes.kept, 1u);
  EXPECT_EQ(changes.added, 1u);
  EXPECT_EQ(changes.removed, 1u);

  tick("m1", 10, 120, 11);  // +20 %: the kept window fires; the changed rule's is empty
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_EQ(lines()[0].rfind(R"({"rule":"price-jump","key":"m1","seq":11,)", 0), 0u) << lines()[0];
  // 11 in the kept window, 1 in the new one; the 10 stale events are no longer counted.
  EXPECT_EQ(monitor().events_held(), 12);
  EXPECT_TRUE(gc::testing::verify_heap_for_testing(reactor().heap()).empty());
}

}  // namespace
}  // namespace lull::daemon
