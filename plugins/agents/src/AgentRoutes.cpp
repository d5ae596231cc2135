#include "AgentRoutes.h"

#include "AgentEvents.h"
#include "Deployments.h"

#include <orchestrator/fields.hpp>
#include <orchestrator/services/workflows.hpp>

#include <algorithm>
#include <cctype>

namespace agents {
namespace {

namespace service = orch::services::workflows;

/// Whether a loaded plugin registered an adapter for `framework`.
bool hasAdapter(const orch::Plugin& plugin, const std::string& framework) {
  for (const auto& adapter : plugin.frameworks())
    if (adapter.value("framework", std::string()) == framework) return true;
  return false;
}

/// Frameworks API.md names (an agent may be described before its adapter is
/// installed), and any a loaded adapter serves.
bool knownFramework(const orch::Plugin& plugin, const std::string& framework) {
  static const std::vector<std::string> named = {"langgraph", "crewai", "n8n", "agno", "native"};
  return std::find(named.begin(), named.end(), framework) != named.end() || hasAdapter(plugin, framework);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

/// draft, active, inactive, error, in any case; PAUSED is inactive.
std::optional<std::string> canonicalStatus(const std::string& text) {
  auto status = lower(text);
  if (status == "paused") status = "inactive";
  if (status == "draft" || status == "active" || status == "inactive" || status == "error") return status;
  return std::nullopt;
}

std::string checkedStatus(const orch::json& body) {
  auto status = canonicalStatus(orch::requiredString(body, "status", 20));
  if (!status) throw orch::HttpError::validation("status", "Must be draft, active, inactive or error");
  return *status;
}

/// resource_limits {cpu, memory (MiB), network_isolation, runtime}, with
/// defaults for what is left out: 1 CPU, 512 MiB, the shared network.
orch::json checkedLimits(const orch::json& body, orch::json limits) {
  auto given = orch::optionalObject(body, "resource_limits");
  for (const auto& [key, value] : given.items()) {
    auto field = "resource_limits." + key;
    if (key == "cpu") {
      if (!value.is_number() || value.get<double>() <= 0 || value.get<double>() > 256)
        throw orch::HttpError::validation(field, "Must be a number of CPUs above 0 and at most 256");
    } else if (key == "memory") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 16 || value.get<std::int64_t>() > 1048576)
        throw orch::HttpError::validation(field, "Must be whole MiB between 16 and 1048576");
    } else if (key == "network_isolation") {
      if (!value.is_string() || (value != "shared" && value != "isolated" && value != "none"))
        throw orch::HttpError::validation(field, "Must be shared, isolated or none");
    } else if (key == "runtime") { // where POST deploy starts it, unless the deploy says (Deployments.cpp)
      if (!value.is_null() && !isRuntimeName(value))
        throw orch::HttpError::validation(field, "A runtime's name: process, docker, or another a plugin serves");
    } else {
      throw orch::HttpError::validation(field, "Unknown limit; use cpu, memory, network_isolation or runtime");
    }
    limits[key] = value;
  }
  return limits;
}

/// Checks the definition with its framework's adapter, compiles it and keeps
/// the graph as the agent's workflow; the columns that record it.
orch::json compiledDefinition(const orch::Plugin& plugin, const orch::json& principal, const orch::json& agent,
                              const orch::json& definition) {
  auto framework = agent.value("framework", std::string("native"));
  if (!hasAdapter(plugin, framework))
    throw orch::HttpError::validation("framework", "No loaded plugin runs '" + framework +
                                                       "' definitions; its adapter is not installed");
  if (auto problem = plugin.validateDefinition(framework, definition)) {
    auto field = problem->field.empty() ? std::string("definition") : "definition." + problem->field;
    throw orch::HttpError::validation(field, problem->issue);
  }
  auto graph = plugin.compileDefinition(framework, definition);
  service::SaveGraphRequest save;
  save.principal = principal;
  if (auto workflow = agent.value("workflow_id", orch::json()); workflow.is_string()) save.workflowId = workflow.get<std::string>();
  save.name = agent.value("name", std::string("Agent"));
  if (auto description = agent.value("description", orch::json()); description.is_string()) save.description = description.get<std::string>();
  save.framework = framework;
  save.agentId = agent.at("id");
  save.organizationId = agent.value("organization_id", orch::json());
  save.graph = graph;
  auto saved = service::saveGraph(plugin, save);
  return {{"definition", definition.dump()}, {"workflow_id", saved.workflowId}, {"node_count", saved.nodeCount}};
}

/// The fields both POST and PUT may set, checked; `current` is the agent
/// before a PUT (empty on POST).
orch::json columnsFrom(const orch::Plugin& plugin, const orch::json& body, const orch::json& current) {
  orch::json columns = orch::json::object();
  if (body.contains("name")) {
    auto name = orch::requiredString(body, "name", 200);
    if (name.find_first_not_of(" \t\r\n") == std::string::npos) throw orch::HttpError::validation("name", "Field required");
    columns["name"] = name;
  }
  for (const char* field : {"description", "role"})
    if (body.contains(field)) {
      auto value = orch::optionalString(body, field, 5000);
      columns[field] = value ? orch::json(*value) : orch::json();
    }
  if (auto agentType = orch::optionalString(body, "agent_type", 50)) columns["agent_type"] = *agentType;
  if (body.contains("framework")) {
    auto framework = lower(orch::requiredString(body, "framework", 50));
    if (!knownFramework(plugin, framework))
      throw orch::HttpError::validation("framework", "Must be langgraph, crewai, n8n, agno, native or a loaded adapter's");
    if (!current.empty() && framework != current["framework"] && !body.contains("definition"))
      throw orch::HttpError::validation("framework", "A new framework needs its definition in the same request");
    columns["framework"] = framework;
  }
  if (body.contains("status")) columns["status"] = checkedStatus(body);
  if (body.contains("resource_limits") || current.empty()) {
    auto base = current.empty() ? orch::json{{"cpu", 1}, {"memory", 512}, {"network_isolation", "shared"}}
                                : orch::json::parse(current["resource_limits"].get<std::string>());
    columns["resource_limits"] = checkedLimits(body, base).dump();
  }
  if (body.contains("metadata")) columns["metadata"] = orch::optionalObject(body, "metadata").dump();
  return columns;
}

void sendList(orch::Request& request, orch::Response& response, AgentStore& store) {
  auto page = orch::Page::of(request);
  AgentStore::Filter filter;
  if (auto ownerType = request.query("owner_type")) {
    filter.ownerType = lower(*ownerType);
    if (filter.ownerType != "user" && filter.ownerType != "organization")
      throw orch::HttpError::validation("owner_type", "Must be user or organization");
  }
  if (auto framework = request.query("framework")) filter.framework = lower(*framework);
  if (auto status = request.query("status")) {
    filter.status = canonicalStatus(*status);
    if (!filter.status) throw orch::HttpError::validation("status", "Must be draft, active, inactive or error");
  }
  filter.search = request.query("search");
  auto [rows, total] = store.list(orch::Tenant::of(request), filter, page);
  orch::json items = orch::json::array();
  for (const auto& row : rows) items.push_back(AgentStore::view(row));
  if (seed003Client(request)) return response.json(items), void();
  response.json(page.envelope("agents", std::move(items), total));
}

} // namespace

