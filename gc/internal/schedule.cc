// schedule.cc: clock checks, the major trigger, and the minor-duration estimate.
#include "gc/internal/schedule.h"

#include <algorithm>

namespace lull::gc::internal {

Budget::Budget(Clock::time_point deadline, uint64_t max_units, uint32_t* batch)
    : deadline_(deadline),
      max_units_(max_units),
      batch_(batch),
      per_check_(batch ? *batch : kInitialUnitsPerCheck) {
  if (batch_ != nullptr && deadline_ != Clock::time_point::max()) last_check_ = Clock::now();
}

bool Budget::check() {
  since_check_ = 0;
  if (used_ >= max_units_) {
    expired_ = true;
  } else if (deadline_ != Clock::time_point::max()) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline_) expired_ = true;
    if (batch_ != nullptr) {
      const auto took = now - last_check_;
      if (took > std::chrono::nanoseconds(1500) && per_check_ > kMinUnitsPerCheck) {
        per_check_ /= 2;
      } else if (took < std::chrono::nanoseconds(400) && per_check_ < kMaxUnitsPerCheck) {
        per_check_ *= 2;
      }
      *batch_ = per_check_;
      last_check_ = now;
    }
  }
  return expired_;
}

size_t Schedule::trigger_bytes() const {
  const double by_factor = policy_.major_trigger_factor * static_cast<double>(live_after_major_);
  return std::max(policy_.min_major_trigger_bytes, static_cast<size_t>(by_factor));
}

std::chrono::nanoseconds Schedule::estimate_minor(size_t nursery_used, size_t slots) const {
  if (nursery_used == 0) return std::chrono::nanoseconds(0);
  const double ns = kFixedNs + kNsPerSlot * static_cast<double>(slots) +
                    static_cast<double>(nursery_used) * survival_ * ns_per_promoted_byte_;
  return std::chrono::nanoseconds(static_cast<int64_t>(ns));
}

void Schedule::record_minor(size_t nursery_used, size_t promoted, size_t slots,
                            Clock::duration took) {
  constexpr double kAlpha = 0.5;
  if (nursery_used == 0) return;
  const double survival = static_cast<double>(promoted) / static_cast<double>(nursery_used);
  survival_ = kAlpha * survival + (1 - kAlpha) * survival_;
  // Only large enough samples say something about the copy speed.
  if (promoted >= 16 * 1024) {
    const double ns = static_cast<double>(std::chrono::nanoseconds(took).count()) - kFixedNs -
                      kNsPerSlot * static_cast<double>(slots);
    const double per_byte = std::max(0.05, ns / static_cast<double>(promoted));
    ns_per_promoted_byte_ = kAlpha * per_byte + (1 - kAlpha) * ns_per_promoted_byte_;
  }
}

}  // namespace lull::gc::internal
