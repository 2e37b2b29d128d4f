// garbage_collected.h: GarbageCollected<T>, the base of every managed type, and the relocation
// rule. A managed type derives from GarbageCollected<Self> (single inheritance, base first),
// declares `void trace(Visitor&) const` if it has Member fields, and is created by Heap::make.
// Relocation: the nursery moves objects with memcpy. A type is moved only if that is safe:
//   trivially destructible types, or types that opt in with
//   `static constexpr bool kGcTriviallyRelocatable = true;` (e.g. holding std::vector or
//   std::unique_ptr, which libstdc++ relocates correctly by memcpy);
// every other type (std::string has a pointer into itself under SSO) is allocated directly in
// the old space and never moves, so its destructor runs exactly once, where it was constructed.
#pragma once

#include <cstddef>
#include <type_traits>

namespace lull::gc {

class Visitor;

template <class T>
class GarbageCollected {
 public:
  using IsGarbageCollectedTag = void;

  // Managed objects are only created by Heap::make (placement new into the heap).
  void* operator new(std::size_t) = delete;
  void* operator new[](std::size_t) = delete;

 protected:
  GarbageCollected() = default;
};

template <class T>
concept Managed = requires {
  typename T::IsGarbageCollectedTag;
};

template <class T>
concept Traceable = requires(const T& t, Visitor& v) {
  t.trace(v);
};

// True when a memcpy moves a T correctly (see the file comment).
template <class T>
constexpr bool is_gc_relocatable() {
  if constexpr (requires { T::kGcTriviallyRelocatable; }) {
    return T::kGcTriviallyRelocatable;
  } else {
    return std::is_trivially_destructible_v<T>;
  }
}

}  // namespace lull::gc
