#pragma once

#include "orchestrator/host/Route.h"

#include <memory>
#include <vector>

namespace orch::host {

class Server;

/// The host's own routes: health, health/detailed, ready, plugins, the
/// Prometheus metrics and /openapi.json.
std::vector<std::shared_ptr<Route>> systemRoutes(Server& server);

} // namespace orch::host
