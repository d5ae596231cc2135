#include "engine/ExecutionStore.h"

namespace workflows {
namespace {

std::string setClause(const orch::json& columns, orch::json& params) {
  std::string clause;
  for (const auto& [column, value] : columns.items()) {
    clause += (clause.empty() ? "" : ", ") + column + " = ?";
    params.push_back(value);
  }
  return clause;
}

} // namespace

void ExecutionStore::insertExecution(const orch::json& columns, orch::Transaction& tx) const {
  db_.insert("wf_executions", columns, &tx);
}

void ExecutionStore::insertJob(const std::string& id, const std::string& kind, const std::string& executionId,
                               int priority, std::int64_t runAtMs, const std::string& leaseOwner,
                               std::int64_t leaseUntilMs, orch::Transaction& tx) const {
  db_.insert("wf_jobs",
             {{"id", id},
              {"kind", kind},
              {"execution_id", executionId},
              {"priority", priority},
              {"run_at_ms", runAtMs},
              {"lease_owner", leaseOwner.empty() ? orch::json() : orch::json(leaseOwner)},
              {"lease_until_ms", leaseOwner.empty() ? 0 : leaseUntilMs},
              {"attempts", 0}},
             &tx);
}

bool ExecutionStore::renewLease(const std::string& jobId, const std::string& owner, std::int64_t untilMs,
                                orch::Transaction& tx) const {
  return db_.execute("UPDATE wf_jobs SET lease_until_ms = ? WHERE id = ? AND lease_owner = ?", {untilMs, jobId, owner},
                     &tx) == 1;
}

void ExecutionStore::renew(const std::string& owner, std::int64_t untilMs, const std::vector<std::string>& jobIds,
                           orch::Transaction& tx) const {
  constexpr std::size_t kChunk = 500;
  for (std::size_t from = 0; from < jobIds.size(); from += kChunk) {
    orch::json params = {untilMs, owner};
    std::string marks;
    for (std::size_t i = from; i < std::min(jobIds.size(), from + kChunk); ++i) {
      marks += marks.empty() ? "?" : ", ?";
      params.push_back(jobIds[i]);
    }
    db_.execute("UPDATE wf_jobs SET lease_until_ms = ? WHERE lease_owner = ? AND id IN (" + marks + ")", params, &tx);
  }
}

std::vector<ExecutionStore::Job> ExecutionStore::claim(const std::string& owner, std::int64_t nowMs,
                                                       std::int64_t leaseUntilMs, int limit,
                                                       orch::Transaction& tx) const {
  // SQLite runs one writer at a time (BEGIN IMMEDIATE), so the plain
  // subquery is already exclusive there.
  const char* lock = db_.backend() == "postgresql" ? " FOR UPDATE SKIP LOCKED" : "";
  auto rows = db_.query(std::string("UPDATE wf_jobs SET lease_owner = ?, lease_until_ms = ?, attempts = attempts + 1 "
                                    "WHERE id IN (SELECT id FROM wf_jobs WHERE run_at_ms <= ? AND lease_until_ms < ? "
                                    "ORDER BY priority DESC, run_at_ms LIMIT ?") +
                            lock + ") RETURNING id, kind, execution_id, attempts",
                        {owner, leaseUntilMs, nowMs, nowMs, limit}, &tx);
  std::vector<Job> jobs;
  for (const auto& row : rows)
    jobs.push_back({row["id"].get<std::string>(), row["kind"].get<std::string>(), row["execution_id"].get<std::string>(),
                    row["attempts"].get<std::int64_t>()});
  return jobs;
}

bool ExecutionStore::release(const std::string& jobId, const std::string& owner, std::int64_t runAtMs,
                             orch::Transaction& tx, const std::optional<std::string>& error) const {
  orch::json params = {runAtMs};
  if (error) params.push_back(*error);
  params.push_back(jobId);
  params.push_back(owner);
  return db_.execute(std::string("UPDATE wf_jobs SET lease_owner = NULL, lease_until_ms = 0, run_at_ms = ?") +
                         (error ? ", last_error = ?" : "") + " WHERE id = ? AND lease_owner = ?",
                     params, &tx) == 1;
}

bool ExecutionStore::finishJob(const std::string& jobId, const std::string& owner, orch::Transaction& tx) const {
  return db_.execute("DELETE FROM wf_jobs WHERE id = ? AND lease_owner = ?", {jobId, owner}, &tx) == 1;
}

void ExecutionStore::deleteJob(const std::string& jobId, orch::Transaction& tx) const {
  db_.execute("DELETE FROM wf_jobs WHERE id = ?", {jobId}, &tx);
}

void ExecutionStore::wakeJob(const std::string& jobId, std::int64_t runAtMs, orch::Transaction& tx) const {
  db_.execute("UPDATE wf_jobs SET run_at_ms = ? WHERE id = ?", {runAtMs, jobId}, &tx);
}

void ExecutionStore::saveStep(const std::string& executionId, const std::string& stepId, const orch::json& columns,
                              orch::Transaction& tx) const {
  std::string names = "execution_id, step_id", marks = "?, ?", updates;
  orch::json values = orch::json::array({executionId, stepId});
  for (const auto& [column, value] : columns.items()) {
    names += ", " + column;
    marks += ", ?";
    values.push_back(value);
    updates += (updates.empty() ? "" : ", ") + column + " = excluded." + column;
  }
  db_.execute("INSERT INTO wf_execution_steps (" + names + ") VALUES (" + marks +
                  ") ON CONFLICT (execution_id, step_id, iteration) DO UPDATE SET " + updates,
              values, &tx);
}

std::optional<orch::json> ExecutionStore::step(const std::string& executionId, const std::string& stepId, int iteration,
                                               orch::Transaction* tx) const {
  return db_.queryOne("SELECT * FROM wf_execution_steps WHERE execution_id = ? AND step_id = ? AND iteration = ?",
                      {executionId, stepId, iteration}, tx);
}

std::optional<std::int64_t> ExecutionStore::earliestWake(const std::string& executionId, orch::Transaction& tx) const {
  auto row = db_.queryOne("SELECT MIN(wake_ms) AS wake FROM wf_execution_steps WHERE execution_id = ? AND status = 'waiting'",
                          {executionId}, &tx);
  if (!row || !(*row)["wake"].is_number()) return std::nullopt;
  return (*row)["wake"].get<std::int64_t>();
}

std::vector<std::string> ExecutionStore::activeChildren(const std::string& executionId) const {
  std::vector<std::string> ids;
  for (const auto& row : db_.query("SELECT id FROM wf_executions WHERE parent_execution_id = ? AND status IN "
                                   "('queued', 'scheduled', 'running')",
                                   {executionId}))
    ids.push_back(row["id"].get<std::string>());
  return ids;
}

bool ExecutionStore::updateExecution(const std::string& id, const orch::json& columns,
                                     const std::vector<std::string>& fromStatuses, orch::Transaction& tx) const {
  orch::json params = orch::json::array();
  auto sql = "UPDATE wf_executions SET " + setClause(columns, params) + " WHERE id = ?";
  params.push_back(id);
  if (!fromStatuses.empty()) {
    sql += " AND status IN (";
    for (std::size_t i = 0; i < fromStatuses.size(); ++i) {
      sql += i ? ", ?" : "?";
      params.push_back(fromStatuses[i]);
    }
    sql += ")";
  }
  return db_.execute(sql, params, &tx) == 1;
}

void ExecutionStore::clearUnfinishedSteps(const std::string& executionId, orch::Transaction& tx) const {
  // Kept as a pending row rather than deleted: the row says which pass of a
  // cycle the step is in, which its earlier, completed passes alone do not.
  db_.execute("UPDATE wf_execution_steps SET status = 'pending', attempts = 0, output = NULL, error = NULL, wake_ms = NULL "
              "WHERE execution_id = ? AND status NOT IN ('completed', 'skipped', 'pending')",
              {executionId}, &tx);
}

std::optional<orch::json> ExecutionStore::execution(const std::string& id, orch::Transaction* tx) const {
  return db_.queryOne("SELECT * FROM wf_executions WHERE id = ?", {id}, tx);
}

orch::json ExecutionStore::steps(const std::string& executionId, orch::Transaction* tx) const {
  return db_.query("SELECT * FROM wf_execution_steps WHERE execution_id = ? ORDER BY step_id, iteration", {executionId}, tx);
}

std::pair<orch::json, std::int64_t> ExecutionStore::list(const orch::Tenant& tenant, const Filter& filter,
                                                         const orch::Page& page) const {
  orch::json params = orch::json::array();
  std::string where = tenant.filter("owner_id", "organization_id", params);
  auto add = [&](const std::optional<std::string>& value, const char* clause) {
    if (!value) return;
    where += clause;
    params.push_back(*value);
  };
  add(filter.workflowId, " AND workflow_id = ?");
  add(filter.agentId, " AND agent_id = ?");
  add(filter.status, " AND status = ?");
  add(filter.startDate, " AND created_at >= ?");
  add(filter.endDate, " AND created_at <= ?");
  auto total = db_.queryOne("SELECT COUNT(*) AS n FROM wf_executions WHERE " + where, params)->at("n").get<std::int64_t>();
  params.push_back(page.limit);
  params.push_back(page.offset);
  auto rows = db_.query("SELECT * FROM wf_executions WHERE " + where + " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                        params);
  return {rows, total};
}

orch::json ExecutionStore::statsFor(const std::vector<std::string>& workflowIds) const {
  orch::json stats = orch::json::object();
  if (workflowIds.empty()) return stats;
  std::string marks;
  orch::json params = orch::json::array();
  for (const auto& id : workflowIds) {
    marks += marks.empty() ? "?" : ", ?";
    params.push_back(id);
  }
  for (const auto& row : db_.query(
           "SELECT workflow_id, COUNT(*) AS total, "
           "SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed, "
           "SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, "
           "CAST(AVG(CASE WHEN status = 'completed' THEN duration_ms END) AS DOUBLE PRECISION) AS average_ms, "
           "MAX(created_at) AS last_execution FROM wf_executions WHERE workflow_id IN (" + marks +
               ") GROUP BY workflow_id",
           params)) {
    auto total = row["total"].get<std::int64_t>();
    auto completed = row["completed"].is_null() ? 0 : row["completed"].get<std::int64_t>();
    auto failed = row["failed"].is_null() ? 0 : row["failed"].get<std::int64_t>();
    orch::json average = row["average_ms"].is_null() ? orch::json() : orch::json(row["average_ms"].get<double>() / 1000.0);
    stats[row["workflow_id"].get<std::string>()] = {
        {"total", total},
        {"total_executions", total},
        {"completed", completed},
        {"successful_executions", completed},
        {"failed", failed},
        {"failed_executions", failed},
        {"success_rate", total ? static_cast<double>(completed) / static_cast<double>(total) : 0.0},
        {"average_duration", average},
        {"last_execution", row["last_execution"]}};
  }
  return stats;
}

} // namespace workflows
