#pragma once

#include "WorkflowGraph.h"

#include <orchestrator/plugin.hpp>
#include <orchestrator/tenancy.hpp>

#include <optional>

namespace workflows {

/// Workflow templates: the built-in featured ones (visible to everyone) and
/// those users create (visible like workflows: owner and organizations).
class TemplateStore {
public:
  explicit TemplateStore(const orch::Database& db) : db_(db) {}

  /// Inserts the shipped templates that are not stored yet (keeps their usage counts).
  void installBuiltins();
  orch::json create(const orch::json& columns, const WorkflowGraph& graph);
  std::optional<orch::json> find(const std::string& id, const orch::Tenant& tenant) const;
  std::pair<orch::json, std::int64_t> list(const orch::Tenant& tenant, const std::optional<std::string>& category,
                                           const std::optional<bool>& featured, const orch::Page& page) const;
  void countUse(const std::string& id);

  static orch::json view(const orch::json& row);

private:
  const orch::Database& db_;
};

} // namespace workflows
