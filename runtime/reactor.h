// reactor.h: the event loop of one lulld thread: an io_context and the loop that drives it.
// Handlers run to completion one at a time on the thread that calls run(). The loop is
// written out (poll, then block) rather than io_context::run() so that the lulls between
// ready handlers are visible: that is where the heap's collection work will be scheduled.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/asio.h"

namespace lull::runtime {

class Reactor {
 public:
  Reactor() = default;
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  boost::asio::io_context& io() { return io_; }

  // Runs handlers until stop() is called or no work is left. Reactor thread only.
  void run();
  // Makes run() return after the handler that is running; callable from any thread.
  void stop() { io_.stop(); }

  // Incremented once per loop turn; a watchdog that sees it stand still while handlers are
  // pending knows the reactor is stuck. Readable from any thread.
  std::uint64_t heartbeat() const { return heartbeat_.load(std::memory_order_relaxed); }

 private:
  boost::asio::io_context io_{1};  // concurrency hint 1: one thread, no locking inside Asio
  std::atomic<std::uint64_t> heartbeat_{0};
};

}  // namespace lull::runtime
