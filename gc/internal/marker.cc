// marker.cc: the marking loop: pop, trace (arrays in slices), charge the budget.
#include "gc/internal/marker.h"

#include <algorithm>

#include "gc/array.h"
#include "gc/internal/assert.h"

namespace lull::gc::internal {

void Marker::SegmentedStack::grow() {
  if (spares_.empty()) {
    segments_.emplace_back(new Entry[kSegment]);  // default-initialised: no zeroing pass
  } else {
    segments_.push_back(std::move(spares_.back()));
    spares_.pop_back();
  }
  top_ = 0;
}

void Marker::SegmentedStack::shrink() {
  // Called with the last segment empty and (not empty()) an earlier one full.
  spares_.push_back(std::move(segments_.back()));
  segments_.pop_back();
  top_ = kSegment;
}

void Marker::start(uint8_t epoch) {
  LULL_GC_DCHECK(stack_.empty(), "marking started with a non-empty stack");
  epoch_ = epoch;
  bytes_marked_ = 0;
  objects_marked_ = 0;
}

uint32_t Marker::trace_array_slice(Entry entry, GcInfo::TraceRangeFn trace_range) {
  const char* payload = static_cast<const char*>(entry.header->payload());
  const uint64_t length = *reinterpret_cast<const uint64_t*>(payload + kArrayLengthOffset);
  const uint64_t end = std::min(length, entry.next_element + kArraySlice);
  visitor_.slots_ = 0;
  trace_range(payload, entry.next_element, end, visitor_);
  // The rest of the array goes back on the stack above this slice's children: the stack grows
  // by at most one slice per step, never by the whole array.
  if (end < length) stack_.push({entry.header, end});
  return static_cast<uint32_t>(kUnitsPerObject + kUnitsPerShade * visitor_.slots_);
}

bool Marker::step(Budget& budget) {
  while (!stack_.empty()) {
    Entry entry = stack_.pop();
    HeapObjectHeader* header = entry.header;
    if (entry.next_element == kUnmarkedRoot) {
      if (header->mark() == epoch_) {
        if (budget.charge(1)) break;
        continue;
      }
      header->set_mark(epoch_);
      entry.next_element = 0;
    }
    const GcInfo* info = header->info();
    uint32_t units = kUnitsPerObject;
    if (entry.next_element == 0) {
      ++objects_marked_;
      bytes_marked_ += kHeaderSize + header->size();
    }
    if (info->trace_range != nullptr) {
      units = trace_array_slice(entry, info->trace_range);
    } else if (info->trace != nullptr) {
      visitor_.slots_ = 0;
      info->trace(header->payload(), visitor_);
      units += kUnitsPerShade * static_cast<uint32_t>(visitor_.slots_);
    }
    if (budget.charge(units)) break;
  }
  return stack_.empty();
}

}  // namespace lull::gc::internal
