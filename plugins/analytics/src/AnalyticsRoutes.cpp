#include "Analytics.h"
#include "Buckets.h"

#include <orchestrator/services/feeds.hpp>
#include <orchestrator/services/workflows.hpp>
#include <orchestrator/time.hpp>

#include <cmath>
#include <sstream>

namespace analytics {
namespace {

namespace feeds = orch::services::feeds;
using orch::json;

constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max() / 2;

double rounded(double value, int digits) {
  auto scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

json percent(const std::optional<double>& ratio) {
  return ratio ? json(rounded(*ratio * 100, 2)) : json(nullptr);
}

/// The workflows plugin's counts (and the workflow asked about, or a 404);
/// nulls when it is not loaded here.
json overview(Analytics& a, const Scope& scope, const std::string& workflowId = "") {
  json message = {{"principal", scope.principal}, {"organization_id", scope.organizationId}};
  if (!workflowId.empty()) message["workflow_id"] = workflowId;
  auto answer = a.plugin.callServiceIfServed(orch::services::workflows::kService, feeds::kOverview, message);
  if (!answer) {
    if (!workflowId.empty()) throw orch::HttpError::notFound("Workflow not found");
    return {{"total_workflows", nullptr}, {"active_executions", nullptr}};
  }
  return feeds::unlessRefused(*answer);
}

std::string mostUsedModel(const std::map<std::pair<std::string, std::string>, CallTotals>& byModel, json& out) {
  std::string best;
  std::int64_t most = 0;
  for (const auto& [model, totals] : byModel)
    if (totals.requests > most) { // ties: the first by name
      most = totals.requests;
      best = model.first;
    }
  out = best.empty() ? json(nullptr) : json(best);
  return best;
}

void dashboard(Analytics& a, orch::Request& request, orch::Response& response) {
  auto scope = Scope::of(request);
  auto now = orch::nowMs();
  auto today = bucketStart(Interval::Day, now);
  auto counts = overview(a, scope);
  auto all = a.figures.executionTotals(scope, "m", 0, kForever);
  auto day = a.figures.executionTotals(scope, "d", today, today + kDayMs);
  auto calls = a.figures.callTotals(scope, "d", today, today + kDayMs);
  json mostUsed;
  mostUsedModel(a.figures.callsByModel(scope, today, today + kDayMs), mostUsed);
  auto averageToday = day.averageDurationMs();
  response.json({
      {"overview",
       {{"total_workflows", counts["total_workflows"]},
        {"active_executions", counts["active_executions"]},
        {"total_executions_today", day.executions},
        {"success_rate", percent(day.successRate())},
        {"avg_execution_time", averageToday ? json(*averageToday / 1000) : json(nullptr)}}},
      {"usage_stats",
       {{"ai_requests_today", calls.requests},
        {"total_cost_today", usd(calls.costNanos)},
        {"tokens_consumed", calls.tokens()},
        {"most_used_model", mostUsed}}},
      {"performance_metrics",
       {{"avg_response_time", orNull(calls.averageLatencyMs())},
        {"error_rate", orNull(day.errorRate())},
        {"uptime", a.uptimePercent(now)}}},
      {"total_executions", all.executions},
      {"success_rate", orNull(all.successRate())},
      {"avg_latency", orNull(all.averageDurationMs())},
      {"savings_estimate", static_cast<double>(all.stepsCompleted) * a.settings.minutesSavedPerStep},
      {"savings_rule",
       {{"minutes_saved_per_completed_step", a.settings.minutesSavedPerStep}, {"steps_completed", all.stepsCompleted}}},
      {"organization_id", scope.organizationId},
      {"date", dateOf(now)},
      {"generated_at", orch::rfc3339Millis(now)},
  });
}

std::int64_t positiveQuery(const orch::Request& request, const char* name, std::int64_t fallback, std::int64_t maximum) {
  auto text = request.query(name);
  if (!text || text->empty()) return fallback;
  char* end = nullptr;
  auto value = std::strtoll(text->c_str(), &end, 10);
  if (*end != '\0' || value < 1 || value > maximum)
    throw orch::HttpError::validation(name, "A whole number from 1 to " + std::to_string(maximum));
  return value;
}

void workflowMetrics(Analytics& a, orch::Request& request, orch::Response& response) {
  auto scope = Scope::of(request);
  auto workflowId = request.param("id");
  auto workflow = overview(a, scope, workflowId)["workflow"];
  auto days = positiveQuery(request, "days", 30, a.settings.maxSeriesPoints);
  ExecutionFilter filter{workflowId};
  auto all = a.figures.executionTotals(scope, "m", 0, kForever, filter);
  auto bins = a.figures.durationTotals(scope, "m", 0, kForever, filter);
  auto now = orch::nowMs();
  auto first = bucketStart(Interval::Day, now) - (days - 1) * kDayMs;
  auto series = a.figures.executions(scope, "d", first, first + days * kDayMs, filter);
  json daily = json::array();
  for (auto bucket = first; bucket < first + days * kDayMs; bucket += kDayMs) {
    auto found = series.find(bucket);
    auto figures = found == series.end() ? ExecutionTotals{} : found->second;
    daily.push_back({{"date", dateOf(bucket)},
                     {"executions", figures.executions},
                     {"completed", figures.completed},
                     {"failed", figures.failed},
                     {"cancelled", figures.cancelled},
                     {"average_duration_ms", orNull(figures.averageDurationMs())},
                     {"tokens", figures.tokens},
                     {"cost", usd(figures.costNanos)}});
  }
  response.json({{"workflow_id", workflowId},
                 {"name", workflow["name"]},
                 {"executions",
                  {{"total", all.executions},
                   {"completed", all.completed},
                   {"failed", all.failed},
                   {"cancelled", all.cancelled},
                   {"by_status", {{"completed", all.completed}, {"failed", all.failed}, {"cancelled", all.cancelled}}}}},
                 {"success_rate", orNull(all.successRate())},
                 {"duration_ms",
                  {{"average", orNull(all.averageDurationMs())},
                   {"p50", orNull(percentile(bins, 0.50))},
                   {"p95", orNull(percentile(bins, 0.95))},
                   {"p99", orNull(percentile(bins, 0.99))}}},
                 {"tokens", all.tokens},
                 {"cost", usd(all.costNanos)},
                 {"steps", a.figures.steps(scope, workflowId, 0, kForever)},
                 {"daily", daily}});
}

void costs(Analytics& a, orch::Request& request, orch::Response& response) {
  auto scope = Scope::of(request);
  auto now = orch::nowMs();
  auto month = monthStart(now), next = nextMonthStart(now);
  auto series = a.figures.calls(scope, "d", month, next);
  auto spent = total(series);
  auto budgetAnswer = a.plugin.callServiceIfServed(
      feeds::kAiLedger, feeds::kBudget, {{"user_id", scope.tenant.userId}, {"organization_id", scope.organizationId}});
  json budget = budgetAnswer ? budgetAnswer->value("budget_usd", json()) : json();
  auto daysInMonth = (next - month) / kDayMs;
  // Days so far, to the hour (an hour at least): spend on the 1st at 01:00 is
  // an hour's, not a day's.
  auto daysSoFar = rounded(static_cast<double>(std::max(now - month, kHourMs)) / static_cast<double>(kDayMs), 4);
  json breakdown = json::object(), models = json::array();
  for (const auto& [model, totals] : a.figures.callsByModel(scope, month, next)) {
    breakdown[model.first] = breakdown.value(model.first, 0.0) + usd(totals.costNanos);
    models.push_back({{"model", model.first},
                      {"provider", model.second},
                      {"cost", usd(totals.costNanos)},
                      {"requests", totals.requests},
                      {"tokens", totals.tokens()}});
  }
  json daily = json::array();
  for (auto bucket = month; bucket <= bucketStart(Interval::Day, now); bucket += kDayMs) {
    auto found = series.find(bucket);
    auto figures = found == series.end() ? CallTotals{} : found->second;
    daily.push_back(
        {{"date", dateOf(bucket)}, {"cost", usd(figures.costNanos)}, {"requests", figures.requests}, {"tokens", figures.tokens()}});
  }
  double spentUsd = usd(spent.costNanos);
  bool budgeted = budget.is_number() && budget.get<double>() > 0;
  response.json({{"current_month",
                  {{"month", dateOf(month).substr(0, 7)},
                   {"total_spent", spentUsd},
                   {"budget_limit", budget},
                   {"budget_used_percentage", budgeted ? json(rounded(spentUsd / budget.get<double>() * 100, 2)) : json(nullptr)},
                   {"projected_monthly_cost", rounded(spentUsd / daysSoFar * static_cast<double>(daysInMonth), 2)},
                   {"days_elapsed", daysSoFar},
                   {"days_in_month", daysInMonth},
                   {"requests", spent.requests},
                   {"tokens", spent.tokens()}}},
                 {"cost_breakdown", breakdown},
                 {"models", models},
                 {"daily_usage", daily},
                 {"organization_id", scope.organizationId}});
}

std::int64_t timeQuery(const orch::Request& request, const char* name, std::int64_t fallback) {
  auto text = request.query(name);
  if (!text || text->empty()) return fallback;
  auto ms = orch::parseRfc3339(*text);
  if (!ms) throw orch::HttpError::validation(name, "An RFC 3339 date-time, such as 2026-12-01T00:00:00Z");
  return *ms;
}

const std::vector<std::string> kMetricTypes = {"execution_count", "error_rate", "latency_p95", "cost",
                                               "tokens",          "ai_requests", "agent_runs"};

void metrics(Analytics& a, orch::Request& request, orch::Response& response) {
  auto type = request.query("type").value_or("execution_count");
  if (std::find(kMetricTypes.begin(), kMetricTypes.end(), type) == kMetricTypes.end())
    throw orch::HttpError::validation("type", "Must be one of execution_count, error_rate, latency_p95, cost, tokens, "
                                              "ai_requests, agent_runs");
  auto intervalName = request.query("interval").value_or("1h");
  auto interval = intervalNamed(intervalName);
  if (!interval) throw orch::HttpError::validation("interval", "Must be 1h, 1d or 1w");
  auto step = lengthOf(*interval);
  auto now = orch::nowMs();
  auto to = timeQuery(request, "to", now);
  auto from = timeQuery(request, "from", to - 24 * step);
  if (from > to) throw orch::HttpError::validation("from", "Must not be after `to`");
  auto first = bucketStart(*interval, from);
  auto points = (to - first) / step + 1;
  if (points > a.settings.maxSeriesPoints)
    throw orch::HttpError::validation("from", "At most " + std::to_string(a.settings.maxSeriesPoints) + " points of " +
                                                  intervalName + "; narrow from and to or take a longer interval");
  auto end = first + points * step;
  auto scope = Scope::of(request);
  ExecutionFilter filter;
  if (auto workflow = request.query("workflow_id")) filter.workflowId = *workflow;
  filter.agentsOnly = type == "agent_runs";
  // Hours come from hourly rows; days and weeks from daily ones, added up.
  const char* grain = *interval == Interval::Hour ? "h" : "d";
  auto bucketOf = [&](std::int64_t rowBucket) { return bucketStart(*interval, rowBucket); };

  std::map<std::int64_t, json> values;
  if (type == "cost" || type == "tokens" || type == "ai_requests") {
    std::map<std::int64_t, CallTotals> merged;
    for (const auto& [bucket, figures] : a.figures.calls(scope, grain, first, end)) merged[bucketOf(bucket)] += figures;
    for (const auto& [bucket, figures] : merged)
      values[bucket] = type == "cost" ? json(usd(figures.costNanos))
                       : type == "tokens" ? json(figures.tokens())
                                          : json(figures.requests);
  } else if (type == "latency_p95") {
    std::map<std::int64_t, std::map<std::int64_t, std::vector<std::int64_t>>> merged;
    for (auto& [bucket, bins] : a.figures.durations(scope, grain, first, end, filter)) merged[bucketOf(bucket)][bucket] = bins;
    for (const auto& [bucket, rows] : merged) values[bucket] = orNull(percentile(total(rows), 0.95));
  } else {
    std::map<std::int64_t, ExecutionTotals> merged;
    for (const auto& [bucket, figures] : a.figures.executions(scope, grain, first, end, filter)) merged[bucketOf(bucket)] += figures;
    for (const auto& [bucket, figures] : merged)
      values[bucket] = type == "error_rate" ? orNull(figures.errorRate()) : json(figures.executions);
  }
  // Empty buckets are there: 0 for a count, null for a rate or a percentile.
  bool ratio = type == "error_rate" || type == "latency_p95";
  json data = json::array();
  for (auto bucket = first; bucket < end; bucket += step) {
    auto found = values.find(bucket);
    data.push_back({{"timestamp", orch::rfc3339(bucket / 1000)},
                    {"value", found != values.end() ? found->second : ratio ? json(nullptr) : json(0)}});
  }
  response.json({{"type", type},
                 {"interval", intervalName},
                 {"from", orch::rfc3339(first / 1000)},
                 {"to", orch::rfc3339(end / 1000)},
                 {"unit", type == "cost" ? "usd" : type == "latency_p95" ? "ms" : type == "error_rate" ? "ratio" : "count"},
                 {"workflow_id", filter.workflowId.empty() ? json(nullptr) : json(filter.workflowId)},
                 {"data", data}});
}

std::string csvField(const json& value) {
  if (value.is_null()) return "";
  if (!value.is_string()) return value.dump();
  auto text = value.get<std::string>();
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void exportFigures(Analytics& a, orch::Request& request, orch::Response& response) {
  auto format = request.query("format").value_or("json");
  if (format != "json" && format != "csv") throw orch::HttpError::validation("format", "Must be csv or json");
  auto now = orch::nowMs();
  auto to = timeQuery(request, "to", now);
  auto from = timeQuery(request, "from", to - 29 * kDayMs);
  if (from > to) throw orch::HttpError::validation("from", "Must not be after `to`");
  auto first = bucketStart(Interval::Day, from), end = bucketStart(Interval::Day, to) + kDayMs;
  auto rows = a.figures.exportRows(Scope::of(request), first, end);
  auto name = "analytics-" + dateOf(first) + "-" + dateOf(end - kDayMs);
  if (format == "json") {
    response.header("Content-Disposition", "attachment; filename=\"" + name + ".json\"");
    response.json({{"from", dateOf(first)}, {"to", dateOf(end - kDayMs)}, {"rows", rows}, {"total", rows.size()}});
    return;
  }
  static const char* const kColumns[] = {"kind",     "date",   "workflow_id",         "model",    "executions", "completed",
                                         "failed",   "cancelled", "average_duration_ms", "requests", "tokens",     "cost"};
  std::ostringstream csv;
  for (std::size_t i = 0; i < std::size(kColumns); ++i) csv << (i ? "," : "") << kColumns[i];
  csv << "\r\n";
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < std::size(kColumns); ++i) csv << (i ? "," : "") << csvField(row[kColumns[i]]);
    csv << "\r\n";
  }
  response.header("Content-Type", "text/csv; charset=utf-8");
  response.header("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
  response.write(csv.str());
}

template <typename Handler>
auto bound(Analytics& a, Handler handler) {
  return [&a, handler](orch::Request& request, orch::Response& response) { handler(a, request, response); };
}

} // namespace

double Analytics::uptimePercent(std::int64_t nowMs) const {
  constexpr std::int64_t kMinuteMs = 60000;
  auto thisMinute = nowMs / kMinuteMs * kMinuteMs;
  auto windowStart = thisMinute - settings.uptimeWindowHours * kHourMs + kMinuteMs;
  auto row = plugin.db().queryOne(
      "SELECT COUNT(*) AS up, (SELECT MIN(minute_ms) FROM an_uptime) AS first FROM an_uptime WHERE minute_ms >= ? AND minute_ms < ?",
      {windowStart, thisMinute});
  // This minute is up: this host is answering.
  auto up = orch::integerColumn((*row)["up"]) + 1;
  auto start = (*row)["first"].is_null() ? thisMinute : std::max(windowStart, orch::integerColumn((*row)["first"]));
  auto minutes = (thisMinute - start) / kMinuteMs + 1;
  return rounded(std::min(100.0, 100.0 * static_cast<double>(up) / static_cast<double>(minutes)), 2);
}

void Analytics::markUp(std::int64_t nowMs) const {
  plugin.db().execute("INSERT INTO an_uptime (minute_ms) VALUES (?) ON CONFLICT (minute_ms) DO NOTHING",
                      {nowMs / 60000 * 60000});
}

json Analytics::summary(const json& principal) const {
  Scope scope{orch::Tenant::ofPrincipal(principal), nullptr, principal};
  auto now = orch::nowMs();
  auto all = figures.executionTotals(scope, "m", 0, kForever);
  auto hour = bucketStart(Interval::Hour, now);
  auto thisHour = figures.executionTotals(scope, "h", hour, hour + kHourMs);
  auto calls = figures.callTotals(scope, "m", 0, kForever);
  return {{"workflows",
           {{"total_executions", all.executions},
            {"successful_executions", all.completed},
            {"failed_executions", all.failed},
            {"average_execution_time", orNull(all.averageDurationMs())},
            {"executions_last_hour", thisHour.executions}}},
          {"ai_usage",
           {{"total_requests", calls.requests},
            {"total_cost", usd(calls.costNanos)},
            {"tokens_used", calls.tokens()},
            {"average_cost_per_request", calls.requests ? json(usd(calls.costNanos) / static_cast<double>(calls.requests)) : json(nullptr)}}}};
}

namespace {

/// An OpenAPI query parameter.
json query(const char* name, const char* description, json schema) {
  return {{"name", name}, {"in", "query"}, {"required", false}, {"description", description}, {"schema", std::move(schema)}};
}

/// What every analytics route takes: organization_id.
json parameters(std::initializer_list<json> more) {
  json list = json::array({query("organization_id", "One of the caller's organizations: its work only", {{"type", "string"}})});
  for (const auto& parameter : more) list.push_back(parameter);
  return {{"parameters", list}};
}

} // namespace

void registerRoutes(Analytics& a) {
  orch::RouteOptions read{.permission = "analytics:read"};
  auto with = [&read](const char* summary, json openapi = parameters({})) {
    auto options = read;
    options.summary = summary;
    options.openapi = std::move(openapi);
    return options;
  };
  const json dateTime = {{"type", "string"}, {"format", "date-time"}};
  a.plugin.route("GET", "/analytics/dashboard", bound(a, dashboard),
                 with("Seed 000's overview, usage and performance figures and seed 002's totals, from the rollups"));
  a.plugin.route("GET", "/analytics/workflows/{id}/metrics", bound(a, workflowMetrics),
                 with("A workflow's executions by status, duration percentiles, steps, tokens, cost and daily series",
                      parameters({{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}},
                                  query("days", "Days of the daily series, today's included (default 30)",
                                        {{"type", "integer"}, {"minimum", 1}})})));
  a.plugin.route("GET", "/analytics/costs", bound(a, costs),
                 with("This month's AI spend against the budget, its projection, the cost by model and by day"));
  json types = json::array();
  for (const auto& type : kMetricTypes) types.push_back(type);
  a.plugin.route("GET", "/analytics/metrics", bound(a, metrics),
                 with("A series of execution_count, error_rate, latency_p95, cost, tokens, ai_requests or agent_runs",
                      parameters({query("type", "What is counted (default execution_count)", {{"type", "string"}, {"enum", types}}),
                                  query("interval", "The buckets (default 1h; 1w from Monday)",
                                        {{"type", "string"}, {"enum", {"1h", "1d", "1w"}}}),
                                  query("from", "The first bucket's time (default 24 intervals before `to`)", dateTime),
                                  query("to", "The last bucket's time (default now)", dateTime),
                                  query("workflow_id", "One workflow's executions only", {{"type", "string"}})})));
  auto exportOptions = with("The daily figures per workflow and per model, as CSV or JSON",
                            parameters({query("format", "csv or json (default)", {{"type", "string"}, {"enum", {"csv", "json"}}}),
                                        query("from", "The first day (default 29 days before `to`)", dateTime),
                                        query("to", "The last day (default today)", dateTime)}));
  exportOptions.category = "analytics_export";
  a.plugin.route("GET", "/analytics/export", bound(a, exportFigures), exportOptions);
}

} // namespace analytics
