// overhead_bench.cc: the reactor's cost per handler. A chain of handlers that each re-post
// themselves kChain times, doing a fixed computation of `rounds` mixing rounds and (in the
// `alloc` variants) four small allocations on a gc::Heap, run by Reactor::run() in idle mode and
// by a plain io_context::run() loop. After the Google Benchmark table it prints ns per handler
// (CPU and real time, median and min over repetitions) and the reactor/plain ratios.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "gc/heap.h"
#include "gc/member.h"
#include "gc/visitor.h"
#include "runtime/reactor.h"

namespace {

namespace asio = boost::asio;
using lull::runtime::Reactor;

constexpr int kChain = 10'000;  // handlers per benchmark iteration
constexpr int kAllocsPerHandler = 4;

struct Node : lull::gc::GarbageCollected<Node> {
  explicit Node(std::uint64_t v) : value(v) {}
  void trace(lull::gc::Visitor& visitor) const { visitor.trace(next); }
  std::uint64_t value;
  std::uint64_t pad[3] = {};  // 48-byte payload, 64 bytes with the header
  lull::gc::Member<Node> next;
};

// One self-re-posting handler chain. In idle mode the reactor runs it inside a no-GC region,
// so raw Node pointers are safe within one handler; the plain loop never collects inside the
// work either (its minor collection comes first, before any pointer is taken).
struct Chain {
  asio::io_context* io = nullptr;
  lull::gc::Heap* heap = nullptr;  // null: no allocation
  bool plain_minors = false;       // the plain loop's own minor collections (see README)
  double nursery_fill = 0.75;
  int remaining = 0;
  int rounds = 0;  // of the fixed computation
  std::uint64_t state = 0x9E3779B97F4A7C15ull;

  void step() {
    if (plain_minors && static_cast<double>(heap->nursery_used_bytes()) >=
                            nursery_fill * static_cast<double>(heap->nursery_capacity_bytes())) {
      heap->collect_minor();
    }
    std::uint64_t x = state;
    for (int i = 0; i < rounds; ++i) {  // xorshift-multiply: a fixed, unelidable cost
      x ^= x >> 31;
      x *= 0xBF58476D1CE4E5B9ull;
      x ^= x << 7;
    }
    if (heap != nullptr) {
      Node* head = nullptr;
      for (int i = 0; i < kAllocsPerHandler; ++i) {
        Node* node = heap->make<Node>(x + static_cast<std::uint64_t>(i));
        node->next = head;  // a short chain that dies with the handler: nursery garbage
        head = node;
      }
      x += head->value;
    }
    benchmark::DoNotOptimize(x);
    state = x;
    if (--remaining > 0) asio::post(*io, [this] { step(); });
  }

  void start(int handlers) {
    remaining = handlers;
    asio::post(*io, [this] { step(); });
  }
};

lull::config::GcConfig idle_config() {
  lull::config::GcConfig gc;  // the defaults: idle mode, 4 MiB nursery, 50 us quantum
  gc.mode = lull::config::GcMode::kIdle;
  return gc;
}

void set_handler_counters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kChain);
}

void plain_loop(benchmark::State& state, bool alloc) {
  const auto gc = idle_config();
  asio::io_context io(1);  // the reactor's concurrency hint
  std::unique_ptr<lull::gc::Heap> heap;
  if (alloc) heap = std::make_unique<lull::gc::Heap>(lull::runtime::policy_for(gc));
  Chain chain;
  chain.io = &io;
  chain.heap = heap.get();
  chain.plain_minors = alloc;
  chain.nursery_fill = gc.nursery_fill;
  chain.rounds = static_cast<int>(state.range(0));
  for (auto _ : state) {
    chain.start(kChain);
    io.restart();
    io.run();
  }
  set_handler_counters(state);
  if (heap) {
    const auto stats = heap->statistics();
    state.counters["minors"] = static_cast<double>(stats.minor_collections);
    state.counters["overflows"] = static_cast<double>(stats.nursery_overflows);
  }
}

