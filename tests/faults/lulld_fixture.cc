// lulld_fixture.cc: config file, start-up wait, scrape helpers.
#include "tests/faults/lulld_fixture.h"

#include <unistd.h>

#include <fstream>

namespace lull::testing {

using namespace std::chrono_literals;

void FaultTest::start(const std::string& extra, const std::string& tcp_options,
                      const std::string& udp_options) {
  event_port_ = free_port();
  metrics_port_ = free_port();
  ASSERT_NE(event_port_, 0);
  ASSERT_NE(metrics_port_, 0);
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  config_path_ =
      "/tmp/lull-fault-" + std::string(test->name()) + "-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(config_path_) << "inputs:\n"
                              << "  - {type: tcp, listen: 127.0.0.1:" << event_port_ << tcp_options
                              << "}\n"
                              << "  - {type: udp, listen: 127.0.0.1:" << event_port_ << udp_options
                              << "}\n"
                              << "metrics: {listen: 127.0.0.1:" << metrics_port_ << "}\n"
                              << extra;
  lulld_ = std::make_unique<Subprocess>(
      std::vector<std::string>{LULLD_PATH, "--config", config_path_, "--log-level", "info"});
  ASSERT_TRUE(
      eventually([&] { return http_get(metrics_port_, "/metrics", 200ms).has_value(); }, 10s))
      << "lulld did not serve /metrics; stderr:\n"
      << lulld_->errors();
}

void FaultTest::TearDown() {
  lulld_.reset();
  if (!config_path_.empty()) unlink(config_path_.c_str());
}

std::string FaultTest::scrape() {
  auto response = http_get(metrics_port_, "/metrics");
  return response && response->status == 200 ? response->body : "";
}

double FaultTest::metric(const std::string& name, const std::string& labels) {
  return metric_value(scrape(), name, labels).value_or(-1);
}

bool FaultTest::wait_for(const std::string& name, const std::string& labels, double value,
                         std::chrono::milliseconds timeout) {
  return eventually([&] { return metric(name, labels) == value; }, timeout);
}

std::string event(const std::string& key, int seq, const std::string& fields) {
  return R"({"seq":)" + std::to_string(seq) + R"(,"key":")" + key + "\"" +
         (fields.empty() ? "" : "," + fields) + "}";
}

}  // namespace lull::testing
