// pause_bench.cc: step overshoot. A mutator keeps a large old generation live (a window of
// events in reference arrays, 1 in 8 with a std::string note that has a destructor, and a ring
// of large double arrays that are replaced now and then), replaces its oldest events in "handler"
// bursts inside a NoGcScope, and in the "lull" after each burst runs small minor collections and
// collect_step(now + deadline) until --cycles major cycles have completed. Prints the
// distribution of (return time - deadline) over all steps that ran to their deadline, and the
// longest step of any kind (mark, sweep incl. destructors and large frees, minor) as the
// observer saw it.
//   gc_pause_bench [--old_mib=256] [--cycles=3] [--deadline_us=50] [--burst=200]
// For the figure: --old_mib=1024.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/gc/bench_util.h"
#include "gc/heap.h"
#include "gc/member.h"
#include "gc/no_gc_scope.h"
#include "gc/observer.h"
#include "gc/visitor.h"

namespace {

using namespace lull::gc;
using bench::thread_cpu_us;
using Clock = std::chrono::steady_clock;

struct Note : GarbageCollected<Note> {  // std::string: pretenured, destructor on death
  explicit Note(std::string t) : text(std::move(t)) {}
  std::string text;
};

struct Event : GarbageCollected<Event> {
  Event(int64_t s, double p) : seq(s), price(p) {}
  void trace(Visitor& v) const {
    v.trace(key);
    v.trace(note);
  }
  int64_t seq;
  double price;
  Member<String> key;
  Member<Note> note;
};

constexpr size_t kChunk = 1000;  // events per reference array (8 KB: a small object)

struct MaxRecorder : GcObserver {
  void on_gc_event(const GcEvent& e) override {
    const double us = std::chrono::duration<double, std::micro>(e.duration).count();
    double& m = max_us[static_cast<int>(e.kind)];
    m = std::max(m, us);
  }
  double max_us[4] = {0, 0, 0, 0};
};

long involuntary_switches() {
  rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nivcsw;
}

long page_faults() {
  rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_minflt + ru.ru_majflt;
}

// The machine's own overshoot, for comparison: a "step" of the same deadline that does no
// collector work, only ~1 us of arithmetic between clock reads (as the collector's budget
// does). Run right after each real step, so both see the same moments of the machine.
// Returns (return time - deadline) in us.
double control_step(std::chrono::microseconds budget) {
  const auto deadline = Clock::now() + budget;
  volatile uint64_t sink = 0;
  uint64_t x = 88172645463325252ull;
  Clock::time_point now;
  do {
    for (int i = 0; i < 200; ++i) x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // ~1 us, no memory
    sink = x;
    now = Clock::now();
  } while (now < deadline);
  (void)sink;
  return std::chrono::duration<double, std::micro>(now - deadline).count();
}

double pct(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p / 100 * sorted.size()));
  return sorted[i];
}

}  // namespace

