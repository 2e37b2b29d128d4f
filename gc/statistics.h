// statistics.h: HeapStatistics, the counters and gauges of one heap (bytes, cycles, overflows),
// read by runtime/ for the lull_heap_* and lull_gc_* metrics. Cheap: copying a struct.
#pragma once

#include <cstdint>

namespace lull::gc {

struct HeapStatistics {
  // Gauges, bytes.
  uint64_t nursery_used_bytes = 0;
  uint64_t nursery_capacity_bytes = 0;
  uint64_t old_bytes = 0;        // small objects in old-space pages (slot sizes)
  uint64_t large_bytes = 0;      // large-space blocks (mapped sizes)
  uint64_t committed_bytes = 0;  // nursery + old pages (incl. cached empty pages) + large blocks
  uint64_t live_bytes_after_last_major = 0;  // old + large bytes when the last cycle completed
  // Counters.
  uint64_t allocated_bytes_total = 0;  // every allocation, header included
  uint64_t promoted_bytes_total = 0;
  uint64_t major_cycles = 0;
  uint64_t minor_collections = 0;
  uint64_t region_overflows = 0;  // allocations spilled to the old space inside a no-GC region
  uint64_t region_overflow_bytes = 0;
  uint64_t nursery_overflows = 0;   // the same outside a region (explicit mode, nursery full)
  uint64_t forced_collections = 0;  // collect() calls and hard-limit collections
  uint64_t hard_limit_collections = 0;
  uint64_t region_breaks = 0;  // hard-limit collections that broke a no-GC region
  uint64_t destructors_run = 0;
  // Allocations that would have gone to the nursery but went to the old space because survival
  // was high (Policy::pretenure_survival); bytes with headers, as allocated_bytes_total.
  uint64_t pretenured_bytes = 0;
  uint64_t pretenured_objects = 0;
  uint64_t pages_returned = 0;  // old-space pages given back to the OS
};

}  // namespace lull::gc
