// marker.h: incremental tri-colour marking of the old space with an explicit mark stack.
// White: mark != epoch. Grey: marked and on the stack. Black: marked and traced (or allocated
// or promoted during the cycle: allocate-black). Interruptible at any object; arrays with
// references are traced in slices of kArraySlice elements, so no single unit of work grows with
// the heap. Young objects are never marked: during a cycle they are black by definition and are
// promoted black by minor collections.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gc/internal/nursery.h"
#include "gc/internal/object_header.h"
#include "gc/internal/schedule.h"
#include "gc/visitor.h"

namespace lull::gc::internal {

class Marker {
 public:
  static constexpr uint64_t kArraySlice = 16;
  // Budget units (~10 ns each): popping an object reads its header and info, shading reads the
  // target's header; on a large heap each is usually a cache and TLB miss (~100-300 ns).
  static constexpr uint32_t kUnitsPerObject = 4;
  static constexpr uint32_t kUnitsPerShade = 8;

  explicit Marker(const Nursery& nursery) : nursery_(nursery), visitor_(*this) {}

  void start(uint8_t epoch);
  // Shading: white -> grey. Invariant kept with the deletion barrier (SATB): "every old object
  // reachable at the cycle start is black when the mark stack runs empty"; checked by
  // Verifier (check_marking, run by tests and by expensive checks at the end of marking).
  void shade(void* payload) {
    if (payload == nullptr || nursery_.contains(payload)) return;
    HeapObjectHeader* header = HeapObjectHeader::from_payload(payload);
    if (header->mark() == epoch_) return;
    header->set_mark(epoch_);
    stack_.push({header, 0});
  }
  // A root at the cycle start: pushed without touching its header (no cache miss); marked when
  // popped. Keeps the start of a cycle at a few ns per root.
  void push_root(void* payload) {
    if (payload == nullptr || nursery_.contains(payload)) return;
    stack_.push({HeapObjectHeader::from_payload(payload), kUnmarkedRoot});
  }
  // Traces grey objects until the budget expires; true when the stack is empty.
  bool step(Budget& budget);
  bool done() const { return stack_.empty(); }
  uint8_t epoch() const { return epoch_; }

  // Work of the current cycle so far.
  uint64_t bytes_marked() const { return bytes_marked_; }
  uint64_t objects_marked() const { return objects_marked_; }

 private:
  struct Entry {
    HeapObjectHeader* header;
    uint64_t next_element;  // reference arrays: first element not yet traced
  };
  static constexpr uint64_t kUnmarkedRoot = ~uint64_t{0};  // next_element of a push_root entry
  // The mark stack, in fixed segments: growing it never copies (a std::vector doubling a
  // multi-megabyte stack was a 100+ us step), and emptied segments are kept for reuse, so after
  // the first cycle marking neither mallocs nor page-faults.
  class SegmentedStack {
   public:
    static constexpr size_t kSegment = 4096;
    void push(Entry e) {
      if (top_ == kSegment) [[unlikely]]
        grow();
      segments_.back()[top_++] = e;
    }
    Entry pop() {
      if (top_ == 0) [[unlikely]]
        shrink();
      return segments_.back()[--top_];
    }
    bool empty() const { return segments_.empty() || (segments_.size() == 1 && top_ == 0); }

   private:
    using Segment = std::unique_ptr<Entry[]>;
    void grow();
    void shrink();
    std::vector<Segment> segments_;
    std::vector<Segment> spares_;
    size_t top_ = kSegment;  // entries used in segments_.back(); kSegment when there is none
  };
  class MarkingVisitor final : public Visitor {
   public:
    explicit MarkingVisitor(Marker& marker) : marker_(marker) {}
    void visit(void** slot) override {
      ++slots_;
      marker_.shade(*slot);
    }
    uint64_t slots_ = 0;

   private:
    Marker& marker_;
  };

  // Returns the budget units used.
  uint32_t trace_array_slice(Entry entry, GcInfo::TraceRangeFn trace_range);

  const Nursery& nursery_;
  MarkingVisitor visitor_;
  SegmentedStack stack_;
  uint8_t epoch_ = 0;
  uint64_t bytes_marked_ = 0;
  uint64_t objects_marked_ = 0;
};

}  // namespace lull::gc::internal
