// atomic_histogram.h: a Prometheus-style histogram of durations whose observe() is a few
// relaxed atomic adds: no lock, no allocation. prometheus-cpp's Histogram takes a mutex
// on every Observe(), which the scrape thread also takes, so the reactor would wait on a
// scrape; this one never does. Buckets are fixed: 1-2-5 steps from 1 us to 1 s.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace lull::runtime {

class AtomicHistogram {
 public:
  // Upper bounds in seconds; +Inf is implicit.
  static constexpr std::array<double, 19> kBounds = {1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4,
                                                     2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2,
                                                     5e-2, 1e-1, 2e-1, 5e-1, 1.0};

  void observe(std::chrono::nanoseconds duration) {
    const double seconds = std::chrono::duration<double>(duration).count();
    std::size_t bucket = 0;
    while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0)),
                      std::memory_order_relaxed);
  }

  struct Snapshot {
    std::array<std::uint64_t, kBounds.size() + 1> cumulative{};  // last = count (+Inf)
    double sum_seconds = 0;
    std::uint64_t count() const { return cumulative.back(); }
  };
  Snapshot snapshot() const {
    Snapshot snapshot;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      running += counts_[i].load(std::memory_order_relaxed);
      snapshot.cumulative[i] = running;
    }
    snapshot.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) * 1e-9;
    return snapshot;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace lull::runtime
