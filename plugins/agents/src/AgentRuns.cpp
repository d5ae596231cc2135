#include "AgentRuns.h"

#include "AgentEvents.h"

#include <orchestrator/fields.hpp>
#include <orchestrator/services/workflows.hpp>

#include <cmath>
#include <set>

namespace agents {
namespace {

namespace service = orch::services::workflows;

constexpr std::int64_t kMaxTimeoutSeconds = 7 * 24 * 3600;

/// The agents a run names: `agent_ids` as given (each one the caller sees,
/// once), or every active agent of the caller's.
orch::json chosenAgents(AgentStore& store, const orch::Tenant& tenant, const orch::json& body) {
  orch::json agents = orch::json::array();
  if (!body.contains("agent_ids") || body["agent_ids"].is_null()) {
    agents = store.active(tenant);
    if (agents.empty())
      throw orch::HttpError::validation("agent_ids", "You have no active agent; name agent_ids or set an agent's status to active");
  } else {
    auto ids = orch::stringList(body, "agent_ids", 64);
    if (ids.empty()) throw orch::HttpError::validation("agent_ids", "Name at least one agent, or leave agent_ids out for all active ones");
    std::set<std::string> seen;
    for (const auto& id : ids) {
      if (!seen.insert(id).second) continue;
      auto agent = store.find(id, tenant);
      if (!agent) throw orch::HttpError::notFound("Agent " + id + " not found");
      agents.push_back(*agent);
    }
  }
  for (std::size_t i = 0; i < agents.size(); ++i)
    if (!agents[i]["workflow_id"].is_string())
      throw orch::HttpError::validation("agent_ids[" + std::to_string(i) + "]",
                                        "Agent '" + agents[i]["name"].get<std::string>() +
                                            "' has no definition to run; PUT one first");
  return agents;
}

/// Seconds, from the agents' measured mean durations: the longest when they
/// run at once, the sum when one after another. Agents without history count 0.
double estimatedSeconds(const orch::json& agents, bool parallel) {
  double total = 0, longest = 0;
  for (const auto& agent : agents) {
    auto mean = AgentStore::averageDurationMs(agent).value_or(0.0);
    total += mean;
    longest = std::max(longest, mean);
  }
  return std::round((parallel ? longest : total) / 100.0) / 10.0;
}

} // namespace

orch::json AgentRuns::start(const orch::Request& request) {
  auto tenant = orch::Tenant::of(request);
  auto body = request.jsonObject();
  bool parallel = true;
  if (body.contains("parallel") && !body["parallel"].is_null()) {
    if (!body["parallel"].is_boolean()) throw orch::HttpError::validation("parallel", "Must be true or false");
    parallel = body["parallel"].get<bool>();
  }
  std::optional<std::int64_t> timeoutSeconds;
  if (body.contains("timeout_seconds") && !body["timeout_seconds"].is_null()) {
    const auto& t = body["timeout_seconds"];
    if (!t.is_number() || t.get<double>() <= 0 || t.get<double>() > kMaxTimeoutSeconds)
      throw orch::HttpError::validation("timeout_seconds", "Must be a number of seconds above 0 and at most 604800");
    timeoutSeconds = static_cast<std::int64_t>(std::ceil(t.get<double>()));
  }
  auto input = orch::optionalObject(body, "input");
  auto agents = chosenAgents(store_, tenant, body);

  // The run is its starter's; its organization's members see it only when every agent is that organization's.
  auto organization = agents[0]["organization_id"];
  for (const auto& agent : agents)
    if (agent["organization_id"] != organization) organization = nullptr;
  auto runId = orch::newId();
  auto startedMs = orch::nowMs();
  auto startedAt = orch::rfc3339Millis(startedMs);
  db_.transaction([&](orch::Transaction& tx) {
    db_.insert("ag_runs",
               {{"id", runId},
                {"owner_id", tenant.userId},
                {"organization_id", organization},
                {"principal", request.principal().dump()},
                {"parallel", parallel ? 1 : 0},
                {"deadline_ms", timeoutSeconds ? orch::json(startedMs + *timeoutSeconds * 1000) : orch::json()},
                {"agent_count", agents.size()},
                {"status", "running"},
                {"input", input.dump()},
                {"started_at", startedAt}},
               &tx);
    for (std::size_t i = 0; i < agents.size(); ++i)
      db_.insert("ag_run_agents",
                 {{"run_id", runId}, {"position", i}, {"agent_id", agents[i]["id"]}, {"agent_name", agents[i]["name"]},
                  {"status", "pending"}},
                 &tx);
  });
  plugin_.publish("agent_run_started", {{"execution_id", runId},
                                        {"agent_count", agents.size()},
                                        {"parallel", parallel},
                                        {"owner_id", tenant.userId},
                                        {"organization_id", organization},
                                        {"timestamp", startedAt}});
  Launch launch{runId, request.principal(), input, std::nullopt};
  if (timeoutSeconds) launch.deadlineMs = startedMs + *timeoutSeconds * 1000;
  for (std::size_t i = 0; i < (parallel ? agents.size() : 1); ++i)
    startAgent(launch, static_cast<std::int64_t>(i), agents[i]);

  orch::json listed = orch::json::array();
  for (const auto& agent : agents) listed.push_back({{"agent_id", agent["id"]}, {"agent_name", agent["name"]}});
  return {{"execution_id", runId},
          {"status", "started"},
          {"started_at", startedAt},
          {"agent_count", agents.size()},
          {"parallel", parallel},
          {"timeout_seconds", timeoutSeconds ? orch::json(*timeoutSeconds) : orch::json()},
          {"estimated_duration", estimatedSeconds(agents, parallel)},
          {"agents", listed}};
}

bool AgentRuns::startAgent(const Launch& run, std::int64_t position, const std::optional<orch::json>& agent) {
  orch::json part = {{"run_id", run.runId}, {"position", position}, {"agent_id", agent ? (*agent)["id"] : orch::json()},
                     {"agent_name", agent ? (*agent)["name"] : orch::json()}};
  std::string failure;
  {
    std::lock_guard lock(starting_);
    try {
      if (!agent || !(*agent)["workflow_id"].is_string()) throw std::runtime_error("the agent was deleted or lost its definition");
      service::ExecuteRequest execute;
      execute.principal = run.principal;
      execute.workflowId = (*agent)["workflow_id"].get<std::string>();
      execute.input = run.input;
      execute.metadata = {{"agent_id", (*agent)["id"]}, {"agent_name", (*agent)["name"]}, {"agent_run_id", run.runId}};
      if (run.deadlineMs) {
        auto left = *run.deadlineMs - orch::nowMs();
        if (left <= 0) throw std::runtime_error("the run's timeout_seconds passed before this agent's turn");
        execute.timeoutMs = left;
      }
      auto started = service::execute(plugin_, execute);
      db_.execute("UPDATE ag_run_agents SET execution_id = ?, status = 'running' WHERE run_id = ? AND position = ?",
                  {started.executionId, run.runId, position});
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  if (failure.empty()) return true;
  plugin_.logWarning("agents: run " + run.runId + " could not start its agent " + std::to_string(position) + ": " + failure);
  agentEnded(part, "failed", nullptr);
  return false;
}

void AgentRuns::startNext(const std::string& runId, std::int64_t position) {
  auto row = db_.queryOne("SELECT principal, deadline_ms, input FROM ag_runs WHERE id = ?", {runId});
  auto part = db_.queryOne("SELECT agent_id FROM ag_run_agents WHERE run_id = ? AND position = ?", {runId, position});
  if (!row || !part) return;
  Launch run{runId, orch::json::parse((*row)["principal"].get<std::string>()),
             orch::json::parse((*row)["input"].get<std::string>()), std::nullopt};
  if ((*row)["deadline_ms"].is_number()) run.deadlineMs = (*row)["deadline_ms"].get<std::int64_t>();
  auto agent = store_.find((*part)["agent_id"].get<std::string>(), orch::Tenant::ofPrincipal(run.principal));
  if (!agent) {
    // Deleted since the run began: its part fails under the name it had.
    agent = db_.queryOne("SELECT id, name, NULL AS workflow_id FROM ag_agents WHERE id = ?", {(*part)["agent_id"]});
  }
  startAgent(run, position, agent);
}

void AgentRuns::executionEnded(const std::string& topic, const orch::json& event) {
  if (!event.is_object() || !event.value("agent_id", orch::json()).is_string()) return;
  auto executionId = event.value("execution_id", std::string());
  auto agentId = event["agent_id"].get<std::string>();
  bool succeeded = topic == "execution_completed";
  auto durationMs = event.value("duration_ms", orch::json());
  auto endedAt = event.value("timestamp", orch::nowRfc3339());
  if (!store_.countExecution(executionId, agentId, succeeded,
                             durationMs.is_number() ? durationMs.get<std::int64_t>() : 0, endedAt))
    return; // counted before (a repeated report)

  std::optional<orch::json> part;
  {
    std::lock_guard lock(starting_); // its start has recorded the execution id
    part = db_.queryOne("SELECT run_id, position, agent_id, agent_name FROM ag_run_agents WHERE execution_id = ?",
                        {executionId});
  }
  auto agent = db_.queryOne("SELECT id, name, owner_id, organization_id FROM ag_agents WHERE id = ?", {agentId});
  if (agent)
    publishAgentEvent(plugin_, "agent_completed", *agent,
                      {{"execution_id", part ? (*part)["run_id"] : orch::json(executionId)},
                       {"workflow_execution_id", executionId},
                       {"status", succeeded ? "success" : "failed"},
                       {"duration_ms", durationMs},
                       {"result", event.value("output_data", orch::json())},
                       {"error_message", event.value("error", orch::json())}});
  if (part) agentEnded(*part, succeeded ? "success" : "failed", durationMs);
}

void AgentRuns::agentEnded(const orch::json& part, const std::string& status, const orch::json& durationMs) {
  auto runId = part["run_id"].get<std::string>();
  auto position = part["position"].get<std::int64_t>();
  bool moved = db_.transaction([&](orch::Transaction& tx) {
    if (db_.execute("UPDATE ag_run_agents SET status = ?, duration_ms = ? WHERE run_id = ? AND position = ? "
                    "AND status IN ('pending', 'running')",
                    {status, durationMs, runId, position}, &tx) == 0)
      return false;
    db_.execute(status == "success" ? "UPDATE ag_runs SET successful = successful + 1 WHERE id = ?"
                                    : "UPDATE ag_runs SET failed = failed + 1 WHERE id = ?",
                {runId}, &tx);
    return true;
  });
  if (!moved) return;
  auto run = db_.queryOne("SELECT parallel, agent_count, successful, failed FROM ag_runs WHERE id = ?", {runId});
  if (!run) return;
  auto done = (*run)["successful"].get<std::int64_t>() + (*run)["failed"].get<std::int64_t>();
  if (done >= (*run)["agent_count"].get<std::int64_t>()) return finishRun(runId);
  if ((*run)["parallel"].get<std::int64_t>() == 0) startNext(runId, position + 1);
}

void AgentRuns::finishRun(const std::string& runId) {
  auto now = orch::nowRfc3339();
  if (db_.execute("UPDATE ag_runs SET status = 'completed', completed_at = ? WHERE id = ? AND status = 'running'",
                  {now, runId}) == 0)
    return;
  auto run = db_.queryOne("SELECT owner_id, organization_id, agent_count, successful, failed FROM ag_runs WHERE id = ?", {runId});
  auto total = (*run)["agent_count"].get<std::int64_t>();
  auto successful = (*run)["successful"].get<std::int64_t>();
  plugin_.publish("agent_run_completed",
                  {{"execution_id", runId},
                   {"total_agents", total},
                   {"successful", successful},
                   {"failed", (*run)["failed"]},
                   {"success_rate", total > 0 ? std::round(1000.0 * successful / total) / 10.0 : 0.0},
                   {"owner_id", (*run)["owner_id"]},
                   {"organization_id", (*run)["organization_id"]},
                   {"timestamp", now}});
}

} // namespace agents
