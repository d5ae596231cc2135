#include "Buckets.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace analytics {
namespace {

std::tm utc(std::int64_t ms) {
  auto seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

std::int64_t msOf(std::tm tm) { return static_cast<std::int64_t>(timegm(&tm)) * 1000; }

std::int64_t floorTo(std::int64_t ms, std::int64_t step, std::int64_t offset) {
  auto shifted = ms - offset;
  auto floored = shifted >= 0 ? shifted / step * step : -((-shifted + step - 1) / step) * step;
  return floored + offset;
}

} // namespace

std::optional<Interval> intervalNamed(const std::string& name) {
  if (name == "1h") return Interval::Hour;
  if (name == "1d") return Interval::Day;
  if (name == "1w") return Interval::Week;
  return std::nullopt;
}

std::int64_t lengthOf(Interval interval) {
  switch (interval) {
  case Interval::Hour: return kHourMs;
  case Interval::Day: return kDayMs;
  case Interval::Week: return kWeekMs;
  }
  return kDayMs;
}

std::int64_t bucketStart(Interval interval, std::int64_t ms) {
  // 1970-01-05, four days after the epoch, was a Monday.
  return floorTo(ms, lengthOf(interval), interval == Interval::Week ? 4 * kDayMs : 0);
}

std::int64_t monthStart(std::int64_t ms) {
  auto tm = utc(ms);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return msOf(tm);
}

std::int64_t nextMonthStart(std::int64_t ms) {
  auto tm = utc(ms);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_mon += 1; // timegm normalises December + 1
  return msOf(tm);
}

std::string dateOf(std::int64_t ms) {
  auto tm = utc(ms);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

const std::vector<std::int64_t>& latencyBounds() {
  static const std::vector<std::int64_t> bounds = [] {
    std::vector<std::int64_t> out;
    for (std::int64_t ms = 1; ms <= 10; ++ms) out.push_back(ms);
    static constexpr double kR10[] = {1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0, 10.0};
    for (std::int64_t decade = 10; decade < 1'000'000'000; decade *= 10)
      for (double step : kR10) out.push_back(std::llround(static_cast<double>(decade) * step));
    return out;
  }();
  return bounds;
}

int latencyBin(std::int64_t ms) {
  const auto& bounds = latencyBounds();
  return static_cast<int>(std::lower_bound(bounds.begin(), bounds.end(), ms) - bounds.begin());
}

std::optional<std::int64_t> percentile(const std::vector<std::int64_t>& countsPerBin, double q) {
  std::int64_t total = 0;
  for (auto n : countsPerBin) total += std::max<std::int64_t>(0, n);
  if (total == 0) return std::nullopt;
  auto rank = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(q * static_cast<double>(total) - 1e-9)));
  const auto& bounds = latencyBounds();
  std::int64_t seen = 0;
  for (std::size_t bin = 0; bin < countsPerBin.size(); ++bin) {
    seen += std::max<std::int64_t>(0, countsPerBin[bin]);
    if (seen >= rank) return bounds[std::min(bin, bounds.size() - 1)];
  }
  return bounds.back();
}

} // namespace analytics
