// collector.h: Collector, the heap's engine: owns the spaces and mechanisms, runs the allocation
// slow paths, minor collections and the major-cycle phase machine, keeps statistics and calls
// the observer. Heap is its public face. Reactor thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "gc/heap.h"
#include "gc/internal/large_space.h"
#include "gc/internal/marker.h"
#include "gc/internal/nursery.h"
#include "gc/internal/old_space.h"
#include "gc/internal/os_memory.h"
#include "gc/internal/pretenure.h"
#include "gc/internal/remembered_set.h"
#include "gc/internal/root_list.h"
#include "gc/internal/scavenger.h"
#include "gc/internal/schedule.h"
#include "gc/internal/sweeper.h"

namespace lull::gc::internal {

// The major cycle, driven by step() (collect_step), full() (collect, hard limit) and, in classic
// mode, by allocation:
//
//   kIdle --start--> kMarking --mark stack empty--> kSweeping --all swept--> kIdle (+1 cycle)
//
// start (in the step that leaves kIdle): a minor collection empties the nursery and the
//   remembered set (if the nursery holds more than kSmallMinorBytes and the estimate does not fit
//   the budget, the step does nothing and reports minor_needed); the epoch advances (every old
//   object turns white at once); every root is shaded: O(roots), not O(heap); the barrier's
//   marking half turns on.
// kMarking: Marker::step until the budget expires or the stack is empty. With a deletion
//   (snapshot-at-the-beginning) barrier and allocate-black, an empty stack means done: no root
//   rescan, no final atomic pause. Leaving marking is O(1): barrier off, sweeper cursors reset.
// kSweeping: Sweeper::step (pages slot by slot, large blocks, chunked unmaps, page release).
//   When done: live bytes after major = old + large bytes; the trigger is recomputed.
// Minor collections may run in any phase: their copies are black.
//
// Allocation slow path for a young-eligible object: torture work; then, while pretenuring
// (internal/pretenure.h), the old space (allocate-black, counted); else the nursery up to its
// end; else, when full, the region / classic / overflow cases. Invariant kept by
// sync_pretenuring(): the nursery's fast path is closed whenever pretenuring_.young() is false,
// so no young-eligible allocation bypasses the decision.
class Collector {
 public:
  static constexpr size_t kSmallMinorBytes = 16 * 1024;

  Collector(const Policy& policy, Nursery& nursery);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  HeapObjectHeader* allocate_slow(size_t payload, bool young);

  StepResult step(Budget& budget, GcContext context);
  // A deadline budget with this heap's adaptive clock-check batch.
  Budget budget_until(Clock::time_point deadline) {
    return Budget(deadline, std::numeric_limits<uint64_t>::max(), &units_per_check_);
  }
  bool minor(GcContext context);
  bool full(GcContext context);     // hard limit and collect()
  bool collect(GcContext context);  // Heap::collect: full() counted as forced
  void write_barrier_slow(void** slot, void* old_value, void* new_value);

  void enter_region() { ++no_gc_depth_; }
  void leave_region() { --no_gc_depth_; }
  bool in_region() const { return no_gc_depth_ > 0; }
  void set_disabled(bool disabled) { disabled_ = disabled; }
  bool disabled() const { return disabled_; }
  void set_torture(bool on);
  bool torture() const { return torture_; }
  void set_pretenure_override(PretenureOverride mode);
  bool pretenuring() const { return !pretenuring_.young(); }
  void set_observer(GcObserver* observer) { observer_ = observer; }

  MajorPhase phase() const { return phase_; }
  bool major_work_pending() const {
    return phase_ != MajorPhase::kIdle || schedule_.trigger_reached(old_total_bytes());
  }
  size_t old_total_bytes() const { return old_.object_bytes() + large_.bytes(); }
  size_t committed_bytes() const {
    return nursery_.capacity() + old_.committed_bytes() + large_.bytes();
  }
  std::chrono::nanoseconds estimate_minor() const {
    return schedule_.estimate_minor(nursery_.used(), remembered_.size() + roots_.size());
  }
  const Schedule& schedule() const { return schedule_; }
  HeapStatistics statistics() const;
  const Policy& policy() const { return policy_; }
  void retune(const Policy& policy);  // Heap::retune
  RootList& roots() { return roots_; }

 private:
  friend class Verifier;
  friend struct lull::gc::internal::TestingAccess;

  HeapObjectHeader* allocate_old(size_t payload);
  HeapObjectHeader* allocate_pretenured(size_t payload);
  void sync_pretenuring() { nursery_.set_pretenuring(!pretenuring_.young()); }
  HeapObjectHeader* allocate_large(size_t payload);
  void enforce_hard_limit(size_t extra_bytes);
  void classic_work();
  void torture_work();
  bool start_cycle(Budget& budget, GcContext context);
  void finish_marking();
  void finish_cycle();
  MinorOutcome run_minor();
  void update_barrier_state();
  void emit(GcKind kind, GcContext context, Clock::time_point start, uint64_t bytes,
            uint64_t objects);

  Policy policy_;
  Nursery& nursery_;
  Releaser releaser_;  // before the spaces: destroyed (drained, joined) after them
  OldSpace old_;
  LargeSpace large_;
  RememberedSet remembered_;
  RootList roots_;
  Marker marker_;
  Sweeper sweeper_;
  Scavenger scavenger_;
  Schedule schedule_;
  Pretenuring pretenuring_;
  GcObserver* observer_ = nullptr;
  MajorPhase phase_ = MajorPhase::kIdle;
  uint8_t epoch_ = 1;
  int no_gc_depth_ = 0;
  bool disabled_ = false;
  bool torture_ = false;
  uint32_t units_per_check_ = Budget::kInitialUnitsPerCheck;  // adapted by every timed step
  bool in_gc_ = false;          // a collection is running: allocation is a bug
  bool quiet_ = false;          // inside full(): inner phases report as one kFull event
  bool keep_no_pages_ = false;  // inside full(): return every empty page

  // Counters behind HeapStatistics.
  uint64_t allocated_bytes_ = 0;  // excluding the current nursery contents
  uint64_t promoted_bytes_ = 0;
  uint64_t major_cycles_ = 0;
  uint64_t minor_collections_ = 0;
  uint64_t region_overflows_ = 0;
  uint64_t region_overflow_bytes_ = 0;
  uint64_t nursery_overflows_ = 0;
  uint64_t forced_collections_ = 0;
  uint64_t hard_limit_collections_ = 0;
  uint64_t region_breaks_ = 0;
  uint64_t young_destructors_ = 0;
};

}  // namespace lull::gc::internal
