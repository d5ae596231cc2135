#include "ContainerRoutes.h"

#include "AgentRoutes.h"

namespace agents {

void registerContainerRoutes(orch::Plugin& plugin, const AgentStore& store, Deployments& deployments) {
  plugin.route("POST", "/agents/{id}/deploy", [&store, &deployments](orch::Request& request, orch::Response& response) {
    auto agent = visibleOrNotFound(store, request);
    response.json(deployments.deploy(agent, request.body().empty() ? orch::json::object() : request.jsonObject()));
  }, {.permission = "agent:deploy", .summary = "Start the agent in a container of its own (runtime: process, docker); idempotent"});

  plugin.route("POST", "/agents/{id}/undeploy", [&store, &deployments](orch::Request& request, orch::Response& response) {
    response.json(deployments.undeploy(visibleOrNotFound(store, request)));
  }, {.permission = "agent:deploy", .summary = "Stop and remove the agent's container; its steps run in the host again"});

  plugin.route("GET", "/agents/{id}/container", [&store, &deployments](orch::Request& request, orch::Response& response) {
    response.json(deployments.container(visibleOrNotFound(store, request)));
  }, {.permission = "agent:read", .summary = "The agent's container: status, resource_usage, health, last log lines"});

  plugin.route("POST", "/agents/{id}/container/restart", [&store, &deployments](orch::Request& request, orch::Response& response) {
    response.json(deployments.restart(visibleOrNotFound(store, request)));
  }, {.permission = "agent:deploy", .summary = "Restart the agent's container; the steps it ran resume in the new one"});

  plugin.route("GET", "/agents/{id}/container/logs", [&store, &deployments](orch::Request& request, orch::Response& response) {
    auto agent = visibleOrNotFound(store, request);
    int tail = 100;
    if (auto text = request.query("tail")) {
      try {
        std::size_t used = 0;
        tail = std::stoi(*text, &used);
        if (used != text->size() || tail < 1 || tail > 10000) throw std::invalid_argument("range");
      } catch (const std::exception&) {
        throw orch::HttpError::validation("tail", "A whole number of lines from 1 to 10000");
      }
    }
    response.json(deployments.logs(agent, request.query("since").value_or(""), request.query("until").value_or(""), tail));
  }, {.permission = "agent:read", .summary = "The container's log lines and the host's about it: since, until, tail (default 100)"});
}

} // namespace agents
