// duration_metrics_test.cc: bucket placement, cumulative counts, and the families a scrape sees.
#include "runtime/duration_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace lull::runtime {
namespace {

using namespace std::chrono_literals;

TEST(AtomicHistogram, PutsEachDurationInTheFirstBucketThatHoldsIt) {
  AtomicHistogram histogram;
  histogram.observe(1us);     // <= 1e-6
  histogram.observe(1500ns);  // <= 2e-6
  histogram.observe(3s);      // +Inf
  auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative[0], 1u);
  EXPECT_EQ(snapshot.cumulative[1], 2u);
  EXPECT_EQ(snapshot.cumulative[AtomicHistogram::kBounds.size() - 1], 2u);
  EXPECT_EQ(snapshot.count(), 3u);
  EXPECT_NEAR(snapshot.sum_seconds, 3.0000025, 1e-12);
}

WindowedMax::Clock::time_point fixed_now() {
  return WindowedMax::Clock::time_point(100s);
}

TEST(DurationFamily, ExportsAHistogramAndAMaxGaugeWithFewerLabels) {
  DurationFamily family("lull_gc_step", "Step durations.", "Longest step.", {"kind"}, 10s);
  family.set_clock_for_testing(&fixed_now);
  auto idle = family.add({{"kind", "mark"}, {"context", "idle"}});
  auto paced = family.add({{"kind", "mark"}, {"context", "paced"}});
  idle.record(20us, fixed_now());
  paced.record(40us, fixed_now());

  auto page = prometheus::TextSerializer().Serialize(family.Collect());
  EXPECT_NE(page.find("# TYPE lull_gc_step_seconds histogram"), std::string::npos) << page;
  EXPECT_NE(page.find(R"(lull_gc_step_seconds_count{context="idle",kind="mark"} 1)"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find(R"(lull_gc_step_seconds_bucket{context="paced",kind="mark",le="5e-05"} 1)"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find(R"(lull_gc_step_max_seconds{kind="mark"} 4e-05)"), std::string::npos) << page;
}

}  // namespace
}  // namespace lull::runtime
