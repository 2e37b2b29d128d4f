// latency_histogram.cc: percentiles and bucket listings of LatencyHistogram.
#include "bench/ticks/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace lull::bench {

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
}

std::uint64_t LatencyHistogram::upper_edge(std::size_t index) {
  if (index < kExactBelow) return index;
  const std::size_t above = index - kExactBelow;
  const int top_bit = static_cast<int>(above / kSubBuckets) + 8;
  const std::uint64_t sub = kSubBuckets + above % kSubBuckets;
  const int shift = top_bit - kSubBucketBits;
  return ((sub + 1) << shift) - 1;
}

std::uint64_t LatencyHistogram::percentile(double fraction) const {
  if (count_ == 0) return 0;
  const auto rank =
      static_cast<std::uint64_t>(std::max(1.0, std::ceil(fraction * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_edge(i), max_);
  }
  return max_;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> LatencyHistogram::buckets() const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    if (counts_[i] != 0) out.emplace_back(std::min(upper_edge(i), max_), counts_[i]);
  }
  return out;
}

}  // namespace lull::bench
