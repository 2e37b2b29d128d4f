// lulld_fixture.h: the fault tests' fixture: a real lulld on fresh loopback ports (a TCP and
// a UDP input on one port, metrics on another) with a config the test adds to, and helpers
// that read and wait on its /metrics counters. Every wait is bounded; a failed start or wait
// shows lulld's log.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace lull::testing {

class FaultTest : public ::testing::Test {
 protected:
  // `input_options` is appended inside both input mappings (", max_line: 1KiB", say); `extra`
  // is appended as top-level YAML (actions:, rules:, gc:, state:, ...).
  void start(const std::string& extra = "", const std::string& tcp_options = "",
             const std::string& udp_options = "");
  void TearDown() override;

  std::string scrape();
  // The series' value, or -1 when the page or the series is missing.
  double metric(const std::string& name, const std::string& labels = "");
  // Waits until the series equals `value`; false (with the last value in the failure
  // message of the caller's EXPECT) after `timeout`.
  bool wait_for(const std::string& name, const std::string& labels, double value,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));
  double events(const std::string& input = "tcp") {
    return metric("lull_events_total", "input=\"" + input + "\"");
  }
  double rejected(const std::string& reason) {
    return metric("lull_events_rejected_total", "reason=\"" + reason + "\"");
  }
  std::string log() const { return lulld_->errors(); }

  std::uint16_t event_port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::string config_path_;
  std::unique_ptr<Subprocess> lulld_;
};

// An event line (no newline) of key `key`, with the given extra fields ("\"size\":5", say).
std::string event(const std::string& key, int seq, const std::string& fields = "");

}  // namespace lull::testing
