// bench_util.h: what the gc benchmarks share: the 32-byte managed object they allocate and the
// thread CPU clock that separates the collector's own work from time given to other processes.
#pragma once

#include <time.h>

#include <cstdint>

#include "gc/garbage_collected.h"
#include "gc/member.h"
#include "gc/visitor.h"

namespace lull::gc::bench {

// 32-byte payload (48-byte slot): two words of data, a reference, a pad.
struct Small : GarbageCollected<Small> {
  Small(int64_t a, int64_t b) : x(a), y(b) {}
  void trace(Visitor& v) const { v.trace(next); }
  int64_t x, y;
  Member<Small> next;
  int64_t pad = 0;
};
static_assert(sizeof(Small) == 32);

inline double thread_cpu_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

}  // namespace lull::gc::bench
