#include "WorkflowRoutes.h"

#include <orchestrator/services/agents.hpp>

#include <algorithm>

namespace workflows {
namespace {

bool carriesGraph(const orch::json& body) {
  return body.contains("steps") || body.contains("definition") || body.contains("workflow_data");
}

/// The non-graph columns a create or update may set, checked.
orch::json columnsFrom(const orch::json& body, const orch::Tenant& tenant) {
  orch::json columns = orch::json::object();
  if (auto name = orch::optionalString(body, "name", 200)) {
    if (name->find_first_not_of(" \t\r\n") == std::string::npos)
      throw orch::HttpError::validation("name", "Workflow name is required");
    columns["name"] = *name;
  }
  for (const char* field : {"description", "category", "template_id", "agent_id", "workflow_type", "framework"})
    if (auto value = orch::optionalString(body, field, field == std::string("description") ? 5000 : 200)) columns[field] = *value;
  if (auto status = orch::optionalString(body, "status", 20)) {
    auto canonical = canonicalStatus(*status);
    if (!canonical) throw orch::HttpError::validation("status", "Must be active, inactive or archived");
    columns["status"] = *canonical;
  }
  if (body.contains("is_active")) {
    if (!body["is_active"].is_boolean()) throw orch::HttpError::validation("is_active", "Must be true or false");
    if (!columns.contains("status")) columns["status"] = body["is_active"].get<bool>() ? "active" : "inactive";
  }
  const orch::json* settings = nullptr;
  if (body.contains("settings")) settings = &body["settings"];
  else if (body.contains("workflow_data") && body["workflow_data"].is_object() && body["workflow_data"].contains("settings"))
    settings = &body["workflow_data"]["settings"];
  if (settings) {
    if (!settings->is_object()) throw orch::HttpError::validation("settings", "Must be an object");
    columns["settings"] = settings->dump();
  }
  if (auto organization = orch::optionalString(body, "organization_id", 64)) {
    if (!tenant.admin && std::find(tenant.organizationIds.begin(), tenant.organizationIds.end(), *organization) ==
                             tenant.organizationIds.end())
      throw orch::HttpError::validation("organization_id", "You are not a member of this organization");
    columns["organization_id"] = *organization;
  }
  return columns;
}

orch::json visibleOrNotFound(WorkflowStore& store, const std::string& id, const orch::Tenant& tenant) {
  auto row = store.find(id, tenant);
  if (!row) throw orch::HttpError::notFound("Workflow not found");
  return *row;
}

/// The agent of agents/{agent_id}/workflows, which must be one the caller
/// sees (the agents plugin's, through its service): 404 otherwise.
void requireAgent(const orch::Plugin& plugin, const orch::Request& request, const std::string& agentId) {
  if (!orch::services::agents::findAgent(plugin, request.principal(), agentId))
    throw orch::HttpError::notFound("Agent not found");
}

/// An "agent_id" in a body names an agent the caller sees: 422 otherwise.
void checkAgentField(const orch::Plugin& plugin, const orch::Request& request, const orch::json& columns) {
  if (columns.contains("agent_id") && !orch::services::agents::findAgent(plugin, request.principal(), columns["agent_id"]))
    throw orch::HttpError::validation("agent_id", "No agent of yours has this id");
}

/// POST /workflows and POST /agents/{agent_id}/workflows.
void createWorkflow(const orch::Plugin& plugin, orch::Request& request, orch::Response& response, WorkflowStore& store,
                    StepTypeCatalog& catalog, const std::optional<std::string>& agentId) {
  auto tenant = orch::Tenant::of(request);
  auto body = request.jsonObject();
  auto columns = columnsFrom(body, tenant);
  if (agentId) requireAgent(plugin, request, *agentId);
  else checkAgentField(plugin, request, columns);
  if (!columns.contains("name")) throw orch::HttpError::validation("name", "Workflow name is required");
  auto graph = catalog.checkedGraph(body);
  columns["owner_id"] = tenant.userId;
  columns["created_by"] = tenant.userId;
  if (agentId) columns["agent_id"] = *agentId;
  if (!columns.contains("status")) columns["status"] = "active";
  if (!columns.contains("settings")) columns["settings"] = "{}";
  response.status(201).json(WorkflowStore::view(store.create(columns, graph)));
}

/// GET /workflows and GET /agents/{agent_id}/workflows.
void listWorkflows(orch::Request& request, orch::Response& response, WorkflowStore& store,
                   const std::optional<std::string>& agentId) {
  auto tenant = orch::Tenant::of(request);
  auto page = orch::Page::of(request);
  WorkflowStore::Filter filter;
  if (auto status = request.query("status")) {
    filter.status = canonicalStatus(*status);
    if (!filter.status) throw orch::HttpError::validation("status", "Must be active, inactive or archived");
  }
  if (auto active = request.query("is_active")) {
    if (*active != "true" && *active != "false") throw orch::HttpError::validation("is_active", "Must be true or false");
    filter.status = *active == "true" ? "active" : "inactive";
  }
  filter.category = request.query("category");
  filter.search = request.query("search");
  filter.agentId = agentId ? agentId : request.query("agent_id");
  auto [items, total] = store.list(tenant, filter, page);
  response.json(page.envelope("workflows", std::move(items), total));
}

} // namespace

std::optional<std::string> canonicalStatus(std::string status) {
  std::transform(status.begin(), status.end(), status.begin(), [](unsigned char c) { return std::tolower(c); });
  if (status == "paused") status = "inactive";
  if (status == "active" || status == "inactive" || status == "archived") return status;
  return std::nullopt;
}

void registerWorkflowRoutes(orch::Plugin& plugin, WorkflowStore& store, StepTypeCatalog& catalog) {
  plugin.route("GET", "/workflows", [&store](orch::Request& request, orch::Response& response) {
    listWorkflows(request, response, store, std::nullopt);
  }, {.permission = "workflow:read", .summary = "The caller's and its organizations' workflows"});

  plugin.route("POST", "/workflows", [&plugin, &store, &catalog](orch::Request& request, orch::Response& response) {
    createWorkflow(plugin, request, response, store, catalog, std::nullopt);
  }, {.permission = "workflow:create", .summary = "Create a workflow from steps, a definition or workflow_data"});

  plugin.route("GET", "/agents/{agent_id}/workflows", [&plugin, &store](orch::Request& request, orch::Response& response) {
    requireAgent(plugin, request, request.param("agent_id"));
    listWorkflows(request, response, store, request.param("agent_id"));
  }, {.permission = "workflow:read", .summary = "An agent's workflows (seed 004)"});

  plugin.route("POST", "/agents/{agent_id}/workflows", [&plugin, &store, &catalog](orch::Request& request, orch::Response& response) {
    createWorkflow(plugin, request, response, store, catalog, request.param("agent_id"));
  }, {.permission = "workflow:create", .summary = "Create a workflow of an agent (seed 004)"});

  plugin.route("GET", "/workflows/{id}", [&store](orch::Request& request, orch::Response& response) {
    auto row = visibleOrNotFound(store, request.param("id"), orch::Tenant::of(request));
    if (auto wanted = request.query("version")) {
      auto version = store.version(row["id"].get<std::string>(), *wanted);
      if (!version) throw orch::HttpError::notFound("Workflow version " + *wanted + " not found");
      row["version"] = (*version)["version"];
      response.json(WorkflowStore::view(row, &(*version)["graph"]));
      return;
    }
    auto id = row["id"].get<std::string>();
    auto stats = store.executionStats({id});
    response.json(WorkflowStore::view(row, nullptr, stats.contains(id) ? &stats[id] : nullptr));
  }, {.permission = "workflow:read", .summary = "A workflow, or one of its versions with ?version="});

  plugin.route("PUT", "/workflows/{id}", [&plugin, &store, &catalog](orch::Request& request, orch::Response& response) {
    auto tenant = orch::Tenant::of(request);
    auto row = visibleOrNotFound(store, request.param("id"), tenant);
    auto body = request.jsonObject();
    auto columns = columnsFrom(body, tenant);
    checkAgentField(plugin, request, columns);
    std::optional<WorkflowGraph> graph;
    if (carriesGraph(body)) graph = catalog.checkedGraph(body);
    auto id = row["id"].get<std::string>();
    auto updated = store.update(id, columns, graph ? &*graph : nullptr, tenant.userId);
    auto stats = store.executionStats({id});
    response.json(WorkflowStore::view(updated, nullptr, stats.contains(id) ? &stats[id] : nullptr));
  }, {.permission = "workflow:update", .summary = "Update a workflow; a changed graph bumps the minor version"});

  plugin.route("DELETE", "/workflows/{id}", [&store](orch::Request& request, orch::Response& response) {
    auto row = visibleOrNotFound(store, request.param("id"), orch::Tenant::of(request));
    store.remove(row["id"].get<std::string>());
    response.json({{"message", "Workflow deleted"}, {"id", row["id"]}});
  }, {.permission = "workflow:delete", .summary = "Soft-delete a workflow"});

  plugin.route("GET", "/workflows/{id}/versions", [&store](orch::Request& request, orch::Response& response) {
    auto row = visibleOrNotFound(store, request.param("id"), orch::Tenant::of(request));
    auto versions = store.versions(row["id"].get<std::string>());
    response.json({{"workflow_id", row["id"]}, {"current_version", row["version"]}, {"versions", versions},
                   {"total", versions.size()}});
  }, {.permission = "workflow:read", .summary = "The history of a workflow's graph"});
}

} // namespace workflows
