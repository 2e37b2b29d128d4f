// remembered_set.h: the old-to-young slots recorded by the write barrier since the last minor
// collection, as a vector of slot addresses. Repeated stores to one slot are folded cheaply
// (the last entry is compared) and fully by an occasional sort+unique when the vector doubles.
// Emptied by every minor collection (promote-all leaves no young object behind).
#pragma once

#include <cstddef>
#include <vector>

namespace lull::gc::internal {

class RememberedSet {
 public:
  void add(void** slot) {
    if (!slots_.empty() && slots_.back() == slot) return;
    slots_.push_back(slot);
    if (slots_.size() >= dedup_at_) [[unlikely]]
      dedup();
  }
  const std::vector<void**>& slots() const { return slots_; }
  size_t size() const { return slots_.size(); }
  void clear() {
    slots_.clear();
    dedup_at_ = kInitialDedupAt;
  }

 private:
  static constexpr size_t kInitialDedupAt = 4096;
  void dedup();

  std::vector<void**> slots_;
  size_t dedup_at_ = kInitialDedupAt;
};

}  // namespace lull::gc::internal