int main(int argc, char** argv) {
  size_t old_mib = 256;
  int cycles = 3;
  int deadline_us = 50;
  int burst = 200;
  size_t page_cache_mib = 1;  // Policy::empty_page_cache_bytes
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--old_mib=", 10) == 0)
      old_mib = std::strtoull(argv[i] + 10, nullptr, 10);
    else if (std::strncmp(argv[i], "--cycles=", 9) == 0)
      cycles = std::atoi(argv[i] + 9);
    else if (std::strncmp(argv[i], "--deadline_us=", 14) == 0)
      deadline_us = std::atoi(argv[i] + 14);
    else if (std::strncmp(argv[i], "--burst=", 8) == 0)
      burst = std::atoi(argv[i] + 8);
    else if (std::strncmp(argv[i], "--page_cache_mib=", 17) == 0)
      page_cache_mib = std::strtoull(argv[i] + 17, nullptr, 10);
    else {
      std::fprintf(stderr,
                   "usage: %s [--old_mib=N] [--cycles=N] [--deadline_us=N] [--burst=N] "
                   "[--page_cache_mib=N]\n",
                   argv[0]);
      return 2;
    }
  }
  Policy policy;
  policy.nursery_bytes = 4u << 20;
  policy.empty_page_cache_bytes = page_cache_mib << 20;
  Heap heap(policy);
  MaxRecorder recorder;
  std::mt19937_64 rng(7);

  // Live set: ~ old_mib / 2 in events (48 B event + 8 B array slot + 1/8 of a 64 B note) and
  // ~ old_mib / 2 in large arrays.
  const size_t event_bytes = 48 + 8 + 64 / 8;
  const size_t window = (old_mib << 20) / 2 / event_bytes;
  const size_t chunks = (window + kChunk - 1) / kChunk;
  std::vector<Persistent<Array<Member<Event>>>> ring;
  for (size_t c = 0; c < chunks; ++c)
    ring.emplace_back(heap, heap.make_array<Member<Event>>(kChunk));
  std::vector<Persistent<String>> keys;
  char buf[96];
  for (int k = 0; k < 10000; ++k) {
    std::snprintf(buf, sizeof buf, "m%05d", k);
    keys.emplace_back(heap, heap.make_string(buf));
  }
  const size_t large_count = 16;
  const size_t large_budget = (old_mib << 20) / 2 / large_count;  // bytes per large array
  std::vector<Persistent<Array<double>>> large;
  auto new_large = [&] {
    const size_t bytes = large_budget / 2 + rng() % large_budget;  // mean = budget
    return heap.make_array<double>(bytes / 8);
  };
  for (size_t i = 0; i < large_count; ++i) large.emplace_back(heap, new_large());

  size_t cursor = 0;
  int64_t seq = 0;
  auto handler_burst = [&](int n) {
    NoGcScope region(heap);  // a handler: never collects
    for (int i = 0; i < n; ++i) {
      Event* e = heap.make<Event>(seq, 100.0 + static_cast<double>(rng() % 1000) / 100);
      e->key = keys[static_cast<size_t>(seq) % keys.size()].get();
      if (seq % 8 == 0) {
        std::snprintf(buf, sizeof buf, "note for event %lld with some text past SSO",
                      static_cast<long long>(seq));
        e->note = heap.make<Note>(std::string(buf));
      }
      (*ring[cursor / kChunk])[cursor % kChunk] = e;  // the oldest event becomes garbage
      cursor = (cursor + 1) % (chunks * kChunk);
      ++seq;
    }
  };
  // Fill the window (minor collections as we go), then a full collection as the baseline.
  const auto fill0 = Clock::now();
  for (size_t i = 0; i < chunks * kChunk; i += 1000) {
    handler_burst(1000);
    heap.collect_minor();
  }
  heap.collect();
  std::printf("setup: window=%zu events, old=%.1f MiB (large %.1f MiB), fill %.1fs\n",
              chunks * kChunk, static_cast<double>(heap.old_bytes()) / (1 << 20),
              static_cast<double>(heap.statistics().large_bytes) / (1 << 20),
              std::chrono::duration<double>(Clock::now() - fill0).count());

  heap.set_observer(&recorder);
  std::vector<double> overshoot_us;  // steps that ran to their deadline
  std::vector<double> cpu_over_us;   // the same in thread CPU time: step CPU - deadline budget
  std::vector<double> control_us;    // control_step() after each of those steps
  const long switches0 = involuntary_switches();
  uint64_t slow_by_phase[3] = {0, 0, 0};  // steps > 20 us over in CPU time, by starting phase
  uint64_t slow_faulting = 0;             // ... of which took a page fault
  long step_faults = 0;                   // page faults inside steps, all of them
  double longest_step_us = 0, longest_minor_us = 0, longest_minor_cpu_us = 0;
  double longest_step_cpu_us = 0;
  uint64_t steps = 0, early = 0, minors = 0, iterations = 0;
  const uint64_t cycles0 = heap.statistics().major_cycles;
  const auto run0 = Clock::now();
  while (heap.statistics().major_cycles - cycles0 < static_cast<uint64_t>(cycles)) {
    ++iterations;
    handler_burst(burst);
    if (iterations % 50 == 0) large[rng() % large_count] = new_large();  // old one dies
    // The lull: a small minor collection when it fits, then GC steps.
    if (heap.nursery_used_bytes() > (64u << 10)) {
      const auto t0 = Clock::now();
      const double c0 = thread_cpu_us();
      heap.collect_minor();
      longest_minor_cpu_us = std::max(longest_minor_cpu_us, thread_cpu_us() - c0);
      longest_minor_us = std::max(
          longest_minor_us, std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      ++minors;
    }
    for (int s = 0; s < 4 && heap.major_work_pending(); ++s) {
      const MajorPhase phase_before = heap.phase();
      const long faults0 = page_faults();
      const double cpu0 = thread_cpu_us();
      const auto start = Clock::now();
      const auto deadline = start + std::chrono::microseconds(deadline_us);
      const StepResult r = heap.collect_step(deadline);
      const auto end = Clock::now();
      const double cpu = thread_cpu_us() - cpu0;
      const long faults = page_faults() - faults0;
      step_faults += faults;
      longest_step_cpu_us = std::max(longest_step_cpu_us, cpu);
      ++steps;
      longest_step_us =
          std::max(longest_step_us, std::chrono::duration<double, std::micro>(end - start).count());
      if (r.minor_needed || r.cycle_completed || r.phase == MajorPhase::kIdle || end < deadline) {
        ++early;  // returned before its deadline (phase finished, or it asked for a minor)
        continue;
      }
      overshoot_us.push_back(std::chrono::duration<double, std::micro>(end - deadline).count());
      control_us.push_back(control_step(std::chrono::microseconds(deadline_us)));
      cpu_over_us.push_back(cpu - deadline_us);
      if (cpu - deadline_us > 20) {
        ++slow_by_phase[static_cast<int>(phase_before)];
        if (faults > 0) ++slow_faulting;
      }
    }
  }
  std::sort(overshoot_us.begin(), overshoot_us.end());
  std::sort(cpu_over_us.begin(), cpu_over_us.end());
  std::sort(control_us.begin(), control_us.end());
  const long switches = involuntary_switches() - switches0;
  const HeapStatistics s = heap.statistics();
  std::printf(
      "run: %.1fs, %llu iterations, %llu steps (%llu returned early), %llu minors, %llu "
      "cycles, destructors %llu, pages returned %llu\n",
      std::chrono::duration<double>(Clock::now() - run0).count(), (unsigned long long)iterations,
      (unsigned long long)steps, (unsigned long long)early, (unsigned long long)minors,
      (unsigned long long)(s.major_cycles - cycles0), (unsigned long long)s.destructors_run,
      (unsigned long long)s.pages_returned);
  std::printf(
      "overshoot (return - deadline) over %zu steps at %d us: p50=%.2f p99=%.2f "
      "p99.9=%.2f p99.99=%.2f max=%.2f us\n",
      overshoot_us.size(), deadline_us, pct(overshoot_us, 50), pct(overshoot_us, 99),
      pct(overshoot_us, 99.9), pct(overshoot_us, 99.99),
      overshoot_us.empty() ? 0.0 : overshoot_us.back());
  std::printf(
      "same in thread CPU time (step CPU - budget): p50=%.2f p99=%.2f p99.9=%.2f "
      "p99.99=%.2f max=%.2f us; involuntary context switches during the run: %ld\n",
      pct(cpu_over_us, 50), pct(cpu_over_us, 99), pct(cpu_over_us, 99.9), pct(cpu_over_us, 99.99),
      cpu_over_us.empty() ? 0.0 : cpu_over_us.back(), switches);
  std::printf(
      "control (no GC work, same deadline, after each step): p50=%.2f p99=%.2f p99.9=%.2f "
      "p99.99=%.2f max=%.2f us\n",
      pct(control_us, 50), pct(control_us, 99), pct(control_us, 99.9), pct(control_us, 99.99),
      control_us.empty() ? 0.0 : control_us.back());
  std::printf("longest in thread CPU time: step %.1f us, minor %.1f us\n", longest_step_cpu_us,
              longest_minor_cpu_us);
  std::printf(
      "steps over by > 20 us of CPU, by phase at entry: idle %llu, marking %llu, "
      "sweeping %llu; %llu of them took a page fault (%ld page faults in all steps)\n",
      (unsigned long long)slow_by_phase[0], (unsigned long long)slow_by_phase[1],
      (unsigned long long)slow_by_phase[2], (unsigned long long)slow_faulting, step_faults);
  std::printf(
      "longest: step %.1f us (observer: mark %.1f, sweep %.1f), minor %.1f us "
      "(observer %.1f)\n",
      longest_step_us, recorder.max_us[static_cast<int>(GcKind::kMark)],
      recorder.max_us[static_cast<int>(GcKind::kSweep)], longest_minor_us,
      recorder.max_us[static_cast<int>(GcKind::kMinor)]);
  heap.set_observer(nullptr);
  return 0;
}
