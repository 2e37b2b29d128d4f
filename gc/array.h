// array.h: Array<T>, a managed fixed-length array, for plain values (double, int64_t, any
// trivially copyable T), for references (Array<Member<U>>), or for records: trivially
// destructible structs of plain values and Members with a trace(Visitor&) const, so a value
// can sit beside the reference it goes with (one cache line, not two arrays). Every store to
// a Member element runs the write barrier. Created only by Heap::make_array(length); elements
// start value-initialised (zero / null). Arrays above the large-object threshold live in the
// large space; marking traces arrays with references in slices (trace_range), so a huge array
// never makes one long step.
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

// A record: a struct of plain values and Members that traces its Members.
template <class T>
concept TracedRecord = std::is_trivially_destructible_v<T> && Traceable<T>;

// An Array element with references of its own.
template <class T>
concept TracedElement = IsMember<T>::value || TracedRecord<T>;

template <class T>
class Array final : public GarbageCollected<Array<T>> {
  static_assert(std::is_trivially_copyable_v<T> || TracedElement<T>,
                "Array holds plain values, Member<U> references or traced records");
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

  void trace(Visitor& visitor) const requires TracedElement<T> { trace_range(0, size_, visitor); }
  // Elements [begin, end): the marker's unit of work on a large array.
  void trace_range(uint64_t begin, uint64_t end, Visitor& visitor) const requires TracedElement<T> {
    for (uint64_t i = begin; i < end; ++i) {
      if constexpr (IsMember<T>::value) {
        visitor.trace(data()[i]);
      } else {
        data()[i].trace(visitor);
      }
    }
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
template <class T>
requires TracedElement<T>
struct SlicedTrace<Array<T>> {
  static void trace_range(const void* payload, uint64_t begin, uint64_t end, Visitor& visitor) {
    static_cast<const Array<T>*>(payload)->trace_range(begin, end, visitor);
  }
};
// Layout the marker relies on to read an array's length.
inline constexpr size_t kArrayLengthOffset = 0;
}  // namespace internal

}  // namespace lull::gc
