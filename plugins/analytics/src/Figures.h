#pragma once

#include <orchestrator/http.hpp>
#include <orchestrator/tenancy.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace analytics {

/// Whose figures a request sees: its tenant's (an admin's: everyone's), or
/// one of its organizations' when it names `organization_id`.
struct Scope {
  orch::Tenant tenant;
  orch::json organizationId; ///< null: everything the tenant sees
  orch::json principal;

  static Scope of(const orch::Request& request);
  std::string where(const char* ownerColumn, orch::json& params) const {
    return tenant.filterWithin(ownerColumn, "organization_id", organizationId, params);
  }
};

/// Sums of an_executions rows.
struct ExecutionTotals {
  std::int64_t executions = 0, completed = 0, failed = 0, cancelled = 0, durationSumMs = 0, durations = 0,
               stepsCompleted = 0, tokens = 0, costNanos = 0;

  ExecutionTotals& operator+=(const ExecutionTotals& other);
  /// completed / executions; nullopt when none finished.
  std::optional<double> successRate() const;
  std::optional<double> errorRate() const;
  std::optional<double> averageDurationMs() const;
};

/// Sums of an_ai_calls rows.
struct CallTotals {
  std::int64_t requests = 0, failures = 0, promptTokens = 0, completionTokens = 0, costNanos = 0, latencySumMs = 0;

  CallTotals& operator+=(const CallTotals& other);
  std::int64_t tokens() const { return promptTokens + completionTokens; }
  std::optional<double> averageLatencyMs() const;
};

double usd(std::int64_t nanos);
/// A number, or null.
orch::json orNull(const std::optional<double>& value);
orch::json orNull(const std::optional<std::int64_t>& value);

/// Which executions a series counts.
struct ExecutionFilter {
  std::string workflowId; ///< empty: every workflow
  bool agentsOnly = false; ///< only executions of agents
};

/// What the routes read of the rollups: sums per bucket of the rows a scope
/// sees in [fromMs, toMs), on grain "h" (hours) or "d" (days). Every query
/// is on a rollup table's tenant index; none reads raw executions or calls.
class Figures {
public:
  explicit Figures(const orch::Database& db) : db_(db) {}

  /// The sums over the whole range at once (one row, not a row a bucket).
  ExecutionTotals executionTotals(const Scope& scope, const char* grain, std::int64_t fromMs, std::int64_t toMs,
                                  const ExecutionFilter& filter = {}) const;
  std::vector<std::int64_t> durationTotals(const Scope& scope, const char* grain, std::int64_t fromMs, std::int64_t toMs,
                                           const ExecutionFilter& filter = {}) const;
  CallTotals callTotals(const Scope& scope, const char* grain, std::int64_t fromMs, std::int64_t toMs) const;

  std::map<std::int64_t, ExecutionTotals> executions(const Scope& scope, const char* grain, std::int64_t fromMs,
                                                     std::int64_t toMs, const ExecutionFilter& filter = {}) const;
  /// Durations per latency bin (Buckets.h), per bucket.
  std::map<std::int64_t, std::vector<std::int64_t>> durations(const Scope& scope, const char* grain, std::int64_t fromMs,
                                                               std::int64_t toMs, const ExecutionFilter& filter = {}) const;
  std::map<std::int64_t, CallTotals> calls(const Scope& scope, const char* grain, std::int64_t fromMs, std::int64_t toMs) const;
  /// Calls per model ({model, provider} -> totals).
  std::map<std::pair<std::string, std::string>, CallTotals> callsByModel(const Scope& scope, std::int64_t fromMs,
                                                                          std::int64_t toMs) const;
  /// Each step of a workflow, in [fromMs, toMs): runs, failures, time, tokens, cost.
  orch::json steps(const Scope& scope, const std::string& workflowId, std::int64_t fromMs, std::int64_t toMs) const;
  /// Rows for an export: per day and workflow, and per day and model.
  orch::json exportRows(const Scope& scope, std::int64_t fromMs, std::int64_t toMs) const;

private:
  orch::json sums(const std::string& select, const std::string& table, const char* ownerColumn, const Scope& scope,
                  const char* grain, std::int64_t fromMs, std::int64_t toMs, const std::string& more, orch::json moreParams,
                  const std::string& groupBy) const;

  const orch::Database& db_;
};

/// Adds up a series into one.
template <typename Totals>
Totals total(const std::map<std::int64_t, Totals>& series) {
  Totals sum;
  for (const auto& [bucket, figures] : series) sum += figures;
  return sum;
}
std::vector<std::int64_t> total(const std::map<std::int64_t, std::vector<std::int64_t>>& series);

} // namespace analytics
