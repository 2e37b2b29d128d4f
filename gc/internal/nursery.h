// nursery.h: the young generation, one contiguous mapping with a bump pointer.
// Allocation fast path (its whole budget): load top and limit, one compare, store top, two header
// stores. Every mode switch lives in the limit, never in a second test: the limit is normally
// the end; it equals top (forcing every allocation onto the slow path) in torture mode, while a
// collection runs, and while young allocation is pretenured (internal/pretenure.h). Young objects
// with destructors (opt-in relocatable types only) are listed in finalizable_ so a minor collection
// can run exactly those that died.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gc/internal/object_header.h"

namespace lull::gc::internal {

class Nursery {
 public:
  explicit Nursery(size_t capacity);
  ~Nursery();
  Nursery(const Nursery&) = delete;
  Nursery& operator=(const Nursery&) = delete;

  HeapObjectHeader* try_allocate(size_t payload) {
    const size_t total = kHeaderSize + payload;
    char* const top = top_;
    if (static_cast<size_t>(limit_ - top) < total) [[unlikely]]
      return nullptr;
    top_ = top + total;
    LULL_GC_UNPOISON(top, total);
    auto* header = reinterpret_cast<HeapObjectHeader*>(top);
    header->init(static_cast<uint32_t>(payload), 0, 0);
    return header;
  }
  // Slow-path allocation up to the real end (ignores a torture, closed or pretenuring limit).
  HeapObjectHeader* allocate_to_end(size_t payload);

  bool contains(const void* p) const {
    return reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(begin_) < capacity_;
  }
  // Inside the allocated part: a live or forwarded young object may start here.
  bool in_used_part(const void* p) const {
    return static_cast<const char*>(p) >= begin_ && static_cast<const char*>(p) < top_;
  }
  size_t used() const { return static_cast<size_t>(top_ - begin_); }
  size_t capacity() const { return capacity_; }
  uintptr_t begin_address() const { return reinterpret_cast<uintptr_t>(begin_); }

  void add_finalizable(HeapObjectHeader* header) { finalizable_.push_back(header); }
  std::vector<HeapObjectHeader*>& finalizable() { return finalizable_; }

  // After a minor collection: everything was promoted or died. Debug builds poison the freed
  // bytes so a stale reference into the old nursery reads 0xdb, not plausible data.
  void reset();
  void set_torture(bool on) {
    torture_ = on;
    refresh_limit();
  }
  void set_closed(bool closed) {
    closed_ = closed;
    refresh_limit();
  }
  bool closed() const { return closed_; }
  // While pretenuring, the fast path fails and the slow path allocates in the old space.
  void set_pretenuring(bool on) {
    pretenuring_ = on;
    refresh_limit();
  }
  void refresh_limit() { limit_ = (torture_ || closed_ || pretenuring_) ? top_ : end_; }

 private:
  char* top_ = nullptr;  // hot fields first
  char* limit_ = nullptr;
  char* begin_ = nullptr;
  char* end_ = nullptr;
  size_t capacity_ = 0;
  bool torture_ = false;
  bool closed_ = false;
  bool pretenuring_ = false;
  std::vector<HeapObjectHeader*> finalizable_;
};

}  // namespace lull::gc::internal
