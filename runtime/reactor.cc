// reactor.cc: the loop of reactor.h, and when GC work is due.
#include "runtime/reactor.h"

#include <algorithm>

#include "gc/no_gc_scope.h"
#include "runtime/gc_metrics.h"

namespace lull::runtime {
namespace {

// Pacing credit saved up during lulls is capped, so a long quiet spell cannot pay for a long
// burst of paced work later.
constexpr int kPacingBurstQuanta = 4;
// Statistics are copied for the scrape thread at most this often while GC work runs.
constexpr auto kPublishInterval = std::chrono::milliseconds(1);

}  // namespace

gc::Policy policy_for(const config::GcConfig& gc) {
  gc::Policy policy;
  policy.nursery_bytes = gc.nursery;
  policy.major_trigger_factor = gc.major_factor;
  policy.min_major_trigger_bytes = gc.min_trigger;
  policy.hard_limit_bytes = gc.hard_limit;
  policy.mode = gc.mode == config::GcMode::kClassic ? gc::GcMode::kClassic : gc::GcMode::kExplicit;
  return policy;
}

Reactor::Reactor(const config::GcConfig& gc, GcMetrics* metrics)
    : gc_(gc),
      heap_(std::make_unique<gc::Heap>(policy_for(gc))),
      metrics_(metrics),
      pacer_(gc.max_pacing_share, gc.quantum * kPacingBurstQuanta) {
  heap_->set_observer(metrics_);
}

Reactor::~Reactor() {
  heap_->set_observer(nullptr);
}

void Reactor::set_budgets(const config::GcConfig& gc) {
  const config::GcMode mode = gc_.mode;
  const std::size_t nursery = gc_.nursery;
  gc_ = gc;
  gc_.mode = mode;
  gc_.nursery = nursery;
  heap_->retune(policy_for(gc_));
  pacer_ = Pacer(gc_.max_pacing_share, gc_.quantum * kPacingBurstQuanta);
}

void Reactor::run() {
  io_.restart();
  last_lull_ = Clock::now();
  for (;;) {
    heartbeat_.store(heartbeat_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (run_handlers() > 0) {
      if (gc_.mode == config::GcMode::kIdle) pace();
      continue;
    }
    if (io_.stopped()) break;  // stop() called, or no work left
    if (gc_.mode == config::GcMode::kIdle && spend_lull()) continue;
    if (gc_.busy_poll) continue;  // spin on poll_one() for the lowest wake-up latency
    publish(/*force=*/true);
    // Nothing ready and no GC work: block until one handler has run.
    std::size_t ran;
    if (gc_.mode == config::GcMode::kClassic) {
      ran = io_.run_one();
    } else {
      gc::NoGcScope region(*heap_);
      ran = io_.run_one();
    }
    if (ran == 0) break;
    ReactorCounters::add(counters_.handlers, 1);
  }
  publish(/*force=*/true);
}

std::size_t Reactor::run_handlers() {
  std::size_t ran = 0;
  if (gc_.mode == config::GcMode::kClassic) {
    while (ran < kBatch && io_.poll_one() > 0) ++ran;
  } else {
    const std::size_t batch = pacing_ ? kPacedBatch : kBatch;
    // Invariant: no collection while a handler runs (idle and off modes). Kept by this
    // region; checked by the reactor test that watches the heap's observer.
    gc::NoGcScope region(*heap_);
    while (ran < batch && io_.poll_one() > 0) ++ran;
  }
  ReactorCounters::add(counters_.handlers, ran);
  return ran;
}

bool Reactor::minor_due() const {
  const std::size_t used = heap_->nursery_used_bytes();
  if (used == 0) return false;
  // Early enough that the copy fits in about half a quantum, and never later than the fill
  // threshold, so handlers rarely find the nursery full.
  return static_cast<double>(used) >=
             gc_.nursery_fill * static_cast<double>(heap_->nursery_capacity_bytes()) ||
         heap_->estimate_minor_duration() >= gc_.quantum / 2;
}

void Reactor::pace() {
  // Paced work is due when the nursery reached its fill threshold (the early minors sized to
  // a quantum are for lulls), or when a major cycle is due and either the heap passed the
  // soft limit or the stream has left no lull for kLullStarvation.
  const auto now = Clock::now();
  bool due = static_cast<double>(heap_->nursery_used_bytes()) >=
             gc_.nursery_fill * static_cast<double>(heap_->nursery_capacity_bytes());
  if (!due && heap_->major_work_pending()) {
    due = now - last_lull_ >= kLullStarvation ||
          heap_->statistics().committed_bytes >= gc_.soft_limit;
  }
  // One quantum at most between batches, so a ready event waits for one quantum at most;
  // while more is due, batches shrink to kPacedBatch so the share can still be reached.
  pacing_ = due;
  if (!due || !pacer_.allowed(now)) return;
  if (!gc_quantum(now + gc_.quantum, gc::GcContext::kPaced)) {
    pacing_ = false;
    return;
  }
  const auto end = Clock::now();
  ReactorCounters::add(counters_.paced_quanta, 1);
  ReactorCounters::add(counters_.paced_ns, static_cast<std::uint64_t>((end - now).count()));
  pacer_.charge(end - now, end);
}

bool Reactor::spend_lull() {
  const auto now = Clock::now();
  last_lull_ = now;
  if (!minor_due() && !heap_->major_work_pending()) return false;
  auto deadline = now + gc_.quantum;
  if (auto timer = timers_.earliest()) {
    // Too little time before the timer for a useful quantum: let it fire first.
    if (*timer - now < gc_.quantum / 4) {
      ReactorCounters::add(counters_.skipped_for_timer, 1);
      return false;
    }
    deadline = std::min(deadline, *timer);
  }
  if (!gc_quantum(deadline, gc::GcContext::kIdle)) return false;
  ReactorCounters::add(counters_.idle_quanta, 1);
  ReactorCounters::add(counters_.idle_ns, static_cast<std::uint64_t>((Clock::now() - now).count()));
  return true;
}

bool Reactor::gc_quantum(Clock::time_point deadline, gc::GcContext context) {
  bool worked = false;
  if (minor_due()) {
    heap_->collect_minor(context);
    worked = true;
  }
  // The rest of the quantum goes to the major cycle, so frequent minors cannot starve it.
  if (heap_->major_work_pending() && deadline - Clock::now() > gc_.quantum / 4) {
    // A cycle opens with a minor collection; when that would not fit, the step asks for it.
    if (heap_->collect_step(deadline, context).minor_needed) heap_->collect_minor(context);
    worked = true;
  }
  if (!worked) return false;
  if (keep_deadlines_) deadlines_.push_back(deadline);
  publish(/*force=*/false);
  return true;
}

void Reactor::publish(bool force) {
  if (metrics_ == nullptr) return;
  const auto now = Clock::now();
  if (!force && now - last_publish_ < kPublishInterval) return;
  last_publish_ = now;
  metrics_->publish(heap_->statistics());
}

}  // namespace lull::runtime
