// ring.h: a FIFO of (time, value, reference) records in one managed array, oldest time at the
// front, embedded by value in the managed object that owns it: the time windows of the rules
// (event time, the rule's field value, the event) and the absence rule's deadline queue
// (deadline, unused, key). Time, value and reference share a record, and the ring shares its
// owner's object, so an event's pass over its key's window reads the rule state and the two
// ends of one array, never the expiring event: that was five objects (state, ring, times,
// references, oldest event), each promoted and scattered by the collector.
// push() appends (the deadline queue's times never decrease); insert() keeps the times sorted
// for a window whose events may come late, at a cost of how many held records are newer.
// Expiry pops from the front. Capacity doubles when full (a copy into a new array: O(size),
// rare) and never shrinks while in use. The owner's trace() must trace the ring; what the ring
// holds stays alive, what it drops becomes garbage. push and insert allocate (a GC point in
// classic mode, where the owner may move): they take a handle to the owner and the ring's
// member pointer.
#pragma once

#include <algorithm>
#include <cstdint>

#include "gc/array.h"
#include "gc/handles.h"
#include "gc/heap.h"
#include "gc/member.h"
#include "gc/visitor.h"

namespace lull::daemon {

template <class T>
struct RingSlot {
  void trace(gc::Visitor& visitor) const { visitor.trace(item); }
  std::int64_t time = 0;
  double value = 0;
  gc::Member<T> item;
};

template <class T>
class Ring {
 public:
  using Slot = RingSlot<T>;
  static constexpr std::uint32_t kInitialCapacity = 8;

  void trace(gc::Visitor& visitor) const { visitor.trace(slots_); }

  std::uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Slot& front() const { return at(0); }
  const Slot& at(std::uint32_t i) const { return (*slots_.get())[index(i)]; }
  // The latest time held (when not empty), without touching the far end of the array.
  std::int64_t newest_time() const { return newest_; }

  void pop_front() {
    (*slots_.get())[head_].item = nullptr;  // let the collector have it
    head_ = (head_ + 1) & (capacity() - 1);
    --size_;
  }

  // Appends; a GC point (see the file comment).
  template <class Owner>
  static void push(gc::Heap& heap, gc::Local<Owner>& owner, Ring Owner::*member, std::int64_t time,
                   double value, T* item) {
    gc::Local<T> held(heap, item);
    Ring& ring = make_room(heap, owner, member);
    Slot& slot = (*ring.slots_.get())[ring.index(ring.size_)];
    slot.time = time;
    slot.value = value;
    slot.item = held.get();
    ring.newest_ = ring.size_ == 0 ? time : std::max(ring.newest_, time);
    ++ring.size_;
  }

  // Inserts behind every record whose time is at most `time`, so times stay sorted and records
  // of equal time keep their arrival order; a GC point, as push(). In time order it is push().
  template <class Owner>
  static void insert(gc::Heap& heap, gc::Local<Owner>& owner, Ring Owner::*member,
                     std::int64_t time, double value, T* item) {
    push(heap, owner, member, time, value, item);  // `item` may have moved; the ring's copy has not
    Ring& ring = owner.get()->*member;
    std::uint32_t at = ring.size_ - 1;
    if (at == 0 || ring.at(at - 1).time <= time) return;
    auto& slots = *ring.slots_.get();
    T* const moved = slots[ring.index(at)].item.get();  // nothing below allocates
    for (; at > 0 && ring.at(at - 1).time > time; --at)
      slots[ring.index(at)] = slots[ring.index(at - 1)];
    Slot& slot = slots[ring.index(at)];
    slot.time = time;
    slot.value = value;
    slot.item = moved;
  }

 private:
  std::uint32_t capacity() const { return slots_ ? static_cast<std::uint32_t>(slots_->size()) : 0; }
  std::uint32_t index(std::uint32_t i) const { return (head_ + i) & (capacity() - 1); }

  // The owner's ring with room for one more record.
  template <class Owner>
  static Ring& make_room(gc::Heap& heap, gc::Local<Owner>& owner, Ring Owner::*member) {
    Ring* ring = &(owner.get()->*member);
    if (ring->slots_ && ring->size_ < ring->capacity()) return *ring;
    const std::uint32_t capacity = ring->capacity() == 0 ? kInitialCapacity : ring->capacity() * 2;
    gc::Array<Slot>* slots = heap.make_array<Slot>(capacity);  // the owner may move
    ring = &(owner.get()->*member);
    for (std::uint32_t i = 0; i < ring->size_; ++i) (*slots)[i] = ring->at(i);
    ring->slots_ = slots;
    ring->head_ = 0;
    return *ring;
  }

  gc::Member<gc::Array<Slot>> slots_;
  std::uint32_t head_ = 0;
  std::uint32_t size_ = 0;
  std::int64_t newest_ = 0;
};

}  // namespace lull::daemon
