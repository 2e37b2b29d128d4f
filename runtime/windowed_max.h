// windowed_max.h: the largest value recorded in the last `window`, readable at any time.
// The window is a ring of kSlices + 1 slices of window / kSlices each. A value stays in the
// maximum for at least `window` and at most `window + window / kSlices` after it was
// recorded; record() is O(1) and never allocates. One writer (the reactor thread); any
// number of readers (the scrape thread) with relaxed atomics: a reader may miss a value
// recorded during its read, never report one older than the bound above.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace lull::runtime {

class WindowedMax {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kSlices = 10;

  explicit WindowedMax(Clock::duration window)
      : slice_(std::max<Clock::rep>(window.count() / kSlices, 1)) {}

  void record(double value, Clock::time_point now) {
    const std::int64_t index = slice_index(now);
    Slot& slot = slots_[static_cast<std::size_t>(index % kRing)];
    if (slot.index.load(std::memory_order_relaxed) != index) {
      // Invalidate before overwriting so a reader never pairs the new index with the old max.
      slot.index.store(kEmpty, std::memory_order_relaxed);
      slot.max.store(value, std::memory_order_relaxed);
      slot.index.store(index, std::memory_order_release);
    } else if (value > slot.max.load(std::memory_order_relaxed)) {
      slot.max.store(value, std::memory_order_relaxed);
    }
  }

  // 0 when nothing was recorded in the window.
  double max(Clock::time_point now) const {
    const std::int64_t newest = slice_index(now);
    double result = 0;
    for (const Slot& slot : slots_) {
      const std::int64_t index = slot.index.load(std::memory_order_acquire);
      if (index != kEmpty && index > newest - kRing && index <= newest) {
        result = std::max(result, slot.max.load(std::memory_order_relaxed));
      }
    }
    return result;
  }

 private:
  static constexpr int kRing = kSlices + 1;
  static constexpr std::int64_t kEmpty = INT64_MIN;

  struct Slot {
    std::atomic<std::int64_t> index{kEmpty};  // which slice of time this slot holds
    std::atomic<double> max{0};
  };

  std::int64_t slice_index(Clock::time_point now) const {
    return now.time_since_epoch().count() / slice_;
  }

  Clock::rep slice_;
  std::array<Slot, kRing> slots_;
};

}  // namespace lull::runtime
