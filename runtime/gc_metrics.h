// gc_metrics.h: the heap's events and figures as Prometheus metrics.
// As the heap's GcObserver it records every GC event into lull_gc_step_seconds{kind,context}
// and lull_gc_step_max_seconds{kind}; publish() copies the heap's statistics into atomics
// that the scrape thread reads, so a scrape never touches the heap. on_gc_event() and
// publish() run on the reactor thread and never allocate.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include "config/config.h"
#include "gc/observer.h"
#include "gc/statistics.h"
#include "runtime/duration_metrics.h"

namespace lull::runtime {

class GcMetrics : public gc::GcObserver, public prometheus::Collectable {
 public:
  // Registers the budget gauges (the configured gc: values, as Go exports GOGC) in
  // `registry`; the rest is collected through this object, which the caller adds as a
  // scrape source.
  GcMetrics(const config::GcConfig& budgets, std::chrono::nanoseconds window,
            prometheus::Registry& registry);
  ~GcMetrics() override;

  void on_gc_event(const gc::GcEvent& event) override;
  void publish(const gc::HeapStatistics& statistics);
  // Reload: the budget gauges follow the new config.
  void set_budgets(const config::GcConfig& budgets);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  static constexpr std::size_t kKindCount = 4;
  static constexpr std::size_t kContextCount = 4;

  DurationFamily steps_;
  std::array<std::array<DurationMetric, kContextCount>, kKindCount> step_metrics_;
  struct Budgets;
  std::unique_ptr<Budgets> budgets_;

  // Published heap figures, read by Collect().
  std::atomic<std::uint64_t> nursery_bytes_{0}, old_bytes_{0}, large_bytes_{0};
  std::atomic<std::uint64_t> committed_bytes_{0}, live_bytes_{0};
  std::atomic<std::uint64_t> cycles_{0}, minors_{0}, allocated_bytes_{0}, promoted_bytes_{0};
  std::atomic<std::uint64_t> region_overflows_{0}, region_overflow_bytes_{0};
  std::atomic<std::uint64_t> forced_{0}, hard_limit_{0}, region_breaks_{0}, destructors_{0};
  std::atomic<std::uint64_t> pages_returned_{0};
};

}  // namespace lull::runtime
