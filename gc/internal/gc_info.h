// gc_info.h: GcInfoFor<T>, the one static GcInfo table per managed type that Heap::make
// stores in the object header (trace function, destructor, flags).
#pragma once

#include <type_traits>

#include "gc/garbage_collected.h"
#include "gc/internal/object_header.h"
#include "gc/visitor.h"

namespace lull::gc::internal {

// Specialised for arrays with references (gc/array.h): the marker traces them in slices.
template <class T>
struct SlicedTrace {};

template <class T>
void trace_thunk(const void* payload, Visitor& visitor) {
  static_cast<const T*>(payload)->trace(visitor);
}

template <class T>
void destroy_thunk(void* payload) {
  static_cast<T*>(payload)->~T();
}

template <class T>
constexpr GcInfo::TraceFn trace_fn_for() {
  if constexpr (Traceable<T>) {
    return &trace_thunk<T>;
  } else {
    return nullptr;
  }
}

template <class T>
constexpr GcInfo::DestroyFn destroy_fn_for() {
  if constexpr (std::is_trivially_destructible_v<T>) {
    return nullptr;
  } else {
    return &destroy_thunk<T>;
  }
}

template <class T>
constexpr GcInfo::TraceRangeFn trace_range_fn_for() {
  if constexpr (requires { &SlicedTrace<T>::trace_range; }) {
    return &SlicedTrace<T>::trace_range;
  } else {
    return nullptr;
  }
}

template <class T>
struct GcInfoFor {
  static constexpr GcInfo kInfo = {
      trace_fn_for<T>(),
      destroy_fn_for<T>(),
      trace_range_fn_for<T>(),
  };
};

}  // namespace lull::gc::internal
