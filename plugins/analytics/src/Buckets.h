// Time buckets (UTC hours, days, ISO weeks, months) and the latency bins
// durations are counted in, so that figures come from rollup rows and never
// from raw executions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace analytics {

inline constexpr std::int64_t kHourMs = 3600LL * 1000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;
inline constexpr std::int64_t kWeekMs = 7 * kDayMs;

/// A series' step: `1h`, `1d` or `1w`.
enum class Interval { Hour, Day, Week };

/// The interval a query names, or nullopt.
std::optional<Interval> intervalNamed(const std::string& name);
std::int64_t lengthOf(Interval interval);
/// The start of the bucket holding `ms`: the hour, the day, or the week from Monday 00:00 UTC.
std::int64_t bucketStart(Interval interval, std::int64_t ms);

/// The first millisecond of the UTC month holding `ms`, and of the next one.
std::int64_t monthStart(std::int64_t ms);
std::int64_t nextMonthStart(std::int64_t ms);
/// "2026-12-07", the UTC date of `ms`.
std::string dateOf(std::int64_t ms);

/// The upper bounds, in milliseconds, of the bins an execution's duration is
/// counted in: 1 to 10 ms by one, then ten bins a decade (the R10 series:
/// 13, 16, 20, 25, 32, 40, 50, 63, 80, 100, ...) up to 10^9 ms. A duration
/// over the last bound is counted in one more bin, bounds().size().
const std::vector<std::int64_t>& latencyBounds();
/// The bin of a duration: the first whose bound is at least `ms`.
int latencyBin(std::int64_t ms);
/// The q-th percentile (0 < q <= 1) of counts per bin, by nearest rank: the
/// bound of the bin that holds the ceil(q * n)-th duration (the last bound
/// for the overflow bin); nullopt when there is none.
std::optional<std::int64_t> percentile(const std::vector<std::int64_t>& countsPerBin, double q);

} // namespace analytics
