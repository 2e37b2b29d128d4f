// assert.h: the collector's three grades of assertion (mimalloc's scheme).
//   LULL_GC_CHECK     always on: cheap checks whose failure means heap corruption.
//   LULL_GC_DCHECK    debug builds only (!NDEBUG): per-object and per-call checks.
//   LULL_GC_XCHECK    expensive (O(heap)) checks, only with -DLULL_GC_EXPENSIVE_CHECKS=ON.
// The failure path writes with fprintf to stderr and aborts; it never touches the GC heap.
#pragma once

namespace lull::gc::internal {

[[noreturn]] void assert_failed(const char* grade, const char* expr, const char* msg,
                                const char* file, int line);

}  // namespace lull::gc::internal

#define LULL_GC_CHECK(cond, msg)                                                      \
  do {                                                                                \
    if (!(cond)) [[unlikely]]                                                         \
      ::lull::gc::internal::assert_failed("check", #cond, (msg), __FILE__, __LINE__); \
  } while (0)

#ifndef NDEBUG
#define LULL_GC_DCHECK(cond, msg)                                                      \
  do {                                                                                 \
    if (!(cond)) [[unlikely]]                                                          \
      ::lull::gc::internal::assert_failed("dcheck", #cond, (msg), __FILE__, __LINE__); \
  } while (0)
#define LULL_GC_DEBUG 1
#else
#define LULL_GC_DCHECK(cond, msg) \
  do {                            \
  } while (0)
#define LULL_GC_DEBUG 0
#endif

#ifdef LULL_GC_EXPENSIVE_CHECKS
#define LULL_GC_XCHECK(cond, msg)                                                      \
  do {                                                                                 \
    if (!(cond)) [[unlikely]]                                                          \
      ::lull::gc::internal::assert_failed("xcheck", #cond, (msg), __FILE__, __LINE__); \
  } while (0)
#define LULL_GC_EXPENSIVE 1
#else
#define LULL_GC_XCHECK(cond, msg) \
  do {                            \
  } while (0)
#define LULL_GC_EXPENSIVE 0
#endif
