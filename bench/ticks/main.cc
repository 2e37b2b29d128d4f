// main.cc: lull-ticks, the ticks workload's load generator and scoring sink in one process
// (ticks-workload.md): a sender thread sends the stream open-loop and records, from the
// reference model, which events must fire; a sink thread scores lulld's actions; the main
// thread reports once a second, waits for the last actions after the stream ends, and checks
// that every expected action came exactly once and no other. See README.md.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/ticks/interval_report.h"
#include "bench/ticks/loopback.h"
#include "bench/ticks/options.h"
#include "bench/ticks/scoring_sink.h"
#include "bench/ticks/sender.h"
#include "bench/ticks/summary.h"
#include "bench/ticks/tick_stream.h"

namespace lull::bench {
namespace {

void sleep_until(std::int64_t when_ns) {
  const timespec wake{static_cast<time_t>(when_ns / 1'000'000'000),
                      static_cast<long>(when_ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &wake, nullptr) != 0) {
  }
}

int print_free_ports(const char* count_text) {
  const int count = std::atoi(count_text);
  std::vector<std::uint16_t> ports;
  while (static_cast<int>(ports.size()) < count) {
    const std::uint16_t port = free_port(true);
    if (port == 0) return 2;
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  }
  for (auto port : ports) std::printf("%u\n", port);
  return 0;
}

int run(const TicksOptions& options) {
  const auto total =
      static_cast<std::uint64_t>(options.rate * (options.warmup_s + options.duration_s));
  SharedRun shared(total);
  ScoringSink sink(options, shared);
  if (!sink.ok()) return 2;
  std::thread sink_thread([&] { sink.serve(); });
  auto stop_sink = [&] {
    shared.stop = true;
    sink_thread.join();
  };

  // lulld connects to the sink on its own schedule (with backoff); no event is sent before,
  // so that no action waits in its queue for a connection.
  const std::int64_t connect_deadline =
      realtime_ns() + static_cast<std::int64_t>(options.connect_timeout_s * 1e9);
  while (!shared.sink_connected && realtime_ns() < connect_deadline)
    sleep_until(realtime_ns() + 10'000'000);
  if (!shared.sink_connected) {
    std::fprintf(stderr, "lull-ticks: lulld did not connect to the sink at %s:%u within %.0f s\n",
                 options.sink.host.c_str(), options.sink.port, options.connect_timeout_s);
    stop_sink();
    return 2;
  }

  const std::int64_t t0_ns = realtime_ns() + 50'000'000;
  shared.t0_ns.store(t0_ns, std::memory_order_release);
  IntervalReport report(options, shared, t0_ns);
  if (!report.ok()) {
    std::fprintf(stderr, "lull-ticks: cannot write %s\n", options.csv_path.c_str());
    stop_sink();
    return 2;
  }
  std::thread sender_thread([&] { run_sender(options, t0_ns, shared); });

  // Once a second until the stream ends, then until the expected actions are in (and none
  // has come for a moment, so that an extra one would have shown) or the drain timeout.
  const auto warmup_end = t0_ns + static_cast<std::int64_t>(options.warmup_s * 1e9);
  std::int64_t next_row = t0_ns + 1'000'000'000;
  std::int64_t send_end = 0, drain_deadline = 0, quiet_since = 0;
  std::uint64_t last_received = 0;
  for (;;) {
    sleep_until(std::min(next_row, realtime_ns() + 100'000'000));
    const std::int64_t now = realtime_ns();
    if (!send_end && shared.sender.done) {
      send_end = now;
      drain_deadline = now + static_cast<std::int64_t>(options.drain_timeout_s * 1e9);
    }
    if (now >= next_row) {
      report.close_interval(now, send_end ? "drain" : now < warmup_end ? "warmup" : "scored");
      next_row += 1'000'000'000;
    }
    if (!send_end) continue;
    if (options.produce_only) break;  // the sender waited for the acks
    const std::uint64_t received = shared.actions_received.load();
    if (received != last_received) {
      last_received = received;
      quiet_since = now;
    }
    const bool all_in =
        received >= shared.sender.must_fire.load() && now - quiet_since > 300'000'000;
    if (all_in || now >= drain_deadline || shared.sender.failed) break;
  }
  sender_thread.join();
  stop_sink();
  if (!options.final_metrics_path.empty() && options.metrics.port != 0) {
    if (auto page = metrics_page(options.metrics, 2000)) {
      if (std::FILE* file = std::fopen(options.final_metrics_path.c_str(), "w")) {
        std::fputs(page->c_str(), file);
        std::fclose(file);
      }
    }
  }

  const Correctness correctness =
      options.produce_only ? Correctness{} : check_actions(shared, sink.result());
  write_summary(options, shared, sink.result(), correctness, report.peaks(),
                static_cast<double>(send_end - t0_ns) * 1e-9);
  if (shared.sender.failed) return 2;
  if (options.produce_only) {
    const bool all =
        shared.sender.sent.load() == shared.total && shared.sender.publish_failed.load() == 0;
    std::fprintf(stderr, "lull-ticks: %s\n",
                 !all           ? "MISMATCH: events not sent, or not acked"
                 : options.nats ? "every event was published and acked"
                                : "every event was sent");
    return all ? 0 : 1;
  }
  const bool exact = correctness.exact() && sink.result().unknown_seq == 0 &&
                     sink.result().ts_mismatch == 0 && sink.result().without_msg_id == 0;
  std::fprintf(stderr, "lull-ticks: %s\n",
               exact ? "every expected action came exactly once, and no other"
                     : "MISMATCH: see missing/extra/duplicate/unknown_seq/ts_mismatch"
                       "/actions_without_msg_id");
  return exact ? 0 : 1;
}

}  // namespace
}  // namespace lull::bench

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "free-ports")
    return lull::bench::print_free_ports(argv[2]);
  int exit_code = 0;
  auto options = lull::bench::parse_options(argc, argv, exit_code);
  if (!options) return exit_code;
  return lull::bench::run(*options);
}
