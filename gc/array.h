// array.h: Array<T>, a managed fixed-length array, for plain values (double, int64_t, any
// trivially copyable T) or for references (Array<Member<U>>, traced; every element store runs
// the write barrier). Created only by Heap::make_array(length); elements start zeroed / null.
// Arrays above the large-object threshold live in the large space; marking traces reference
// arrays in slices, so a huge array never makes one long step.
#pragma once

#include <cstdint>
#include <type_traits>

#include "gc/garbage_collected.h"
#include "gc/internal/assert.h"
#include "gc/internal/gc_info.h"
#include "gc/member.h"
#include "gc/visitor.h"

namespace lull::gc {

class Heap;

template <class T>
struct IsMember : std::false_type {};
template <class U>
struct IsMember<Member<U>> : std::true_type {};

template <class T>
class Array final : public GarbageCollected<Array<T>> {
  static_assert(std::is_trivially_copyable_v<T> || IsMember<T>::value,
                "Array holds plain values or Member<U> references");
  static_assert(alignof(T) <= 8);

 public:
  size_t size() const { return size_; }
  T* data() { return reinterpret_cast<T*>(this + 1); }
  const T* data() const { return reinterpret_cast<const T*>(this + 1); }
  T& operator[](size_t i) {
    LULL_GC_DCHECK(i < size_, "Array index out of range");
    return data()[i];
  }
  const T& operator[](size_t i) const {
    LULL_GC_DCHECK(i < size_, "Array index out of range");
    return data()[i];
  }
  T* begin() { return data(); }
  T* end() { return data() + size_; }

  void trace(Visitor& visitor) const requires IsMember<T>::value {
    for (uint64_t i = 0; i < size_; ++i) visitor.trace(data()[i]);
  }

 private:
  friend class Heap;
  explicit Array(uint64_t length) : size_(length) {
    for (uint64_t i = 0; i < length; ++i) ::new (static_cast<void*>(data() + i)) T();
  }

  uint64_t size_;
};

static_assert(sizeof(Array<double>) == 8);
static_assert(sizeof(Member<Array<double>>) == 8);

namespace internal {
template <class U>
struct IsMemberArray<Array<Member<U>>> : std::true_type {};
// Layout the marker relies on to trace reference arrays in slices.
inline constexpr size_t kArrayLengthOffset = 0;
inline constexpr size_t kArrayElementsOffset = 8;
}  // namespace internal

}  // namespace lull::gc
