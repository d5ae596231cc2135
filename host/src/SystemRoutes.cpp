#include "orchestrator/host/SystemRoutes.h"

#include "orchestrator/host/DocsPages.h"
#include "orchestrator/host/ErrorEnvelope.h"
#include "orchestrator/host/Server.h"
#include "orchestrator/host/ServiceCalls.h"

#include <orchestrator/boundary.hpp>
#include <orchestrator/prometheus.hpp>
#include <orchestrator/services/system.hpp>
#include <orchestrator/time.hpp>

#include <Poco/URI.h>

#include <chrono>
#include <sstream>

namespace orch::host {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

using Handler = std::function<void(HostResponse&)>;
using RequestHandler = std::function<void(const orch_request&, HostResponse&)>;

std::shared_ptr<Route> route(std::string path, std::string summary, std::uint32_t flags, std::string permission,
                             bool atRoot, RequestHandler handler) {
  auto r = std::make_shared<Route>();
  r->method = "GET";
  r->pathTemplate = std::move(path);
  r->summary = std::move(summary);
  r->flags = flags;
  r->permission = std::move(permission);
  r->owner = "host";
  r->reachableAtRoot = atRoot;
  r->handler = [handler = std::move(handler)](const orch_request& request, HostResponse& response, std::string&) {
    handler(request, response);
    return ORCH_OK;
  };
  return r;
}

std::shared_ptr<Route> route(std::string path, std::string summary, std::uint32_t flags, std::string permission,
                             bool atRoot, Handler handler) {
  return route(std::move(path), std::move(summary), flags, std::move(permission), atRoot,
               RequestHandler([handler = std::move(handler)](const orch_request&, HostResponse& response) { handler(response); }));
}

std::string text(orch_str s) { return std::string(orch::detail::view(s)); }

std::optional<std::string> queryParameter(const orch_request& request, const std::string& name) {
  Poco::URI uri("/?" + text(request.query));
  for (const auto& [key, value] : uri.getQueryParameters())
    if (key == name) return value;
  return std::nullopt;
}

/// A service's answer, or null when its plugin is not loaded or it failed.
nlohmann::json askOrNull(Server& server, const std::string& service, const std::string& method, const nlohmann::json& request) {
  try {
    if (auto answer = callService(server.context(), service, method, request)) return *answer;
  } catch (const std::exception&) {
  }
  return nullptr;
}

std::string environmentOf(Server& server) { return server.config().getString("server.environment", "production"); }

/// The agents by status and the health score, seed 003's names included.
std::string systemFamilies(Server& server) {
  std::ostringstream out;
  auto agents = askOrNull(server, "agents", "counts", nlohmann::json::object());
  if (agents.is_object()) {
    out << "# HELP orch_agents Agents by status, every tenant's.\n# TYPE orch_agents gauge\n";
    for (const auto& [status, count] : agents["by_status"].items())
      out << "orch_agents{status=\"" << orch::prometheus::escapeLabel(status) << "\"} " << count.dump() << '\n';
    out << "# HELP aimos_active_agents Number of active agents (seed 003).\n# TYPE aimos_active_agents gauge\n"
        << "aimos_active_agents " << agents["by_status"].value("active", 0) << '\n';
  }
  auto score = server.samples().latest()["system_health_score"];
  if (score.is_number())
    out << "# HELP aimos_system_health_score Overall system health score, 0 to 1 (seed 003; GET system/status).\n"
        << "# TYPE aimos_system_health_score gauge\naimos_system_health_score " << score.dump() << '\n';
  return out.str();
}

/// What plugins add (orchestrator/services/metrics.hpp); one that fails is left out.
std::string pluginFamilies(Server& server) {
  std::string text;
  for (const auto& service : servicesStartingWith(server.context(), "metrics.")) {
    auto answer = askOrNull(server, service, "prometheus", nlohmann::json::object());
    if (answer.is_object() && answer["text"].is_string()) text += answer["text"].get<std::string>();
  }
  return text;
}

/// Seed 001's `services` (database, ai_services, and each other component by
/// its name) and seed 002's `components` list, from one health check.
nlohmann::json monitoringHealth(Server& server) {
  auto health = server.health().check();
  nlohmann::json services = nlohmann::json::object(), components = nlohmann::json::array();
  for (const auto& [name, component] : health["components"].items()) {
    auto latency = component.value("latency_ms", nlohmann::json());
    auto shown = name == "storage" ? std::string("database") : name;
    auto entry = component;
    entry["response_time"] = latency;
    if (name == "ai_providers") services["ai_services"] = component.value("providers", nlohmann::json::object());
    services[shown] = entry;
    components.push_back({{"name", shown}, {"status", component["status"]}, {"latency", latency}});
  }
  return {{"status", health["status"]},
          {"timestamp", orch::rfc3339Millis(orch::nowMs())},
          {"version", ORCH_VERSION},
          {"environment", environmentOf(server)},
          {"uptime_seconds", secondsSince(server.startedAt())},
          {"services", services},
          {"components", components}};
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
  // The two above are probes: their answers (/ready's 503 while loading) are no failed requests.
  for (auto& probe : routes) probe->probe = true;

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
                                                                      server.context().crashes.all().size(), ORCH_VERSION) +
                                      systemFamilies(server) + pluginFamilies(server);
                         }));

  routes.push_back(route("/monitoring/health", "Seed 001's services and seed 002's components, each with its latency", 0,
                         "metrics:read", false, [&server](HostResponse& out) {
                           auto health = monitoringHealth(server);
                           out.status = health["status"] == "healthy" ? 200 : 503;
                           out.body = health.dump();
                         }));

  routes.push_back(route("/monitoring/metrics", "Seed 001's system, application, workflow and AI figures", 0, "metrics:read",
                         false, RequestHandler([&server](const orch_request& request, HostResponse& out) {
                           auto sample = server.samples().latest();
                           auto requests = server.metrics().totals();
                           auto uptime = secondsSince(server.startedAt());
                           nlohmann::json body = {
                               {"system",
                                {{"uptime", uptime},
                                 {"cpu_usage", sample["cpu_usage"]},
                                 {"memory_usage", sample["memory_usage"]},
                                 {"disk_usage", sample["disk_usage"]},
                                 {"sampled_at", sample["timestamp"]}}},
                               {"application",
                                {{"total_requests", requests.requests},
                                 {"successful_requests", requests.requests - requests.failed},
                                 {"failed_requests", requests.failed},
                                 {"average_response_time", requests.requests ? requests.seconds * 1000 / double(requests.requests) : 0.0},
                                 {"requests_per_minute", uptime > 0 ? double(requests.requests) / (uptime / 60) : 0.0}}}};
                           auto principal = nlohmann::json::parse(text(request.principal_json), nullptr, false);
                           auto figures = askOrNull(server, orch::services::system::kAnalytics, orch::services::system::kSummary,
                                                    {{"principal", principal}});
                           body["workflows"] = figures.is_object() ? figures.value("workflows", nlohmann::json()) : nlohmann::json();
                           body["ai_usage"] = figures.is_object() ? figures.value("ai_usage", nlohmann::json()) : nlohmann::json();
                           out.body = body.dump();
                         })));

  routes.push_back(route("/system/status", "Seed 003's status: uptime, version, agents, health score, last execution", 0,
                         "metrics:read", false, [&server](HostResponse& out) {
                           auto sample = server.samples().latest();
                           bool healthy = true;
                           auto components = sample.value("components", nlohmann::json::object());
                           for (const auto& [name, component] : components.items())
                             healthy = healthy && component.value("status", "") == "healthy";
                           auto agents = askOrNull(server, "agents", "counts", nlohmann::json::object());
                           auto last = askOrNull(server, "workflows", "last_execution", nlohmann::json::object());
                           out.body = nlohmann::json{{"status", healthy ? "healthy" : "degraded"},
                                                     {"uptime_seconds", secondsSince(server.startedAt())},
                                                     {"version", ORCH_VERSION},
                                                     {"environment", environmentOf(server)},
                                                     {"total_agents", agents.is_object() ? agents["total"] : nlohmann::json()},
                                                     {"active_agents", agents.is_object() ? agents["by_status"].value("active", nlohmann::json(0))
                                                                                          : nlohmann::json()},
                                                     {"system_health_score", sample["system_health_score"]},
                                                     {"last_execution", last.is_object() ? last["at"] : nlohmann::json()},
                                                     {"host_id", sample["host_id"]},
                                                     {"sampled_at", sample["timestamp"]}}
                                          .dump();
                         }));

  routes.push_back(route("/system/metrics", "Seed 003's series of samples (one a minute): CPU, memory, disk, network, agents, health",
                         0, "metrics:read", false, RequestHandler([&server](const orch_request& request, HostResponse& out) {
                           std::int64_t hours = 24;
                           if (auto given = queryParameter(request, "hours")) {
                             char* end = nullptr;
                             hours = std::strtoll(given->c_str(), &end, 10);
                             if (given->empty() || *end != '\0' || hours < 1 || hours > server.samples().retentionHours())
                               return out.setError(422, "VALIDATION_ERROR", "Validation failed",
                                                   nlohmann::json{{"field", "hours"},
                                                                  {"issue", "A whole number of hours from 1 to " +
                                                                                std::to_string(server.samples().retentionHours())}}
                                                       .dump());
                           }
                           out.body = server.samples().since(hours).dump();
                         })));

  // The API's pages: the assets are a build's copy of npm packages (host/docs), served offline.
  auto page = [&server](const std::string& name, HostResponse& out) {
    auto file = server.docs().file(name);
    if (!file)
      return out.setError(503, "SERVICE_UNAVAILABLE",
                          "The documentation pages are not installed in " + server.docs().dir() +
                              " (scripts/lib/node_deps.sh installs host/docs, the build copies them)");
    out.contentType = file->contentType;
    out.headers.emplace_back("Cache-Control", name.find(".html") == std::string::npos ? "public, max-age=86400" : "no-cache");
    out.body = file->body;
  };
  routes.push_back(route("/docs", "The API in Swagger UI", ORCH_ROUTE_PUBLIC, "", true,
                         [page](HostResponse& out) { page("docs.html", out); }));
  routes.push_back(route("/redoc", "The API in ReDoc", ORCH_ROUTE_PUBLIC, "", true,
                         [page](HostResponse& out) { page("redoc.html", out); }));
  routes.push_back(route("/docs/{file}", "The pages' assets, and postman.json: a Postman collection of this API",
                         ORCH_ROUTE_PUBLIC, "", true,
                         RequestHandler([&server, page](const orch_request& request, HostResponse& out) {
                           auto params = nlohmann::json::parse(text(request.params_json), nullptr, false);
                           auto name = params.is_object() ? params.value("file", std::string()) : std::string();
                           if (name == "postman.json") {
                             auto host = queryParameter(request, "origin").value_or("http://localhost:" + std::to_string(server.port()));
                             out.body = postmanCollection(nlohmann::json::parse(server.openApiJson()), host).dump();
                             out.headers.emplace_back("Content-Disposition", "attachment; filename=\"orchestrator.postman_collection.json\"");
                             return;
                           }
                           if (!server.docs().file(name)) return out.setError(404, "NOT_FOUND", "No such file");
                           page(name, out);
                         })));

  routes.push_back(route("/openapi.json", "This document", ORCH_ROUTE_PUBLIC, "", true,
                         [&server](HostResponse& out) { out.body = server.openApiJson(); }));
  return routes;
}

} // namespace orch::host
