// action_metrics.h: the Prometheus series of one action sink, labelled {action="<name>"}.
// Every sink registers into the same families (the registry's Merge behaviour returns the
// family already there when name and help match), and each series is created once, at
// construction, so the hot path is one atomic operation per update.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace lull::daemon {

struct ActionMetrics {
  // `queued`: also the series only a queueing sink (tcp) has: queue depth, connected,
  // reconnects. UDP and log sinks leave them null rather than export a misleading 0.
  ActionMetrics(prometheus::Registry& registry, const std::string& action, bool queued);

  prometheus::Counter& delivered;             // lull_actions_total
  prometheus::Counter& dropped;               // lull_action_queue_dropped_total
  prometheus::Gauge* queue_depth = nullptr;   // lull_action_queue_depth
  prometheus::Gauge* connected = nullptr;     // lull_action_sink_connected
  prometheus::Counter* reconnects = nullptr;  // lull_action_sink_reconnects_total
};

}  // namespace lull::daemon
