// Feeds: how a plugin that keeps figures (analytics) reads what other plugins
// committed without reading their tables. A feed is a service method that
// answers the rows whose time is at or after `since_ms`, ordered by (at_ms,
// id), one page at a time, each with a `version` that grows when the row is
// counted anew (an execution's attempt). Rows can commit a little after their
// own time (a batched writer, another host's clock), so a reader re-reads a
// window behind its cursor and keeps what it counted: a row counts once per
// version. Both sides use these types.
#pragma once

#include "../plugin.hpp"
#include "refusal.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace orch::services::feeds {

/// The service "workflows" (orchestrator/services/workflows.hpp) serves:
/// executions that finished (completed, failed, cancelled), by completed_at.
/// FeedRequest -> FeedPage of {id, version: attempt, at_ms}.
inline constexpr const char* kFinished = "finished";
/// {"ids": [...]} -> {"items": [{id, version, at_ms, workflow_id, agent_id,
/// owner_id, organization_id, status, duration_ms, steps: [{step_id, status,
/// attempts, duration_ms, tokens, cost_nanos}]}]}; `steps` are the step runs that ended
/// in this attempt (a retry reuses the earlier ones' outputs).
inline constexpr const char* kFinishedDetails = "finished_details";
/// {principal, organization_id, workflow_id?} -> {total_workflows,
/// active_executions, workflow: {id, name} (with workflow_id; a refusal 404
/// when the principal does not see it)}.
inline constexpr const char* kOverview = "overview";

/// {} -> {"at": the newest execution's creation time (RFC 3339), or null}.
inline constexpr const char* kLastExecution = "last_execution";

/// The service of the ai plugin's ledger.
inline constexpr const char* kAiLedger = "ai.ledger";
/// FeedRequest -> FeedPage of whole calls, by when their record was written
/// (at_ms): {id, version: 1, at_ms, created_ms (when the call began),
/// user_id, organization_id, model, provider, prompt_tokens,
/// completion_tokens, cost_nanos, latency_ms, status, execution_id}.
inline constexpr const char* kCalls = "calls";
/// {user_id, organization_id} -> {"budget_usd": the monthly budget that
/// applies (the organization's when one is given), or null}.
inline constexpr const char* kBudget = "budget";

using orch::services::refusal;
using orch::services::unlessRefused;

/// Pages are at most this long, whatever a reader asks.
inline constexpr std::int64_t kMaxPage = 2000;

/// Where a page starts: rows after (at_ms, id), or from since_ms.
struct FeedRequest {
  std::int64_t sinceMs = 0;
  std::optional<std::pair<std::int64_t, std::string>> after;
  std::int64_t limit = 500;

  json toJson() const {
    json out = {{"since_ms", sinceMs}, {"limit", limit}};
    if (after) out["after"] = {{"at_ms", after->first}, {"id", after->second}};
    return out;
  }
  static FeedRequest fromJson(const json& message) {
    FeedRequest request;
    request.sinceMs = message.value("since_ms", std::int64_t{0});
    request.limit = std::clamp(message.value("limit", std::int64_t{500}), std::int64_t{1}, kMaxPage);
    if (auto after = message.find("after"); after != message.end() && after->is_object())
      request.after = std::make_pair(after->value("at_ms", std::int64_t{0}), after->value("id", std::string()));
    return request;
  }
  /// The condition on a feed's (time, id) columns, its parameters appended.
  /// `time` compares with what `toTime` makes of epoch milliseconds (a
  /// number column takes them as they are, an RFC 3339 one as text).
  template <typename ToTime>
  std::string where(const std::string& time, const std::string& id, json& params, ToTime toTime) const {
    if (!after) {
      params.push_back(toTime(sinceMs));
      return time + " >= ?";
    }
    // The first condition alone is a range of the (time, id) index; the
    // OR after it only drops the rows of that time already read.
    params.push_back(toTime(after->first));
    params.push_back(toTime(after->first));
    params.push_back(after->second);
    return "(" + time + " >= ? AND (" + time + " > ? OR " + id + " > ?))";
  }
};

/// A page of a feed: `more` when rows after the last one may follow.
inline json page(json items, std::int64_t limit) {
  bool more = static_cast<std::int64_t>(items.size()) >= limit;
  return {{"items", std::move(items)}, {"more", more}};
}

} // namespace orch::services::feeds