orch::json visibleOrNotFound(const AgentStore& store, const orch::Request& request) {
  auto row = store.find(request.param("id"), orch::Tenant::of(request));
  if (!row) throw orch::HttpError::notFound("Agent not found");
  return *row;
}

bool seed003Client(const orch::Request& request) { return request.apiPrefix() == "/api"; }

orch::json createAgent(const orch::Plugin& plugin, AgentStore& store, const orch::json& principal, const orch::json& body,
                       const std::optional<std::string>& version) {
  auto tenant = orch::Tenant::ofPrincipal(principal);
  if (!body.contains("name")) throw orch::HttpError::validation("name", "Field required");
  auto columns = columnsFrom(plugin, body, orch::json());
  auto ownerType = lower(orch::optionalString(body, "owner_type", 20).value_or("user"));
  if (ownerType != "user" && ownerType != "organization")
    throw orch::HttpError::validation("owner_type", "Must be user or organization");
  auto organization = tenant.organizationFrom(body);
  if (ownerType == "organization" && organization.is_null())
    throw orch::HttpError::validation("organization_id", "An agent owned by an organization names it");
  columns["owner_type"] = ownerType;
  columns["owner_id"] = tenant.userId;
  columns["organization_id"] = organization;
  columns["created_by"] = tenant.userId;
  columns["version"] = version.value_or("1.0.0");
  if (!columns.contains("framework")) columns["framework"] = "native";
  if (!columns.contains("agent_type")) columns["agent_type"] = "visual";
  if (!columns.contains("status")) columns["status"] = "draft";
  if (!columns.contains("metadata")) columns["metadata"] = "{}";
  columns["id"] = orch::newId();
  // Checked and compiled before the agent exists, so a refused definition leaves nothing behind.
  if (body.contains("definition") && !body["definition"].is_null())
    columns.update(compiledDefinition(plugin, principal, columns, body["definition"]));
  auto row = store.create(columns);
  publishAgentEvent(plugin, "agent_created", row, {{"agent", AgentStore::view(row)}});
  return row;
}

