// heap.h: Heap, one per reactor thread (at most one live Heap per thread): allocation of managed
// objects, strings and arrays, and the control surface the reactor drives (collect_step with a
// deadline, collect_minor, collect, disable/enable, cheap queries). Every call that may collect
// is listed in gc/README.md ("GC points"); across one, hold objects in Local/Persistent handles.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "gc/array.h"
#include "gc/garbage_collected.h"
#include "gc/handles.h"
#include "gc/internal/assert.h"
#include "gc/internal/gc_info.h"
#include "gc/internal/nursery.h"
#include "gc/internal/old_space.h"
#include "gc/observer.h"
#include "gc/policy.h"
#include "gc/statistics.h"
#include "gc/string.h"

namespace lull::gc {

namespace internal {
class Collector;
struct TestingAccess;
}  // namespace internal

enum class MajorPhase : uint8_t { kIdle, kMarking, kSweeping };
const char* to_string(MajorPhase phase);

struct StepResult {
  MajorPhase phase = MajorPhase::kIdle;  // where the cycle stands when the step returns
  uint64_t bytes = 0;                    // bytes marked + bytes swept (freed) in this step
  uint64_t objects = 0;                  // objects marked + objects freed in this step
  bool cycle_completed = false;          // this step finished a major cycle
  bool minor_needed = false;  // no cycle started: its opening minor collection would not fit the
                              // deadline; call collect_minor first (see estimate_minor_duration)
  bool refused = false;       // called inside a NoGcScope: nothing done
};

class Heap {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Heap(const Policy& policy = Policy());
  ~Heap();  // runs the destructor of every object still allocated
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // --- Allocation. May collect only in classic mode, torture mode or at the hard limit. ---
  // Constructor arguments that are managed objects should be passed as handles (a raw pointer
  // would be stale if the allocation collected). Constructors must not allocate.
  template <class T, class... Args>
  T* make(Args&&... args) {
    static_assert(Managed<T>, "T must derive from lull::gc::GarbageCollected<T>");
    static_assert(alignof(T) <= internal::kObjectAlignment, "over-aligned managed type");
    constexpr size_t kPayload = internal::payload_size_for(sizeof(T));
    constexpr bool kYoung = is_gc_relocatable<T>() && kPayload <= internal::kMaxSmallPayload;
    return construct<T>(allocate(kPayload, kYoung), std::forward<Args>(args)...);
  }
  // A T followed by `trailing` bytes that are its own (it reaches them at `this + 1`, as
  // String and Array do): one object however long, so a variable-length leaf costs the
  // collector one header. The bytes start uninitialised; T's constructor or its caller fills
  // them before the next allocation.
  template <class T, class... Args>
  T* make_with_trailing(size_t trailing, Args&&... args) {
    static_assert(Managed<T>, "T must derive from lull::gc::GarbageCollected<T>");
    static_assert(alignof(T) <= internal::kObjectAlignment, "over-aligned managed type");
    const size_t payload = internal::payload_size_for(sizeof(T) + trailing);
    const bool young = is_gc_relocatable<T>() && payload <= internal::kMaxSmallPayload;
    return construct<T>(allocate(payload, young), std::forward<Args>(args)...);
  }
  String* make_string(std::string_view bytes);
  template <class T>
  Array<T>* make_array(size_t length) {
    return make_with_trailing<Array<T>>(length * sizeof(T), static_cast<uint64_t>(length));
  }

  // --- Control. None of these collects inside a NoGcScope (they return refused / false). ---
  // Stops / resumes automatic major work (classic mode; explicit calls still work).
  void disable();
  void enable();
  bool enabled() const;
  // One bounded step of the major cycle, starting one if none is in progress. Returns within a
  // few microseconds of `deadline`; always makes some progress, even past its deadline.
  StepResult collect_step(Clock::time_point deadline, GcContext context = GcContext::kIdle);
  // A minor collection now (not deadline-bounded: size it with estimate_minor_duration()).
  // Returns false (nothing done) inside a NoGcScope.
  bool collect_minor(GcContext context = GcContext::kIdle);
  // Full blocking collection: finishes a cycle in progress, then runs a whole new one. Returns
  // false (nothing done) inside a NoGcScope.
  bool collect(GcContext context = GcContext::kForced);

  // --- Cheap queries (O(1)). ---
  size_t nursery_used_bytes() const { return nursery_.used(); }
  size_t nursery_capacity_bytes() const { return nursery_.capacity(); }
  bool major_work_pending() const;  // a cycle in progress, or the trigger reached
  MajorPhase phase() const;
  size_t old_bytes() const;  // small + large old-generation bytes
  size_t live_bytes_after_last_major() const;
  std::chrono::nanoseconds estimate_minor_duration() const;
  bool in_no_gc_scope() const;
  HeapStatistics statistics() const;
  const Policy& policy() const;
  // Reload: takes the knobs of `policy` that a running heap can change (the major trigger's
  // factor and minimum, the hard limit, the classic step budget, the empty-page cache); the
  // nursery size, the mode and pretenuring keep the values the heap was built with. A hard
  // limit below committed_bytes would collect at the next allocation that grows the heap:
  // callers refuse one (runtime::Reactor::retune does).
  void retune(const Policy& policy);

  void set_observer(GcObserver* observer);  // null: none

 private:
  friend class NoGcScope;
  friend struct internal::TestingAccess;
  friend internal::RootList& internal::roots_of(Heap& heap);

  void* allocate(size_t payload, bool young) {
    if (young) {
      if (internal::HeapObjectHeader* h = nursery_.try_allocate(payload)) [[likely]]
        return h->payload();
    }
    return allocate_slow(payload, young);
  }
  void* allocate_slow(size_t payload, bool young);

  template <class T, class... Args>
  T* construct(void* memory, Args&&... args) {
    if constexpr (LULL_GC_DEBUG) ++constructing_;
    T* object = ::new (memory) T(std::forward<Args>(args)...);
    if constexpr (LULL_GC_DEBUG) --constructing_;
    // The header says "filler" until here: a throwing constructor leaves dead filler behind.
    internal::HeapObjectHeader* header = internal::HeapObjectHeader::from_payload(object);
    header->set_info(&internal::GcInfoFor<T>::kInfo);
    if constexpr (!std::is_trivially_destructible_v<T>) {
      if (nursery_.contains(object)) nursery_.add_finalizable(header);
    }
    return object;
  }

  internal::Nursery nursery_;
  std::unique_ptr<internal::Collector> collector_;
  int constructing_ = 0;  // debug builds: a constructor is running (it must not allocate)
};

}  // namespace lull::gc
