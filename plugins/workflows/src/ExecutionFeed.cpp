#include "ExecutionFeed.h"

#include <orchestrator/services/feeds.hpp>
#include <orchestrator/tenancy.hpp>
#include <orchestrator/time.hpp>

#include <cmath>

namespace workflows {
namespace {

namespace feeds = orch::services::feeds;

std::int64_t msOf(const orch::json& text) {
  if (!text.is_string()) return 0;
  return orch::parseRfc3339(text.get<std::string>()).value_or(0);
}

/// Finished executions by completed_at (index wf_executions_finished), ids
/// and attempts only: a reader re-reads its window and skips what it counted.
orch::json finished(const orch::Database& db, const orch::json& message) {
  auto request = feeds::FeedRequest::fromJson(message);
  orch::json params = orch::json::array();
  auto where = request.where("completed_at", "id", params, [](std::int64_t ms) { return orch::rfc3339Millis(ms); });
  params.push_back(request.limit);
  orch::json items = orch::json::array();
  for (auto& row : db.query("SELECT id, attempt, completed_at FROM wf_executions WHERE completed_at IS NOT NULL AND " +
                                where + " ORDER BY completed_at, id LIMIT ?",
                            params))
    items.push_back({{"id", row["id"]}, {"version", row["attempt"]}, {"at_ms", msOf(row["completed_at"])}});
  return feeds::page(std::move(items), request.limit);
}

orch::json finishedDetails(const orch::Database& db, const orch::json& message) {
  orch::json ids = orch::json::array();
  std::string marks;
  for (const auto& id : message.value("ids", orch::json::array()))
    if (id.is_string() && ids.size() < static_cast<std::size_t>(feeds::kMaxPage)) {
      ids.push_back(id);
      marks += marks.empty() ? "?" : ", ?";
    }
  orch::json items = orch::json::array();
  if (ids.empty()) return {{"items", items}};
  std::map<std::string, orch::json> byId;
  for (auto& row : db.query("SELECT id, attempt, workflow_id, agent_id, owner_id, organization_id, status, duration_ms, "
                            "started_ms, completed_at FROM wf_executions WHERE completed_at IS NOT NULL AND id IN (" +
                                marks + ")",
                            ids)) {
    auto id = row["id"].get<std::string>();
    byId[id] = {{"id", id},
                {"version", row["attempt"]},
                {"at_ms", msOf(row["completed_at"])},
                {"workflow_id", row["workflow_id"]},
                {"agent_id", row["agent_id"]},
                {"owner_id", row["owner_id"]},
                {"organization_id", row["organization_id"]},
                {"status", row["status"]},
                {"duration_ms", row["duration_ms"]},
                {"started_ms", row["started_ms"]},
                {"steps", orch::json::array()}};
  }
  // The step runs of this attempt: those that ended since it started.
  for (auto& step : db.query("SELECT execution_id, step_id, status, attempts, tokens_used, cost, started_at, completed_at "
                             "FROM wf_execution_steps WHERE completed_at IS NOT NULL AND execution_id IN (" +
                                 marks + ")",
                             ids)) {
    auto found = byId.find(step["execution_id"].get<std::string>());
    if (found == byId.end()) continue;
    auto& execution = found->second;
    auto ended = msOf(step["completed_at"]);
    auto started = step["started_at"].is_string() ? msOf(step["started_at"]) : ended;
    // An attempt that never started (cancelled while queued) ran no step.
    if (!execution["started_ms"].is_number() || ended < execution["started_ms"].get<std::int64_t>()) continue;
    double cost = step["cost"].is_number() ? step["cost"].get<double>() : 0.0;
    execution["steps"].push_back({{"step_id", step["step_id"]},
                                  {"status", step["status"]},
                                  {"attempts", step["attempts"]},
                                  {"duration_ms", std::max<std::int64_t>(0, ended - started)},
                                  {"tokens", step["tokens_used"].is_number() ? step["tokens_used"].get<std::int64_t>() : 0},
                                  {"cost_nanos", std::llround(cost * 1e9)}});
  }
  for (auto& [id, item] : byId) {
    item.erase("started_ms");
    items.push_back(std::move(item));
  }
  return {{"items", items}};
}

/// The tenant's workflows and executions under way, for a dashboard (two
/// indexed counts), and the workflow a dashboard of one is about.
orch::json overview(const orch::Database& db, const orch::json& message) {
  auto tenant = orch::Tenant::ofPrincipal(message.value("principal", orch::json()));
  auto organization = message.value("organization_id", orch::json());
  orch::json answer;
  if (auto workflowId = message.find("workflow_id"); workflowId != message.end() && workflowId->is_string()) {
    auto row = db.queryOne("SELECT id, name, owner_id, organization_id FROM wf_workflows WHERE id = ? AND deleted_at IS NULL",
                           *workflowId);
    if (!row || !tenant.canSee((*row)["owner_id"].get<std::string>(), (*row)["organization_id"]) ||
        (organization.is_string() && (*row)["organization_id"] != organization))
      return feeds::refusal(orch::HttpError::notFound("Workflow not found"));
    answer["workflow"] = {{"id", (*row)["id"]}, {"name", (*row)["name"]}};
  }
  orch::json params = orch::json::array();
  auto visible = tenant.filterWithin("owner_id", "organization_id", organization, params);
  answer["total_workflows"] =
      db.query("SELECT COUNT(*) AS n FROM wf_workflows WHERE deleted_at IS NULL AND " + visible, params)[0]["n"];
  answer["active_executions"] =
      db.query("SELECT COUNT(*) AS n FROM wf_executions WHERE status IN ('queued', 'scheduled', 'running') AND " + visible,
               params)[0]["n"];
  return answer;
}

} // namespace

orch::json serveExecutionFeed(const orch::Database& db, const std::string& method, const orch::json& message) {
  if (method == feeds::kFinished) return finished(db, message);
  if (method == feeds::kFinishedDetails) return finishedDetails(db, message);
  if (method == feeds::kOverview) return overview(db, message);
  if (method == feeds::kLastExecution) {
    auto row = db.queryOne("SELECT MAX(created_at) AS at FROM wf_executions");
    return {{"at", row ? (*row)["at"] : orch::json()}};
  }
  return nullptr;
}

} // namespace workflows
