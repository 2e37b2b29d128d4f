// nursery.cc: mapping, slow-path allocation and reset of the nursery.
#include "gc/internal/nursery.h"

#include <cstring>

#include "gc/internal/assert.h"
#include "gc/internal/os_memory.h"

namespace lull::gc::internal {

Nursery::Nursery(size_t capacity) {
  capacity_ = round_up(capacity < kOsPageSize ? kOsPageSize : capacity, kOsPageSize);
  begin_ = static_cast<char*>(os_map(capacity_));
  top_ = begin_;
  end_ = begin_ + capacity_;
  LULL_GC_POISON(begin_, capacity_);
  refresh_limit();
}

Nursery::~Nursery() {
  LULL_GC_UNPOISON(begin_, capacity_);
  os_unmap(begin_, capacity_);
}

HeapObjectHeader* Nursery::allocate_to_end(size_t payload) {
  const size_t total = kHeaderSize + payload;
  if (static_cast<size_t>(end_ - top_) < total) return nullptr;
  auto* header = reinterpret_cast<HeapObjectHeader*>(top_);
  LULL_GC_UNPOISON(top_, total);
  top_ += total;
  header->init(static_cast<uint32_t>(payload), 0, 0);
  refresh_limit();
  return header;
}

void Nursery::reset() {
  if (LULL_GC_DEBUG) std::memset(begin_, 0xdb, used());
  top_ = begin_;
  LULL_GC_POISON(begin_, capacity_);
  finalizable_.clear();
  refresh_limit();
}

}  // namespace lull::gc::internal
