// prometheus_server_test.cc: deploy/prometheus/scrape.yml with a real Prometheus server and a
// real lulld, both on free loopback ports: the server scrapes lulld (target and interval
// changed, everything else as shipped), the events sent show up in a query, the alert rules
// load and evaluate without error, and every dashboard query is valid PromQL that Prometheus
// runs. The server's data directory is a fresh temporary one, removed afterwards.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "tests/deploy/deploy_files.h"
#include "tests/deploy/live_lulld.h"
#include "tests/deploy/prometheus_api.h"
#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

// scrape.yml pointed at this test's lulld, scraping and evaluating every second, with the
// rule file by absolute path (relative ones are read from the config's own directory).
std::string test_config(std::uint16_t metrics_port) {
  YAML::Node config = YAML::LoadFile(deploy_path("prometheus/scrape.yml"));
  config["global"]["evaluation_interval"] = "1s";
  config["rule_files"][0] = deploy_path("prometheus/alerts.yml");
  YAML::Node job = config["scrape_configs"][0];
  job["scrape_interval"] = "1s";
  job["scrape_timeout"] = "1s";
  job["static_configs"][0]["targets"][0] = "127.0.0.1:" + std::to_string(metrics_port);
  YAML::Emitter out;
  out << config;
  return out.c_str();
}

// A query's instant vector as (labels JSON, value) pairs; nullopt while the API says no.
std::optional<std::vector<std::pair<std::string, double>>> query(std::uint16_t port,
                                                                 const std::string& expression) {
  auto body = api_get(port, query_path(expression));
  if (!body) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element reply;
  if (parser.parse(*body).get(reply) != simdjson::SUCCESS) return std::nullopt;
  std::string_view status;
  if (reply["status"].get(status) != simdjson::SUCCESS || status != "success") return std::nullopt;
  std::vector<std::pair<std::string, double>> samples;
  simdjson::dom::array result;
  if (reply["data"]["result"].get(result) != simdjson::SUCCESS) return samples;  // a scalar
  for (simdjson::dom::element sample : result) {
    std::string_view value;
    if (sample["value"].at(1).get(value) != simdjson::SUCCESS) return std::nullopt;
    samples.emplace_back(simdjson::to_string(sample["metric"]), std::stod(std::string(value)));
  }
  return samples;
}

class PrometheusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(PROMETHEUS_PATH, X_OK), 0)
        << "prometheus not found (" << PROMETHEUS_PATH << "): run deploy/install-deps.sh";
    ASSERT_TRUE(lulld_.started()) << "lulld did not serve /metrics:\n" << lulld_.errors();
    char pattern[] = "/tmp/lull-prometheus-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    directory_ = pattern;
    const std::string config = directory_ + "/prometheus.yml";
    std::ofstream(config) << test_config(lulld_.metrics_port());
    port_ = free_port();
    prometheus_ = std::make_unique<Subprocess>(std::vector<std::string>{
        PROMETHEUS_PATH, "--config.file=" + config, "--storage.tsdb.path=" + directory_ + "/data",
        "--web.listen-address=127.0.0.1:" + std::to_string(port_)});
    ASSERT_TRUE(eventually([&] { return api_get(port_, "/-/ready").has_value(); }, 60s))
        << "prometheus did not become ready:\n"
        << prometheus_->errors();
  }

  void TearDown() override {
    if (prometheus_) {
      prometheus_->signal(SIGTERM);  // a clean stop closes the TSDB before it is removed
      if (!prometheus_->wait(15s)) ADD_FAILURE() << "prometheus did not stop on SIGTERM";
      prometheus_.reset();  // kills it if it is still there
    }
    if (!directory_.empty()) std::filesystem::remove_all(directory_);
  }

  std::optional<double> value_of(const std::string& expression) {
    auto samples = query(port_, expression);
    if (!samples || samples->size() != 1) return std::nullopt;
    return samples->front().second;
  }

  LiveLulld lulld_;
  std::string directory_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Subprocess> prometheus_;
};

TEST_F(PrometheusServerTest, ScrapesLulldAndCountsTheEventsSent) {
  ASSERT_TRUE(eventually([&] { return value_of(R"(up{job="lulld"})") == 1.0; }, 30s))
      << "no successful scrape of lulld:\n"
      << prometheus_->errors();

  std::string lines;
  for (int seq = 1; seq <= 3; ++seq)
    lines += R"({"seq":)" + std::to_string(seq) +
             R"(,"ts":1,"key":"m1","type":"tick","price":1.5})"
             "\n";
  lines += "not json\n";
  ASSERT_TRUE(tcp_send(lulld_.event_port(), lines));

  EXPECT_TRUE(eventually(
      [&] { return value_of(R"(lull_events_total{job="lulld", input="tcp"})") == 3.0; }, 30s))
      << "lull_events_total never reached 3 in Prometheus";
  EXPECT_EQ(value_of(R"(lull_events_total{job="lulld", input="udp"})"), 0.0);
  EXPECT_TRUE(eventually(
      [&] {
        return value_of(R"(lull_events_rejected_total{job="lulld", reason="invalid_json"})") == 1.0;
      },
      30s));
}

TEST_F(PrometheusServerTest, LoadsEveryAlertRuleAndEvaluatesItWithoutError) {
  const auto alerts = alert_expressions();
  // Every rule evaluated at least once (health "unknown" until then), none with an error.
  std::string last_reply;
  const bool all_ok = eventually(
      [&] {
        auto body = api_get(port_, "/api/v1/rules?type=alert");
        if (!body) return false;
        last_reply = *body;
        simdjson::dom::parser parser;
        simdjson::dom::element reply;
        if (parser.parse(*body).get(reply) != simdjson::SUCCESS) return false;
        std::size_t healthy = 0;
        for (simdjson::dom::object group : reply["data"]["groups"].get_array())
          for (simdjson::dom::object rule : group["rules"].get_array())
            if (std::string_view(rule["health"]) == "ok") ++healthy;
        return healthy == alerts.size();
      },
      30s);
  EXPECT_TRUE(all_ok) << alerts.size() << " rules expected healthy; last reply:\n" << last_reply;
  EXPECT_EQ(last_reply.find(R"("health":"err")"), std::string::npos) << last_reply;
  // A healthy lulld: LulldDown and the others may be pending only on a real problem.
  EXPECT_EQ(last_reply.find(R"("state":"firing")"), std::string::npos) << last_reply;
}

TEST_F(PrometheusServerTest, RunsEveryDashboardQuery) {
  ASSERT_TRUE(eventually([&] { return value_of(R"(up{job="lulld"})") == 1.0; }, 30s));
  auto dashboard = load_dashboard();
  ASSERT_TRUE(dashboard->error.empty()) << dashboard->error;
  std::size_t ran = 0;
  for (const auto& expression : dashboard_expressions(*dashboard)) {
    if (!expression.where.starts_with("panel")) continue;  // label_values() is Grafana's
    // What Grafana substitutes: all instances, and intervals of a short range.
    std::string promql = std::regex_replace(expression.text, std::regex(R"(\$instance)"), ".*");
    promql = std::regex_replace(promql, std::regex(R"(\$__rate_interval)"), "1m");
    promql = std::regex_replace(promql, std::regex(R"(\$__interval)"), "10s");
    EXPECT_TRUE(query(port_, promql).has_value()) << expression.where << ": Prometheus refused\n"
                                                  << promql;
    ++ran;
  }
  EXPECT_GE(ran, 10u);
}

}  // namespace
}  // namespace lull::testing
