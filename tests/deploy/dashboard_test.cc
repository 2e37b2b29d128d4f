// dashboard_test.cc: deploy/grafana/lull.json parses and has what Grafana needs to import it
// (a datasource variable every query uses, an instance variable, unique panel ids), and
// every metric that it and deploy/prometheus/alerts.yml query is one a live lulld exports.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "tests/deploy/deploy_files.h"
#include "tests/deploy/live_lulld.h"
#include "tests/deploy/metric_names.h"

namespace lull::testing {
namespace {

TEST(DashboardTest, ParsesWithDatasourceAndInstanceVariables) {
  auto dashboard = load_dashboard();
  ASSERT_TRUE(dashboard->error.empty()) << dashboard->error;
  std::int64_t schema = 0;
  ASSERT_EQ(dashboard->root["schemaVersion"].get(schema), simdjson::SUCCESS);
  EXPECT_GE(schema, 36);  // Grafana 9.x-10.x
  EXPECT_LE(schema, 39);
  EXPECT_FALSE(json_text(dashboard->root["uid"]).empty());
  EXPECT_FALSE(json_text(dashboard->root["title"]).empty());

  std::map<std::string, simdjson::dom::object> variables;
  for (simdjson::dom::object variable : dashboard->root["templating"]["list"].get_array())
    variables.emplace(json_text(variable["name"]), variable);
  ASSERT_TRUE(variables.contains("datasource"));
  EXPECT_EQ(json_text(variables["datasource"]["type"]), "datasource");
  EXPECT_EQ(json_text(variables["datasource"]["query"]), "prometheus");
  ASSERT_TRUE(variables.contains("instance"));
  EXPECT_EQ(json_text(variables["instance"]["type"]), "query");
  EXPECT_EQ(json_text(variables["instance"]["datasource"]["uid"]), "${datasource}");
}

TEST(DashboardTest, PanelsHaveUniqueIdsAndQueryTheChosenDatasourceAndInstances) {
  auto dashboard = load_dashboard();
  ASSERT_TRUE(dashboard->error.empty()) << dashboard->error;
  std::set<std::int64_t> ids;
  int queries = 0;
  for (const auto& panel : dashboard_panels(*dashboard)) {
    const std::string title = json_text(panel["title"]);
    std::int64_t id = 0;
    ASSERT_EQ(panel["id"].get(id), simdjson::SUCCESS) << title;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate panel id " << id << ": " << title;
    EXPECT_EQ(panel["gridPos"]["w"].error(), simdjson::SUCCESS) << title;
    if (json_text(panel["type"]) == "row") continue;
    EXPECT_EQ(json_text(panel["datasource"]["uid"]), "${datasource}") << title;
    simdjson::dom::array targets;
    ASSERT_EQ(panel["targets"].get(targets), simdjson::SUCCESS) << title;
    std::set<std::string> ref_ids;
    for (simdjson::dom::object target : targets) {
      ++queries;
      const std::string ref_id = json_text(target["refId"]);
      EXPECT_TRUE(ref_ids.insert(ref_id).second) << title << ": duplicate refId " << ref_id;
      EXPECT_EQ(json_text(target["datasource"]["uid"]), "${datasource}") << title << " " << ref_id;
      EXPECT_NE(json_text(target["expr"]).find(R"(instance=~"$instance")"), std::string::npos)
          << title << " " << ref_id << " ignores the instance variable";
    }
  }
  EXPECT_GE(queries, 10);
}

// Names on a page where every family is present: a lulld with an action and a rule.
class MetricNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lulld_.started()) << "lulld did not serve /metrics:\n" << lulld_.errors();
    page_ = lulld_.scrape();
  }

  void expect_all_exported(const std::vector<Expression>& expressions) {
    const ExportedMetrics exported(page_);
    ASSERT_GT(exported.family_count(), 30u) << page_;
    std::size_t checked = 0;
    for (const auto& expression : expressions) {
      for (const auto& name : metric_names_in(expression.text)) {
        ++checked;
        EXPECT_TRUE(exported.family_of(name).has_value())
            << expression.where << " uses " << name << ", which lulld does not export:\n"
            << expression.text;
      }
    }
    EXPECT_GT(checked, 0u);
  }

  LiveLulld lulld_;
  std::string page_;
};

TEST_F(MetricNamesTest, DashboardQueriesOnlyExportedMetrics) {
  auto dashboard = load_dashboard();
  ASSERT_TRUE(dashboard->error.empty()) << dashboard->error;
  expect_all_exported(dashboard_expressions(*dashboard));
}

TEST_F(MetricNamesTest, AlertsQueryOnlyExportedMetrics) {
  expect_all_exported(alert_expressions());
}

}  // namespace
}  // namespace lull::testing
