// gc_metrics.cc: names, help texts (saying how to read each number) and the copy of
// heap statistics into atomics.
#include "runtime/gc_metrics.h"

#include <prometheus/gauge.h>

namespace lull::runtime {
namespace {

constexpr gc::GcKind kKinds[] = {gc::GcKind::kMinor, gc::GcKind::kMark, gc::GcKind::kSweep,
                                 gc::GcKind::kFull};
constexpr gc::GcContext kContexts[] = {gc::GcContext::kIdle, gc::GcContext::kPaced,
                                       gc::GcContext::kForced, gc::GcContext::kRegion};

const char* kind_label(gc::GcKind kind) {
  switch (kind) {
    case gc::GcKind::kMinor: return "minor";
    case gc::GcKind::kMark: return "mark";
    case gc::GcKind::kSweep: return "sweep";
    case gc::GcKind::kFull: return "full";
  }
  return "unknown";
}

const char* context_label(gc::GcContext context) {
  switch (context) {
    case gc::GcContext::kIdle: return "idle";
    case gc::GcContext::kPaced: return "paced";
    case gc::GcContext::kForced: return "forced";
    case gc::GcContext::kRegion: return "region";
  }
  return "unknown";
}

prometheus::MetricFamily single(std::string name, std::string help, prometheus::MetricType type,
                                std::vector<std::pair<Labels, double>> series) {
  prometheus::MetricFamily family{std::move(name), std::move(help), type, {}};
  for (auto& [labels, value] : series) {
    prometheus::ClientMetric metric;
    for (auto& [label, label_value] : labels) metric.label.push_back({label, label_value});
    if (type == prometheus::MetricType::Counter)
      metric.counter.value = value;
    else
      metric.gauge.value = value;
    family.metric.push_back(std::move(metric));
  }
  return family;
}

double load(const std::atomic<std::uint64_t>& value) {
  return static_cast<double>(value.load(std::memory_order_relaxed));
}

}  // namespace

struct GcMetrics::Budgets {
  explicit Budgets(prometheus::Registry& registry)
      : family(prometheus::BuildGauge()
                   .Name("lull_gc_budget")
                   .Help("The gc: settings in force, by setting, in base units (bytes, "
                         "seconds, ratios); compare the step and heap metrics with them.")
                   .Register(registry)),
        mode(prometheus::BuildGauge()
                 .Name("lull_gc_mode")
                 .Help("1 for the gc.mode in force (idle, classic or off), 0 for the others.")
                 .Register(registry)) {}

  void set(const config::GcConfig& gc) {
    auto put = [&](const char* setting, double value) {
      family.Add({{"setting", setting}}).Set(value);
    };
    put("nursery_bytes", static_cast<double>(gc.nursery));
    put("major_factor", gc.major_factor);
    put("min_trigger_bytes", static_cast<double>(gc.min_trigger));
    put("soft_limit_bytes", static_cast<double>(gc.soft_limit));
    put("hard_limit_bytes", static_cast<double>(gc.hard_limit));
    put("quantum_seconds", std::chrono::duration<double>(gc.quantum).count());
    put("nursery_fill", gc.nursery_fill);
    put("max_pacing_share", gc.max_pacing_share);
    for (auto value : {config::GcMode::kIdle, config::GcMode::kClassic, config::GcMode::kOff}) {
      mode.Add({{"mode", std::string(config::to_string(value))}}).Set(value == gc.mode ? 1 : 0);
    }
  }

