// tick_stream.h: the deterministic stream of ticks (ticks-workload.md) for one seed: event
// `seq` (1, 2, ...) is scheduled at t0 + (seq - 1) / rate and its `ts` is that scheduled time,
// so a daemon that stalls the sender is still charged from when the event was due. Keys are
// drawn uniformly; an ordinary price is a bounded random walk within 1 % of the key's base,
// and a `jump_fraction` of events is the base +-10 %. The price is read back from its text, so
// the reference model and lulld see the same double.
#pragma once

#include <time.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace lull::bench {

// The clock of the schedule and of the scoring, as the spec has it: CLOCK_REALTIME, in ns.
inline std::int64_t realtime_ns() {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
}

// The scheduled send time of event `seq` (from 1) of a stream at `rate` events/s from t0_ns.
inline std::int64_t scheduled_ts(std::int64_t t0_ns, double rate, std::uint64_t seq) {
  return t0_ns + std::llround(static_cast<double>(seq - 1) * (1e9 / rate));
}

struct Tick {
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::uint32_t key = 0;
  double price = 0;
  bool jump = false;
};

class TickStream {
 public:
  TickStream(std::uint64_t seed, int keys, double rate, double jump_fraction, std::int64_t t0_ns);

  // The clock of the schedule and of the scoring, as the spec has it: CLOCK_REALTIME, in ns.
  inline std::int64_t realtime_ns() {
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
  }

  // The scheduled send time of event `seq`, in CLOCK_REALTIME ns.
  std::int64_t scheduled_ts(std::uint64_t seq) const;
  // The next event; appends its NDJSON line (with '\n') to `out`.
  Tick next(std::string& out);

 private:
  double uniform();  // [0, 1)

  std::mt19937_64 random_;  // fully specified by the standard: the same stream everywhere
  int keys_;
  double rate_;
  double jump_fraction_;
  std::int64_t t0_ns_;
  std::uint64_t next_seq_ = 1;
  std::vector<double> base_, walk_;  // per key: base price, offset from it (within +-0.9 %)
};

}  // namespace lull::bench
