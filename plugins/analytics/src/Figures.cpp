#include "Figures.h"

#include "Buckets.h"

#include <orchestrator/database.hpp>

namespace analytics {
namespace {

std::int64_t at(const orch::json& row, const char* column) { return orch::integerColumn(row[column]); }

std::optional<double> ratio(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

constexpr const char* kExecutionSums =
    "SUM(executions) AS executions, SUM(completed) AS completed, SUM(failed) AS failed, SUM(cancelled) AS cancelled, "
    "SUM(duration_sum_ms) AS duration_sum_ms, SUM(durations) AS durations, SUM(steps_completed) AS steps_completed, "
    "SUM(tokens) AS tokens, SUM(cost_nanos) AS cost_nanos";
constexpr const char* kCallSums =
    "SUM(requests) AS requests, SUM(failures) AS failures, SUM(prompt_tokens) AS prompt_tokens, "
    "SUM(completion_tokens) AS completion_tokens, SUM(cost_nanos) AS cost_nanos, SUM(latency_sum_ms) AS latency_sum_ms";

ExecutionTotals executionsOf(const orch::json& row) {
  return {at(row, "executions"), at(row, "completed"),       at(row, "failed"), at(row, "cancelled"), at(row, "duration_sum_ms"),
          at(row, "durations"),  at(row, "steps_completed"), at(row, "tokens"), at(row, "cost_nanos")};
}

CallTotals callsOf(const orch::json& row) {
  return {at(row, "requests"), at(row, "failures"), at(row, "prompt_tokens"), at(row, "completion_tokens"), at(row, "cost_nanos"),
          at(row, "latency_sum_ms")};
}

std::pair<std::string, orch::json> workflowFilter(const ExecutionFilter& filter) {
  std::string more;
  orch::json params = orch::json::array();
  if (!filter.workflowId.empty()) {
    more += " AND workflow_id = ?";
    params.push_back(filter.workflowId);
  }
  return {more, params};
}

} // namespace

Scope Scope::of(const orch::Request& request) {
  Scope scope{orch::Tenant::of(request), nullptr, request.principal()};
  if (auto organization = request.query("organization_id"); organization && !organization->empty())
    scope.organizationId = scope.tenant.organizationFrom({{"organization_id", *organization}});
  return scope;
}

ExecutionTotals& ExecutionTotals::operator+=(const ExecutionTotals& o) {
  executions += o.executions;
  completed += o.completed;
  failed += o.failed;
  cancelled += o.cancelled;
  durationSumMs += o.durationSumMs;
  durations += o.durations;
  stepsCompleted += o.stepsCompleted;
  tokens += o.tokens;
  costNanos += o.costNanos;
  return *this;
}

std::optional<double> ExecutionTotals::successRate() const { return ratio(completed, executions); }
std::optional<double> ExecutionTotals::errorRate() const { return ratio(failed, executions); }
std::optional<double> ExecutionTotals::averageDurationMs() const { return ratio(durationSumMs, durations); }

CallTotals& CallTotals::operator+=(const CallTotals& o) {
  requests += o.requests;
  failures += o.failures;
  promptTokens += o.promptTokens;
  completionTokens += o.completionTokens;
  costNanos += o.costNanos;
  latencySumMs += o.latencySumMs;
  return *this;
}

std::optional<double> CallTotals::averageLatencyMs() const { return ratio(latencySumMs, requests); }

double usd(std::int64_t nanos) { return static_cast<double>(nanos) / 1e9; }
orch::json orNull(const std::optional<double>& value) { return value ? orch::json(*value) : orch::json(nullptr); }
orch::json orNull(const std::optional<std::int64_t>& value) { return value ? orch::json(*value) : orch::json(nullptr); }

std::vector<std::int64_t> total(const std::map<std::int64_t, std::vector<std::int64_t>>& series) {
  std::vector<std::int64_t> sum(latencyBounds().size() + 1, 0);
  for (const auto& [bucket, bins] : series)
    for (std::size_t i = 0; i < bins.size() && i < sum.size(); ++i) sum[i] += bins[i];
  return sum;
}

orch::json Figures::sums(const std::string& select, const std::string& table, const char* ownerColumn, const Scope& scope,
                         const char* grain, std::int64_t fromMs, std::int64_t toMs, const std::string& more,
                         orch::json moreParams, const std::string& groupBy) const {
  orch::json params = orch::json::array({grain, fromMs, toMs});
  auto visible = scope.where(ownerColumn, params);
  for (auto& p : moreParams) params.push_back(std::move(p));
  return db_.query("SELECT " + select + " FROM " + table + " WHERE grain = ? AND bucket_ms >= ? AND bucket_ms < ? AND " +
                       visible + more + (groupBy.empty() ? "" : " GROUP BY " + groupBy),
                   params);
}

ExecutionTotals Figures::executionTotals(const Scope& scope, const char* grain, std::int64_t fromMs, std::int64_t toMs,
                                         const ExecutionFilter& filter) const {
  auto [more, params] = workflowFilter(filter);
  if (filter.agentsOnly) more += " AND agent_id <> ''";
  return executionsOf(sums(kExecutionSums, "an_executions", "owner_id", scope, grain, fromMs, toMs, more, params, "")[0]);
}

std::vector<std::int64_t> Figures::durationTotals(const Scope& scope, const char* grain, std::int64_t fromMs, std::int64_t toMs,
                                                  const ExecutionFilter& filter) const {
  auto [more, params] = workflowFilter(filter);
  std::vector<std::int64_t> bins(latencyBounds().size() + 1, 0);
  for (const auto& row : sums("bin, SUM(n) AS n", "an_durations", "owner_id", scope, grain, fromMs, toMs, more, params, "bin")) {
    auto bin = static_cast<std::size_t>(at(row, "bin"));
    if (bin < bins.size()) bins[bin] += at(row, "n");
  }
  return bins;
}

CallTotals Figures::callTotals(const Scope& scope, const char* grain, std::int64_t fromMs, std::int64_t toMs) const {
  return callsOf(sums(kCallSums, "an_ai_calls", "user_id", scope, grain, fromMs, toMs, "", orch::json::array(), "")[0]);
}

std::map<std::int64_t, ExecutionTotals> Figures::executions(const Scope& scope, const char* grain, std::int64_t fromMs,
                                                            std::int64_t toMs, const ExecutionFilter& filter) const {
  auto [more, params] = workflowFilter(filter);
  if (filter.agentsOnly) more += " AND agent_id <> ''";
  std::map<std::int64_t, ExecutionTotals> series;
  for (const auto& row : sums(std::string("bucket_ms, ") + kExecutionSums, "an_executions", "owner_id", scope, grain, fromMs,
                              toMs, more, params, "bucket_ms"))
    series[at(row, "bucket_ms")] = executionsOf(row);
  return series;
}

std::map<std::int64_t, std::vector<std::int64_t>> Figures::durations(const Scope& scope, const char* grain, std::int64_t fromMs,
                                                                      std::int64_t toMs, const ExecutionFilter& filter) const {
  auto [more, params] = workflowFilter(filter);
  std::map<std::int64_t, std::vector<std::int64_t>> series;
  for (const auto& row : sums("bucket_ms, bin, SUM(n) AS n", "an_durations", "owner_id", scope, grain, fromMs, toMs, more,
                              params, "bucket_ms, bin")) {
    auto& bins = series[at(row, "bucket_ms")];
    bins.resize(latencyBounds().size() + 1, 0);
    auto bin = static_cast<std::size_t>(at(row, "bin"));
    if (bin < bins.size()) bins[bin] += at(row, "n");
  }
  return series;
}

std::map<std::int64_t, CallTotals> Figures::calls(const Scope& scope, const char* grain, std::int64_t fromMs,
                                                  std::int64_t toMs) const {
  std::map<std::int64_t, CallTotals> series;
  for (const auto& row : sums(std::string("bucket_ms, ") + kCallSums, "an_ai_calls", "user_id", scope, grain, fromMs, toMs, "",
                              orch::json::array(), "bucket_ms"))
    series[at(row, "bucket_ms")] = callsOf(row);
  return series;
}

std::map<std::pair<std::string, std::string>, CallTotals> Figures::callsByModel(const Scope& scope, std::int64_t fromMs,
                                                                                 std::int64_t toMs) const {
  std::map<std::pair<std::string, std::string>, CallTotals> byModel;
  for (const auto& row : sums(std::string("model, provider, ") + kCallSums, "an_ai_calls", "user_id", scope, "d", fromMs, toMs,
                              "", orch::json::array(), "model, provider"))
    byModel[{row["model"].get<std::string>(), row["provider"].get<std::string>()}] = callsOf(row);
  return byModel;
}

orch::json Figures::steps(const Scope& scope, const std::string& workflowId, std::int64_t fromMs, std::int64_t toMs) const {
  orch::json params = orch::json::array({workflowId, fromMs, toMs});
  auto visible = scope.where("owner_id", params);
  orch::json steps = orch::json::array();
  for (const auto& row : db_.query("SELECT step_id, SUM(runs) AS runs, SUM(failures) AS failures, SUM(duration_sum_ms) AS "
                                   "duration_sum_ms, SUM(tokens) AS tokens, SUM(cost_nanos) AS cost_nanos FROM an_steps "
                                   "WHERE workflow_id = ? AND bucket_ms >= ? AND bucket_ms < ? AND " +
                                       visible + " GROUP BY step_id ORDER BY step_id",
                                   params)) {
    auto runs = at(row, "runs"), failures = at(row, "failures"), time = at(row, "duration_sum_ms");
    steps.push_back({{"step_id", row["step_id"]},
                     {"runs", runs},
                     {"failures", failures},
                     {"failure_rate", orNull(ratio(failures, runs))},
                     {"total_duration_ms", time},
                     {"average_duration_ms", orNull(ratio(time, runs))},
                     {"tokens", at(row, "tokens")},
                     {"cost", usd(at(row, "cost_nanos"))}});
  }
  return steps;
}

orch::json Figures::exportRows(const Scope& scope, std::int64_t fromMs, std::int64_t toMs) const {
  orch::json rows = orch::json::array();
  for (const auto& row : sums(std::string("bucket_ms, workflow_id, ") + kExecutionSums, "an_executions", "owner_id", scope, "d",
                              fromMs, toMs, "", orch::json::array(), "bucket_ms, workflow_id ORDER BY bucket_ms, workflow_id")) {
    auto totals = executionsOf(row);
    rows.push_back({{"kind", "executions"}, {"date", dateOf(at(row, "bucket_ms"))}, {"workflow_id", row["workflow_id"]},
                    {"model", nullptr}, {"executions", totals.executions}, {"completed", totals.completed},
                    {"failed", totals.failed}, {"cancelled", totals.cancelled},
                    {"average_duration_ms", orNull(totals.averageDurationMs())}, {"requests", nullptr},
                    {"tokens", totals.tokens}, {"cost", usd(totals.costNanos)}});
  }
  for (const auto& row : sums(std::string("bucket_ms, model, ") + kCallSums, "an_ai_calls", "user_id", scope, "d", fromMs, toMs,
                              "", orch::json::array(), "bucket_ms, model ORDER BY bucket_ms, model")) {
    auto totals = callsOf(row);
    rows.push_back({{"kind", "ai_calls"}, {"date", dateOf(at(row, "bucket_ms"))}, {"workflow_id", nullptr},
                    {"model", row["model"]}, {"executions", nullptr}, {"completed", nullptr}, {"failed", totals.failures},
                    {"cancelled", nullptr}, {"average_duration_ms", orNull(totals.averageLatencyMs())},
                    {"requests", totals.requests}, {"tokens", totals.tokens()}, {"cost", usd(totals.costNanos)}});
  }
  return rows;
}

} // namespace analytics
