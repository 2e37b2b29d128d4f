// wakeup_latency.cc: idle-mode wake-up latency, send to handler, of a Reactor reading a UDP
// socket on 127.0.0.1 while a sender thread sends timestamped datagrams at a fixed rate. Two
// runs in one invocation: (a) no GC work pending, (b) a large old generation with major cycles
// running back to back and a handler that produces garbage. Prints percentiles side by side,
// their difference (the GC's cost to an event) and what the GC did. Usage: README.md here.
//   runtime_wakeup_latency [--rate=20000] [--seconds=5] [--heap-mb=256] [--quantum-us=50]
//                          [--major-factor=1.0] [--busy-poll=1]
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gc/handles.h"
#include "gc/member.h"
#include "gc/observer.h"
#include "gc/visitor.h"
#include "runtime/reactor.h"

namespace {

namespace asio = boost::asio;
using lull::runtime::Reactor;
using Clock = std::chrono::steady_clock;

struct Options {
  double rate = 20'000;       // datagrams per second
  double seconds = 5;         // sending time per run
  std::size_t heap_mb = 256;  // run (b): live old generation to build
  long quantum_us = 50;       // gc.quantum
  double major_factor = 1.0;  // run (b): 1.0 = the next major cycle starts as one ends
  // gc.busy_poll in both runs: (a)'s reactor then spins instead of sleeping in epoll_wait, as
  // (b)'s does between quanta, so b - a is the GC's cost alone and not also a wake-up's.
  bool busy_poll = false;
};

struct Node : lull::gc::GarbageCollected<Node> {
  explicit Node(std::uint64_t v) : value(v) {}
  void trace(lull::gc::Visitor& visitor) const { visitor.trace(next); }
  std::uint64_t value;
  std::uint64_t pad[3] = {};  // 48-byte payload: 64 bytes with the header
  lull::gc::Member<Node> next;
};
using Slots = lull::gc::Array<lull::gc::Member<Node>>;

constexpr std::size_t kChunk = 1000;  // slots per reference array (8 KB: a small object)
constexpr int kChainLength = 4;       // nodes hanging off each slot
constexpr std::size_t kSlotBytes = 8 + kChainLength * 64;

// The old generation: slots in reference arrays, each holding a short linked chain of nodes.
// The handler of run (b) replaces one random chain per datagram, so the old generation keeps
// dying and being replaced by promoted nodes, as an event store's would.
class OldGeneration {
 public:
  OldGeneration(lull::gc::Heap& heap, std::size_t megabytes) : heap_(heap) {
    const std::size_t slots = (megabytes << 20) / kSlotBytes;
    const std::size_t chunks = std::max<std::size_t>(1, (slots + kChunk - 1) / kChunk);
    chunks_.reserve(chunks);
    for (std::size_t c = 0; c < chunks; ++c) {
      minor_if_due();  // never inside the loop below: raw pointers do not survive a GC point
      chunks_.emplace_back(heap_, heap_.make_array<lull::gc::Member<Node>>(kChunk));
      Slots* slots_array = chunks_.back().get();
      for (std::size_t i = 0; i < kChunk; ++i) (*slots_array)[i] = chain(c * kChunk + i);
    }
    heap_.collect_minor();
  }

  // Handler only (inside the reactor's no-GC region): replaces one chain, the old one dies.
  void replace_random() {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    const std::size_t slot = rng_ % (chunks_.size() * kChunk);
    (*chunks_[slot / kChunk].get())[slot % kChunk] = chain(rng_);
  }

  std::size_t nodes() const { return chunks_.size() * kChunk * kChainLength; }

 private:
  Node* chain(std::uint64_t seed) {
    Node* head = nullptr;
    for (int i = 0; i < kChainLength; ++i) {
      Node* node = heap_.make<Node>(seed + static_cast<std::uint64_t>(i));
      node->next = head;
      head = node;
    }
    return head;
  }
  void minor_if_due() {
    if (heap_.nursery_used_bytes() * 4 >= heap_.nursery_capacity_bytes() * 3) heap_.collect_minor();
  }

