// reactor.h: the event loop of one lulld thread: an io_context, one GC heap, and the rule
// that decides when memory is managed. Handlers run to completion, one at a time, each
// inside a no-GC region; the lulls between them are spent on GC work in quanta.
//
// One turn of the loop (idle mode), written out in run():
//   1. run up to kBatch ready handlers, inside a NoGcScope;
//   2. if any ran: pacing check (one paced GC quantum if the stream left no lull and the
//      heap needs it, within gc.max_pacing_share; batches shrink while it does), then 1;
//   3. the lull: if the heap has work, one quantum of it, ending by min(now + quantum,
//      earliest Timer), then back to 1 (so ready I/O waits at most one quantum);
//   4. no work: block in the io_context (or spin, with gc.busy_poll) until a handler runs.
// Classic mode runs handlers without regions and lets allocation collect; off mode never
// collects (the hard limit still does).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "config/config.h"
#include "gc/heap.h"
#include "runtime/asio.h"
#include "runtime/pacer.h"
#include "runtime/timer.h"

namespace lull::runtime {

class GcMetrics;

// Counters of what the loop did. Written by the reactor thread only, readable from any
// thread (relaxed: each is exact, a set of them is not a consistent snapshot).
struct ReactorCounters {
  using Counter = std::atomic<std::uint64_t>;
  static void add(Counter& counter, std::uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  Counter handlers{0};
  Counter idle_quanta{0};        // GC quanta run in lulls
  Counter paced_quanta{0};       // GC quanta run between handler batches
  Counter skipped_for_timer{0};  // lulls left unused because a Timer was due
  Counter idle_ns{0};            // time spent in idle quanta
  Counter paced_ns{0};           // time spent in paced quanta
};

class Reactor {
 public:
  using Clock = std::chrono::steady_clock;
  // Handlers run per region before the pacer gets a look in; fewer while paced work is due.
  static constexpr std::size_t kBatch = 32;
  static constexpr std::size_t kPacedBatch = 8;
  // A stream that has left no lull for this long makes major work paced, even below the
  // soft limit: otherwise a never-pausing stream would grow the heap to the soft limit
  // before any major cycle ran.
  static constexpr auto kLullStarvation = std::chrono::milliseconds(10);

  // `metrics` may be null (tests); it becomes the heap's observer.
  explicit Reactor(const config::GcConfig& gc, GcMetrics* metrics = nullptr);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  boost::asio::io_context& io() { return io_; }
  gc::Heap& heap() { return *heap_; }
  TimerQueue& timers() { return timers_; }

  // Runs until stop() or until no work is left. Reactor thread only.
  void run();
  // Makes run() return after the handler that is running; any thread.
  void stop() { io_.stop(); }

  // Incremented every loop turn; a watchdog that sees it stand still knows the loop is
  // stuck. Any thread.
  std::uint64_t heartbeat() const { return heartbeat_.load(std::memory_order_relaxed); }
  const ReactorCounters& counters() const { return counters_; }
  const config::GcConfig& gc_config() const { return gc_; }

  // Reload: every gc: setting but two takes effect from the next loop turn (quantum, fill,
  // pacing share, busy poll, soft and hard limits, major trigger). The mode and the nursery
  // size keep the values the reactor was built with: they would need a new heap. The caller
  // refuses a hard limit below the heap's committed bytes (gc::Heap::retune).
  void set_budgets(const config::GcConfig& gc);

  // Test hook: the deadline of every GC quantum started, in order (kept only when enabled).
  void record_quantum_deadlines_for_testing() { keep_deadlines_ = true; }
  const std::vector<Clock::time_point>& quantum_deadlines_for_testing() const { return deadlines_; }

 private:
  std::size_t run_handlers();
  void pace();
  // Runs one quantum of idle GC work if there is any and time allows; false if none ran.
  bool spend_lull();
  // One quantum of GC work by `deadline`: a minor collection if the nursery is due, and a
  // major step with what is left of the quantum. False if the heap had nothing to do.
  bool gc_quantum(Clock::time_point deadline, gc::GcContext context);
  bool minor_due() const;
  // Copies heap statistics for the scrape thread; unless forced, at most every millisecond.
  void publish(bool force);

  config::GcConfig gc_;
  std::unique_ptr<gc::Heap> heap_;
  GcMetrics* metrics_;
  // Hint 1: one thread runs handlers. Asio still locks its queues (only the UNSAFE hints
  // drop the locks), which stop() from other threads and signal delivery rely on.
  boost::asio::io_context io_{1};
  TimerQueue timers_;
  Pacer pacer_;
  Clock::time_point last_lull_{};
  Clock::time_point last_publish_{};
  bool pacing_ = false;  // paced work is due: run small batches
  ReactorCounters counters_;
  std::atomic<std::uint64_t> heartbeat_{0};
  bool keep_deadlines_ = false;
  std::vector<Clock::time_point> deadlines_;
};

// gc: config as the collector's policy.
gc::Policy policy_for(const config::GcConfig& gc);

}  // namespace lull::runtime
