// mark_bench.cc: full-marking throughput over an old generation of small linked objects (48-byte
// slots: two references and two words), against Boehm GC's full collection of the same graph
// (32-byte objects, same shape). Each node links to the next (a list through every object) and to
// a random earlier node. Prints the median of --reps full collections.
//   gc_mark_bench [--mib=128] [--reps=3] [--which=both|lull|boehm]
// For the figure run --mib=1024 (about 2 GiB of RAM for both heaps).
#include <gc.h>
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
#include "gc/observer.h"
#include "gc/visitor.h"

namespace {

using namespace lull::gc;
using bench::thread_cpu_us;
using Clock = std::chrono::steady_clock;

// Pretenured (opted out of relocation) so the graph is built straight in the old space.
struct MarkNode : GarbageCollected<MarkNode> {
  static constexpr bool kGcTriviallyRelocatable = false;
  void trace(Visitor& v) const {
    v.trace(next);
    v.trace(other);
  }
  Member<MarkNode> next;
  Member<MarkNode> other;
  int64_t a = 0, b = 0;
};

struct BoehmNode {
  BoehmNode* next;
  BoehmNode* other;
  int64_t a, b;
};
BoehmNode* g_boehm_root = nullptr;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct MarkRecorder : GcObserver {
  void on_gc_event(const GcEvent& e) override {
    if (e.kind == GcKind::kMark) mark += std::chrono::duration<double>(e.duration).count();
    if (e.kind == GcKind::kMark) bytes += e.bytes;
    if (e.kind == GcKind::kSweep) sweep += std::chrono::duration<double>(e.duration).count();
  }
  double mark = 0, sweep = 0;
  uint64_t bytes = 0;
};

// One more cycle in collect_step(now + step_us) steps, with no mutator: the CPU-time overshoot
// of marking and sweeping alone.
void lull_steps(Heap& heap, int step_us) {
  std::vector<double> over;
  long slow = 0, slow_faulted = 0, slow_switched = 0;
  for (;;) {
    rusage u0, u1;
    getrusage(RUSAGE_THREAD, &u0);
    const double c0 = thread_cpu_us();
    const StepResult r = heap.collect_step(Clock::now() + std::chrono::microseconds(step_us));
    const double cpu = thread_cpu_us() - c0;
    getrusage(RUSAGE_THREAD, &u1);
    if (cpu - step_us > 20) {
      ++slow;
      slow_faulted += (u1.ru_minflt + u1.ru_majflt > u0.ru_minflt + u0.ru_majflt) ? 1 : 0;
      slow_switched += (u1.ru_nivcsw + u1.ru_nvcsw > u0.ru_nivcsw + u0.ru_nvcsw) ? 1 : 0;
    }
    if (r.cycle_completed) break;
    over.push_back(cpu - step_us);
  }
  std::sort(over.begin(), over.end());
  auto at = [&](double p) {
    return over[std::min(over.size() - 1, size_t(p / 100 * over.size()))];
  };
  std::printf(
      "lull   steps of %d us, no mutator: %zu steps, CPU overshoot p50=%.2f p99=%.2f "
      "p99.9=%.2f max=%.2f us\n",
      step_us, over.size(), at(50), at(99), at(99.9), over.back());
  std::printf(
      "       steps > 20 us over: %ld, of which with a page fault: %ld, with a context "
      "switch: %ld\n",
      slow, slow_faulted, slow_switched);
}

void run_lull(size_t mib, int reps, int step_us) {
  Policy p;
  p.min_major_trigger_bytes = size_t{1} << 40;
  Heap heap(p);
  const size_t n = (mib << 20) / 48;
  std::vector<MarkNode*> nodes;
  nodes.reserve(n);
  std::mt19937_64 rng(42);
  const auto b0 = Clock::now();
  Persistent<MarkNode> root(heap, heap.make<MarkNode>());
  nodes.push_back(root.get());
  for (size_t i = 1; i < n; ++i) {  // explicit mode: nothing collects while building
    MarkNode* node = heap.make<MarkNode>();
    node->a = static_cast<int64_t>(i);
    nodes.back()->next = node;
    node->other = nodes[rng() % nodes.size()];
    nodes.push_back(node);
  }
  const double build = std::chrono::duration<double>(Clock::now() - b0).count();
  std::vector<double> marks, sweeps, fulls;
  for (int r = 0; r < reps; ++r) {
    MarkRecorder rec;
    heap.set_observer(&rec);
    const auto t0 = Clock::now();
    while (!heap.collect_step(Clock::now() + std::chrono::hours(1)).cycle_completed) {
    }
    fulls.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    heap.set_observer(nullptr);
    marks.push_back(rec.mark);
    sweeps.push_back(rec.sweep);
  }
  if (step_us > 0) lull_steps(heap, step_us);
  const double gib = static_cast<double>(heap.old_bytes()) / (1 << 30);
  std::printf(
      "lull   objects=%zu old=%.3f GiB build=%.2fs  mark=%.3fs (%.0f MiB/s, %.1f Mobj/s)"
      "  sweep=%.3fs  cycle=%.3fs\n",
      n, gib, build, median(marks), gib * 1024 / median(marks),
      static_cast<double>(n) / median(marks) / 1e6, median(sweeps), median(fulls));
}

void run_boehm(size_t mib, int reps) {
  GC_disable();
  const size_t n = (mib << 20) / 48;  // the same number of objects as lull
  std::vector<BoehmNode*> nodes;      // malloc'ed: invisible to Boehm, not a root
  nodes.reserve(n);
  std::mt19937_64 rng(42);
  const auto b0 = Clock::now();
  g_boehm_root = static_cast<BoehmNode*>(GC_MALLOC(sizeof(BoehmNode)));
  nodes.push_back(g_boehm_root);
  for (size_t i = 1; i < n; ++i) {
    auto* node = static_cast<BoehmNode*>(GC_MALLOC(sizeof(BoehmNode)));
    node->a = static_cast<int64_t>(i);
    nodes.back()->next = node;
    node->other = nodes[rng() % nodes.size()];
    nodes.push_back(node);
  }
  const double build = std::chrono::duration<double>(Clock::now() - b0).count();
  GC_enable();
  std::vector<double> fulls;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    GC_gcollect();
    fulls.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const double gib = static_cast<double>(GC_get_heap_size()) / (1 << 30);
  std::printf("boehm  objects=%zu heap=%.3f GiB build=%.2fs  full collection=%.3fs (%.1f Mobj/s)\n",
              n, gib, build, median(fulls), static_cast<double>(n) / median(fulls) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 128;
  int reps = 3;
  std::string which = "both";
  int step_us = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--mib=", 6) == 0)
      mib = std::strtoull(argv[i] + 6, nullptr, 10);
    else if (std::strncmp(argv[i], "--reps=", 7) == 0)
      reps = std::atoi(argv[i] + 7);
    else if (std::strncmp(argv[i], "--step_us=", 10) == 0)
      step_us = std::atoi(argv[i] + 10);
    else if (std::strncmp(argv[i], "--which=", 8) == 0)
      which = argv[i] + 8;
    else {
      std::fprintf(stderr,
                   "usage: %s [--mib=N] [--reps=N] [--which=both|lull|boehm] [--step_us=N]\n",
                   argv[0]);
      return 2;
    }
  }
  GC_INIT();
  if (which == "both" || which == "lull") run_lull(mib, reps, step_us);
  if (which == "both" || which == "boehm") run_boehm(mib, reps);
  return 0;
}
