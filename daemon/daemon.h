// daemon.h: one running lulld: the reactor, its inputs, the metrics endpoint, and signals.
// Construction binds every socket (so a taken port fails before anything runs); run()
// tells systemd READY=1 and serves until SIGINT or SIGTERM, then sends STOPPING=1, drains
// the inputs, lets the sinks write what is queued (for at most kSinkFlushBound) and returns
// the exit status. SIGHUP reloads the configuration (daemon_reload.cc says what changes).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "config/config.h"
#include "daemon/actions/action_sink.h"
#include "daemon/daemon_metrics.h"
#include "daemon/field_names.h"
#include "daemon/ingest.h"
#include "daemon/jetstream_input.h"
#include "daemon/metrics_server.h"
#include "daemon/monitor.h"
#include "daemon/service_notifier.h"
#include "daemon/tcp_input.h"
#include "daemon/udp_input.h"
#include "runtime/gc_metrics.h"
#include "runtime/reactor.h"

namespace lull::daemon {

class Daemon {
 public:
  static constexpr auto kSinkFlushBound = std::chrono::milliseconds(2000);

  // Where `config` came from, which SIGHUP reads again.
  struct ConfigSource {
    std::optional<std::string> path;       // nullopt: the built-in default
    std::optional<std::string> log_level;  // from the command line: wins over log.level
  };

  Daemon(const config::Config& config, ConfigSource source);
  ~Daemon();

  int run();

 private:
  std::unique_ptr<Monitor> make_monitor();  // builds the sinks, then the monitor
  void wait_for_signals();
  void shut_down(int signal_number);
  void reload();
  // Reload: the sinks of `actions`, unchanged ones kept; the others start, and those they
  // replace flush and close (kept in retired_sinks_ until exit, as pending writes refer to them).
  std::map<std::string, ActionSink*> reload_sinks(const std::vector<config::ActionConfig>& actions);
  std::string status_line();                         // for `systemctl status`
  std::vector<const ActionSink*> all_sinks() const;  // in force and retired

  config::Config config_;  // the configuration in force
  ConfigSource source_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<runtime::GcMetrics> gc_metrics_;
  runtime::Reactor reactor_;
  DaemonMetrics metrics_;
  FieldNames names_;
  std::vector<std::unique_ptr<ActionSink>> sinks_;  // sinks_[i] is config_.actions[i]
  std::vector<std::unique_ptr<ActionSink>> retired_sinks_;
  std::unique_ptr<Monitor> monitor_;
  Ingest ingest_;
  std::vector<std::unique_ptr<TcpInput>> tcp_inputs_;
  std::vector<std::unique_ptr<UdpInput>> udp_inputs_;
  std::vector<std::unique_ptr<JetStreamInput>> jetstream_inputs_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::vector<prometheus::Counter*> input_events_;  // every input's lull_events_total
  ServiceNotifier notifier_;
  double last_status_events_ = 0;
  std::chrono::steady_clock::time_point last_status_time_ = std::chrono::steady_clock::now();
  boost::asio::signal_set signals_;
};

}  // namespace lull::daemon
