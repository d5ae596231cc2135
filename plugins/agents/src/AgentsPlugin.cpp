// Plugin `agents`: agents as seeds 003 and 004 describe them, each defined in
// its framework's own format (langgraph, crewai, n8n, agno, native) and run as
// a workflow on the durable engine of the workflows plugin (its service
// "workflows"); POST /execute runs several at once; every agent execution,
// however started, moves the agent's figures and publishes agent_completed.
#include "AgentRoutes.h"
#include "AgentRuns.h"
#include "AgentStep.h"
#include "AgentStore.h"
#include "ContainerRoutes.h"
#include "Deployments.h"
#include "agents_migrations.h"
#include "frameworks/AgnoAdapter.h"
#include "frameworks/CrewAiAdapter.h"
#include "frameworks/LangGraphAdapter.h"
#include "frameworks/N8nAdapter.h"

#include <orchestrator/services/agents.hpp>

#include <memory>

namespace {

void init(orch::Plugin& plugin) {
  plugin.migrations(agents_migrations());
  auto store = std::make_shared<agents::AgentStore>(plugin.db());
  auto runs = std::make_shared<agents::AgentRuns>(plugin, *store, plugin.db());
  plugin.frameworkAdapter("langgraph", agents::frameworks::langGraphAdapter());
  plugin.frameworkAdapter("n8n", agents::frameworks::n8nAdapter());
  plugin.frameworkAdapter("crewai", agents::frameworks::crewAiAdapter());
  plugin.frameworkAdapter("agno", agents::frameworks::agnoAdapter());
  auto deployments = std::make_shared<agents::Deployments>(plugin, *store, agents::DeploySettings::from(plugin));
  agents::registerAgentRoutes(plugin, *store, [deployments](const orch::json& agent) {
    if (agent["container_id"].is_string()) deployments->undeploy(agent);
  });
  agents::registerContainerRoutes(plugin, *store, *deployments);
  agents::registerAgentStep(plugin, *store);
  plugin.route("POST", "/execute", [runs](orch::Request& request, orch::Response& response) {
    response.json(runs->start(request));
  }, {.permission = "agent:execute", .summary = "Run agents (seed 003): agent_ids or every active one, parallel, timeout_seconds"});

  namespace service = orch::services::agents;
  plugin.service(service::kService, [&plugin, store](const std::string& method, const orch::json& message) -> orch::json {
    auto principal = message.value("principal", orch::json());
    auto version = message.value("version", orch::json());
    auto given = version.is_string() && !version.get<std::string>().empty() ? std::optional(version.get<std::string>()) : std::nullopt;
    try {
      if (method == service::kFind) {
        auto agent = store->find(message.value("agent_id", std::string()), orch::Tenant::ofPrincipal(principal));
        return {{"agent", agent ? agents::AgentStore::view(*agent) : orch::json()}};
      }
      if (method == service::kCounts) {
        orch::json byStatus = orch::json::object();
        std::int64_t total = 0;
        for (const auto& row : plugin.db().query("SELECT status, COUNT(*) AS n FROM ag_agents WHERE deleted_at IS NULL GROUP BY status")) {
          auto n = orch::integerColumn(row["n"]);
          byStatus[row["status"].get<std::string>()] = n;
          total += n;
        }
        return {{"total", total}, {"by_status", byStatus}};
      }
      if (method == service::kCreate)
        return {{"agent", agents::AgentStore::view(agents::createAgent(plugin, *store, principal, message.value("agent", orch::json::object()), given))}};
      if (method == service::kRemove) {
        auto current = store->find(message.value("agent_id", std::string()), orch::Tenant::ofPrincipal(principal));
        if (current) store->remove((*current)["id"].get<std::string>());
        return orch::json::object();
      }
      if (method == service::kUpdate) {
        auto current = store->find(message.value("agent_id", std::string()), orch::Tenant::ofPrincipal(principal));
        if (!current) throw orch::HttpError::notFound("Agent not found");
        return {{"agent", agents::AgentStore::view(agents::updateAgent(plugin, *store, principal, *current,
                                                                       message.value("changes", orch::json::object()), given))}};
      }
    } catch (const orch::HttpError& e) {
      return orch::services::refusal(e);
    }
    throw orch::HttpError::badRequest("agents: unknown method '" + method + "'");
  });

  plugin.onStart([&plugin, runs, deployments] {
    deployments->start();
    // Only this host's executions (the engine reports each where it ran), and
    // most are no agent's: those are skipped before their payload is parsed.
    for (const char* topic : {"execution_completed", "execution_failed", "execution_cancelled"})
      plugin.subscribeUnparsed(topic, [&plugin, runs](const std::string& name, std::string_view payload) {
        if (payload.find("\"agent_id\":null") != std::string_view::npos) return;
        plugin.submit([&plugin, runs, name, event = orch::json::parse(payload, nullptr, false)] {
          try {
            runs->executionEnded(name, event);
          } catch (const std::exception& e) {
            plugin.logWarning(std::string("agents: could not record the end of an execution: ") + e.what());
          }
        });
      });
  });
}

} // namespace

ORCH_PLUGIN("agents", "1.0.0", "Agents from LangGraph, CrewAI, n8n, Agno or native graphs, run on the workflow engine", init)
