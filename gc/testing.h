// testing.h: the collector's test hooks, one name (..._for_testing) and one home. Not for
// production code: the verifier is O(heap) and torture mode collects at every allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gc/heap.h"

namespace lull::gc::testing {

// Runs the heap verifier (gc/internal/verifier.h); returns one line per broken invariant.
std::vector<std::string> verify_heap_for_testing(Heap& heap);
// Torture mode: every allocation runs a minor collection and a tiny major step; every barrier
// slow path (always taken in torture) runs a little marking.
void set_torture_for_testing(Heap& heap, bool on);
// Pretenuring (gc/internal/pretenure.h) forced on for every young-eligible allocation, forced
// off, or back to the policy's survival-driven decision (kAuto).
enum class PretenureMode { kAuto, kAlways, kNever };
void set_pretenuring_for_testing(Heap& heap, PretenureMode mode);
// True while young-eligible allocation goes to the old space.
bool pretenuring_for_testing(Heap& heap);
// A major step bounded by work units instead of time (deterministic).
StepResult collect_step_units_for_testing(Heap& heap, uint64_t units,
                                          GcContext context = GcContext::kIdle);
size_t remembered_set_size_for_testing(Heap& heap);
bool is_young_for_testing(Heap& heap, const void* object);
// Black in the current cycle (marked, or allocated/promoted since the cycle started).
bool is_marked_for_testing(Heap& heap, const void* object);
size_t cached_empty_page_bytes_for_testing(Heap& heap);
// Waits until the releaser thread has unmapped everything handed to it.
void drain_releases_for_testing(Heap& heap);

}  // namespace lull::gc::testing
