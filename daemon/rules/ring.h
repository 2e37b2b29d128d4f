// ring.h: a managed FIFO of (time, reference) pairs, oldest time at the front: the time
// windows of the rules and the absence rule's deadline queue. push() appends (the deadline
// queue's times never decrease); insert() keeps the times sorted for a window whose events may
// come late, at a cost of how many held items are newer. Expiry pops from the front. Capacity
// doubles when full (a copy into a new array: O(size), rare) and never shrinks while in use.
// The references are Members, so what a ring holds stays alive, and what it drops becomes
// garbage. Allocating calls (push, insert) are GC points in classic mode: hold the ring in a
// handle.
#pragma once

#include <algorithm>
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
  // The latest time held (when not empty), without touching the far end of the arrays.
  std::int64_t newest_time() const { return newest_; }
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
    ring.newest_ = ring.size_ == 0 ? time : std::max(ring.newest_, time);
    ++ring.size_;
  }

  // Inserts behind every item whose time is at most `time`, so times stay sorted and items of
  // equal time keep their arrival order; may allocate, as push(). In time order it is push().
  static void insert(gc::Heap& heap, gc::Local<Ring>& self, std::int64_t time, T* item) {
    push(heap, self, time, item);  // a GC point: `item` may have moved, the ring's copy has not
    Ring& ring = *self;
    std::uint32_t at = ring.size_ - 1;
    if (at == 0 || ring.time_at(at - 1) <= time) return;
    auto& items = *ring.items_.get();
    auto& times = *ring.times_.get();
    T* const moved = items[ring.index(at)].get();
    for (; at > 0 && ring.time_at(at - 1) > time; --at) {
      items[ring.index(at)] = items[ring.index(at - 1)].get();
      times[ring.index(at)] = times[ring.index(at - 1)];
    }
    items[ring.index(at)] = moved;
    times[ring.index(at)] = time;
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
  std::int64_t newest_ = 0;
};

}  // namespace lull::daemon
