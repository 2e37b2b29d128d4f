// schedule.h: when and how much. Budget is the deadline of one step plus the rule for reading
// the clock: work is charged in units (8 slots swept; a dead slot 2, a destructor 16; a traced
// object 4, a shaded reference 8), and the clock is read once per batch of units. The batch adapts
// (Budget's `batch`) so that it takes about 1 us here: a clock read costs 25-70 ns on this VM, a
// shaded reference anywhere from 5 ns (cached) to 1 us (cache and nested-TLB miss). So a step
// overshoots its deadline by about one batch plus its longest single unit; and every step does at
// least one batch, so tiny deadlines progress. Schedule: the major trigger and the estimate of a
// minor collection's duration.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "gc/policy.h"

namespace lull::gc::internal {

using Clock = std::chrono::steady_clock;

class Budget {
 public:
  static constexpr uint32_t kInitialUnitsPerCheck = 128;
  static constexpr uint32_t kMinUnitsPerCheck = 8;
  static constexpr uint32_t kMaxUnitsPerCheck = 1024;

  // `batch` (optional) is the caller's adaptive batch size, kept across steps: after each clock
  // read it is halved if the batch took over 1.5 us and doubled under 0.4 us, so the batch stays
  // near 1 us whatever a unit really costs here (cache and TLB misses under virtualisation cost
  // 5-10x what they do on bare metal).
  explicit Budget(Clock::time_point deadline,
                  uint64_t max_units = std::numeric_limits<uint64_t>::max(),
                  uint32_t* batch = nullptr);
  static Budget unlimited() { return Budget(Clock::time_point::max()); }
  static Budget units(uint64_t max_units) { return Budget(Clock::time_point::max(), max_units); }

  // Charges work; true once the step must stop.
  bool charge(uint32_t units) {
    used_ += units;
    since_check_ += units;
    if (since_check_ >= per_check_ || used_ >= max_units_) return check();
    return expired_;
  }
  bool check();
  bool expired() const { return expired_; }
  uint64_t used() const { return used_; }
  Clock::time_point deadline() const { return deadline_; }

 private:
  Clock::time_point deadline_;
  Clock::time_point last_check_;
  uint64_t max_units_;
  uint32_t* batch_;
  uint64_t used_ = 0;
  uint32_t since_check_ = 0;
  uint32_t per_check_;
  bool expired_ = false;
};

class Schedule {
 public:
  explicit Schedule(const Policy& policy) : policy_(policy) {}

  size_t trigger_bytes() const;
  bool trigger_reached(size_t old_bytes) const { return old_bytes >= trigger_bytes(); }
  void set_live_after_major(size_t bytes) { live_after_major_ = bytes; }
  size_t live_after_major() const { return live_after_major_; }

  // Expected duration of a minor collection now: fixed cost + root/remembered slots + nursery
  // bytes x measured survival x measured ns per promoted byte. Starts pessimistic (100 %
  // survival, 1 ns/B) and follows measurements (EWMA).
  std::chrono::nanoseconds estimate_minor(size_t nursery_used, size_t slots) const;
  void record_minor(size_t nursery_used, size_t promoted, size_t slots, Clock::duration took);

 private:
  static constexpr double kFixedNs = 1000;
  static constexpr double kNsPerSlot = 4;

  const Policy& policy_;
  size_t live_after_major_ = 0;
  double survival_ = 1.0;
  double ns_per_promoted_byte_ = 1.0;
};

}  // namespace lull::gc::internal