void reactor_loop(benchmark::State& state, bool alloc) {
  Reactor reactor(idle_config());
  Chain chain;
  chain.io = &reactor.io();
  chain.heap = alloc ? &reactor.heap() : nullptr;
  chain.rounds = static_cast<int>(state.range(0));
  for (auto _ : state) {
    chain.start(kChain);
    reactor.run();
  }
  set_handler_counters(state);
  const auto stats = reactor.heap().statistics();
  state.counters["minors"] = static_cast<double>(stats.minor_collections);
  state.counters["overflows"] = static_cast<double>(stats.region_overflows);
  state.counters["paced_q"] = static_cast<double>(reactor.counters().paced_quanta.load());
}

// The console table, then ns per handler per benchmark and the reactor/plain ratios. CPU time
// (of the benchmark thread) is the primary figure: the loop is single-threaded and CPU-bound, and
// on a shared machine real time also counts the time the thread was not running.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred || run.iterations == 0) continue;
      const double handlers = static_cast<double>(run.iterations) * kChain;
      Samples& samples = samples_[{run.run_name.function_name, run.run_name.args}];
      samples.cpu.push_back(run.cpu_accumulated_time * 1e9 / handlers);
      samples.real.push_back(run.real_accumulated_time * 1e9 / handlers);
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::FILE* out = stdout;
    std::fprintf(out, "\nns per handler (%d handlers per iteration; median and min over runs)\n",
                 kChain);
    std::fprintf(out, "%-28s %5s %10s %10s %10s %10s\n", "benchmark", "runs", "cpu med", "cpu min",
                 "real med", "real min");
    for (auto& [key, s] : samples_) {
      const std::string name = key.first + "/" + key.second;
      std::fprintf(out, "%-28s %5zu %10.2f %10.2f %10.2f %10.2f\n", name.c_str(), s.cpu.size(),
                   median(s.cpu), min(s.cpu), median(s.real), min(s.real));
    }
    std::fprintf(out, "\nreactor / plain (target: <= 1.05)\n");
    std::fprintf(out, "%-28s %10s %10s %12s %10s\n", "work", "cpu med", "cpu min", "cpu med +ns",
                 "real med");
    for (auto& [key, reactor] : samples_) {
      if (key.first.rfind("reactor/", 0) != 0) continue;
      auto plain_it = samples_.find({"plain/" + key.first.substr(8), key.second});
      if (plain_it == samples_.end()) continue;
      Samples& plain = plain_it->second;
      const std::string name = key.first.substr(8) + "/" + key.second;
      std::fprintf(out, "%-28s %10.3f %10.3f %+12.2f %10.3f\n", name.c_str(),
                   median(reactor.cpu) / median(plain.cpu), min(reactor.cpu) / min(plain.cpu),
                   median(reactor.cpu) - median(plain.cpu),
                   median(reactor.real) / median(plain.real));
    }
    std::fflush(out);
  }

 private:
  struct Samples {
    std::vector<double> cpu, real;
  };
  static double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
  static double min(const std::vector<double>& values) {
    return *std::min_element(values.begin(), values.end());
  }

  std::map<std::pair<std::string, std::string>, Samples> samples_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  for (bool alloc : {false, true}) {
    const char* work = alloc ? "alloc" : "no_alloc";
    // rounds:16 is a tiny handler (~40 ns: the worst case for the ratio); rounds:400 about
    // 0.7 us, nearer a real event handler (parse a line, update a key's state).
    benchmark::RegisterBenchmark((std::string("plain/") + work).c_str(), plain_loop, alloc)
        ->ArgName("rounds")
        ->Arg(16)
        ->Arg(400)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("reactor/") + work).c_str(), reactor_loop, alloc)
        ->ArgName("rounds")
        ->Arg(16)
        ->Arg(400)
        ->Unit(benchmark::kMicrosecond);
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
