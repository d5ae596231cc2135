#pragma once

#include "orchestrator/host/Route.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace orch::host {

/// Builds the OpenAPI 3 document from the routes plugins registered: one
/// operation per route with its path parameters, permission, rate-limit
/// category and the plugin's own fragment merged in.
nlohmann::json buildOpenApi(const std::vector<std::shared_ptr<const Route>>& routes, const std::string& version);

} // namespace orch::host
