// sink_test_support.h: what the action sink tests share: a fixture with the reactor, registry
// and latency histogram a sink is built with, a loopback TCP sink server driven by the test's
// own io_context (no threads), bounded run loops, action lines with a known content, and
// readers for the Prometheus series a sink registers.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "config/config.h"
#include "runtime/asio.h"
#include "runtime/duration_metrics.h"
#include "runtime/reactor.h"

namespace lull::daemon::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// The base of the sink test fixtures: sinks and test servers run on `io`, register their
// series in `registry`, and record each delivered action's latency in `latency`.
class SinkFixture : public ::testing::Test {
 protected:
  // How many latencies were recorded.
  std::uint64_t latency_count() const {
    return latency_family.Collect().at(0).metric.at(0).histogram.sample_count;
  }

  runtime::Reactor reactor{config::GcConfig{}};
  asio::io_context& io = reactor.io();
  prometheus::Registry registry;
  runtime::DurationFamily latency_family{"lull_action_latency", "latency", "max", {"rule"}, 10s};
  runtime::DurationMetric latency = latency_family.add({{"rule", "r"}});
};

// Runs `io` one handler at a time until `done()` holds or `timeout` passes; true if it held.
template <class Done>
bool run_until(asio::io_context& io, Done&& done, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(2ms);
  }
  return true;
}

// Runs `io` for `duration` whatever happens.
inline void run_for(asio::io_context& io, std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_until(deadline);
  }
}

// A port on 127.0.0.1 with no listener a moment ago.
std::uint16_t unused_port();

// The action line a test emits as number `i`, padded to at least `size` bytes.
std::string action_line(int i, std::size_t size = 0);

// A sink on 127.0.0.1: accepts every connection and, if `reading`, reads each to the end.
// Handlers hold `this`: destroy the server only when `io` will not run again, or after
// close() and running `io` until its handlers are done.
class SinkServer {
 public:
  struct Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    std::string data;
    bool ended = false;
    std::array<char, 64 * 1024> buffer;
  };

  // `receive_buffer` > 0 sets SO_RCVBUF on the listener (connections inherit it).
  SinkServer(asio::io_context& io, std::uint16_t port = 0, bool reading = true,
             int receive_buffer = 0);
  ~SinkServer();

  std::uint16_t port() const { return port_; }
  // Closes the listener and every connection (unread data makes the kernel send a reset).
  void close();
  // Closes the connections, keeps listening.
  void drop_connections();
  // Applies to connections accepted from now on.
  void set_reading(bool reading) { reading_ = reading; }

  std::size_t accepted() const { return accepted_; }  // connections 0 .. accepted() - 1
  const Connection& connection(std::size_t index) const { return *connections_.at(index); }
  // Complete lines received on connection `index` (or on all of them, in order), without
  // their '\n'; a trailing fragment is left out.
  std::vector<std::string> lines(std::size_t index) const;
  std::vector<std::string> lines() const;

 private:
  void accept();
  void read(Connection* connection);

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  bool reading_;
  std::size_t accepted_ = 0;
  // The last one waits for the next accept.
  std::vector<std::unique_ptr<Connection>> connections_;
};

// The value of `name{action="<action>"}` (counter or gauge); -1 when the series is absent.
double series_value(prometheus::Registry& registry, const std::string& name,
                    const std::string& action);

config::ActionConfig tcp_action(std::uint16_t port, std::size_t queue = 10'000,
                                config::DropPolicy drop = config::DropPolicy::kDropOldest);

}  // namespace lull::daemon::testing
