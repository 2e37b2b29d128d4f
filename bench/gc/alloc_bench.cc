// alloc_bench.cc: short-lived small-object allocation throughput, side by side: lull's nursery
// (classic mode, so full nurseries are collected inside the loop and their cost is included),
// glibc malloc/free, std::make_shared, and Boehm GC. Objects are 32-byte payloads (two words of
// data, a reference, a pad), initialised. Two shapes: one object at a time, and lists of 64
// (allocated, linked, then all dropped).
#include <benchmark/benchmark.h>
#include <gc.h>

#include <cstdlib>
#include <memory>

#include "bench/gc/bench_util.h"
#include "gc/heap.h"
#include "gc/member.h"
#include "gc/visitor.h"

namespace {

using namespace lull::gc;

using bench::Small;

struct Plain {
  int64_t x, y;
  Plain* next;
  int64_t pad;
};
static_assert(sizeof(Plain) == 32);

Policy classic() {
  Policy p;
  p.mode = GcMode::kClassic;
  return p;
}

void BM_LullNursery(benchmark::State& state) {
  Heap heap(classic());
  int64_t i = 0;
  for (auto _ : state) {
    Small* s = heap.make<Small>(i, i);
    benchmark::DoNotOptimize(s);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["minors"] = static_cast<double>(heap.statistics().minor_collections);
}

void BM_Malloc(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    auto* p = static_cast<Plain*>(std::malloc(sizeof(Plain)));
    *p = Plain{i, i, nullptr, 0};
    benchmark::DoNotOptimize(p);
    std::free(p);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_MakeShared(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    auto p = std::make_shared<Plain>(Plain{i, i, nullptr, 0});
    benchmark::DoNotOptimize(p.get());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Boehm(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    auto* p = static_cast<Plain*>(GC_MALLOC(sizeof(Plain)));
    *p = Plain{i, i, nullptr, 0};
    benchmark::DoNotOptimize(p);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

constexpr int kList = 64;

void BM_LullNurseryList64(benchmark::State& state) {
  Heap heap(classic());
  int64_t i = 0;
  for (auto _ : state) {
    // Classic mode may collect at each make: the list head lives in a handle.
    Local<Small> head(heap, nullptr);
    for (int k = 0; k < kList; ++k) {
      Small* s = heap.make<Small>(i, k);
      s->next = head.get();
      head = s;
    }
    benchmark::DoNotOptimize(head.get());
    ++i;
  }
  state.SetItemsProcessed(state.iterations() * kList);
}

void BM_MallocList64(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    Plain* head = nullptr;
    for (int k = 0; k < kList; ++k) {
      auto* p = static_cast<Plain*>(std::malloc(sizeof(Plain)));
      *p = Plain{i, k, head, 0};
      head = p;
    }
    benchmark::DoNotOptimize(head);
    while (head) {
      Plain* next = head->next;
      std::free(head);
      head = next;
    }
    ++i;
  }
  state.SetItemsProcessed(state.iterations() * kList);
}

struct SharedNode {
  int64_t x, y;
  std::shared_ptr<SharedNode> next;
};

void BM_MakeSharedList64(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    std::shared_ptr<SharedNode> head;
    for (int k = 0; k < kList; ++k)
      head = std::make_shared<SharedNode>(SharedNode{i, k, std::move(head)});
    benchmark::DoNotOptimize(head.get());
    ++i;
  }
  state.SetItemsProcessed(state.iterations() * kList);
}

void BM_BoehmList64(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    Plain* head = nullptr;
    for (int k = 0; k < kList; ++k) {
      auto* p = static_cast<Plain*>(GC_MALLOC(sizeof(Plain)));
      *p = Plain{i, k, head, 0};
      head = p;
    }
    benchmark::DoNotOptimize(head);
    ++i;
  }
  state.SetItemsProcessed(state.iterations() * kList);
}

BENCHMARK(BM_LullNursery);
BENCHMARK(BM_Malloc);
BENCHMARK(BM_MakeShared);
BENCHMARK(BM_Boehm);
BENCHMARK(BM_LullNurseryList64);
BENCHMARK(BM_MallocList64);
BENCHMARK(BM_MakeSharedList64);
BENCHMARK(BM_BoehmList64);

}  // namespace

int main(int argc, char** argv) {
  GC_INIT();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
