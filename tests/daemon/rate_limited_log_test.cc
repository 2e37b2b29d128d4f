// rate_limited_log_test.cc: the burst, the window, and the count of what was held back.
#include "daemon/rate_limited_log.h"

#include <gtest/gtest.h>

namespace lull::daemon {
namespace {

using namespace std::chrono_literals;

TEST(RateLimitedLog, LetsABurstThroughThenHoldsBackAndCounts) {
  RateLimitedLog log(2, 1s);
  RateLimitedLog::Clock::time_point t0{1h};
  EXPECT_TRUE(log.acquire(t0).allowed);
  EXPECT_TRUE(log.acquire(t0 + 1ms).allowed);
  EXPECT_FALSE(log.acquire(t0 + 2ms).allowed);
  EXPECT_FALSE(log.acquire(t0 + 999ms).allowed);
  auto next = log.acquire(t0 + 1s);
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.suppressed_before, 2u);
  EXPECT_EQ(log.acquire(t0 + 1s).suppressed_before, 0u);
}

}  // namespace
}  // namespace lull::daemon
