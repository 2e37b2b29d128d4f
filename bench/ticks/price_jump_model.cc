// price_jump_model.cc: see price_jump_model.h.
#include "bench/ticks/price_jump_model.h"

#include <cmath>

namespace lull::bench {

PriceJumpModel::PriceJumpModel(int keys, std::int64_t window_ns, int min_events, double threshold)
    : windows_(static_cast<std::size_t>(keys)),
      window_ns_(window_ns),
      min_events_(static_cast<std::size_t>(min_events)),
      threshold_(threshold) {}

void PriceJumpModel::KeyWindow::add(double x) {
  const double t = sum + x;
  compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
  sum = t;
}

Verdict PriceJumpModel::feed(std::uint32_t key, std::int64_t ts, double price) {
  KeyWindow& window = windows_[key];
  while (!window.events.empty() && window.events.front().first < ts - window_ns_) {
    window.add(-window.events.front().second);
    window.events.pop_front();
  }
  if (window.events.empty()) window.sum = window.compensation = 0;

  Verdict verdict = Verdict::kNoFire;
  if (window.events.size() >= min_events_) {
    const auto count = static_cast<double>(window.events.size());
    double deviation =
        std::fabs(price - window.total() / count) / std::fabs(window.total() / count);
    if (std::fabs(deviation - threshold_) < 1e-3) {
      // Near the threshold, decide on the plain mean summed afresh, so that the check does not
      // rest on the same running-sum arithmetic as lulld's (the two agree to ~1e-15).
      double sum = 0;
      for (const auto& event : window.events) sum += event.second;
      deviation = std::fabs(price - sum / count) / std::fabs(sum / count);
    }
    if (std::fabs(deviation - threshold_) < 1e-9) {
      verdict = Verdict::kBorderline;
    } else if (deviation > threshold_) {
      verdict = Verdict::kFire;
    }
  }
  window.events.emplace_back(ts, price);
  window.add(price);
  return verdict;
}

}  // namespace lull::bench
