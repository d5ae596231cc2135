// Plugin `analytics`: dashboards, cost tracking and metric series (seeds
// 000, 002). Every figure comes from rollup rows that a timer keeps up to
// date from two feeds, the workflows plugin's finished executions and the ai
// plugin's calls (orchestrator/services/feeds.hpp); no request reads a raw
// table, so a year of executions answers as fast as a day.
#include "Analytics.h"
#include "analytics_migrations.h"

#include <orchestrator/services/system.hpp>
#include <orchestrator/settings.hpp>
#include <orchestrator/time.hpp>

#include <memory>

namespace {

using analytics::AnalyticsSettings;

const orch::SettingsMap<AnalyticsSettings> kAnalyticsSettings = {
    {"analytics.refresh_ms", &AnalyticsSettings::refreshMs, "1000",
     "How often the rollups read what executions and AI calls committed since", {.minimum = "20"}},
    {"analytics.overlap_ms", &AnalyticsSettings::overlapMs, "10000",
     "How far behind its cursor each read starts again, for rows that commit after rows of a later time (a batched "
     "writer, another host's clock); a row that commits later than this after its own time is not counted",
     {.minimum = "0"}},
    {"analytics.retry_window_days", &AnalyticsSettings::retryWindowDays, "30",
     "How long a counted execution is remembered, so that a retry replaces its earlier outcome instead of adding one",
     {.minimum = "1"}},
    {"analytics.minutes_saved_per_step", &AnalyticsSettings::minutesSavedPerStep, "5",
     "The dashboard's savings_estimate (minutes) is the completed steps times this", {.minimum = "0"}},
    {"analytics.uptime_window_hours", &AnalyticsSettings::uptimeWindowHours, "24",
     "The dashboard's uptime is the percent of this window's minutes in which a host was up", {.minimum = "1"}},
    {"analytics.max_series_points", &AnalyticsSettings::maxSeriesPoints, "1000",
     "The most buckets one analytics/metrics answer (or days one workflow's daily series) may have", {.minimum = "1"}},
};

void init(orch::Plugin& plugin) {
  auto settings = plugin.settings(kAnalyticsSettings);
  plugin.migrations(analytics_migrations());
  auto a = std::make_shared<analytics::Analytics>(plugin, settings);
  analytics::registerRoutes(*a);
  plugin.service(orch::services::system::kAnalytics, [a](const std::string& method, const orch::json& message) -> orch::json {
    if (method != orch::services::system::kSummary) throw orch::HttpError::badRequest("analytics: unknown method '" + method + "' (summary)");
    return a->summary(message.value("principal", orch::json()));
  });

  plugin.onStart([&plugin, a] {
    auto refresh = static_cast<std::uint64_t>(a->settings.refreshMs);
    plugin.timer(0, refresh, [a] { a->reader.read(); });
    // Every 20 s, so that no minute goes unmarked however the timer drifts.
    plugin.timer(0, 20000, [a] {
      try {
        auto now = orch::nowMs();
        a->markUp(now);
        a->reader.prune(now);
      } catch (const std::exception& e) {
        a->plugin.logWarning(std::string("analytics: uptime not recorded: ") + e.what());
      }
    });
  });
}

} // namespace

ORCH_PLUGIN("analytics", "1.0.0", "Dashboards, costs and metric series from rollups of executions and AI calls", init)
