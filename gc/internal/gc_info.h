// gc_info.h: GcInfoFor<T>, the one static GcInfo table per managed type that Heap::make
// stores in the object header (trace function, destructor, flags).
#pragma once

#include <type_traits>

#include "gc/garbage_collected.h"
#include "gc/internal/object_header.h"
#include "gc/visitor.h"

namespace lull::gc::internal {

template <class T>
struct IsMemberArray : std::false_type {};

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
struct GcInfoFor {
  static constexpr GcInfo kInfo = {
      trace_fn_for<T>(),
      destroy_fn_for<T>(),
      IsMemberArray<T>::value ? GcInfo::kMemberArray : 0u,
  };
};

}  // namespace lull::gc::internal
