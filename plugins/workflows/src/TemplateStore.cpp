#include "TemplateStore.h"

#include "BuiltinTemplates.h"
#include "TemplateParameters.h"


namespace workflows {
namespace {

constexpr const char* kColumns =
    "id, name, description, category, featured, tags, preview_image, parameters, graph, builtin, owner_id, "
    "organization_id, usage_count, is_active, rating, created_at, updated_at";

bool flag(const orch::json& value) { return value.is_boolean() ? value.get<bool>() : value.get<long long>() != 0; }

} // namespace

void TemplateStore::installBuiltins() {
  for (const auto& shipped : builtinTemplates()) {
    if (db_.queryOne("SELECT id FROM wf_templates WHERE id = ?", {shipped["id"]})) continue;
    auto graph = WorkflowGraph::fromRequest({{"steps", shipped["steps"]}});
    auto time = orch::nowRfc3339();
    db_.insert("wf_templates", {{"id", shipped["id"]},
                 {"name", shipped["name"]},
                 {"description", shipped.value("description", "")},
                 {"category", shipped.value("category", "")},
                 {"featured", shipped.value("featured", true) ? 1 : 0},
                 {"tags", shipped.value("tags", orch::json::array()).dump()},
                 {"preview_image", shipped.value("preview_image", orch::json())},
                 {"parameters", shipped.value("parameters", orch::json::array()).dump()},
                 {"graph", graph.toDefinition().dump()},
                 {"builtin", 1},
                 {"usage_count", 0},
                 {"rating", shipped.value("rating", orch::json())},
                 {"created_at", time},
                 {"updated_at", time}});
  }
}

orch::json TemplateStore::create(const orch::json& columns, const WorkflowGraph& graph) {
  auto id = orch::newId();
  auto row = columns;
  auto time = orch::nowRfc3339();
  row["id"] = id;
  row["graph"] = graph.toDefinition().dump();
  row["builtin"] = 0;
  row["usage_count"] = 0;
  row["created_at"] = time;
  row["updated_at"] = time;
  db_.insert("wf_templates", row);
  return *db_.queryOne(std::string("SELECT ") + kColumns + " FROM wf_templates WHERE id = ?", {id});
}

std::optional<orch::json> TemplateStore::find(const std::string& id, const orch::Tenant& tenant) const {
  auto row = db_.queryOne(std::string("SELECT ") + kColumns + " FROM wf_templates WHERE id = ?", {id});
  if (!row) return std::nullopt;
  if (!flag((*row)["builtin"]) && !tenant.canSee((*row)["owner_id"].get<std::string>(), (*row)["organization_id"]))
    return std::nullopt;
  return row;
}

std::pair<orch::json, std::int64_t> TemplateStore::list(const orch::Tenant& tenant, const std::optional<std::string>& category,
                                                        const std::optional<bool>& featured, const orch::Page& page) const {
  orch::json params = orch::json::array();
  std::string where = "(builtin = 1 OR " + tenant.filter("owner_id", "organization_id", params) + ")";
  if (category) {
    where += " AND category = ?";
    params.push_back(*category);
  }
  if (featured) {
    where += " AND featured = ?";
    params.push_back(*featured ? 1 : 0);
  }
  auto total = db_.queryOne("SELECT COUNT(*) AS n FROM wf_templates WHERE " + where, params)->at("n").get<std::int64_t>();
  params.push_back(page.limit);
  params.push_back(page.offset);
  orch::json items = orch::json::array();
  for (const auto& row : db_.query(std::string("SELECT ") + kColumns + " FROM wf_templates WHERE " + where +
                                       " ORDER BY featured DESC, name, id LIMIT ? OFFSET ?",
                                   params))
    items.push_back(view(row));
  return {items, total};
}

void TemplateStore::countUse(const std::string& id) {
  db_.execute("UPDATE wf_templates SET usage_count = usage_count + 1 WHERE id = ?", {id});
}

orch::json TemplateStore::view(const orch::json& row) {
  auto parameters = orch::json::parse(row["parameters"].get<std::string>());
  auto graph = WorkflowGraph::fromRequest({{"definition", orch::json::parse(row["graph"].get<std::string>())}});
  return {{"id", row["id"]},
          {"name", row["name"]},
          {"description", row["description"]},
          {"category", row["category"]},
          {"featured", flag(row["featured"])},
          {"is_builtin", flag(row["builtin"])},
          {"tags", orch::json::parse(row["tags"].get<std::string>())},
          {"preview_image", row["preview_image"]},
          {"parameters", TemplateParameters::answer(parameters)},
          {"parameter_count", parameters.size()},
          {"is_active", flag(row["is_active"])},
          {"rating", row["rating"]},
          {"steps", graph.toSteps()},
          {"definition", graph.toDefinition()},
          {"usage_count", row["usage_count"]},
          {"owner_id", row["owner_id"]},
          {"organization_id", row["organization_id"]},
          {"created_at", row["created_at"]},
          {"updated_at", row["updated_at"]}};
}

} // namespace workflows
