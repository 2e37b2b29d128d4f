// scavenger.h: the minor collection. Promote-all (Cheney-style with a worklist): every young
// object reachable from the roots or from a remembered slot is copied (memcpy: only relocatable
// types live in the nursery) into an old-space slot, the old copy is marked forwarded, and every
// reference to it is rewritten. Copies are black (current epoch), so a minor collection may run
// at any point of a major cycle. Then young objects with destructors that were not forwarded
// run their destructor, the remembered set is emptied and the nursery reset.
#pragma once

#include <cstdint>
#include <vector>

#include "gc/internal/nursery.h"
#include "gc/internal/old_space.h"
#include "gc/internal/remembered_set.h"
#include "gc/internal/root_list.h"
#include "gc/visitor.h"

namespace lull::gc::internal {

struct MinorOutcome {
  uint64_t bytes_promoted = 0;  // old-space slot bytes
  uint64_t bytes_survived = 0;  // nursery bytes of the survivors (headers included)
  uint64_t objects_promoted = 0;
  uint64_t destructors_run = 0;
};

class Scavenger {
 public:
  Scavenger(Nursery& nursery, OldSpace& old_space, RememberedSet& remembered, RootList& roots)
      : nursery_(nursery),
        old_(old_space),
        remembered_(remembered),
        roots_(roots),
        visitor_(*this) {}

  MinorOutcome collect(uint8_t epoch);

 private:
  class ScavengeVisitor final : public Visitor {
   public:
    explicit ScavengeVisitor(Scavenger& scavenger) : scavenger_(scavenger) {}
    void visit(void** slot) override { scavenger_.update(slot); }

   private:
    Scavenger& scavenger_;
  };

  void update(void** slot) {
    if (nursery_.contains(*slot)) *slot = evacuate(*slot);
  }
  void* evacuate(void* payload);

  Nursery& nursery_;
  OldSpace& old_;
  RememberedSet& remembered_;
  RootList& roots_;
  ScavengeVisitor visitor_;
  std::vector<HeapObjectHeader*> worklist_;
  uint8_t epoch_ = 0;
  MinorOutcome outcome_;
};

}  // namespace lull::gc::internal
