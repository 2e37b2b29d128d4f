// duration_metrics.h: Prometheus families of durations, each a histogram
// `<name>_seconds{labels}` plus a gauge `<name>_max_seconds{max_labels}` of the maximum
// over the last metrics window (the figure a chart of pauses plots). The max gauge may
// have fewer labels than the histogram: `lull_gc_step_max_seconds{kind}` folds contexts.
// Series are created at start-up (add() allocates); record() on the reactor thread is
// lock-free; Collect() runs on the scrape thread.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "runtime/atomic_histogram.h"
#include "runtime/windowed_max.h"

namespace lull::runtime {

using Labels = std::map<std::string, std::string>;

// One series pair; record() feeds both.
class DurationMetric {
 public:
  DurationMetric() = default;  // unusable until assigned from DurationFamily::add()
  DurationMetric(AtomicHistogram& histogram, WindowedMax& max)
      : histogram_(&histogram), max_(&max) {}

  void record(std::chrono::nanoseconds duration, WindowedMax::Clock::time_point now) {
    histogram_->observe(duration);
    max_->record(std::chrono::duration<double>(duration).count(), now);
  }

 private:
  AtomicHistogram* histogram_ = nullptr;
  WindowedMax* max_ = nullptr;
};

class DurationFamily : public prometheus::Collectable {
 public:
  // `name` without the unit: "lull_gc_step" gives lull_gc_step_seconds and
  // lull_gc_step_max_seconds. `max_label_names` is the subset of labels the gauge keeps.
  DurationFamily(std::string name, std::string help, std::string max_help,
                 std::vector<std::string> max_label_names, WindowedMax::Clock::duration window);

  // Start-up only. Adding the same labels twice returns the same series.
  DurationMetric add(const Labels& labels);

  std::vector<prometheus::MetricFamily> Collect() const override;

  // For tests: the clock Collect() reads the windowed maxima at.
  void set_clock_for_testing(WindowedMax::Clock::time_point (*now)()) { now_ = now; }

 private:
  Labels max_labels(const Labels& labels) const;

  std::string name_, help_, max_help_;
  std::vector<std::string> max_label_names_;
  WindowedMax::Clock::duration window_;
  WindowedMax::Clock::time_point (*now_)() = &WindowedMax::Clock::now;
  mutable std::mutex mutex_;  // guards the maps' shape (add vs Collect), never record()
  std::map<Labels, std::unique_ptr<AtomicHistogram>> histograms_;
  std::map<Labels, std::unique_ptr<WindowedMax>> maxima_;
};

}  // namespace lull::runtime
