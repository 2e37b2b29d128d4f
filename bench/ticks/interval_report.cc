// interval_report.cc: see interval_report.h.
#include "bench/ticks/interval_report.h"

#include <algorithm>

namespace lull::bench {
namespace {
constexpr double kUs = 1e-3;  // ns -> us
constexpr double kMiB = 1.0 / (1024 * 1024);
}  // namespace

IntervalReport::IntervalReport(const TicksOptions& options, SharedRun& run, std::int64_t t0_ns)
    : options_(options), run_(run), t0_ns_(t0_ns), last_ns_(t0_ns) {
  if (options.csv_path.empty()) return;
  csv_ = std::fopen(options.csv_path.c_str(), "w");
  if (!csv_) return;
  std::fprintf(csv_,
               "time_s,phase,events_sent,send_lag_max_us,send_blocked_ms,actions,"
               "latency_p50_us,latency_p99_us,latency_max_us,"
               "lulld_latency_max10s_us,gc_mark_max10s_us,gc_sweep_max10s_us,"
               "gc_minor_max10s_us,gc_full_max10s_us,heap_nursery_bytes,heap_old_bytes,"
               "heap_large_bytes,heap_live_bytes,heap_committed_bytes,rss_bytes,state_events,"
               "gc_cycles,gc_minors,gc_paced_steps,gc_region_overflows,gc_forced,"
               "lulld_cpu_ms,lulld_wait_ms%s\n",
               options.nats ? ",nats_acked,nats_unacked,nats_retries,nats_publish_failed,"
                              "nats_stall_max_ms"
                            : "");
  if (options.lulld_pid) {
    lulld_before_ =
        thread_schedule(options.lulld_pid, options.lulld_pid).value_or(ThreadSchedule{});
  }
}

IntervalReport::~IntervalReport() {
  if (csv_) std::fclose(csv_);
}

void IntervalReport::close_interval(std::int64_t now_ns, const char* phase) {
  SinkInterval sink;
  {
    std::lock_guard lock(run_.sink_mutex);
    sink = run_.sink_interval;
    run_.sink_interval.latency.clear();
    run_.sink_interval.actions = 0;
  }
  const std::uint64_t sent = run_.sender.sent.load(std::memory_order_acquire);
  const std::int64_t lag_max = run_.sender.lag_max_ns.exchange(0);
  const std::int64_t blocked = run_.sender.blocked_ns.exchange(0);
  // The NATS output: acks this interval, events without one now, resends this interval,
  // events given up so far, the longest wait for an ack this interval.
  const std::uint64_t acked = run_.sender.acked.load(std::memory_order_relaxed);
  const std::uint64_t unacked = run_.sender.unacked.load(std::memory_order_relaxed);
  const std::uint64_t retries = run_.sender.retries.load(std::memory_order_relaxed);
  const std::uint64_t publish_failed = run_.sender.publish_failed.load(std::memory_order_relaxed);
  const double stall_max_ms = static_cast<double>(run_.sender.stall_max_ns.exchange(0)) * 1e-6;
  const double seconds = static_cast<double>(now_ns - last_ns_) * 1e-9;
  const double elapsed = static_cast<double>(now_ns - t0_ns_) * 1e-9;
  last_ns_ = now_ns;

  std::optional<DaemonSample> daemon;
  if (options_.metrics.port != 0) {
    daemon = scrape_daemon(options_.metrics, 500);
    ++(daemon ? peaks_.scrapes : peaks_.failed_scrapes);
  }
  const DaemonSample d = daemon.value_or(DaemonSample{});
  // lulld's main thread, where the reactor runs: -1 when not known.
  double lulld_cpu_ms = -1, lulld_wait_ms = -1;
  if (options_.lulld_pid) {
    if (auto now = thread_schedule(options_.lulld_pid, options_.lulld_pid)) {
      lulld_cpu_ms = (now->cpu_ns - lulld_before_.cpu_ns) * 1e-6;
      lulld_wait_ms = (now->wait_ns - lulld_before_.wait_ns) * 1e-6;
      lulld_before_ = *now;
      if (elapsed > options_.warmup_s) {
        peaks_.lulld_wait_ms += lulld_wait_ms;
        peaks_.lulld_wait_max_ms = std::max(peaks_.lulld_wait_max_ms, lulld_wait_ms);
      }
    }
  }
  if (daemon && elapsed > options_.warmup_s) {
    for (int kind = 0; kind < 4; ++kind) {
      peaks_.gc_step_max_s[kind] = std::max(peaks_.gc_step_max_s[kind], d.gc_step_max_s[kind]);
    }
    peaks_.rss = std::max(peaks_.rss, d.rss);
    peaks_.heap_live = std::max(peaks_.heap_live, d.heap_live);
    peaks_.heap_committed = std::max(peaks_.heap_committed, d.heap_committed);
    peaks_.heap_total = std::max(peaks_.heap_total, d.heap_nursery + d.heap_old + d.heap_large);
    if (peaks_.region_overflows_start < 0) peaks_.region_overflows_start = d.region_overflows;
    peaks_.region_overflows = d.region_overflows - peaks_.region_overflows_start;
  }
  if (daemon) {
    peaks_.gc_forced = d.gc_forced;
    peaks_.rejected = d.rejected_total;
    peaks_.dropped = d.actions_dropped;
  }

  if (csv_) {
    std::fprintf(csv_,
                 "%.1f,%s,%llu,%.1f,%.2f,%llu,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,"
                 "%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.1f,%.1f",
                 elapsed, phase, static_cast<unsigned long long>(sent - sent_before_),
                 static_cast<double>(lag_max) * kUs, static_cast<double>(blocked) * 1e-6,
                 static_cast<unsigned long long>(sink.actions),
                 static_cast<double>(sink.latency.percentile(0.50)) * kUs,
                 static_cast<double>(sink.latency.percentile(0.99)) * kUs,
                 static_cast<double>(sink.latency.max()) * kUs, d.action_latency_max_s * 1e6,
                 d.gc_step_max_s[0] * 1e6, d.gc_step_max_s[1] * 1e6, d.gc_step_max_s[2] * 1e6,
                 d.gc_step_max_s[3] * 1e6, d.heap_nursery, d.heap_old, d.heap_large, d.heap_live,
                 d.heap_committed, d.rss, d.state_events, d.gc_cycles, d.gc_minors, d.paced_steps,
                 d.region_overflows, d.gc_forced, lulld_cpu_ms, lulld_wait_ms);
    if (options_.nats) {
      std::fprintf(csv_, ",%llu,%llu,%llu,%llu,%.3f",
                   static_cast<unsigned long long>(acked - acked_before_),
                   static_cast<unsigned long long>(unacked),
                   static_cast<unsigned long long>(retries - retries_before_),
                   static_cast<unsigned long long>(publish_failed), stall_max_ms);
    }
    std::fputc('\n', csv_);
    std::fflush(csv_);
  }
  if (options_.progress) {
    std::fprintf(stderr,
                 "[%5.0fs %-6s] sent %.0f/s (lag max %.2f ms)  actions %llu (p99 %.0f us, max "
                 "%.0f us)",
                 elapsed, phase, static_cast<double>(sent - sent_before_) / seconds,
                 static_cast<double>(lag_max) * 1e-6, static_cast<unsigned long long>(sink.actions),
                 static_cast<double>(sink.latency.percentile(0.99)) * kUs,
                 static_cast<double>(sink.latency.max()) * kUs);
    if (options_.nats) {
      std::fprintf(
          stderr, "  nats acked %.0f/s, unacked %llu, retries %llu, failed %llu, stall max %.1f ms",
          static_cast<double>(acked - acked_before_) / seconds,
          static_cast<unsigned long long>(unacked),
          static_cast<unsigned long long>(retries - retries_before_),
          static_cast<unsigned long long>(publish_failed), stall_max_ms);
    }
    if (daemon) {
      std::fprintf(stderr,
                   "  heap %.0f MiB, rss %.0f MiB, gc max mark/sweep/minor %.0f/%.0f/%.0f us",
                   (d.heap_nursery + d.heap_old + d.heap_large) * kMiB, d.rss * kMiB,
                   d.gc_step_max_s[0] * 1e6, d.gc_step_max_s[1] * 1e6, d.gc_step_max_s[2] * 1e6);
    }
    std::fputc('\n', stderr);
  }
  sent_before_ = sent;
  acked_before_ = acked;
  retries_before_ = retries;
}

}  // namespace lull::bench
