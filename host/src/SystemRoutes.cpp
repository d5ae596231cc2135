#include "orchestrator/host/SystemRoutes.h"

#include "orchestrator/host/ErrorEnvelope.h"
#include "orchestrator/host/Server.h"

#include <orchestrator/time.hpp>

#include <chrono>

namespace orch::host {
namespace {

using Handler = std::function<void(HostResponse&)>;

std::shared_ptr<Route> route(std::string path, std::string summary, std::uint32_t flags, std::string permission,
                             bool atRoot, Handler handler) {
  auto r = std::make_shared<Route>();
  r->method = "GET";
  r->pathTemplate = std::move(path);
  r->summary = std::move(summary);
  r->flags = flags;
  r->permission = std::move(permission);
  r->owner = "host";
  r->reachableAtRoot = atRoot;
  r->handler = [handler = std::move(handler)](const orch_request&, HostResponse& response, std::string&) {
    handler(response);
    return ORCH_OK;
  };
  return r;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

std::vector<std::shared_ptr<Route>> systemRoutes(Server& server) {
  std::vector<std::shared_ptr<Route>> routes;

  routes.push_back(route("/health", "Liveness", ORCH_ROUTE_PUBLIC, "", true, [&server](HostResponse& out) {
    out.body = nlohmann::json{{"status", "healthy"},
                              {"version", ORCH_VERSION},
                              {"uptime_seconds", secondsSince(server.startedAt())},
                              {"timestamp", orch::rfc3339Millis(orch::nowMs())}}
                   .dump();
  }));

  routes.push_back(route("/ready", "Readiness: 503 until plugins are loaded and migrations applied", ORCH_ROUTE_PUBLIC,
                         "", true, [&server](HostResponse& out) {
                           if (!server.ready())
                             return out.setError(503, "SERVICE_UNAVAILABLE", "Plugins are still loading");
                           out.body = nlohmann::json{{"status", "ready"}, {"timestamp", orch::rfc3339Millis(orch::nowMs())}}.dump();
                         }));

  routes.push_back(route("/health/detailed", "Storage, plugins and process health", 0, "system:read", false,
                         [&server](HostResponse& out) {
                           auto health = server.health().check();
                           nlohmann::json plugins = nlohmann::json::array();
                           for (const auto& record : server.plugins().records())
                             plugins.push_back({{"name", record->name},
                                                {"state", PluginRecord::stateName(record->state)},
                                                {"version", record->version}});
                           bool healthy = health["status"] == "healthy";
                           out.status = healthy ? 200 : 503;
                           out.body = nlohmann::json{{"status", health["status"]},
                                                     {"ready", server.ready()},
                                                     {"version", ORCH_VERSION},
                                                     {"uptime_seconds", secondsSince(server.startedAt())},
                                                     {"timestamp", orch::rfc3339Millis(orch::nowMs())},
                                                     {"components", health["components"]},
                                                     {"plugins", plugins},
                                                     {"memory", {{"rss_bytes", residentMemoryBytes()}}}}
                                          .dump();
                         }));

  routes.push_back(route("/plugins", "Plugins, their state and what they registered", 0, "system:read", false,
                         [&server](HostResponse& out) {
                           nlohmann::json list = nlohmann::json::array();
                           for (const auto& record : server.plugins().records())
                             list.push_back(record->toJson(server.context()));
                           out.body = nlohmann::json{{"plugins", list},
                                                     {"total", list.size()},
                                                     {"abi_version", std::to_string(ORCH_ABI_MAJOR) + "." +
                                                                         std::to_string(ORCH_ABI_MINOR)}}
                                          .dump();
                         }));

  routes.push_back(route("/system/metrics/prometheus", "Prometheus metrics", ORCH_ROUTE_PUBLIC, "", true,
                         [&server](HostResponse& out) {
                           out.contentType = "text/plain; version=0.0.4; charset=utf-8";
                           out.body = server.metrics().prometheus(server.plugins().loadedCount(),
                                                                      server.context().crashes.all().size(), ORCH_VERSION);
                         }));

  routes.push_back(route("/openapi.json", "This document", ORCH_ROUTE_PUBLIC, "", true,
                         [&server](HostResponse& out) { out.body = server.openApiJson(); }));
  return routes;
}

} // namespace orch::host
