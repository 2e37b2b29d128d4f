// ingest.h: where every input hands its lines: parse, build the event on the heap, count,
// or reject with a reason.
// Inputs frame bytes into lines and call line(); ingest owns what happens next, so TCP,
// UDP and later inputs share one path. Empty lines (keep-alives, a trailing newline) are
// skipped and not counted. Reactor thread only.
#pragma once

#include <string_view>

#include "config/config.h"
#include "daemon/daemon_metrics.h"
#include "daemon/event_builder.h"
#include "daemon/event_parser.h"
#include "daemon/field_names.h"
#include "daemon/monitor.h"
#include "daemon/rate_limited_log.h"
#include "gc/heap.h"
#include "runtime/arrival.h"

namespace lull::daemon {

class Ingest {
 public:
  // `monitor` may be null (no rules): events are then counted and dropped.
  Ingest(const config::EventsConfig& events, gc::Heap& heap, FieldNames& names, Monitor* monitor,
         DaemonMetrics& metrics);

  // One line from `input` (the input's name is only used in log messages), read at `arrival`.
  void line(std::string_view text, const runtime::Arrival& arrival, DaemonMetrics::Input& counters,
            std::string_view input);
  // A line the input itself refused (too long, truncated datagram).
  void reject(RejectReason reason, std::string_view input, std::string_view detail);

 private:
  EventParser parser_;
  EventBuilder builder_;
  gc::Heap& heap_;
  std::int64_t max_future_ns_;  // 0: no bound
  Monitor* monitor_;
  DaemonMetrics& metrics_;
  RateLimitedLog reject_log_{10, std::chrono::seconds(1)};
};

}  // namespace lull::daemon
