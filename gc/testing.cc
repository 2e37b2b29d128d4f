// testing.cc: the hooks of testing.h, reaching into the collector through TestingAccess.
#include "gc/testing.h"

#include "gc/internal/collector.h"
#include "gc/internal/verifier.h"

namespace lull::gc::internal {
struct TestingAccess {
  static Collector& collector(Heap& heap) { return *heap.collector_; }
  static Nursery& nursery(Heap& heap) { return heap.nursery_; }
  static uint8_t epoch(Heap& heap) { return heap.collector_->epoch_; }
  static size_t remembered(Heap& heap) { return heap.collector_->remembered_.size(); }
  static size_t cached(Heap& heap) { return heap.collector_->old_.cached_empty_bytes(); }
  static void drain(Heap& heap) { heap.collector_->releaser_.drain(); }
};
}  // namespace lull::gc::internal

namespace lull::gc::testing {

using internal::TestingAccess;

std::vector<std::string> verify_heap_for_testing(Heap& heap) {
  internal::Verifier verifier(TestingAccess::collector(heap));
  return verifier.verify();
}

void set_torture_for_testing(Heap& heap, bool on) {
  TestingAccess::collector(heap).set_torture(on);
}

void set_pretenuring_for_testing(Heap& heap, PretenureMode mode) {
  using internal::PretenureOverride;
  TestingAccess::collector(heap).set_pretenure_override(
      mode == PretenureMode::kAlways  ? PretenureOverride::kAlways
      : mode == PretenureMode::kNever ? PretenureOverride::kNever
                                      : PretenureOverride::kAuto);
}

bool pretenuring_for_testing(Heap& heap) {
  return TestingAccess::collector(heap).pretenuring();
}

StepResult collect_step_units_for_testing(Heap& heap, uint64_t units, GcContext context) {
  internal::Budget budget = internal::Budget::units(units);
  return TestingAccess::collector(heap).step(budget, context);
}

size_t remembered_set_size_for_testing(Heap& heap) {
  return TestingAccess::remembered(heap);
}

bool is_young_for_testing(Heap& heap, const void* object) {
  return TestingAccess::nursery(heap).contains(object);
}

bool is_marked_for_testing(Heap& heap, const void* object) {
  if (TestingAccess::nursery(heap).contains(object)) return true;
  return internal::HeapObjectHeader::from_payload(object)->mark() == TestingAccess::epoch(heap);
}

size_t cached_empty_page_bytes_for_testing(Heap& heap) {
  return TestingAccess::cached(heap);
}

void drain_releases_for_testing(Heap& heap) {
  TestingAccess::drain(heap);
}

}  // namespace lull::gc::testing
