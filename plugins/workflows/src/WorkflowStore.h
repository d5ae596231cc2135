#pragma once

#include "WorkflowGraph.h"

#include <orchestrator/plugin.hpp>
#include <orchestrator/tenancy.hpp>

#include <optional>
#include <string>

namespace workflows {

/// Workflows and their version history in the database. The graph is stored
/// once, canonically (the `definition` shape, which reads back exactly), and
/// every version of it is kept in `wf_workflow_versions`.
class WorkflowStore {
public:
  explicit WorkflowStore(const orch::Database& db) : db_(db) {}

  /// Inserts a workflow at version 1.0.0. `fields` holds the columns besides
  /// id, graph, version and times.
  orch::json create(const orch::json& fields, const WorkflowGraph& graph);
  /// The row of a workflow the tenant may see (not deleted), or nullopt.
  std::optional<orch::json> find(const std::string& id, const orch::Tenant& tenant) const;
  /// Updates columns and, when `graph` differs from the stored one, bumps the
  /// minor version and records it. Returns the new row.
  orch::json update(const std::string& id, const orch::json& columns, const WorkflowGraph* graph,
                    const std::string& userId);
  /// Soft delete: gone from lists and GET, kept in storage.
  void remove(const std::string& id);
  orch::json versions(const std::string& id) const;
  std::optional<orch::json> version(const std::string& id, const std::string& version) const;

  struct Filter {
    std::optional<std::string> status, category, search, agentId;
  };
  /// One page of the tenant's workflows and the total.
  std::pair<orch::json, std::int64_t> list(const orch::Tenant& tenant, const Filter& filter, const orch::Page& page) const;

  /// The response shape: every field clients read, with both `steps` and `definition`.
  /// `stats` is the workflow's entry of executionStats (none: no executions).
  static orch::json view(const orch::json& row, const orch::json* graphOverride = nullptr,
                         const orch::json* stats = nullptr);
  /// ExecutionStore::statsFor, for the routes that show a workflow.
  orch::json executionStats(const std::vector<std::string>& workflowIds) const;

private:
  const orch::Database& db_;
};

} // namespace workflows
