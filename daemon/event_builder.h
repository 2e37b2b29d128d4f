// event_builder.h: copies a parsed line (simdjson's DOM, in the parser's memory) into an
// Event on the GC heap: sizes first, then one allocation (the only GC point, in classic
// mode), then the fields and their bytes. Reactor thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/event.h"
#include "daemon/event_parser.h"
#include "daemon/field_names.h"
#include "gc/heap.h"

namespace lull::daemon {

class EventBuilder {
 public:
  EventBuilder(gc::Heap& heap, FieldNames& names, FieldId time_field)
      : heap_(heap), names_(names), time_field_(time_field) {}

  // The new event (a raw pointer: wrap it in a handle before the next allocation), or
  // nullptr when the field-name table is full (RejectReason::kFieldNamesFull). Throws
  // gc::HeapLimitError when the heap is full even after a collection.
  Event* build(const ParsedEvent& parsed, std::int64_t arrival_realtime_ns);

 private:
  gc::Heap& heap_;
  FieldNames& names_;
  FieldId time_field_;
  std::string scratch_;                    // minified JSON of the nested values
  std::vector<std::size_t> nested_sizes_;  // and the size of each
};

}  // namespace lull::daemon