orch::json updateAgent(const orch::Plugin& plugin, AgentStore& store, const orch::json& principal, const orch::json& current,
                       const orch::json& body, const std::optional<std::string>& version) {
  for (const char* fixed : {"owner_id", "owner_type", "organization_id"})
    if (body.contains(fixed) && body[fixed] != current[fixed])
      throw orch::HttpError::validation(fixed, "Cannot change; create the agent anew under its new owner");
  auto columns = columnsFrom(plugin, body, current);
  auto id = current["id"].get<std::string>();
  // The same definition again is no change: nothing to compile, no new version.
  bool changed = columns.contains("framework") && columns["framework"] != current["framework"];
  if (body.contains("definition") && !body["definition"].is_null() &&
      (changed || body["definition"].dump() != current["definition"])) {
    auto merged = current;
    merged.update(columns);
    columns.update(compiledDefinition(plugin, principal, merged, body["definition"]));
    columns["version"] = orch::nextMinorVersion(current["version"].get<std::string>());
  }
  if (version) columns["version"] = *version;
  auto row = store.update(id, columns);
  if (row["status"] != current["status"])
    publishAgentEvent(plugin, "agent_status_update", row,
                      {{"status", row["status"]}, {"previous_status", current["status"]}, {"container_id", row["container_id"]}});
  return row;
}

void registerAgentRoutes(orch::Plugin& plugin, AgentStore& store, std::function<void(const orch::json&)> beforeDelete) {
  plugin.route("GET", "/agents", [&store](orch::Request& request, orch::Response& response) {
    sendList(request, response, store);
  }, {.permission = "agent:read", .summary = "The caller's and its organizations' agents; filters owner_type, framework, status, search"});

  plugin.route("POST", "/agents", [&plugin, &store](orch::Request& request, orch::Response& response) {
    auto body = request.jsonObject();
    // Seed 003 creates agents "inactive" and seed 004 "draft".
    if (!body.contains("status")) body["status"] = seed003Client(request) ? "inactive" : "draft";
    response.status(201).json(AgentStore::view(createAgent(plugin, store, request.principal(), body)));
  }, {.permission = "agent:create", .summary = "Create an agent, optionally from a definition in its framework's format"});

  plugin.route("GET", "/agents/{id}", [&store](orch::Request& request, orch::Response& response) {
    response.json(AgentStore::view(visibleOrNotFound(store, request)));
  }, {.permission = "agent:read", .summary = "One agent, with its figures"});

  plugin.route("PUT", "/agents/{id}", [&plugin, &store](orch::Request& request, orch::Response& response) {
    auto current = visibleOrNotFound(store, request);
    response.json(AgentStore::view(updateAgent(plugin, store, request.principal(), current, request.jsonObject())));
  }, {.permission = "agent:update", .summary = "Update an agent; a changed definition bumps its minor version"});

  plugin.route("DELETE", "/agents/{id}", [&plugin, &store, beforeDelete](orch::Request& request, orch::Response& response) {
    auto row = visibleOrNotFound(store, request);
    beforeDelete(row); // a deployed agent's container goes with it
    if (!store.remove(row["id"].get<std::string>())) throw orch::HttpError::notFound("Agent not found");
    row["status"] = "deleted";
    publishAgentEvent(plugin, "agent_status_update", row, {{"status", "deleted"}, {"container_id", row["container_id"]}});
    response.json({{"message", "Agent deleted successfully"}, {"id", row["id"]}});
  }, {.permission = "agent:delete", .summary = "Delete an agent (kept, hidden, for its executions' history)"});
}

} // namespace agents
