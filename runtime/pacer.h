// pacer.h: the CPU share that GC work between handler batches may take when the stream
// never pauses. A token bucket: credit accrues at `share` seconds per second of reactor time,
// up to `burst`; paced work is allowed while the credit is positive and charged afterwards
// by what it really took, so the long-run share of paced work stays within `share` (plus
// one quantum of overdraft). The clock is a parameter: tests need not sleep.
#pragma once

#include <algorithm>
#include <chrono>

namespace lull::runtime {

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;

  Pacer(double share, Clock::duration burst) : share_(share), burst_(burst) {}

  // True when paced work may start now.
  bool allowed(Clock::time_point now) {
    accrue(now);
    return credit_ > Clock::duration::zero();
  }
  // Paced work that took `spent` has ended at `now`.
  void charge(Clock::duration spent, Clock::time_point now) {
    accrue(now);
    credit_ -= spent;
  }

  double share() const { return share_; }
  void set_share(double share) { share_ = share; }

 private:
  void accrue(Clock::time_point now) {
    if (last_ == Clock::time_point{}) last_ = now;
    auto earned = std::chrono::duration_cast<Clock::duration>((now - last_) * share_);
    credit_ = std::min(credit_ + earned, burst_);
    last_ = now;
  }

  double share_;
  Clock::duration burst_;
  Clock::duration credit_{};
  Clock::time_point last_{};
};

}  // namespace lull::runtime
