// price_jump_model.h: the reference model of the spec's `price-jump` rule, which gives the
// set of events that must fire. Per key: the events whose ts lies in
// [ts - window, ts] (lulld drops an event when its ts < now - window), the new event excluded;
// fire when there are at least min_events and |price - mean| / mean > threshold; then the event
// joins the window. Events of a key must be fed in ts order. The mean comes from a running sum;
// near the threshold it is summed afresh from the window's prices.
// A deviation within 1e-9 of the threshold is reported as `kBorderline`: lulld's running sum
// and this model's may round differently there, so either answer is accepted (none is
// expected: ordinary prices deviate by a few %, jumps by about 10 %).
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace lull::bench {

enum class Verdict : std::uint8_t { kNoFire = 0, kFire = 1, kBorderline = 2 };

class PriceJumpModel {
 public:
  PriceJumpModel(int keys, std::int64_t window_ns, int min_events, double threshold);

  Verdict feed(std::uint32_t key, std::int64_t ts, double price);

 private:
  struct KeyWindow {
    std::deque<std::pair<std::int64_t, double>> events;  // (ts, price), oldest first
    double sum = 0, compensation = 0;                    // Neumaier, as lulld keeps it
    void add(double x);
    double total() const { return sum + compensation; }
  };
  std::vector<KeyWindow> windows_;
  std::int64_t window_ns_;
  std::size_t min_events_;
  double threshold_;
};

}  // namespace lull::bench
