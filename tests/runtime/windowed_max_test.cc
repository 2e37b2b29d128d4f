// windowed_max_test.cc: the maximum over the window, exactly at its edges, with a fake clock.
#include "runtime/windowed_max.h"

#include <gtest/gtest.h>

namespace lull::runtime {
namespace {

using namespace std::chrono_literals;
using Clock = WindowedMax::Clock;

const Clock::time_point kStart{1000s};  // on a slice boundary: 10 s window, 1 s slices

TEST(WindowedMax, IsZeroBeforeAnythingIsRecorded) {
  WindowedMax max(10s);
  EXPECT_EQ(max.max(kStart), 0);
}

TEST(WindowedMax, KeepsTheLargestValueInTheWindow) {
  WindowedMax max(10s);
  max.record(3, kStart);
  max.record(7, kStart + 2s);
  max.record(5, kStart + 4s);
  EXPECT_EQ(max.max(kStart + 5s), 7);
}

TEST(WindowedMax, KeepsAValueForAtLeastTheWindow) {
  WindowedMax max(10s);
  max.record(9, kStart + 999ms);                // the end of slice 1000
  EXPECT_EQ(max.max(kStart + 999ms + 10s), 9);  // exactly one window later
}

TEST(WindowedMax, DropsAValueAtMostOneSliceAfterTheWindow) {
  WindowedMax max(10s);
  max.record(9, kStart);  // the start of slice 1000
  EXPECT_EQ(max.max(kStart + 11s - 1ns), 9);
  EXPECT_EQ(max.max(kStart + 11s), 0);
}

TEST(WindowedMax, LetsASmallerValueReplaceAnExpiredSlot) {
  WindowedMax max(10s);
  max.record(9, kStart);
  max.record(2, kStart + 11s);  // reuses slice 1000's slot
  EXPECT_EQ(max.max(kStart + 11s), 2);
  max.record(1, kStart + 11s + 1ms);
  EXPECT_EQ(max.max(kStart + 11s + 1ms), 2);
}

TEST(WindowedMax, ForgetsEverythingAfterALongSilence) {
  WindowedMax max(10s);
  for (int i = 0; i < 11; ++i) max.record(i + 1, kStart + i * 1s);
  EXPECT_EQ(max.max(kStart + 10s), 11);
  EXPECT_EQ(max.max(kStart + 1h), 0);
}

}  // namespace
}  // namespace lull::runtime
