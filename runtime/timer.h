// timer.h: a steady timer that the reactor knows about. The reactor never starts a GC
// quantum that would run past the earliest armed Timer, so timers fire on time even while
// the heap has work; an Asio timer created directly would be invisible to it. Reactor
// thread only. Hazard: destroy a Timer only when no wait of it can still complete (it is
// cancelled, or fired and handled); a handler queued before the destruction would run
// with a dangling `this`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>

#include "runtime/asio.h"

namespace lull::runtime {

// The armed expiries the reactor consults; one per reactor.
class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;
  using Entry = std::multiset<Clock::time_point>::iterator;

  Entry add(Clock::time_point expiry) { return expiries_.insert(expiry); }
  void remove(Entry entry) { expiries_.erase(entry); }
  std::optional<Clock::time_point> earliest() const {
    if (expiries_.empty()) return std::nullopt;
    return *expiries_.begin();
  }

 private:
  std::multiset<Clock::time_point> expiries_;
};

class Timer {
 public:
  using Clock = TimerQueue::Clock;

  Timer(boost::asio::io_context& io, TimerQueue& queue) : timer_(io), queue_(queue) {}
  ~Timer() { disarm(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Arms the timer; a wait already pending completes with operation_aborted first.
  // The handler takes a boost::system::error_code.
  template <class Handler>
  void async_wait_until(Clock::time_point expiry, Handler&& handler) {
    disarm();
    timer_.expires_at(expiry);
    entry_ = queue_.add(expiry);
    // A wait that already expired but whose handler is still queued cannot be cancelled;
    // the generation keeps its late handler from disarming this newer wait.
    const std::uint64_t generation = ++generation_;
    timer_.async_wait([this, generation, handler = std::forward<Handler>(handler)](
                          boost::system::error_code error) mutable {
      if (!error && generation == generation_) disarm();
      handler(error);
    });
  }
  template <class Handler>
  void async_wait_after(Clock::duration delay, Handler&& handler) {
    async_wait_until(Clock::now() + delay, std::forward<Handler>(handler));
  }

  void cancel() {
    disarm();
    timer_.cancel();
  }
  bool armed() const { return entry_.has_value(); }

 private:
  void disarm() {
    if (entry_) queue_.remove(*entry_);
    entry_.reset();
  }

  boost::asio::steady_timer timer_;
  TimerQueue& queue_;
  std::optional<TimerQueue::Entry> entry_;
  std::uint64_t generation_ = 0;
};

}  // namespace lull::runtime
