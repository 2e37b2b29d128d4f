// minor_bench.cc: minor-collection time against surviving bytes, for nurseries of 1, 4 and
// 16 MiB filled with 48-byte objects of which 0, 10, 50 or 100 % survive (linked in a list held
// by one handle). Only collect_minor is timed (manual time). Also reports the heap's own
// estimate_minor_duration() just before each collection, to show how well it predicts.
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench/gc/bench_util.h"
#include "gc/heap.h"
#include "gc/member.h"
#include "gc/visitor.h"

namespace {

using namespace lull::gc;
using Clock = std::chrono::steady_clock;

using bench::Small;

void BM_Minor(benchmark::State& state) {
  Policy p;
  p.nursery_bytes = static_cast<size_t>(state.range(0)) << 20;
  p.min_major_trigger_bytes = size_t{1} << 40;
  const int64_t survive_pct = state.range(1);
  Heap heap(p);
  const size_t objects = (p.nursery_bytes - 4096) / (16 + sizeof(Small));
  double survived = 0, estimate_error = 0;
  for (auto _ : state) {
    Local<Small> head(heap, nullptr);
    for (size_t i = 0; i < objects; ++i) {
      Small* s = heap.make<Small>(static_cast<int64_t>(i), 0);
      if (static_cast<int64_t>(i % 100) < survive_pct) {
        s->next = head.get();
        head = s;
      }
    }
    const auto estimate = heap.estimate_minor_duration();
    const uint64_t promoted0 = heap.statistics().promoted_bytes_total;
    const auto t0 = Clock::now();
    heap.collect_minor();
    const auto took = Clock::now() - t0;
    state.SetIterationTime(std::chrono::duration<double>(took).count());
    survived += static_cast<double>(heap.statistics().promoted_bytes_total - promoted0);
    estimate_error += std::chrono::duration<double>(estimate - took).count() /
                      std::max(1e-9, std::chrono::duration<double>(took).count());
    head.reset();
    if (heap.old_bytes() > (size_t{256} << 20)) heap.collect();
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["survived_KiB"] = survived / n / 1024;
  state.counters["MiB_per_s"] =
      benchmark::Counter(survived / (1 << 20), benchmark::Counter::kIsRate);
  state.counters["estimate_err"] = estimate_error / n;  // (estimate - actual) / actual
}

BENCHMARK(BM_Minor)
    ->ArgsProduct({{1, 4, 16}, {0, 10, 50, 100}})
    ->ArgNames({"nursery_MiB", "survive_pct"})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(30);

}  // namespace

BENCHMARK_MAIN();
