// daemon_metrics.h: the daemon's own Prometheus families (inputs and rejections).
// Series are created up front (every reject reason starts at 0, as Prometheus advises)
// and handed out as references, so the hot path is one atomic add.
#pragma once

#include <array>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "daemon/event_parser.h"

namespace lull::daemon {

class DaemonMetrics {
 public:
  explicit DaemonMetrics(prometheus::Registry& registry);

  // The series of one input; call once per input at start-up.
  struct Input {
    prometheus::Counter& events;
    prometheus::Gauge& connections;
    prometheus::Counter& connections_refused;
    prometheus::Counter& idle_closed;
    prometheus::Counter& kernel_drops;
  };
  Input input(const std::string& name);

  prometheus::Counter& rejected(RejectReason reason) {
    return *rejected_[static_cast<std::size_t>(reason)];
  }

  // The outcome of the last configuration load (start-up or SIGHUP), named as Prometheus
  // names its own: 1 or 0, and the Unix time of the last load that succeeded.
  void config_loaded(bool successful);

 private:
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& rejected_family_;
  prometheus::Family<prometheus::Gauge>& connections_;
  prometheus::Family<prometheus::Counter>& connections_refused_;
  prometheus::Family<prometheus::Counter>& idle_closed_;
  prometheus::Family<prometheus::Counter>& kernel_drops_;
  std::array<prometheus::Counter*, std::size(kAllRejectReasons)> rejected_{};
  prometheus::Gauge& reload_successful_;
  prometheus::Gauge& reload_success_time_;
};

}  // namespace lull::daemon
