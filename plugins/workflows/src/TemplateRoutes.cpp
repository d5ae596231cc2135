#include "TemplateRoutes.h"

#include "TemplateParameters.h"

namespace workflows {
namespace {

orch::json visibleOrNotFound(TemplateStore& templates, const std::string& id, const orch::Tenant& tenant) {
  auto row = templates.find(id, tenant);
  if (!row) throw orch::HttpError::notFound("Template not found");
  return *row;
}

/// The template's graph with parameter values filled in and per-step config
/// overrides applied; 422 naming "customizations.<step>" for an unknown step.
orch::json instantiatedDefinition(const orch::json& definition, const std::map<std::string, orch::json>& values,
                                  const orch::json& customizations) {
  auto filled = TemplateParameters::fill(definition, values);
  if (customizations.is_null()) return filled;
  if (!customizations.is_object()) throw orch::HttpError::validation("customizations", "Must be an object of step ids");
  for (const auto& [stepId, override] : customizations.items()) {
    auto field = "customizations." + stepId;
    if (!override.is_object()) throw orch::HttpError::validation(field, "Must be an object");
    auto node = std::find_if(filled["nodes"].begin(), filled["nodes"].end(),
                             [&](const orch::json& n) { return n["id"] == stepId; });
    if (node == filled["nodes"].end()) throw orch::HttpError::validation(field, "Unknown step '" + stepId + "'");
    // Overrides are config keys, or {"config": {...}} around them.
    const auto& changes = override.contains("config") ? override["config"] : override;
    auto& data = (*node)["data"];
    auto& config = data.contains("config") && data["config"].is_object() ? data["config"] : data;
    config.merge_patch(changes);
  }
  return filled;
}

/// The body's optional "is_active" as a column value (1 when absent).
int activeFlag(const orch::json& body) {
  auto value = body.value("is_active", orch::json());
  if (value.is_null()) return 1;
  if (!value.is_boolean()) throw orch::HttpError::validation("is_active", "Must be true or false");
  return value.get<bool>() ? 1 : 0;
}

} // namespace

void registerTemplateRoutes(orch::Plugin& plugin, TemplateStore& templates, WorkflowStore& workflows,
                            StepTypeCatalog& catalog) {
  plugin.route("GET", "/templates", [&templates](orch::Request& request, orch::Response& response) {
    auto page = orch::Page::of(request);
    std::optional<bool> featured;
    if (auto text = request.query("featured")) {
      if (*text != "true" && *text != "false") throw orch::HttpError::validation("featured", "Must be true or false");
      featured = *text == "true";
    }
    auto [items, total] = templates.list(orch::Tenant::of(request), request.query("category"), featured, page);
    response.json(page.envelope("templates", std::move(items), total));
  }, {.permission = "template:read", .summary = "Built-in and own templates"});

  plugin.route("GET", "/templates/{id}", [&templates](orch::Request& request, orch::Response& response) {
    response.json(TemplateStore::view(visibleOrNotFound(templates, request.param("id"), orch::Tenant::of(request))));
  }, {.permission = "template:read", .summary = "One template"});

  plugin.route("POST", "/templates", [&templates, &catalog](orch::Request& request, orch::Response& response) {
    auto tenant = orch::Tenant::of(request);
    auto body = request.jsonObject();
    auto name = orch::optionalString(body, "name", 200);
    if (!name || name->empty()) throw orch::HttpError::validation("name", "Template name is required");
    auto parameters = TemplateParameters::parse(body.value("parameters", orch::json()));
    // Check the configs as they will be once filled: {{n}} in a number field is fine.
    auto graph = WorkflowGraph::fromRequest(body);
    graph.validateStructure();
    auto samples = parameters.samples();
    catalog.validate(graph, [&samples](const orch::json& config) { return TemplateParameters::fill(config, samples); });
    orch::json columns = {{"name", *name},
                          {"description", orch::optionalString(body, "description", 5000).value_or("")},
                          {"category", orch::optionalString(body, "category", 200).value_or("")},
                          {"featured", 0},
                          {"tags", body.value("tags", orch::json::array()).dump()},
                          {"preview_image", orch::optionalString(body, "preview_image", 2000) ? orch::json(body["preview_image"]) : orch::json()},
                          {"parameters", parameters.json().dump()},
                          {"is_active", activeFlag(body)},
                          {"owner_id", tenant.userId}};
    if (auto organization = tenant.organizationFrom(body); !organization.is_null()) columns["organization_id"] = organization;
    response.status(201).json(TemplateStore::view(templates.create(columns, graph)));
  }, {.permission = "template:create", .summary = "Create a template with typed parameters"});

  plugin.route("POST", "/templates/{id}/instantiate",
               [&templates, &workflows, &catalog](orch::Request& request, orch::Response& response) {
    auto tenant = orch::Tenant::of(request);
    auto row = visibleOrNotFound(templates, request.param("id"), tenant);
    if (row["is_active"] == 0 || row["is_active"] == false)
      throw orch::HttpError::conflict("Template '" + row["name"].get<std::string>() + "' is not active");
    auto body = request.jsonObject();
    auto parameters = TemplateParameters::parse(orch::json::parse(row["parameters"].get<std::string>()));
    auto values = parameters.resolve(body.value("parameter_values", orch::json()));
    auto definition = instantiatedDefinition(orch::json::parse(row["graph"].get<std::string>()), values,
                                             body.value("customizations", orch::json()));
    auto graph = catalog.checkedGraph({{"definition", definition}});
    orch::json columns = {{"name", orch::optionalString(body, "name", 200).value_or(row["name"].get<std::string>())},
                          {"description", orch::optionalString(body, "description", 5000).value_or(row["description"].is_string() ? row["description"].get<std::string>() : "")},
                          {"category", row["category"]},
                          {"status", "active"},
                          {"settings", "{}"},
                          {"template_id", row["id"]},
                          {"owner_id", tenant.userId},
                          {"created_by", tenant.userId}};
    if (auto organization = tenant.organizationFrom(body); !organization.is_null()) columns["organization_id"] = organization;
    auto created = workflows.create(columns, graph);
    templates.countUse(row["id"].get<std::string>());
    response.status(201).json(WorkflowStore::view(created));
  }, {.permission = "workflow:create", .summary = "Create a workflow from a template"});
}

} // namespace workflows
