// promtool_test.cc: deploy/prometheus as Prometheus's own tool sees it: the config and its
// rule file are valid, and the rules' unit tests (alerts_test.yml) pass.
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "tests/deploy/deploy_files.h"
#include "tests/support/subprocess.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

void expect_promtool_succeeds(std::vector<std::string> arguments) {
  const std::string promtool = PROMTOOL_PATH;
  ASSERT_EQ(access(promtool.c_str(), X_OK), 0)
      << "promtool not found (" << promtool << "): run deploy/install-deps.sh";
  arguments.insert(arguments.begin(), promtool);
  const Completed done = run_program(arguments, 60s);
  EXPECT_EQ(done.status, 0) << done.output << done.errors;
}

TEST(PromtoolTest, ScrapeConfigAndItsRuleFileAreValid) {
  expect_promtool_succeeds({"check", "config", deploy_path("prometheus/scrape.yml")});
}

TEST(PromtoolTest, AlertRulesAreValid) {
  expect_promtool_succeeds({"check", "rules", deploy_path("prometheus/alerts.yml")});
}

TEST(PromtoolTest, AlertRuleUnitTestsPass) {
  expect_promtool_succeeds({"test", "rules", deploy_path("prometheus/alerts_test.yml")});
}

}  // namespace
}  // namespace lull::testing
