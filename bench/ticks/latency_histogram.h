// latency_histogram.h: a log-linear histogram of non-negative nanosecond values (HdrHistogram's
// layout): exact below 256 ns, then 128 linear sub-buckets per power of two, so a recorded value
// is known to within 1/128 (0.8 %) of itself. Fixed size (~7,000 counters for values up to
// 2^63 ns), no allocation when recording. One thread records; merge() combines histograms.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace lull::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;  // 128 sub-buckets: 1/128 relative precision
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;
  static constexpr std::uint64_t kExactBelow = 2 * kSubBuckets;  // 256 ns
  static constexpr std::size_t kBucketCount = kExactBelow + (64 - 8) * kSubBuckets;

  void record(std::int64_t value_ns) {
    const std::uint64_t value = value_ns < 0 ? 0 : static_cast<std::uint64_t>(value_ns);
    ++counts_[index_of(value)];
    ++count_;
    if (value > max_) max_ = value;
    if (count_ == 1 || value < min_) min_ = value;
  }

  void merge(const LatencyHistogram& other);
  void clear() { *this = LatencyHistogram(); }

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  std::uint64_t min() const { return min_; }
  // The smallest recorded value v such that at least `fraction` of all values are <= v, to
  // within the bucket's width (the bucket's upper edge, capped at the exact maximum); 0 if empty.
  std::uint64_t percentile(double fraction) const;

  // Every non-empty bucket as (upper edge in ns, count), in increasing order.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets() const;

  static std::size_t index_of(std::uint64_t value) {
    if (value < kExactBelow) return static_cast<std::size_t>(value);
    const int top_bit = std::bit_width(value) - 1;  // >= 8
    const int shift = top_bit - kSubBucketBits;     // keeps the 8 leading bits
    return static_cast<std::size_t>(kExactBelow + (top_bit - 8) * kSubBuckets +
                                    ((value >> shift) - kSubBuckets));
  }
  // The largest value that falls into bucket `index`.
  static std::uint64_t upper_edge(std::size_t index);

 private:
  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t count_ = 0, max_ = 0, min_ = 0;
};

}  // namespace lull::bench
