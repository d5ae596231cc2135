// Time buckets and latency bins: the arithmetic every figure rests on.
#include "Buckets.h"

#include <orchestrator/time.hpp>

#include <gtest/gtest.h>

namespace analytics {
namespace {

std::int64_t at(const char* text) { return *orch::parseRfc3339(text); }

TEST(Buckets, HoursDaysAndWeeksStartInUtcAndWeeksOnMonday) {
  auto ms = at("2026-12-09T15:42:10.250Z"); // a Wednesday
  EXPECT_EQ(bucketStart(Interval::Hour, ms), at("2026-12-09T15:00:00Z"));
  EXPECT_EQ(bucketStart(Interval::Day, ms), at("2026-12-09T00:00:00Z"));
  EXPECT_EQ(bucketStart(Interval::Week, ms), at("2026-12-07T00:00:00Z"));
  EXPECT_EQ(bucketStart(Interval::Week, at("2026-12-07T00:00:00Z")), at("2026-12-07T00:00:00Z"));
  EXPECT_EQ(bucketStart(Interval::Week, at("2026-12-06T23:59:59Z")), at("2026-11-30T00:00:00Z"));
  EXPECT_EQ(monthStart(ms), at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(nextMonthStart(ms), at("2027-01-01T00:00:00Z"));
  EXPECT_EQ((nextMonthStart(at("2028-02-10T00:00:00Z")) - monthStart(at("2028-02-10T00:00:00Z"))) / kDayMs, 29);
  EXPECT_EQ(dateOf(ms), "2026-12-09");
}

TEST(Buckets, IntervalsAreNamedAsSeed002Names) {
  EXPECT_EQ(intervalNamed("1h"), Interval::Hour);
  EXPECT_EQ(intervalNamed("1d"), Interval::Day);
  EXPECT_EQ(intervalNamed("1w"), Interval::Week);
  EXPECT_FALSE(intervalNamed("1m").has_value());
  EXPECT_FALSE(intervalNamed("").has_value());
}

TEST(LatencyBins, BoundsGrowByTheR10SeriesAndEveryDurationHasABin) {
  const auto& bounds = latencyBounds();
  ASSERT_EQ(bounds.size(), 90u);
  EXPECT_EQ(bounds[0], 1);
  EXPECT_EQ(bounds[9], 10);
  EXPECT_EQ(bounds[10], 13);
  EXPECT_EQ(bounds[19], 100);
  EXPECT_EQ(bounds.back(), 1'000'000'000);
  for (std::size_t i = 1; i < bounds.size(); ++i) EXPECT_LT(bounds[i - 1], bounds[i]);
  EXPECT_EQ(latencyBin(0), 0);
  EXPECT_EQ(latencyBin(1), 0);
  EXPECT_EQ(latencyBin(11), 10);
  EXPECT_EQ(latencyBin(13), 10);
  EXPECT_EQ(latencyBin(14), 11);
  EXPECT_EQ(latencyBin(2'000'000'000), 90);
}

TEST(LatencyBins, PercentilesAreTheBoundOfTheNearestRanksBin) {
  std::vector<std::int64_t> bins(91, 0);
  EXPECT_FALSE(percentile(bins, 0.5).has_value());
  // 90 durations of 5 ms, 9 of 120 ms, 1 of 4 s.
  bins[latencyBin(5)] = 90;
  bins[latencyBin(120)] = 9;
  bins[latencyBin(4000)] = 1;
  EXPECT_EQ(percentile(bins, 0.50), 5);
  EXPECT_EQ(percentile(bins, 0.90), 5);
  EXPECT_EQ(percentile(bins, 0.95), 125);
  EXPECT_EQ(percentile(bins, 0.99), 125);
  EXPECT_EQ(percentile(bins, 1.0), 4000);
  bins.assign(91, 0);
  bins[90] = 1; // over the last bound
  EXPECT_EQ(percentile(bins, 0.5), 1'000'000'000);
}

} // namespace
} // namespace analytics
