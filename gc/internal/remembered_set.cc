// remembered_set.cc: folding duplicate slots (amortised O(1) per barrier hit).
#include "gc/internal/remembered_set.h"

#include <algorithm>

namespace lull::gc::internal {

void RememberedSet::dedup() {
  std::sort(slots_.begin(), slots_.end());
  slots_.erase(std::unique(slots_.begin(), slots_.end()), slots_.end());
  dedup_at_ = std::max(kInitialDedupAt, 2 * slots_.size());
}

}  // namespace lull::gc::internal
