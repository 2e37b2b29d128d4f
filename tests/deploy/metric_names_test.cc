// metric_names_test.cc: the name checks the deploy tests rely on, on a page of known content,
// so a wrong "unknown metric" (or a missed one) is the helper's fault, not the files'.
#include "tests/deploy/metric_names.h"

#include <gtest/gtest.h>

namespace lull::testing {
namespace {

const char* const kPage =
    "# HELP lull_events_total Events.\n"
    "# TYPE lull_events_total counter\n"
    "lull_events_total{input=\"tcp\"} 3\n"
    "# TYPE lull_action_latency_seconds histogram\n"
    "lull_action_latency_seconds_bucket{rule=\"r\",le=\"+Inf\"} 0\n"
    "lull_action_latency_seconds_sum{rule=\"r\"} 0\n"
    "lull_action_latency_seconds_count{rule=\"r\"} 0\n"
    "# TYPE process_open_fds gauge\n"
    "process_open_fds 17\n";

TEST(ExportedMetricsTest, CountersAndGaugesGoByTheirOwnName) {
  ExportedMetrics metrics(kPage);
  EXPECT_EQ(metrics.family_count(), 3u);
  EXPECT_EQ(metrics.family_of("lull_events_total"), "lull_events_total");
  EXPECT_EQ(metrics.family_of("process_open_fds"), "process_open_fds");
  EXPECT_EQ(metrics.family_of("lull_events"), std::nullopt);
  EXPECT_EQ(metrics.family_of("lull_events_total_count"), std::nullopt);
}

TEST(ExportedMetricsTest, HistogramsGoByTheirSuffixedNamesOnly) {
  ExportedMetrics metrics(kPage);
  for (const char* name : {"lull_action_latency_seconds_bucket", "lull_action_latency_seconds_sum",
                           "lull_action_latency_seconds_count"})
    EXPECT_EQ(metrics.family_of(name), "lull_action_latency_seconds") << name;
  EXPECT_EQ(metrics.family_of("lull_action_latency_seconds"), std::nullopt);
}

TEST(MetricNamesInTest, FindsMetricNamesNotLabelsOrFunctions) {
  EXPECT_EQ(metric_names_in(R"(histogram_quantile(0.99, sum by (rule, le) )"
                            R"((rate(lull_action_latency_seconds_bucket{job="lulld"}[5m]))))"),
            std::set<std::string>{"lull_action_latency_seconds_bucket"});
  EXPECT_EQ(
      metric_names_in(R"(lull_heap_committed_bytes / on (job) lull_gc_budget{x="lull_y"})"
                      " > process_max_fds"),
      (std::set<std::string>{"lull_gc_budget", "lull_heap_committed_bytes", "process_max_fds"}));
  EXPECT_TRUE(metric_names_in(R"(up{job="lulld"} == 0 and my_lull_thing)").empty());
}

}  // namespace
}  // namespace lull::testing