  lull::gc::Heap& heap_;
  std::vector<lull::gc::Persistent<Slots>> chunks_;
  std::uint64_t rng_ = 0x2545F4914F6CDD1Dull;
};

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Per-kind count and longest event (wall time, as the observer reports it), and an upper bound
// of the longest event in reactor-thread CPU time: the CPU time since the previous event, when
// smaller. Wall minus CPU is time the OS gave to other threads (this machine is shared).
struct StepMaxima : lull::gc::GcObserver {
  void on_gc_event(const lull::gc::GcEvent& event) override {
    const std::int64_t cpu = thread_cpu_ns();
    const auto kind = static_cast<int>(event.kind);
    ++count[kind];
    max[kind] = std::max(max[kind], event.duration);
    const std::int64_t wall =
        std::chrono::duration_cast<std::chrono::nanoseconds>(event.duration).count();
    max_cpu_ns[kind] = std::max(max_cpu_ns[kind], std::min(wall, cpu - last_cpu_ns));
    last_cpu_ns = cpu;
  }
  std::array<std::uint64_t, 4> count{};
  std::array<Clock::duration, 4> max{};
  std::array<std::int64_t, 4> max_cpu_ns{};
  std::int64_t last_cpu_ns = 0;
};

struct RunResult {
  std::vector<std::int64_t> latency_ns;  // sorted after the run
  std::uint64_t sent = 0;
  std::uint64_t overflowed = 0;         // samples past the preallocated vector (not recorded)
  long involuntary_switches = 0;        // of the reactor thread during the run: OS noise
  std::int64_t run_queue_wait_ns = -1;  // reactor thread runnable but not running (-1: unknown)
  double build_s = 0;
  std::size_t nodes = 0;
  std::uint64_t handlers = 0, idle_quanta = 0, paced_quanta = 0, idle_ns = 0, paced_ns = 0;
  lull::gc::HeapStatistics before{}, after{};
  StepMaxima steps;
};

// The calling thread's time spent waiting on a run queue (Linux schedstat), -1 if unknown.
std::int64_t run_queue_wait_ns() {
  std::FILE* file = std::fopen("/proc/thread-self/schedstat", "r");
  if (file == nullptr) return -1;
  unsigned long long on_cpu = 0, waiting = 0;
  const int fields = std::fscanf(file, "%llu %llu", &on_cpu, &waiting);
  std::fclose(file);
  return fields == 2 ? static_cast<std::int64_t>(waiting) : -1;
}

long involuntary_switches() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_nivcsw;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Sends `count` datagrams at `rate` to `port`, each carrying its steady_clock send time, for
// at most seconds + 1 s; then lets the last ones drain and stops the reactor.
void send_datagrams(const Options& options, unsigned short port, Reactor& reactor,
                    std::uint64_t& sent) {
  prctl(PR_SET_TIMERSLACK, 1UL);  // sleep to the microsecond, not the default 50 us slack
  asio::io_context io;
  asio::ip::udp::socket out(io, asio::ip::udp::v4());
  const asio::ip::udp::endpoint to(asio::ip::make_address("127.0.0.1"), port);
  const auto count = static_cast<std::uint64_t>(options.rate * options.seconds);
  const auto period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / options.rate));
  const auto start = Clock::now();
  const auto give_up = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options.seconds + 1));
  auto next = start;
  for (sent = 0; sent < count;) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next.time_since_epoch());
    timespec wake{static_cast<time_t>(ns.count() / 1'000'000'000),
                  static_cast<long>(ns.count() % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, nullptr);  // steady_clock's clock
    const std::int64_t payload[2] = {now_ns(), static_cast<std::int64_t>(sent)};
    boost::system::error_code error;
    out.send_to(asio::buffer(payload, sizeof payload), to, 0, error);
    ++sent;
    const auto now = Clock::now();
    if (now > give_up) break;
    next += period;
    if (now - next > period) next = now;  // fell behind (descheduled): no catch-up burst
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  reactor.stop();
}

RunResult run(const Options& options, bool gc_pending) {
  lull::config::GcConfig gc;  // defaults, but room for a large --heap-mb
  gc.mode = lull::config::GcMode::kIdle;
  gc.quantum = std::chrono::microseconds(options.quantum_us);
  gc.major_factor = options.major_factor;
  gc.busy_poll = options.busy_poll;
  gc.soft_limit = std::max<std::size_t>(gc.soft_limit, 3 * (options.heap_mb << 20));
  gc.hard_limit = std::max<std::size_t>(gc.hard_limit, 4 * (options.heap_mb << 20));
  Reactor reactor(gc);
  RunResult result;
  reactor.heap().set_observer(&result.steps);

  std::unique_ptr<OldGeneration> old;
  if (gc_pending) {
    const auto begin = Clock::now();
    old = std::make_unique<OldGeneration>(reactor.heap(), options.heap_mb);
    result.build_s = std::chrono::duration<double>(Clock::now() - begin).count();
    result.nodes = old->nodes();
  }
  result.steps = StepMaxima{};  // the build's minor collections are not part of the run

  const auto expected = static_cast<std::size_t>(options.rate * options.seconds);
  result.latency_ns.reserve(expected + 1024);
  asio::ip::udp::socket socket(reactor.io(),
                               asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  socket.set_option(asio::socket_base::receive_buffer_size(4 << 20));  // capped by rmem_max
  std::array<std::int64_t, 8> buffer{};
  std::function<void(boost::system::error_code, std::size_t)> on_datagram =
      [&](boost::system::error_code error, std::size_t bytes) {
        const std::int64_t received = now_ns();
        if (error) return;
        if (bytes >= sizeof(std::int64_t)) {
          if (result.latency_ns.size() < result.latency_ns.capacity())
            result.latency_ns.push_back(received - buffer[0]);
          else
            ++result.overflowed;
        }
        if (old) old->replace_random();
        socket.async_receive(asio::buffer(buffer), on_datagram);
      };
  socket.async_receive(asio::buffer(buffer), on_datagram);

  const auto& counters = reactor.counters();
  const std::uint64_t handlers0 = counters.handlers, idle0 = counters.idle_quanta,
                      paced0 = counters.paced_quanta, idle_ns0 = counters.idle_ns,
                      paced_ns0 = counters.paced_ns;
  result.before = reactor.heap().statistics();
  const long switches0 = involuntary_switches();
  const std::int64_t wait0 = run_queue_wait_ns();
  std::thread sender(send_datagrams, std::cref(options), socket.local_endpoint().port(),
                     std::ref(reactor), std::ref(result.sent));
  reactor.run();
  sender.join();
  result.involuntary_switches = involuntary_switches() - switches0;
  if (const std::int64_t wait1 = run_queue_wait_ns(); wait0 >= 0 && wait1 >= 0)
    result.run_queue_wait_ns = wait1 - wait0;
  result.after = reactor.heap().statistics();
  result.handlers = counters.handlers - handlers0;
  result.idle_quanta = counters.idle_quanta - idle0;
  result.paced_quanta = counters.paced_quanta - paced0;
  result.idle_ns = counters.idle_ns - idle_ns0;
  result.paced_ns = counters.paced_ns - paced_ns0;
  reactor.heap().set_observer(nullptr);
  std::sort(result.latency_ns.begin(), result.latency_ns.end());
  return result;
}

double percentile_us(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return NAN;
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]) / 1e3;
}

