// no_gc_scope.h: NoGcScope, a nestable region inside which the heap never collects. A full
// nursery spills allocation into the old space (counted as region overflow); the minor
// collection is left for the next explicit call outside. Only the hard heap limit breaks a
// region (a full collection, counted and reported with context kRegion).
#pragma once

namespace lull::gc {

class Heap;

class NoGcScope {
 public:
  explicit NoGcScope(Heap& heap);
  ~NoGcScope();
  NoGcScope(const NoGcScope&) = delete;
  NoGcScope& operator=(const NoGcScope&) = delete;

 private:
  Heap& heap_;
};

}  // namespace lull::gc
