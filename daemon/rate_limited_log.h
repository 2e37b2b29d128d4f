// rate_limited_log.h: lets through at most `burst` messages per `interval` and says how
// many it held back, so a client that sends garbage at line rate cannot flood the log.
// Reactor thread only. The clock is a parameter so tests need not sleep.
#pragma once

#include <chrono>
#include <cstdint>

namespace lull::daemon {

class RateLimitedLog {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimitedLog(std::uint32_t burst, Clock::duration interval)
      : burst_(burst), interval_(interval) {}

  struct Permit {
    bool allowed = false;
    std::uint64_t suppressed_before = 0;  // messages held back since the last one let through
  };

  Permit acquire(Clock::time_point now = Clock::now()) {
    if (now - window_start_ >= interval_) {
      window_start_ = now;
      used_ = 0;
    }
    if (used_ >= burst_) {
      ++suppressed_;
      return {};
    }
    ++used_;
    Permit permit{true, suppressed_};
    suppressed_ = 0;
    return permit;
  }

 private:
  std::uint32_t burst_;
  Clock::duration interval_;
  Clock::time_point window_start_{};
  std::uint32_t used_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace lull::daemon