double us(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

void print(const Options& options, const RunResult& a, const RunResult& b) {
  std::printf(
      "wake-up latency, send -> handler start: %.0f datagrams/s for %.1f s per run, quantum %ld "
      "us, busy_poll %s, nproc %u\n(b): %zu MB old generation of %zu linked nodes built in %.2f "
      "s, major_factor %.2f\n\n",
      options.rate, options.seconds, options.quantum_us, options.busy_poll ? "on" : "off",
      std::thread::hardware_concurrency(), options.heap_mb, b.nodes, b.build_s,
      options.major_factor);
  std::printf("%-26s %14s %14s %12s\n", "", "(a) no GC work", "(b) GC pending", "b - a");
  auto row = [](const char* name, double va, double vb) {
    std::printf("%-26s %14.1f %14.1f %+12.1f\n", name, va, vb, vb - va);
  };
  auto count = [](const char* name, double va, double vb) {
    std::printf("%-26s %14.0f %14.0f\n", name, va, vb);
  };
  count("datagrams sent", static_cast<double>(a.sent), static_cast<double>(b.sent));
  count("samples", static_cast<double>(a.latency_ns.size()),
        static_cast<double>(b.latency_ns.size()));
  count("not received (lost)",
        static_cast<double>(a.sent) - static_cast<double>(a.latency_ns.size() + a.overflowed),
        static_cast<double>(b.sent) - static_cast<double>(b.latency_ns.size() + b.overflowed));
  const std::pair<const char*, double> points[] = {
      {"p50 us", 50}, {"p99 us", 99}, {"p99.9 us", 99.9}, {"p99.99 us", 99.99}, {"max us", 100}};
  for (auto [name, p] : points)
    row(name, percentile_us(a.latency_ns, p), percentile_us(b.latency_ns, p));
  count("reactor involuntary csw", static_cast<double>(a.involuntary_switches),
        static_cast<double>(b.involuntary_switches));
  row("reactor run-queue wait ms", static_cast<double>(a.run_queue_wait_ns) / 1e6,
      static_cast<double>(b.run_queue_wait_ns) / 1e6);

  std::printf("\nGC during the run\n");
  auto gc_count = [](const RunResult& r, std::uint64_t lull::gc::HeapStatistics::*field) {
    return static_cast<double>(r.after.*field - r.before.*field);
  };
  count("handlers", static_cast<double>(a.handlers), static_cast<double>(b.handlers));
  count("idle quanta", static_cast<double>(a.idle_quanta), static_cast<double>(b.idle_quanta));
  count("paced quanta", static_cast<double>(a.paced_quanta), static_cast<double>(b.paced_quanta));
  row("idle GC time ms", static_cast<double>(a.idle_ns) / 1e6,
      static_cast<double>(b.idle_ns) / 1e6);
  row("mean idle quantum us",
      a.idle_quanta ? static_cast<double>(a.idle_ns) / 1e3 / static_cast<double>(a.idle_quanta) : 0,
      b.idle_quanta ? static_cast<double>(b.idle_ns) / 1e3 / static_cast<double>(b.idle_quanta)
                    : 0);
  count("major cycles completed", gc_count(a, &lull::gc::HeapStatistics::major_cycles),
        gc_count(b, &lull::gc::HeapStatistics::major_cycles));
  count("minor collections", gc_count(a, &lull::gc::HeapStatistics::minor_collections),
        gc_count(b, &lull::gc::HeapStatistics::minor_collections));
  count("region overflows", gc_count(a, &lull::gc::HeapStatistics::region_overflows),
        gc_count(b, &lull::gc::HeapStatistics::region_overflows));
  count("region breaks", gc_count(a, &lull::gc::HeapStatistics::region_breaks),
        gc_count(b, &lull::gc::HeapStatistics::region_breaks));
  const char* kinds[] = {"minor", "mark", "sweep", "full"};
  for (int k = 0; k < 4; ++k) {
    char name[48];
    std::snprintf(name, sizeof name, "%s steps", kinds[k]);
    count(name, static_cast<double>(a.steps.count[k]), static_cast<double>(b.steps.count[k]));
    std::snprintf(name, sizeof name, "  longest %s us", kinds[k]);
    row(name, us(a.steps.max[k]), us(b.steps.max[k]));
    std::snprintf(name, sizeof name, "  longest %s us, CPU <=", kinds[k]);
    row(name, static_cast<double>(a.steps.max_cpu_ns[k]) / 1e3,
        static_cast<double>(b.steps.max_cpu_ns[k]) / 1e3);
  }
  std::printf("%-26s %14.1f\n", "old bytes MB at end",
              static_cast<double>(b.after.old_bytes + b.after.large_bytes) / 1e6);

  const double d9999 = percentile_us(b.latency_ns, 99.99) - percentile_us(a.latency_ns, 99.99);
  const double dmax = percentile_us(b.latency_ns, 100) - percentile_us(a.latency_ns, 100);
  const auto q = static_cast<double>(options.quantum_us);
  std::printf(
      "\nGC cost to an event: p99.99 %+.1f us, max %+.1f us; target < one quantum (%ld us):"
      " %s\n",
      d9999, dmax, options.quantum_us, d9999 < q && dmax < q ? "met" : "NOT met");
  const double planned = options.rate * options.seconds;
  if (static_cast<double>(std::min(a.sent, b.sent)) < 0.95 * planned)
    std::printf("warning: the sender fell behind its rate (%.0f planned): the machine is busy\n",
                planned);
  if (a.run_queue_wait_ns > 1'000'000 || b.run_queue_wait_ns > 1'000'000)
    std::printf(
        "warning: the reactor thread waited for a CPU (run-queue wait above): the tail "
        "includes OS scheduling, not only the reactor\n");
  if (b.idle_quanta == 0 || b.steps.count[1] == 0)
    std::printf("warning: run (b) did no GC work; the comparison says nothing\n");
}

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return false;
    }
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0' || !(number > 0)) return false;
    if (arg == "--rate")
      options.rate = number;
    else if (arg == "--seconds")
      options.seconds = number;
    else if (arg == "--heap-mb")
      options.heap_mb = static_cast<std::size_t>(number);
    else if (arg == "--quantum-us")
      options.quantum_us = static_cast<long>(number);
    else if (arg == "--major-factor" && number >= 1)
      options.major_factor = number;
    else if (arg == "--busy-poll" && number == 1)
      options.busy_poll = true;
    else
      return false;
  }
  return options.rate <= 1e6 && options.seconds <= 600 && options.heap_mb <= 16384;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: %s [--rate=N (<= 1e6, per s)] [--seconds=S (<= 600)] [--heap-mb=N] "
                 "[--quantum-us=N] [--major-factor=F (>= 1)] [--busy-poll=1]\n",
                 argv[0]);
    return 2;
  }
  // One after the other: at most one live heap per thread.
  RunResult a = run(options, false);
  RunResult b = run(options, true);
  print(options, a, b);
  return 0;
}
