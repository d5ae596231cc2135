#include "AgentStore.h"

#include <orchestrator/time.hpp>

#include <cmath>
#include <cstdio>

namespace agents {
namespace {

constexpr const char* kColumns =
    "id, owner_id, organization_id, owner_type, name, description, role, framework, agent_type, status, version, "
    "definition, resource_limits, metadata, workflow_id, node_count, container_id, deployed_at, total_executions, "
    "successful_executions, total_duration_ms, last_execution, created_by, created_at, updated_at";

orch::json parsed(const orch::json& text) {
  return text.is_string() ? orch::json::parse(text.get<std::string>(), nullptr, false) : orch::json();
}

/// "2.5s", "850ms": seed 004's metadata.execution_time.
std::string durationText(double ms) {
  char text[32];
  if (ms >= 1000) std::snprintf(text, sizeof text, "%.1fs", ms / 1000.0);
  else std::snprintf(text, sizeof text, "%.0fms", ms);
  return text;
}

} // namespace

orch::json AgentStore::create(orch::json columns) {
  auto now = orch::nowRfc3339();
  if (!columns.contains("id")) columns["id"] = orch::newId();
  columns["created_at"] = now;
  columns["updated_at"] = now;
  db_.insert("ag_agents", columns);
  return *db_.queryOne(std::string("SELECT ") + kColumns + " FROM ag_agents WHERE id = ?", {columns["id"]});
}

std::optional<orch::json> AgentStore::find(const std::string& id, const orch::Tenant& tenant) const {
  auto row = db_.queryOne(std::string("SELECT ") + kColumns + " FROM ag_agents WHERE id = ? AND deleted_at IS NULL", {id});
  if (!row || !tenant.canSee((*row)["owner_id"].get<std::string>(), (*row)["organization_id"])) return std::nullopt;
  return row;
}

std::optional<orch::json> AgentStore::findAny(const std::string& id) const {
  return db_.queryOne(std::string("SELECT ") + kColumns + " FROM ag_agents WHERE id = ? AND deleted_at IS NULL", {id});
}

std::pair<orch::json, std::int64_t> AgentStore::list(const orch::Tenant& tenant, const Filter& filter,
                                                     const orch::Page& page) const {
  orch::json params = orch::json::array();
  std::string where = "deleted_at IS NULL AND " + tenant.filter("owner_id", "organization_id", params);
  auto equal = [&](const char* column, const std::optional<std::string>& value) {
    if (!value) return;
    where += std::string(" AND ") + column + " = ?";
    params.push_back(*value);
  };
  equal("owner_type", filter.ownerType);
  equal("framework", filter.framework);
  equal("status", filter.status);
  if (filter.search) where += " AND " + orch::containsAny({"name", "description", "role"}, *filter.search, params);
  auto total = db_.queryOne("SELECT COUNT(*) AS n FROM ag_agents WHERE " + where, params)->at("n").get<std::int64_t>();
  params.push_back(page.limit);
  params.push_back(page.offset);
  auto rows = db_.query(std::string("SELECT ") + kColumns + " FROM ag_agents WHERE " + where +
                            " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                        params);
  return {std::move(rows), total};
}

orch::json AgentStore::active(const orch::Tenant& tenant) const {
  orch::json params = orch::json::array();
  auto where = "deleted_at IS NULL AND status = 'active' AND " + tenant.filter("owner_id", "organization_id", params);
  return db_.query(std::string("SELECT ") + kColumns + " FROM ag_agents WHERE " + where + " ORDER BY created_at, id",
                   params);
}

orch::json AgentStore::update(const std::string& id, const orch::json& changes) {
  std::string set = "updated_at = ?";
  orch::json params = {orch::nowRfc3339()};
  for (const auto& [column, value] : changes.items()) {
    set += ", " + column + " = ?";
    params.push_back(value);
  }
  params.push_back(id);
  db_.execute("UPDATE ag_agents SET " + set + " WHERE id = ?", params);
  return *db_.queryOne(std::string("SELECT ") + kColumns + " FROM ag_agents WHERE id = ?", {id});
}

bool AgentStore::remove(const std::string& id) {
  auto now = orch::nowRfc3339();
  return db_.execute("UPDATE ag_agents SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
                     {now, now, id}) == 1;
}

bool AgentStore::countExecution(const std::string& executionId, const std::string& agentId, bool succeeded,
                                std::int64_t durationMs, const std::string& endedAt) {
  return db_.transaction([&](orch::Transaction& tx) {
    // The key refuses a second report of the same execution (another host's, a replay).
    if (db_.execute("INSERT INTO ag_counted_executions (execution_id, agent_id, counted_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (execution_id) DO NOTHING",
                    {executionId, agentId, endedAt}, &tx) == 0)
      return false;
    db_.execute("UPDATE ag_agents SET total_executions = total_executions + 1, "
                "successful_executions = successful_executions + ?, total_duration_ms = total_duration_ms + ?, "
                "last_execution = ? WHERE id = ?",
                {succeeded ? 1 : 0, durationMs, endedAt, agentId}, &tx);
    return true;
  });
}

std::optional<double> AgentStore::averageDurationMs(const orch::json& row) {
  auto total = row.value("total_executions", std::int64_t{0});
  if (total <= 0) return std::nullopt;
  return static_cast<double>(row.value("total_duration_ms", std::int64_t{0})) / static_cast<double>(total);
}

orch::json AgentStore::view(const orch::json& row) {
  auto total = row["total_executions"].get<std::int64_t>();
  auto successful = row["successful_executions"].get<std::int64_t>();
  // A percentage with one decimal, as seed 003 shows it (94.5).
  double successRate = total > 0 ? std::round(1000.0 * static_cast<double>(successful) / static_cast<double>(total)) / 10.0 : 0.0;
  auto metadata = parsed(row["metadata"]);
  if (!metadata.is_object()) metadata = orch::json::object();
  metadata["node_count"] = row["node_count"];
  auto average = averageDurationMs(row);
  metadata["execution_time"] = average ? orch::json(durationText(*average)) : orch::json();
  metadata["average_duration_ms"] = average ? orch::json(*average) : orch::json();
  return {{"id", row["id"]},
          {"name", row["name"]},
          {"role", row["role"]},
          {"description", row["description"]},
          {"owner_type", row["owner_type"]},
          {"owner_id", row["owner_id"]},
          {"organization_id", row["organization_id"]},
          {"framework", row["framework"]},
          {"agent_type", row["agent_type"]},
          {"status", row["status"]},
          {"version", row["version"]},
          {"definition", parsed(row["definition"])},
          {"workflow_id", row["workflow_id"]},
          {"resource_limits", parsed(row["resource_limits"])},
          {"metadata", metadata},
          {"container_id", row["container_id"]},
          {"deployed_at", row["deployed_at"]},
          {"last_execution", row["last_execution"]},
          {"success_rate", successRate},
          {"total_executions", total},
          {"successful_executions", successful},
          {"created_by", row["created_by"]},
          {"created_at", row["created_at"]},
          {"updated_at", row["updated_at"]}};
}

} // namespace agents
