// visitor.h: Visitor, what a managed type's trace(Visitor&) const hands each of its reference
// fields to. The collector implements it (marking, minor collection, verification); user code
// only calls visitor.trace(member) once per Member field.
#pragma once

namespace lull::gc {

template <class T>
class Member;

class Visitor {
 public:
  virtual ~Visitor() = default;

  template <class T>
  void trace(const Member<T>& member) {
    visit(member.slot_for_gc());
  }

  // One reference slot; the collector may read it and (minor collection) rewrite it.
  virtual void visit(void** slot) = 0;
};

}  // namespace lull::gc
