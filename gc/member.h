// member.h: Member<T>, a reference field of a managed object. Every store runs the write
// barrier (gc/internal/barrier.h). A Member must live inside a managed object (or a managed
// Array): a Member on the stack or in malloc'ed memory would be recorded in the remembered set
// and rewritten by a minor collection after it is gone. Use Local/Persistent handles there.
#pragma once

#include <cstddef>
#include <type_traits>

#include "gc/internal/barrier.h"

namespace lull::gc {

template <class T>
class Member {
 public:
  Member() = default;
  Member(std::nullptr_t) {}  // NOLINT: implicit on purpose
  Member(T* value) : raw_(value) { internal::init_barrier(&raw_, raw_); }  // NOLINT
  Member(const Member& other) : raw_(other.raw_) { internal::init_barrier(&raw_, raw_); }
  template <class U>
  requires std::is_convertible_v<U*, T*> Member(const Member<U>& other)
      : Member(other.get()) {}  // NOLINT

  Member& operator=(const Member& other) {
    assign(other.get());
    return *this;
  }
  Member& operator=(T* value) {
    assign(value);
    return *this;
  }
  Member& operator=(std::nullptr_t) {
    assign(nullptr);
    return *this;
  }
  template <class U>
  requires std::is_convertible_v<U*, T*> Member& operator=(const Member<U>& other) {
    assign(other.get());
    return *this;
  }

  T* get() const { return static_cast<T*>(raw_); }
  operator T*() const { return get(); }  // NOLINT
  T* operator->() const { return get(); }
  T& operator*() const { return *get(); }
  explicit operator bool() const { return raw_ != nullptr; }
  void clear() { assign(nullptr); }

  // For the collector: the slot, read and (minor collection) rewritten in place.
  void** slot_for_gc() const { return const_cast<void**>(&raw_); }

 private:
  void assign(T* value) {
    void* old_value = raw_;
    raw_ = value;
    internal::write_barrier(&raw_, old_value, raw_);
  }

  // Stored as void* so the collector may access the slot as void** without type punning. The
  // pointer is the object's address; managed hierarchies use single inheritance so a base
  // pointer equals the object's address (the header sits just before it).
  void* raw_ = nullptr;
};

}  // namespace lull::gc
