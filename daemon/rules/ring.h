// ring.h: a managed FIFO of (time, reference) pairs: the time windows of the rules and the
// absence rule's deadline queue. Times are pushed in non-decreasing order by the caller's
// clock; pop_before() drops everything older than a cutoff from the front. Capacity doubles
// when full (a copy into a new array: O(size), rare) and never shrinks while in use.
// The references are Members, so what a ring holds stays alive, and what it drops becomes
// garbage. Allocating calls (push) are GC points in classic mode: hold the ring in a handle.
#pragma once

#include <cstdint>

#include "gc/array.h"
#include "gc/garbage_collected.h"
#include "gc/handles.h"
#include "gc/heap.h"
#include "gc/member.h"
#include "gc/visitor.h"

namespace lull::daemon {

template <class T>
class Ring : public gc::GarbageCollected<Ring<T>> {
 public:
  static constexpr std::uint32_t kInitialCapacity = 8;

  void trace(gc::Visitor& visitor) const {
    visitor.trace(items_);
    visitor.trace(times_);
  }

  std::uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* front() const { return (*items_.get())[head_].get(); }
  std::int64_t front_time() const { return (*times_.get())[head_]; }
  T* at(std::uint32_t i) const { return (*items_.get())[index(i)].get(); }
  std::int64_t time_at(std::uint32_t i) const { return (*times_.get())[index(i)]; }

  void pop_front() {
    (*items_.get())[head_] = nullptr;  // let the collector have it
    head_ = (head_ + 1) & (capacity() - 1);
    --size_;
  }

  // Appends; may allocate (a GC point in classic mode): `self` must be a handle to this ring.
  static void push(gc::Heap& heap, gc::Local<Ring>& self, std::int64_t time, T* item) {
    gc::Local<T> held(heap, item);
    if (!self->items_ || self->size_ == self->capacity()) grow(heap, self);
    Ring& ring = *self;
    const std::uint32_t slot = ring.index(ring.size_);
    (*ring.items_.get())[slot] = held.get();
    (*ring.times_.get())[slot] = time;
    ++ring.size_;
  }

 private:
  std::uint32_t capacity() const { return items_ ? static_cast<std::uint32_t>(items_->size()) : 0; }
  std::uint32_t index(std::uint32_t i) const { return (head_ + i) & (capacity() - 1); }

  static void grow(gc::Heap& heap, gc::Local<Ring>& self) {
    const std::uint32_t capacity = self->capacity() == 0 ? kInitialCapacity : self->capacity() * 2;
    gc::Local<gc::Array<gc::Member<T>>> items(heap, heap.make_array<gc::Member<T>>(capacity));
    gc::Local<gc::Array<std::int64_t>> times(heap, heap.make_array<std::int64_t>(capacity));
    Ring& ring = *self;
    for (std::uint32_t i = 0; i < ring.size_; ++i) {
      (*items)[i] = (*ring.items_.get())[ring.index(i)].get();
      (*times)[i] = (*ring.times_.get())[ring.index(i)];
    }
    ring.items_ = items.get();
    ring.times_ = times.get();
    ring.head_ = 0;
  }

  gc::Member<gc::Array<gc::Member<T>>> items_;
  gc::Member<gc::Array<std::int64_t>> times_;
  std::uint32_t head_ = 0;
  std::uint32_t size_ = 0;
};

}  // namespace lull::daemon
