#pragma once

#include "AgentStore.h"
#include "Deployments.h"

namespace agents {

/// Seed 004's container routes: POST agents/{id}/deploy and undeploy, GET
/// agents/{id}/container, POST agents/{id}/container/restart, GET
/// agents/{id}/container/logs. Another tenant's agent is a 404, as everywhere.
void registerContainerRoutes(orch::Plugin& plugin, const AgentStore& store, Deployments& deployments);

} // namespace agents
