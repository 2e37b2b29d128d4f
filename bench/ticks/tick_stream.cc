// tick_stream.cc: event generation; see tick_stream.h.
#include "bench/ticks/tick_stream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lull::bench {
namespace {
constexpr double kWalkBound = 0.009;  // ordinary prices stay within 1 % of the base
constexpr double kWalkStep = 0.001;   // the walk's largest move per tick
constexpr double kJump = 0.10;
}  // namespace

TickStream::TickStream(std::uint64_t seed, int keys, double rate, double jump_fraction,
                       std::int64_t t0_ns)
    : random_(seed),
      keys_(keys),
      rate_(rate),
      jump_fraction_(jump_fraction),
      t0_ns_(t0_ns),
      base_(static_cast<std::size_t>(keys)),
      walk_(static_cast<std::size_t>(keys), 0.0) {
  for (auto& base : base_) base = 50.0 + std::floor(uniform() * 10'000) / 100;  // 50.00-149.99
}

double TickStream::uniform() {
  return static_cast<double>(random_() >> 11) * 0x1p-53;
}

std::int64_t TickStream::scheduled_ts(std::uint64_t seq) const {
  return lull::bench::scheduled_ts(t0_ns_, rate_, seq);
}

Tick TickStream::next(std::string& out) {
  Tick tick;
  tick.seq = next_seq_++;
  tick.ts = scheduled_ts(tick.seq);
  tick.key = static_cast<std::uint32_t>(random_() % static_cast<std::uint64_t>(keys_));
  tick.jump = uniform() < jump_fraction_;
  const double base = base_[tick.key];
  double& walk = walk_[tick.key];
  const bool up = (random_() & 1) != 0;
  const double step = (uniform() * 2 - 1) * kWalkStep;
  const int size = 1 + static_cast<int>(random_() % 10);
  double price;
  if (tick.jump) {
    price = base * (up ? 1 + kJump : 1 - kJump);  // the walk goes on from where it was
  } else {
    walk = std::clamp(walk + step, -kWalkBound, kWalkBound);
    price = base * (1 + walk);
  }
  char price_text[32];
  std::snprintf(price_text, sizeof price_text, "%.4f", price);
  tick.price = std::strtod(price_text, nullptr);

  char line[192];
  const int length =
      std::snprintf(line, sizeof line,
                    R"({"seq":%llu,"ts":%lld,"key":"m%05u","type":"tick","price":%s,"size":%d})"
                    "\n",
                    static_cast<unsigned long long>(tick.seq), static_cast<long long>(tick.ts),
                    tick.key, price_text, size);
  out.append(line, static_cast<std::size_t>(length));
  return tick;
}

}  // namespace lull::bench
