// The service "workflows" of the workflows plugin: another plugin (agents)
// keeps a workflow graph of its own in the workflows plugin and runs it on
// the durable engine, on behalf of a principal. Both sides use these types,
// so the JSON they exchange is written here once.
#pragma once

#include "../plugin.hpp"
#include "refusal.hpp"

#include <optional>
#include <string>

namespace orch::services::workflows {

inline constexpr const char* kService = "workflows";
/// Creates or updates the workflow of a graph: SaveGraphRequest -> SavedGraph.
inline constexpr const char* kSaveGraph = "save_graph";
/// Starts an execution of a workflow: ExecuteRequest -> Started.
inline constexpr const char* kExecute = "execute";
/// The workflows of an agent the principal sees (its compiled one too):
/// {principal, agent_id} -> {"workflows": [{id, name, description, version,
/// definition: {nodes, edges}}]}, oldest first.
inline constexpr const char* kAgentWorkflows = "agent_workflows";

// A deployed agent's worker (the agents plugin deploys, the engine offers it
// the steps of the agent's executions; README of workflows, "Workers").
/// Opens the agent's pool with a new token for its worker: {agent_id} ->
/// {token, settings}; `settings` are what the worker's copy of the plugin
/// needs to run steps as the host does. A token given before stops working.
inline constexpr const char* kAttachWorker = "attach_worker";
/// Revokes the token and closes the pool: {agent_id} -> {}. Its steps run in the host again.
inline constexpr const char* kDetachWorker = "detach_worker";
/// The worker is gone (restarted, killed): {agent_id, worker, reason} -> {}.
/// What it was running (`worker`: the id its health check gave; empty: any)
/// is offered to the next one at once.
inline constexpr const char* kWorkerLost = "worker_lost";
/// The worker will not come back (it crashed too often): {agent_id, reason}
/// -> {}. The agent's steps fail with `reason` until it is attached again.
inline constexpr const char* kWorkerFailed = "worker_failed";
/// Asks the worker how it is: {agent_id, timeout_ms} -> {healthy, answer,
/// last_seen_ms}; `answer` is what the worker said of itself.
inline constexpr const char* kCheckWorker = "check_worker";

/// A graph {"nodes","edges"} (the `definition` shape of workflows) to keep
/// as a workflow owned by the principal. With `workflowId`, that workflow is
/// updated (its version bumps when the graph changed); without, one is made.
/// The graph is checked as POST /workflows checks it: a problem is a 422
/// naming the field under "definition".
struct SaveGraphRequest {
  json principal;
  std::optional<std::string> workflowId;
  std::string name, description, framework;
  json agentId, organizationId; ///< string or null
  json graph;

  json toJson() const {
    json out = {{"principal", principal}, {"name", name},           {"description", description},
                {"framework", framework}, {"agent_id", agentId},    {"organization_id", organizationId},
                {"graph", graph}};
    if (workflowId) out["workflow_id"] = *workflowId;
    return out;
  }
  static SaveGraphRequest fromJson(const json& message) {
    SaveGraphRequest request;
    request.principal = message.value("principal", json());
    if (message.contains("workflow_id") && message["workflow_id"].is_string())
      request.workflowId = message["workflow_id"].get<std::string>();
    request.name = message.value("name", std::string());
    request.description = message.value("description", std::string());
    request.framework = message.value("framework", std::string());
    request.agentId = message.value("agent_id", json());
    request.organizationId = message.value("organization_id", json());
    request.graph = message.value("graph", json());
    return request;
  }
};

struct SavedGraph {
  std::string workflowId, version;
  std::size_t nodeCount = 0;

  json toJson() const { return {{"workflow_id", workflowId}, {"version", version}, {"node_count", nodeCount}}; }
  static SavedGraph fromJson(const json& message) {
    return {message.value("workflow_id", std::string()), message.value("version", std::string()),
            message.value("node_count", std::size_t{0})};
  }
};

/// Runs a workflow the principal may see, as POST workflows/{id}/execute
/// would (async): `input` is the execution's input, `metadata` is kept with it.
struct ExecuteRequest {
  json principal;
  std::string workflowId;
  json input = json::object(), metadata = json::object();
  std::optional<std::int64_t> timeoutMs;
  std::string correlationId; ///< empty: a new one

  json toJson() const {
    json out = {{"principal", principal}, {"workflow_id", workflowId}, {"input", input},
                {"metadata", metadata},   {"correlation_id", correlationId}};
    if (timeoutMs) out["timeout_ms"] = *timeoutMs;
    return out;
  }
  static ExecuteRequest fromJson(const json& message) {
    ExecuteRequest request;
    request.principal = message.value("principal", json());
    request.workflowId = message.value("workflow_id", std::string());
    request.input = message.value("input", json::object());
    request.metadata = message.value("metadata", json::object());
    if (message.contains("timeout_ms") && message["timeout_ms"].is_number_integer())
      request.timeoutMs = message["timeout_ms"].get<std::int64_t>();
    request.correlationId = message.value("correlation_id", std::string());
    return request;
  }
};

struct Started {
  std::string executionId, status, startedAt;

  json toJson() const { return {{"execution_id", executionId}, {"status", status}, {"started_at", startedAt}}; }
  static Started fromJson(const json& message) {
    return {message.value("execution_id", std::string()), message.value("status", std::string()),
            message.value("started_at", std::string())};
  }
};

using orch::services::refusal;
using orch::services::unlessRefused;

/// Throws the service's refusal as an HttpError, or its failure as a runtime_error.
inline SavedGraph saveGraph(const Plugin& plugin, const SaveGraphRequest& request) {
  return SavedGraph::fromJson(unlessRefused(plugin.callService(kService, kSaveGraph, request.toJson())));
}
inline json agentWorkflows(const Plugin& plugin, const json& principal, const std::string& agentId) {
  auto answer = unlessRefused(plugin.callService(kService, kAgentWorkflows, {{"principal", principal}, {"agent_id", agentId}}));
  return answer.value("workflows", json::array());
}
inline Started execute(const Plugin& plugin, const ExecuteRequest& request) {
  return Started::fromJson(unlessRefused(plugin.callService(kService, kExecute, request.toJson())));
}

} // namespace orch::services::workflows
