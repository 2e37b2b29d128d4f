// daemon_metrics.h: one scrape of lulld's /metrics page, reduced to the figures the ticks
// report needs. The *_max_* gauges are lulld's maxima over its metrics.window (10 s unless
// configured), not over the scrape interval.
#pragma once

#include <optional>
#include <string>

#include "bench/ticks/options.h"

namespace lull::bench {

struct DaemonSample {
  double gc_step_max_s[4] = {};  // mark, sweep, minor, full
  double heap_nursery = 0, heap_old = 0, heap_large = 0, heap_committed = 0, heap_live = 0;
  double rss = 0;
  double state_events = 0;
  double gc_cycles = 0, gc_minors = 0, gc_forced = 0, region_overflows = 0;
  double paced_steps = 0;           // lull_gc_step_seconds_count over context="paced"
  double action_latency_max_s = 0;  // lulld's own (arrival to write, last window; one rule)
  double events_total = 0, rejected_total = 0, actions_dropped = 0;
};
inline constexpr const char* kGcKinds[4] = {"mark", "sweep", "minor", "full"};

// The value of `name{labels}` (labels as written, e.g. `kind="mark"`) on a text page.
std::optional<double> metric_value(const std::string& page, const std::string& name,
                                   const std::string& labels = "");
// Sums every series of `name` whose labels contain `label_part`.
double metric_sum(const std::string& page, const std::string& name, const std::string& label_part);

// Scrapes http://endpoint/metrics; nullopt if lulld did not answer within timeout_ms.
std::optional<DaemonSample> scrape_daemon(const Endpoint& endpoint, int timeout_ms);
// The page as it is.
std::optional<std::string> metrics_page(const Endpoint& endpoint, int timeout_ms);

// A thread's scheduler figures (/proc/PID/task/TID/schedstat): time on a CPU and time spent
// runnable but waiting for one. A latency tail with a long wait is the machine's, not lulld's.
struct ThreadSchedule {
  double cpu_ns = 0, wait_ns = 0;
};
std::optional<ThreadSchedule> thread_schedule(int pid, int tid);

}  // namespace lull::bench
