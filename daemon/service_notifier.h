// service_notifier.h: lulld's side of systemd's notify protocol (sd_notify(3)), for a
// Type=notify unit: READY=1 once the listeners are bound, STATUS= every second, WATCHDOG=1,
// RELOADING=1 / READY=1 around a SIGHUP reload, STOPPING=1 on shutdown.
// The watchdog ping is a Timer on the reactor, not a thread of its own: a reactor stuck in a
// handler (or in GC work) stops pinging, and systemd restarts the service, which is the point.
// Without NOTIFY_SOCKET (not started by systemd) every call is a no-op. Reactor thread only.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "runtime/reactor.h"
#include "runtime/timer.h"

namespace lull::daemon {

class ServiceNotifier {
 public:
  static constexpr auto kStatusInterval = std::chrono::seconds(1);

  // `status` makes the one-line summary shown by `systemctl status`.
  ServiceNotifier(runtime::Reactor& reactor, std::function<std::string()> status);

  bool enabled() const { return enabled_; }
  // Half of WatchdogSec (systemd's advice), or nullopt when the unit has no watchdog.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_interval_; }

  // READY=1 with a STATUS; arms the status and watchdog timers (the first call only).
  void ready();
  // RELOADING=1 with MONOTONIC_USEC, which systemd 253+ requires and 252 ignores.
  void reloading();
  // STOPPING=1; cancels the timers, so the reactor can run dry.
  void stopping();

 private:
  void send(const std::string& state) const;
  void ping_watchdog();
  void update_status();

  runtime::Reactor& reactor_;
  std::function<std::string()> status_;
  bool enabled_;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  runtime::Timer watchdog_timer_;
  runtime::Timer status_timer_;
  bool timers_armed_ = false;
};

}  // namespace lull::daemon
