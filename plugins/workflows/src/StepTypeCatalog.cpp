#include "StepTypeCatalog.h"

namespace workflows {

std::optional<ConfigSchema> StepTypeCatalog::schemaOf(const std::string& type) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = compiled_.find(type); it != compiled_.end()) return it->second;
  }
  auto description = describe_(type);
  if (!description) return std::nullopt;
  auto schema = ConfigSchema::compile(description->value("config_schema", orch::json::object()));
  std::lock_guard lock(mutex_);
  return compiled_.emplace(type, schema).first->second;
}

void StepTypeCatalog::validate(const WorkflowGraph& graph, const std::function<orch::json(const orch::json&)>& prepare) {
  for (const auto& node : graph.nodes()) {
    auto schema = schemaOf(node.type);
    if (!schema) throw orch::HttpError::validation(node.path + ".type", "Unknown step type '" + node.type + "'",
                                                   "Invalid workflow configuration");
    if (auto problem = schema->firstProblem(prepare ? prepare(node.config) : node.config, node.path + ".config"))
      throw orch::HttpError::validation(problem->field, problem->issue, "Invalid workflow configuration");
  }
}

WorkflowGraph StepTypeCatalog::checkedGraph(const orch::json& body) {
  auto graph = WorkflowGraph::fromRequest(body);
  graph.validateStructure();
  validate(graph);
  return graph;
}

} // namespace workflows
