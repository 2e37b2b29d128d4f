// service_notifier.cc: the notify messages, and the two timers that repeat them.
#include "daemon/service_notifier.h"

#include <time.h>

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace lull::daemon {

ServiceNotifier::ServiceNotifier(runtime::Reactor& reactor, std::function<std::string()> status)
    : reactor_(reactor),
      status_(std::move(status)),
      enabled_(std::getenv("NOTIFY_SOCKET") != nullptr),
      watchdog_timer_(reactor.io(), reactor.timers()),
      status_timer_(reactor.io(), reactor.timers()) {
  std::uint64_t usec = 0;
  // > 0: WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is this process).
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
  }
}

void ServiceNotifier::send(const std::string& state) const {
  if (!enabled_) return;
  const int sent = sd_notify(0, state.c_str());
  if (sent < 0) spdlog::warn("sd_notify failed: {}", std::strerror(-sent));
}

void ServiceNotifier::ready() {
  send("READY=1\nSTATUS=" + status_());
  if (timers_armed_) return;
  timers_armed_ = true;
  if (enabled_ && watchdog_interval_) ping_watchdog();
  if (enabled_) update_status();
}

void ServiceNotifier::reloading() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=reloading");
}

void ServiceNotifier::stopping() {
  send("STOPPING=1\nSTATUS=stopping");
  watchdog_timer_.cancel();
  status_timer_.cancel();
}

void ServiceNotifier::ping_watchdog() {
  send("WATCHDOG=1");
  watchdog_timer_.async_wait_after(*watchdog_interval_, [this](boost::system::error_code error) {
    if (!error) ping_watchdog();
  });
}

void ServiceNotifier::update_status() {
  send("STATUS=" + status_());
  status_timer_.async_wait_after(kStatusInterval, [this](boost::system::error_code error) {
    if (!error) update_status();
  });
}

}  // namespace lull::daemon
