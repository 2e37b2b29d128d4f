// action_metrics.cc: names and help texts of the action families. Help says how to read the
// number. The texts are constants: Registry::Merge hands every sink the same family.
#include "daemon/actions/action_metrics.h"

namespace lull::daemon {
namespace {

prometheus::Family<prometheus::Counter>& delivered_family(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("lull_actions_total")
      .Help(
          "Actions delivered, by action: written to the sink's TCP connection (handed to "
          "the kernel), sent as a UDP datagram, or logged. Fired but not delivered is "
          "either still queued (lull_action_queue_depth) or dropped "
          "(lull_action_queue_dropped_total).")
      .Register(registry);
}

prometheus::Family<prometheus::Counter>& dropped_family(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("lull_action_queue_dropped_total")
      .Help(
          "Actions lost, by action: the queue was full (drop policy), still queued when "
          "lulld stopped, a UDP send failed (nothing listening, send buffer full), or a "
          "log sink's level is below the log level. Any increase means a sink missed "
          "actions.")
      .Register(registry);
}

}  // namespace

ActionMetrics::ActionMetrics(prometheus::Registry& registry, const std::string& action, bool queued)
    : delivered(delivered_family(registry).Add({{"action", action}})),
      dropped(dropped_family(registry).Add({{"action", action}})) {
  if (!queued) return;
  queue_depth = &prometheus::BuildGauge()
                     .Name("lull_action_queue_depth")
                     .Help(
                         "Actions waiting for a TCP sink, the write under way included. "
                         "Close to the action's `queue` bound means the sink is down or "
                         "slower than the rules fire; at the bound, actions are dropped.")
                     .Register(registry)
                     .Add({{"action", action}});
  connected = &prometheus::BuildGauge()
                   .Name("lull_action_sink_connected")
                   .Help(
                       "1 while a TCP sink's connection is up, 0 while lulld is connecting "
                       "or waiting to reconnect (actions queue meanwhile).")
                   .Register(registry)
                   .Add({{"action", action}});
  reconnects = &prometheus::BuildCounter()
                    .Name("lull_action_sink_reconnects_total")
                    .Help(
                        "Times a TCP sink's connection was established again after the "
                        "first one. A steady rate means the sink keeps going away.")
                    .Register(registry)
                    .Add({{"action", action}});
}

}  // namespace lull::daemon
