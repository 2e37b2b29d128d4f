// pretenure.cc: the pretenuring state machine (see pretenure.h).
#include "gc/internal/pretenure.h"

#include <algorithm>

#include "gc/internal/assert.h"

namespace lull::gc::internal {

Pretenuring::Pretenuring(double threshold, size_t nursery_capacity)
    : threshold_(threshold),
      window_bytes_(std::max<size_t>(1, nursery_capacity / kWindowDivisor)),
      sample_every_bytes_(kSampleEveryNurseries * nursery_capacity) {
  LULL_GC_CHECK(threshold >= 0.0 && threshold <= 1.0, "pretenure_survival outside [0, 1]");
}

void Pretenuring::enter(State state) {
  state_ = state;
  window_used_ = 0;
  window_survived_ = 0;
  high_windows_ = 0;
  pretenured_since_sample_ = 0;
}

bool Pretenuring::record_minor(size_t used, size_t survived) {
  if (override_ != PretenureOverride::kAuto || threshold_ == 0.0) return false;
  if (state_ == State::kPretenuring || used == 0) return false;
  window_used_ += used;
  window_survived_ += survived;
  if (window_used_ < window_bytes_) return false;
  const bool high =
      static_cast<double>(window_survived_) >= threshold_ * static_cast<double>(window_used_);
  window_used_ = 0;
  window_survived_ = 0;
  if (state_ == State::kSampling) {
    // One window decides: the evidence that switched pretenuring on still stands unless this
    // fresh measurement contradicts it.
    enter(high ? State::kPretenuring : State::kYoung);
    return high;
  }
  high_windows_ = high ? high_windows_ + 1 : 0;
  if (high_windows_ < kEnterWindows) return false;
  enter(State::kPretenuring);
  return true;
}

bool Pretenuring::record_pretenured(size_t bytes) {
  pretenured_bytes_ += bytes;
  ++pretenured_objects_;
  if (override_ != PretenureOverride::kAuto) return false;
  pretenured_since_sample_ += bytes;
  if (pretenured_since_sample_ < sample_every_bytes_) return false;
  enter(State::kSampling);
  return true;
}

bool Pretenuring::set_override(PretenureOverride mode) {
  const bool was_young = young();
  override_ = mode;
  enter(mode == PretenureOverride::kAlways ? State::kPretenuring : State::kYoung);
  return young() != was_young;
}

}  // namespace lull::gc::internal
