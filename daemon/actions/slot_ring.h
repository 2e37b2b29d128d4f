// slot_ring.h: a FIFO of at most `limit` elements in a ring that grows by doubling up to the
// limit and never shrinks. Popped slots keep their contents (a string keeps its capacity)
// and are reused by later pushes, so a steady stream of actions neither allocates nor
// frees once the ring has grown to its working size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace lull::daemon {

template <class T>
class SlotRing {
 public:
  explicit SlotRing(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}

  bool empty() const { return size_ == 0; }
  bool full() const { return size_ >= limit_; }
  std::size_t size() const { return size_; }

  T& front() { return slots_[head_]; }
  const T& front() const { return slots_[head_]; }
  // The slot of a new last element, still holding what an earlier element left in it:
  // assign every field. Not when full().
  T& push_back() {
    if (size_ == slots_.size()) grow();
    std::size_t index = head_ + size_;
    if (index >= slots_.size()) index -= slots_.size();
    ++size_;
    return slots_[index];
  }
  void pop_front() {
    if (++head_ == slots_.size()) head_ = 0;
    --size_;
  }
  void clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  void grow() {
    std::vector<T> bigger(std::min(limit_, std::max<std::size_t>(16, 2 * slots_.size())));
    // Every slot moves, the popped ones too, so the capacity they hold is kept.
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
    }
    slots_.swap(bigger);
    head_ = 0;
  }

  std::size_t limit_;
  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace lull::daemon
