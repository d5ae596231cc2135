#pragma once

#include <orchestrator/tenancy.hpp>

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace workflows {

/// The engine's rows: `wf_executions` (one per run of a workflow),
/// `wf_execution_steps` (one per step that reached an outcome) and `wf_jobs`
/// (the queue: what is due, and who holds the lease on it). The rows are the
/// truth; the engine's memory only caches them.
class ExecutionStore {
public:
  explicit ExecutionStore(const orch::Database& db) : db_(db) {}

  /// A claimed job.
  struct Job {
    std::string id, kind, executionId;
    std::int64_t attempts = 0;
  };

  static std::string runJobId(const std::string& executionId) { return "run:" + executionId; }
  static std::string notifyJobId(const std::string& executionId) { return "notify:" + executionId; }

  // ---- writes, inside a transaction (the engine's commit queue) ----

  void insertExecution(const orch::json& columns, orch::Transaction& tx) const;
  /// A job; `leaseOwner` empty leaves it for any host to claim when due.
  void insertJob(const std::string& id, const std::string& kind, const std::string& executionId, int priority,
                 std::int64_t runAtMs, const std::string& leaseOwner, std::int64_t leaseUntilMs,
                 orch::Transaction& tx) const;
  /// Extends the lease when `owner` still holds it; false when it was lost
  /// (expired and claimed elsewhere, or the job is gone: cancelled).
  bool renewLease(const std::string& jobId, const std::string& owner, std::int64_t untilMs, orch::Transaction& tx) const;
  /// Extends the leases `owner` holds on these jobs: only the ones it works
  /// on, so that a job it gave up on lapses and another host resumes it.
  void renew(const std::string& owner, std::int64_t untilMs, const std::vector<std::string>& jobIds,
             orch::Transaction& tx) const;
  /// Claims up to `limit` due jobs nobody holds (or whose lease expired),
  /// highest priority first. PostgreSQL skips rows another host is claiming.
  std::vector<Job> claim(const std::string& owner, std::int64_t nowMs, std::int64_t leaseUntilMs, int limit,
                         orch::Transaction& tx) const;
  /// Lets a held job go until `runAtMs` (a durable wait, a retry later),
  /// noting why when `error` is given.
  bool release(const std::string& jobId, const std::string& owner, std::int64_t runAtMs, orch::Transaction& tx,
               const std::optional<std::string>& error = std::nullopt) const;
  /// Deletes a held job; false when `owner` no longer held it.
  bool finishJob(const std::string& jobId, const std::string& owner, orch::Transaction& tx) const;
  void deleteJob(const std::string& jobId, orch::Transaction& tx) const;
  /// Makes a job due at `runAtMs` (its holder, if any, keeps the lease).
  void wakeJob(const std::string& jobId, std::int64_t runAtMs, orch::Transaction& tx) const;

  void saveStep(const std::string& executionId, const std::string& stepId, const orch::json& columns,
                orch::Transaction& tx) const;
  /// Moves an execution on from one of `fromStatuses`; false when it was elsewhere.
  bool updateExecution(const std::string& id, const orch::json& columns, const std::vector<std::string>& fromStatuses,
                       orch::Transaction& tx) const;
  /// Forgets the outcomes of steps that did not complete, for a retry.
  void clearUnfinishedSteps(const std::string& executionId, orch::Transaction& tx) const;

  // ---- reads ----

  std::optional<orch::json> execution(const std::string& id, orch::Transaction* tx = nullptr) const;
  orch::json steps(const std::string& executionId, orch::Transaction* tx = nullptr) const;
  /// One row of a step: its run number `iteration`.
  std::optional<orch::json> step(const std::string& executionId, const std::string& stepId, int iteration,
                                 orch::Transaction* tx = nullptr) const;
  /// The soonest wake_ms of the execution's waiting steps: a step woken
  /// (resumed, its child ended) while its run was being released.
  std::optional<std::int64_t> earliestWake(const std::string& executionId, orch::Transaction& tx) const;
  /// The executions steps of this one started and that have not ended.
  std::vector<std::string> activeChildren(const std::string& executionId) const;

  struct Filter {
    std::optional<std::string> workflowId, agentId, status, startDate, endDate;
  };
  std::pair<orch::json, std::int64_t> list(const orch::Tenant& tenant, const Filter& filter, const orch::Page& page) const;

  /// {"<workflow id>": {total, completed, failed, average_duration, last_execution}} for the given workflows.
  orch::json statsFor(const std::vector<std::string>& workflowIds) const;

private:
  const orch::Database& db_;
};

} // namespace workflows
