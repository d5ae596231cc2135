#pragma once

#include <orchestrator/plugin.hpp>
#include <orchestrator/tenancy.hpp>

#include <optional>
#include <string>

namespace agents {

/// Agents in the table `ag_agents`, with the figures their executions add
/// up to. Rows are JSON objects keyed by column; view() is what clients read.
class AgentStore {
public:
  explicit AgentStore(const orch::Database& db) : db_(db) {}

  struct Filter {
    std::optional<std::string> ownerType, framework, status, search;
  };

  /// Inserts `columns` (checked by the routes) as a new agent; returns its row.
  orch::json create(orch::json columns);
  /// The agent when it exists, is not deleted and the tenant sees it.
  std::optional<orch::json> find(const std::string& id, const orch::Tenant& tenant) const;
  /// The agent when it exists and is not deleted, whoever owns it (the host's own supervision).
  std::optional<orch::json> findAny(const std::string& id) const;
  std::pair<orch::json, std::int64_t> list(const orch::Tenant& tenant, const Filter& filter, const orch::Page& page) const;
  /// The active agents the tenant sees, oldest first (POST execute without agent_ids).
  orch::json active(const orch::Tenant& tenant) const;
  /// Sets `changes` (columns, checked) and updated_at; returns the new row.
  orch::json update(const std::string& id, const orch::json& changes);
  /// Marks it deleted; false when it was already.
  bool remove(const std::string& id);

  /// Adds one ended execution of an agent to its figures, once per execution
  /// id however many times or hosts report it. False when already counted.
  bool countExecution(const std::string& executionId, const std::string& agentId, bool succeeded,
                      std::int64_t durationMs, const std::string& endedAt);

  /// The agent as clients read it: seed 003's and seed 004's fields.
  static orch::json view(const orch::json& row);
  /// Mean duration of its executions in ms, or nullopt before the first.
  static std::optional<double> averageDurationMs(const orch::json& row);

private:
  const orch::Database& db_;
};

} // namespace agents
