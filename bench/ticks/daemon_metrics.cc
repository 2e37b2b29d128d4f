// daemon_metrics.cc: see daemon_metrics.h.
#include "bench/ticks/daemon_metrics.h"

#include <cstdlib>
#include <fstream>

#include "bench/ticks/loopback.h"

namespace lull::bench {

std::optional<double> metric_value(const std::string& page, const std::string& name,
                                   const std::string& labels) {
  const std::string series = labels.empty() ? name + " " : name + "{" + labels + "} ";
  for (std::size_t at = page.find(series); at != std::string::npos;
       at = page.find(series, at + 1)) {
    if (at == 0 || page[at - 1] == '\n')
      return std::strtod(page.c_str() + at + series.size(), nullptr);
  }
  return std::nullopt;
}

double metric_sum(const std::string& page, const std::string& name, const std::string& label_part) {
  double sum = 0;
  const std::string prefix = "\n" + name + "{";
  for (std::size_t at = page.find(prefix); at != std::string::npos;
       at = page.find(prefix, at + 1)) {
    const std::size_t close = page.find("} ", at);
    if (close == std::string::npos) break;
    if (page.substr(at, close - at).find(label_part) == std::string::npos) continue;
    sum += std::strtod(page.c_str() + close + 2, nullptr);
  }
  return sum;
}

std::optional<std::string> metrics_page(const Endpoint& endpoint, int timeout_ms) {
  return http_get(endpoint.host, endpoint.port, "/metrics", timeout_ms);
}

std::optional<ThreadSchedule> thread_schedule(int pid, int tid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) +
                     "/schedstat");
  ThreadSchedule schedule;
  if (!(file >> schedule.cpu_ns >> schedule.wait_ns)) return std::nullopt;
  return schedule;
}

std::optional<DaemonSample> scrape_daemon(const Endpoint& endpoint, int timeout_ms) {
  auto page = metrics_page(endpoint, timeout_ms);
  if (!page) return std::nullopt;
  const std::string& text = *page;
  auto value = [&](const char* name, const std::string& labels = "") {
    return metric_value(text, name, labels).value_or(0);
  };
  DaemonSample sample;
  for (int kind = 0; kind < 4; ++kind) {
    sample.gc_step_max_s[kind] =
        value("lull_gc_step_max_seconds", std::string("kind=\"") + kGcKinds[kind] + "\"");
  }
  sample.heap_nursery = value("lull_heap_bytes", R"(space="nursery")");
  sample.heap_old = value("lull_heap_bytes", R"(space="old")");
  sample.heap_large = value("lull_heap_bytes", R"(space="large")");
  sample.heap_committed = value("lull_heap_committed_bytes");
  sample.heap_live = value("lull_heap_live_bytes");
  sample.rss = value("process_resident_memory_bytes");
  sample.state_events = value("lull_state_events");
  sample.gc_cycles = value("lull_gc_cycles_total");
  sample.gc_minors = value("lull_gc_minor_total");
  sample.gc_forced = value("lull_gc_forced_total");
  sample.region_overflows = value("lull_gc_region_overflow_total");
  sample.paced_steps = metric_sum(text, "lull_gc_step_seconds_count", R"(context="paced")");
  sample.action_latency_max_s = metric_sum(text, "lull_action_latency_max_seconds", "rule=");
  sample.events_total = metric_sum(text, "lull_events_total", "input=");
  sample.rejected_total = metric_sum(text, "lull_events_rejected_total", "reason=");
  sample.actions_dropped = metric_sum(text, "lull_action_queue_dropped_total", "action=");
  return sample;
}

}  // namespace lull::bench
