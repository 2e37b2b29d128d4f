// collector.cc: allocation slow paths, the hard limit, minor collections, the major-cycle phase
// machine (see collector.h), statistics and observer events.
#include "gc/internal/collector.h"

#include "gc/errors.h"
#include "gc/internal/assert.h"
#include "gc/internal/barrier.h"
#include "gc/internal/verifier.h"

namespace lull::gc::internal {

namespace {
// Marks "the collector is running": allocation (a destructor or observer allocating) then hits
// the slow path, which refuses it with a clear message. The nursery limit is closed for that.
class GcGuard {
 public:
  GcGuard(bool& in_gc, Nursery& nursery)
      : in_gc_(in_gc), nursery_(nursery), saved_in_gc_(in_gc), saved_closed_(nursery.closed()) {
    in_gc_ = true;
    nursery_.set_closed(true);
  }
  ~GcGuard() {
    in_gc_ = saved_in_gc_;
    nursery_.set_closed(saved_closed_);
  }

 private:
  bool& in_gc_;
  Nursery& nursery_;
  bool saved_in_gc_;
  bool saved_closed_;
};

void expensive_verify([[maybe_unused]] Collector& collector) {
#if LULL_GC_EXPENSIVE
  Verifier verifier(collector);
  const std::vector<std::string> errors = verifier.verify();
  if (!errors.empty()) assert_failed("xcheck", "verify()", errors.front().c_str(), __FILE__, 0);
#endif
}
}  // namespace

Collector::Collector(const Policy& policy, Nursery& nursery)
    : policy_(policy),
      nursery_(nursery),
      old_(releaser_),
      marker_(nursery),
      sweeper_(old_, large_, releaser_),
      scavenger_(nursery, old_, remembered_, roots_),
      schedule_(policy_),
      pretenuring_(policy_.pretenure_survival, nursery.capacity()) {
  LULL_GC_CHECK(tls_barrier.collector == nullptr, "at most one live Heap per thread");
  LULL_GC_CHECK(policy_.major_trigger_factor >= 1.0, "major_trigger_factor below 1");
  update_barrier_state();
}

Collector::~Collector() {
  // Every object still allocated dies now, its destructor running exactly once: young ones on
  // the finalizable list, then old slots and large blocks (swept-dead ones are already free).
  in_gc_ = true;
  for (HeapObjectHeader* h : nursery_.finalizable()) h->info()->destroy(h->payload());
  old_.for_each_allocated([](HeapObjectHeader* h) {
    if (h->info()->destroy != nullptr) h->info()->destroy(h->payload());
  });
  for (LargeBlock* block : large_.blocks()) {
    if (block == nullptr) continue;
    HeapObjectHeader* h = block->header();
    if (h->info()->destroy != nullptr) h->info()->destroy(h->payload());
  }
  roots_.detach_all();
  tls_barrier = BarrierState{};
}

void Collector::update_barrier_state() {
  tls_barrier.young_begin = nursery_.begin_address();
  tls_barrier.young_size = nursery_.capacity();
  tls_barrier.slow_always = phase_ == MajorPhase::kMarking || torture_;
  tls_barrier.collector = this;
}

void Collector::set_torture(bool on) {
  torture_ = on;
  nursery_.set_torture(on);
  update_barrier_state();
}

void Collector::set_pretenure_override(PretenureOverride mode) {
  pretenuring_.set_override(mode);
  sync_pretenuring();
}

// ---------------------------------------------------------------------------------------------
// Allocation slow paths.

HeapObjectHeader* Collector::allocate_slow(size_t payload, bool young) {
  LULL_GC_CHECK(!in_gc_, "allocation inside the collector (a destructor or the observer)");
  // The barrier state is per thread: a heap used from another thread would skip barriers.
  LULL_GC_CHECK(tls_barrier.collector == this, "heap used from a thread other than its own");
  const size_t total = kHeaderSize + payload;
  if (total > kMaxSmallSlot) return allocate_large(payload);
  if (!young) return allocate_old(payload);
  if (torture_) torture_work();  // may run a minor collection that switches pretenuring
  if (!pretenuring_.young()) return allocate_pretenured(payload);
  if (HeapObjectHeader* h = nursery_.allocate_to_end(payload)) return h;
  // The nursery is full.
  if (in_region()) {
    // A no-GC region never collects: spill into the old space, count it, and leave the minor
    // collection to the next explicit call outside the region.
    ++region_overflows_;
    region_overflow_bytes_ += total;
    return allocate_old(payload);
  }
  if (policy_.mode == GcMode::kClassic) {
    minor(GcContext::kForced);
    classic_work();
    if (HeapObjectHeader* h = nursery_.allocate_to_end(payload)) return h;
  }
  ++nursery_overflows_;
  return allocate_old(payload);
}

HeapObjectHeader* Collector::allocate_old(size_t payload) {
  const size_t total = kHeaderSize + payload;
  if (old_.needs_new_page(total)) {
    if (policy_.mode == GcMode::kClassic) classic_work();
    enforce_hard_limit(kPageSize);
  }
  HeapObjectHeader* h = old_.allocate(total);
  h->init(static_cast<uint32_t>(payload), epoch_, 0);  // allocate-black
  allocated_bytes_ += total;
  return h;
}

// Young-eligible, pretenured: an ordinary old-space object (black at birth in every phase, so
// it survives a cycle in progress; remembered by the barrier if it stores young pointers), its
// destructor run by the sweeper or at teardown like every old object's.
HeapObjectHeader* Collector::allocate_pretenured(size_t payload) {
  HeapObjectHeader* h = allocate_old(payload);
  if (pretenuring_.record_pretenured(kHeaderSize + payload)) sync_pretenuring();
  return h;
}

HeapObjectHeader* Collector::allocate_large(size_t payload) {
  if (policy_.mode == GcMode::kClassic) classic_work();
  enforce_hard_limit(LargeSpace::mapped_size_for(payload));
  HeapObjectHeader* h = large_.allocate(payload, epoch_);  // allocate-black
  allocated_bytes_ += kHeaderSize + payload;
  return h;
}

void Collector::retune(const Policy& policy) {
  LULL_GC_CHECK(policy.major_trigger_factor >= 1.0, "major_trigger_factor below 1");
  // schedule_ reads policy_ by reference, so the new trigger counts from the next check.
  policy_.major_trigger_factor = policy.major_trigger_factor;
  policy_.min_major_trigger_bytes = policy.min_major_trigger_bytes;
  policy_.hard_limit_bytes = policy.hard_limit_bytes;
  policy_.classic_step_budget = policy.classic_step_budget;
  policy_.empty_page_cache_bytes = policy.empty_page_cache_bytes;
}

void Collector::enforce_hard_limit(size_t extra_bytes) {
  const size_t limit = policy_.hard_limit_bytes;
  if (limit == 0 || in_gc_ || committed_bytes() + extra_bytes <= limit) return;
  // The only thing allowed to break a no-GC region: a full collection, counted and reported.
  const bool region = in_region();
  ++hard_limit_collections_;
  ++forced_collections_;
  if (region) ++region_breaks_;
  const int saved_depth = no_gc_depth_;
  no_gc_depth_ = 0;
  full(region ? GcContext::kRegion : GcContext::kForced);
  no_gc_depth_ = saved_depth;
  if (committed_bytes() + extra_bytes > limit)
    throw HeapLimitError(committed_bytes(), extra_bytes, limit);
}

void Collector::classic_work() {
  if (disabled_ || in_region() || in_gc_ || !major_work_pending()) return;
  Budget budget = budget_until(Clock::now() + policy_.classic_step_budget);
  if (phase_ == MajorPhase::kIdle) minor(GcContext::kForced);  // classic never defers the minor
  step(budget, GcContext::kForced);
}

void Collector::torture_work() {
  if (in_region() || in_gc_) return;
  minor(GcContext::kForced);
  Budget budget = Budget::units(8);
  step(budget, GcContext::kForced);
}

// ---------------------------------------------------------------------------------------------
// Barrier slow path (see barrier.h).

void Collector::write_barrier_slow(void** slot, void* old_value, void* new_value) {
  // Deletion barrier: keeps "everything reachable at the cycle start gets marked" (SATB).
  if (phase_ == MajorPhase::kMarking) marker_.shade(old_value);
  if (nursery_.contains(new_value) && !nursery_.contains(slot)) remembered_.add(slot);
  // Torture: marking progress at every barrier. Never moving or freeing work: a barrier is not
  // a GC point, the mutator may hold raw pointers across it.
  if (torture_ && phase_ == MajorPhase::kMarking && !in_gc_) {
    Budget budget = Budget::units(4);
    GcGuard guard(in_gc_, nursery_);
    marker_.step(budget);
  }
}

// ---------------------------------------------------------------------------------------------
// Minor collection.

MinorOutcome Collector::run_minor() {
  GcGuard guard(in_gc_, nursery_);
  allocated_bytes_ += nursery_.used();
  const MinorOutcome outcome = scavenger_.collect(epoch_);
  promoted_bytes_ += outcome.bytes_promoted;
  young_destructors_ += outcome.destructors_run;
  ++minor_collections_;
  return outcome;
}

bool Collector::minor(GcContext context) {
  if (in_region() || in_gc_) return false;
  const Clock::time_point start = Clock::now();
  const size_t used = nursery_.used();
  const size_t slots = remembered_.size() + roots_.size();
  const MinorOutcome outcome = run_minor();
  schedule_.record_minor(used, outcome.bytes_promoted, slots, Clock::now() - start);
  if (pretenuring_.record_minor(used, outcome.bytes_survived)) sync_pretenuring();
  emit(GcKind::kMinor, context, start, outcome.bytes_promoted, outcome.objects_promoted);
  expensive_verify(*this);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Major cycle (phase machine in collector.h).

bool Collector::start_cycle(Budget& budget, GcContext context) {
  if (nursery_.used() > 0) {
    if (nursery_.used() > kSmallMinorBytes && Clock::now() + estimate_minor() > budget.deadline())
      return false;
    minor(context);
  }
  ++epoch_;  // every old object is white now
  marker_.start(epoch_);
  phase_ = MajorPhase::kMarking;
  // Roots at the start: all pushed here, O(roots) at a few ns each (headers are touched only
  // when popped). None is rescanned at the end: a root
  // changed later holds an object that was reachable at the start (hence marked) or allocated
  // since (hence black).
  roots_.for_each_slot([this](void** slot) { marker_.push_root(*slot); });
  update_barrier_state();
  return true;
}

void Collector::finish_marking() {
  expensive_verify(*this);  // check_marking: every reachable old object is black
  phase_ = MajorPhase::kSweeping;
  update_barrier_state();
  sweeper_.start(epoch_, keep_no_pages_ ? 0 : policy_.empty_page_cache_bytes);
}

void Collector::finish_cycle() {
  phase_ = MajorPhase::kIdle;
  ++major_cycles_;
  schedule_.set_live_after_major(old_total_bytes());
  expensive_verify(*this);
}

StepResult Collector::step(Budget& budget, GcContext context) {
  StepResult result;
  result.phase = phase_;
  if (in_region() || in_gc_) {
    result.refused = true;
    return result;
  }
  if (phase_ == MajorPhase::kIdle && !start_cycle(budget, context)) {
    result.minor_needed = true;
    return result;
  }
  if (phase_ == MajorPhase::kMarking && !budget.expired()) {
    const Clock::time_point start = Clock::now();
    const uint64_t bytes0 = marker_.bytes_marked(), objects0 = marker_.objects_marked();
    bool done;
    {
      GcGuard guard(in_gc_, nursery_);
      done = marker_.step(budget);
    }
    const uint64_t bytes = marker_.bytes_marked() - bytes0;
    const uint64_t objects = marker_.objects_marked() - objects0;
    result.bytes += bytes;
    result.objects += objects;
    if (done) finish_marking();
    emit(GcKind::kMark, context, start, bytes, objects);
  }
  if (phase_ == MajorPhase::kSweeping && !budget.expired()) {
    const Clock::time_point start = Clock::now();
    const uint64_t bytes0 = sweeper_.bytes_freed(), objects0 = sweeper_.objects_freed();
    bool done;
    {
      GcGuard guard(in_gc_, nursery_);
      done = sweeper_.step(budget);
    }
    const uint64_t bytes = sweeper_.bytes_freed() - bytes0;
    const uint64_t objects = sweeper_.objects_freed() - objects0;
    result.bytes += bytes;
    result.objects += objects;
    if (done) {
      finish_cycle();
      result.cycle_completed = true;
    }
    emit(GcKind::kSweep, context, start, bytes, objects);
  }
  result.phase = phase_;
  return result;
}

bool Collector::collect(GcContext context) {
  if (!full(context)) return false;
  ++forced_collections_;
  return true;
}

bool Collector::full(GcContext context) {
  if (in_region() || in_gc_) return false;
  const Clock::time_point start = Clock::now();
  const uint64_t bytes0 = sweeper_.bytes_freed(), objects0 = sweeper_.objects_freed();
  quiet_ = true;
  keep_no_pages_ = true;
  Budget budget = Budget::unlimited();
  while (phase_ != MajorPhase::kIdle) step(budget, context);  // finish the cycle in progress
  do {  // a whole new cycle: objects that died during the previous one survived it (SATB)
    step(budget, context);
  } while (phase_ != MajorPhase::kIdle);
  quiet_ = false;
  keep_no_pages_ = false;
  emit(GcKind::kFull, context, start, sweeper_.bytes_freed() - bytes0,
       sweeper_.objects_freed() - objects0);
  return true;
}

// ---------------------------------------------------------------------------------------------

void Collector::emit(GcKind kind, GcContext context, Clock::time_point start, uint64_t bytes,
                     uint64_t objects) {
  if (quiet_ || observer_ == nullptr) return;
  const GcEvent event{kind, context, start, Clock::now() - start, bytes, objects};
  GcGuard guard(in_gc_, nursery_);  // the observer must not allocate
  observer_->on_gc_event(event);
}

HeapStatistics Collector::statistics() const {
  HeapStatistics s;
  s.nursery_used_bytes = nursery_.used();
  s.nursery_capacity_bytes = nursery_.capacity();
  s.old_bytes = old_.object_bytes();
  s.large_bytes = large_.bytes();
  s.committed_bytes = committed_bytes();
  s.live_bytes_after_last_major = schedule_.live_after_major();
  s.allocated_bytes_total = allocated_bytes_ + nursery_.used();
  s.promoted_bytes_total = promoted_bytes_;
  s.major_cycles = major_cycles_;
  s.minor_collections = minor_collections_;
  s.region_overflows = region_overflows_;
  s.region_overflow_bytes = region_overflow_bytes_;
  s.nursery_overflows = nursery_overflows_;
  s.forced_collections = forced_collections_;
  s.hard_limit_collections = hard_limit_collections_;
  s.region_breaks = region_breaks_;
  s.destructors_run = sweeper_.destructors_run() + young_destructors_;
  s.pages_returned = sweeper_.pages_returned();
  s.pretenured_bytes = pretenuring_.pretenured_bytes();
  s.pretenured_objects = pretenuring_.pretenured_objects();
  return s;
}

}  // namespace lull::gc::internal
