// daemon_metrics.cc: names and help texts. Help says how to read the number.
#include "daemon/daemon_metrics.h"

#include "daemon/version.h"

namespace lull::daemon {

DaemonMetrics::DaemonMetrics(prometheus::Registry& registry)
    : events_(prometheus::BuildCounter()
                  .Name("lull_events_total")
                  .Help("Events accepted, by input. Rejected lines are not included: see "
                        "lull_events_rejected_total.")
                  .Register(registry)),
      rejected_family_(prometheus::BuildCounter()
                           .Name("lull_events_rejected_total")
                           .Help("Lines not accepted as events, by reason. Any rate above zero "
                                 "means a producer sends something lull cannot use; the log "
                                 "shows samples.")
                           .Register(registry)),
      connections_(prometheus::BuildGauge()
                       .Name("lull_input_connections")
                       .Help("Open TCP connections, by input.")
                       .Register(registry)),
      connections_refused_(prometheus::BuildCounter()
                               .Name("lull_input_connections_refused_total")
                               .Help("TCP connections closed at once because the input had "
                                     "max_connections open.")
                               .Register(registry)),
      idle_closed_(prometheus::BuildCounter()
                       .Name("lull_input_connections_idle_closed_total")
                       .Help("TCP connections lulld closed because they sent nothing for the "
                             "input's idle_timeout. A steady rate means clients that connect "
                             "and go silent, or an idle_timeout shorter than a producer's pauses.")
                       .Register(registry)),
      kernel_drops_(prometheus::BuildCounter()
                        .Name("lull_input_kernel_drops_total")
                        .Help("UDP datagrams the kernel dropped because the input's receive "
                              "buffer was full (the socket's SO_RXQ_OVFL count), by input. "
                              "Learnt from the next datagram read, so drops show once traffic "
                              "flows again. Any increase: lulld falls behind its senders' "
                              "bursts; raise receive_buffer or slow the senders.")
                        .Register(registry)),
      reload_successful_(prometheus::BuildGauge()
                             .Name("lull_config_last_reload_successful")
                             .Help("1 if the last configuration load (start-up or SIGHUP) "
                                   "succeeded, 0 if the file was rejected and the previous "
                                   "configuration is still in force.")
                             .Register(registry)
                             .Add({})),
      reload_success_time_(prometheus::BuildGauge()
                               .Name("lull_config_last_reload_success_timestamp_seconds")
                               .Help("Unix time of the last configuration load that succeeded.")
                               .Register(registry)
                               .Add({})) {
  config_loaded(true);  // the daemon is built from a configuration that loaded
  for (auto reason : kAllRejectReasons) {
    rejected_[static_cast<std::size_t>(reason)] =
        &rejected_family_.Add({{"reason", std::string(to_string(reason))}});
  }
  prometheus::BuildGauge()
      .Name("lull_build_info")
      .Help("Always 1; the version of the running lulld is its label.")
      .Register(registry)
      .Add({{"version", std::string(kVersion)}})
      .Set(1);
}

void DaemonMetrics::config_loaded(bool successful) {
  reload_successful_.Set(successful ? 1 : 0);
  if (successful) reload_success_time_.SetToCurrentTime();
}

DaemonMetrics::Input DaemonMetrics::input(const std::string& name) {
  return {events_.Add({{"input", name}}), connections_.Add({{"input", name}}),
          connections_refused_.Add({{"input", name}}), idle_closed_.Add({{"input", name}}),
          kernel_drops_.Add({{"input", name}})};
}

}  // namespace lull::daemon
