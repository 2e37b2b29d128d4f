// live_lulld.cc: config written to /tmp, lulld started from LULLD_PATH.
#include "tests/deploy/live_lulld.h"

#include <unistd.h>

#include <chrono>
#include <fstream>

#include "tests/support/net.h"

namespace lull::testing {

using namespace std::chrono_literals;

LiveLulld::LiveLulld() : sink_(free_port_outside_ephemeral_range()) {
  sink_.start();
  event_port_ = free_port();
  metrics_port_ = free_port();
  config_path_ = "/tmp/lull-deploy-" + std::to_string(getpid()) + ".yaml";
  const std::string events = "127.0.0.1:" + std::to_string(event_port_);
  std::ofstream(config_path_)
      << "inputs:\n"
      << "  - {type: tcp, listen: " << events << "}\n"
      << "  - {type: udp, listen: " << events << "}\n"
      // A jetstream input and action register their families at start, NATS or not: port 1
      // refuses, so the page has them (all zero, not connected) without a nats-server.
      << "  - {type: jetstream, name: js, servers: [\"nats://127.0.0.1:1\"], partitions: 2,\n"
      << "     assignment: lease}\n"
      << "metrics: {listen: 127.0.0.1:" << metrics_port_ << "}\n"
      << "actions:\n  sink: {type: tcp, target: 127.0.0.1:" << sink_.port() << "}\n"
      << "  fan-out: {type: jetstream, servers: [\"nats://127.0.0.1:1\"]}\n"
      << "rules:\n  - {name: price-jump, kind: deviation, match: {type: tick}, field: price,\n"
      << "     window: 60s, min_events: 10, threshold: 0.05, action: sink}\n"
      << "  - {name: price-jump-nats, kind: deviation, match: {type: tick}, field: price,\n"
      << "     window: 60s, min_events: 10, threshold: 0.05, action: fan-out}\n";
  process_ =
      std::make_unique<Subprocess>(std::vector<std::string>{LULLD_PATH, "--config", config_path_});
  started_ = eventually([&] { return !scrape().empty(); }, 10s);
}

LiveLulld::~LiveLulld() {
  process_.reset();
  sink_.stop();
  unlink(config_path_.c_str());
}

std::string LiveLulld::scrape() const {
  auto response = http_get(metrics_port_, "/metrics", 500ms);
  return response && response->status == 200 ? response->body : "";
}

}  // namespace lull::testing
