#pragma once

#include "ConfigSchema.h"
#include "WorkflowGraph.h"

#include <orchestrator/plugin.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace workflows {

/// The step types of every plugin, as the host's registry describes them,
/// with each config schema compiled once. A third-party plugin's step type
/// validates exactly like a built-in one.
class StepTypeCatalog {
public:
  /// `describe` asks the host for a step type's description (nullopt: unknown).
  using Describe = std::function<std::optional<orch::json>(const std::string& name)>;
  explicit StepTypeCatalog(Describe describe) : describe_(std::move(describe)) {}

  /// Checks every node: a known type, and a config its schema accepts. Throws
  /// orch::HttpError::validation naming the exact field ("steps[0].config.prompt").
  /// `prepare`, when given, turns each config into what is checked (a
  /// template's configs, with sample values in their placeholders).
  void validate(const WorkflowGraph& graph, const std::function<orch::json(const orch::json&)>& prepare = {});
  /// The graph a request body carries, checked all the way: shape,
  /// structure, step types and configs.
  WorkflowGraph checkedGraph(const orch::json& body);

private:
  /// The compiled schema of a type, or nullopt when no plugin registered it.
  std::optional<ConfigSchema> schemaOf(const std::string& type);

  Describe describe_;
  std::mutex mutex_;
  std::map<std::string, ConfigSchema> compiled_;
};

} // namespace workflows
