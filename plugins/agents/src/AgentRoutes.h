#pragma once

#include "AgentStore.h"

namespace agents {

/// GET/POST /agents and GET/PUT/DELETE /agents/{id}: seed 003's bodies (under
/// /api, a bare array and status "inactive" by default) and seed 004's
/// (under /api/v1, {agents, pagination} and "draft"). A definition in a
/// framework's own format is checked and compiled by that framework's
/// adapter and kept as the agent's workflow in the workflows plugin.
void registerAgentRoutes(orch::Plugin& plugin, AgentStore& store);

/// Whether a request came through seed 003's prefix, whose client reads
/// bare arrays (GET /api/agents).
bool seed003Client(const orch::Request& request);

} // namespace agents
