// object_header.cc: compile-time checks of the header layout drawn in object_header.h, and
// the failure path of the assertion macros (assert.h).
#include "gc/internal/object_header.h"

#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "gc/internal/assert.h"

namespace lull::gc::internal {

struct HeaderLayoutCheck {
  // The header must stay two words with the fields where the diagram puts them: the nursery
  // fast path writes it as two stores, and free slots reuse word 0 as the free-list link.
  static_assert(std::is_standard_layout_v<HeapObjectHeader>);
  static_assert(offsetof(HeapObjectHeader, word0_) == 0);
  static_assert(offsetof(HeapObjectHeader, size_) == 8);
  static_assert(offsetof(HeapObjectHeader, mark_) == 12);
  static_assert(offsetof(HeapObjectHeader, flags_) == 13);
  static_assert(offsetof(HeapObjectHeader, unused_) == 14);
};

[[noreturn]] void assert_failed(const char* grade, const char* expr, const char* msg,
                                const char* file, int line) {
  // No heap access here: the heap may be what is broken.
  std::fprintf(stderr, "lull gc %s failed: %s (%s) at %s:%d\n", grade, expr, msg, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace lull::gc::internal
