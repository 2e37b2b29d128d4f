// heap.cc: Heap, the public face over internal::Collector; NoGcScope; names of the enums.
#include "gc/heap.h"

#include "gc/internal/assert.h"
#include "gc/internal/collector.h"
#include "gc/no_gc_scope.h"

namespace lull::gc {

Heap::Heap(const Policy& policy)
    : nursery_(policy.nursery_bytes),
      collector_(std::make_unique<internal::Collector>(policy, nursery_)) {}

Heap::~Heap() = default;

void* Heap::allocate_slow(size_t payload, bool young) {
  LULL_GC_DCHECK(constructing_ == 0, "a managed object's constructor allocated");
  return collector_->allocate_slow(payload, young)->payload();
}

String* Heap::make_string(std::string_view bytes) {
  return make_with_trailing<String>(bytes.size(), bytes);
}

void Heap::disable() {
  collector_->set_disabled(true);
}
void Heap::enable() {
  collector_->set_disabled(false);
}
bool Heap::enabled() const {
  return !collector_->disabled();
}

StepResult Heap::collect_step(Clock::time_point deadline, GcContext context) {
  internal::Budget budget = collector_->budget_until(deadline);
  return collector_->step(budget, context);
}

bool Heap::collect_minor(GcContext context) {
  return collector_->minor(context);
}
bool Heap::collect(GcContext context) {
  return collector_->collect(context);
}

bool Heap::major_work_pending() const {
  return collector_->major_work_pending();
}
MajorPhase Heap::phase() const {
  return collector_->phase();
}
size_t Heap::old_bytes() const {
  return collector_->old_total_bytes();
}
size_t Heap::live_bytes_after_last_major() const {
  return collector_->schedule().live_after_major();
}
std::chrono::nanoseconds Heap::estimate_minor_duration() const {
  return collector_->estimate_minor();
}
bool Heap::in_no_gc_scope() const {
  return collector_->in_region();
}
HeapStatistics Heap::statistics() const {
  return collector_->statistics();
}
const Policy& Heap::policy() const {
  return collector_->policy();
}
void Heap::retune(const Policy& policy) {
  collector_->retune(policy);
}
void Heap::set_observer(GcObserver* observer) {
  collector_->set_observer(observer);
}

internal::RootList& internal::roots_of(Heap& heap) {
  return heap.collector_->roots();
}

NoGcScope::NoGcScope(Heap& heap) : heap_(heap) {
  heap_.collector_->enter_region();
}
NoGcScope::~NoGcScope() {
  heap_.collector_->leave_region();
}

const char* to_string(MajorPhase phase) {
  switch (phase) {
    case MajorPhase::kIdle: return "idle";
    case MajorPhase::kMarking: return "marking";
    case MajorPhase::kSweeping: return "sweeping";
  }
  return "?";
}

const char* to_string(GcKind kind) {
  switch (kind) {
    case GcKind::kMinor: return "minor";
    case GcKind::kMark: return "mark";
    case GcKind::kSweep: return "sweep";
    case GcKind::kFull: return "full";
  }
  return "?";
}

const char* to_string(GcContext context) {
  switch (context) {
    case GcContext::kIdle: return "idle";
    case GcContext::kPaced: return "paced";
    case GcContext::kForced: return "forced";
    case GcContext::kRegion: return "region";
  }
  return "?";
}

}  // namespace lull::gc
