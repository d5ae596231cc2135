#pragma once

#include "AgentStore.h"

#include <functional>
#include <optional>
#include <string>

namespace agents {

/// GET/POST /agents and GET/PUT/DELETE /agents/{id}: seed 003's bodies (under
/// /api, a bare array and status "inactive" by default) and seed 004's
/// (under /api/v1, {agents, pagination} and "draft"). A definition in a
/// framework's own format is checked and compiled by that framework's
/// adapter and kept as the agent's workflow in the workflows plugin.
/// `beforeDelete` runs before an agent is deleted (its deployment is undone).
void registerAgentRoutes(orch::Plugin& plugin, AgentStore& store, std::function<void(const orch::json&)> beforeDelete);

/// POST /agents for `principal`, the body checked; the new row. Shared with
/// the service "agents" (a copy installed from the marketplace), which
/// gives the `version` the copy starts at (the listing's).
orch::json createAgent(const orch::Plugin& plugin, AgentStore& store, const orch::json& principal, const orch::json& body,
                       const std::optional<std::string>& version = std::nullopt);
/// PUT /agents/{id} of `current`; the new row. A changed definition bumps the
/// minor version; a given `version` is taken as it is (an upgrade to a listing's).
orch::json updateAgent(const orch::Plugin& plugin, AgentStore& store, const orch::json& principal, const orch::json& current,
                       const orch::json& body, const std::optional<std::string>& version = std::nullopt);

/// The agent of the route's {id} when the caller sees it; 404 otherwise
/// (another tenant's agent too: nobody learns it exists).
orch::json visibleOrNotFound(const AgentStore& store, const orch::Request& request);

/// Whether a request came through seed 003's prefix, whose client reads
/// bare arrays (GET /api/agents).
bool seed003Client(const orch::Request& request);

} // namespace agents
