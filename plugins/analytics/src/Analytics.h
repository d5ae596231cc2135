#pragma once

#include "FeedReader.h"
#include "Figures.h"

#include <orchestrator/plugin.hpp>

namespace analytics {

struct AnalyticsSettings {
  std::int64_t refreshMs = 0, overlapMs = 0, retryWindowDays = 0, uptimeWindowHours = 0, maxSeriesPoints = 0;
  double minutesSavedPerStep = 0;
};

/// What the routes and the timers of the plugin share.
struct Analytics {
  Analytics(orch::Plugin& plugin, AnalyticsSettings settings)
      : plugin(plugin), settings(settings), figures(plugin.db()),
        reader(plugin, {.overlapMs = settings.overlapMs, .retryWindowMs = settings.retryWindowDays * 24 * 3600 * 1000}) {}

  orch::Plugin& plugin;
  AnalyticsSettings settings;
  Figures figures;
  FeedReader reader;

  /// Percent of the minutes of the last uptime window (from the first
  /// minute recorded, if later) in which a host with this plugin was up.
  double uptimePercent(std::int64_t nowMs) const;
  /// GET monitoring/metrics' workflows and ai_usage for the principal
  /// (orchestrator/services/system.hpp, kSummary). executions_last_hour is
  /// this UTC clock hour's.
  orch::json summary(const orch::json& principal) const;
  /// Records the current minute as one this host was up in.
  void markUp(std::int64_t nowMs) const;
};

/// GET analytics/dashboard, analytics/workflows/{id}/metrics, analytics/costs,
/// analytics/metrics, analytics/export.
void registerRoutes(Analytics& analytics);

} // namespace analytics
