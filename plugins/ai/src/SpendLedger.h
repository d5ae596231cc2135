#pragma once

#include "ModelUsage.h"

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ai {

/// Who pays for a call: a user, and the organization it is made for (may be empty).
struct Payer {
  std::string userId, organizationId;
};

/// One provider call as it is kept: every attempt, failed ones too.
struct CallRecord {
  std::string id, userId, organizationId, model, provider;
  std::int64_t promptTokens = 0, completionTokens = 0;
  double costUsd = 0;
  std::int64_t latencyMs = 0;
  std::string status; ///< completed, failed, interrupted, client_disconnected
  std::string error;
  bool streamed = false;
  bool usageEstimated = false; ///< the provider reported no usage: tokens were counted
  std::string executionId, stepId, requestId;
  std::int64_t createdMs = 0; ///< Unix epoch, milliseconds: when the call began
  std::int64_t endedMs = 0;   ///< when its record was settled (the feed's order); 0: at settle
};

/// Spend and budgets. Money is kept in whole nano-dollars so that sums and
/// limits are exact. A call under a budget reserves its estimated cost with
/// one conditional UPDATE (row-locked, so concurrent calls on any number of
/// hosts can never pass the limit together) and settles it to the real cost;
/// a call under no budget touches the database only through a batched writer,
/// so it adds no latency.
class SpendLedger {
public:
  struct Defaults {
    double userMonthlyUsd = 0;         ///< ai.budgets.user_monthly_usd; 0: none
    double organizationMonthlyUsd = 0; ///< ai.budgets.organization_monthly_usd
  };

  /// What a call holds against budgets until it settles.
  struct Reservation {
    std::string id; ///< empty: nothing reserved (no budget applies)
    std::string month;
    std::int64_t nanos = 0;
    bool user = false, organization = false;
  };

  SpendLedger(const orch::Database& db, Defaults defaults) : db_(db), defaults_(defaults) {}

  /// Reserves `estimatedUsd` under every budget that applies to `payer`;
  /// throws HttpError 402 BUDGET_EXCEEDED naming the budget it would pass.
  Reservation reserve(const Payer& payer, double estimatedUsd);
  /// Replaces the reservation with the record's real cost and queues the record.
  void settle(const Reservation& reservation, const CallRecord& record);
  /// Writes the queued records and their spend; called by a timer and before reads.
  void flush();
  /// Frees reservations a crashed call left behind (older than `olderThanSeconds`).
  void releaseAbandoned(std::int64_t olderThanSeconds);

  /// The monthly budget of a scope ("user" or "organization"), if any.
  std::optional<double> budget(const std::string& scope, const std::string& id) const;
  /// Reads the budgets table again (another host may have changed it).
  void reloadBudgets();
  void setBudget(const std::string& scope, const std::string& id, double monthlyUsd, const std::string& by);
  bool removeBudget(const std::string& scope, const std::string& id);
  orch::json listBudgets() const;

  /// This month's spend, budget and remainder for the payer's user and organization.
  orch::json usage(const Payer& payer);
  /// Recorded calls, newest first: {"calls": [...], "total": N}.
  orch::json calls(const std::string& whereSql, const orch::json& params, std::int64_t limit, std::int64_t offset);

  /// What this host's calls used, by model, since it started.
  const ModelUsage& modelUsage() const { return modelUsage_; }

  /// Calls in the order they were made, whole, for the feed the analytics
  /// plugin reads (orchestrator/services/feeds.hpp, kCalls).
  orch::json feed(const orch::json& request);

  /// "2026-11", the month spend is counted in (UTC).
  static std::string currentMonth();
  static std::int64_t toNanos(double usd);
  static double toUsd(std::int64_t nanos) { return static_cast<double>(nanos) / 1e9; }

private:
  void writeBatch(const std::vector<std::pair<CallRecord, Reservation>>& batch);
  orch::json scopeUsage(const std::string& scope, const std::string& id, const std::string& month) const;

  const orch::Database& db_;
  Defaults defaults_;
  mutable std::mutex budgetsMutex_;
  std::map<std::pair<std::string, std::string>, double> budgets_;
  std::mutex queueMutex_;
  std::vector<std::pair<CallRecord, Reservation>> queue_;
  std::mutex flushMutex_;
  ModelUsage modelUsage_;
};

} // namespace ai
