// interval_report.h: once a second: the sender's and the sink's figures for the interval just
// ended, plus a scrape of lulld's /metrics, as one CSV row and one progress line on stderr.
// It also keeps the run's peaks of the scraped figures for the summary (scored phase only:
// rows whose interval ends after the warm-up).
#pragma once

#include <cstdio>
#include <optional>

#include "bench/ticks/daemon_metrics.h"
#include "bench/ticks/options.h"
#include "bench/ticks/shared_run.h"

namespace lull::bench {

struct DaemonPeaks {
  double gc_step_max_s[4] = {};
  double rss = 0, heap_live = 0, heap_committed = 0, heap_total = 0;
  double region_overflows_start = -1, region_overflows = 0, gc_forced = 0, rejected = 0,
         dropped = 0;
  int scrapes = 0, failed_scrapes = 0;
  double lulld_wait_ms = 0, lulld_wait_max_ms = 0;  // scored phase: total, worst second
};

class IntervalReport {
 public:
  IntervalReport(const TicksOptions& options, SharedRun& run, std::int64_t t0_ns);
  ~IntervalReport();
  bool ok() const { return options_.csv_path.empty() || csv_ != nullptr; }

  // Ends the interval at `now_ns` (CLOCK_REALTIME): one row, one progress line.
  void close_interval(std::int64_t now_ns, const char* phase);
  const DaemonPeaks& peaks() const { return peaks_; }

 private:
  const TicksOptions& options_;
  SharedRun& run_;
  std::int64_t t0_ns_;
  std::FILE* csv_ = nullptr;
  std::uint64_t sent_before_ = 0, acked_before_ = 0, retries_before_ = 0;
  std::int64_t last_ns_;
  DaemonPeaks peaks_;
  ThreadSchedule lulld_before_;
};

}  // namespace lull::bench
