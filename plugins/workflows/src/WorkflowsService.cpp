#include "WorkflowsService.h"

#include "ExecutionFeed.h"
#include "ExecutionRoutes.h"

#include <orchestrator/services/workflows.hpp>
#include <orchestrator/time.hpp>

#include <algorithm>

namespace workflows {
namespace {

namespace service = orch::services::workflows;

service::SavedGraph saveGraph(WorkflowStore& store, StepTypeCatalog& catalog, const service::SaveGraphRequest& request) {
  auto tenant = orch::Tenant::ofPrincipal(request.principal);
  // Checked as POST /workflows checks a `definition`, so a problem names
  // "definition.nodes[2].config.url" the same way.
  auto graph = catalog.checkedGraph({{"definition", request.graph}});
  orch::json columns = {{"name", request.name.empty() ? std::string("Agent workflow") : request.name},
                        {"description", request.description},
                        {"framework", request.framework},
                        {"workflow_type", "agent"},
                        {"agent_id", request.agentId},
                        {"organization_id", request.organizationId}};
  orch::json row;
  if (request.workflowId && store.find(*request.workflowId, tenant)) {
    row = store.update(*request.workflowId, columns, &graph, tenant.userId);
  } else {
    columns["owner_id"] = tenant.userId;
    columns["created_by"] = tenant.userId;
    columns["status"] = "active";
    columns["settings"] = "{}";
    row = store.create(columns, graph);
  }
  return {row["id"].get<std::string>(), row["version"].get<std::string>(), graph.nodes().size()};
}

/// The request of a run of a workflow the principal sees; 404 otherwise.
std::pair<ExecutionRequest, orch::json> requestFor(WorkflowStore& store, const service::ExecuteRequest& request) {
  auto tenant = orch::Tenant::ofPrincipal(request.principal);
  auto workflow = store.find(request.workflowId, tenant);
  if (!workflow) throw orch::HttpError::notFound("Workflow not found");
  ExecutionRequest run;
  run.workflowId = request.workflowId;
  run.workflowVersion = (*workflow)["version"].get<std::string>();
  run.agentId = (*workflow)["agent_id"];
  run.ownerId = tenant.userId;
  run.organizationId = (*workflow)["organization_id"];
  run.principal = request.principal;
  run.input = request.input.is_object() ? request.input : orch::json::object();
  run.metadata = request.metadata.is_object() ? request.metadata : orch::json::object();
  run.timeoutMs = request.timeoutMs;
  run.correlationId = request.correlationId.empty() ? orch::newId() : request.correlationId;
  return {std::move(run), std::move(*workflow)};
}

service::Started execute(WorkflowStore& store, Engine& engine, const service::ExecuteRequest& request) {
  auto [run, workflow] = requestFor(store, request);
  auto [row, plan] = startExecution(engine, workflow, run);
  return {row["id"].get<std::string>(), row["status"].get<std::string>(), row.value("started_at", orch::json()).is_string()
                                                                            ? row["started_at"].get<std::string>()
                                                                            : orch::nowRfc3339()};
}


/// An agent's workflows, for a bundle of it (the marketplace's export).
orch::json agentWorkflows(WorkflowStore& store, const orch::json& message) {
  WorkflowStore::Filter filter;
  filter.agentId = message.value("agent_id", std::string());
  orch::Page page;
  page.limit = 1000; // an agent has a handful; a bundle carries them all
  auto [rows, total] = store.list(orch::Tenant::ofPrincipal(message.value("principal", orch::json())), filter, page);
  orch::json workflows = orch::json::array();
  for (auto it = rows.rbegin(); it != rows.rend(); ++it)
    workflows.push_back({{"id", (*it)["id"]}, {"name", (*it)["name"]}, {"description", (*it)["description"]},
                         {"version", (*it)["version"]}, {"definition", (*it)["definition"]}});
  return {{"workflows", workflows}};
}

/// The methods of deployed agents' workers; null for any other method.
orch::json workerMethod(Engine& engine, WorkerPools& pools, const std::string& method, const orch::json& message) {
  auto agent = message.value("agent_id", std::string());
  auto reason = message.value("reason", std::string("its worker stopped"));
  auto& remote = engine.remote();
  if (method == service::kAttachWorker) return {{"token", pools.attach(agent)}, {"settings", pools.shared()}};
  if (method == service::kDetachWorker) pools.detach(agent);
  else if (method == service::kWorkerLost) remote.workerLost(agent, message.value("worker", std::string()), reason);
  else if (method == service::kWorkerFailed) remote.fail(agent, reason);
  else if (method == service::kCheckWorker) {
    auto timeout = std::clamp<std::int64_t>(message.value("timeout_ms", std::int64_t{2000}), 1, 60000);
    auto answer = remote.check(agent, std::chrono::milliseconds(timeout));
    return {{"healthy", answer.has_value()}, {"answer", answer.value_or(nullptr)}, {"last_seen_ms", remote.lastSeenMs(agent)}};
  } else return nullptr;
  return orch::json::object();
}

} // namespace

void registerWorkflowsService(orch::Plugin& plugin, WorkflowStore& store, StepTypeCatalog& catalog, Engine& engine,
                              WorkerPools& pools) {
  plugin.service(service::kService, [&plugin, &store, &catalog, &engine, &pools](const std::string& method, const orch::json& message) {
    try {
      if (method == service::kSaveGraph) return saveGraph(store, catalog, service::SaveGraphRequest::fromJson(message)).toJson();
      if (method == service::kExecute) return execute(store, engine, service::ExecuteRequest::fromJson(message)).toJson();
      if (method == service::kAgentWorkflows) return agentWorkflows(store, message);
      if (auto answer = serveExecutionFeed(plugin.db(), method, message); !answer.is_null()) return answer;
      if (auto answer = workerMethod(engine, pools, method, message); !answer.is_null()) return answer;
    } catch (const orch::HttpError& e) {
      return service::refusal(e);
    }
    throw orch::HttpError::badRequest("workflows: unknown method '" + method + "'");
  });

  // A step's "$run_workflow" (a `workflow` step, an agent as a tool) is
  // checked as this service's execute is: a workflow its principal sees, runnable.
  engine.resolveChildrenWith([&store, &engine](const orch::json& spec, const orch::json& principal) {
    service::ExecuteRequest request;
    request.principal = principal;
    request.workflowId = spec.value("workflow_id", std::string());
    request.input = spec.value("input", orch::json::object());
    auto [run, workflow] = requestFor(store, request);
    runnablePlan(engine, workflow, run);
    return run;
  });

  // `native`: the definition is the graph, in any of the shapes POST
  // /workflows takes; compiled and exported as {nodes, edges}.
  plugin.frameworkAdapter("native", {
      .validate = [&catalog](const orch::json& definition) { catalog.checkedGraph({{"definition", definition}}); },
      .compile = [&catalog](const orch::json& definition) {
        return catalog.checkedGraph({{"definition", definition}}).toDefinition();
      },
      .exportGraph = [](const orch::json& graph) { return graph; },
  });
}

} // namespace workflows
