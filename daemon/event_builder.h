// event_builder.h: copies a parsed line (simdjson's DOM, in the parser's memory) into an
// Event on the GC heap. Every allocation may collect in classic mode, so the parts under
// construction are held in Local handles; in idle mode the caller's no-GC region makes that
// free of moves, and the handles cost a link and an unlink each. Reactor thread only.
#pragma once

#include <cstdint>
#include <string>

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
  std::string scratch_;  // minified JSON of a nested value
};

}  // namespace lull::daemon
