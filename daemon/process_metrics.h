// process_metrics.h: the standard Prometheus process_* families, read from /proc/self.
// prometheus-cpp has no process collector, so this one reads only the cheap files:
// stat, statm, fd/ and limits. Never smaps or smaps_rollup: they walk the page tables
// and stall a large process for tens of milliseconds per read. Runs on the scrape thread.
#pragma once

#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace lull::daemon {

class ProcessMetrics : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace lull::daemon
