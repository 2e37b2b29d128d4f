// errors.h: the collector's exception. HeapLimitError is thrown by an allocation when the heap
// is still above Policy::hard_limit_bytes after the full collection the limit forced.
#pragma once

#include <cstddef>
#include <new>

namespace lull::gc {

class HeapLimitError : public std::bad_alloc {
 public:
  HeapLimitError(size_t committed, size_t requested, size_t limit)
      : committed_(committed), requested_(requested), limit_(limit) {}
  const char* what() const noexcept override {
    return "lull::gc: hard heap limit exceeded after a full collection";
  }
  size_t committed_bytes() const { return committed_; }
  size_t requested_bytes() const { return requested_; }
  size_t limit_bytes() const { return limit_; }

 private:
  size_t committed_, requested_, limit_;
};

}  // namespace lull::gc
