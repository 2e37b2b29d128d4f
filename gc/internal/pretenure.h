// pretenure.h: survival-driven pretenuring, per heap (no allocation sites). When the minor
// collections of the recent past promoted nearly everything they found (survival at or above
// Policy::pretenure_survival), copying young objects is pure overhead: allocation that would go
// to the nursery goes straight to the old space instead (allocate-black, like every old-space
// allocation). Every kSampleEveryNurseries nurseries' worth of pretenured bytes, allocation
// falls back to the nursery for one sampling window so the next minor collections re-measure
// survival; a low measurement switches pretenuring off again.
//
//             2 windows >= threshold               window >= threshold
//   kYoung ---------------------------> kPretenuring <----------------- kSampling
//     ^                                      |  sample_every bytes           |
//     |                                      +-------------------------------^
//     +------------------ window < threshold (in kSampling) -----------------+
//
// A window is at least window_bytes() of nursery bytes seen by minor collections (one or more),
// survival is byte-weighted over it: survived bytes / nursery bytes used. Minor collections in
// kPretenuring are not samples (the nursery then holds only what was allocated before the
// switch). The collector keeps the nursery's fast path closed exactly while young() is false.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lull::gc::internal {

// Test override: kAlways pretenures every young allocation (no sampling), kNever never does.
enum class PretenureOverride : uint8_t { kAuto, kAlways, kNever };

class Pretenuring {
 public:
  enum class State : uint8_t { kYoung, kPretenuring, kSampling };

  // Window: half a nursery. Smaller samples measure objects the handler in progress still
  // holds (a tiny minor collection sees ~100 % survival in any workload); half a nursery is
  // below what the reactor's paced minor collections see (gc.nursery_fill, 0.75 by default),
  // so one paced minor completes one window.
  static constexpr size_t kWindowDivisor = 2;
  // Entering takes this many consecutive windows at or above the threshold (one nursery of
  // evidence): one window can be a burst of long-lived objects in an otherwise short-lived
  // stream; a wrong switch costs old-space garbage until the next sample and the next major.
  static constexpr uint32_t kEnterWindows = 2;
  // Sampling period: after this many nurseries' worth of pretenured bytes, one window is
  // allocated young again. It bounds both sides: if survival has dropped, at most 8 nurseries
  // (32 MiB at the default 4 MiB) of short-lived objects were misplaced into the old space
  // (freed by the next major cycle); if it has not, sampling copies one window per 8.5
  // nurseries allocated, about 6 % of the copying that pretenuring saves.
  static constexpr size_t kSampleEveryNurseries = 8;

  // `threshold`: Policy::pretenure_survival (0: off); `nursery_capacity`: the nursery's bytes.
  Pretenuring(double threshold, size_t nursery_capacity);

  // Allocation that would go to the nursery goes there (fast path open), or to the old space.
  bool young() const { return state_ != State::kPretenuring; }
  State state() const { return state_; }

  // After each minor collection: `used` nursery bytes, `survived` of them (headers included).
  // Returns true if young() changed.
  bool record_minor(size_t used, size_t survived);
  // After each pretenured allocation of `bytes`; returns true if young() changed (sampling).
  bool record_pretenured(size_t bytes);
  // Tests only; returns true if young() changed.
  bool set_override(PretenureOverride mode);

  size_t window_bytes() const { return window_bytes_; }
  size_t sample_every_bytes() const { return sample_every_bytes_; }
  uint64_t pretenured_bytes() const { return pretenured_bytes_; }
  uint64_t pretenured_objects() const { return pretenured_objects_; }

 private:
  void enter(State state);

  double threshold_;
  size_t window_bytes_;
  size_t sample_every_bytes_;
  PretenureOverride override_ = PretenureOverride::kAuto;
  State state_ = State::kYoung;
  // The window being filled.
  size_t window_used_ = 0;
  size_t window_survived_ = 0;
  uint32_t high_windows_ = 0;           // consecutive windows at or above the threshold
  size_t pretenured_since_sample_ = 0;  // bytes, in kPretenuring
  uint64_t pretenured_bytes_ = 0;
  uint64_t pretenured_objects_ = 0;
};

}  // namespace lull::gc::internal
