// scavenger.cc: evacuation and the minor-collection sequence.
#include "gc/internal/scavenger.h"

#include <cstring>

#include "gc/internal/assert.h"

namespace lull::gc::internal {

void* Scavenger::evacuate(void* payload) {
  HeapObjectHeader* from = HeapObjectHeader::from_payload(payload);
  LULL_GC_DCHECK(nursery_.in_used_part(from), "reference into the old (unused) nursery");
  if (from->is_forwarded()) return from->forward();
  const size_t total = kHeaderSize + from->size();
  HeapObjectHeader* to = old_.allocate(total);
  // Relocation by memcpy is valid: only is_gc_relocatable types are allocated young.
  std::memcpy(static_cast<void*>(to), from, total);
  to->set_mark(epoch_);  // allocate-black: safe in any major phase
  from->set_forward(to->payload());
  worklist_.push_back(to);
  outcome_.bytes_promoted += OldSpace::slot_size_for(total);
  outcome_.bytes_survived += total;
  ++outcome_.objects_promoted;
  return to->payload();
}

MinorOutcome Scavenger::collect(uint8_t epoch) {
  epoch_ = epoch;
  outcome_ = MinorOutcome{};
  roots_.for_each_slot([this](void** slot) { update(slot); });
  // Invariant used here: every old slot holding a young pointer is in the remembered set (kept
  // by the generational barrier; Verifier::check_remembered_set). Slots of objects that died
  // since are not a hazard: an object freed by a sweep was unreachable at that cycle's start,
  // which began with a minor collection that emptied this set, and nothing could store into it
  // afterwards.
  for (void** slot : remembered_.slots()) update(slot);
  while (!worklist_.empty()) {
    HeapObjectHeader* h = worklist_.back();
    worklist_.pop_back();
    if (h->info()->trace != nullptr) h->info()->trace(h->payload(), visitor_);
  }
  // Young deaths: exactly the listed objects that were not forwarded die now; forwarded ones
  // live on as their copy and are destroyed by the sweeper when that dies.
  for (HeapObjectHeader* h : nursery_.finalizable()) {
    if (h->is_forwarded()) continue;
    h->info()->destroy(h->payload());
    ++outcome_.destructors_run;
  }
  remembered_.clear();
  nursery_.reset();
  return outcome_;
}

}  // namespace lull::gc::internal
