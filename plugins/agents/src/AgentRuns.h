#pragma once

#include "AgentStore.h"

#include <mutex>
#include <optional>

namespace agents {

/// POST /execute (seed 003): runs agents' workflows on the durable engine,
/// all at once or one after another, as one run with its own id; and the
/// figures of every agent execution, whoever started it: when the engine
/// reports an execution of an agent ended, the agent's counters move (once
/// per execution), `agent_completed` goes out, and a run goes on or ends.
///
/// Events (realtime sends them as seed 003 shows them, on every endpoint):
/// `agent_run_started` {execution_id, agent_count, parallel} as
/// execution_started, `agent_completed`, and `agent_run_completed`
/// {execution_id, total_agents, successful, failed, success_rate} as
/// execution_completed. The run's own topics are not the engine's, so
/// workflow webhooks and the engine's listeners do not take them for a
/// workflow execution.
class AgentRuns {
public:
  AgentRuns(const orch::Plugin& plugin, AgentStore& store, const orch::Database& db)
      : plugin_(plugin), store_(store), db_(db) {}

  /// Starts a run from seed 003's body; answers {execution_id, status,
  /// started_at, agent_count, estimated_duration, agents[]}.
  orch::json start(const orch::Request& request);

  /// An engine event execution_completed/failed/cancelled (its payload).
  void executionEnded(const std::string& topic, const orch::json& event);

private:
  /// What starting one of a run's agents needs.
  struct Launch {
    std::string runId;
    orch::json principal, input;
    std::optional<std::int64_t> deadlineMs;
  };
  /// Starts `agent` (a row; nullopt or without workflow: it cannot start) as
  /// the run's part at `position`; a failure ends that part as failed.
  bool startAgent(const Launch& run, std::int64_t position, const std::optional<orch::json>& agent);
  /// Starts the part at `position` of a run one after another, read back from storage.
  void startNext(const std::string& runId, std::int64_t position);
  /// Records one agent's end in its run; starts the next (sequential) or ends the run.
  void agentEnded(const orch::json& runAgent, const std::string& status, const orch::json& durationMs);
  void finishRun(const std::string& runId);

  const orch::Plugin& plugin_;
  AgentStore& store_;
  const orch::Database& db_;
  /// Held while an execution starts and its id is recorded, so the report of
  /// its end (on this host: the engine runs what it started) finds the record.
  std::mutex starting_;
};

} // namespace agents
