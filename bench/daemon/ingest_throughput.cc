// ingest_throughput.cc: events per second on one reactor thread for the ticks workload
// (parse, heap event, key table, price-jump rule; actions counted, not written), with the
// GC in a chosen mode, so `idle` against `off` gives the collector's throughput cost.
// The stream is saturated: handlers are always ready, so in idle mode all GC work is paced
// (at most gc.max_pacing_share of the time) exactly as the reactor does it in production.
//   ingest_throughput [--events N] [--keys K] [--rate R] [--mode idle|off|classic]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "daemon/daemon_metrics.h"
#include "daemon/ingest.h"
#include "daemon/monitor.h"

namespace {

using namespace lull;

class CountingSink : public daemon::ActionSink {
 public:
  void start() override {}
  void emit(std::string_view, const runtime::Arrival&, runtime::DurationMetric) override {
    ++count;
  }
  void stop(std::chrono::milliseconds) override {}
  const std::string& name() const override { return name_; }
  std::uint64_t emitted() const override { return count; }
  std::uint64_t settled_through() const override { return count; }
  std::uint64_t count = 0;
  std::string name_ = "null";
};

}  // namespace

int main(int argc, char** argv) {
  long events = 2'000'000, keys = 10'000, rate = 50'000;
  std::string mode = "idle";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events"))
      events = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--keys"))
      keys = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rate"))
      rate = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--mode"))
      mode = argv[i + 1];
  }

  config::Config config;
  config.gc.mode = mode == "off"       ? config::GcMode::kOff
                   : mode == "classic" ? config::GcMode::kClassic
                                       : config::GcMode::kIdle;
  config.gc.soft_limit = 2 * config::kGiB;
  config.gc.hard_limit = 16 * config::kGiB;
  config.state.max_keys = static_cast<std::size_t>(keys) * 2;
  config::RuleConfig rule;
  rule.name = "price-jump";
  rule.kind = config::RuleKind::kDeviation;
  rule.match = {{"type", config::FieldMatch::Op::kEquals, {"tick"}, 0}};
  rule.field = "price";
  rule.action = "null";
  config.rules.push_back(rule);

  // Ticks: a random walk within 1 % of each key's base, 0.5 % jumping by 10 %; event time
  // advances at `rate`, so a 60 s window holds rate x 60 events (all of them for 2 M at 50k/s).
  std::mt19937 random(42);
  std::uniform_real_distribution<double> wiggle(-0.01, 0.01), coin(0, 1);
  std::vector<std::string> lines;
  lines.reserve(static_cast<std::size_t>(events));
  const std::int64_t start_ts = 1'732'460'000'000'000'000;
  for (long i = 0; i < events; ++i) {
    const long key = static_cast<long>(random() % static_cast<unsigned long>(keys));
    const double price = (100.0 + static_cast<double>(key % 100)) *
                         (coin(random) < 0.005 ? 1.10 : 1.0 + wiggle(random));
    char line[200];
    std::snprintf(line, sizeof line,
                  R"({"seq":%ld,"ts":%lld,"key":"m%05ld","type":"tick","price":%.2f,"size":3})", i,
                  static_cast<long long>(start_ts + i * (1'000'000'000LL / rate)), key, price);
    lines.emplace_back(line);
  }

  prometheus::Registry registry;
  runtime::Reactor reactor(config.gc);
  daemon::DaemonMetrics metrics(registry);
  daemon::FieldNames names;
  CountingSink sink;
  daemon::Monitor monitor(config, reactor, names, {{"null", &sink}}, registry);
  daemon::Ingest ingest(config.events, reactor.heap(), names, &monitor, metrics);
  auto input = metrics.input("bench");

  constexpr std::size_t kLinesPerHandler = 64;  // about one TCP read's worth
  std::size_t next = 0;
  std::function<void()> handler = [&] {
    const auto arrival = runtime::Arrival::now();
    const std::size_t end = std::min(next + kLinesPerHandler, lines.size());
    for (; next < end; ++next) ingest.line(lines[next], arrival, input, "bench");
    if (next < lines.size()) boost::asio::post(reactor.io(), handler);
  };
  boost::asio::post(reactor.io(), handler);
  const auto begin = std::chrono::steady_clock::now();
  reactor.run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();

  const auto stats = reactor.heap().statistics();
  const auto& counters = reactor.counters();
  std::printf("mode=%s events=%ld keys=%ld seconds=%.3f events_per_second=%.0f\n", mode.c_str(),
              events, keys, seconds, static_cast<double>(events) / seconds);
  std::printf("actions=%llu keys_held=%zu heap_old_mib=%.1f large_mib=%.1f committed_mib=%.1f\n",
              static_cast<unsigned long long>(sink.count), monitor.keys(),
              static_cast<double>(stats.old_bytes) / (1 << 20),
              static_cast<double>(stats.large_bytes) / (1 << 20),
              static_cast<double>(stats.committed_bytes) / (1 << 20));
  std::printf("minors=%llu cycles=%llu paced_quanta=%llu paced_share=%.3f region_overflows=%llu\n",
              static_cast<unsigned long long>(stats.minor_collections),
              static_cast<unsigned long long>(stats.major_cycles),
              static_cast<unsigned long long>(counters.paced_quanta.load()),
              static_cast<double>(counters.paced_ns.load()) / 1e9 / seconds,
              static_cast<unsigned long long>(stats.region_overflows));
  return 0;
}
