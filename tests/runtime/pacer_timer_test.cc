// pacer_timer_test.cc: the pacer's share with a fake clock, and the timer queue's earliest
// expiry through arm, fire, re-arm and cancel.
#include <gtest/gtest.h>

#include "runtime/pacer.h"
#include "runtime/timer.h"

namespace lull::runtime {
namespace {

using namespace std::chrono_literals;

TEST(Pacer, AllowsWorkWithinItsShareOverTime) {
  Pacer pacer(0.25, 1ms);
  Pacer::Clock::time_point now{10s};
  pacer.allowed(now);  // starts the clock with no credit
  Pacer::Clock::duration worked{0};
  // Offer 50 us of work every 20 us for one second: only a quarter may run.
  for (int i = 0; i < 50'000; ++i) {
    now += 20us;
    if (pacer.allowed(now)) {
      now += 50us;
      worked += 50us;
      pacer.charge(50us, now);
    }
  }
  const double share = std::chrono::duration<double>(worked) /
                       std::chrono::duration<double>(now - Pacer::Clock::time_point{10s});
  EXPECT_NEAR(share, 0.25, 0.01);
}

TEST(Pacer, CapsTheCreditSavedDuringQuietTime) {
  Pacer pacer(0.5, 1ms);
  Pacer::Clock::time_point now{10s};
  pacer.allowed(now);
  now += 10s;  // would be 5 s of credit uncapped
  int runs = 0;
  while (pacer.allowed(now)) {
    pacer.charge(100us, now);
    ++runs;
  }
  EXPECT_EQ(runs, 10);
}

TEST(TimerQueue, TracksTheEarliestArmedTimer) {
  boost::asio::io_context io;
  TimerQueue queue;
  Timer late(io, queue), soon(io, queue);
  EXPECT_FALSE(queue.earliest());
  const auto now = Timer::Clock::now();
  late.async_wait_until(now + 1h, [](boost::system::error_code) {});
  soon.async_wait_until(now + 1ms, [](boost::system::error_code) {});
  EXPECT_EQ(queue.earliest(), now + 1ms);
  io.run_one();  // the soon one fires
  EXPECT_FALSE(soon.armed());
  EXPECT_EQ(queue.earliest(), now + 1h);
  late.cancel();
  EXPECT_FALSE(queue.earliest());
  io.run();  // the cancelled wait completes
}

TEST(TimerQueue, ReArmingReplacesTheOldExpiry) {
  boost::asio::io_context io;
  TimerQueue queue;
  Timer timer(io, queue);
  const auto now = Timer::Clock::now();
  int aborted = 0, fired = 0;
  auto count = [&](boost::system::error_code error) { error ? ++aborted : ++fired; };
  timer.async_wait_until(now + 1h, count);
  timer.async_wait_until(now + 1ms, count);
  EXPECT_EQ(queue.earliest(), now + 1ms);
  io.run();
  EXPECT_EQ(aborted, 1);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(queue.earliest());
}

}  // namespace
}  // namespace lull::runtime