  prometheus::Family<prometheus::Gauge>& family;
  prometheus::Family<prometheus::Gauge>& mode;
};

GcMetrics::GcMetrics(const config::GcConfig& budgets, std::chrono::nanoseconds window,
                     prometheus::Registry& registry)
    : steps_("lull_gc_step",
             "Duration of each GC step, minor collection or full collection, by kind and by "
             "context: idle (in a lull), paced (between handlers, the stream left no lull), "
             "forced (hard limit or explicit), region (the hard limit broke a no-GC region). "
             "The _count by context shows which mode the collector is working in.",
             "Longest GC step of each kind in the last metrics window. In idle mode it should "
             "stay near gc.quantum; an event that arrives during a step waits at most this long.",
             {"kind"}, window),
      step_metrics_{},
      budgets_(std::make_unique<Budgets>(registry)) {
  for (auto kind : kKinds) {
    for (auto context : kContexts) {
      step_metrics_[static_cast<std::size_t>(kind)][static_cast<std::size_t>(context)] =
          steps_.add({{"kind", kind_label(kind)}, {"context", context_label(context)}});
    }
  }
  budgets_->set(budgets);
}

GcMetrics::~GcMetrics() = default;

void GcMetrics::set_budgets(const config::GcConfig& budgets) {
  budgets_->set(budgets);
}

void GcMetrics::on_gc_event(const gc::GcEvent& event) {
  step_metrics_[static_cast<std::size_t>(event.kind)][static_cast<std::size_t>(event.context)]
      .record(event.duration, event.start + event.duration);
}

void GcMetrics::publish(const gc::HeapStatistics& s) {
  auto put = [](std::atomic<std::uint64_t>& to, std::uint64_t value) {
    to.store(value, std::memory_order_relaxed);
  };
  put(nursery_bytes_, s.nursery_used_bytes);
  put(old_bytes_, s.old_bytes);
  put(large_bytes_, s.large_bytes);
  put(committed_bytes_, s.committed_bytes);
  put(live_bytes_, s.live_bytes_after_last_major);
  put(cycles_, s.major_cycles);
  put(minors_, s.minor_collections);
  put(allocated_bytes_, s.allocated_bytes_total);
  put(promoted_bytes_, s.promoted_bytes_total);
  put(region_overflows_, s.region_overflows);
  put(region_overflow_bytes_, s.region_overflow_bytes);
  put(forced_, s.forced_collections);
  put(hard_limit_, s.hard_limit_collections);
  put(region_breaks_, s.region_breaks);
  put(destructors_, s.destructors_run);
  put(pages_returned_, s.pages_returned);
}

std::vector<prometheus::MetricFamily> GcMetrics::Collect() const {
  using prometheus::MetricType;
  auto families = steps_.Collect();
  families.push_back(single("lull_heap_bytes",
                            "Bytes in use by space: nursery (young objects), old (small old "
                            "objects, slot sizes), large (blocks of large objects).",
                            MetricType::Gauge,
                            {{{{"space", "nursery"}}, load(nursery_bytes_)},
                             {{{"space", "old"}}, load(old_bytes_)},
                             {{{"space", "large"}}, load(large_bytes_)}}));
  families.push_back(single("lull_heap_committed_bytes",
                            "Bytes the heap holds from the OS (nursery, old pages, cached empty "
                            "pages, large blocks); the hard limit applies to this figure.",
                            MetricType::Gauge, {{{}, load(committed_bytes_)}}));
  families.push_back(single("lull_heap_live_bytes",
                            "Old and large bytes that survived the last completed major cycle; "
                            "the next cycle starts at gc.major_factor times this.",
                            MetricType::Gauge, {{{}, load(live_bytes_)}}));
  families.push_back(single("lull_gc_cycles_total", "Completed major collection cycles.",
                            MetricType::Counter, {{{}, load(cycles_)}}));
  families.push_back(single("lull_gc_minor_total", "Minor collections.", MetricType::Counter,
                            {{{}, load(minors_)}}));
  families.push_back(single("lull_gc_allocated_bytes_total",
                            "Bytes allocated on the heap, headers included; its rate is the "
                            "allocation rate the collector has to keep up with.",
                            MetricType::Counter, {{{}, load(allocated_bytes_)}}));
  families.push_back(single("lull_gc_promoted_bytes_total",
                            "Bytes copied from the nursery to the old space by minor collections.",
                            MetricType::Counter, {{{}, load(promoted_bytes_)}}));
  families.push_back(single("lull_gc_region_overflow_total",
                            "Allocations inside a no-GC region that found the nursery full and "
                            "went to the old space. A steady rate means minor collections come "
                            "too late: lower gc.nursery_fill or raise gc.nursery.",
                            MetricType::Counter, {{{}, load(region_overflows_)}}));
  families.push_back(single("lull_gc_region_overflow_bytes_total",
                            "Bytes of the allocations counted in lull_gc_region_overflow_total.",
                            MetricType::Counter, {{{}, load(region_overflow_bytes_)}}));
  families.push_back(single("lull_gc_forced_total",
                            "Full collections forced by the hard limit or an explicit request; "
                            "any increase under load means the heap is too small for the data.",
                            MetricType::Counter, {{{}, load(forced_)}}));
  families.push_back(single("lull_gc_hard_limit_total", "Full collections the hard limit forced.",
                            MetricType::Counter, {{{}, load(hard_limit_)}}));
  families.push_back(single("lull_gc_region_breaks_total",
                            "Hard-limit collections that ran inside a no-GC region, delaying "
                            "an event; should stay 0.",
                            MetricType::Counter, {{{}, load(region_breaks_)}}));
  families.push_back(single("lull_gc_destructors_total",
                            "Destructors of dead managed objects run by the collector.",
                            MetricType::Counter, {{{}, load(destructors_)}}));
  families.push_back(single("lull_gc_pages_returned_total",
                            "Old-space pages returned to the OS after sweeping.",
                            MetricType::Counter, {{{}, load(pages_returned_)}}));
  return families;
}

}  // namespace lull::runtime
