#include "WorkflowStore.h"

#include "engine/ExecutionStore.h"



namespace workflows {
namespace {

constexpr const char* kColumns =
    "id, name, description, category, status, settings, graph, version, owner_id, organization_id, template_id, "
    "agent_id, workflow_type, framework, created_by, created_at, updated_at";

std::string canonical(const WorkflowGraph& graph) { return graph.toDefinition().dump(); }

} // namespace

orch::json WorkflowStore::create(const orch::json& fields, const WorkflowGraph& graph) {
  auto id = orch::newId();
  auto time = orch::nowRfc3339();
  auto definition = canonical(graph);
  orch::json columns = fields;
  columns["id"] = id;
  columns["graph"] = definition;
  columns["version"] = "1.0.0";
  columns["created_at"] = time;
  columns["updated_at"] = time;
  db_.transaction([&](orch::Transaction& tx) {
    db_.insert("wf_workflows", columns, &tx);
    db_.execute("INSERT INTO wf_workflow_versions (workflow_id, version, graph, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?)",
                {id, "1.0.0", definition, time, fields.value("created_by", "")}, &tx);
  });
  return *db_.queryOne(std::string("SELECT ") + kColumns + " FROM wf_workflows WHERE id = ?", {id});
}

std::optional<orch::json> WorkflowStore::find(const std::string& id, const orch::Tenant& tenant) const {
  auto row = db_.queryOne(std::string("SELECT ") + kColumns + " FROM wf_workflows WHERE id = ? AND deleted_at IS NULL",
                          {id});
  if (!row || !tenant.canSee((*row)["owner_id"].get<std::string>(), (*row)["organization_id"])) return std::nullopt;
  return row;
}

orch::json WorkflowStore::update(const std::string& id, const orch::json& columns, const WorkflowGraph* graph,
                                 const std::string& userId) {
  auto time = orch::nowRfc3339();
  return db_.transaction([&](orch::Transaction& tx) {
    auto current = *db_.queryOne("SELECT graph, version FROM wf_workflows WHERE id = ?", {id}, &tx);
    orch::json changes = columns;
    if (graph) {
      auto definition = canonical(*graph);
      if (definition != current["graph"].get<std::string>()) {
        auto version = orch::nextMinorVersion(current["version"].get<std::string>());
        changes["graph"] = definition;
        changes["version"] = version;
        db_.execute("INSERT INTO wf_workflow_versions (workflow_id, version, graph, created_at, created_by) "
                    "VALUES (?, ?, ?, ?, ?)",
                    {id, version, definition, time, userId}, &tx);
      }
    }
    std::string assignments = "updated_at = ?";
    orch::json values = {time};
    for (const auto& [column, value] : changes.items()) {
      assignments += ", " + column + " = ?";
      values.push_back(value);
    }
    values.push_back(id);
    db_.execute("UPDATE wf_workflows SET " + assignments + " WHERE id = ?", values, &tx);
    return *db_.queryOne(std::string("SELECT ") + kColumns + " FROM wf_workflows WHERE id = ?", {id}, &tx);
  });
}

void WorkflowStore::remove(const std::string& id) {
  db_.execute("UPDATE wf_workflows SET deleted_at = ?, updated_at = ? WHERE id = ?", {orch::nowRfc3339(), orch::nowRfc3339(), id});
}

orch::json WorkflowStore::versions(const std::string& id) const {
  orch::json list = orch::json::array();
  for (const auto& row : db_.query("SELECT version, graph, created_at, created_by FROM wf_workflow_versions "
                                   "WHERE workflow_id = ? ORDER BY created_at, version",
                                   {id})) {
    auto graph = WorkflowGraph::fromRequest({{"definition", orch::json::parse(row["graph"].get<std::string>())}});
    list.push_back({{"version", row["version"]},
                    {"created_at", row["created_at"]},
                    {"created_by", row["created_by"]},
                    {"steps", graph.toSteps()},
                    {"definition", graph.toDefinition()}});
  }
  return list;
}

std::optional<orch::json> WorkflowStore::version(const std::string& id, const std::string& version) const {
  return db_.queryOne("SELECT version, graph, created_at FROM wf_workflow_versions WHERE workflow_id = ? AND version = ?",
                      {id, version});
}

std::pair<orch::json, std::int64_t> WorkflowStore::list(const orch::Tenant& tenant, const Filter& filter,
                                                        const orch::Page& page) const {
  orch::json params = orch::json::array();
  std::string where = "deleted_at IS NULL AND " + tenant.filter("owner_id", "organization_id", params);
  if (filter.status) {
    where += " AND status = ?";
    params.push_back(*filter.status);
  }
  if (filter.category) {
    where += " AND category = ?";
    params.push_back(*filter.category);
  }
  if (filter.agentId) {
    where += " AND agent_id = ?";
    params.push_back(*filter.agentId);
  }
  if (filter.search) {
    where += " AND " + orch::containsAny({"name", "description"}, *filter.search, params);
  }
  auto total = db_.queryOne("SELECT COUNT(*) AS n FROM wf_workflows WHERE " + where, params)->at("n").get<std::int64_t>();
  auto pageParams = params;
  pageParams.push_back(page.limit);
  pageParams.push_back(page.offset);
  auto rows = db_.query(std::string("SELECT ") + kColumns + " FROM wf_workflows WHERE " + where +
                            " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                        pageParams);
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row["id"].get<std::string>());
  auto stats = executionStats(ids);
  orch::json items = orch::json::array();
  for (const auto& row : rows) {
    auto found = stats.find(row["id"].get<std::string>());
    items.push_back(view(row, nullptr, found == stats.end() ? nullptr : &*found));
  }
  return {items, total};
}

orch::json WorkflowStore::executionStats(const std::vector<std::string>& workflowIds) const {
  return ExecutionStore(db_).statsFor(workflowIds);
}

orch::json WorkflowStore::view(const orch::json& row, const orch::json* graphOverride, const orch::json* stats) {
  auto definition = orch::json::parse(graphOverride ? graphOverride->get<std::string>() : row["graph"].get<std::string>());
  auto graph = WorkflowGraph::fromRequest({{"definition", definition}});
  auto status = row["status"].get<std::string>();
  auto definitionShape = graph.toDefinition();
  auto settings = orch::json::parse(row["settings"].get<std::string>());
  return {{"id", row["id"]},
          {"name", row["name"]},
          {"description", row["description"]},
          {"category", row["category"]},
          {"status", status},
          {"is_active", status == "active"},
          {"settings", settings},
          {"version", row["version"]},
          {"steps", graph.toSteps()},
          {"definition", definitionShape},
          {"workflow_data", {{"nodes", definitionShape["nodes"]}, {"edges", definitionShape["edges"]}, {"settings", settings}}},
          {"workflow_type", row["workflow_type"]},
          {"framework", row["framework"]},
          {"owner_id", row["owner_id"]},
          {"organization_id", row["organization_id"]},
          {"template_id", row["template_id"]},
          {"agent_id", row["agent_id"]},
          {"created_by", row["created_by"]},
          {"created_at", row["created_at"]},
          {"updated_at", row["updated_at"]},
          {"execution_count", stats ? (*stats)["total"] : orch::json(0)},
          {"last_execution", stats ? (*stats)["last_execution"] : orch::json()},
          {"execution_stats", stats ? *stats
                                    : orch::json{{"total", 0}, {"total_executions", 0}, {"completed", 0},
                                                 {"successful_executions", 0}, {"failed", 0}, {"failed_executions", 0},
                                                 {"success_rate", 0}, {"average_duration", nullptr}}}};
}

} // namespace workflows
