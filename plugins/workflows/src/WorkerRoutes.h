#pragma once

#include "WorkerPools.h"
#include "engine/RemoteSteps.h"

#include <orchestrator/plugin.hpp>

namespace workflows {

/// The link of deployed agents' workers (README, "Workers"): claim steps,
/// answer them, call the host's services for them. Served on the host's Unix
/// socket only (ORCH_ROUTE_LINK), to a worker holding its pool's token
/// (X-Worker-Token); `services` are the ones its steps may call.
void registerWorkerRoutes(orch::Plugin& plugin, WorkerPools& pools, RemoteSteps& remote, std::vector<std::string> services);

} // namespace workflows
