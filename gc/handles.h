// handles.h: the only roots. Local<T> is a scoped handle for code that holds a managed object
// across an allocation or a collection; Persistent<T> a long-lived root (a key table) kept by
// non-managed C++ code. Both register themselves with their heap and are updated when a minor
// collection moves their object. Raw T* are not roots: after any call that may collect (see
// gc/README.md) only handles and Members are still valid. Never put a handle inside a managed
// object (use Member there): it would keep its holder alive forever.
#pragma once

#include <cstddef>

#include "gc/internal/root_list.h"

namespace lull::gc {

class Heap;

namespace internal {
RootList& roots_of(Heap& heap);

class HandleBase {
 protected:
  HandleBase() = default;
  HandleBase(RootList& list, void* ptr) {
    node_.ptr = ptr;
    list.link(&node_);
  }
  HandleBase(const HandleBase& other) {
    node_.ptr = other.node_.ptr;
    if (other.node_.list) other.node_.list->link(&node_);
  }
  HandleBase& operator=(const HandleBase& other) {
    if (this == &other) return *this;
    if (node_.list != other.node_.list) {
      if (node_.list) node_.list->unlink(&node_);
      if (other.node_.list) other.node_.list->link(&node_);
    }
    node_.ptr = other.node_.ptr;
    return *this;
  }
  ~HandleBase() {
    if (node_.list) node_.list->unlink(&node_);
  }

  RootNode node_;
};
}  // namespace internal

template <class T>
class Handle : protected internal::HandleBase {
 public:
  Handle() = default;
  Handle(Heap& heap, T* ptr) : HandleBase(internal::roots_of(heap), ptr) {}

  T* get() const { return static_cast<T*>(node_.ptr); }
  T* operator->() const { return get(); }
  T& operator*() const { return *get(); }
  operator T*() const { return get(); }  // NOLINT: converts where a T* is expected
  explicit operator bool() const { return node_.ptr != nullptr; }

  // Assigning needs the handle to be bound to a heap (constructed with one).
  Handle& operator=(T* ptr) {
    node_.ptr = ptr;
    return *this;
  }
  void reset() { node_.ptr = nullptr; }
  bool bound() const { return node_.list != nullptr; }
};

// A scoped root: lives on the stack for the extent of a computation.
template <class T>
class Local : public Handle<T> {
 public:
  using Handle<T>::Handle;
  using Handle<T>::operator=;
};

// A long-lived root owned by non-managed code.
template <class T>
class Persistent : public Handle<T> {
 public:
  using Handle<T>::Handle;
  using Handle<T>::operator=;
};

}  // namespace lull::gc
